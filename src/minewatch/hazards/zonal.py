"""Site shapes in a raster's CRS, the cells they cover (read window by window), and the site map PNG.

A polygon site is its polygon; a point site is a circle of ``buffer_m`` metres drawn in a local
azimuthal equidistant projection centred on the point (true distances in every direction), then
transformed to the raster's CRS. A cell belongs to the site when its centre lies inside the shape
(``rasterio.features.geometry_mask``, ``all_touched=False``); nodata cells are left out. A site partly
outside the raster is assessed on the cells it covers (``area_m2`` says how much); a site with no cell
with data is "not covered". Only the window around each site is read, so rasters larger than memory
are fine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minewatch.hazards.model import (NO_EROSION, SOIL_LOSS_BREAKS_T_HA_YR, SiteErosion, SiteStats, erosion_stats,
                                     zonal_stats)

WGS84 = "EPSG:4326"


def site_shape(crs, *, geom_wkb: bytes | None, latitude: float, longitude: float, buffer_m: float):
    """The site as a shapely geometry in ``crs`` (a rasterio CRS): its polygon, or its point's buffer."""
    import shapely
    from pyproj import CRS, Transformer

    target = CRS.from_user_input(crs.to_wkt() if hasattr(crs, "to_wkt") else crs)
    geom = shapely.from_wkb(geom_wkb) if geom_wkb else shapely.Point(longitude, latitude)
    if geom.geom_type in ("Point", "MultiPoint") or geom.area == 0:
        local = CRS.from_proj4(f"+proj=aeqd +lat_0={latitude} +lon_0={longitude} +datum=WGS84 +units=m")
        circle = shapely.Point(0.0, 0.0).buffer(buffer_m, quad_segs=32)
        to_target = Transformer.from_crs(local, target, always_xy=True)
    else:
        circle = geom
        to_target = Transformer.from_crs(CRS.from_user_input(WGS84), target, always_xy=True)
    return shapely.transform(circle, lambda xy: np.column_stack(to_target.transform(xy[:, 0], xy[:, 1])))


@dataclass
class Window:
    """A window of a raster: rows/cols offsets, shape, its affine transform."""

    row0: int
    col0: int
    height: int
    width: int
    transform: object


def window_around(shape, profile: dict, pad_cells: int = 0) -> Window | None:
    """The raster window holding ``shape``'s bounds plus ``pad_cells``; None when it lies outside the raster."""
    from rasterio.windows import from_bounds

    t = profile["transform"]
    w = from_bounds(*shape.bounds, transform=t)
    row0 = int(np.floor(w.row_off)) - pad_cells
    col0 = int(np.floor(w.col_off)) - pad_cells
    row1 = int(np.ceil(w.row_off + w.height)) + pad_cells
    col1 = int(np.ceil(w.col_off + w.width)) + pad_cells
    row0, col0 = max(row0, 0), max(col0, 0)
    row1, col1 = min(row1, profile["height"]), min(col1, profile["width"])
    if row1 <= row0 or col1 <= col0:
        return None
    return Window(row0, col0, row1 - row0, col1 - col0, t @ t.translation(col0, row0))


def read_window(path: Path, win: Window) -> np.ndarray:
    """The window of band 1 as float64 with nodata as NaN."""
    import rasterio
    from rasterio.windows import Window as RioWindow

    with rasterio.open(path) as src:
        data = src.read(1, window=RioWindow(win.col0, win.row0, win.width, win.height), masked=True)
    return data.astype("float64").filled(np.nan)


def cell_area_m2(profile: dict, win: Window) -> np.ndarray:
    """Cell areas (m2) of the window's rows as a column vector (per row on geographic rasters)."""
    from minewatch.adapters.rasters import cell_sizes

    dx, dy, _ = cell_sizes(profile, np.arange(win.row0, win.row0 + win.height))
    return dx * dy


def inside_mask(shape, win: Window) -> np.ndarray:
    """True for the window's cells whose centre lies inside ``shape``."""
    from rasterio.features import geometry_mask

    return geometry_mask([shape], out_shape=(win.height, win.width), transform=win.transform, invert=True)


