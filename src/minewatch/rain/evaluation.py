"""Evaluation of a rainfall threshold against dated landslides: caught events, lead times, false alarms.

Pure: takes events, rainfall series and a threshold, returns values (no files, no clock).

Definitions (the issue is silent on them; chosen here and documented in docs/models/rainfall-thresholds.md):

* **Alarm**: the threshold is exceeded (:func:`minewatch.rain.thresholds.exceedance`, ratio >= 1) at the end
  of a step, i.e. the time the rain that exceeded it had fallen and could be known.
* **Alarm episode**: a run of alarm steps; runs separated by less than ``merge_gap_h`` (default 6 h) are one
  episode, because a warning is not withdrawn and re-issued each time the rain pauses.
* **Caught**: an episode started at or before the event time and was still on within ``catch_window_h``
  (default 24 h) before it (``start <= event`` and ``end >= event - catch_window_h``). The **lead time** is
  the event time minus the start of the earliest such episode (hours).
* **Missed**: not caught, and every step end in the catch window was assessable. **Not assessable**: not
  caught and some window was missing data (missing rain is never read as dry).
* **False alarm**: an episode of a series not followed by an event of that series within
  ``false_alarm_window_h`` (default 24 h) after its end (nor during it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from minewatch.rain.errors import RainInvalid
from minewatch.rain.model import RainSeries
from minewatch.rain.thresholds import Exceedance, Threshold, exceedance

CAUGHT, MISSED, NOT_ASSESSABLE = "caught", "missed", "not_assessable"
_H = np.timedelta64(3600, "s")


@dataclass(frozen=True)
class LandslideEvent:
    """A dated landslide: id, UTC time, and location (optional)."""

    id: str
    time_utc: np.datetime64  # datetime64[s]
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class AlarmEpisode:
    """A period over the threshold: from the end of the first to the end of the last exceeding step."""

    start_utc: np.datetime64
    end_utc: np.datetime64
    peak_ratio: float


@dataclass(frozen=True)
class EventOutcome:
    """What one threshold did for one event."""

    event_id: str
    event_utc: np.datetime64
    series_key: str
    status: str  # caught | missed | not_assessable
    lead_time_h: float  # NaN unless caught
    alarm_start_utc: np.datetime64 | None
    max_ratio: float  # largest ratio at step ends in [event - catch_window_h, event]; NaN if none assessable
    max_ratio_duration_h: float
    max_ratio_intensity_mm_per_h: float
    lead_time_is_lower_bound: bool = False  # the catching alarm was already on at the record's first assessable step


@dataclass(frozen=True)
class SeriesOutcome:
    """Alarm episodes and false alarms of one series (one event record)."""

    series_key: str
    episodes: tuple[AlarmEpisode, ...]
    false_alarms: tuple[AlarmEpisode, ...]
    alarm_hours: float
    assessable_hours: float


@dataclass(frozen=True)
class Evaluation:
    """A threshold evaluated on a set of events and their rainfall records."""

    threshold: str
    events: tuple[EventOutcome, ...]
    series: tuple[SeriesOutcome, ...]
    options: dict = field(default_factory=dict)
    exceedances: dict = field(default_factory=dict, repr=False)  # series key -> Exceedance (for plots)

    @property
    def caught(self) -> int:
        return sum(e.status == CAUGHT for e in self.events)

    @property
    def missed(self) -> int:
        return sum(e.status == MISSED for e in self.events)

    @property
    def not_assessable(self) -> int:
        return sum(e.status == NOT_ASSESSABLE for e in self.events)

    @property
    def false_alarms(self) -> int:
        return sum(len(s.false_alarms) for s in self.series)

    @property
    def lead_times_h(self) -> list[float]:
        return [e.lead_time_h for e in self.events if e.status == CAUGHT]

    def summary(self) -> dict:
        """Totals as a plain dict (JSON-ready)."""
        leads = self.lead_times_h
        return {"threshold": self.threshold, "events": len(self.events), "caught": self.caught,
                "missed": self.missed, "not_assessable": self.not_assessable,
                "false_alarms": self.false_alarms,
                "median_lead_time_h": float(np.median(leads)) if leads else None,
                "min_lead_time_h": float(min(leads)) if leads else None,
                "max_lead_time_h": float(max(leads)) if leads else None,
                "alarm_hours": float(sum(s.alarm_hours for s in self.series)), **self.options}


def alarm_episodes(exc: Exceedance, *, step_h: float, merge_gap_h: float = 6.0) -> list[AlarmEpisode]:
    """Alarm episodes of an exceedance: runs of ``ratio >= 1`` merged across gaps shorter than ``merge_gap_h``.

    >>> import numpy as np
    >>> t = np.arange(6).astype("datetime64[h]").astype("datetime64[s]")
    >>> exc = Exceedance(t, np.array([0.5, 1.2, 0.9, 1.1, 0.1, 0.2]), np.ones(6), np.ones(6))
    >>> [(int((e.start_utc - t[0]) / np.timedelta64(1, "h")), e.peak_ratio) for e in
    ...  alarm_episodes(exc, step_h=1.0, merge_gap_h=2.0)]
    [(1, 1.2)]
    """
    on = exc.exceeded
    idx = np.flatnonzero(on)
    if idx.size == 0:
        return []
    max_skip = max(1, int(math.floor(merge_gap_h / step_h + 1e-9)))  # steps between two alarm steps kept merged
    out: list[AlarmEpisode] = []
    start = prev = int(idx[0])
    for i in idx[1:]:
        i = int(i)
        if i - prev > max_skip:
            out.append(_episode(exc, start, prev))
            start = i
        prev = i
    out.append(_episode(exc, start, prev))
    return out


def _episode(exc: Exceedance, i0: int, i1: int) -> AlarmEpisode:
    return AlarmEpisode(start_utc=exc.end_utc[i0], end_utc=exc.end_utc[i1],
                        peak_ratio=float(np.nanmax(exc.ratio[i0:i1 + 1])))


def match_series(events: Sequence[LandslideEvent], series: Sequence[RainSeries], *,
                 max_distance_km: float | None = None) -> dict[str, RainSeries]:
    """The series of each event: same key as the event id, else the only series, else the nearest one;
    with ``max_distance_km``, the only or nearest series must lie within it (else RainInvalid)."""
    by_key = {s.key: s for s in series}
    out: dict[str, RainSeries] = {}
    for ev in events:
        if ev.id in by_key:
            out[ev.id] = by_key[ev.id]
            continue
        if len(series) == 1 and max_distance_km is None:
            out[ev.id] = series[0]
            continue
        located = [s for s in series if s.latitude is not None and s.longitude is not None]
        if ev.latitude is None or ev.longitude is None or not located:
            raise RainInvalid(f"event {ev.id!r}: no rainfall series with key {ev.id!r}, and no coordinates "
                              "to choose the nearest series", code="rain_invalid")
        near = min(located, key=lambda s: _distance_km(ev.latitude, ev.longitude, s.latitude, s.longitude))
        d = _distance_km(ev.latitude, ev.longitude, near.latitude, near.longitude)
        if max_distance_km is not None and d > max_distance_km:
            raise RainInvalid(f"event {ev.id!r}: no rainfall series with key {ev.id!r}, and the nearest "
                              f"({near.key!r}) is {d:.1f} km away, beyond {max_distance_km:g} km", code="rain_invalid")
        out[ev.id] = near
    return out


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def evaluate(events: Sequence[LandslideEvent], series_of_event: Mapping[str, RainSeries], threshold: Threshold, *,
             map_mm: float | None = None, catch_window_h: float = 24.0, false_alarm_window_h: float = 24.0,
             merge_gap_h: float = 6.0) -> Evaluation:
    """Evaluate ``threshold`` on dated ``events``, each with its rainfall series (see the module docstring)."""
    for name, v in (("catch_window_h", catch_window_h), ("false_alarm_window_h", false_alarm_window_h),
                    ("merge_gap_h", merge_gap_h)):
        if not (v >= 0 and math.isfinite(v)):
            raise RainInvalid(f"{name} {v!r} must be a number >= 0 (hours)", code="rain_invalid")
    groups: dict[str, tuple[RainSeries, list[LandslideEvent]]] = {}
    for ev in events:
        s = series_of_event.get(ev.id)
        if s is None:
            raise RainInvalid(f"event {ev.id!r} has no rainfall series", code="rain_invalid")
        groups.setdefault(s.key, (s, []))[1].append(ev)
    outcomes: list[EventOutcome] = []
    per_series: list[SeriesOutcome] = []
    exceedances: dict[str, Exceedance] = {}
    for key, (s, evs) in groups.items():
        exc = exceedance(s, threshold, map_mm=map_mm)
        exceedances[key] = exc
        eps = alarm_episodes(exc, step_h=s.step_h, merge_gap_h=merge_gap_h)
        for ev in evs:
            outcomes.append(_event_outcome(ev, key, exc, eps, catch_window_h))
        fa_window = np.timedelta64(int(round(false_alarm_window_h * 3600)), "s")
        false = tuple(e for e in eps
                      if not any(e.start_utc <= ev.time_utc <= e.end_utc + fa_window for ev in evs))
        per_series.append(SeriesOutcome(
            series_key=key, episodes=tuple(eps), false_alarms=false,
            alarm_hours=float(exc.exceeded.sum() * s.step_h),
            assessable_hours=float(np.isfinite(exc.ratio).sum() * s.step_h)))
    outcomes.sort(key=lambda o: (o.event_utc, o.event_id))
    return Evaluation(threshold=threshold.name, events=tuple(outcomes), series=tuple(per_series),
                      options={"catch_window_h": catch_window_h, "false_alarm_window_h": false_alarm_window_h,
                               "merge_gap_h": merge_gap_h, "map_mm": map_mm},
                      exceedances=exceedances)


def _event_outcome(ev: LandslideEvent, key: str, exc: Exceedance, eps: Sequence[AlarmEpisode],
                   catch_window_h: float) -> EventOutcome:
    t = np.datetime64(ev.time_utc, "s")
    lo = t - np.timedelta64(int(round(catch_window_h * 3600)), "s")
    catching = [e for e in eps if e.start_utc <= t and e.end_utc >= lo]
    in_window = (exc.end_utc >= lo) & (exc.end_utc <= t)
    ratios = exc.ratio[in_window]
    if ratios.size and np.isfinite(ratios).any():
        j = int(np.flatnonzero(in_window)[np.nanargmax(ratios)])
        max_ratio, d, i = float(exc.ratio[j]), float(exc.duration_h[j]), float(exc.intensity_mm_per_h[j])
    else:
        max_ratio = d = i = math.nan
    if catching:
        first = min(catching, key=lambda e: e.start_utc)
        lead = float((t - first.start_utc) / _H)
        finite = np.flatnonzero(np.isfinite(exc.ratio))
        truncated = bool(finite.size) and first.start_utc <= exc.end_utc[finite[0]]
        return EventOutcome(ev.id, t, key, CAUGHT, lead, first.start_utc, max_ratio, d, i, truncated)
    covered = ratios.size > 0 and bool(np.isfinite(ratios).all()) and exc.end_utc[0] <= lo
    status = MISSED if covered else NOT_ASSESSABLE
    return EventOutcome(ev.id, t, key, status, math.nan, None, max_ratio, d, i)


def _iso(t: np.datetime64 | None) -> str:
    return "" if t is None else f"{np.datetime_as_string(np.datetime64(t, 's'), unit='m')}Z"


def _num(v: float, digits: int = 2) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), digits)


def table_rows(evaluations: Sequence[Evaluation]) -> list[dict]:
    """One row per threshold and event (JSON-ready), with the false alarms of the event's record."""
    rows = []
    for ev in evaluations:
        fa = {s.series_key: len(s.false_alarms) for s in ev.series}
        for o in ev.events:
            rows.append({"threshold": ev.threshold, "event_id": o.event_id, "event_utc": _iso(o.event_utc),
                         "series": o.series_key, "status": o.status, "lead_time_h": _num(o.lead_time_h, 1),
                         "alarm_start_utc": _iso(o.alarm_start_utc), "max_ratio_24h": _num(o.max_ratio, 3),
                         "duration_h_at_max": _num(o.max_ratio_duration_h, 1),
                         "intensity_mm_per_h_at_max": _num(o.max_ratio_intensity_mm_per_h, 3),
                         "lead_time_is_lower_bound": o.lead_time_is_lower_bound,
                         "false_alarms_in_record": fa.get(o.series_key, 0)})
    return rows


