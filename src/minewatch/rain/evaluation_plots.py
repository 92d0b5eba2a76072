"""Plot of a threshold evaluation: one PNG per threshold (matplotlib, Agg backend).

Left: the exceedance ratio (observed / threshold intensity, max over durations) of each event's record
against hours from the event, with the line ratio = 1 and the event at 0. Right: the threshold curve in the
intensity-duration plane with, for each event, the (duration, intensity) of its largest ratio in the catch
window before it (filled: caught, open: missed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minewatch.rain.errors import RainInvalid
from minewatch.rain.evaluation import CAUGHT, Evaluation
from minewatch.rain.thresholds import Threshold


def plot_evaluation(evaluation: Evaluation, threshold: Threshold, path: Path, *, map_mm: float | None = None) -> Path:
    """Write the evaluation plot of one threshold to ``path`` (.png or .svg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise RainInvalid(f"plot file {path.name!r}: use a .png or .svg name")
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5))
    try:
        cmap = plt.get_cmap("tab10")
        for n, o in enumerate(evaluation.events):
            exc = evaluation.exceedances[o.series_key]
            hours = (exc.end_utc - o.event_utc) / np.timedelta64(1, "h")
            ratio = np.where(exc.ratio > 0, exc.ratio, np.nan)
            label = f"{o.event_id} ({o.status.replace('_', ' ')}"
            label += f", {o.lead_time_h:.1f} h)" if o.status == CAUGHT else ")"
            ax.plot(hours, ratio, color=cmap(n % 10), linewidth=0.9, label=label)
        ax.axhline(1.0, color="k", linestyle="--", linewidth=1)
        ax.axvline(0.0, color="tab:red", linewidth=1)
        ax.set_yscale("log")
        ax.set_ylim(bottom=1e-2)  # drizzle far below the threshold only squashes the part that matters
        ax.set_xlabel("hours from the landslide")
        ax.set_ylabel("observed / threshold intensity (max over durations)")
        ax.set_title(f"{threshold.name}: {evaluation.caught}/{len(evaluation.events)} caught, "
                     f"{evaluation.false_alarms} false alarms")
        ax.legend(fontsize="x-small", ncol=2, loc="lower left")

        d = np.geomspace(threshold.d_min_h, threshold.d_max_h, 200)
        if threshold.normalised_by is None or map_mm is not None:
            ax2.plot(d, threshold._intensity(d, map_mm), color="k", linewidth=1.5,
                     label=f"{threshold.name} ({threshold.status})")
        for n, o in enumerate(evaluation.events):
            if np.isfinite(o.max_ratio_duration_h) and o.max_ratio_intensity_mm_per_h > 0:
                ax2.scatter([o.max_ratio_duration_h], [o.max_ratio_intensity_mm_per_h], s=36,
                            color=cmap(n % 10) if o.status == CAUGHT else "none", edgecolors=cmap(n % 10),
                            zorder=3)
                ax2.annotate(o.event_id, (o.max_ratio_duration_h, o.max_ratio_intensity_mm_per_h), fontsize=7,
                             xytext=(3, 3), textcoords="offset points")
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        ax2.set_xlabel("duration D (h)")
        ax2.set_ylabel("mean intensity I (mm/h)")
        ax2.set_title("largest ratio in the catch window (filled: caught)")
        ax2.legend(fontsize="small")
        fig.tight_layout()
        fig.savefig(path, format=path.suffix.lower().lstrip("."), dpi=110)
    finally:
        plt.close(fig)
    return path