def site_statistics(shape, rasters: dict[str, Path], profile: dict) -> SiteStats:
    """Zonal statistics of the site (``rasters`` keyed probability_of_failure, factor_of_safety and
    optionally contributing_area, all on the same grid as ``profile``)."""
    win = window_around(shape, profile)
    if win is None:
        return SiteStats(0.0, None, None, None, None, None, 0)
    inside = inside_mask(shape, win)
    pfail = read_window(rasters["probability_of_failure"], win)
    fs = read_window(rasters["factor_of_safety"], win) if "factor_of_safety" in rasters else None
    up = read_window(rasters["contributing_area"], win) if "contributing_area" in rasters else None
    return zonal_stats(inside, cell_area_m2(profile, win), pfail, fs, up)


def site_susceptibility(shape, path: Path, profile: dict) -> tuple[float | None, float | None]:
    """(area-weighted mean, max) of the susceptibility raster inside the site; (None, None) without data."""
    win = window_around(shape, profile)
    if win is None:
        return None, None
    inside = inside_mask(shape, win)
    v = read_window(path, win)
    ok = inside & np.isfinite(v)
    if not ok.any():
        return None, None
    a = np.broadcast_to(cell_area_m2(profile, win), v.shape)[ok]
    return float((v[ok] * a).sum() / a.sum()), float(v[ok].max())


def site_erosion(shape, rasters: dict[str, Path], profile: dict,
                 breaks: tuple[float, float, float] = SOIL_LOSS_BREAKS_T_HA_YR) -> SiteErosion:
    """Soil loss and sediment export inside the site (:func:`hazards.model.erosion_stats`) from an erosion
    run's rasters keyed ``usle`` and optionally ``sed_export`` and ``stream``, all on ``profile``'s grid."""
    win = window_around(shape, profile)
    if win is None:
        return NO_EROSION
    inside = inside_mask(shape, win)
    usle = read_window(rasters["usle"], win)
    export = read_window(rasters["sed_export"], win) if "sed_export" in rasters else None
    stream = read_window(rasters["stream"], win) if "stream" in rasters else None
    return erosion_stats(inside, cell_area_m2(profile, win), usle, export, stream, breaks)


def draw_site_map(png_path: Path, *, shape, pfail_path: Path, profile: dict, title: str, centre: tuple[float, float],
                  pad_cells: int = 10) -> Path:
    """A ~600 px PNG: probability of failure around the site, its outline, a colour bar, axes in metres
    from the site's centre (degree rasters: scaled by metres per degree at the centre's latitude)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    from minewatch.adapters.rasters import metres_per_degree

    win = window_around(shape, profile, pad_cells=pad_cells)
    fig = Figure(figsize=(6, 5.4), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    crs = profile.get("crs")
    if crs is not None and crs.is_geographic:
        kx, ky = (float(v) for v in metres_per_degree(centre[1]))
    else:
        kx = ky = 1.0
    x0, y0 = centre
    if win is not None:
        data = read_window(pfail_path, win)
        t = win.transform
        left, top = t.c, t.f
        right, bottom = left + t.a * win.width, top + t.e * win.height
        image = ax.imshow(np.ma.masked_invalid(data), cmap="YlOrRd", vmin=0.0, vmax=1.0, interpolation="nearest",
                          extent=((left - x0) * kx, (right - x0) * kx, (bottom - y0) * ky, (top - y0) * ky))
        fig.colorbar(image, ax=ax, label="probability of failure (-)", shrink=0.85)
    for ring in _rings(shape):
        xs, ys = ring
        ax.plot((xs - x0) * kx, (ys - y0) * ky, color="#1f3b73", linewidth=1.6)
    ax.set_xlabel("east of site centre (m)")
    ax.set_ylabel("north of site centre (m)")
    ax.set_aspect("equal")
    ax.set_title(title)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png_path, format="png")
    return png_path


def _rings(shape):
    polys = getattr(shape, "geoms", [shape])
    for poly in polys:
        xs, ys = poly.exterior.xy
        yield np.asarray(xs), np.asarray(ys)
