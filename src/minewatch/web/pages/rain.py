"""Pages of rainfall: the chart per site with threshold lines (issue 8).

``/sites/{code}/rain`` shows the series that stand for the site (``rain.service.site_series``: linked at
import, else the nearest within ``Settings.rain_max_distance_km``), the last ``days`` of them as bars,
and the rolling mean intensity at one duration against a threshold's intensity at that duration
(``rain.thresholds``). Only the built-in thresholds may be named here (a file path is not for the web).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import InvalidInput
from minewatch.web.deps import get_uow, require
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

DEFAULT_THRESHOLD = "javier-kumar2018"
DEFAULT_DURATION_H = 24.0
DEFAULT_DAYS = 30
MAX_DAYS = 366
_EVER = (dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc), dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc))


def _thresholds() -> dict:
    from minewatch.rain.thresholds import builtin_thresholds

    return builtin_thresholds()


def _choice(threshold: str, duration_h: str, days: str) -> tuple[object, float, int, str | None]:
    """(threshold, duration h, days, error) from the query; a bad value falls back to the default with an error."""
    ts = _thresholds()
    error = None
    name = threshold or (DEFAULT_THRESHOLD if DEFAULT_THRESHOLD in ts else next(iter(ts)))
    if name not in ts:
        error, name = f"threshold {name!r} is not one of: {', '.join(ts)}", DEFAULT_THRESHOLD
    t = ts[name]
    try:
        d = float(duration_h) if duration_h.strip() else min(max(DEFAULT_DURATION_H, t.d_min_h), t.d_max_h)
        t.check_duration(d)
    except (ValueError, InvalidInput) as exc:
        error = error or (str(exc) if isinstance(exc, InvalidInput) else f"duration {duration_h!r} is not a number")
        d = min(max(DEFAULT_DURATION_H, t.d_min_h), t.d_max_h)
    try:
        n = int(days) if days.strip() else DEFAULT_DAYS
        if not 1 <= n <= MAX_DAYS:
            raise ValueError
    except ValueError:
        error, n = error or f"days must be a whole number from 1 to {MAX_DAYS}", DEFAULT_DAYS
    return t, d, n, error


def _window(uow: UnitOfWork, request: Request, actor, code: str, days: int) -> list:
    """The site's series, the last ``days`` up to the latest step any of them has."""
    from minewatch.rain.service import site_series

    limit = request.app.state.minewatch.settings.rain_max_distance_km
    series = site_series(uow, actor=actor, site_code=code, start_utc=_EVER[0], end_utc=_EVER[1],
                         max_distance_km=limit)
    if not series:
        return []
    import numpy as np

    from minewatch.rain.model import RainSeries

    end = max(s.start_utc[-1] for s in series) + np.timedelta64(1, "s")
    start = end - np.timedelta64(days, "D")
    out = []
    for s in series:
        keep = (s.start_utc >= start) & (s.start_utc < end)
        if keep.any():
            out.append(RainSeries(s.key, s.start_utc[keep], s.depth_mm[keep], s.step, s.latitude, s.longitude,
                                  s.name, s.kind, s.source))
    return out


def _line(t, duration_h: float) -> float | None:
    """The threshold's intensity at ``duration_h`` (mm/h); None when it is normalised by the MAP."""
    return None if t.normalised_by else t.intensity(duration_h)


@router.get("/sites/{code}/rain")
def site_rain(request: Request, code: str, threshold: str = "", duration_h: str = "", days: str = "",
              identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    import numpy as np

    from minewatch.rain.plots import rolling_intensity
    from minewatch.sites.service import show_site

    actor = identity.actor
    site = show_site(uow, actor=actor, code=code)  # 404 for another organisation's site
    t, d, n, error = _choice(threshold, duration_h, days)
    series = _window(uow, request, actor, code, n)
    line = _line(t, d)
    rows = []
    for s in series:
        try:
            peak = rolling_intensity(s, d)
        except InvalidInput as exc:
            error = error or exc.message
            peak = np.full(len(s), np.nan)
        ok = ~np.isnan(peak)
        rows.append({"s": s, "total_mm": float(np.nansum(s.depth_mm)), "missing": int(np.isnan(s.depth_mm).sum()),
                     "peak": float(peak[ok].max()) if ok.any() else None,
                     "over": int((peak[ok] > line).sum()) if (line is not None and ok.any()) else None,
                     "first": s.start_utc[0].astype("datetime64[s]").item(),
                     "last": s.start_utc[-1].astype("datetime64[s]").item()})
    query = f"threshold={t.name}&duration_h={d:g}&days={n}"
    return render(request, "rain_site.html", {
        "site": site.site, "code": code, "rows": rows, "threshold": t, "thresholds": _thresholds(),
        "duration_h": d, "days": n, "line": line, "query": query, "error": error,
    }, status_code=422 if error else 200)


def _plot(request: Request, uow: UnitOfWork, actor, code: str, threshold: str, duration_h: str, days: str,
          suffix: str) -> Response:
    from minewatch.errors import NotFound
    from minewatch.rain.plots import plot_site_rain
    from minewatch.sites.service import show_site

    show_site(uow, actor=actor, code=code)
    t, d, n, error = _choice(threshold, duration_h, days)
    if error:
        raise InvalidInput(error)
    series = _window(uow, request, actor, code, n)
    if not series:
        raise NotFound(f"no rainfall series for site {code!r}", code="no_rain")
    with tempfile.TemporaryDirectory(prefix="minewatch-plot-") as tmp:
        path = Path(tmp) / f"rain{suffix}"
        plot_site_rain(series, path, duration_h=d, threshold_name=t.name, threshold_mm_per_h=_line(t, d),
                       title=f"{code}: rainfall, last {n} days")
        body = path.read_bytes()
    media = "image/png" if suffix == ".png" else "image/svg+xml"
    return Response(body, media_type=media, headers={"Cache-Control": "private, max-age=300",
                                                     "X-Content-Type-Options": "nosniff"})


@router.get("/sites/{code}/rain/plot.png")
def site_rain_plot_png(request: Request, code: str, threshold: str = "", duration_h: str = "", days: str = "",
                       identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    """The site's rainfall chart as PNG."""
    return _plot(request, uow, identity.actor, code, threshold, duration_h, days, ".png")


@router.get("/sites/{code}/rain/plot.svg")
def site_rain_plot_svg(request: Request, code: str, threshold: str = "", duration_h: str = "", days: str = "",
                       identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    """The same chart as SVG."""
    return _plot(request, uow, identity.actor, code, threshold, duration_h, days, ".svg")
