"""Rainfall thresholds for landslides as data, their exceedance over a rainfall series, and rainfall indices.

Intensity-duration (ID) thresholds have the general power-law form (Guzzetti et al. 2007, 2008)

.. math:: I = c + \\alpha D^{-\\beta}

with ``I`` the mean rainfall intensity (mm/h) over a duration ``D`` (h), valid on ``[d_min_h, d_max_h]``.
A threshold *normalised by MAP* gives ``I / MAP`` (a fraction of the mean annual precipitation per hour);
multiplying by the site's MAP (mm) gives mm/h.

The built-in thresholds are read from ``thresholds.yaml`` beside this module (coefficients, units, valid
range, full source, status: ``published`` when checked against a cited text, ``provisional`` otherwise);
a user adds regional thresholds from a YAML or CSV file with the same fields (:func:`load_thresholds`).

Exceedance is a *sliding window over durations* (not dry-period separated rainfall events): at the end of
every step, the mean intensity over each duration of the threshold's range that fits in the record is compared
with the threshold at that duration, and the largest ratio is kept. This needs no choice of the dry period
that separates events (a choice that changes the answer), works the same in real time (the start of the
rain that will trigger a slide is not known while it rains) and on a record, and is the conservative reading
of an ID threshold (any duration over the curve counts). A window holding a missing step is not assessable:
missing rain is never counted as zero.

Indices: antecedent rainfall sums, and the LHASA 1.1 antecedent rainfall index (Kirschbaum & Stanley 2018)
``ARI_t = sum_{k=0..6} w_k P_{t-k} / sum_k w_k`` with ``w_k = (k + 1)^-2``, compared with its 95th percentile
over a daily history of the same location.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from minewatch.rain.errors import RainInvalid
from minewatch.rain.model import RainSeries

STATUSES = ("published", "provisional")
NORMALISATIONS = (None, "MAP")
ARI_DAYS = 7  # LHASA 1.1: today and the six days before
ARI_WEIGHTS = 1.0 / (np.arange(ARI_DAYS, dtype=float) + 1.0) ** 2  # w_k, k = 0 (today) .. 6


@dataclass(frozen=True, kw_only=True)
class Threshold:
    """A landslide rainfall intensity-duration threshold ``I = c + alpha * D**-beta`` (I mm/h, D h).

    With ``normalised_by="MAP"`` the same equation gives ``I / MAP`` (fraction of the mean annual
    precipitation per hour) and :meth:`intensity` needs ``map_mm``.

    Examples
    --------
    >>> t = Threshold(name="caine1980", title="Caine", alpha=14.82, beta=0.39, d_min_h=0.167, d_max_h=240.0,
    ...               source="Caine 1980", status="published")
    >>> round(t.intensity(1.0), 2)
    14.82
    """

    name: str
    title: str
    alpha: float
    beta: float
    c: float = 0.0
    d_min_h: float
    d_max_h: float
    normalised_by: str | None = None
    source: str
    status: str = "provisional"
    notes: str = ""
    region: str = ""

    def __post_init__(self) -> None:
        problems = validate_fields(self)
        if problems:
            field_name, value, why = problems[0]
            raise RainInvalid(f"threshold {self.name!r}: field {field_name} = {value!r}: {why}",
                              code="rain_threshold_invalid")

    def check_duration(self, duration_h: float) -> None:
        """Raise :class:`RainInvalid` when ``duration_h`` is outside the valid range (naming the range)."""
        if not (self.d_min_h <= duration_h <= self.d_max_h):  # also catches NaN
            raise RainInvalid(
                f"duration {duration_h:g} h is outside the valid range of threshold {self.name!r}: "
                f"{self.d_min_h:g} to {self.d_max_h:g} h", code="rain_duration_out_of_range")

    def intensity(self, duration_h: float, *, map_mm: float | None = None) -> float:
        """Threshold mean intensity (mm/h) at ``duration_h`` (h); ``map_mm`` is required if normalised by MAP."""
        self.check_duration(float(duration_h))
        return float(self._intensity(np.asarray(float(duration_h)), map_mm))

    def cumulative_mm(self, duration_h: float, *, map_mm: float | None = None) -> float:
        """Threshold cumulative rainfall (mm) over ``duration_h``: ``I(D) * D``."""
        return self.intensity(duration_h, map_mm=map_mm) * float(duration_h)

    def _intensity(self, duration_h: np.ndarray, map_mm: float | None) -> np.ndarray:
        value = self.c + self.alpha * np.power(duration_h, -self.beta)
        if self.normalised_by == "MAP":
            if map_mm is None or not (map_mm > 0 and math.isfinite(map_mm)):
                raise RainInvalid(
                    f"threshold {self.name!r} is normalised by mean annual precipitation: give the site's MAP "
                    f"in mm (a positive number; got {map_mm!r})", code="rain_map_required")
            value = value * map_mm
        return value


def validate_fields(t: Threshold | Mapping) -> list[tuple[str, object, str]]:
    """Problems of a threshold's fields as (field, value, why); empty when valid."""
    get = (lambda k: getattr(t, k)) if isinstance(t, Threshold) else t.get
    out: list[tuple[str, object, str]] = []
    name = get("name")
    if not isinstance(name, str) or not name.strip() or any(ch.isspace() for ch in name):
        out.append(("name", name, "must be a non-empty name without spaces"))
    for key in ("alpha", "beta", "c", "d_min_h", "d_max_h"):
        v = get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            out.append((key, v, "must be a finite number"))
    if out:
        return out
    if get("alpha") <= 0:
        out.append(("alpha", get("alpha"), "must be > 0"))
    if get("beta") < 0:
        out.append(("beta", get("beta"), "must be >= 0 (intensity falls with duration)"))
    if get("c") < 0:
        out.append(("c", get("c"), "must be >= 0"))
    if get("d_min_h") <= 0:
        out.append(("d_min_h", get("d_min_h"), "must be > 0 h"))
    elif get("d_max_h") <= get("d_min_h"):
        out.append(("d_max_h", get("d_max_h"), f"must be greater than d_min_h ({get('d_min_h'):g} h)"))
    if get("normalised_by") not in NORMALISATIONS:
        out.append(("normalised_by", get("normalised_by"), "must be empty or MAP"))
    if get("status") not in STATUSES:
        out.append(("status", get("status"), "must be published or provisional"))
    source = get("source")
    if not isinstance(source, str) or not source.strip():
        out.append(("source", source, "a threshold needs its source (full citation)"))
    title = get("title")
    if not isinstance(title, str) or not title.strip():
        out.append(("title", title, "must be a non-empty text"))
    return out


