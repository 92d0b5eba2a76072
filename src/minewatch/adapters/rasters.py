"""Rasters in and out (rasterio): DEMs with nodata, projected or geographic, and GeoTIFF outputs.

``read_raster`` gives a :class:`Grid`: the array (float64, nodata as NaN), the profile to write
results with, and the cell size in metres: for a projected CRS in metres, the geotransform's; for a
geographic CRS (degrees), per row from the row's latitude on the WGS84 ellipsoid (a cell spans
fewer metres east-west towards the poles), so slopes of degree DEMs come out right.
``windows`` yields blocks with a halo for local operators on rasters larger than memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minewatch.errors import InvalidInput

# WGS84
_A = 6_378_137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)


@dataclass
class Grid:
    """A raster in memory: ``values`` (rows north to south), cell sizes in metres, and where it lies."""

    values: np.ndarray
    profile: dict
    dx_m: np.ndarray  # east-west cell size per row (shape (rows, 1)); constant when projected
    dy_m: float  # north-south cell size
    geographic: bool

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape


def metres_per_degree(lat_deg: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(east-west, north-south) metres per degree at latitude ``lat_deg`` on WGS84 (radii of curvature
    of the parallel and of the meridian; at the equator 111,319.5 m and 110,574.3 m, as tabulated).

    >>> ew, ns = metres_per_degree(0.0)
    >>> round(float(ew), 1), round(float(ns), 1)
    (111319.5, 110574.3)
    """
    phi = np.radians(lat_deg)
    s2 = np.sin(phi) ** 2
    w = np.sqrt(1 - _E2 * s2)
    east = math.pi / 180 * _A * np.cos(phi) / w
    north = math.pi / 180 * _A * (1 - _E2) / w**3
    return east, north


def cell_sizes(profile: dict, rows: np.ndarray | None = None) -> tuple[np.ndarray, float, bool]:
    """(dx per row in m as a column vector, dy in m, geographic?) for a rasterio profile."""
    t = profile["transform"]
    crs = profile.get("crs")
    height = profile["height"]
    if rows is None:
        rows = np.arange(height)
    if t.b != 0 or t.d != 0:
        raise InvalidInput("rotated rasters are not supported: warp the DEM to a north-up grid first")
    if crs is not None and crs.is_geographic:
        lat = t.f + (rows + 0.5) * t.e
        east, north = metres_per_degree(lat)
        dx = (abs(t.a) * east).reshape(-1, 1)
        _, north_mid = metres_per_degree(t.f + (height / 2) * t.e)
        return dx, float(abs(t.e) * north_mid), True
    if crs is not None and crs.linear_units and crs.linear_units.lower() not in ("metre", "meter", "m", "metres"):
        factor = crs.linear_units_factor[1]
    else:
        factor = 1.0
    return np.full((len(rows), 1), abs(t.a) * factor), float(abs(t.e) * factor), False


def read_raster(path: Path | str, *, band: int = 1) -> Grid:
    """Read one band as float64 with nodata as NaN; InvalidInput names the file when it is not a raster."""
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        with rasterio.open(path) as src:
            values = src.read(band, masked=True).astype("float64").filled(np.nan)
            profile = src.profile.copy()
    except RasterioIOError as exc:
        raise InvalidInput(f"{path}: not a raster GDAL can read ({exc})") from exc
    dx, dy, geographic = cell_sizes(profile)
    return Grid(values, profile, dx, dy, geographic)


def write_geotiff(path: Path | str, values: np.ndarray, profile: dict, *, nodata: float = -9999.0,
                  dtype: str = "float32") -> Path:
    """Write one band as a tiled, compressed GeoTIFF (NaN becomes ``nodata``); returns the path."""
    import rasterio

    out = dict(profile)
    out.update(driver="GTiff", count=1, dtype=dtype, nodata=nodata, compress="deflate", tiled=True,
               blockxsize=256, blockysize=256, BIGTIFF="IF_SAFER")
    data = np.where(np.isnan(values), nodata, values).astype(dtype) if np.issubdtype(values.dtype, np.floating) \
        else values.astype(dtype)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", **out) as dst:
        dst.write(data, 1)
    return path


@dataclass(frozen=True)
class Block:
    """A block of rows ``[row0, row1)`` read with ``halo`` extra rows above and below (clipped at the edges)."""

    row0: int
    row1: int
    read0: int
    read1: int

    @property
    def inner(self) -> slice:
        """The rows of the block inside the array read with its halo."""
        return slice(self.row0 - self.read0, self.row0 - self.read0 + (self.row1 - self.row0))


def blocks(height: int, rows_per_block: int, halo: int) -> Iterator[Block]:
    """Row blocks covering ``height`` rows, each with ``halo`` rows of context on both sides."""
    if rows_per_block < 1:
        raise InvalidInput("rows_per_block must be at least 1")
    for row0 in range(0, height, rows_per_block):
        row1 = min(height, row0 + rows_per_block)
        yield Block(row0, row1, max(0, row0 - halo), min(height, row1 + halo))
