"""Pure checks of rainfall records (issue 8 part 3): zones, duplicates, gaps, the 12-hour clock repair, units.

Expected values follow from the inputs written in each test (no published figure applies).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from minewatch.errors import ImportRejected
from minewatch.rain import quality
from minewatch.rain.errors import RainInvalid
from minewatch.rain.importing import read_rain
from minewatch.rain.model import parse_step, to_depth_mm, unit_factor

HALF = dt.timedelta(minutes=30)


def _t(*texts):
    return np.array(texts, dtype="datetime64[s]")


def test_sao_paulo_2018_spring_forward_hour_does_not_exist_and_fall_back_hour_is_ambiguous():
    # Brazil's 2018 DST: clocks went forward at 00:00 on 4 Nov 2018 and back at 00:00 on 17 Feb 2019.
    naive = _t("2018-11-04T00:30", "2019-02-16T23:30", "2019-02-17T12:00")
    utc, problems = quality.localise(naive, "America/Sao_Paulo", np.array([2, 3, 4]), ["a", "b", "c"], "time")
    assert [(p.code, p.row, p.value) for p in problems] == [("nonexistent_time", 2, "a"), ("ambiguous_time", 3, "b")]
    assert str(utc[2]) == "2019-02-17T15:00:00"  # UTC-3 after the fall back


def test_unknown_zone_is_named():
    with pytest.raises(RainInvalid, match="not an IANA zone"):
        quality.zone("WIB")


def test_duplicates_name_every_row_and_unsorted_rows_are_a_warning():
    t = _t("2024-01-01T00:00", "2024-01-01T01:00", "2024-01-01T00:00", "2024-01-01T00:00")
    [p] = quality.duplicates("s", t, np.array([2, 3, 4, 5]), ["x"] * 4, "time")
    assert p.code == "duplicate_time" and "rows 2, 4, 5" in p.reason
    [w] = quality.unsorted("s", t, np.array([2, 3, 4, 5]), ["x"] * 4, "time")
    assert w.severity == "warning" and w.row == 4


def test_gaps_are_ranges_with_counts_and_off_clock_times_are_errors():
    t = _t("2024-01-01T00:00", "2024-01-01T00:30", "2024-01-01T02:00", "2024-01-01T03:00")
    grid, v, problems = quality.regularise("s", t, np.array([1.0, 2, 3, 4]), HALF, np.arange(2, 6), [""] * 4, "t")
    assert len(grid) == 7 and np.isnan(v).sum() == 3
    assert [p.reason.split(": ")[1] for p in problems] == [
        "2 missing step(s) from 2024-01-01 01:00 to 2024-01-01 01:30 UTC (kept missing, not filled)",
        "1 missing step(s) from 2024-01-01 02:30 to 2024-01-01 02:30 UTC (kept missing, not filled)"]
    _, _, off = quality.regularise("s", _t("2024-01-01T00:00", "2024-01-01T00:45"), np.ones(2), HALF,
                                   np.array([2, 3]), ["a", "b"], "t")
    assert [(p.code, p.row) for p in off] == [("off_clock", 3)]


def test_clock_repair_reads_the_first_12_as_midnight_and_checks_every_row():
    half_day = _t(*(f"2018-01-22T{h:02d}:{m:02d}" for h in [12] + list(range(1, 12)) for m in (0, 30)))
    written = np.concatenate([half_day, half_day])
    rows = np.arange(len(written)) + 2
    t, changed, problems = quality.rebuild_clock("e", written, HALF, rows, [""] * len(written), "date")
    assert not problems and len(t) == 48 and str(t[-1]) == "2018-01-22T23:30:00"
    assert changed == 24  # 00:00, 00:30 and the 22 afternoon half hours
    swapped = written.copy()
    swapped[[10, 11]] = swapped[[11, 10]]
    _, _, problems = quality.rebuild_clock("e", swapped, HALF, rows, [""] * 48, "date")
    assert [p.row for p in problems] == [12, 13] and problems[0].code == "repair_disagrees"
    _, _, problems = quality.rebuild_clock("e", _t("2018-01-22T13:00"), HALF, np.array([2]), ["13:00"], "date")
    assert problems[0].code == "not_a_12_hour_clock"


def test_units_and_steps():
    assert to_depth_mm(np.array([4.0]), "in/h", 0.5).tolist() == [pytest.approx(50.8)]
    assert unit_factor("kg m-2 s-1") == (3600.0, True)
    assert parse_step("3h") == dt.timedelta(hours=3) and parse_step("900s") == dt.timedelta(minutes=15)
    with pytest.raises(ValueError, match="not one of"):
        unit_factor("furlongs")
    with pytest.raises(ValueError):
        parse_step("fortnightly")


def test_csv_without_offset_needs_a_zone_and_bad_values_are_named(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("time,value\n2024-01-01 00:00,1\n2024-01-01 01:00,-2\n2024-01-01 02:00,NaN\n"
                    "2024-01-01 03:00,abc\n", encoding="utf-8")
    with pytest.raises(RainInvalid, match="row 2, column 'time'.*--tz"):
        read_rain(path, tz=None, units="mm")
    with pytest.raises(ImportRejected) as exc:
        read_rain(path, tz="UTC", units="mm")
    assert [(p.row, p.value, p.reason) for p in exc.value.report.errors] == [
        (3, "-2", "rainfall cannot be negative"),
        (4, "NaN", "NaN is not a value: leave the cell empty for a missing step"),
        (5, "abc", "not a number")]
    with pytest.raises(RainInvalid, match="give the units"):
        read_rain(path, tz="UTC", units=None)