_REQUIRED = ("name", "title", "alpha", "beta", "d_min_h", "d_max_h", "source")
_FIELDS = tuple(f.name for f in fields(Threshold))
_NUMERIC = ("alpha", "beta", "c", "d_min_h", "d_max_h")


def _threshold_from_entry(entry: object, *, where: str) -> Threshold:
    if not isinstance(entry, Mapping):
        raise RainInvalid(f"{where}: expected a mapping of threshold fields, got {type(entry).__name__}",
                          code="rain_threshold_invalid")
    unknown = sorted(set(entry) - set(_FIELDS))
    if unknown:
        raise RainInvalid(f"{where}: unknown field {unknown[0]!r} (known fields: {', '.join(_FIELDS)})",
                          code="rain_threshold_invalid")
    missing = [k for k in _REQUIRED if entry.get(k) in (None, "")]
    if missing:
        raise RainInvalid(f"{where}: field {missing[0]} is missing", code="rain_threshold_invalid")
    values = dict(entry)
    values.setdefault("c", 0.0)
    values.setdefault("status", "provisional")
    for key in _NUMERIC:
        v = values.get(key)
        if v in (None, "") and key == "c":
            values[key] = 0.0
        elif isinstance(v, str):
            try:
                values[key] = float(v)
            except ValueError:
                raise RainInvalid(f"{where}: field {key} = {v!r}: not a number",
                                  code="rain_threshold_invalid") from None
    if values.get("normalised_by") in ("", "none", "None"):
        values["normalised_by"] = None
    for key in ("notes", "region"):
        if values.get(key) is None:
            values[key] = ""
    problems = validate_fields(values)
    if problems:
        key, value, why = problems[0]
        raise RainInvalid(f"{where}: field {key} = {value!r}: {why}", code="rain_threshold_invalid")
    return Threshold(**values)


