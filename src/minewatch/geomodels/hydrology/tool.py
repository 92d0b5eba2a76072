"""File I/O around :func:`compute`: a DEM in, one GeoTIFF per output out."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minewatch.adapters.rasters import read_raster, write_geotiff
from minewatch.geomodels.hydrology.compute import compute
from minewatch.geomodels.hydrology.kernels import D8_NODATA


def tool(dem_path: Path | str, out_dir: Path | str, *, method: str = "d8", epsilon: bool = True,
         min_tan_slope: float = 1e-3) -> dict[str, Path]:
    """Read ``dem_path`` (any GDAL raster; geographic DEMs get per-row cell sizes in metres), run the
    pipeline and write ``<output name>.tif`` in ``out_dir``; returns {output name: path}.

    The filled elevation is written as float64 so Priority-Flood+epsilon's increments survive; the
    D8 direction as uint8 (ESRI codes, 255 = nodata); the rest as float32 (nodata -9999).
    """
    grid = read_raster(dem_path)
    outputs = compute(grid.values, dx=grid.dx_m[:, 0], dy=grid.dy_m, method=method, epsilon=epsilon,
                      min_tan_slope=min_tan_slope)
    out_dir = Path(out_dir)
    paths = {}
    for name, values in outputs.items():
        path = out_dir / f"{name}.tif"
        if name == "flow__receiver_direction_d8":
            paths[name] = write_geotiff(path, np.asarray(values), grid.profile, nodata=D8_NODATA, dtype="uint8")
        elif name == "topographic__filled_elevation":
            paths[name] = write_geotiff(path, np.asarray(values), grid.profile, dtype="float64")
        else:
            paths[name] = write_geotiff(path, np.asarray(values), grid.profile)
    return paths
