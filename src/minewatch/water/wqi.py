"""CCME Water Quality Index 1.0 (pure: no I/O).

The index of CCME (2001), *Canadian Water Quality Guidelines for the Protection of Aquatic Life: CCME
Water Quality Index 1.0, User's Manual* (formula as in standards.md section 7.1, status V)::

    F1 = 100 * failed variables / variables                        (scope)
    F2 = 100 * failed tests / tests                                (frequency)
    excursion = value / maximum - 1     (a test over a maximum objective)
              = minimum / value - 1     (a test under a minimum objective)
    nse = sum of excursions / tests     (ALL tests, not only the failed ones)
    F3 = nse / (0.01 * nse + 0.01)                                 (amplitude)
    CWQI = 100 - sqrt(F1**2 + F2**2 + F3**2) / 1.732

Bands (standards.md 7.2): Excellent 95-100, Good 80-94, Fair 65-79, Marginal 45-64, Poor 0-44.

Decisions (issue 6 part 4; standards.md 7.2 leaves both open):

a. **A value equal to its objective meets it.** CCME counts tests "not meeting" the objective; an
   objective is a limit not to be exceeded (maximum) or a floor not to be undercut (minimum), so only a
   value strictly beyond it fails. (bcgov/wqbc counts ``value >= maximum`` as a failure; we do not.)
b. **A non-integer index is banded after rounding half up to an integer**, because CCME reports the index
   as an integer and its bands are integer ranges: 94.5 -> 95 Excellent, 94.49 -> 94 Good, 44.5 -> 45
   Marginal. ``wqi`` keeps one decimal; ``wqi_rounded`` is the integer that was banded.

Censored results (our rule, tested):

* ``<DL`` against a maximum objective: passes when DL <= maximum; when DL > maximum the test cannot be
  judged and is left out of the tests (listed in ``excluded``, never counted as a pass or a failure).
* ``<DL`` against a minimum objective: fails when DL <= minimum (the true value is below DL), with the
  excursion computed at DL, a lower bound; left out when DL > minimum.
* ``>L`` against a maximum: fails when L >= maximum, excursion at L (a lower bound); otherwise left out.

Minimum design: at least 4 variables with at least 4 tests each (CCME; standards.md 7.1). A variable with
fewer than 4 tests is left out and listed in ``excluded``; fewer than 4 remaining variables raises
:class:`~minewatch.errors.InvalidInput` with a message naming the counts.

>>> round(f3_from_nse(0.5), 4)
33.3333
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from minewatch.errors import InvalidInput
from minewatch.water.model import Measurement
from minewatch.water.units import convert

MIN_VARIABLES = 4
MIN_TESTS_PER_VARIABLE = 4
BANDS = ((95, "Excellent"), (80, "Good"), (65, "Fair"), (45, "Marginal"), (0, "Poor"))


@dataclass(frozen=True)
class Objective:
    """A water quality objective for one variable: ``minimum`` and/or ``maximum`` in ``unit``."""

    parameter: str
    unit: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def __post_init__(self):
        if self.minimum is None and self.maximum is None:
            raise InvalidInput(f"objective for {self.parameter!r}: give a min or a max")
        if self.minimum is not None and self.maximum is not None and self.minimum >= self.maximum:
            raise InvalidInput(f"objective for {self.parameter!r}: min {self.minimum} must be under max {self.maximum}")


@dataclass(frozen=True)
class WqiResult:
    f1: float
    f2: float
    f3: float
    nse: float
    wqi: float
    wqi_rounded: int
    category: str
    variables: int
    tests: int
    failed_variables: list[str]
    failed_tests: int
    excluded: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"f1": round(self.f1, 2), "f2": round(self.f2, 2), "f3": round(self.f3, 2), "nse": round(self.nse, 4),
                "wqi": round(self.wqi, 1), "wqi_rounded": self.wqi_rounded, "category": self.category,
                "variables": self.variables, "tests": self.tests, "failed_variables": self.failed_variables,
                "failed_tests": self.failed_tests, "excluded": self.excluded}


def f3_from_nse(nse: float) -> float:
    """F3 = nse / (0.01 nse + 0.01) (CCME 2001)."""
    return nse / (0.01 * nse + 0.01)


def index_value(f1: float, f2: float, f3: float) -> float:
    """CWQI = 100 - sqrt(F1² + F2² + F3²) / 1.732 (CCME 2001; 1.732 scales the vector to 0-100)."""
    return 100.0 - math.sqrt(f1 * f1 + f2 * f2 + f3 * f3) / 1.732


def categorize(score: float) -> str:
    """The CCME band of an index value, after rounding half up to an integer (decision b)."""
    if score < 0 or score > 100 or math.isnan(score):
        raise InvalidInput(f"a CCME WQI is between 0 and 100, not {score}")
    n = int(Decimal(repr(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    for low, name in BANDS:
        if n >= low:
            return name
    return "Poor"  # pragma: no cover


def judge(value: Decimal, censored: str | None, obj: Objective) -> tuple[str, float]:
    """One test: ``("pass" | "fail" | "excluded", excursion)`` under the rules of the module docstring."""
    lo, hi = obj.minimum, obj.maximum
    if censored == "<":
        if lo is not None and value <= lo:
            return "fail", (float(lo / value) - 1.0) if value > 0 else math.inf
        if lo is not None or (hi is not None and value > hi):
            return "excluded", 0.0
        return "pass", 0.0
    if censored == ">":
        if hi is not None and value >= hi:
            return "fail", float(value / hi) - 1.0
        if hi is None and lo is not None and value >= lo:
            return "pass", 0.0
        return "excluded", 0.0
    if hi is not None and value > hi:
        return "fail", float(value / hi) - 1.0
    if lo is not None and value < lo:
        if value <= 0:
            return "excluded", 0.0
        return "fail", float(lo / value) - 1.0
    return "pass", 0.0


def calculate(measurements: Iterable[Measurement], objectives: Iterable[Objective]) -> WqiResult:
    """The CCME WQI 1.0 of the results that have an objective (others are ignored).

    Values are converted to the objective's unit with :func:`minewatch.water.units.convert` unless the
    unit texts are the same (``pH``, ``#/dL`` need no conversion); a unit that cannot be converted raises
    InvalidInput naming the result (never guessed).
    """
    objs = {o.parameter: o for o in objectives}
    per_var: dict[str, list[tuple[str, float]]] = {}
    excluded: list[dict] = []
    for m in measurements:
        obj = objs.get(m.parameter)
        if obj is None:
            continue
        if _same_unit(m.unit, obj.unit):
            value = Decimal(m.value)
        else:
            try:
                value = convert(m.value, m.unit, obj.unit, medium=m.medium)
            except InvalidInput as exc:
                raise InvalidInput(f"{m.parameter} on {m.sampled_at}: value {m.value} {m.unit!r} cannot be "
                                   f"compared with the objective in {obj.unit!r}: {exc.message}") from None
        outcome, exc_ = judge(value, m.censored, obj)
        if outcome == "excluded":
            excluded.append({"parameter": m.parameter, "sampled_at": m.sampled_at.isoformat(),
                             "value": f"{m.censored or ''}{m.value}", "reason": "censored value cannot be judged "
                             "against the objective (detection limit beyond it)" if m.censored else
                             "value of zero or less against a minimum objective"})
            continue
        per_var.setdefault(m.parameter, []).append((outcome, exc_))
    for name in sorted(per_var):
        if len(per_var[name]) < MIN_TESTS_PER_VARIABLE:
            excluded.append({"parameter": name, "sampled_at": None, "value": None,
                             "reason": f"only {len(per_var[name])} test(s); CCME asks at least {MIN_TESTS_PER_VARIABLE}"})
            del per_var[name]
    if len(per_var) < MIN_VARIABLES:
        raise InvalidInput(f"the CCME WQI needs at least {MIN_VARIABLES} variables sampled at least "
                           f"{MIN_TESTS_PER_VARIABLE} times each; {len(per_var)} variable(s) qualify"
                           + (f" ({', '.join(sorted(per_var))})" if per_var else ""))
    tests = sum(len(v) for v in per_var.values())
    failed_vars = sorted(n for n, v in per_var.items() if any(o == "fail" for o, _ in v))
    failed_tests = sum(1 for v in per_var.values() for o, _ in v if o == "fail")
    nse = sum(e for v in per_var.values() for o, e in v if o == "fail") / tests
    f1 = 100.0 * len(failed_vars) / len(per_var)
    f2 = 100.0 * failed_tests / tests
    f3 = f3_from_nse(nse) if math.isfinite(nse) else 100.0
    score = max(0.0, index_value(f1, f2, f3))
    rounded = int(Decimal(repr(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return WqiResult(f1, f2, f3, nse, score, rounded, categorize(score), len(per_var), tests, failed_vars,
                     failed_tests, excluded)


def _same_unit(a: str, b: str) -> bool:
    norm = str.maketrans({"µ": "u", "μ": "u"})
    return a.strip().lower().translate(norm).replace(" ", "") == b.strip().lower().translate(norm).replace(" ", "")


def read_objectives(text: str, *, label: str = "objectives") -> list[Objective]:
    """Objectives from CSV text with columns ``parameter``, ``unit``, ``min``, ``max`` (errors name row and column)."""
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text))
    cols = {c.strip().lower(): c for c in reader.fieldnames or ()}
    missing = [c for c in ("parameter", "unit", "min", "max") if c not in cols]
    if missing:
        raise InvalidInput(f"{label}: missing column(s) {', '.join(missing)} (need parameter, unit, min, max)")
    out, seen = [], set()
    for i, row in enumerate(reader, start=2):
        name = (row[cols["parameter"]] or "").strip()
        if not name:
            continue
        if name in seen:
            raise InvalidInput(f"{label} row {i}, column 'parameter', value {name!r}: given twice")
        seen.add(name)
        lo, hi = (_number(row[cols[c]], label, i, c) for c in ("min", "max"))
        try:
            out.append(Objective(name, (row[cols["unit"]] or "").strip(), lo, hi))
        except InvalidInput as exc:
            raise InvalidInput(f"{label} row {i}: {exc.message}") from None
    if not out:
        raise InvalidInput(f"{label}: no objectives")
    return out


def read_samples(text: str, *, label: str = "samples") -> list[Measurement]:
    """Results from CSV text with columns ``sampled_at``, ``parameter``, ``value``, ``unit``; ``<0.05`` is
    below the detection limit 0.05 (censored, kept), ``>2000`` above a range; empty values are no result."""
    import csv
    import datetime as dt
    import io

    reader = csv.DictReader(io.StringIO(text))
    cols = {c.strip().lower(): c for c in reader.fieldnames or ()}
    missing = [c for c in ("sampled_at", "parameter", "value", "unit") if c not in cols]
    if missing:
        raise InvalidInput(f"{label}: missing column(s) {', '.join(missing)} (need sampled_at, parameter, value, unit)")
    out = []
    for i, row in enumerate(reader, start=2):
        raw = (row[cols["value"]] or "").strip()
        if not raw:
            continue
        censored = raw[0] if raw[0] in "<>" else None
        value = _number(raw[1:] if censored else raw, label, i, "value", original=raw)
        if value is None:
            raise InvalidInput(f"{label} row {i}, column 'value', value {raw!r}: no number after {censored!r}")
        when = (row[cols["sampled_at"]] or "").strip()
        try:
            sampled_at = dt.datetime.fromisoformat(when) if "T" in when or " " in when else dt.date.fromisoformat(when)
        except ValueError:
            raise InvalidInput(f"{label} row {i}, column 'sampled_at', value {when!r}: not an ISO date "
                               f"(YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
        out.append(Measurement((row[cols["parameter"]] or "").strip(), value, (row[cols["unit"]] or "").strip(),
                               sampled_at, censored=censored))
    return out


def _number(text, label: str, row: int, column: str, *, original: str | None = None) -> Decimal | None:
    from decimal import InvalidOperation

    t = (text or "").strip().replace(",", ".") if (text or "").count(",") == 1 and "." not in (text or "") else (text or "").strip()
    if not t:
        return None
    try:
        v = Decimal(t)
    except InvalidOperation:
        raise InvalidInput(f"{label} row {row}, column {column!r}, value {original or text!r}: not a number") from None
    if not v.is_finite() or v < 0:
        raise InvalidInput(f"{label} row {row}, column {column!r}, value {original or text!r}: not a non-negative number")
    return v
