"""Mann-Kendall / Sen slope (minewatch.water.trends) and the one-unit plot (minewatch.water.plots).

Expected numbers: pymannkendall 1.4.3 ``original_test`` (Hussain & Mahmud 2019, JOSS 4(39) 1556), run
beside ours on the same series on 2026-11-27 (in a separate venv: it is not a dependency of minewatch,
and CI allows no skipped test, so the live comparison is not part of the suite) and copied here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from minewatch.errors import InvalidInput
from minewatch.water.model import Measurement
from minewatch.water.trends import _exact_p, censored_median, compare_up_down, mann_kendall

X1 = [5, 3, 4, 4, 6, 7, 5, 8, 9, 8, 10, 9]  # ties: two 4s, two 5s, two 8s, two 9s
X2 = [2.1, 2.0, 1.8, 2.2, 1.7, 1.6, 1.9, 1.5, 1.4, 1.6, 1.3, 1.2, 1.25, 1.1]


def test_matches_pymannkendall_with_ties():
    r = mann_kendall(list(range(1, 13)), X1)
    # pymannkendall.original_test(X1): s=48, var_s=208.6667, z=3.253653635658023, p=0.001139310994493048,
    # Tau=0.7272727, slope=0.6 (per step), trend 'increasing'
    assert r.s == 48 and r.var_s == pytest.approx(208.66666666666666)
    assert r.z == pytest.approx(3.253653635658023) and r.p == pytest.approx(0.001139310994493048, rel=1e-9)
    assert r.tau == pytest.approx(0.7272727272727273) and r.sen_slope_per_year == pytest.approx(0.6)
    assert r.trend == "increasing" and r.p_method == "normal"
    r = mann_kendall(list(range(14)), X2)
    # pymannkendall: s=-72, var_s=332.6667, z=-3.8927248314293235, p=9.912456302929584e-05, slope=-0.0708333
    assert (r.s, r.trend) == (-72, "decreasing")
    assert r.z == pytest.approx(-3.8927248314293235) and r.p == pytest.approx(9.912456302929584e-05, rel=1e-9)
    assert r.sen_slope_per_year == pytest.approx(-0.07083333333333335)


def test_exact_p_small_n():
    # n=4 without ties: the 24 permutations give S=6 once and S=-6 once -> P(|S|>=6) = 2/24
    # (Kendall's exact null distribution; tables in Hollander & Wolfe, Nonparametric Statistical Methods).
    assert _exact_p(4, 6) == pytest.approx(2 / 24)
    # n=5: S=8 needs at most one inversion: 1 + 4 permutations each side -> 10/120
    assert _exact_p(5, 8) == pytest.approx(10 / 120)
    r = mann_kendall([1, 2, 3, 4, 5], [1, 3, 2, 4, 5])
    assert (r.s, r.p_method) == (8, "exact") and r.p == pytest.approx(10 / 120)


def test_censored_values_recensored_at_highest_detection_limit():
    # Helsel (2012) ch. 11: every value below the highest DL (here 5) becomes "<5", tied.
    vals = [1, 2, 5, 3, 6, 7, 8, 9]
    cens = ["<", "<", "<", None, None, None, None, None]  # <1, <2, <5, then a detected 3 (below HDL)
    r = mann_kendall(list(range(8)), vals, cens)
    assert r.censored == 3 and r.recensored_below == 5 and r.slope_approximate
    # four values tied at <5 (the three censored and the detected 3), then 6,7,8,9 increasing:
    # S = 4*4 (tied group vs later) + 6 (among 6..9) = 22; ties group of 4 -> Var = (8*7*21 - 4*3*13)/18
    assert r.s == 22 and r.var_s == pytest.approx((8 * 7 * 21 - 4 * 3 * 13) / 18)
    assert r.p_method == "normal"  # ties: the exact table does not apply
    assert censored_median(vals, cens) == "<5"


def test_dates_give_slope_per_year():
    times = [dt.date(2020 + i, 1, 1) for i in range(6)]
    r = mann_kendall(times, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert r.sen_slope_per_year == pytest.approx(1.0, rel=1e-2)  # 365 or 366 days per step


def test_too_short_series_is_a_clear_error():
    with pytest.raises(InvalidInput, match="at least 3"):
        mann_kendall([1, 2], [1, 2])


def test_upstream_vs_downstream():
    up = [Measurement("lead", D(v), "ug/L", dt.date(2024, 1, i + 1)) for i, v in enumerate([1, 2, 2, 3, 1])]
    down = [Measurement("lead", D(v), "ug/L", dt.date(2024, 1, i + 1)) for i, v in enumerate([30, 45, 12, 80, 27])]
    c = compare_up_down("lead", up, down, exceed_up=[False] * 5, exceed_down=[True, True, True, True, True])
    assert (c.median_up, c.median_down) == ("2", "30")
    assert (c.exceed_share_up, c.exceed_share_down) == (0.0, 1.0)
    # complete separation, n1=n2=5: W = 40, mean 27.5, ties (two 1s, two 2s): var = 25/12 (11 - 12/90),
    # z = (12.5 - 0.5)/sqrt(var); p as scipy 1.17.1 mannwhitneyu(down, up, use_continuity=True,
    # method='asymptotic') gives beside ours: 0.011667312343319386
    assert c.rank_sum_z == pytest.approx(12.0 / (25 / 12 * (11 - 12 / 90)) ** 0.5)
    assert c.p == pytest.approx(0.011667312343319386, rel=1e-9)


def test_mixed_unit_series_plots_in_one_unit(tmp_path):
    from minewatch.water.plots import plot_series
    from minewatch.water.screening import Guideline

    ms = [Measurement("arsenic", D("12"), "ug/l As", dt.date(2024, 2, 6), point_code="BTA-050"),
          Measurement("arsenic", D("0.02"), "mg/L", dt.date(2024, 3, 6), point_code="BTA-050"),
          Measurement("arsenic", D("10"), "ug/L", dt.date(2024, 4, 6), censored="<", point_code="BTA-050"),
          Measurement("arsenic", D("0.000009"), "g/L", dt.date(2024, 5, 6), point_code="BTA-050")]
    who = Guideline("arsenic", "water", "total", None, D("0.01"), "mg/L", provisional=True)
    out = tmp_path / "as.png"
    series = plot_series(ms, out, unit="ug/L", guidelines=[("who-dw", who)])
    assert series.unit == "ug/L"
    assert series.values == [D("12"), D("20"), D("10"), D("9")]
    assert series.censored == [None, None, "<", None]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "as.svg"
    series = plot_series(ms, svg, guidelines=[("who-dw", who)])  # default: the guideline's unit
    assert series.unit == "mg/L" and series.values == [D("0.012"), D("0.02"), D("0.01"), D("0.000009") * 1000]
    assert "<svg" in svg.read_text()
    bad = [*ms, Measurement("arsenic", D("3"), "mg/kg", dt.date(2024, 6, 6))]
    with pytest.raises(InvalidInput, match="cannot be plotted in 'ug/L'"):
        plot_series(bad, out, unit="ug/L")


def test_compare_site_in_one_unit_with_who_exceedances():
    from minewatch.water.guidelines import load_guideline_set
    from minewatch.water.trends import compare_site

    def r(point, v, unit, censored=None):
        return Measurement("lead", D(v), unit, dt.date(2024, 1, 1), medium="river", fraction="total",
                           censored=censored, point_code=point)

    ms = [r("UP", "1", "ug/L", "<"), r("UP", "0.004", "mg/L"), r("UP", "12", "ug/L"),
          r("DN", "0.3", "mg/L"), r("DN", "150", "ug/L"), r("DN", "0.02", "mg/L"), r("X", "999", "ug/L")]
    [c] = compare_site(ms, {"UP": "upstream", "DN": "downstream", "X": "at_site"}, load_guideline_set("who-dw"))
    assert c.parameter == "lead (total, mg/L)" and (c.n_up, c.n_down) == (3, 3)  # the at_site point is left out
    # WHO lead 0.01 mg/L (standards.md 6.1): upstream 12 ug/L exceeds (1 of 3), downstream all 3 exceed
    assert c.exceed_share_up == pytest.approx(1 / 3) and c.exceed_share_down == 1.0
    assert (c.median_up, c.median_down) == ("0.004", "0.15")
