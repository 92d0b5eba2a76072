"""Pure rules of rainfall alerts (issue 8 part 6): from a site's rainfall and its landslide level, a watch, a
warning, nothing, or "not assessable", each with its reason as data.

For a site at time ``at`` (UTC) and each chosen intensity-duration threshold
(:class:`minewatch.rain.thresholds.Threshold`, I = c + alpha * D**-beta, I in mm/h, D in h):

* **warning** when the observed rainfall is over the threshold now: ratio (observed mean intensity over the
  threshold intensity, the largest over the durations in the threshold's range, from
  :func:`minewatch.rain.thresholds.exceedance`) >= 1 in the latest complete window, the one ending at or
  just before ``at``;
* **watch** when the observed ratio there is >= ``near_fraction`` (provisional 0.8), or when the rainfall
  forecast for the next ``horizon_h`` hours (provisional 48 h), appended to the observed record, would
  take a window over the threshold;
* **none** when at least one observed window was assessable and nothing above applies;
* **not assessable** when no observed window could be judged (no series, a gap in the window, data older
  than ``max_age_h``, a duration range the series cannot cover): reported, never silent.

The site's level (:func:`minewatch.hazards.service.site_levels`, its susceptibility level, else its hazard
level) then gates the rainfall decision: a site below ``min_level`` (default "high") gets **below_level**
and a site without a level **no_level**, whatever the rain. The rainfall reason is kept for the report.

Alerts are deduplicated per site and period: periods are fixed blocks of ``period_h`` hours (default
24: the UTC calendar day) so that the period of an alert depends only on ``at``, never on the history of
earlier runs; at most one watch and one warning are raised per site and period (a warning after a watch
escalates; a watch after a warning adds nothing).

Antecedent wetness (optional, ``use_ari``, on by default): the LHASA 1.1 rule (Kirschbaum & Stanley 2018;
../shared/reference/hazards.md 5.2; nasa/LHASA ``LHASA.r``) "wet = ARI > ARI95" raises a **watch**, never a
warning (the ARI is a wetness index, not a trigger). Per observed series of the site, over its whole stored
history: daily totals on UTC days (a day with any missing step, or not wholly covered by the record, is
missing, never zero), the ARI of the *judged day* (the last complete UTC day, the one ending at or before
``at``; weights over it and the six days before), and ARI95, the 95th percentile of the daily ARI over the
days up to the judged day (the record as it stood at ``at``). Not assessable, with the reason, when the
history has fewer than ``ari_min_history_days`` days with an ARI (provisional 365: a percentile of a short
record says little) or a day of the last seven is missing. The level gate and the dedup apply unchanged:
the watch is one per site and period whatever raised it, and an intensity-duration warning still escalates.

The constants ``near_fraction``, ``horizon_h``, ``max_age_h``, ``period_h`` and ``ari_min_history_days``
are operating choices, not published values: they are settings (``MINEWATCH_RAIN_ALERT_*``) and marked
provisional.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from minewatch.errors import MinewatchError
from minewatch.hazards.model import LEVELS
from minewatch.rain.model import RainSeries

ALERT_LEVELS = ("watch", "warning")  # least to most severe
DECISIONS = ("warning", "watch", "none", "not_assessable", "below_level", "no_level")
TEMPLATE_OF = {"watch": "landslide_watch", "warning": "landslide_warning"}  # alerts.model.KINDS
# Global and valid from about 10 min to 10 days (hazards.md 5.1): assessable on hourly and daily gauges
# anywhere; a region with its own threshold sets it instead (javier-kumar2018 for Benguet and Baguio).
DEFAULT_THRESHOLDS = ("caine1980",)
ARI_RULE = "lhasa-ari"  # the name of the LHASA 1.1 antecedent rainfall index rule in evidence and alert rows
ARI_QUANTILE = 95.0  # LHASA 1.1: wet when ARI > its 95th percentile at the location
ANTECEDENT_DAYS = (1, 3, 5, 10)
UTC = dt.timezone.utc


@dataclass(frozen=True)
class RainPolicy:
    """How rainfall becomes an alert; the defaults are provisional operating choices."""

    thresholds: tuple[str, ...] = DEFAULT_THRESHOLDS
    min_level: str = "high"  # hazards.model.LEVELS: sites below it are never alerted
    near_fraction: float = 0.8  # observed ratio that raises a watch (provisional)
    horizon_h: float = 48.0  # how far ahead a forecast is read (provisional)
    max_age_h: float = 6.0  # observed data older than this (beyond one step) are not assessable (provisional)
    period_h: int = 24  # dedup period, blocks aligned on 00:00 UTC (24: the UTC day)
    max_duration_h: float = 240.0  # longest window judged (10 days, Caine's upper bound); sets the look-back
    use_ari: bool = True  # also judge the LHASA 1.1 antecedent rainfall index against the site's ARI95
    ari_min_history_days: int = 365  # fewer days with an ARI: ARI95 is not assessable (provisional)

    def __post_init__(self):
        problems = []
        if self.min_level not in LEVELS:
            problems.append(f"min_level {self.min_level!r}: expected one of {', '.join(LEVELS)}")
        if not 0 < self.near_fraction <= 1:
            problems.append(f"near_fraction {self.near_fraction!r}: expected a number in (0, 1]")
        if not self.horizon_h >= 0:
            problems.append(f"horizon_h {self.horizon_h!r}: expected hours >= 0")
        if not self.max_age_h >= 0:
            problems.append(f"max_age_h {self.max_age_h!r}: expected hours >= 0")
        if not (isinstance(self.period_h, int) and 0 < self.period_h <= 24 and 24 % self.period_h == 0):
            problems.append(f"period_h {self.period_h!r}: expected a whole number of hours dividing 24")
        if not self.thresholds:
            problems.append("thresholds: give at least one threshold name")
        if not self.max_duration_h > 0:
            problems.append(f"max_duration_h {self.max_duration_h!r}: expected hours > 0")
        if isinstance(self.ari_min_history_days, bool) or not (
                isinstance(self.ari_min_history_days, int) and self.ari_min_history_days >= 7):
            problems.append(f"ari_min_history_days {self.ari_min_history_days!r}: expected a whole number of "
                            "days >= 7")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def lookback_h(self) -> float:
        """Hours of observed rainfall needed before ``at`` (the longest duration, plus a day of margin)."""
        return self.max_duration_h + 24.0


@dataclass(frozen=True)
class Evidence:
    """One threshold judged on one series: the window that decided, or why none could."""

    threshold: str
    basis: str  # observed | forecast
    series: str
    ratio: float | None = None  # observed (or forecast) mean intensity / threshold intensity
    end_utc: dt.datetime | None = None
    duration_h: float | None = None
    intensity_mm_per_h: float | None = None
    threshold_mm_per_h: float | None = None
    note: str | None = None  # why it is not assessable
    # the LHASA 1.1 rule (threshold == ARI_RULE; ratio = ARI / ARI95; end_utc = end of the judged day)
    ari_mm_per_day: float | None = None
    ari95_mm_per_day: float | None = None
    history_days: int | None = None  # days of the history with an ARI (the percentile's sample)
    antecedent_mm: dict[str, float | None] | None = None  # {"1d": mm, "3d": ..., "5d": ..., "10d": ...}

    @property
    def assessable(self) -> bool:
        return self.ratio is not None

    @property
    def wet(self) -> bool:
        """LHASA 1.1 "wet": ARI > ARI95 (strictly), for the ARI rule only."""
        return (self.threshold == ARI_RULE and self.ari_mm_per_day is not None
                and self.ari95_mm_per_day is not None and self.ari_mm_per_day > self.ari95_mm_per_day)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["end_utc"] = self.end_utc.isoformat() if self.end_utc else None
        if self.threshold != ARI_RULE:  # an intensity-duration evidence keeps its fields only
            for k in _ARI_FIELDS:
                d.pop(k)
        return d


_ARI_FIELDS = ("ari_mm_per_day", "ari95_mm_per_day", "history_days", "antecedent_mm")


@dataclass(frozen=True)
class RainAssessment:
    """The rainfall alone: warning | watch | none | not_assessable, the evidence that decided and all the rest."""

    decision: str
    rule: str | None  # "observed >= 1", "observed >= 0.8", "forecast >= 1 within 48 h", "ARI > ARI95"
    decisive: Evidence | None
    evidence: tuple[Evidence, ...] = ()

    @property
    def notes(self) -> list[str]:
        return [f"{e.threshold} on {e.series} ({e.basis}): {e.note}" for e in self.evidence if e.note]

    @property
    def ari(self) -> Evidence | None:
        """The assessable ARI evidence with the largest ARI / ARI95 (None when none was assessable)."""
        return max((e for e in self.evidence if e.threshold == ARI_RULE and e.assessable),
                   key=lambda e: e.ratio, default=None)


@dataclass(frozen=True)
class SiteDecision:
    """What a site gets: the rainfall decision gated by the site's level; ``alert`` is watch | warning | None."""

    site_code: str
    decision: str  # DECISIONS
    level: str | None
    level_source: str | None  # "susceptibility" | "hazard"
    rain: RainAssessment | None

    @property
    def alert(self) -> str | None:
        return self.decision if self.decision in ALERT_LEVELS else None

    def reason(self) -> dict:
        """The reason as data: level, its source, the rule and the window that decided, and the notes."""
        out: dict = {"decision": self.decision, "level": self.level, "level_source": self.level_source}
        if self.rain is not None:
            out["rain"] = self.rain.decision
            out["rule"] = self.rain.rule
            if self.rain.decisive is not None:
                out.update({k: v for k, v in self.rain.decisive.as_dict().items() if k != "note"})
            ari = self.rain.ari
            if ari is not None:  # the antecedent wetness, whatever decided
                out["ari"] = {k: v for k, v in ari.as_dict().items() if k in _ARI_FIELDS + ("series", "ratio")}
                out["ari"]["wet"] = ari.wet
            if self.rain.notes:
                out["notes"] = self.rain.notes
        return out


