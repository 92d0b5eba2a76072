"""The rainfall chart of a site: rainfall per step as bars, and the rolling mean intensity at one duration
against a threshold's intensity at that duration (matplotlib, Agg; PNG or SVG from the file's suffix).

The rolling mean intensity ending at step ``i`` is the sum of the ``n = D / step`` depths up to ``i``
divided by ``D`` (mm/h); a window with a missing step has none (NaN, a break in the line), never a
filled value.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.rain.model import RainSeries


def rolling_intensity(series: RainSeries, duration_h: float) -> np.ndarray:
    """Mean intensity (mm/h) over the ``duration_h`` ending at each step's end; NaN if the window is short or gappy.

    >>> import datetime as dt
    >>> s = RainSeries("a", np.array(["2024-01-01T00", "2024-01-01T01", "2024-01-01T02"], "datetime64[s]"),
    ...                np.array([1.0, 3.0, np.nan]), dt.timedelta(hours=1))
    >>> rolling_intensity(s, 2.0).tolist()
    [nan, 2.0, nan]
    """
    n = duration_h / series.step_h
    if n < 1 or abs(n - round(n)) > 1e-9:
        raise InvalidInput(f"duration {duration_h:g} h is not a whole number of {series.step_h:g} h steps")
    n = int(round(n))
    depth = np.asarray(series.depth_mm, dtype=float)
    out = np.full(len(depth), np.nan)
    if len(depth) < n:
        return out
    c = np.concatenate([[0.0], np.cumsum(np.nan_to_num(depth))])
    bad = np.concatenate([[0], np.cumsum(np.isnan(depth))])
    sums = c[n:] - c[:-n]
    gaps = bad[n:] - bad[:-n]
    out[n - 1:] = np.where(gaps == 0, sums / duration_h, np.nan)
    return out


def plot_site_rain(series: Sequence[RainSeries], path: Path, *, duration_h: float | None = None,
                   threshold_name: str | None = None, threshold_mm_per_h: float | None = None,
                   title: str | None = None) -> None:
    """Write the chart to ``path`` (.png or .svg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise InvalidInput(f"plot file {path.name!r}: use a .png or .svg name")
    if not series:
        raise InvalidInput("nothing to plot: no rainfall series for this site in this period")
    fig, ax = plt.subplots(figsize=(9, 4.5))
    try:
        colours = {"observed": "tab:blue", "forecast": "tab:purple"}
        ax2 = ax.twinx() if duration_h else None
        for s in series:
            ends = s.start_utc + np.timedelta64(int(s.step.total_seconds()), "s")
            width = s.step.total_seconds() / 86400.0
            ax.bar(s.start_utc.astype("datetime64[ms]").astype(object), np.nan_to_num(s.depth_mm), width=width,
                   align="edge", color=colours.get(s.kind, "tab:gray"), alpha=0.6,
                   label=f"{s.kind} {s.key} (mm per {s.step_h * 60:g} min)")
            if ax2 is not None:
                ax2.plot(ends.astype("datetime64[ms]").astype(object), rolling_intensity(s, duration_h),
                         color="black" if s.kind == "observed" else "tab:purple", linewidth=1,
                         label=f"{s.kind} mean intensity over {duration_h:g} h")
        ax.set_ylabel("rainfall per step (mm)")
        handles, labels = ax.get_legend_handles_labels()
        if ax2 is not None:
            if threshold_mm_per_h is not None:
                ax2.axhline(threshold_mm_per_h, color="tab:red", linestyle="--", linewidth=1.2,
                            label=f"{threshold_name} at {duration_h:g} h: {threshold_mm_per_h:.3g} mm/h")
            ax2.set_ylabel(f"mean intensity over {duration_h:g} h (mm/h)")
            ax2.set_ylim(bottom=0)
            h2, l2 = ax2.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        ax.set_ylim(bottom=0)
        ax.legend(handles, labels, loc="upper left", fontsize="small")
        ax.set_title(title or "rainfall")
        ax.set_xlabel("UTC")
        fig.autofmt_xdate()
        fig.savefig(path, format=path.suffix.lower().lstrip("."), dpi=100, bbox_inches="tight")
    finally:
        plt.close(fig)
