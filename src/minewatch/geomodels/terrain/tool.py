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

import functools
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from minewatch.adapters.blockrun import GDAL_CACHE_MB, NODATA, Outputs, read_padded, run_blocks
from minewatch.adapters.rasters import Block, blocks, cell_sizes
from minewatch.errors import InvalidInput
from minewatch.geomodels.terrain.compute import OUTPUTS, padded_block

Progress = Callable[[int, int], None]


def _terrain_task(path: str, band: int, dx_rows: np.ndarray, dy: float, method: str, outputs: tuple[str, ...],
                  blk: Block) -> dict[str, np.ndarray]:
    """One block, here or on a Dask worker: read its rows with a 1-row halo, run the kernel."""
    import rasterio

    with rasterio.open(path) as src:
        return padded_block(read_padded(src, blk, band), dx_rows[blk.row0:blk.row1], dy, method=method,
                            outputs=outputs)


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
        plan = list(blocks(height, rpb, 1))
        task = functools.partial(_terrain_task, str(dem_path), band, dx_rows, dy, method, outputs)
        with Outputs(paths, profile) as out:
            run_blocks(task, plan, out.write, dask=dask, scheduler=scheduler, progress=progress)
        stats = out.stats
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

