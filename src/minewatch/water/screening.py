"""Guideline screening of water, sediment and soil results (pure: no I/O, no clock, no config).

Each :class:`~minewatch.water.model.Measurement` screened against a :class:`GuidelineSet` gives one
:class:`Finding` (findings are data, STYLE.md rule 5):

``exceeds``
    the value is above the maximum (or below the minimum) guideline; ``factor`` = value / guideline
    (guideline / value for a minimum). A value *equal* to the guideline meets it (the guideline is
    "not to exceed"; the same rule as the CCME index, see :mod:`minewatch.water.wqi`).
``within``
    at or under the guideline, or below a detection limit that is itself at or under the guideline.
``not_assessable``
    with a ``reason``: ``no_guideline`` (the set has no value for this parameter and medium),
    ``unit_mismatch`` (the unit cannot be converted to the guideline's: per volume vs per mass, or a
    different chemical species such as nitrate as N vs as NO3; never guessed), ``detection_limit_above_guideline``
    (a ``<DL`` result whose DL is above the guideline says nothing), ``censored_above_range``.

Choices, stated once here and repeated in each finding's ``notes``:

* **Fractions** are screened separately and labelled (``fraction`` in the finding). WHO drinking-water
  values are for *total* concentrations (standards.md 6.1). A *dissolved* result is a lower bound of the
  total, so a dissolved exceedance stands; a dissolved "within" does not show that the total is within,
  and the finding says so. A result of unstated fraction is screened as if total, and says so.
* **River, lake, ground water and effluent** are screened against drinking-water values only "if used
  for drinking": ``if_used_for_drinking`` is True and the notes say so. Only ``drinking_water`` is
  screened as drinking water.
* **Mercury**: the WHO value (0.006 mg/L) is for inorganic mercury; a total-mercury result is screened
  against it as a proxy (most mercury in surface water is inorganic), and the note says so.
* **Censored values** are kept as censored: ``<DL`` is within only when DL <= guideline; ``>L`` exceeds
  when L >= the maximum (the factor is then a lower bound, ``factor_is_lower_bound``).

>>> from decimal import Decimal as D
>>> import datetime as dt
>>> from minewatch.water.model import Measurement
>>> g = GuidelineSet("who-dw", "WHO", "4th ed.", purpose="drinking_water",
...                  guidelines=(Guideline("arsenic", "water", "total", None, D("0.01"), "mg/L"),))
>>> f = screen_one(Measurement("arsenic", D("12"), "ug/L", dt.date(2024, 2, 6), medium="drinking_water",
...                            fraction="total"), g)
>>> f.status, f.factor
('exceeds', Decimal('1.2'))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from minewatch.errors import InvalidInput
from minewatch.water.model import SOLID_MEDIA, WATER_MEDIA, Measurement
from minewatch.water.units import convert

STATUSES = ("exceeds", "within", "not_assessable")

# Chemical symbols and common names a result's parameter key may carry -> the guideline key.
ALIASES = {
    "as": "arsenic", "pb": "lead", "hg": "mercury", "cd": "cadmium", "cr": "chromium", "mn": "manganese",
    "ni": "nickel", "u": "uranium", "f": "fluoride", "no3": "nitrate", "no2": "nitrite", "sb": "antimony",
    "ba": "barium", "cu": "copper", "zn": "zinc", "cr6": "chromium_vi", "crvi": "chromium_vi",
    "cn": "cyanide_free", "cyanide": "cyanide_free", "mercury_total": "mercury", "mercury_inorganic": "mercury",
}


def parameter_key(key: str) -> str:
    """The guideline key of a result's parameter key (``As`` -> ``arsenic``)."""
    k = (key or "").strip().lower()
    return ALIASES.get(k, k)


@dataclass(frozen=True)
class Guideline:
    """One guideline value: ``medium`` is ``water`` or ``solid``; ``fraction`` ``total``, ``dissolved``
    or ``any``; ``minimum``/``maximum`` in ``unit``; ``provisional`` when standards.md does not verify it."""

    parameter: str
    medium: str
    fraction: str
    minimum: Decimal | None
    maximum: Decimal | None
    unit: str
    source: str = ""
    edition: str = ""
    status: str = ""
    provisional: bool = True
    note: str = ""


@dataclass(frozen=True)
class GuidelineSet:
    """A named set of guidelines (``who-dw``, ``ccme-soil-residential``, ...). ``purpose`` is
    ``drinking_water`` (then non-drinking water is screened "if used for drinking") or ``soil``."""

    name: str
    title: str
    edition: str
    purpose: str
    guidelines: tuple[Guideline, ...]

    def find(self, parameter: str, medium: str, fraction: str) -> Guideline | None:
        """The guideline for a result: same parameter and medium group, the result's fraction first."""
        group = "solid" if medium in SOLID_MEDIA else "water"
        key = parameter_key(parameter)
        rows = [g for g in self.guidelines if g.parameter == key and g.medium == group]
        for wanted in (fraction, "total", "any"):
            for g in rows:
                if g.fraction == wanted:
                    return g
        return rows[0] if rows else None


