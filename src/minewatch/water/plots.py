"""Time-series plot of one sampling point x parameter, in ONE unit, with guideline lines.

Every result is converted to one unit (the one asked for, else the guideline's, else the most common
unit of the series) with :func:`minewatch.water.units.convert`; a result that cannot be converted raises
InvalidInput naming it (never guessed, never dropped silently). Censored results (``<DL``) are drawn at
their detection limit as open downward triangles, distinct from detected values (filled circles), and
the legend says so. matplotlib with the Agg backend; PNG or SVG from the file's suffix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from minewatch.errors import InvalidInput
from minewatch.water.model import Measurement
from minewatch.water.screening import Guideline
from minewatch.water.units import convert


@dataclass(frozen=True)
class SeriesInOneUnit:
    unit: str
    times: list
    values: list[Decimal]
    censored: list[str | None]


def to_one_unit(measurements: Sequence[Measurement], unit: str | None = None) -> SeriesInOneUnit:
    """The series sorted by time, every value in ``unit`` (default: the most common unit)."""
    if not measurements:
        raise InvalidInput("nothing to plot: no results for this point and parameter")
    target = unit or Counter(m.unit for m in measurements).most_common(1)[0][0]
    ms = sorted(measurements, key=lambda m: (str(type(m.sampled_at)), m.sampled_at))
    values = []
    for m in ms:
        if m.unit.strip() == target.strip():
            values.append(Decimal(m.value))
            continue
        try:
            values.append(convert(m.value, m.unit, target, medium=m.medium))
        except InvalidInput as exc:
            raise InvalidInput(f"{m.parameter} on {m.sampled_at}: {m.value} {m.unit!r} cannot be plotted in "
                               f"{target!r}: {exc.message}") from None
    return SeriesInOneUnit(target, [m.sampled_at for m in ms], values, [m.censored for m in ms])


def plot_series(measurements: Sequence[Measurement], path: Path, *, unit: str | None = None,
                guidelines: Sequence[tuple[str, Guideline]] = (), title: str | None = None) -> SeriesInOneUnit:
    """Write the plot to ``path`` (.png or .svg); returns the series as plotted (unit, x, y)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise InvalidInput(f"plot file {path.name!r}: use a .png or .svg name")
    if unit is None and guidelines:
        unit = guidelines[0][1].unit
    series = to_one_unit(measurements, unit)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    try:
        det = [(t, float(v)) for t, v, c in zip(series.times, series.values, series.censored, strict=True) if c != "<"]
        cen = [(t, float(v)) for t, v, c in zip(series.times, series.values, series.censored, strict=True) if c == "<"]
        ax.plot(series.times, [float(v) for v in series.values], color="0.6", linewidth=0.8, zorder=1)
        if det:
            ax.scatter([t for t, _ in det], [v for _, v in det], marker="o", color="tab:blue", zorder=3,
                       label="measured")
        if cen:
            ax.scatter([t for t, _ in cen], [v for _, v in cen], marker="v", facecolors="none",
                       edgecolors="tab:orange", zorder=3, label="below detection limit (drawn at the limit)")
        for name, g in guidelines:
            for level, kind in ((g.maximum, "max"), (g.minimum, "min")):
                if level is None:
                    continue
                y = float(convert(level, g.unit, series.unit, medium=measurements[0].medium))
                ax.axhline(y, color="tab:red", linestyle="--", linewidth=1,
                           label=f"{name} {kind} {level} {g.unit}" + (" (provisional)" if g.provisional else ""))
        first = measurements[0]
        ax.set_ylabel(f"{first.parameter} ({series.unit})")
        ax.set_title(title or f"{first.point_code or ''} {first.parameter}".strip())
        ax.legend(loc="best", fontsize="small")
        fig.autofmt_xdate()
        fig.savefig(path, format=path.suffix.lower().lstrip("."), dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    return series
