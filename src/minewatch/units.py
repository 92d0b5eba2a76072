"""The one pint unit registry of minewatch, with exact Decimal magnitudes.

Built lazily on first use (pint reads its definitions file), never at import. Conversions come from
pint's definitions, not from constants typed here: the troy ounce is 480 grains and the grain
64.79891 mg (international yard and pound agreement, 1959), so 1 troy ounce = 31.1034768 g exactly.

>>> to_unit(Decimal("1"), "troy_ounce", "gram")
Decimal('31.1034768')
"""

from __future__ import annotations

import functools
from decimal import Decimal


@functools.cache
def registry():
    """The shared ``pint.UnitRegistry`` (Decimal magnitudes, so money and masses stay exact)."""
    import pint

    return pint.UnitRegistry(non_int_type=Decimal)


def to_unit(value: Decimal, unit: str, target: str) -> Decimal:
    """``value`` in ``unit`` expressed in ``target`` (pint unit names), as an exact Decimal."""
    ureg = registry()
    return Decimal(ureg.Quantity(Decimal(value), unit).to(target).magnitude).normalize() + Decimal(0)


def is_mass_unit(unit: str) -> bool:
    """Whether ``unit`` (a pint unit name) is a unit of mass."""
    import pint

    ureg = registry()
    try:
        return ureg.Unit(unit).dimensionality == ureg.Unit("gram").dimensionality
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, ValueError, AttributeError):
        return False