def summary_markdown(evaluations: Sequence[Evaluation]) -> str:
    """A markdown table: per threshold, caught / missed / not assessable, lead times and false alarms."""
    lines = ["| threshold | events | caught | missed | not assessable | lead time h (median, min-max) "
             "| false alarms | hours in alarm |", "|---|---|---|---|---|---|---|---|"]
    for ev in evaluations:
        s = ev.summary()
        lead = ("-" if s["median_lead_time_h"] is None else
                f"{s['median_lead_time_h']:.1f} ({s['min_lead_time_h']:.1f}-{s['max_lead_time_h']:.1f})")
        lines.append(f"| {ev.threshold} | {s['events']} | {s['caught']} | {s['missed']} | {s['not_assessable']} "
                     f"| {lead} | {s['false_alarms']} | {s['alarm_hours']:.1f} |")
    return "\n".join(lines) + "\n"


def events_markdown(evaluations: Sequence[Evaluation]) -> str:
    """A markdown table with one row per threshold and event."""
    rows = table_rows(evaluations)
    head = ["threshold", "event_id", "event_utc", "status", "lead_time_h", "max_ratio_24h", "duration_h_at_max",
            "false_alarms_in_record"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join("-" if r[h] in (None, "") else str(r[h]) for h in head) + " |")
    return "\n".join(lines) + "\n"
