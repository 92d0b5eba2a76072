"""The hydrology pipeline on arrays: fill -> flow direction -> accumulation -> SCA -> TWI.

Global operators (a cell's result depends on cells arbitrarily far upslope), so this runs in memory;
there is no block-wise or Dask path (tiled Priority-Flood is future work). xarray DataArrays are
accepted and returned with their coordinates; a Dask-backed DataArray is computed first.
"""

from __future__ import annotations

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.geomodels.hydrology import kernels as K

METHODS = ("d8", "dinf", "mfd")


def compute(elevation, *, dx=1.0, dy: float = 1.0, method: str = "d8", epsilon: bool = True,
            min_tan_slope: float = 1e-3) -> dict[str, object]:
    """Run the hydrology pipeline on a DEM.

    Parameters
    ----------
    elevation : 2-D array or xarray.DataArray, topographic__elevation (m), NaN = nodata.
    dx : east-west cell size (m), scalar or one value per row (geographic DEMs).
    dy : north-south cell size (m).
    method : routing for accumulation, SCA and TWI: "d8" (O'Callaghan & Mark 1984), "dinf"
        (Tarboton 1997) or "mfd" (Freeman 1991 / Quinn et al. 1991 as in pygeoprocessing).
    epsilon : Priority-Flood+epsilon (Barnes et al. 2014) so filled flats drain.
    min_tan_slope : lower bound of tan(beta) in the wetness index (flat cells).

    Returns
    -------
    dict of output name (SPEC) -> array: filled elevation (m), D8 direction (ESRI codes), D-inf angle
    (rad) when method is "dinf", upstream cell count, drainage area (m2), specific contributing area
    (m) and wetness index (1). tan(beta) for TWI is the steepest-descent slope of the chosen routing
    (D8 slope for "d8" and "mfd", the facet slope for "dinf") on the filled DEM.

    >>> z = np.array([[3., 3, 3], [2, 2, 2], [1, 1, 1]])
    >>> out = compute(z, dx=10.0, dy=10.0)
    >>> out["surface_water__upstream_cell_count"][2].tolist()  # each column drains south
    [3.0, 3.0, 3.0]
    """
    if method not in METHODS:
        raise InvalidInput(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    template = None
    if hasattr(elevation, "dims") and hasattr(elevation, "coords"):  # xarray, maybe Dask-backed
        template = elevation
        z = np.asarray(elevation.values, dtype=np.float64)
    else:
        z = np.asarray(elevation, dtype=np.float64)
    if z.ndim != 2:
        raise InvalidInput(f"elevation must be 2-D, got shape {z.shape}")

    filled = K.fill_depressions(z, epsilon=epsilon)
    codes, tan_d8 = K.flow_direction_d8(filled, dx, dy)
    area = K.cell_area(z.shape, dx, dy)
    area[np.isnan(z)] = np.nan
    out: dict[str, np.ndarray] = {
        "topographic__filled_elevation": filled,
        "flow__receiver_direction_d8": codes,
    }
    if method == "d8":
        cells = K.flow_accumulation_d8(codes)
        upstream = K.flow_accumulation_d8(codes, area)
        tan_beta = tan_d8
    elif method == "dinf":
        angle, tan_beta = K.flow_direction_dinf(filled, dx, dy)
        ones = np.where(np.isnan(z), np.nan, 1.0)
        cells = K.flow_accumulation_dinf(angle, dx, dy, ones)
        upstream = K.flow_accumulation_dinf(angle, dx, dy, area)
        out["flow__dinf_angle"] = angle
    else:
        cells = K.flow_accumulation_mfd(filled, dx, dy)
        upstream = K.flow_accumulation_mfd(filled, dx, dy, area)
        tan_beta = tan_d8
    sca = K.specific_catchment_area(upstream, K.contour_width(z.shape, dx, dy))
    out["surface_water__upstream_cell_count"] = cells
    out["surface_water__drainage_area"] = upstream
    out["topographic__specific_contributing_area"] = sca
    out["topographic__wetness_index"] = K.wetness_index(sca, tan_beta, min_tan_slope=min_tan_slope)
    if template is not None:
        return {name: template.copy(data=values) for name, values in out.items()}
    return out