def parse_thresholds(entries: object, *, origin: str) -> dict[str, Threshold]:
    """Thresholds from parsed YAML (a list of mappings, or a mapping name -> fields); errors name the entry."""
    if isinstance(entries, Mapping) and "thresholds" in entries:
        entries = entries["thresholds"]
    if isinstance(entries, Mapping):
        items = [({"name": k, **v} if isinstance(v, Mapping) and "name" not in v else v)
                 for k, v in entries.items()]
    elif isinstance(entries, list):
        items = entries
    else:
        raise RainInvalid(f"{origin}: expected a list of thresholds (or a mapping name -> fields)",
                          code="rain_threshold_invalid")
    return _by_name((entry, f"{origin}: entry {i}") for i, entry in enumerate(items, start=1))


def _by_name(entries) -> dict[str, Threshold]:
    """{name: Threshold} of (entry, where) pairs; a name given twice is refused, naming the entry."""
    out: dict[str, Threshold] = {}
    for entry, where in entries:
        label = entry.get("name") if isinstance(entry, Mapping) else None
        where += f" ({label!r})" if label else ""
        t = _threshold_from_entry(entry, where=where)
        if t.name in out:
            raise RainInvalid(f"{where}: field name = {t.name!r}: defined twice in this file",
                              code="rain_threshold_invalid")
        out[t.name] = t
    return out


@functools.cache
def _builtins() -> tuple[Threshold, ...]:
    import yaml

    path = Path(__file__).with_name("thresholds.yaml")
    with path.open(encoding="utf-8") as fh:
        return tuple(parse_thresholds(yaml.safe_load(fh), origin=path.name).values())


def builtin_thresholds() -> dict[str, Threshold]:
    """The built-in thresholds (caine1980, guzzetti2008, javier-kumar2018, ...) by name."""
    return {t.name: t for t in _builtins()}


def read_thresholds_file(path: str | Path) -> dict[str, Threshold]:
    """User-defined thresholds from a YAML (``.yaml``/``.yml``) or CSV file with the fields of :class:`Threshold`."""
    path = Path(path)
    if not path.is_file():
        raise RainInvalid(f"{path}: thresholds file not found", code="rain_threshold_invalid")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise RainInvalid(f"{path}: not valid YAML: {exc}", code="rain_threshold_invalid") from None
        return parse_thresholds(data, origin=str(path))
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            unknown = [h for h in header if h not in _FIELDS]
            if unknown:
                raise RainInvalid(f"{path}: unknown column {unknown[0]!r} (known: {', '.join(_FIELDS)})",
                                  code="rain_threshold_invalid")
            rows = []
            for row in reader:
                rows.append({k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()})
        return _by_name((row, f"{path}: row {i}") for i, row in enumerate(rows, start=2))  # row 1: header
    raise RainInvalid(f"{path}: thresholds file must be .yaml, .yml or .csv", code="rain_threshold_invalid")


def load_thresholds(path: str | Path | None = None) -> dict[str, Threshold]:
    """Built-in thresholds plus those of a user YAML/CSV file (a user name may not replace a built-in one)."""
    out = builtin_thresholds()
    if path is not None:
        for name, t in read_thresholds_file(path).items():
            if name in out:
                raise RainInvalid(f"{path}: threshold {name!r} has the name of a built-in threshold; "
                                  "choose another name", code="rain_threshold_invalid")
            out[name] = t
    return out


