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
