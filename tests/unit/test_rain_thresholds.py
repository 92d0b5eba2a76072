"""Rainfall thresholds as data, their exceedance, and the antecedent rainfall indices (issue 8).

Sources of the expected numbers:
- Javier & Kumar (2018), Nat. Hazards 90:921-941, abstract (UNE repository record
  rune.une.edu.au/web/handle/1959.11/22353): I = 6.46 D^-0.28 and NI = 0.002 D^-0.28 (NI = I/MAP) for
  24 <= D <= 264 h. Values at given D are derived in the test from that equation.
- Caine (1980) I = 14.82 D^-0.39 and Guzzetti et al. (2008) I = 2.20 D^-0.44: coefficients as quoted in
  ../shared/reference/hazards.md 5.1 (not yet checked against the papers' text: status provisional);
  values are derived in the test from those equations.
- LHASA 1.1 ARI: nasa/LHASA API.r (commit 051894992b7bed8058769f91d568eec76b9bf52b) lines 15-19 and 25:
  ``ARI.window <- 7``, ``exponent <- 2``, ``w <- 1/seq(ARI.window, 1)^exponent`` over the files of the
  window oldest first (so the oldest day weighs 1/49, the current day 1), ``ARI <- calc(w*IMERG,sum)/sum(w)``.
  LHASA.r line 29: ``wet <- ARI > threshold`` with threshold the per-pixel ARI95 file.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from minewatch.rain.errors import RainInvalid
from minewatch.rain.model import RainSeries
from minewatch.rain.thresholds import (
    Threshold,
    antecedent_sums,
    ari,
    ari_percentile,
    ari_series,
    builtin_thresholds,
    exceedance,
    get_threshold,
    load_thresholds,
    soil_moisture_gate,
)


def _series(depths, step_h=1.0, start="2020-01-01T00:00:00"):
    n = len(depths)
    step = dt.timedelta(hours=step_h)
    t0 = np.datetime64(start, "s")
    starts = t0 + np.arange(n) * np.timedelta64(int(step.total_seconds()), "s")
    return RainSeries("s", starts, np.asarray(depths, dtype=float), step)


# ------------------------------------------------------------------ built-in thresholds


def test_builtins_have_the_fields_and_sources():
    b = builtin_thresholds()
    assert {"caine1980", "guzzetti2008", "javier-kumar2018"} <= set(b)
    for t in b.values():
        assert t.source and t.status in ("published", "provisional") and t.d_min_h < t.d_max_h
    assert (b["caine1980"].alpha, b["caine1980"].beta) == (14.82, 0.39)
    assert (b["guzzetti2008"].alpha, b["guzzetti2008"].beta) == (2.20, 0.44)
    assert (b["guzzetti2008"].d_min_h, b["guzzetti2008"].d_max_h) == (0.1, 1000.0)
    jk = b["javier-kumar2018"]
    assert (jk.alpha, jk.beta, jk.d_min_h, jk.d_max_h, jk.status) == (6.46, 0.28, 24.0, 264.0, "published")
    # not checked against the papers' text (see docs/models/rainfall-thresholds.md): provisional
    assert b["caine1980"].status == "provisional" and b["guzzetti2008"].status == "provisional"


@pytest.mark.parametrize(("name", "duration_h", "alpha", "beta"), [
    ("caine1980", 1.0, 14.82, 0.39),  # at D = 1 h, I = alpha: 14.82 mm/h
    ("caine1980", 24.0, 14.82, 0.39),
    ("guzzetti2008", 0.1, 2.20, 0.44),
    ("guzzetti2008", 1000.0, 2.20, 0.44),
    ("javier-kumar2018", 24.0, 6.46, 0.28),
    ("javier-kumar2018", 264.0, 6.46, 0.28),
])
def test_intensity_from_the_cited_equation(name, duration_h, alpha, beta):
    # derived in the test from the cited equation I = alpha * D^-beta
    t = builtin_thresholds()[name]
    assert t.intensity(duration_h) == pytest.approx(alpha * duration_h ** -beta, rel=1e-12)
    assert t.cumulative_mm(duration_h) == pytest.approx(alpha * duration_h ** (1 - beta), rel=1e-12)


def test_javier_kumar_figures():
    jk = builtin_thresholds()["javier-kumar2018"]
    assert jk.intensity(24.0) == pytest.approx(2.6532, abs=1e-4)  # 6.46 * 24^-0.28 = 6.46 * 0.41072 (derived)
    assert jk.cumulative_mm(24.0) == pytest.approx(63.68, abs=0.01)  # 24 h * 2.6532 mm/h (derived)
    assert jk.intensity(1.0 * 24 * 11) == pytest.approx(6.46 * 264 ** -0.28)
    assert builtin_thresholds()["caine1980"].intensity(1.0) == pytest.approx(14.82)


def test_duration_outside_range_names_the_range():
    with pytest.raises(RainInvalid, match=r"outside the valid range of threshold 'javier-kumar2018': 24 to 264 h"):
        builtin_thresholds()["javier-kumar2018"].intensity(12.0)
    with pytest.raises(RainInvalid, match="outside the valid range"):
        builtin_thresholds()["guzzetti2008"].intensity(float("nan"))


def test_normalised_by_map():
    b = builtin_thresholds()
    nmap = b["javier-kumar2018-map"]
    with pytest.raises(RainInvalid, match="mean annual precipitation"):
        nmap.intensity(48.0)
    # NI = 0.002 D^-0.28 (I/MAP); with MAP = 6.46 / 0.002 = 3230 mm it is the unnormalised threshold (derived)
    assert nmap.intensity(48.0, map_mm=3230.0) == pytest.approx(b["javier-kumar2018"].intensity(48.0))


def test_general_form_with_c():
    t = Threshold(name="x", title="x", alpha=2.0, beta=0.5, c=1.0, d_min_h=1, d_max_h=100, source="test")
    assert t.intensity(4.0) == pytest.approx(1.0 + 2.0 / 2.0)


def test_unknown_threshold_lists_known():
    with pytest.raises(RainInvalid, match="known: caine1980"):
        get_threshold("nope")


# ------------------------------------------------------------------ user thresholds


def test_user_yaml_and_csv(tmp_path):
    y = tmp_path / "regional.yaml"
    y.write_text("""thresholds:
  - name: magelang-test
    title: A regional test threshold
    alpha: 10.0
    beta: 0.5
    d_min_h: 1
    d_max_h: 100
    source: Someone (2024), Journal 1:1
