"""Pure checks of rainfall records: time zones, duplicates, order, step, gaps, and the 12-hour clock repair.

Every check returns findings (:class:`minewatch.kit.findings.Problem`) naming the series, row and value;
none merges, fills or drops anything. Times are numpy ``datetime64[s]``; "naive" arrays hold the wall
clock written in a file, "UTC" arrays the instants. Rows are the file's line numbers (header = row 1).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from minewatch.kit.findings import Problem
from minewatch.rain.errors import RainInvalid

S = np.timedelta64(1, "s")


def zone(tz: str) -> ZoneInfo:
    """The IANA zone named ``tz`` (``UTC``, ``Asia/Jakarta``); RainInvalid otherwise."""
    try:
        return ZoneInfo(str(tz).strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise RainInvalid(f"time zone {tz!r} is not an IANA zone name such as UTC, Asia/Jakarta or "
                          "America/Sao_Paulo", code="rain_bad_tz") from None


def _iso(t: np.datetime64) -> str:
    return str(np.datetime_as_string(t, unit="m")).replace("T", " ")


def localise(naive: np.ndarray, tz: str, rows: np.ndarray, raw: list[str], column: str
             ) -> tuple[np.ndarray, list[Problem]]:
    """UTC instants of local wall-clock times in ``tz``; a time that does not exist or occurs twice there
    (a daylight-saving change) is an error naming its row and value, and NaT in the result.

    >>> t = np.array(["2024-10-27T02:30"], "datetime64[s]")
    >>> utc, problems = localise(t, "Europe/Paris", np.array([2]), ["2024-10-27 02:30"], "time")
    >>> problems[0].code, problems[0].row
    ('ambiguous_time', 2)
    """
    import pandas as pd

    z = zone(tz)
    if len(naive) == 0:
        return naive.astype("datetime64[s]"), []
    idx = pd.DatetimeIndex(naive.astype("datetime64[ns]"))
    local = idx.tz_localize(z.key, ambiguous="NaT", nonexistent="NaT")
    utc = local.tz_convert("UTC").tz_localize(None).values.astype("datetime64[s]")
    problems = []
    for i in np.flatnonzero(np.isnat(utc) & ~np.isnat(naive)):
        wall = naive[i].astype("datetime64[s]").item()
        early, late = wall.replace(tzinfo=z, fold=0), wall.replace(tzinfo=z, fold=1)
        back = early.astimezone(dt.timezone.utc).astimezone(z).replace(tzinfo=None)
        if back != wall:
            why = f"{_iso(naive[i])} does not exist in {tz} (the clocks jumped forward): the file cannot be right"
            code = "nonexistent_time"
        else:
            why = (f"{_iso(naive[i])} occurs twice in {tz} (UTC offsets {early.utcoffset()} and "
                   f"{late.utcoffset()}, the clocks went back): which one is meant cannot be told; write the "
                   "times with their UTC offset")
            code = "ambiguous_time"
        problems.append(Problem("error", code, why, int(rows[i]), column, raw[i]))
    return utc, problems


def duplicates(key: str, times: np.ndarray, rows: np.ndarray, raw: list[str], column: str) -> list[Problem]:
    """One error per timestamp written more than once in a series, naming every row that has it."""
    ok = ~np.isnat(times)
    t, r = times[ok], rows[ok]
    raw_ok = [x for x, keep in zip(raw, ok, strict=True) if keep]
    order = np.argsort(t, kind="stable")
    ts = t[order]
    same = np.flatnonzero(ts[1:] == ts[:-1])
    if not len(same):
        return []
    problems = []
    starts = same[np.r_[True, np.diff(same) > 1]]
    for s0 in starts:
        e = s0 + 1
        while e + 1 < len(ts) and ts[e + 1] == ts[s0]:
            e += 1
        members = order[s0:e + 1]
        where = ", ".join(str(int(r[m])) for m in members)
        problems.append(Problem("error", "duplicate_time",
                                f"series {key}: time {_iso(ts[s0])} UTC is written in rows {where}; nothing is "
                                "merged (if the file was written with a 12-hour clock without AM/PM, see "
                                "--repair clock-from-row-order)", int(r[members[1]]), column, raw_ok[members[1]]))
    return problems


def unsorted(key: str, times: np.ndarray, rows: np.ndarray, raw: list[str], column: str) -> list[Problem]:
    """A warning when a series' rows are not in time order (they are sorted, nothing else changes)."""
    ok = ~np.isnat(times)
    t, r = times[ok], rows[ok]
    back = np.flatnonzero(t[1:] < t[:-1])
    if not len(back):
        return []
    i = back[0] + 1
    value = [x for x, keep in zip(raw, ok, strict=True) if keep][i]
    return [Problem("warning", "unsorted", f"series {key}: rows are not in time order ({len(back):,} step(s) "
                    f"back in time, the first at this row); they are sorted by time", int(r[i]), column, value)]


def most_common_step(times: np.ndarray) -> dt.timedelta | None:
    """The most common positive difference between sorted distinct times (None with fewer than two).

    >>> most_common_step(np.array(["2024-01-01T00:00", "2024-01-01T00:30", "2024-01-01T02:00"], "datetime64[s]"))
    datetime.timedelta(seconds=1800)
    """
    t = np.unique(times[~np.isnat(times)].astype("datetime64[s]").astype(np.int64))
    d = np.diff(t)
    if not len(d):
        return None
    values, counts = np.unique(d, return_counts=True)
    return dt.timedelta(seconds=int(values[np.argmax(counts)]))