@dataclass(frozen=True)
class Finding:
    """The screening of one result against one guideline set."""

    measurement: Measurement
    status: str
    reason: str
    message: str
    guideline_set: str
    guideline: Guideline | None = None
    value_in_guideline_unit: Decimal | None = None
    factor: Decimal | None = None
    factor_is_lower_bound: bool = False
    if_used_for_drinking: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        m, g = self.measurement, self.guideline
        return {
            "parameter": m.parameter, "fraction": m.fraction, "medium": m.medium, "point": m.point_code,
            "site": m.site_code, "sampled_at": m.sampled_at.isoformat(), "result_id": m.result_id,
            "value": ("<" if m.censored == "<" else ">" if m.censored == ">" else "") + str(m.value),
            "unit": m.unit, "status": self.status, "reason": self.reason, "message": self.message,
            "factor": None if self.factor is None else float(round(self.factor, 3)),
            "factor_is_lower_bound": self.factor_is_lower_bound,
            "value_in_guideline_unit": None if self.value_in_guideline_unit is None
            else str(self.value_in_guideline_unit),
            "if_used_for_drinking": self.if_used_for_drinking,
            "guideline": None if g is None else {
                "set": self.guideline_set, "parameter": g.parameter, "fraction": g.fraction,
                "min": None if g.minimum is None else str(g.minimum),
                "max": None if g.maximum is None else str(g.maximum), "unit": g.unit, "edition": g.edition,
                "source": g.source, "status": g.status, "provisional": g.provisional},
            "notes": list(self.notes),
        }


def screen(measurements: Iterable[Measurement], guideline_set: GuidelineSet) -> list[Finding]:
    """One finding per result, in the order given."""
    return [screen_one(m, guideline_set) for m in measurements]


def summarise(findings: Iterable[Finding]) -> dict[tuple[str, str], dict[str, int]]:
    """Counts per (parameter, fraction): ``{"exceeds": n, "within": n, "not_assessable": n}``."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    for f in findings:
        c = out.setdefault((f.measurement.parameter, f.measurement.fraction), dict.fromkeys(STATUSES, 0))
        c[f.status] += 1
    return out


def screen_one(m: Measurement, gset: GuidelineSet) -> Finding:
    """Screen one result (see the module docstring for the rules)."""
    notes: list[str] = []
    drinking_use = False
    if gset.purpose == "drinking_water":
        if m.medium in SOLID_MEDIA:
            return _na(m, gset, None, "no_guideline", f"{gset.name} has drinking-water values; "
                       f"a {m.medium} result is not screened against them", notes)
        if m.medium != "drinking_water":
            drinking_use = True
            notes.append(f"{m.medium} water screened against drinking-water values only as 'if used for drinking'")
    elif m.medium in WATER_MEDIA:
        return _na(m, gset, None, "no_guideline", f"{gset.name} has soil/sediment values; a {m.medium} "
                   f"water result is not screened against them", notes)
    elif m.medium != "soil":
        notes.append(f"{m.medium} screened against soil values for comparison only")

    g = gset.find(m.parameter, m.medium, m.fraction)
    if g is None:
        return _na(m, gset, None, "no_guideline", f"{gset.name} has no value for {m.parameter} in "
                   f"{m.medium}", notes, drinking_use)
    if g.fraction == "total" and m.fraction == "dissolved":
        notes.append("dissolved result against a total-concentration guideline: an exceedance stands "
                     "(total >= dissolved), 'within' does not show the total is within")
    elif g.fraction == "total" and m.fraction == "unspecified":
        notes.append("fraction not stated: screened as if total")
    if g.note:
        notes.append(g.note)
    if g.provisional:
        notes.append(f"guideline value provisional (standards.md status {g.status or 'unverified'})")

    try:
        value = convert(m.value, m.unit, g.unit, medium=m.medium)
    except InvalidInput as exc:
        return _na(m, gset, g, "unit_mismatch", f"unit {m.unit!r} cannot be compared with the guideline's "
                   f"{g.unit!r}: {exc.message}", notes, drinking_use)

    def fin(status, reason, message, factor=None, lower=False):
        return Finding(m, status, reason, message, gset.name, g, value, factor, lower, drinking_use, tuple(notes))

    gtxt = f"{g.maximum if g.maximum is not None else g.minimum} {g.unit}"
    if m.censored == "<":
        if g.maximum is not None and value > g.maximum:
            return fin("not_assessable", "detection_limit_above_guideline",
                       f"below a detection limit ({value} {g.unit}) that is above the guideline {gtxt}")
        if g.minimum is not None and value <= g.minimum:
            return fin("exceeds", "below_minimum", f"below detection limit {value} {g.unit}, under the "
                       f"minimum {gtxt}", g.minimum / value if value else None, True)
        if g.minimum is not None:
            return fin("not_assessable", "detection_limit_above_guideline",
                       f"below a detection limit ({value} {g.unit}) above the minimum {gtxt}")
        return fin("within", "below_detection_limit",
                   f"below a detection limit ({value} {g.unit}) at or under the guideline {gtxt}")
    if m.censored == ">":
        if g.maximum is not None and value >= g.maximum:
            return fin("exceeds", "above_maximum", f"above {value} {g.unit} (over the range), guideline {gtxt}",
                       value / g.maximum, True)
        if g.maximum is None and g.minimum is not None and value >= g.minimum:
            return fin("within", "above_minimum", f"above {value} {g.unit}, at or over the minimum {gtxt}")
        return fin("not_assessable", "censored_above_range", f"above {value} {g.unit}: cannot say against {gtxt}")
    if g.maximum is not None and value > g.maximum:
        return fin("exceeds", "above_maximum", f"{value} {g.unit} exceeds the guideline {g.maximum} {g.unit} "
                   f"({value / g.maximum:.3g} x)", value / g.maximum)
    if g.minimum is not None and value < g.minimum:
        return fin("exceeds", "below_minimum", f"{value} {g.unit} is under the minimum {g.minimum} {g.unit}",
                   g.minimum / value if value else None)
    return fin("within", "within", f"{value} {g.unit} is within the guideline {gtxt}",
               value / g.maximum if g.maximum else None)


def _na(m, gset, g, reason, message, notes, drinking_use=False) -> Finding:
    return Finding(m, "not_assessable", reason, message, gset.name, g, None, None, False, drinking_use, tuple(notes))