def level_at_least(level: str | None, minimum: str) -> bool:
    """Whether ``level`` reaches ``minimum`` in :data:`LEVELS` order.

    >>> level_at_least("very_high", "high"), level_at_least("moderate", "high"), level_at_least(None, "low")
    (True, False, False)
    """
    return level in LEVELS and LEVELS.index(level) >= LEVELS.index(minimum)


def period_start(at: dt.datetime, period_h: int = 24) -> dt.datetime:
    """Start (UTC) of the dedup period holding ``at``: blocks of ``period_h`` hours from 00:00 UTC.

    >>> period_start(dt.datetime(2026, 11, 27, 23, 59, tzinfo=UTC)).isoformat()
    '2026-11-27T00:00:00+00:00'
    >>> period_start(dt.datetime(2026, 11, 27, 13, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))), 6).isoformat()
    '2026-11-27T00:00:00+00:00'
    """
    u = _utc(at)
    return u.replace(hour=u.hour - u.hour % period_h, minute=0, second=0, microsecond=0)


def should_raise(level: str, raised: set[str]) -> bool:
    """Whether an alert of ``level`` is raised given the levels already raised for the site in the period.

    >>> should_raise("watch", set()), should_raise("warning", {"watch"}), should_raise("watch", {"warning"})
    (True, True, False)
    """
    if level not in ALERT_LEVELS:
        raise ValueError(f"level {level!r}: expected one of {', '.join(ALERT_LEVELS)}")
    return not any(ALERT_LEVELS.index(r) >= ALERT_LEVELS.index(level) for r in raised if r in ALERT_LEVELS)