def get_threshold(name: str, *, path: str | Path | None = None) -> Threshold:
    """One threshold by name (built-in or from ``path``); the error lists the known names."""
    known = load_thresholds(path)
    try:
        return known[name]
    except KeyError:
        raise RainInvalid(f"unknown threshold {name!r}; known: {', '.join(sorted(known))}",
                          code="rain_threshold_unknown") from None


# --------------------------------------------------------------------------------------------- exceedance


@dataclass(frozen=True, eq=False)
class Exceedance:
    """Per step end: observed/threshold intensity ratio (max over durations), its duration and intensity.

    ``ratio >= 1`` means the threshold is exceeded at that time; NaN means not assessable.
    """

    end_utc: np.ndarray  # datetime64[s], end of each window (= end of each step)
    ratio: np.ndarray  # float64
    duration_h: np.ndarray  # float64, duration giving the max ratio (NaN if not assessable)
    intensity_mm_per_h: np.ndarray  # float64, observed mean intensity over that duration
    threshold: str = ""
    durations_h: tuple[float, ...] = field(default=())

    @property
    def exceeded(self) -> np.ndarray:
        """Boolean array: ratio >= 1 (False where not assessable)."""
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(self.ratio, nan=0.0) >= 1.0


def default_durations_h(series: RainSeries, threshold: Threshold) -> tuple[float, ...]:
    """Every whole number of steps within the threshold's valid range (and no longer than the record)."""
    step_h = series.step_h
    n_min = max(1, math.ceil(threshold.d_min_h / step_h - 1e-9))
    n_max = min(len(series), math.floor(threshold.d_max_h / step_h + 1e-9))
    return tuple(n * step_h for n in range(n_min, n_max + 1))


def exceedance(series: RainSeries, threshold: Threshold, *, durations_h: Sequence[float] | None = None,
               map_mm: float | None = None) -> Exceedance:
    """Exceedance of an ID threshold by a rainfall series: sliding windows over durations.

    For the window of duration ``D`` ending at step end ``t`` the observed mean intensity is
    ``I_obs = sum(depth_mm over the window) / D`` (mm/h) and the ratio ``I_obs / I_thr(D)``; the result keeps,
    at each ``t``, the largest ratio over the durations (whole numbers of steps in ``[d_min_h, d_max_h]``,
    or ``durations_h``). A window reaching before the record start is not formed (the record bounds the
    longest duration); a window holding a missing step (NaN) is not assessable. At ``t`` the ratio is the
    largest over assessable windows if that reaches 1 (exceeded: a complete window proves it), else NaN when
    any window was not assessable (missing rain could have exceeded), else the largest ratio.

    Parameters
    ----------
    series : RainSeries
        Rainfall depths (mm per step) on a regular clock.
    threshold : Threshold
    durations_h : sequence of float, optional
        Durations (h), each a whole number of steps within the threshold's range.
    map_mm : float, optional
        Mean annual precipitation (mm), required for a threshold normalised by MAP.

    Returns
    -------
    Exceedance

    Examples
    --------
    >>> import datetime as dt, numpy as np
    >>> s = RainSeries("x", np.array(["2020-01-01T00", "2020-01-01T01"], dtype="datetime64[s]"),
    ...                np.array([10.0, 20.0]), dt.timedelta(hours=1))
    >>> t = Threshold(name="t", title="t", alpha=10.0, beta=0.0, d_min_h=1, d_max_h=2, source="s")
    >>> exceedance(s, t).ratio.tolist()
    [1.0, 2.0]
    """
    depth = np.asarray(series.depth_mm, dtype=float)
    n = len(depth)
    step_h = series.step_h
    if step_h <= 0:
        raise RainInvalid(f"series {series.key!r}: step must be positive", code="rain_invalid")
    if durations_h is None:
        durations = default_durations_h(series, threshold)
    else:
        durations = tuple(float(d) for d in durations_h)
        for d in durations:
            threshold.check_duration(d)
            k = d / step_h
            if abs(k - round(k)) > 1e-6 or round(k) < 1:
                raise RainInvalid(f"duration {d:g} h is not a whole number of {step_h:g}-h steps of series "
                                  f"{series.key!r}", code="rain_invalid")
    end_utc = (np.asarray(series.start_utc).astype("datetime64[s]")
               + np.timedelta64(int(round(series.step.total_seconds())), "s"))
    best = np.full(n, -np.inf)
    best_d = np.full(n, np.nan)
    best_i = np.full(n, np.nan)
    unknown = np.zeros(n, dtype=bool)
    missing = np.isnan(depth)
    csum = np.concatenate(([0.0], np.cumsum(np.where(missing, 0.0, depth))))
    cmiss = np.concatenate(([0], np.cumsum(missing)))
    for d in durations:
        k = int(round(d / step_h))
        if k > n:
            continue
        idx = np.arange(k - 1, n)  # windows ending after step idx: steps idx-k+1 .. idx
        total = csum[idx + 1] - csum[idx + 1 - k]
        holes = (cmiss[idx + 1] - cmiss[idx + 1 - k]) > 0
        i_obs = total / d
        i_thr = float(threshold._intensity(np.asarray(d), map_mm))
        ratio = np.where(holes, -np.inf, i_obs / i_thr)
        unknown[idx] |= holes
        better = ratio > best[idx]
        sel = idx[better]
        best[sel] = ratio[better]
        best_d[sel] = d
        best_i[sel] = i_obs[better]
    if not durations and threshold.normalised_by == "MAP":
        threshold._intensity(np.asarray(1.0), map_mm)  # still report a missing MAP
    ratio = best.copy()
    undecided = ~np.isfinite(best) | ((best < 1.0) & unknown)
    ratio[undecided] = np.nan
    best_d[undecided] = np.nan
    best_i[undecided] = np.nan
    return Exceedance(end_utc=end_utc, ratio=ratio, duration_h=best_d, intensity_mm_per_h=best_i,
                      threshold=threshold.name, durations_h=durations)


