"""Pure value objects of water, sediment and soil quality (no I/O).

A :class:`Measurement` is one laboratory or field-kit result as the screening, the CCME index and the
trend tests see it, whether it comes from the database or from a CSV file. A value below the
detection limit is *censored*: ``censored="<"`` and ``value`` is the detection limit (never zero,
never dropped); ``">"`` marks a value above the method's range.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

MEDIA = ("drinking_water", "river", "groundwater", "lake", "effluent", "sediment", "soil", "tailings")
WATER_MEDIA = ("drinking_water", "river", "groundwater", "lake", "effluent")
SOLID_MEDIA = ("sediment", "soil", "tailings")
FRACTIONS = ("total", "dissolved", "unspecified")
CENSORING = (None, "<", ">")
POSITIONS = ("upstream", "downstream", "at_site", "unspecified")  # of a sampling point relative to its site


@dataclass(frozen=True)
class Measurement:
    """One result. ``parameter`` is a key of the parameter vocabulary (e.g. ``arsenic``); ``unit`` a
    unit text as :func:`minewatch.water.units.parse_unit` reads it (``mg/L``, ``ug/l``, ``mg/kg``...)."""

    parameter: str
    value: Decimal
    unit: str
    sampled_at: dt.datetime | dt.date
    medium: str = "river"
    fraction: str = "unspecified"
    censored: str | None = None
    qualifier: str | None = None
    point_code: str | None = None
    site_code: str | None = None
    sample_ref: str | None = None
    result_id: int | None = None

    @property
    def below_detection(self) -> bool:
        return self.censored == "<"
