"""Slope stability from files: slope and specific-catchment-area rasters in, one GeoTIFF per output."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minewatch.adapters.rasters import read_raster, write_geotiff
from minewatch.errors import InvalidInput
from minewatch.geomodels.slope_stability.compute import compute


def tool(slope_path, specific_area_path, out_dir, *, raster_params: dict | None = None, seed: int | None = None,
         **params) -> dict[str, Path]:
    """Read the slope (degrees) and specific catchment area (m) rasters, run :func:`compute`, write
    ``<out_dir>/<output name>.tif``; returns {output name: path}.

    ``raster_params`` maps a compute keyword (e.g. ``thickness_m``) to a raster path read as a per-cell
    value; ``params`` are passed to compute as they are; ``seed`` builds the Monte Carlo generator.
    """
    slope = read_raster(slope_path)
    area = read_raster(specific_area_path)
    if area.shape != slope.shape:
        raise InvalidInput(f"{specific_area_path}: shape {area.shape} differs from the slope's {slope.shape}")
    for key, path in (raster_params or {}).items():
        grid = read_raster(path)
        if grid.shape != slope.shape:
            raise InvalidInput(f"{path}: shape {grid.shape} differs from the slope's {slope.shape}")
        params[key] = grid.values
    rng = np.random.default_rng(seed) if params.get("monte_carlo") is not None else None
    outputs = compute(slope.values, area.values, rng=rng, **params)
    out_dir = Path(out_dir)
    return {name: write_geotiff(out_dir / f"{name}.tif", np.broadcast_to(values, slope.shape).astype(float),
                                slope.profile)
            for name, values in outputs.items()}
