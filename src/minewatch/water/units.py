"""Concentration units of water, sediment and soil results, converted with pint (minewatch.units).

Accepted: mass per volume (``mg/L``, ``ug/L``, ``µg/l``, ``ng/L``, ``g/m3``) and mass per mass
(``mg/kg``, ``ug/kg``, ``g/t``); ``ppm``/``ppb``/``ppt`` mean mg/L, ug/L, ng/L for water and mg/kg,
ug/kg, ng/kg for solids (the convention of laboratory reports; a water density of 1 kg/L is assumed
and said so). A unit that names a chemical species (``ug/l As``, ``mg/l CN-``) keeps it: converting
between species (As and As2O3) is never done silently, it raises.

>>> convert(Decimal("12"), "ug/l As", "mg/L", medium="river")
Decimal('0.012')
>>> convert(Decimal("3"), "ppm", "mg/kg", medium="soil")
Decimal('3')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from minewatch.errors import InvalidInput
from minewatch.units import registry
from minewatch.water.model import SOLID_MEDIA

_MICRO = str.maketrans({"µ": "u", "μ": "u"})
_PARTS = {"ppm": ("mg/L", "mg/kg"), "ppb": ("ug/L", "ug/kg"), "ppt": ("ng/L", "ng/kg")}
_PERCENT = re.compile(r"^\s*(?:%|g\s*/\s*100\s*g)\s*(?P<species>\S.*)?$", re.I)  # solids only
_UNIT = re.compile(r"^\s*(?P<unit>[A-Za-zµμ]+\s*/\s*[A-Za-z0-9]+|ppm|ppb|ppt)\s*(?P<species>\S.*)?$", re.I)


@dataclass(frozen=True)
class Unit:
    """A parsed concentration unit: the pint expression, whether it is per volume or per mass, and the
    chemical species written after it (``As``, ``CN-``) or None."""

    pint: str
    per: str  # "volume" | "mass"
    species: str | None
    text: str


def parse_unit(text: str, *, medium: str | None = None) -> Unit:
    """Read a unit text; InvalidInput names it when it is not a concentration unit this module knows."""
    raw = (text or "").strip()
    pct = _PERCENT.match(raw)
    if pct and medium in SOLID_MEDIA:
        # "% Fe" in a sediment or soil analysis is g/100 g (mass fraction); pint reads it as 10 g/kg
        return Unit("percent", "mass", (pct.group("species") or "").strip() or None, raw)
    m = _UNIT.match(raw.translate(_MICRO))
    if not m:
        raise InvalidInput(f"unit {text!r} is not a concentration unit (mg/L, ug/L, ng/L, mg/kg, ug/kg, ppm, ppb)")
    unit = re.sub(r"\s+", "", m.group("unit"))
    species = (m.group("species") or "").strip() or None
    low = unit.lower()
    if low in _PARTS:
        if medium is None:
            raise InvalidInput(f"unit {text!r}: ppm/ppb/ppt need the medium (water or solid) to be read")
        unit = _PARTS[low][1 if medium in SOLID_MEDIA else 0]
    num, _, den = unit.partition("/")
    den_l = den.lower()
    if den_l in ("l", "m3", "ml"):
        per = "volume"
        den = {"l": "L", "m3": "m**3", "ml": "mL"}[den_l]
    elif den_l in ("kg", "g", "t"):
        per = "mass"
        den = {"kg": "kg", "g": "g", "t": "metric_ton"}[den_l]
    else:
        raise InvalidInput(f"unit {text!r}: per {den!r} is neither a volume (L, m3) nor a mass (kg, g, t)")
    num_l = num.lower()
    mass = {"g": "g", "mg": "mg", "ug": "ug", "ng": "ng"}.get(num_l)
    if mass is None:
        raise InvalidInput(f"unit {text!r}: {num!r} is not a mass (g, mg, ug, ng)")
    return Unit(f"{mass}/{den}", per, species, raw)


def convert(value: Decimal, unit: str, target: str, *, medium: str | None = None) -> Decimal:
    """``value`` in ``unit`` expressed in ``target``; InvalidInput if they measure different things
    (per volume vs per mass) or name different species."""
    src, dst = parse_unit(unit, medium=medium), parse_unit(target, medium=medium)
    if src.per != dst.per:
        raise InvalidInput(f"cannot convert {unit!r} to {target!r}: one is per {src.per}, the other per {dst.per}")
    if src.species and dst.species and src.species.lower() != dst.species.lower():
        raise InvalidInput(f"cannot convert {unit!r} to {target!r}: different species ({src.species} vs "
                           f"{dst.species}); convert the chemical form explicitly")
    ureg = registry()
    q = ureg.Quantity(Decimal(value), src.pint).to(dst.pint)
    return Decimal(q.magnitude).normalize() + Decimal(0)
