"""Species and physical measures for tree area planning: the tables, their loader and age-class lookups.

Two data files sit beside this module, every value group with its source and a ``provisional`` flag
(true where the value was not checked against a readable source: most of them, see
docs/models/planting-species.md):

- ``species.csv``: trees, shrubs, bamboo and grasses used to rehabilitate mine land and hold slopes.
  Each species has three age classes, *establishing* ``[0, young_from_years)``, *young*
  ``[young_from_years, years_to_maturity)`` and *mature* ``[years_to_maturity, inf)``; each class has a
  root cohesion as a triangular distribution (min, mode, max) in kPa and a USLE cover factor C
  (dimensionless, 0-1). Root cohesion counts only above ``rooting_depth_m`` (reference/hazards.md 6.1).
  Planting: maximum slope (deg), spacing in the row and between rows (m), seedlings per hectare
  (checked against ``10 000 / (spacing_m * row_spacing_m)`` within 1 %), seedling price (USD, exact
  :class:`~decimal.Decimal` as money is everywhere in minewatch), labour (person-days per ha) and
  expected survival (fraction).
- ``measures.csv``: physical measures (benches, trenches, ditches, check dams, wattles) with their
  effects: USLE support practice factor P, a multiplier on relative wetness, added root cohesion (kPa),
  or the fraction of incoming sediment trapped; a blank effect means none (P = 1, wetness x 1, + 0 kPa,
  0 trapped). Cost (USD, Decimal) and labour per unit (``ha``, ``m`` or ``each``).

A user table has the same columns; its rows extend the built-in ones, and a row whose ``id`` is a
built-in id replaces that row. A bad cell is reported with the file, line, column and value.

>>> acacia = load_species()["acacia_mangium"]
>>> root_cohesion_at(acacia, 2.9), root_cohesion_at(acacia, 3)
((0.0, 0.5, 1.0), (1.0, 3.0, 5.0))
>>> c_factor_at(acacia, 10), plantable(acacia, 30.0), plantable(acacia, 40.0)
(0.01, True, False)
>>> acacia.seedling_cost_usd * acacia.seedlings_per_ha
Decimal('166.65')
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput

HERE = Path(__file__).parent
SPECIES_TABLE = HERE / "species.csv"
MEASURES_TABLE = HERE / "measures.csv"

AGE_CLASSES = ("establishing", "young", "mature")
LIFE_FORMS = ("tree", "shrub", "bamboo", "grass")
MEASURE_UNITS = ("ha", "m", "each")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

# numeric column -> (kind, unit, lowest plausible, highest plausible); the unit is the name's suffix
_SPECIES_NUMBERS: dict[str, tuple[str, str, float, float]] = {
    "young_from_years": ("float", "yr", 0.0, 50.0),
    "years_to_maturity": ("float", "yr", 0.0, 100.0),
    **{f"root_cohesion_{c}_{s}_kpa": ("float", "kPa", 0.0, 200.0) for c in AGE_CLASSES for s in ("min", "mode", "max")},
    "rooting_depth_m": ("float", "m", 0.0, 10.0),
    **{f"usle_c_{c}": ("float", "-", 0.0, 1.0) for c in AGE_CLASSES},
    "max_slope_deg": ("float", "deg", 0.0, 90.0),
    "spacing_m": ("float", "m", 0.01, 50.0),
    "row_spacing_m": ("float", "m", 0.01, 50.0),
    "seedlings_per_ha": ("int", "1/ha", 1.0, 10_000_000.0),
    "seedling_cost_usd": ("money", "USD", 0.0, 10_000.0),
    "labour_days_per_ha": ("float", "person-day/ha", 0.0, 100_000.0),
    "survival_fraction": ("float", "-", 0.0, 1.0),
}
_SPECIES_TEXT = ("id", "scientific_name", "name_en", "name_fr", "name_es", "life_form", "native_regions",
                 "source_root", "source_cover", "source_planting")
_SPECIES_FLAGS = ("provisional_root", "provisional_cover", "provisional_planting")
_SPECIES_COLUMNS = ("id", "scientific_name", "name_en", "name_fr", "name_es", "life_form", *_SPECIES_NUMBERS,
                    "native_regions", "source_root", "provisional_root", "source_cover", "provisional_cover",
                    "source_planting", "provisional_planting", "notes")

_MEASURE_NUMBERS: dict[str, tuple[str, str, float, float]] = {
    "usle_p": ("float?", "-", 0.0, 1.0),
    "wetness_multiplier": ("float?", "-", 0.0, 1.0),
    "cohesion_add_kpa": ("float?", "kPa", 0.0, 200.0),
    "sediment_trap_fraction": ("float?", "-", 0.0, 1.0),
    "max_slope_deg": ("float", "deg", 0.0, 90.0),
    "cost_usd_per_unit": ("money", "USD", 0.0, 10_000_000.0),
    "labour_days_per_unit": ("float", "person-day", 0.0, 100_000.0),
    "lifetime_years": ("float", "yr", 0.0, 200.0),
}
_MEASURE_COLUMNS = ("id", "name_en", "name_fr", "name_es", "unit", *_MEASURE_NUMBERS, "source", "provisional", "notes")
_NEUTRAL = {"usle_p": 1.0, "wetness_multiplier": 1.0, "cohesion_add_kpa": 0.0, "sediment_trap_fraction": 0.0}


@dataclass(frozen=True)
class AgeClass:
    """One age class of a species: ``from_years <= age < to_years`` (``to_years`` None: no end).

    ``root_cohesion_kpa`` is a triangular (min, mode, max) in kPa; ``usle_c`` the RUSLE cover factor.
    """

    name: str
    from_years: float
    to_years: float | None
    root_cohesion_kpa: tuple[float, float, float]
    usle_c: float

    @property
    def root_cohesion_pa(self) -> tuple[float, float, float]:
        """The same triangular in Pa (the unit of the slope-stability parameters)."""
        return tuple(v * 1000.0 for v in self.root_cohesion_kpa)

    def contains(self, age_years: float) -> bool:
        return self.from_years <= age_years and (self.to_years is None or age_years < self.to_years)


@dataclass(frozen=True)
class Species:
    """One plantable species (or a placeholder group such as ``native_pioneer``)."""

    id: str
    scientific_name: str
    names: dict[str, str]  # language code (en, fr, es) -> common names, ';'-separated
    life_form: str
    age_classes: tuple[AgeClass, ...]
    rooting_depth_m: float
    max_slope_deg: float
    spacing_m: float
    row_spacing_m: float
    seedlings_per_ha: int
    seedling_cost_usd: Decimal
    labour_days_per_ha: float
    survival_fraction: float
    native_regions: tuple[str, ...]
    sources: dict[str, str]  # value group (root, cover, planting) -> citation
    provisional_groups: dict[str, bool]  # value group -> not verified against a readable source
    notes: str = ""

    @property
    def years_to_maturity(self) -> float:
        return self.age_classes[-1].from_years

    @property
    def provisional(self) -> bool:
        """True when any value group is provisional."""
        return any(self.provisional_groups.values())

    @property
    def cost_per_ha_usd(self) -> Decimal:
        """Seedlings for one hectare at the table price (USD, exact)."""
        return self.seedling_cost_usd * self.seedlings_per_ha


@dataclass(frozen=True)
class Measure:
    """One physical measure; neutral effects are P = 1, wetness x 1, + 0 kPa, 0 trapped."""

    id: str
    names: dict[str, str]
    unit: str  # "ha", "m" or "each"
    usle_p: float
    wetness_multiplier: float
    cohesion_add_kpa: float
    sediment_trap_fraction: float
    max_slope_deg: float
    cost_usd_per_unit: Decimal
    labour_days_per_unit: float
    lifetime_years: float
    source: str
    provisional: bool
    notes: str = ""


def _bad(path: Path, line: int, column: str, value: object, message: str) -> InvalidInput:
    return InvalidInput(f"{path.name} line {line}, column {column}: value {value!r}: {message}")


def _rows(path: Path, columns: tuple[str, ...]):
    """Yield (line, row) after checking the header; unreadable files are InvalidInput."""
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc
    with fh:
        reader = csv.DictReader(fh)
        header = [c.strip() for c in (reader.fieldnames or [])]
        for col in header:
            if col not in columns:
                raise _bad(path, 1, col, col, f"unexpected column; expected: {', '.join(columns)}")
        for col in columns:
            if col not in header:
                raise _bad(path, 1, col, "", "missing column")
        reader.fieldnames = header
        for row in reader:
            if None in row:
                raise _bad(path, reader.line_num, "(end)", row[None], "more cells than columns")
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}


def _number(path: Path, line: int, col: str, text: str, spec: tuple[str, str, float, float]):
    kind, unit, lo, hi = spec
    if kind.endswith("?") and text == "":
        return None
    try:
        if kind == "money":
            value = Decimal(text)
            if not value.is_finite():
                raise InvalidOperation
        elif kind == "int":
            value = int(text)
        else:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError
    except (ValueError, InvalidOperation):
        what = "a whole number" if kind == "int" else "a number"
        raise _bad(path, line, col, text, f"is not {what} ({unit})") from None
    if not lo <= value <= hi:
        raise _bad(path, line, col, text, f"outside the plausible range {lo:g}-{hi:g} {unit}")
    return value


def _flag(path: Path, line: int, col: str, text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise _bad(path, line, col, text, "is not true or false")
    return text.lower() == "true"


def _check_id(path: Path, line: int, text: str, seen: set[str]) -> str:
    if not _ID.match(text):
        raise _bad(path, line, "id", text, "an id is lower case letters, digits and '_', starting with a letter")
    if text in seen:
        raise _bad(path, line, "id", text, "appears twice in this file")
    seen.add(text)
    return text


def _parse_species(path: Path) -> dict[str, Species]:
    out: dict[str, Species] = {}
    for line, row in _rows(path, _SPECIES_COLUMNS):
        for col in _SPECIES_TEXT:
            if not row[col]:
                raise _bad(path, line, col, row[col], "empty")
        sid = _check_id(path, line, row["id"], set(out))
        v = {col: _number(path, line, col, row[col], spec) for col, spec in _SPECIES_NUMBERS.items()}
        if row["life_form"] not in LIFE_FORMS:
            raise _bad(path, line, "life_form", row["life_form"], f"not one of {', '.join(LIFE_FORMS)}")
        if not v["young_from_years"] < v["years_to_maturity"]:
            raise _bad(path, line, "years_to_maturity", row["years_to_maturity"],
                       f"needs young_from_years ({row['young_from_years']}) < years_to_maturity")
        classes = []
        bounds = (0.0, v["young_from_years"], v["years_to_maturity"], None)
        for i, name in enumerate(AGE_CLASSES):
            cols = [f"root_cohesion_{name}_{s}_kpa" for s in ("min", "mode", "max")]
            tri = tuple(v[c] for c in cols)
            if not tri[0] <= tri[1] <= tri[2]:
                raise _bad(path, line, cols[-1], row[cols[-1]],
                           f"needs {' <= '.join(cols)} (got {', '.join(row[c] for c in cols)})")
            classes.append(AgeClass(name, bounds[i], bounds[i + 1], tri, v[f"usle_c_{name}"]))
        expected = 10_000 / (v["spacing_m"] * v["row_spacing_m"])
        if abs(v["seedlings_per_ha"] - expected) > 0.01 * expected:
            raise _bad(path, line, "seedlings_per_ha", row["seedlings_per_ha"],
                       f"differs by more than 1 % from 10000 / (spacing_m x row_spacing_m) = {expected:.0f}")
        groups = ("root", "cover", "planting")
        out[sid] = Species(
            id=sid, scientific_name=row["scientific_name"],
            names={lang: row[f"name_{lang}"] for lang in ("en", "fr", "es")},
            life_form=row["life_form"], age_classes=tuple(classes), rooting_depth_m=v["rooting_depth_m"],
            max_slope_deg=v["max_slope_deg"], spacing_m=v["spacing_m"], row_spacing_m=v["row_spacing_m"],
            seedlings_per_ha=v["seedlings_per_ha"], seedling_cost_usd=v["seedling_cost_usd"],
            labour_days_per_ha=v["labour_days_per_ha"], survival_fraction=v["survival_fraction"],
            native_regions=tuple(r.strip() for r in row["native_regions"].split(";") if r.strip()),
            sources={g: row[f"source_{g}"] for g in groups},
            provisional_groups={g: _flag(path, line, f"provisional_{g}", row[f"provisional_{g}"]) for g in groups},
            notes=row["notes"])
    if not out:
        raise InvalidInput(f"{path.name}: no rows")
    return out


def _parse_measures(path: Path) -> dict[str, Measure]:
    out: dict[str, Measure] = {}
    for line, row in _rows(path, _MEASURE_COLUMNS):
        for col in ("id", "name_en", "name_fr", "name_es", "unit", "source"):
            if not row[col]:
                raise _bad(path, line, col, row[col], "empty")
        mid = _check_id(path, line, row["id"], set(out))
        if row["unit"] not in MEASURE_UNITS:
            raise _bad(path, line, "unit", row["unit"], f"not one of {', '.join(MEASURE_UNITS)}")
        v = {col: _number(path, line, col, row[col], spec) for col, spec in _MEASURE_NUMBERS.items()}
        if all(v[c] is None for c in _NEUTRAL):
            raise _bad(path, line, "usle_p", "", f"a measure needs at least one effect: {', '.join(_NEUTRAL)}")
        effects = {c: _NEUTRAL[c] if v[c] is None else v[c] for c in _NEUTRAL}
        out[mid] = Measure(
            id=mid, names={lang: row[f"name_{lang}"] for lang in ("en", "fr", "es")}, unit=row["unit"], **effects,
            max_slope_deg=v["max_slope_deg"], cost_usd_per_unit=v["cost_usd_per_unit"],
            labour_days_per_unit=v["labour_days_per_unit"], lifetime_years=v["lifetime_years"], source=row["source"],
            provisional=_flag(path, line, "provisional", row["provisional"]), notes=row["notes"])
    if not out:
        raise InvalidInput(f"{path.name}: no rows")
    return out


@cache
def _builtin_species() -> dict[str, Species]:
    return _parse_species(SPECIES_TABLE)


@cache
def _builtin_measures() -> dict[str, Measure]:
    return _parse_measures(MEASURES_TABLE)


def load_species(path: Path | str | None = None, *, builtin: bool = True) -> dict[str, Species]:
    """Species by id: the built-in table, extended and overridden by id with the rows of ``path``."""
    table = dict(_builtin_species()) if builtin else {}
    if path is not None:
        table.update(_parse_species(Path(path)))
    return table


def load_measures(path: Path | str | None = None, *, builtin: bool = True) -> dict[str, Measure]:
    """Measures by id: the built-in table, extended and overridden by id with the rows of ``path``."""
    table = dict(_builtin_measures()) if builtin else {}
    if path is not None:
        table.update(_parse_measures(Path(path)))
    return table


def age_class_at(species: Species, age_years: float) -> AgeClass:
    """The age class holding ``age_years`` (years since planting; a boundary age opens the next class)."""
    try:
        age = float(age_years)
    except (TypeError, ValueError):
        age = math.nan
    if not age >= 0:  # also rejects NaN
        raise InvalidInput(f"age {age_years!r} years: needs a number >= 0 (years since planting)")
    return next(c for c in species.age_classes if c.contains(age))


def root_cohesion_at(species: Species, age_years: float) -> tuple[float, float, float]:
    """Root cohesion (min, mode, max) in kPa at ``age_years``, valid above ``species.rooting_depth_m``.

    A triangular distribution per age class (reference/hazards.md 6.1 recommends storing Cr as a
    triangular so that it feeds the Monte Carlo factor of safety directly); the step between classes
    is the table's resolution, not growth physics.

    >>> root_cohesion_at(load_species()["chrysopogon_zizanioides"], 2)
    (5.0, 7.5, 10.0)
    """
    return age_class_at(species, age_years).root_cohesion_kpa


def c_factor_at(species: Species, age_years: float) -> float:
    """RUSLE cover factor C (dimensionless, 0-1) of a stand of ``species`` aged ``age_years``.

    >>> c_factor_at(load_species()["chrysopogon_zizanioides"], 0.5)
    0.2
    """
    return age_class_at(species, age_years).usle_c


def plantable(species: Species, slope_deg):
    """True where the slope (deg) is at most the species' planting limit; NaN slopes are not plantable.

    ``slope_deg`` may be a number (returns a bool) or an array (returns a boolean array).

    >>> plantable(load_species()["chrysopogon_zizanioides"], np.array([10.0, 45.0, 46.0, np.nan])).tolist()
    [True, True, False, False]
    """
    slope = np.asarray(slope_deg, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = (slope >= 0) & (slope <= species.max_slope_deg)
    return bool(ok) if ok.ndim == 0 else ok
