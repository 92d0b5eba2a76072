"""Terrain from a DEM file to GeoTIFFs: in memory, block by block (bounded memory), or on Dask.

Outputs: ``slope.tif`` (degrees), ``aspect.tif`` (degrees clockwise from north, -1 flat),
``profile_curvature.tif`` and ``plan_curvature.tif`` (m-1), float32 with nodata -9999 (as
:func:`minewatch.adapters.rasters.write_geotiff`), and ``summary.json`` (method, conventions, cell
size, per-output count/min/max/mean). Cell sizes come from :func:`minewatch.adapters.rasters.cell_sizes`
(metres; per row on geographic DEMs). The block-wise path reads ``rows_per_block`` rows plus a
1-row halo at a time and writes them as they come, so memory stays near
``rows_per_block x width x (1 + number of outputs) x 8`` bytes whatever the raster size.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from minewatch.adapters.rasters import blocks, cell_sizes
from minewatch.errors import InvalidInput
from minewatch.geomodels.terrain.compute import OUTPUTS, padded_block

NODATA = -9999.0
GDAL_CACHE_MB = 256
Progress = Callable[[int, int], None]


class _Stats:
    """count / min / max / mean of finite values, accumulated block by block."""

    def __init__(self):
        self.count, self.total, self.lo, self.hi = 0, 0.0, np.inf, -np.inf

    def add(self, values: np.ndarray) -> None:
        v = values[np.isfinite(values)]
        if v.size:
            self.count += int(v.size)
            self.total += float(v.sum())
            self.lo, self.hi = min(self.lo, float(v.min())), max(self.hi, float(v.max()))

    def as_dict(self) -> dict:
        if not self.count:
            return {"count": 0, "min": None, "max": None, "mean": None}
        return {"count": self.count, "min": self.lo, "max": self.hi, "mean": self.total / self.count}


def _out_profile(profile: dict) -> dict:
    out = dict(profile)
    out.update(driver="GTiff", count=1, dtype="float32", nodata=NODATA, compress="deflate", tiled=True,
               blockxsize=256, blockysize=256, BIGTIFF="IF_SAFER")
    return out


def _read_rows(src, read0: int, read1: int, band: int) -> np.ndarray:
    from rasterio.windows import Window

    return src.read(band, window=Window(0, read0, src.width, read1 - read0), masked=True).astype("float64").filled(np.nan)


def _padded(src, blk, band: int = 1) -> np.ndarray:
    """Rows ``read0..read1`` with NaN rows where the raster ends and NaN columns on both sides."""
    z = _read_rows(src, blk.read0, blk.read1, band)
    top = 1 if blk.read0 == blk.row0 else 0
    bottom = 1 if blk.read1 == blk.row1 else 0
    return np.pad(z, ((top, bottom), (1, 1)), constant_values=np.nan)


def _to_file(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), NODATA, values).astype("float32")


def tool(dem_path: Path | str, out_dir: Path | str, *, method: str = "horn", outputs: Sequence[str] = OUTPUTS,
         rows_per_block: int | None = None, dask: bool = False, scheduler: str | None = None,
         band: int = 1, progress: Progress | None = None) -> dict[str, Path]:
    """Write terrain GeoTIFFs and ``summary.json`` for ``dem_path`` into ``out_dir``; {output: path}.

    ``rows_per_block`` processes the DEM in row blocks with a 1-row halo (for rasters larger than
    memory); ``dask=True`` runs on a local Dask cluster, ``scheduler="tcp://host:port"`` on an existing
    one (both block by block too, ``rows_per_block`` default 1024). ``progress(done, total)`` is called
    after each block. ``band`` is the DEM's band (1-based). Results are identical whichever path is taken.
    """
    import rasterio

    outputs = tuple(outputs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        src = rasterio.open(dem_path)
    except rasterio.errors.RasterioIOError as exc:
        raise InvalidInput(f"{dem_path}: not a raster GDAL can read ({exc})") from exc
    # GDAL's block cache defaults to 5 % of RAM; cap it so block-wise runs stay bounded (8000 x 8000,
    # 512 rows per block: peak RSS 810 MB with the default cache, 580 MB with this cap)
    with src, rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB):
        if not 1 <= band <= src.count:
            raise InvalidInput(f"{dem_path} has {src.count} band(s); band {band} does not exist")
        profile = src.profile.copy()
        dx_col, dy, geographic = cell_sizes(profile)
        dx_rows = dx_col.ravel()
        height, width = src.height, src.width
        use_dask = dask or scheduler is not None
        rpb = rows_per_block or (1024 if use_dask else height)
        if rpb < 1:
            raise InvalidInput("rows_per_block must be at least 1")
        paths = {name: out_dir / f"{name}.tif" for name in outputs}
        stats = {name: _Stats() for name in outputs}
        plan = list(blocks(height, rpb, 1))
        dsts = {name: rasterio.open(paths[name], "w", **_out_profile(profile)) for name in outputs}
        try:
            if use_dask:
                _run_dask(dem_path, band, plan, dx_rows, dy, method, outputs, scheduler, dsts, stats, progress)
            else:
                for n, blk in enumerate(plan, 1):
                    res = padded_block(_padded(src, blk, band), dx_rows[blk.row0:blk.row1], dy, method=method, outputs=outputs)
                    _write(dsts, stats, blk.row0, res)
                    if progress:
                        progress(n, len(plan))
        finally:
            for dst in dsts.values():
                dst.close()
    summary = {
        "dem": str(dem_path), "band": band, "method": method, "shape": [height, width], "crs": str(profile.get("crs")),
        "geographic": geographic, "dx_m": {"min": float(dx_rows.min()), "max": float(dx_rows.max())}, "dy_m": dy,
        "rows_per_block": rpb, "blocks": len(plan), "dask": use_dask, "seconds": round(time.perf_counter() - started, 3),
        "units": {"slope": "deg", "aspect": "deg clockwise from north", "profile_curvature": "m-1",
                  "plan_curvature": "m-1"},
        "conventions": {"aspect_flat": -1, "nodata": NODATA, "edges": "outer ring and cells whose 3x3 window "
                        "touches nodata are nodata", "curvature_sign": "positive convex, negative concave (SAGA)",
                        "curvature_method": "zevenbergen-thorne"},
        "outputs": {name: {"path": paths[name].name, **stats[name].as_dict()} for name in outputs},
    }
    summary_path = out_dir / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=2))
    return {**paths, "summary": summary_path}


def _write(dsts, stats, row0: int, res: dict[str, np.ndarray]) -> None:
    from rasterio.windows import Window

    for name, values in res.items():
        stats[name].add(values)
        dsts[name].write(_to_file(values), 1, window=Window(0, row0, values.shape[1], values.shape[0]))


def _block_task(path: str, band: int, blk, dx_rows: np.ndarray, dy: float, method: str, outputs: tuple[str, ...]):
    """One block on a Dask worker: the same reads and kernel as the block-wise path."""
    import rasterio

    with rasterio.open(path) as src:
        return padded_block(_padded(src, blk, band), dx_rows, dy, method=method, outputs=outputs)


def _run_dask(dem_path, band, plan, dx_rows, dy, method, outputs, scheduler, dsts, stats, progress):
    """Blocks as tasks on a Dask cluster (local, or ``scheduler``), written in order as they finish.

    At most two blocks per worker thread are in flight, so memory stays bounded on the client too.
    (:func:`.compute` also runs on Dask arrays with ``map_overlap``; files are read by the workers
    here so that the DEM never passes through the client.)
    """
    from collections import deque

    from dask.distributed import Client, LocalCluster

    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        cluster = LocalCluster(processes=False, dashboard_address=None)
        client = Client(cluster)
    try:
        limit = 2 * max(1, sum(client.nthreads().values()))
        pending: deque = deque()
        todo = iter(enumerate(plan, 1))
        for n, blk in todo:
            pending.append((n, blk, client.submit(_block_task, str(dem_path), band, blk, dx_rows[blk.row0:blk.row1], dy,
                                                  method, outputs, pure=False)))
            if len(pending) >= limit:
                _drain_one(pending, dsts, stats, progress, len(plan))
        while pending:
            _drain_one(pending, dsts, stats, progress, len(plan))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _drain_one(pending, dsts, stats, progress, total):
    n, blk, future = pending.popleft()
    _write(dsts, stats, blk.row0, future.result())
    future.release()
    if progress:
        progress(n, total)
