"""Guideline sets as data: the CSV files beside this module and a loader.

Built-in sets (values and their verification status from ``shared/reference/standards.md`` section 6;
a row is ``provisional`` unless standards.md marks it V, checked in a primary source):

``who-dw``
    WHO *Guidelines for Drinking-water Quality*, 4th ed. incorporating the 1st and 2nd addenda (2022),
    ``who_dw.csv`` (standards.md 6.1).
``ccme-soil-agricultural``, ``ccme-soil-residential``, ``ccme-soil-commercial``, ``ccme-soil-industrial``
    Canadian Soil Quality Guidelines, Summary Table Update 7.0 (2007), mg/kg dry weight, ``ccme_soil.csv``
    (standards.md 6.2).
``dutch-target``, ``dutch-intervention``
    Dutch target and intervention values for standard soil (10 % organic matter, 25 % clay), ``dutch.csv``
    (standards.md 6.3); not corrected for the site's soil here.

A user-defined national standard is a CSV shaped like ``user_template.csv`` (columns ``parameter``,
``medium`` water/solid, ``fraction`` total/dissolved/any, ``min``, ``max``, ``unit``, ``edition``,
``status``, ``provisional``, ``source``, ``note``), read with :func:`load_user_set`.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from minewatch.errors import InvalidInput
from minewatch.water.screening import Guideline, GuidelineSet
from minewatch.water.units import parse_unit

LANDUSES = ("agricultural", "residential", "commercial", "industrial")
BUILT_IN = ("who-dw", *(f"ccme-soil-{u}" for u in LANDUSES), "dutch-target", "dutch-intervention")


def available_sets() -> tuple[str, ...]:
    return BUILT_IN


def load_guideline_set(name: str) -> GuidelineSet:
    """A built-in set by name, or a user CSV when ``name`` is a path to an existing ``.csv`` file."""
    if name == "who-dw":
        rows = _rows(_text("who_dw.csv"), "who_dw.csv")
        gl = tuple(_guideline(r, i, "who_dw.csv") for i, r in rows)
        return GuidelineSet("who-dw", "WHO Guidelines for Drinking-water Quality",
                            "4th ed. incorporating the 1st and 2nd addenda (2022)", "drinking_water", gl)
    if name.startswith("ccme-soil-") and name.removeprefix("ccme-soil-") in LANDUSES:
        use = name.removeprefix("ccme-soil-")
        gl = tuple(Guideline(r["parameter"], "solid", "any", None, _dec(r["max"], i, "max", "ccme_soil.csv"),
                             r["unit"], r["source"], f"Summary Table Update 7.0 (2007), {use}, {r['year']}",
                             r["status"], _bool(r["provisional"]), r["note"])
                   for i, r in _rows(_text("ccme_soil.csv"), "ccme_soil.csv") if r["landuse"] == use)
        return GuidelineSet(name, f"CCME Canadian Soil Quality Guidelines ({use})", "Update 7.0 (2007)", "soil", gl)
    if name in ("dutch-target", "dutch-intervention"):
        col = name.removeprefix("dutch-")
        gl = tuple(Guideline(r["parameter"], "solid", "any", None, _dec(r[col], i, col, "dutch.csv"), r["unit"],
                             r["source"], r["edition"], r["status"], _bool(r["provisional"]), r["note"])
                   for i, r in _rows(_text("dutch.csv"), "dutch.csv"))
        return GuidelineSet(name, f"Dutch soil {col} values", "2000 circular (standard soil)", "soil", gl)
    path = Path(name)
    if path.suffix.lower() == ".csv" and path.is_file():
        return load_user_set(path)
    raise InvalidInput(f"unknown guideline set {name!r}: use one of {', '.join(BUILT_IN)} or a CSV file "
                       f"shaped like the user template")


def load_user_set(path: Path, *, name: str | None = None) -> GuidelineSet:
    """A user-defined standard from a CSV (see ``user_template.csv``); every bad cell is named."""
    label = Path(path).name
    text = Path(path).read_text(encoding="utf-8-sig")
    gl = tuple(_guideline(r, i, label) for i, r in _rows(text, label))
    purpose = "drinking_water" if all(g.medium == "water" for g in gl) else "soil"
    return GuidelineSet(name or Path(path).stem, f"user-defined standard {label}",
                        gl[0].edition if gl else "", purpose, gl)


def template_text() -> str:
    return _text("user_template.csv")


def _text(filename: str) -> str:
    return resources.files(__name__).joinpath(filename).read_text(encoding="utf-8")


def _rows(text: str, label: str):
    reader = csv.DictReader(io.StringIO(text))
    need = {"parameter", "unit"}
    missing = need - set(reader.fieldnames or ())
    if missing:
        raise InvalidInput(f"{label}: missing column(s) {', '.join(sorted(missing))}")
    return [(i, r) for i, r in enumerate(reader, start=2) if (r.get("parameter") or "").strip()]


def _guideline(r: dict, row: int, label: str) -> Guideline:
    medium = (r.get("medium") or "").strip().lower()
    if medium not in ("water", "solid"):
        raise InvalidInput(f"{label} row {row}, column 'medium', value {medium!r}: must be 'water' or 'solid'")
    fraction = (r.get("fraction") or "any").strip().lower()
    if fraction not in ("total", "dissolved", "any"):
        raise InvalidInput(f"{label} row {row}, column 'fraction', value {fraction!r}: must be total, dissolved or any")
    lo, hi = _dec(r.get("min"), row, "min", label), _dec(r.get("max"), row, "max", label)
    if lo is None and hi is None:
        raise InvalidInput(f"{label} row {row}, columns 'min'/'max': give at least one of them")
    try:
        parse_unit(r["unit"], medium="soil" if medium == "solid" else "river")
    except InvalidInput as exc:
        raise InvalidInput(f"{label} row {row}, column 'unit', value {r['unit']!r}: {exc.message}") from None
    return Guideline(r["parameter"].strip().lower(), medium, fraction, lo, hi, r["unit"].strip(),
                     (r.get("source") or "").strip(), (r.get("edition") or "").strip(),
                     (r.get("status") or "").strip(), _bool(r.get("provisional", "true")),
                     (r.get("note") or "").strip())


def _dec(text, row: int, column: str, label: str) -> Decimal | None:
    t = (text or "").strip()
    if not t:
        return None
    try:
        v = Decimal(t)
    except InvalidOperation:
        raise InvalidInput(f"{label} row {row}, column {column!r}, value {t!r}: not a number") from None
    if v < 0:
        raise InvalidInput(f"{label} row {row}, column {column!r}, value {t!r}: must not be negative")
    return v


def _bool(text) -> bool:
    return (text or "").strip().lower() in ("true", "yes", "1", "y")
