"""Pure rules of rainfall alerts (issue 8 part 6): warning, watch, none, not assessable; the level gate;
the dedup period.

Expected ratios are derived in the test from the cited equation, Caine (1980) I = 14.82 D^-0.39 (I mm/h,
D h; ../shared/reference/hazards.md section 5.1, built-in ``caine1980``): e.g. 20 mm in one hour over
I(1 h) = 14.82 mm/h gives 1.3495.

The LHASA 1.1 antecedent rainfall index values are derived in the test from the LHASA equation
(Kirschbaum & Stanley 2018, Earth's Future 6:505; nasa/LHASA ``API.r``; hazards.md 5.2), written again
below (``lhasa_ari``): ARI_t = sum_{k=0..6} w_k P_{t-k} / sum w_k, w_k = (k + 1)^-2, wet when ARI > ARI95,
the 95th percentile of the daily ARI over the location's history (numpy's default linear percentile).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from minewatch.alerts.rainfall import (RainPolicy, assess_rain, daily_totals, decide_site, level_at_least,
                                       period_start, should_raise, splice)
from minewatch.rain.model import RainSeries
from minewatch.rain.thresholds import builtin_thresholds

UTC = dt.timezone.utc
AT = dt.datetime(2026, 11, 27, 12, 30, tzinfo=UTC)  # the last complete hourly step ends 12:00
CAINE = {"caine1980": builtin_thresholds()["caine1980"]}
POLICY = RainPolicy()


def caine(d_h: float) -> float:
    return 14.82 * d_h ** -0.39


def hourly(last_hours: list[float], *, end=dt.datetime(2026, 11, 27, 12, 0), hours=72, kind="observed", key="G1"):
    """``hours`` hourly steps ending at ``end`` (UTC), dry except the last values given."""
    start = np.datetime64(end, "s") - np.timedelta64(hours, "h")
    depth = np.zeros(hours)
    depth[hours - len(last_hours):] = last_hours
    return RainSeries(key, start + np.arange(hours) * np.timedelta64(1, "h"), depth, dt.timedelta(hours=1),
                      kind=kind)


def forecast(values: list[float], *, start=dt.datetime(2026, 11, 27, 12, 0), key="F1"):
    t0 = np.datetime64(start, "s")
    return RainSeries(key, t0 + np.arange(len(values)) * np.timedelta64(1, "h"), np.asarray(values, float),
                      dt.timedelta(hours=1), kind="forecast")


def test_observed_over_the_threshold_now_is_a_warning_with_its_reason():
    r = assess_rain([hourly([20.0])], CAINE, AT, POLICY)
    assert r.decision == "warning" and r.rule == "observed >= 1"
    e = r.decisive
    assert e.ratio == pytest.approx(20.0 / caine(1.0), rel=1e-9)  # 1.3495: the 1-h window is the largest
    assert (e.duration_h, e.basis, e.threshold, e.series) == (1.0, "observed", "caine1980", "G1")
    assert e.intensity_mm_per_h == pytest.approx(20.0)
    assert e.threshold_mm_per_h == pytest.approx(14.82)
    assert e.end_utc == dt.datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_observed_near_the_threshold_is_a_watch_and_below_is_none():
    near = assess_rain([hourly([13.0])], CAINE, AT, POLICY)  # 13 / 14.82 = 0.877 >= 0.8
    assert near.decision == "watch" and near.rule == "observed >= 0.8"
    assert near.decisive.ratio == pytest.approx(13.0 / caine(1.0))
    low = assess_rain([hourly([5.0])], CAINE, AT, POLICY)  # 0.337
    assert low.decision == "none" and low.decisive.ratio == pytest.approx(5.0 / caine(1.0))


def test_a_long_rain_is_judged_on_its_longest_duration():
    # 3 mm/h for 24 h: I(24 h) = 14.82 * 24^-0.39 = 4.256 mm/h -> 0.705; shorter windows give less.
    r = assess_rain([hourly([3.0] * 24)], CAINE, AT, POLICY)
    assert r.decision == "none"
    assert r.decisive.duration_h == 24.0 and r.decisive.ratio == pytest.approx(3.0 / caine(24.0))


def test_missing_rain_in_the_latest_window_is_not_assessable_never_none():
    r = assess_rain([hourly([1.0, np.nan])], CAINE, AT, POLICY)
    assert r.decision == "not_assessable" and r.decisive is None
    assert any("missing rainfall in the window ending 2026-11-27 12:00:00+00:00" in n for n in r.notes)


def test_a_series_that_stopped_reporting_is_not_assessable():
    stale = hourly([30.0], end=dt.datetime(2026, 11, 27, 2, 0))  # 10.5 h before the check, over max_age_h 6
    r = assess_rain([stale], CAINE, AT, POLICY)
    assert r.decision == "not_assessable"
    assert "10.5 h before the check" in r.notes[0]
    assert assess_rain([], CAINE, AT, POLICY).decision == "not_assessable"


def test_forecast_over_the_threshold_within_the_horizon_is_a_watch():
    fc = forecast([0.0] * 5 + [30.0])  # 30 mm in 17:00-18:00, 5.5 h after the check
    r = assess_rain([hourly([0.0]), fc], CAINE, AT, POLICY)
    assert r.decision == "watch" and r.rule == "forecast >= 1 within 48 h"
    assert r.decisive.basis == "forecast" and r.decisive.ratio == pytest.approx(30.0 / caine(1.0))
    assert r.decisive.end_utc == dt.datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    later = forecast([0.0] * 60 + [30.0])  # beyond 48 h: not read
    assert assess_rain([hourly([0.0]), later], CAINE, AT, POLICY).decision == "none"


def test_a_forecast_window_holds_the_rain_already_fallen():
    # 12 mm observed in 11-12 h and 12 mm forecast in 12-13 h: each hour alone is 12 / 14.82 = 0.81 (< 1)
    # but the 2-h window is 12 mm/h over I(2 h) = 11.275 mm/h = 1.064: a watch only because they are joined.
    obs, fc = hourly([12.0]), forecast([12.0])
    joined = splice(obs, fc, AT)
    assert joined.depth_mm[-2:].tolist() == [12.0, 12.0] and joined.kind == "forecast"
    r = assess_rain([obs, fc], CAINE, AT, RainPolicy(near_fraction=0.9))
    assert r.decision == "watch" and r.decisive.basis == "forecast"
    assert r.decisive.duration_h == 2.0 and r.decisive.ratio == pytest.approx(12.0 / caine(2.0))


def test_the_level_gate_never_alerts_below_the_level_set_or_without_a_level():
    rain = assess_rain([hourly([60.0])], CAINE, AT, POLICY)  # ratio 4.05: far over
    assert rain.decision == "warning"
    assert decide_site("S1", "moderate", "susceptibility", rain, POLICY).decision == "below_level"
    assert decide_site("S1", "moderate", "susceptibility", rain, POLICY).alert is None
    assert decide_site("S1", None, None, None, POLICY).decision == "no_level"
    d = decide_site("S1", "very_high", "hazard", rain, POLICY)
    assert (d.decision, d.alert) == ("warning", "warning")
    reason = d.reason()
    assert reason["level"] == "very_high" and reason["level_source"] == "hazard"
    assert reason["threshold"] == "caine1980" and reason["ratio"] == pytest.approx(60.0 / caine(1.0))
    low = RainPolicy(min_level="moderate")
    assert decide_site("S1", "moderate", "susceptibility", rain, low).alert == "warning"
    assert [level_at_least(x, "high") for x in ("low", "moderate", "high", "very_high")] == [False, False, True,
                                                                                            True]


def test_a_threshold_whose_range_the_series_cannot_cover_is_noted():
    jk = {"javier-kumar2018": builtin_thresholds()["javier-kumar2018"]}  # valid 24-264 h
    r = assess_rain([hourly([1.0], hours=12)], jk, AT, POLICY)  # 12 h of record: no 24-h window
    assert r.decision == "not_assessable"
    assert r.notes == ["javier-kumar2018 on G1 (observed): a record of 12 h before the check is shorter than the "
                       "threshold's shortest duration, 24 h",
                       "lhasa-ari on G1 (observed): no complete UTC day of rainfall before 2026-11-27T00:00:00+00:00"]


def test_period_and_dedup_rules():
    assert period_start(AT) == dt.datetime(2026, 11, 27, tzinfo=UTC)
    assert period_start(dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))) == \
        dt.datetime(2026, 11, 27, tzinfo=UTC)  # 01:00 at +03:00 is 22:00 UTC the day before
    assert period_start(AT, 6) == dt.datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert should_raise("watch", set()) and should_raise("warning", {"watch"})
    assert not should_raise("watch", {"watch"}) and not should_raise("warning", {"warning"})
    assert not should_raise("watch", {"warning"})  # a watch after a warning adds nothing
    with pytest.raises(ValueError, match="naive times are ambiguous"):
        period_start(dt.datetime(2026, 11, 27))


@pytest.mark.parametrize(("kw", "message"), [
    ({"min_level": "severe"}, "min_level 'severe': expected one of low, moderate, high, very_high"),
    ({"period_h": 5}, "period_h 5: expected a whole number of hours dividing 24"),
    ({"near_fraction": 1.5}, r"near_fraction 1.5: expected a number in \(0, 1\]"),
    ({"thresholds": ()}, "thresholds: give at least one threshold name"),
])
def test_a_bad_policy_is_named(kw, message):
    with pytest.raises(ValueError, match=message):
        RainPolicy(**kw)


# --------------------------------------------------------------------------- LHASA 1.1 antecedent rainfall index


def lhasa_ari(daily_oldest_first: list[float]) -> float:
    """The LHASA 1.1 equation (nasa/LHASA API.r), written again here: today weight 1, k days before 1/(k+1)^2."""
    w = [1.0 / (k + 1) ** 2 for k in range(7)]
    today_first = daily_oldest_first[-7:][::-1]
    return sum(wk * p for wk, p in zip(w, today_first)) / sum(w)


def background(n: int) -> list[float]:
    """A dry-season-and-showers pattern, 0..10 mm/day (deterministic)."""
    return [float((i * 7) % 11) for i in range(n)]


WET_WEEK = [30.0] * 7


def daily(values: list[float], *, last_day=dt.date(2026, 11, 26), key="D1") -> RainSeries:
    """Daily steps (UTC days) ending with ``last_day`` (the day before AT's day: the judged day)."""
    first = np.datetime64(last_day, "D") - (len(values) - 1)
    start = (first + np.arange(len(values))).astype("datetime64[s]")
    return RainSeries(key, start, np.asarray(values, float), dt.timedelta(days=1))


def expected_ari95(values: list[float]) -> float:
    aris = [lhasa_ari(values[: i + 1]) for i in range(6, len(values))]
    return float(np.percentile(aris, 95))


def test_a_wet_week_over_the_sites_ari95_is_a_watch_with_the_lhasa_evidence():
    values = background(393) + WET_WEEK  # 400 days, the last 7 wet
    ari95 = expected_ari95(values)
    assert lhasa_ari(values) == pytest.approx(30.0) and 6.0 < ari95 < 30.0  # the wet week stands out
    r = assess_rain([daily(values)], CAINE, AT, POLICY)
    # Caine on the same days stays below 0.8: the longest wet window, 7 days at 30/24 mm/h over
    # I(168 h) = 14.82 * 168^-0.39 = 2.01 mm/h, is 0.62; so the watch comes from the ARI alone.
    caine_obs = next(e for e in r.evidence if e.threshold == "caine1980")
    assert caine_obs.ratio == pytest.approx((30.0 / 24.0) / caine(168.0)) and caine_obs.duration_h == 168.0
    assert r.decision == "watch" and r.rule == "ARI > ARI95"
    e = r.decisive
    assert (e.threshold, e.basis, e.series, e.duration_h) == ("lhasa-ari", "observed", "D1", None)
    assert e.ari_mm_per_day == pytest.approx(30.0, rel=1e-12)
    assert e.ari95_mm_per_day == pytest.approx(ari95, rel=1e-12)
    assert e.ratio == pytest.approx(30.0 / ari95, rel=1e-12) and e.wet
    assert e.history_days == 394  # 400 days, the first 6 without a full week
    assert e.antecedent_mm == pytest.approx({"1d": 30.0, "3d": 90.0, "5d": 150.0, "10d": 210.0 + sum(values[-10:-7])})
    assert e.end_utc == dt.datetime(2026, 11, 27, tzinfo=UTC)  # the judged day is the 26th, ending 00:00 on the 27th
    d = decide_site("S1", "high", "susceptibility", r, POLICY)
    assert d.alert == "watch"
    reason = d.reason()
    assert reason["threshold"] == "lhasa-ari" and reason["ari95_mm_per_day"] == pytest.approx(ari95)
    assert reason["ari"]["wet"] is True and reason["ari"]["history_days"] == 394


def test_the_ari_uses_no_rain_after_the_check_and_a_dry_week_is_none():
    values = background(393) + WET_WEEK
    later = daily(values + [500.0] * 5, last_day=dt.date(2026, 12, 1))  # 5 days after AT: not yet known at AT
    r = assess_rain([later], CAINE, AT, POLICY)
    assert r.decisive.ari95_mm_per_day == pytest.approx(expected_ari95(values), rel=1e-12)
    assert r.decisive.history_days == 394
    dry = background(400)
    r = assess_rain([daily(dry)], CAINE, AT, POLICY)
    assert r.decision == "none" and r.decisive.threshold == "caine1980"
    assert r.ari.ari_mm_per_day == pytest.approx(lhasa_ari(dry)) and not r.ari.wet
    assert r.ari.ratio == pytest.approx(lhasa_ari(dry) / expected_ari95(dry))


def test_a_short_history_is_not_assessable_with_the_reason():
    values = background(93) + WET_WEEK  # 100 days: 94 with an ARI, under the 365 set
    r = assess_rain([daily(values)], CAINE, AT, POLICY)
    assert r.decision == "none"  # Caine judged the days (0.62); the ARI could not say "wet"
    assert "lhasa-ari on D1 (observed): a history of 94 days with an ARI is shorter than the 365 days set " \
           "(ari_min_history_days) for its 95th percentile" in r.notes
    assert r.ari is None
    e = next(e for e in r.evidence if e.threshold == "lhasa-ari")
    assert e.ari_mm_per_day == pytest.approx(30.0) and e.ari95_mm_per_day is None and not e.assessable
    shorter = assess_rain([daily(values)], CAINE, AT, RainPolicy(ari_min_history_days=90))  # provisional: settable
    assert shorter.decision == "watch" and shorter.decisive.ari95_mm_per_day == pytest.approx(expected_ari95(values))
    with pytest.raises(ValueError, match="ari_min_history_days 3: expected a whole number of days >= 7"):
        RainPolicy(ari_min_history_days=3)


def test_a_missing_day_in_the_last_week_is_not_assessable_never_zero():
    values = background(393) + WET_WEEK
    values[-3] = np.nan  # the 24th
    r = assess_rain([daily(values)], CAINE, AT, POLICY)
    assert r.decision == "not_assessable" and r.decisive is None  # Caine's longer windows hold the gap too
    assert "lhasa-ari on D1 (observed): no complete rainfall on 2026-11-24 (UTC days) in the 7 days ending " \
           "2026-11-27T00:00:00+00:00" in r.notes
    # an hourly record missing one hour makes its day missing, not a day with less rain
    hours = 24 * 3
    start = np.datetime64("2026-11-24T00:00:00") + np.arange(hours) * np.timedelta64(1, "h")
    depth = np.ones(hours)
    depth[30] = np.nan
    days, mm = daily_totals(RainSeries("H", start, depth, dt.timedelta(hours=1)))
    assert [str(x) for x in days] == ["2026-11-24", "2026-11-25", "2026-11-26"]
    assert mm[0] == 24.0 and np.isnan(mm[1]) and mm[2] == 24.0


def test_no_ari_ignores_the_index():
    values = background(393) + WET_WEEK
    r = assess_rain([daily(values)], CAINE, AT, RainPolicy(use_ari=False))
    assert r.decision == "none" and r.decisive.threshold == "caine1980"
    assert not any(e.threshold == "lhasa-ari" for e in r.evidence) and r.ari is None


def test_an_ari_watch_and_an_intensity_watch_are_one_watch_a_warning_still_escalates():
    values = background(393) + WET_WEEK[:-1] + [90.0]  # 90 mm on the last day: 90/24 / I(24 h) = 0.88 >= 0.8
    r = assess_rain([daily(values)], CAINE, AT, POLICY)
    assert r.decision == "watch" and r.rule == "observed >= 0.8"  # one watch; the ID rule is the reason
    assert r.decisive.ratio == pytest.approx((90.0 / 24.0) / caine(24.0))
    assert r.ari.wet and r.ari.ari_mm_per_day == pytest.approx(lhasa_ari(values))
    reason = decide_site("S1", "high", "susceptibility", r, POLICY).reason()
    assert reason["threshold"] == "caine1980" and "ari_mm_per_day" not in reason and reason["ari"]["wet"]
    assert not should_raise("watch", {"watch"})  # an ARI watch already raised in the period: nothing new
    assert should_raise("warning", {"watch"})


def test_a_wet_history_raises_a_watch_even_when_the_recent_window_cannot_be_judged():
    values = background(393) + WET_WEEK
    gap = hourly([1.0, np.nan])  # the intensity-duration thresholds cannot judge the latest hour
    r = assess_rain([gap], CAINE, AT, POLICY, history=[daily(values)])  # the service passes the whole record
    assert r.decision == "watch" and r.rule == "ARI > ARI95" and r.decisive.series == "D1"
    assert any("missing rainfall in the window ending" in n for n in r.notes)