def soil_moisture_gate(ratio: np.ndarray, soil_moisture: np.ndarray, *, level: float) -> np.ndarray:
    """Alarm states gated by soil moisture: 1 (alarm), 0 (none), NaN (not assessable).

    An alarm needs ``ratio >= 1`` and ``soil_moisture >= level`` (same units as ``level``, e.g. SMAP L4
    volumetric m3/m3 or a wetness fraction); the gate only removes alarms, as suggested by Abancó et al.
    (2021, NHESS 21:1531) for Itogon. The level is site-specific and has no default (provisional by nature).

    >>> soil_moisture_gate(np.array([2.0, 2.0, 0.5]), np.array([0.4, 0.1, 0.4]), level=0.3).tolist()
    [1.0, 0.0, 0.0]
    """
    ratio = np.asarray(ratio, dtype=float)
    sm = np.asarray(soil_moisture, dtype=float)
    if ratio.shape != sm.shape:
        raise RainInvalid(f"soil moisture has {sm.shape} values for {ratio.shape} rainfall times",
                          code="rain_invalid")
    out = np.where(np.isnan(ratio), np.nan, (ratio >= 1.0).astype(float))
    with np.errstate(invalid="ignore"):
        dry = sm < level
    out = np.where(dry, 0.0, out)
    out = np.where(np.isnan(sm) & (out == 1.0), np.nan, out)
    return out


# --------------------------------------------------------------------------------------------- indices


