"""Slope-stability parameters from what users have: a soil texture class and a land cover class.

The tables are data files beside this module, each row with its source and a ``provisional`` flag
(true for values from an unverified source, marked [MEM] in reference/hazards.md):

- ``soil_texture.csv``: USDA texture class (French/Spanish synonyms) -> effective friction angle
  range (deg), effective cohesion range (Pa), unit weight range (kN/m3) and the saturated hydraulic
  conductivity of Rawls, Brakensiek & Saxton (1982) in mm/h (reference/hazards.md 6.2).
- ``land_cover.csv``: land cover class (and the marks a site polygon may carry: pit, spoil heap,
  tailings, forest, plantation, grass) -> root cohesion as a triangular (min, mode, max) in Pa and a
  rooting depth in m (reference/hazards.md 6.1); root cohesion counts only above the rooting depth.

Units are part of the column names and are checked by the loader, with the other checks
(min <= mode <= max, plausible physical ranges, a source on every row); a bad row is named by its
line and column. Conversions are exact: Ksat [m/s] = Ksat [mm/h] / 3 600 000 (evaluated on the decimal
text with :class:`fractions.Fraction`, so one rounding only), density [kg/m3] = unit weight
[N/m3] / g with standard gravity g = 9.80665 m/s2 (3rd CGPM, 1901).

>>> soil_class("franco arcilloso").name
'clay loam'
>>> soil_class("loam").ksat_m_s == 13.2 / 3_600_000
True
>>> landcover_class("forest").root_cohesion_pa
(10000.0, 17500.0, 25000.0)
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput

G_STANDARD = 9.80665  # m/s2, standard gravity (exact by definition)
HERE = Path(__file__).parent
SOIL_TABLE = HERE / "soil_texture.csv"
LANDCOVER_TABLE = HERE / "land_cover.csv"

# column -> (unit, lowest plausible, highest plausible); the unit is the column name's suffix
_SOIL_COLUMNS = {
    "friction_min_deg": ("deg", 0.0, 60.0), "friction_max_deg": ("deg", 0.0, 60.0),
    "cohesion_min_pa": ("Pa", 0.0, 200_000.0), "cohesion_max_pa": ("Pa", 0.0, 200_000.0),
    "unit_weight_min_kn_m3": ("kN/m3", 10.0, 30.0), "unit_weight_max_kn_m3": ("kN/m3", 10.0, 30.0),
    "ksat_mm_h": ("mm/h", 1e-6, 10_000.0),
}
_LANDCOVER_COLUMNS = {
    "root_cohesion_min_pa": ("Pa", 0.0, 200_000.0), "root_cohesion_mode_pa": ("Pa", 0.0, 200_000.0),
    "root_cohesion_max_pa": ("Pa", 0.0, 200_000.0), "rooting_depth_m": ("m", 0.0, 10.0),
}
_TEXT_COLUMNS = ("class", "synonyms", "source", "provisional")
_ORDERED = {  # (low, [mid,] high) columns that must be non-decreasing
    "soil": [("friction_min_deg", "friction_max_deg"), ("cohesion_min_pa", "cohesion_max_pa"),
             ("unit_weight_min_kn_m3", "unit_weight_max_kn_m3")],
    "landcover": [("root_cohesion_min_pa", "root_cohesion_mode_pa", "root_cohesion_max_pa")],
}


def normalise(name: str) -> str:
    """Lower case, accents stripped, '_', '-' and runs of spaces as one space.

    >>> normalise("Forêt_naturelle")
    'foret naturelle'
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


@dataclass(frozen=True)
class SoilClass:
    """One soil texture class; ranges are (min, max)."""

    name: str
    synonyms: tuple[str, ...]
    friction_deg: tuple[float, float]
    cohesion_pa: tuple[float, float]
    unit_weight_kn_m3: tuple[float, float]
    ksat_mm_h: Fraction
    source: str
    provisional: bool

    @property
    def ksat_m_s(self) -> float:
        """Ksat in m/s: mm/h / 3 600 000, exact until the one final rounding."""
        return float(self.ksat_mm_h / 3_600_000)

    @property
    def ksat_m_day(self) -> float:
        """Ksat in m/day: mm/h x 24 / 1000."""
        return float(self.ksat_mm_h * 24 / 1000)

    @property
    def density_kg_m3(self) -> tuple[float, float]:
        """(min, max) wet density rho = gamma / g (kg/m3)."""
        return tuple(w * 1000.0 / G_STANDARD for w in self.unit_weight_kn_m3)

    @property
    def central(self) -> dict[str, float]:
        """Central values (midpoints of the ranges) for the deterministic factor of safety."""
        return {"friction_deg": sum(self.friction_deg) / 2, "cohesion_pa": sum(self.cohesion_pa) / 2,
                "density_kg_m3": sum(self.density_kg_m3) / 2, "ksat_m_day": self.ksat_m_day}


