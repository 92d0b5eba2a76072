"""Terrain on arrays: numpy or xarray DataArrays in, a dict of outputs out; Dask chosen in ONE place.

All three paths (in memory, block by block in :mod:`.tool`, Dask) call the same compiled kernel
:func:`._numba.terrain_padded` on a NaN-padded window of rows, so their results are identical, NaN
positions included (the kernel is per cell; nothing depends on where a block starts).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.geomodels.terrain._numba import ASPECT, PLAN, PROFILE, SLOPE, terrain_padded

OUTPUTS = ("slope", "aspect", "profile_curvature", "plan_curvature")
METHODS = ("horn", "zevenbergen-thorne")
_CODES = {"slope": SLOPE, "aspect": ASPECT, "profile_curvature": PROFILE, "plan_curvature": PLAN}


def _codes(outputs: Sequence[str]) -> np.ndarray:
    unknown = [o for o in outputs if o not in _CODES]
    if unknown or not outputs:
        raise InvalidInput(f"unknown terrain outputs {unknown}; choose from {', '.join(OUTPUTS)}")
    return np.array([_CODES[o] for o in outputs], dtype=np.int64)


def _method(method: str) -> bool:
    """True for Zevenbergen-Thorne slope/aspect, False for Horn."""
    if method not in METHODS:
        raise InvalidInput(f"unknown slope method {method!r}; choose horn or zevenbergen-thorne")
    return method == "zevenbergen-thorne"


def padded_block(zp: np.ndarray, dx_rows: np.ndarray, dy: float, *, method: str = "horn",
                 outputs: Sequence[str] = OUTPUTS) -> dict[str, np.ndarray]:
    """Outputs for the inner cells of a NaN-padded block ``zp`` (``dx_rows``: one dx per inner row)."""
    dx_rows = np.ascontiguousarray(np.broadcast_to(np.asarray(dx_rows, dtype=np.float64).ravel(),
                                                   (zp.shape[0] - 2,)))
    out = terrain_padded(np.asarray(zp, dtype=np.float64), dx_rows, float(dy), _method(method), _codes(outputs))
    return {name: out[k] for k, name in enumerate(outputs)}


def pad(z: np.ndarray) -> np.ndarray:
    """``z`` as float64 with a ring of NaN (the edge convention: no window, no value)."""
    return np.pad(np.asarray(z, dtype=np.float64), 1, constant_values=np.nan)


def _dx_rows(dx, rows: int) -> np.ndarray:
    dx = np.asarray(dx, dtype=np.float64).ravel()
    if dx.size == 1:
        return np.full(rows, float(dx[0]))
    if dx.size != rows:
        raise InvalidInput(f"dx has {dx.size} values for {rows} rows")
    return dx


def _numpy(z, dx_rows, dy, method, outputs):
    return padded_block(pad(z), dx_rows, dy, method=method, outputs=outputs)


def _dask(z, dx_rows, dy, method, outputs):
    import dask.array as da

    z = z.astype(np.float64)
    # dx travels as a full-shape array chunked like z, so each overlapped block carries its own rows' dx
    dxf = da.broadcast_to(da.from_array(dx_rows.reshape(-1, 1), chunks=(z.chunks[0], 1)), z.shape).rechunk(z.chunks)

    def one(name):
        def block(zb, dxb):
            return padded_block(zb, dxb[1:-1, 1], dy, method=method, outputs=(name,))[name]
        return da.map_overlap(block, z, dxf, depth=1, boundary=np.nan, trim=False, align_arrays=False,
                              chunks=z.chunks, dtype=np.float64, meta=np.array((), dtype=np.float64))

    return {name: one(name) for name in outputs}


def _is_dask(data) -> bool:
    return type(data).__module__.startswith("dask.")


def compute(elevation, dx=None, dy: float | None = None, *, method: str = "horn",
            outputs: Sequence[str] = OUTPUTS) -> dict:
    """Slope (deg), aspect (deg clockwise from north, -1 flat), profile and plan curvature (m-1).

    Parameters
    ----------
    elevation : numpy array, Dask array, or xarray DataArray (rows north to south), metres; NaN = nodata.
    dx : east-west cell size in metres: a number or one value per row (geographic DEMs, ``Grid.dx_m``).
        For a DataArray it defaults to the spacing of its last coordinate (projected, metres).
    dy : north-south cell size in metres (DataArray: spacing of its first coordinate).
    method : ``horn`` (Horn 1981, gdaldem/richdem) or ``zevenbergen-thorne`` (1987, SAGA's default)
        for slope and aspect; curvatures are always Zevenbergen-Thorne (conventions: kernels.py).
    outputs : any of ``slope``, ``aspect``, ``profile_curvature``, ``plan_curvature``.

    Returns
    -------
    dict name -> array of the input's kind (DataArrays keep coords; Dask stays lazy). Cells whose
    3 x 3 window touches NaN, and the outer ring, are NaN.

    >>> z = np.add.outer(np.zeros(4), np.arange(5.0) * 10.0)      # rises 10 m per 10 m cell eastwards
    >>> out = compute(z, 10.0, 10.0, outputs=("slope", "aspect"))
    >>> out["slope"][1:-1, 1:-1].round(6).tolist(), out["aspect"][1, 1]
    ([[45.0, 45.0, 45.0], [45.0, 45.0, 45.0]], np.float64(270.0))
    """
    _method(method)  # validate before any work, whichever path runs
    _codes(outputs)
    data, wrap = elevation, None
    if hasattr(elevation, "dims") and hasattr(elevation, "coords"):  # xarray.DataArray
        da_in = elevation
        if da_in.ndim != 2:
            raise InvalidInput("elevation must be 2-D (rows, columns)")
        ydim, xdim = da_in.dims
        if dx is None:
            dx = float(abs(np.diff(da_in[xdim].values[:2])[0]))
        if dy is None:
            dy = float(abs(np.diff(da_in[ydim].values[:2])[0]))
        data = da_in.data

        def wrap(arr, name):
            return da_in.copy(data=arr).rename(name)
    if dx is None or dy is None:
        raise InvalidInput("dx and dy (cell sizes in metres) are required for plain arrays")
    if data.ndim != 2:
        raise InvalidInput("elevation must be 2-D (rows, columns)")
    dx_rows = _dx_rows(dx, data.shape[0])
    run = _dask if _is_dask(data) else _numpy
    result = run(data, dx_rows, float(dy), method, tuple(outputs))
    return {k: wrap(v, k) for k, v in result.items()} if wrap else result
