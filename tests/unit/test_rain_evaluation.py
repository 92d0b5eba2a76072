"""Threshold evaluation against dated landslides: synthetic cases and the Central Java file (issue 8).

The Central Java records (../shared/data/central-java-landslide-rainfall, SOURCE.md): IMERG V06 half-hourly
mm/h in UTC, events in WIB = UTC+7; read with helper B's ``read_rain(..., repair="clock-from-row-order")``.
On the real file, each event's largest exceedance ratio in the 24 h before it and whether it was caught are
recomputed independently in the test by brute force (plain loops over step ends and durations).
"""

from __future__ import annotations

import datetime as dt
import functools
import math

import numpy as np
import pytest

from minewatch.rain.evaluation import (
    CAUGHT,
    MISSED,
    NOT_ASSESSABLE,
    LandslideEvent,
    evaluate,
    events_markdown,
    match_series,
    summary_markdown,
    table_rows,
)
from minewatch.rain.model import RainSeries
from minewatch.rain.thresholds import Threshold, builtin_thresholds
from tests.shared_data import shared_data_path

FLAT10 = Threshold(name="flat10", title="10 mm/h at any duration", alpha=10.0, beta=0.0, d_min_h=1, d_max_h=3,
                   source="test")
T0 = np.datetime64("2020-01-01T00:00:00", "s")


def _series(depths, key="s"):
    starts = T0 + np.arange(len(depths)) * np.timedelta64(3600, "s")
    return RainSeries(key, starts, np.asarray(depths, dtype=float), dt.timedelta(hours=1))


def _at(hours):
    return T0 + np.timedelta64(int(hours * 3600), "s")


def test_caught_lead_time_and_false_alarm():
    depth = np.zeros(100)
    depth[10] = 20.0  # alarm at the end of step 10 (t = 11 h): no event follows -> false alarm
    depth[50:53] = 15.0  # alarm from t = 51 h to 53 h; event at 60 h -> caught with lead 9 h
    s = _series(depth)
    ev = LandslideEvent("e1", _at(60))
    r = evaluate([ev], {"e1": s}, FLAT10)
    (o,) = r.events
    assert o.status == CAUGHT and o.lead_time_h == pytest.approx(9.0)
    assert o.alarm_start_utc == _at(51)
    assert r.false_alarms == 1 and r.series[0].false_alarms[0].start_utc == _at(11)
    assert r.summary()["caught"] == 1 and r.summary()["median_lead_time_h"] == pytest.approx(9.0)


def test_catch_window_and_missed():
    depth = np.zeros(100)
    depth[20] = 20.0  # alarm at t = 21 h
    s = _series(depth)
    r = evaluate([LandslideEvent("e", _at(60))], {"e": s}, FLAT10, catch_window_h=24, false_alarm_window_h=24)
    assert r.events[0].status == MISSED and math.isnan(r.events[0].lead_time_h)
    assert r.false_alarms == 1  # 21 h + 24 h < 60 h
    r2 = evaluate([LandslideEvent("e", _at(60))], {"e": s}, FLAT10, catch_window_h=48, false_alarm_window_h=48)
    assert r2.events[0].status == CAUGHT and r2.events[0].lead_time_h == pytest.approx(39.0)
    assert r2.false_alarms == 0


def test_episodes_merge_across_short_pauses():
    depth = np.zeros(60)
    depth[[10, 13, 30]] = 15.0  # alarms at 11 h, 14 h (3 h apart) and 31 h (D = 1 h only: 15 > 10 mm/h)
    s = _series(depth)
    r = evaluate([LandslideEvent("e", _at(59))], {"e": s}, FLAT10, merge_gap_h=6, catch_window_h=1)
    assert len(r.series[0].episodes) == 2 and r.false_alarms == 2
    r = evaluate([LandslideEvent("e", _at(59))], {"e": s}, FLAT10, merge_gap_h=2, catch_window_h=1)
    assert len(r.series[0].episodes) == 3


def test_missing_rain_is_not_assessable_not_missed():
    depth = np.zeros(50)
    depth[40] = np.nan
    r = evaluate([LandslideEvent("e", _at(45))], {"e": _series(depth)}, FLAT10)
    assert r.events[0].status == NOT_ASSESSABLE