@dataclass(frozen=True)
class LandCoverClass:
    """One land cover class: root cohesion triangular (min, mode, max) in Pa and rooting depth (m)."""

    name: str
    synonyms: tuple[str, ...]
    root_cohesion_pa: tuple[float, float, float]
    rooting_depth_m: float
    source: str
    provisional: bool


@dataclass(frozen=True)
class Table:
    """A loaded table: classes by name and an index of every normalised name and synonym."""

    kind: str
    path: Path
    classes: dict[str, object]
    index: dict[str, str] = field(repr=False)

    @property
    def label(self) -> str:
        return "soil texture" if self.kind == "soil" else "land cover"

    def get(self, name: str):
        key = normalise(name)
        if key not in self.index:
            raise InvalidInput(f"unknown {self.label} class {name!r}; known: {', '.join(self.classes)} "
                               f"(or a synonym listed in {self.path.name})")
        return self.classes[self.index[key]]


def _bad(path: Path, line: int, column: str, message: str) -> InvalidInput:
    return InvalidInput(f"{path.name} line {line}, column {column}: {message}")


def _load(path: Path, kind: str) -> Table:
    numeric = _SOIL_COLUMNS if kind == "soil" else _LANDCOVER_COLUMNS
    expected = ["class", "synonyms", *numeric, "source", "provisional"]
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        for col in header:
            if col not in expected:
                units = "; ".join(f"{c} ({u[0]})" for c, u in numeric.items())
                raise _bad(path, 1, col, f"unexpected column (units are part of the names: {units})")
        for col in expected:
            if col not in header:
                raise _bad(path, 1, col, "missing column")
        classes: dict[str, object] = {}
        index: dict[str, str] = {}
        for row in reader:
            line = reader.line_num
            for col in _TEXT_COLUMNS:
                if col != "synonyms" and not (row.get(col) or "").strip():
                    raise _bad(path, line, col, "empty")
            name = row["class"].strip()
            values: dict[str, float] = {}
            for col, (unit, lo, hi) in numeric.items():
                text = (row.get(col) or "").strip()
                try:
                    values[col] = float(text)
                except ValueError:
                    raise _bad(path, line, col, f"{text!r} is not a number ({unit})") from None
                if not lo <= values[col] <= hi:
                    raise _bad(path, line, col, f"{text} {unit} is outside the plausible range {lo:g}-{hi:g} {unit}")
            for cols in _ORDERED[kind]:
                vals = [values[c] for c in cols]
                if any(a > b for a, b in zip(vals, vals[1:])):
                    raise _bad(path, line, cols[-1], f"needs {' <= '.join(cols)} (got {', '.join(map(str, vals))})")
            flag = row["provisional"].strip().lower()
            if flag not in ("true", "false"):
                raise _bad(path, line, "provisional", f"{row['provisional']!r} is not true or false")
            synonyms = tuple(s.strip() for s in (row.get("synonyms") or "").split(";") if s.strip())
            common = dict(name=name, synonyms=synonyms, source=row["source"].strip(), provisional=flag == "true")
            if kind == "soil":
                cls = SoilClass(friction_deg=(values["friction_min_deg"], values["friction_max_deg"]),
                                cohesion_pa=(values["cohesion_min_pa"], values["cohesion_max_pa"]),
                                unit_weight_kn_m3=(values["unit_weight_min_kn_m3"], values["unit_weight_max_kn_m3"]),
                                ksat_mm_h=Fraction(row["ksat_mm_h"].strip()), **common)
            else:
                cls = LandCoverClass(root_cohesion_pa=(values["root_cohesion_min_pa"], values["root_cohesion_mode_pa"],
                                                       values["root_cohesion_max_pa"]),
                                     rooting_depth_m=values["rooting_depth_m"], **common)
            if name in classes:
                raise _bad(path, line, "class", f"{name!r} appears twice")
            classes[name] = cls
            for alias in (name, *synonyms):
                key = normalise(alias)
                if index.get(key, name) != name:
                    raise _bad(path, line, "synonyms", f"{alias!r} already names class {index[key]!r}")
                index[key] = name
    if not classes:
        raise InvalidInput(f"{path.name}: no rows")
    return Table(kind, Path(path), classes, index)


