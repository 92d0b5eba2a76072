"""What a geomodel declares about itself (STYLE.md rule 6): its inputs, outputs and parameters, each
with a CSDMS-style name, dtype, units and nodata, and the publications its equations come from.

Pure: no I/O. A contract test (tests/contract/test_geomodels.py) checks every registered model's SPEC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# CSDMS Standard Names: object__quantity, lower case, words joined by "_" (e.g. soil__internal_friction_angle).
CSDMS_NAME = re.compile(r"^[a-z][a-z0-9_]*__[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Variable:
    """A raster (or scalar field) a model reads or writes."""

    name: str  # CSDMS-style: topographic__elevation
    units: str  # UCUM-like text: "m", "deg", "1" (dimensionless), "m2 m-1"
    dtype: str = "float64"
    description: str = ""
    nodata: float | None = None
    optional: bool = False


@dataclass(frozen=True)
class Parameter:
    """A number a model uses; ``provisional`` when its default comes from an unverified source."""

    name: str
    units: str
    default: float | None
    description: str = ""
    source: str = ""
    provisional: bool = False
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Spec:
    """A geomodel's declaration."""

    id: str  # the registry key, e.g. "terrain"
    title: str
    inputs: tuple[Variable, ...]
    outputs: tuple[Variable, ...]
    citations: tuple[str, ...]
    parameters: tuple[Parameter, ...] = ()
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def problems(self) -> list[str]:
        """What is wrong with this declaration (empty when it is sound)."""
        out = []
        if not self.citations:
            out.append(f"{self.id}: no citation")
        seen = set()
        for v in (*self.inputs, *self.outputs):
            if not CSDMS_NAME.match(v.name):
                out.append(f"{self.id}: {v.name!r} is not a CSDMS-style name (object__quantity)")
            if not v.units:
                out.append(f"{self.id}: {v.name} has no units")
        for p in self.parameters:
            if p.name in seen:
                out.append(f"{self.id}: parameter {p.name} declared twice")
            seen.add(p.name)
            if not p.units:
                out.append(f"{self.id}: parameter {p.name} has no units")
            if p.provisional and not p.source:
                out.append(f"{self.id}: provisional parameter {p.name} names no source")
        return out