def test_match_series_by_key_single_or_nearest():
    a = RainSeries("a", np.array([T0]), np.array([0.0]), dt.timedelta(hours=1), latitude=0.0, longitude=0.0)
    b = RainSeries("b", np.array([T0]), np.array([0.0]), dt.timedelta(hours=1), latitude=1.0, longitude=1.0)
    evs = [LandslideEvent("a", T0), LandslideEvent("x", T0, 0.9, 0.8)]
    m = match_series(evs, [a, b])
    assert m["a"] is a and m["x"] is b
    assert match_series([LandslideEvent("zz", T0)], [a])["zz"] is a


# ------------------------------------------------------------------ the Central Java file


@functools.cache
def _central_java():
    from minewatch.rain.events import read_events
    from minewatch.rain.importing import read_rain

    folder = shared_data_path("central-java-landslide-rainfall")
    read = read_rain(folder / "landslide_rainfall.csv", tz="UTC", units="mm/h", repair="clock-from-row-order")
    events = read_events(folder / "idn_nhr_ls_3308_magelang_2018_p_example.csv")
    return tuple(events), tuple(read.series)


def _brute_force_max_ratio(s: RainSeries, t: Threshold, event_utc, window_h=24.0):
    """Largest I_obs/I_thr over step ends in [event - window, event] and durations in range (plain loops)."""
    step_h = s.step_h
    ends = [s.start_utc[i] + np.timedelta64(1800, "s") for i in range(len(s))]
    lo = event_utc - np.timedelta64(int(window_h * 3600), "s")
    best = -1.0
    for i, end in enumerate(ends):
        if not (lo <= end <= event_utc):
            continue
        total = 0.0
        for k in range(1, i + 2):  # the window of k steps ending with step i
            total += float(s.depth_mm[i - k + 1])
            d = k * step_h
            if t.d_min_h <= d <= t.d_max_h:
                best = max(best, (total / d) / (t.alpha * d ** -t.beta))
    return best


@pytest.mark.shared_data
def test_central_java_events_in_utc():
    events, series = _central_java()
    assert len(events) == 10 and len(series) == 10
    by_id = {e.id: e for e in events}
    assert by_id["1"].time_utc == np.datetime64("2018-01-08T09:00:00")  # 16:00 WIB
    assert by_id["7"].time_utc == np.datetime64("2018-07-07T19:30:00")  # 02:30 WIB on 8 July
    s2 = {s.key: s for s in series}["2"]
    assert s2.start_utc[0] == np.datetime64("2018-01-22T00:00:00") and len(s2) == 528
    # value is mm/h over a 30-min slot: depth = value / 2; SOURCE.md: max 29.2 mm/h
    assert max(float(np.nanmax(s.depth_mm)) for s in series) == pytest.approx(29.2 / 2, abs=0.05)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["caine1980", "guzzetti2008", "javier-kumar2018"])
def test_central_java_each_builtin_threshold(name):
    events, series = _central_java()
    t = builtin_thresholds()[name]
    result = evaluate(events, match_series(events, series), t)
    by_key = {s.key: s for s in series}
    caught_independent = 0
    for o in result.events:
        s = by_key[o.event_id]
        best = _brute_force_max_ratio(s, t, o.event_utc)
        assert o.max_ratio == pytest.approx(best, rel=1e-9)
        assert (o.status == CAUGHT) == (best >= 1.0)
        caught_independent += best >= 1.0
        assert o.status in (CAUGHT, MISSED)  # the file has no missing values
        if o.status == CAUGHT:
            assert 0 < o.lead_time_h <= 10 * 24 + 24
    assert result.caught == caught_independent
    rows = table_rows([result])
    assert len(rows) == 10 and {r["threshold"] for r in rows} == {name}
    assert name in summary_markdown([result]) and name in events_markdown([result])


@pytest.mark.shared_data
def test_central_java_table_numbers():
    """The evaluation table reported for issue 8 (defaults: catch 24 h, false-alarm window 24 h, merge 6 h)."""
    events, series = _central_java()
    m = match_series(events, series)
    got = {n: evaluate(events, m, builtin_thresholds()[n]).summary()
           for n in ("caine1980", "guzzetti2008", "javier-kumar2018")}
    assert (got["caine1980"]["caught"], got["caine1980"]["false_alarms"]) == (0, 2)
    assert (got["guzzetti2008"]["caught"], got["guzzetti2008"]["false_alarms"]) == (8, 11)
    assert got["guzzetti2008"]["median_lead_time_h"] == pytest.approx(26.5)
    assert (got["javier-kumar2018"]["caught"], got["javier-kumar2018"]["false_alarms"]) == (0, 1)