@cache
def _default(kind: str) -> Table:
    return _load(SOIL_TABLE if kind == "soil" else LANDCOVER_TABLE, kind)


def load_soil_table(path: Path | str | None = None) -> Table:
    """The soil texture table (the packaged one, or ``path`` validated the same way)."""
    return _default("soil") if path is None else _load(Path(path), "soil")


def load_landcover_table(path: Path | str | None = None) -> Table:
    """The land cover table (the packaged one, or ``path`` validated the same way)."""
    return _default("landcover") if path is None else _load(Path(path), "landcover")


def soil_class(name: str) -> SoilClass:
    """The soil texture class named ``name`` (USDA name or a listed synonym; case/accents ignored)."""
    return load_soil_table().get(name)


def landcover_class(name: str) -> LandCoverClass:
    """The land cover class named ``name`` (or a site mark such as ``pit``, ``forest``, ``plantation``)."""
    return load_landcover_table().get(name)


def read_legend(path: Path | str) -> dict[int, str]:
    """A legend CSV with columns ``code,class`` -> {integer code: class name}."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"code", "class"} <= {c.strip().lower() for c in reader.fieldnames}:
                raise InvalidInput(f"{path.name}: a legend needs the columns code,class (got {reader.fieldnames})")
            legend: dict[int, str] = {}
            for row in reader:
                row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                try:
                    code = int(float(row["code"]))
                except ValueError:
                    raise InvalidInput(f"{path.name} line {reader.line_num}: code {row['code']!r} "
                                       "is not an integer") from None
                legend[code] = row["class"]
    except OSError as exc:
        raise InvalidInput(f"cannot read legend {path}: {exc.strerror}") from exc
    return legend


SOIL_FIELDS = ("friction_min_deg", "friction_max_deg", "cohesion_min_pa", "cohesion_max_pa", "density_kg_m3",
               "ksat_m_day")
LANDCOVER_FIELDS = ("root_cohesion_min_pa", "root_cohesion_mode_pa", "root_cohesion_max_pa", "rooting_depth_m")


def _soil_values(c: SoilClass) -> tuple[float, ...]:
    return (*c.friction_deg, *c.cohesion_pa, c.central["density_kg_m3"], c.ksat_m_day)


def _landcover_values(c: LandCoverClass) -> tuple[float, ...]:
    return (*c.root_cohesion_pa, c.rooting_depth_m)


def _arrays(codes, legend: dict[int, str], table: Table, fields, values) -> tuple[dict[str, np.ndarray], list]:
    codes = np.asarray(codes, dtype=float)
    classes = {code: table.get(name) for code, name in legend.items()}  # unknown legend class -> error
    valid = ~np.isnan(codes)
    present = np.unique(codes[valid])
    missing = [c for c in present if c != int(c) or int(c) not in classes]
    if missing:
        shown = ", ".join(f"{m:g}" for m in missing[:10])
        raise InvalidInput(f"raster value(s) {shown} not in the {table.label} legend (codes: "
                           f"{', '.join(map(str, sorted(classes)))})")
    out = {f: np.full(codes.shape, np.nan) for f in fields}
    used = []
    for code in present:
        cls = classes[int(code)]
        used.append(cls)
        mask = codes == code
        for f, v in zip(fields, values(cls)):
            out[f][mask] = v
    return out, used


def soil_arrays(codes, legend: dict[int, str]) -> tuple[dict[str, np.ndarray], list[SoilClass]]:
    """Per-cell soil parameters (:data:`SOIL_FIELDS`; NaN where the code is NaN) and the classes used."""
    return _arrays(codes, legend, load_soil_table(), SOIL_FIELDS, _soil_values)


def landcover_arrays(codes, legend: dict[int, str]) -> tuple[dict[str, np.ndarray], list[LandCoverClass]]:
    """Per-cell root cohesion (min, mode, max, Pa) and rooting depth (m), and the classes used."""
    return _arrays(codes, legend, load_landcover_table(), LANDCOVER_FIELDS, _landcover_values)


def soil_scalars(cls: SoilClass) -> dict[str, float]:
    return dict(zip(SOIL_FIELDS, _soil_values(cls)))


def landcover_scalars(cls: LandCoverClass) -> dict[str, float]:
    return dict(zip(LANDCOVER_FIELDS, _landcover_values(cls)))