""")
    ts = load_thresholds(y)
    assert ts["magelang-test"].intensity(4.0) == pytest.approx(5.0)
    assert ts["magelang-test"].status == "provisional"
    assert "caine1980" in ts
    c = tmp_path / "regional.csv"
    c.write_text("name,title,alpha,beta,c,d_min_h,d_max_h,normalised_by,source,status\n"
                 "r1,Regional one,0.01,0.3,,1,48,MAP,Me (2025),provisional\n")
    t = load_thresholds(c)["r1"]
    assert t.normalised_by == "MAP" and t.c == 0.0
    assert t.intensity(1.0, map_mm=2000.0) == pytest.approx(20.0)


@pytest.mark.parametrize(("body", "message"), [
    ("name,title,alpha,beta,d_min_h,d_max_h,source\nr1,R,abc,0.3,1,48,Me\n",
     r"row 2 \('r1'\): field alpha = 'abc': not a number"),
    ("name,title,alpha,beta,d_min_h,d_max_h,source\nr1,R,1,0.3,48,1,Me\n",
     r"row 2 \('r1'\): field d_max_h = 1.0: must be greater than d_min_h"),
    ("name,title,alpha,beta,d_min_h,d_max_h,source\nr1,R,1,0.3,1,48,\n", r"row 2 \('r1'\): field source is missing"),
    ("name,title,alpha,beta,d_min_h,d_max_h,source,status\nr1,R,1,0.3,1,48,Me,checked\n",
     r"field status = 'checked': must be published or provisional"),
    ("name,title,alpha,beta,d_min_h,d_max_h,source,colour\nr1,R,1,0.3,1,48,Me,red\n", r"unknown column 'colour'"),
    ("name,title,alpha,beta,d_min_h,d_max_h,source\ncaine1980,R,1,0.3,1,48,Me\n", r"name of a built-in"),
])
def test_user_file_errors_name_file_entry_field_value(tmp_path, body, message):
    p = tmp_path / "bad.csv"
    p.write_text(body)
    with pytest.raises(RainInvalid, match=message) as err:
        load_thresholds(p)
    assert "bad.csv" in str(err.value)


def test_user_yaml_error_names_entry(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("- {name: a, title: A, alpha: 1, beta: 0.2, d_min_h: 1, d_max_h: 10, source: S}\n"
                 "- {name: b, title: B, alpha: -1, beta: 0.2, d_min_h: 1, d_max_h: 10, source: S}\n")
    with pytest.raises(RainInvalid, match=r"bad.yaml: entry 2 \('b'\): field alpha = -1: must be > 0"):
        load_thresholds(p)


# ------------------------------------------------------------------ exceedance


def test_exceedance_sliding_windows_max_over_durations():
    t = Threshold(name="t", title="t", alpha=10.0, beta=0.5, d_min_h=1, d_max_h=4, source="s")
    s = _series([0, 10, 0, 0, 6])
    e = exceedance(s, t)
    # by hand: at step end 2 (index 1): D=1: 10/10 = 1.0; D=2: (10/2)/(10/sqrt2) = 0.707 -> max 1.0 at D=1
    assert e.ratio[1] == pytest.approx(1.0)
    assert e.duration_h[1] == 1.0 and e.intensity_mm_per_h[1] == pytest.approx(10.0)
    # index 4: D=1: 6/10 = 0.6; D=4: (16/4)/(10/2) = 0.8 -> 0.8 at D=4
    assert e.ratio[4] == pytest.approx(0.8)
    assert e.duration_h[4] == 4.0
    assert e.end_utc[0] == np.datetime64("2020-01-01T01:00:00")
    assert e.exceeded.tolist() == [False, True, False, False, False]


def test_exceedance_missing_is_never_zero():
    t = Threshold(name="t", title="t", alpha=10.0, beta=0.0, d_min_h=1, d_max_h=3, source="s")
    e = exceedance(_series([1.0, np.nan, 1.0, 1.0, 1.0, 50.0]), t)
    # index 1 is missing -> NaN; index 2,3: windows over the gap not assessable and complete ones < 1 -> NaN
    assert math.isnan(e.ratio[1]) and math.isnan(e.ratio[2]) and math.isnan(e.ratio[3])
    assert e.ratio[4] == pytest.approx(0.1)  # D=1,2,3 windows complete from index 2..4: max 1/10
    assert e.ratio[5] == pytest.approx(5.0)  # D=1: 50/10, a complete window proves exceedance
    assert e.ratio[0] == pytest.approx(0.1)


def test_exceedance_half_hourly_durations_and_range():
    t = builtin_thresholds()["javier-kumar2018"]
    s = _series(np.full(200, 1.0), step_h=0.5)  # 2 mm/h for 100 h
    e = exceedance(s, t)
    assert np.isnan(e.ratio[:47]).all()  # shorter than 24 h: no duration in range yet
    # 2 mm/h against 6.46 D^-0.28: largest ratio at the longest complete duration (derived)
    assert e.ratio[-1] == pytest.approx(2.0 / (6.46 * 100 ** -0.28))
    with pytest.raises(RainInvalid, match="whole number"):
        exceedance(s, t, durations_h=[24.25])
    with pytest.raises(RainInvalid, match="outside the valid range"):
        exceedance(s, t, durations_h=[12.0])


def test_soil_moisture_gate():
    out = soil_moisture_gate(np.array([2.0, 2.0, 0.5, np.nan, 2.0]), np.array([0.4, 0.1, 0.4, 0.4, np.nan]),
                             level=0.3)
    assert out[:3].tolist() == [1.0, 0.0, 0.0]
    assert math.isnan(out[3]) and math.isnan(out[4])


# ------------------------------------------------------------------ indices


def test_ari_weights_from_lhasa_source():
    # API.r: w <- 1/seq(7, 1)^2 over files oldest first: oldest 1/49 ... current day 1
    w_oldest_first = 1.0 / np.arange(7, 0, -1) ** 2
    daily = [3.0, 0.0, 7.0, 1.0, 12.0, 25.0, 40.0]
    expected = float(np.sum(w_oldest_first * daily) / np.sum(w_oldest_first))  # derived from API.r line 25
    assert ari(daily) == pytest.approx(expected, rel=1e-12)
    assert ari([0, 0, 0, 0, 0, 0, 10.0]) == pytest.approx(10.0 / np.sum(w_oldest_first))
    assert ari([10.0, 0, 0, 0, 0, 0, 0]) == pytest.approx(10.0 / 49 / np.sum(w_oldest_first))
    assert ari([99.0] + daily) == pytest.approx(expected)  # only the last 7 days count
    assert ari(np.full(7, 5.0)) == pytest.approx(5.0)  # a weighted mean


def test_ari_needs_seven_days_and_keeps_missing():
    with pytest.raises(RainInvalid, match="needs 7 daily values"):
        ari([1, 2, 3])
    assert math.isnan(ari([1, 2, 3, np.nan, 5, 6, 7]))


def test_ari_series_and_percentile():
    rng = np.random.default_rng(8)
    daily = rng.gamma(0.6, 12.0, size=400)
    s = ari_series(daily)
    assert np.isnan(s[:6]).all()
    assert s[10] == pytest.approx(ari(daily[:11]))
    assert ari_percentile(daily) == pytest.approx(np.percentile(s[6:], 95))
    with pytest.raises(RainInvalid):
        ari_percentile(daily[:5])


def test_antecedent_sums():
    s = _series(np.arange(1.0, 25.0 * 12 + 1), step_h=1.0)  # 300 hourly steps, depths 1..300
    at = np.datetime64("2020-01-11T00:00:00")  # after 240 steps
    out = antecedent_sums(s, at, days=(1, 3, 10, 20))
    assert out[1] == pytest.approx(sum(range(217, 241)))
    assert out[3] == pytest.approx(sum(range(169, 241)))
    assert out[10] == pytest.approx(sum(range(1, 241)))
    assert math.isnan(out[20])  # reaches before the record
    gap = _series([1.0, np.nan, 1.0, 1.0], step_h=24.0)
    res = antecedent_sums(gap, dt.datetime(2020, 1, 5, tzinfo=dt.timezone.utc), days=(1, 2, 3))
    assert res[1] == 1.0 and res[2] == 2.0 and math.isnan(res[3])
    with pytest.raises(RainInvalid, match="no time zone"):
        antecedent_sums(gap, dt.datetime(2020, 1, 5), days=(1,))