def regularise(key: str, times: np.ndarray, values: np.ndarray, step: dt.timedelta, rows: np.ndarray,
               raw: list[str], column: str) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """(start times, values) on the regular clock of ``step`` from the first time, NaN where a step has no
    row; a gap is a warning with its range and count, a time off that clock an error naming its row.

    ``times`` are distinct UTC instants sorted ascending (check duplicates first).

    >>> t = np.array(["2024-01-01T00:00", "2024-01-01T00:30", "2024-01-01T02:00"], "datetime64[s]")
    >>> grid, v, problems = regularise("a", t, np.array([1.0, 2.0, 3.0]), dt.timedelta(minutes=30),
    ...                                np.array([2, 3, 4]), ["", "", ""], "time")
    >>> len(grid), int(np.isnan(v).sum()), problems[0].code
    (5, 2, 'gap')
    """
    step_s = int(step.total_seconds())
    if len(times) == 0:
        return times.astype("datetime64[s]"), np.asarray(values, dtype=float), []
    secs = times.astype("datetime64[s]").astype(np.int64)
    offset = secs - secs[0]
    problems = []
    off = np.flatnonzero(offset % step_s != 0)
    for i in off:
        problems.append(Problem("error", "off_clock",
                                f"series {key}: {_iso(times[i])} UTC is not on the {step} clock starting "
                                f"{_iso(times[0])} (irregular step; give --step if the inferred one is wrong)",
                                int(rows[i]), column, raw[i]))
    if len(off):
        return times, np.asarray(values, dtype=float), problems
    index = offset // step_s
    n = int(index[-1]) + 1
    grid = times[0].astype("datetime64[s]") + np.arange(n) * np.timedelta64(step_s, "s")
    out = np.full(n, np.nan)
    out[index] = values
    have = np.zeros(n, dtype=bool)
    have[index] = True
    missing = np.flatnonzero(~have)
    if len(missing):
        runs = np.split(missing, np.flatnonzero(np.diff(missing) > 1) + 1)
        for run in runs:
            problems.append(Problem("warning", "gap", f"series {key}: {len(run):,} missing step(s) from "
                                    f"{_iso(grid[run[0]])} to {_iso(grid[run[-1]])} UTC (kept missing, not filled)",
                                    None, column, key))
    return grid, out, problems


def rebuild_clock(key: str, written: np.ndarray, step: dt.timedelta, rows: np.ndarray, raw: list[str],
                  column: str) -> tuple[np.ndarray, int, list[Problem]]:
    """The repair ``clock-from-row-order`` of a series written with a 12-hour clock without AM/PM.

    Row ``i`` (in file order) gets the wall time ``t0 + i * step``, where ``t0`` is the first row's written
    time with an hour of 12 read as 0 (a 12-hour clock writes midnight as 12:xx; a record that really
    started at noon then disagrees at its first midnight and is refused). Each rebuilt time must agree with
    what the row wrote: the same date, the same minutes and the same hour modulo 12; any row that does not
    is an error naming it. Returns (rebuilt wall times, rows whose time changed, problems).

    >>> w = np.array(["2018-01-22T12:00", "2018-01-22T12:30", "2018-01-22T01:00"], "datetime64[s]")
    >>> t, changed, problems = rebuild_clock("2", w, dt.timedelta(minutes=30), np.array([2, 3, 4]), [""] * 3, "date")
    >>> [str(x) for x in t], changed, problems
    (['2018-01-22T00:00:00', '2018-01-22T00:30:00', '2018-01-22T01:00:00'], 2, [])
    """
    n = len(written)
    if n == 0:
        return written, 0, []
    if np.isnat(written).any():
        i = int(np.flatnonzero(np.isnat(written))[0])
        return written, 0, [Problem("error", "repair_unreadable", f"series {key}: the repair needs every row's "
                                    "written time", int(rows[i]), column, raw[i])]
    w = written.astype("datetime64[s]")
    day = w.astype("datetime64[D]")
    sec_of_day = (w - day).astype(np.int64)
    hour = sec_of_day // 3600
    rest = sec_of_day % 3600
    problems = []
    bad = np.flatnonzero((hour < 1) | (hour > 12))
    for i in bad[:20]:
        problems.append(Problem("error", "not_a_12_hour_clock",
                                f"series {key}: hour {int(hour[i])} is not written on a 12-hour clock (1 to 12): "
                                "the repair clock-from-row-order does not apply to this file", int(rows[i]), column,
                                raw[i]))
    if problems:
        return written, 0, problems
    t0 = day[0].astype("datetime64[s]") + np.timedelta64(int(hour[0] % 12) * 3600 + int(rest[0]), "s")
    rebuilt = t0 + np.arange(n) * np.timedelta64(int(step.total_seconds()), "s")
    r_day = rebuilt.astype("datetime64[D]")
    r_sec = (rebuilt - r_day).astype(np.int64)
    agree = (r_day == day) & ((r_sec // 3600) % 12 == hour % 12) & (r_sec % 3600 == rest)
    for i in np.flatnonzero(~agree)[:20]:
        problems.append(Problem("error", "repair_disagrees",
                                f"series {key}: rebuilt from row order (first time + {i} x {step}) this row is "
                                f"{_iso(rebuilt[i])}, which its written time does not match on a 12-hour clock "
                                "(a row missing or out of order?): not repaired", int(rows[i]), column, raw[i]))
    if problems:
        more = int((~agree).sum()) - len(problems)
        if more > 0:
            problems.append(Problem("error", "repair_disagrees", f"series {key}: {more:,} more rows disagree",
                                    None, column, None))
        return written, 0, problems
    return rebuilt, int((rebuilt != w).sum()), []
