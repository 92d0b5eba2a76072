"""Pure value objects of rainfall shared by import, thresholds, evaluation and alerts.

A :class:`RainSeries` is one location's rainfall on a regular clock: ``depth_mm[i]`` fell during
``[start_utc[i], start_utc[i] + step)``; NaN marks a missing step (a gap is kept as NaN, never filled).
Times are UTC ``datetime64[s]``; a file's local times are converted on import with an explicit zone.
The mean intensity of step ``i`` is ``depth_mm[i] / (step in hours)`` (mm/h).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class RainSeries:
    """Rainfall depths (mm per step) at regular UTC start times for one station, grid cell or event record."""

    key: str  # station code, grid cell id ("lat,lon") or the file's series id
    start_utc: np.ndarray  # datetime64[s], strictly increasing, regular (multiples of step)
    depth_mm: np.ndarray  # float64, NaN = missing
    step: dt.timedelta
    latitude: float | None = None
    longitude: float | None = None
    name: str | None = None
    kind: str = "observed"  # "observed" | "forecast"
    source: str | None = None

    @property
    def step_h(self) -> float:
        return self.step.total_seconds() / 3600.0

    def __len__(self) -> int:
        return len(self.depth_mm)


# ------------------------------------------------------------------------------------------------
# units, steps, kinds (pure; used by import and the pages)
# ------------------------------------------------------------------------------------------------

KINDS = ("observed", "forecast")
REPAIRS = ("clock-from-row-order",)
DEFAULT_MAX_DISTANCE_KM = 10.0  # provisional: how far a station or grid cell may lie from a site (Settings too)

# A unit is a depth per step ("mm") or a mean intensity over the step ("mm/h"): factor to mm, resp. mm/h.
# kg m-2 of liquid water is 1 mm (density 1000 kg m-3); CF writes rates as "kg m-2 s-1" (= mm/s).
DEPTH_UNITS = {"mm": 1.0, "millimeter": 1.0, "millimetre": 1.0, "kg m-2": 1.0, "kg/m2": 1.0, "kg m**-2": 1.0,
               "in": 25.4, "inch": 25.4, "cm": 10.0, "m": 1000.0}
RATE_UNITS = {"mm/h": 1.0, "mm/hr": 1.0, "mm/hour": 1.0, "mm h-1": 1.0, "mm hr-1": 1.0, "mm h**-1": 1.0,
              "in/h": 25.4, "in/hr": 25.4, "mm/s": 3600.0, "mm s-1": 3600.0, "kg m-2 s-1": 3600.0,
              "kg/m2/s": 3600.0, "kg m**-2 s**-1": 3600.0, "mm/d": 1 / 24, "mm/day": 1 / 24, "mm d-1": 1 / 24,
              "mm day-1": 1 / 24}
CSV_UNITS = ("mm", "mm/h", "in", "in/h")


def unit_factor(unit: str) -> tuple[float, bool]:
    """(factor, is_rate) of a rainfall unit: depth in mm = value * factor (* step_h when ``is_rate``).

    >>> unit_factor("mm/hr"), unit_factor("in"), unit_factor("kg m-2 s-1")
    ((1.0, True), (25.4, False), (3600.0, True))
    """
    text = " ".join(str(unit or "").strip().lower().split())
    if text in DEPTH_UNITS:
        return DEPTH_UNITS[text], False
    if text in RATE_UNITS:
        return RATE_UNITS[text], True
    known = sorted(set(DEPTH_UNITS) | set(RATE_UNITS))
    raise ValueError(f"rainfall unit {unit!r} is not one of: {', '.join(known)}")


def to_depth_mm(values: np.ndarray, unit: str, step_h: float) -> np.ndarray:
    """Depth per step (mm) of values in ``unit``; a rate is the mean intensity over the step (depth = rate * step).

    >>> to_depth_mm(np.array([2.0, 0.0]), "mm/h", 0.5).tolist()
    [1.0, 0.0]
    """
    factor, is_rate = unit_factor(unit)
    return np.asarray(values, dtype=float) * factor * (step_h if is_rate else 1.0)


_STEP = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hr": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_step(text: str) -> dt.timedelta:
    """A step such as ``30min``, ``1h``, ``3h``, ``1d`` or ``900s``.

    >>> parse_step("30min"), parse_step("1d")
    (datetime.timedelta(seconds=1800), datetime.timedelta(days=1))
    """
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*", str(text or "").lower())
    unit = m and (m[2] if m[2] in _STEP else m[2].rstrip("s") if m[2].rstrip("s") in _STEP else None)
    if not m or unit is None or float(m[1]) <= 0:
        raise ValueError(f"step {text!r} is not a duration such as 30min, 1h, 3h or 1d")
    seconds = float(m[1]) * _STEP[unit]
    if seconds != int(seconds):
        raise ValueError(f"step {text!r} is not a whole number of seconds")
    return dt.timedelta(seconds=int(seconds))


def distance_km(lat1: float, lon1: float, lat2: np.ndarray | float, lon2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance (haversine, mean Earth radius 6371.0088 km) between points in degrees.

    >>> round(float(distance_km(0.0, 0.0, 0.0, 1.0)), 3)  # 2 pi 6371.0088 / 360
    111.195
    """
    r = 6371.0088
    p1, p2 = np.radians(lat1), np.radians(np.asarray(lat2, dtype=float))
    dp, dl = p2 - p1, np.radians(np.asarray(lon2, dtype=float) - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