def _utc(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is None:
        raise ValueError(f"time {t.isoformat()}: give an offset or UTC (naive times are ambiguous)")
    return t.astimezone(UTC)


def _np(t: dt.datetime) -> np.datetime64:
    return np.datetime64(_utc(t).replace(tzinfo=None), "s")


def _py(t: np.datetime64) -> dt.datetime:
    return dt.datetime.fromisoformat(str(np.datetime64(t, "s"))).replace(tzinfo=UTC)


def _sub(series: RainSeries, mask: np.ndarray, *, key: str | None = None, kind: str | None = None) -> RainSeries:
    return RainSeries(key or series.key, series.start_utc[mask], series.depth_mm[mask], series.step,
                      series.latitude, series.longitude, series.name, kind or series.kind, series.source)


def observed_until(series: RainSeries, at: dt.datetime) -> RainSeries:
    """The complete steps of ``series`` that ended at or before ``at``."""
    step = np.timedelta64(int(series.step.total_seconds()), "s")
    return _sub(series, series.start_utc + step <= _np(at))


def splice(observed: RainSeries | None, forecast: RainSeries, at: dt.datetime) -> RainSeries:
    """The forecast after the observed record, on the observed clock, so that a window may hold both.

    Observed steps that ended by ``at`` are kept; forecast steps start where they end (or at ``at``'s step
    without observations); a step neither covers stays NaN. Without a compatible observed series (another
    step or a clock not aligned) the forecast is used alone, from ``at``.
    """
    step = np.timedelta64(int(forecast.step.total_seconds()), "s")
    ok = (observed is not None and observed.step == forecast.step and len(observed) > 0 and len(forecast) > 0
          and (forecast.start_utc[0] - observed.start_utc[0]) % step == np.timedelta64(0, "s"))
    if not ok:
        at_np = _np(at)
        return _sub(forecast, forecast.start_utc + step > at_np, kind="forecast")
    obs = observed_until(observed, at)
    cut = obs.start_utc[-1] + step if len(obs) else _np(at) - (_np(at) - forecast.start_utc[0]) % step
    fc = forecast.start_utc >= cut
    start = min(obs.start_utc[0] if len(obs) else cut, cut)
    last = forecast.start_utc[fc][-1] if fc.any() else cut - step
    clock = np.arange(start, last + step, step)
    depth = np.full(len(clock), np.nan)
    if len(obs):
        depth[((obs.start_utc - start) // step).astype(int)] = obs.depth_mm
    depth[((forecast.start_utc[fc] - start) // step).astype(int)] = forecast.depth_mm[fc]
    return RainSeries(f"{observed.key}+{forecast.key}", clock, depth, forecast.step, forecast.latitude,
                      forecast.longitude, forecast.name, "forecast", forecast.source)


def _durations(policy: RainPolicy, threshold, step_h: float) -> list[float]:
    """Every whole number of steps within the threshold's valid range, up to ``policy.max_duration_h``."""
    n_min = max(1, math.ceil(threshold.d_min_h / step_h - 1e-9))
    n_max = math.floor(min(threshold.d_max_h, policy.max_duration_h) / step_h + 1e-9)
    return [n * step_h for n in range(n_min, n_max + 1)]


def _finite(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _evidence(name, threshold, basis, series_key, exc, i) -> Evidence:
    ratio = _finite(exc.ratio[i])
    duration = _finite(exc.duration_h[i]) if ratio is not None else None
    intensity = _finite(exc.intensity_mm_per_h[i]) if ratio is not None else None
    thr_i = intensity / ratio if (ratio and intensity is not None) else (
        float(threshold.intensity(duration)) if duration is not None and threshold.normalised_by is None else None)
    return Evidence(name, basis, series_key, ratio, _py(exc.end_utc[i]), duration, intensity,
                    None if thr_i is None else round(thr_i, 6),
                    None if ratio is not None else f"missing rainfall in the window ending {_py(exc.end_utc[i])}")


def _observed(name, threshold, series, at, policy, exceed) -> Evidence:
    obs = observed_until(series, at)
    if not len(obs):
        return Evidence(name, "observed", series.key, note=f"no complete step before {_utc(at).isoformat()}")
    durations = _durations(policy, threshold, obs.step_h)
    if not durations:
        return Evidence(name, "observed", series.key,
                        note=f"no whole number of {obs.step_h:g}-h steps within the valid range "
                             f"{threshold.d_min_h:g}-{threshold.d_max_h:g} h (up to {policy.max_duration_h:g} h)")
    if durations[0] > len(obs) * obs.step_h + 1e-9:
        return Evidence(name, "observed", series.key,
                        note=f"a record of {len(obs) * obs.step_h:g} h before the check is shorter than the "
                             f"threshold's shortest duration, {threshold.d_min_h:g} h")
    step = np.timedelta64(int(obs.step.total_seconds()), "s")
    last_end = obs.start_utc[-1] + step
    age_h = (_np(at) - last_end) / np.timedelta64(1, "h")
    if age_h >= max(obs.step_h, policy.max_age_h):
        return Evidence(name, "observed", series.key,
                        note=f"the latest rainfall ends {_py(last_end).isoformat()}, {age_h:g} h before the check "
                             f"(more than {max(obs.step_h, policy.max_age_h):g} h)")
    try:
        exc = exceed(obs, threshold, durations_h=durations)
    except MinewatchError as err:  # RainInvalid: a MAP-normalised threshold without the site's MAP, say
        return Evidence(name, "observed", series.key, note=err.message)
    ends = np.asarray(exc.end_utc)
    idx = np.nonzero(ends <= last_end)[0]
    if not len(idx):
        return Evidence(name, "observed", series.key, note="no window ends before the check")
    return _evidence(name, threshold, "observed", series.key, exc, idx[-1])


def _forecast(name, threshold, observed, forecast, at, policy, exceed) -> Evidence:
    joined = splice(observed, forecast, at)
    durations = _durations(policy, threshold, joined.step_h)
    if not len(joined) or not durations:
        return Evidence(name, "forecast", forecast.key, note="no forecast step or duration to judge after the check")
    try:
        exc = exceed(joined, threshold, durations_h=durations)
    except MinewatchError as err:
        return Evidence(name, "forecast", forecast.key, note=err.message)
    ends = np.asarray(exc.end_utc)
    at_np = _np(at)
    horizon = at_np + np.timedelta64(int(round(policy.horizon_h * 3600)), "s")
    idx = np.nonzero((ends > at_np) & (ends <= horizon))[0]
    ratios = np.asarray(exc.ratio, dtype=float)[idx]
    if not len(idx) or not np.isfinite(ratios).any():
        return Evidence(name, "forecast", forecast.key,
                        note=f"no complete forecast window within {policy.horizon_h:g} h")
    return _evidence(name, threshold, "forecast", joined.key, exc, idx[int(np.nanargmax(ratios))])


def daily_totals(series: RainSeries) -> tuple[np.ndarray, np.ndarray]:
    """Rainfall (mm) of each UTC day the series touches, oldest first: (days ``datetime64[D]``, totals).

    A day is the sum of its steps; a day with a missing step (NaN), or not wholly covered by the record (the
    first and last days of a record starting or ending mid-day), is NaN, never zero. Raises ``ValueError``
    when the step does not divide a day or the steps do not start on a multiple of the step from 00:00 UTC.

    >>> s = RainSeries("x", np.array(["2020-01-01T12", "2020-01-02T00", "2020-01-02T12", "2020-01-03T00"],
    ...                              dtype="datetime64[s]"), np.array([1.0, 2.0, 3.0, 4.0]), dt.timedelta(hours=12))
    >>> days, mm = daily_totals(s)
    >>> [str(d) for d in days], mm.tolist()
    (['2020-01-01', '2020-01-02', '2020-01-03'], [nan, 5.0, nan])
    """
    step_s = int(series.step.total_seconds())
    if step_s <= 0 or 86400 % step_s:
        raise ValueError(f"a step of {series.step_h:g} h does not divide a day: no daily totals")
    start = np.asarray(series.start_utc).astype("datetime64[s]")
    if not len(start):
        return np.array([], dtype="datetime64[D]"), np.array([], dtype=float)
    offset = start.astype("int64") % step_s
    if offset.any():
        bad = start[np.nonzero(offset)[0][0]]
        raise ValueError(f"step {bad} does not start on a multiple of {series.step_h:g} h from 00:00 UTC: "
                         "its rain cannot be given to one UTC day")
    day = start.astype("datetime64[D]")
    idx = (day - day[0]).astype("int64")
    depth = np.asarray(series.depth_mm, dtype=float)
    ok = ~np.isnan(depth)
    n = int(idx[-1]) + 1
    total = np.bincount(idx, weights=np.where(ok, depth, 0.0), minlength=n)
    count = np.bincount(idx, weights=ok.astype(float), minlength=n)
    total[count < 86400 // step_s] = np.nan
    return day[0] + np.arange(n), total


def _none_if_nan(x: float) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


def assess_ari(series: RainSeries, at: dt.datetime, policy: RainPolicy) -> Evidence:
    """The LHASA 1.1 rule on one observed series' history: ARI of the judged day against the series' ARI95.

    The judged day is the last complete UTC day, the one ending at or before ``at``;
    ``ARI = sum_k w_k P_{t-k} / sum_k w_k``, ``w_k = (k + 1)**-2``, k = 0..6 (mm/day,
    :func:`minewatch.rain.thresholds.ari_series`), and ARI95 its 95th percentile over the days up to the
    judged day (:func:`minewatch.rain.thresholds.ari_percentile`). ``ratio = ARI / ARI95``: wet when > 1.
    Reference: Kirschbaum & Stanley (2018), Earth's Future 6:505-523; nasa/LHASA ``LHASA.r``.
    """
    from minewatch.rain.thresholds import ARI_DAYS, antecedent_sums, ari_percentile, ari_series

    def unassessable(note, **kw):
        return Evidence(ARI_RULE, "observed", series.key, note=note, **kw)

    try:
        days, totals = daily_totals(series)
    except ValueError as exc:
        return unassessable(str(exc))
    judged = np.datetime64(_utc(at).replace(tzinfo=None), "D") - np.timedelta64(1, "D")
    end = _py(np.datetime64(judged + np.timedelta64(1, "D"), "s"))
    if not len(days) or days[0] > judged:
        return unassessable(f"no complete UTC day of rainfall before {end.isoformat()}")
    keep = days <= judged  # nothing after the check: the record as it stood at ``at``
    days, totals = days[keep], totals[keep]
    if days[-1] < judged:  # the record stops before the judged day: those days are missing
        extra = np.arange(days[-1] + np.timedelta64(1, "D"), judged + np.timedelta64(1, "D"))
        days, totals = np.concatenate((days, extra)), np.concatenate((totals, np.full(len(extra), np.nan)))
    values = ari_series(totals)
    history = int(np.count_nonzero(~np.isnan(values)))
    sums = antecedent_sums(series, end, ANTECEDENT_DAYS)
    antecedent = {f"{d}d": _none_if_nan(v) for d, v in sums.items()}
    ari_now = _none_if_nan(values[-1]) if len(values) else None
    problems = []
    week = np.arange(judged - np.timedelta64(ARI_DAYS - 1, "D"), judged + np.timedelta64(1, "D"))
    have = dict(zip(days.tolist(), totals.tolist()))
    missing = [str(d) for d in week if math.isnan(have.get(d.item(), math.nan))]
    if missing:
        problems.append(f"no complete rainfall on {', '.join(missing)} (UTC days) in the {ARI_DAYS} days "
                        f"ending {end.isoformat()}")
    if history < policy.ari_min_history_days:
        problems.append(f"a history of {history} days with an ARI is shorter than the "
                        f"{policy.ari_min_history_days} days set (ari_min_history_days) for its 95th percentile")
    if problems:
        return unassessable("; ".join(problems), end_utc=end, ari_mm_per_day=ari_now, history_days=history,
                            antecedent_mm=antecedent)
    ari95 = ari_percentile(totals, ARI_QUANTILE)
    if not ari95 > 0:
        return unassessable(f"ARI95 is 0 mm/day over {history} days (a record without rain)", end_utc=end,
                            ari_mm_per_day=ari_now, history_days=history, antecedent_mm=antecedent)
    return Evidence(ARI_RULE, "observed", series.key, ari_now / ari95, end, ari_mm_per_day=ari_now,
                    ari95_mm_per_day=ari95, history_days=history, antecedent_mm=antecedent)


def assess_rain(series: list[RainSeries], thresholds: dict, at: dt.datetime, policy: RainPolicy,
                exceed: Callable | None = None, history: list[RainSeries] | None = None) -> RainAssessment:
    """Warning, watch, none or not assessable for one site's series (observed and forecast) at ``at``.

    ``thresholds`` maps a name to a :class:`~minewatch.rain.thresholds.Threshold`; ``exceed`` is
    :func:`minewatch.rain.thresholds.exceedance` (replaceable in tests). With ``policy.use_ari`` the
    observed series of ``history`` (their whole stored record; default ``series``) are judged by
    :func:`assess_ari`: a wet one raises a watch when the intensity-duration thresholds raise nothing.
    """
    if exceed is None:
        from minewatch.rain.thresholds import exceedance as exceed
    observed = [s for s in series if s.kind == "observed"]
    forecasts = [s for s in series if s.kind == "forecast"]
    if not observed and not forecasts:
        return RainAssessment("not_assessable", None, None, (Evidence(
            "-", "observed", "-", note="no rainfall series represents this site"),))
    ev: list[Evidence] = []
    for name, thr in thresholds.items():
        ev += [_observed(name, thr, s, at, policy, exceed) for s in observed]
        if not observed:
            ev.append(Evidence(name, "observed", "-", note="no observed rainfall series represents this site"))
        for f in forecasts:
            base = next((s for s in observed if s.step == f.step), None)
            ev.append(_forecast(name, thr, base, f, at, policy, exceed))
    obs = [e for e in ev if e.basis == "observed" and e.assessable]
    fc = [e for e in ev if e.basis == "forecast" and e.assessable]
    top = max(obs, key=lambda e: e.ratio, default=None)
    top_fc = max(fc, key=lambda e: e.ratio, default=None)
    if policy.use_ari:
        past = [s for s in (series if history is None else history) if s.kind == "observed"]
        ev += [assess_ari(s, at, policy) for s in past] or [
            Evidence(ARI_RULE, "observed", "-", note="no observed rainfall series represents this site")]
    wet = max((e for e in ev if e.wet and e.assessable), key=lambda e: e.ratio, default=None)
    if top is not None and top.ratio >= 1:
        return RainAssessment("warning", "observed >= 1", top, tuple(ev))
    if top is not None and top.ratio >= policy.near_fraction:
        return RainAssessment("watch", f"observed >= {policy.near_fraction:g}", top, tuple(ev))
    if top_fc is not None and top_fc.ratio >= 1:
        return RainAssessment("watch", f"forecast >= 1 within {policy.horizon_h:g} h", top_fc, tuple(ev))
    if wet is not None:
        return RainAssessment("watch", "ARI > ARI95", wet, tuple(ev))
    if top is None:  # a dry antecedent index alone does not say that no trigger is coming
        return RainAssessment("not_assessable", None, None, tuple(ev))
    return RainAssessment("none", None, top, tuple(ev))


def decide_site(code: str, level: str | None, level_source: str | None, rain: RainAssessment | None,
                policy: RainPolicy) -> SiteDecision:
    """Gate the rainfall decision by the site's level: never an alert below ``policy.min_level`` or without one."""
    if level not in LEVELS:
        return SiteDecision(code, "no_level", None, None, rain)
    if not level_at_least(level, policy.min_level):
        return SiteDecision(code, "below_level", level, level_source, rain)
    if rain is None:
        raise ValueError(f"site {code}: a site at level {level} needs its rainfall assessed")
    return SiteDecision(code, rain.decision, level, level_source, rain)


@dataclass(frozen=True)
class SiteOutcome:
    """One line of ``rain check``: the decision, the alert raised (or why not), recipients queued."""

    decision: SiteDecision
    period_start: dt.datetime | None = None
    raised: bool = False  # a new watch or warning for this period
    already: list[str] = field(default_factory=list)  # levels already raised in the period
    alert_id: int | None = None
    recipients: int = 0
    queued: int = 0

    def as_dict(self) -> dict:
        d = self.decision
        return {"site": d.site_code, "decision": d.decision, "level": d.level, "level_source": d.level_source,
                "alert": d.alert, "period_start": self.period_start.isoformat() if self.period_start else None,
                "raised": self.raised, "already": list(self.already), "alert_id": self.alert_id,
                "recipients": self.recipients, "queued": self.queued, "reason": d.reason()}