def antecedent_sums(series: RainSeries, at_utc: dt.datetime | np.datetime64,
                    days: Iterable[int] = (1, 3, 5, 10)) -> dict[int, float]:
    """Rainfall (mm) in the ``d`` days before ``at_utc``, for each ``d`` in ``days``.

    Sums the steps lying wholly in ``[at_utc - d days, at_utc)``; NaN if any of them is missing or the
    window reaches outside the record (never treated as zero).

    >>> import numpy as np, datetime as dt
    >>> s = RainSeries("x", np.arange("2020-01-01", "2020-01-05", dtype="datetime64[D]").astype("datetime64[s]"),
    ...                np.array([1.0, 2.0, 3.0, 4.0]), dt.timedelta(days=1))
    >>> antecedent_sums(s, np.datetime64("2020-01-05T00:00:00"), days=(1, 3, 5))
    {1: 4.0, 3: 9.0, 5: nan}
    """
    at = _as_utc64(at_utc)
    start = np.asarray(series.start_utc).astype("datetime64[s]")
    step = np.timedelta64(int(round(series.step.total_seconds())), "s")
    depth = np.asarray(series.depth_mm, dtype=float)
    out: dict[int, float] = {}
    for d in days:
        d = int(d)
        if d <= 0:
            raise RainInvalid(f"antecedent days must be positive, got {d}", code="rain_invalid")
        lo = at - np.timedelta64(d * 86400, "s")
        if len(start) == 0 or lo < start[0] or at > start[-1] + step:
            out[d] = math.nan
            continue
        inside = (start >= lo) & (start + step <= at)
        vals = depth[inside]
        out[d] = math.nan if (vals.size == 0 or np.isnan(vals).any()) else float(vals.sum())
    return out


def _as_utc64(value: dt.datetime | np.datetime64) -> np.datetime64:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise RainInvalid(f"time {value.isoformat()} has no time zone; give it in UTC", code="rain_invalid")
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return np.datetime64(value, "s")


def ari(daily_mm: Sequence[float] | np.ndarray) -> float:
    """LHASA 1.1 antecedent rainfall index (mm/day) from daily rainfall, oldest day first.

    .. math:: ARI_t = \\frac{\\sum_{k=0}^{6} w_k P_{t-k}}{\\sum_{k=0}^{6} w_k}, \\quad w_k = (k+1)^{-2}

    ``P_t`` is the last (most recent) value. Needs at least 7 days (only the last 7 are used): with
    fewer, the index is undefined and :class:`RainInvalid` is raised (a missing day is not zero rain);
    a NaN among the last 7 gives NaN. Reference: Kirschbaum & Stanley (2018), Earth's Future 6:505-523;
    NASA LHASA 1.1 source (github.com/nasa/LHASA).

    >>> round(ari([0, 0, 0, 0, 0, 0, 10.0]), 4)
    6.6146
    """
    p = np.asarray(daily_mm, dtype=float).ravel()
    if p.size < ARI_DAYS:
        raise RainInvalid(f"the LHASA antecedent rainfall index needs {ARI_DAYS} daily values (oldest first); "
                          f"got {p.size}", code="rain_ari_days")
    last = p[-ARI_DAYS:][::-1]  # k = 0 (today) .. 6
    if np.isnan(last).any():
        return math.nan
    return float(np.dot(ARI_WEIGHTS, last) / ARI_WEIGHTS.sum())


def ari_series(daily_mm: Sequence[float] | np.ndarray) -> np.ndarray:
    """ARI for every day of a daily record (oldest first); NaN for the first 6 days and where data are missing."""
    p = np.asarray(daily_mm, dtype=float).ravel()
    out = np.full(p.size, np.nan)
    if p.size >= ARI_DAYS:
        windows = np.lib.stride_tricks.sliding_window_view(p, ARI_DAYS)[:, ::-1]  # today first
        out[ARI_DAYS - 1:] = windows @ ARI_WEIGHTS / ARI_WEIGHTS.sum()
    return out


def ari_percentile(daily_history_mm: Sequence[float] | np.ndarray, q: float = 95.0) -> float:
    """The ``q``-th percentile (default 95, LHASA 1.1 "ARI95") of the ARI over a location's daily history.

    Days whose ARI is undefined (first 6 days, missing data) are left out; raises :class:`RainInvalid`
    when no day has an ARI.
    """
    if not (0.0 <= q <= 100.0):
        raise RainInvalid(f"percentile {q:g} must be between 0 and 100", code="rain_invalid")
    values = ari_series(daily_history_mm)
    values = values[~np.isnan(values)]
    if values.size == 0:
        raise RainInvalid(f"no day of the history has a complete {ARI_DAYS}-day window for the ARI",
                          code="rain_ari_days")
    return float(np.percentile(values, q))
