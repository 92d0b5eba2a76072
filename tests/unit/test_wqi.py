"""CCME Water Quality Index 1.0 (minewatch.water.wqi).

The worked example is the one of the CCME WQI 1.0 User's Manual (CCME 2001): North Saskatchewan River
at Devon, Alberta, 1997, 10 variables. The data file ``tests/fixtures/water_wqi/ccme_devon_1997.csv`` is
the manual's table as transcribed by the Province of British Columbia in bcgov/wqbc
(``data-raw/ccme.csv``, see ``data-raw/ccme.md``: "taken from the CCME Water Quality Index Users Manual
1.0"). The published result is an index of 88, category "Good"; bcgov/wqindex
``tests/testthat/test-calc-wqi.R`` asserts the same (``round(x$WQI) == 88``, "Good") and two further
values on variants of the data (88.1 with one DO value removed: 10 variables, 102 tests; 86.8 with As
removed as well: 9 variables, 90 tests).

Zeros reported with a detection limit in that table ("not detected") are read as ``<DL``; empty cells
are no test.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from decimal import Decimal as D
from pathlib import Path

import pytest

from minewatch.errors import InvalidInput
from minewatch.water.model import Measurement
from minewatch.water.wqi import Objective, calculate, categorize, f3_from_nse, index_value, judge

DEVON = Path(__file__).resolve().parents[1] / "fixtures" / "water_wqi" / "ccme_devon_1997.csv"


def devon(drop=lambda row: False):
    ms, objs = [], {}
    with DEVON.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            var = row["Variable"]
            objs[var] = Objective(var, row["Units"], D(row["LowerLimit"]) if row["LowerLimit"] else None,
                                  D(row["UpperLimit"]) if row["UpperLimit"] else None)
            if not row["Value"] or drop(row):
                continue
            value, censored = D(row["Value"]), None
            if value == 0 and row["DetectionLimit"]:
                value, censored = D(row["DetectionLimit"]), "<"
            ms.append(Measurement(var, value, row["Units"], dt.date.fromisoformat(row["Date"]), censored=censored))
    return ms, list(objs.values())


def test_ccme_users_manual_devon_1997_reproduces():
    res = calculate(*devon())
    # Published: CWQI 88, "Good" (CCME 2001 User's Manual; bcgov/wqindex test-calc-wqi.R).
    assert res.wqi_rounded == 88
    assert res.category == "Good"
    # The intermediate values follow by hand from the manual's table (our arithmetic, shown here):
    # failed variables TP (0.058, 0.108 > 0.05) and Pb (0.0094, 0.0051 > 0.004): F1 = 100*2/10 = 20;
    # tests = 7 variables x 12 dates + Hg 11 + 2,4-D 4 + Lindane 4 = 103, failed 4: F2 = 3.883;
    # excursions 0.16 + 1.16 + 1.35 + 0.275 = 2.945, nse = 2.945/103, F3 = 2.78; CWQI = 88.13.
    assert res.variables == 10 and res.tests == 103
    assert res.failed_variables == ["Pb", "TP"] and res.failed_tests == 4
    assert res.f1 == pytest.approx(20.0)
    assert res.f2 == pytest.approx(400 / 103)
    assert res.nse == pytest.approx(2.945 / 103)
    assert round(res.f3, 2) == 2.78
    assert round(res.wqi, 1) == 88.1


def test_bcgov_wqindex_variants_reproduce():
    # bcgov/wqindex tests/testthat/test-calc-wqi.R: DO on 1997-03-04 removed -> 10 variables, 102 tests, 88.1
    res = calculate(*devon(lambda r: r["Variable"] == "DO" and r["Date"] == "1997-03-04"))
    assert (res.variables, res.tests, round(res.wqi, 1)) == (10, 102, 88.1)
    # ... and As removed as well -> 9 variables, 90 tests, 86.8
    res = calculate(*devon(lambda r: r["Variable"] == "As" or (r["Variable"] == "DO" and r["Date"] == "1997-03-04")))
    assert (res.variables, res.tests, round(res.wqi, 1)) == (9, 90, 86.8)


def test_formula_parts():
    # F3 = nse/(0.01 nse + 0.01) = 100 nse/(nse+1) (standards.md 7.1)
    assert f3_from_nse(1.0) == pytest.approx(50.0)
    assert index_value(0, 0, 0) == 100.0
    # all three factors at 100 -> sqrt(3)*100/1.732 = 100.0 (to the 1.732 rounding) -> index about 0
    assert index_value(100, 100, 100) == pytest.approx(100 - math.sqrt(30000) / 1.732)


def test_value_equal_to_objective_meets_it():
    # Decision (a): strictly beyond the objective fails; equal passes (bcgov/wqbc would count it failed).
    hi = Objective("Pb", "mg/L", maximum=D("0.01"))
    lo = Objective("DO", "mg/L", minimum=D("5"))
    assert judge(D("0.01"), None, hi) == ("pass", 0.0)
    assert judge(D("5"), None, lo) == ("pass", 0.0)
    assert judge(D("0.02"), None, hi) == ("fail", pytest.approx(1.0))
    assert judge(D("4"), None, lo) == ("fail", pytest.approx(0.25))


@pytest.mark.parametrize("score,band", [
    # integer boundaries: bcgov/wqbc tests/testthat/test-calc-wqi.R (standards.md 7.2)
    (0, "Poor"), (44, "Poor"), (45, "Marginal"), (64, "Marginal"), (65, "Fair"), (79, "Fair"),
    (80, "Good"), (94, "Good"), (95, "Excellent"), (100, "Excellent"),
    # decision (b): round half up to an integer, then band
    (94.5, "Excellent"), (94.49, "Good"), (44.5, "Marginal"), (44.49, "Poor"), (79.5, "Good"), (64.5, "Fair"),
])
def test_bands(score, band):
    assert categorize(score) == band


@pytest.mark.parametrize("bad", [-1, 101])
def test_band_outside_range_is_an_error(bad):
    with pytest.raises(InvalidInput):
        categorize(bad)


def _grid(n_vars, n_samples, value="1"):
    objs = [Objective(f"v{i}", "mg/L", maximum=D("2")) for i in range(n_vars)]
    ms = [Measurement(f"v{i}", D(value), "mg/L", dt.date(2024, 1, 1 + j)) for i in range(n_vars) for j in range(n_samples)]
    return ms, objs


def test_minimum_four_variables_four_samples():
    res = calculate(*_grid(4, 4))
    assert (res.variables, res.tests, res.wqi) == (4, 16, 100.0)
    with pytest.raises(InvalidInput, match="at least 4 variables sampled at least 4 times"):
        calculate(*_grid(3, 10))
    ms, objs = _grid(4, 4)
    with pytest.raises(InvalidInput, match="3 variable"):
        calculate(ms[1:], objs)  # v0 left with 3 tests: left out, 3 variables remain


def test_censored_rule():
    hi = Objective("As", "mg/L", maximum=D("0.01"))
    lo = Objective("DO", "mg/L", minimum=D("5"))
    assert judge(D("0.005"), "<", hi)[0] == "pass"          # <DL with DL under the objective
    assert judge(D("0.01"), "<", hi)[0] == "pass"           # DL equal to the objective: true value is under it
    assert judge(D("0.05"), "<", hi)[0] == "excluded"       # DL above the objective: cannot be judged
    assert judge(D("4"), "<", lo) == ("fail", pytest.approx(0.25))  # surely under the minimum; excursion at DL
    assert judge(D("0.02"), ">", hi) == ("fail", pytest.approx(1.0))
    # an excluded censored test is listed, not counted
    ms, objs = _grid(4, 5)
    objs = [Objective(o.parameter, "mg/L", maximum=D("0.5")) for o in objs]
    ms = [Measurement(m.parameter, D("0.1"), "mg/L", m.sampled_at) for m in ms]
    ms.append(Measurement("v0", D("1"), "mg/L", dt.date(2024, 2, 1), censored="<"))
    res = calculate(ms, objs)
    assert res.tests == 20 and len(res.excluded) == 1 and res.wqi == 100.0


def test_units_converted_to_the_objective_and_unconvertible_reported():
    ms, objs = _grid(4, 4)
    objs = [Objective(o.parameter, "ug/L", maximum=D("1500")) for o in objs]  # 1 mg/L = 1000 ug/L < 1500
    assert calculate(ms, objs).wqi == 100.0
    objs[0] = Objective("v0", "mg/kg", maximum=D("1"))
    with pytest.raises(InvalidInput, match="v0 on 2024-01-01: value 1 'mg/L' cannot be compared"):
        calculate(ms, objs)
