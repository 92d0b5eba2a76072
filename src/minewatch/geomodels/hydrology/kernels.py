"""Hydrological terrain kernels: depression filling, flow directions, accumulation, SCA and TWI.

Pure functions on 2-D float arrays (rows north to south, NaN = nodata) with cell sizes in metres:
``dx`` the east-west size (a scalar, or one value per row for geographic DEMs) and ``dy`` the
north-south size. The sequential parts run in numba (``_numba``).

Conventions
-----------
* **Outlets**: the raster edge and NaN cells. Filling never raises an edge cell or a cell next to
  NaN; flow leaves the grid where an edge cell has no lower neighbour.
* **D8 encoding** (ESRI): 1 E, 2 SE, 4 S, 8 SW, 16 W, 32 NW, 64 N, 128 NE; 0 = no downslope
  neighbour (outlet or unfilled pit); 255 = nodata.
* **Steepest slope**: drop / distance with distance dx, dy or sqrt(dx^2 + dy^2) (pysheds,
  pygeoprocessing, WhiteboxTools semantics; richdem instead takes the largest drop).
* **D-inf angle**: radians counter-clockwise from east in [0, 2 pi) (Tarboton 1997), NaN where no
  facet slopes down.
* **Contour width** for the specific catchment area: the cell width, w = sqrt(dx * dy) (= the cell
  size on square cells), for every routing method, as SINMAP and TauDEM do (Tarboton 1997; Pack et
  al. 1998).
"""

from __future__ import annotations

import numpy as np

from minewatch.geomodels.hydrology import _numba

#: ESRI D8 codes by internal neighbour index k = 0..7 (E, SE, S, SW, W, NW, N, NE)
D8_CODES = np.array([1, 2, 4, 8, 16, 32, 64, 128], dtype=np.uint8)
D8_NODATA = 255


def _rows_dx(dx, rows: int) -> np.ndarray:
    arr = np.asarray(dx, dtype=np.float64).ravel()
    if arr.size == 1:
        return np.full(rows, float(arr[0]))
    if arr.size != rows:
        raise ValueError(f"dx has {arr.size} values for {rows} rows")
    return np.ascontiguousarray(arr)


def _f64(z) -> np.ndarray:
    return np.ascontiguousarray(z, dtype=np.float64)


def fill_depressions(z: np.ndarray, *, epsilon: bool = True) -> np.ndarray:
    """Fill depressions by Priority-Flood (Barnes, Lehman & Mulla 2014).

    Every cell is raised to the lowest elevation at which water could leave it for an outlet
    (the raster edge or a NaN cell): z_filled(c) = max(z(c), min over paths to an outlet of the
    highest cell on the path). With ``epsilon`` (Barnes et al. 2014, Priority-Flood+epsilon) each
    filled cell is one float64 step (``numpy.nextafter``) above its lowest filled neighbour, so
    the filled surface drains everywhere (no flats). Note the steps vanish if the result is cast to
    float32.

    Parameters
    ----------
    z : elevation (m), NaN = nodata.
    epsilon : raise filled flats by the smallest increments so they drain.

    >>> z = np.array([[5., 5, 5], [5, 1, 5], [5, 5, 5]])
    >>> fill_depressions(z, epsilon=False)[1, 1]
    np.float64(5.0)
    """
    return _numba.priority_flood(_f64(z).copy(), bool(epsilon))


def flow_direction_d8(z: np.ndarray, dx=1.0, dy: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """D8 flow direction by steepest slope (O'Callaghan & Mark 1984).

    The receiver is the neighbour maximising tan(beta) = (z0 - zn) / L with L = dx, dy or
    sqrt(dx^2 + dy^2); ties go to the first in the order E, SE, S, SW, W, NW, N, NE.

    Returns
    -------
    (direction, tan_slope): ESRI codes (uint8, 0 = none, 255 = nodata) and the steepest slope
    (m m-1, 0 where no neighbour is lower, NaN at nodata).

    >>> z = np.array([[3., 3, 3], [2, 2, 2], [1, 1, 1]])  # dips south
    >>> int(flow_direction_d8(z)[0][1, 1])  # 4 = south (a diagonal drops as much but is longer)
    4
    """
    z = _f64(z)
    k, slope = _numba.d8(z, _rows_dx(dx, z.shape[0]), float(dy))
    codes = np.where(k >= 0, D8_CODES[np.maximum(k, 0)], 0).astype(np.uint8)
    codes[np.isnan(z)] = D8_NODATA
    return codes, slope


def d8_index(codes: np.ndarray) -> np.ndarray:
    """ESRI codes -> neighbour index 0..7 (-1 for none or nodata)."""
    out = np.full(codes.shape, -1, dtype=np.int8)
    for k, code in enumerate(D8_CODES):
        out[codes == code] = k
    return out


def cell_area(shape: tuple[int, int], dx=1.0, dy: float = 1.0) -> np.ndarray:
    """Area of each cell (m2): dx(row) * dy."""
    return np.broadcast_to(_rows_dx(dx, shape[0])[:, None] * float(dy), shape).copy()


def _weights(z: np.ndarray, weight) -> np.ndarray:
    w = np.ones(z.shape) if weight is None else np.array(np.broadcast_to(weight, z.shape), dtype=np.float64)
    w = np.ascontiguousarray(w)
    w[np.isnan(z)] = np.nan
    return w


def flow_accumulation_d8(codes: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """D8 flow accumulation: A(c) = w(c) + sum of A over the cells draining into c.

    ``weight`` None counts cells (the cell itself included, as pysheds, pygeoprocessing and
    WhiteboxTools 'cells' do); pass :func:`cell_area` for upslope area in m2. Nodata (code 255) is NaN.

    >>> codes = np.array([[4, 4], [4, 4]], dtype=np.uint8)  # two columns draining south
    >>> flow_accumulation_d8(codes).tolist()
    [[1.0, 1.0], [2.0, 2.0]]
    """
    nod = codes == D8_NODATA
    w = _weights(np.where(nod, np.nan, 0.0), weight)
    return _numba.accumulate_d8(np.ascontiguousarray(d8_index(codes)), w)


def flow_direction_dinf(z: np.ndarray, dx=1.0, dy: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """D-infinity flow angle and slope (Tarboton 1997, Water Resour. Res. 33(2), 309-319).

    On each of the 8 triangular facets (centre e0, cardinal e1 at distance d1, diagonal e2 at d2 from
    e1): s1 = (e0 - e1)/d1, s2 = (e1 - e2)/d2, r = atan(s2/s1), s = sqrt(s1^2 + s2^2); r clipped to
    [0, atan(d2/d1)] with s taken along the edge; the facet of largest s gives the angle
    a = af * r + ac * pi/2 (Tarboton's Table 1).

    Returns (angle in radians counter-clockwise from east, NaN where nothing slopes down; tan(beta)).

    >>> z = np.array([[2., 2, 2], [1, 1, 1], [0, 0, 0]])  # dips south
    >>> round(float(flow_direction_dinf(z)[0][1, 1]), 6) == round(1.5 * np.pi, 6)
    True
    """
    z = _f64(z)
    return _numba.dinf(z, _rows_dx(dx, z.shape[0]), float(dy))


def dinf_proportions(angle: float, dx: float = 1.0, dy: float = 1.0) -> dict[int, float]:
    """{ESRI code: share} of the two neighbours a D-inf angle splits between (Tarboton 1997:
    proportional to angular proximity, p1 = (a2 - a) / (a2 - a1)).

    >>> dinf_proportions(np.pi / 8)  # half way between east and north-east
    {1: 0.5, 128: 0.5}
    """
    k1, k2, p1 = _numba.dinf_split(float(angle), np.array([float(dx)]), float(dy), 0)
    return {int(D8_CODES[k1]): float(p1), int(D8_CODES[k2]): float(1.0 - p1)}


def flow_accumulation_dinf(angle: np.ndarray, dx=1.0, dy: float = 1.0,
                           weight: np.ndarray | None = None) -> np.ndarray:
    """D-inf flow accumulation (Tarboton 1997): each cell passes its accumulated weight to the two
    neighbours bracketing its angle in the proportions of :func:`dinf_proportions`. NaN angles (and
    flow towards nodata or off the grid) end the path; ``valid`` cells are those with finite
    ``weight``; pass ``weight`` with NaN at nodata (see :func:`cell_area`)."""
    angle = _f64(angle)
    w = np.ones(angle.shape) if weight is None else np.ascontiguousarray(np.broadcast_to(weight, angle.shape),
                                                                          dtype=np.float64).copy()
    return _numba.accumulate_dinf(angle, w, _rows_dx(dx, angle.shape[0]), float(dy))


def mfd_proportions(z: np.ndarray, row: int, col: int, dx=1.0, dy: float = 1.0) -> np.ndarray:
    """MFD shares of cell (row, col) to its 8 neighbours (E, SE, S, SW, W, NW, N, NE).

    As pygeoprocessing's ``flow_dir_mfd`` (src/pygeoprocessing/routing/routing.pyx): weight to a lower
    neighbour = drop / distance (diagonals divided by sqrt 2 on square cells), share = weight / sum
    of weights: Freeman (1991) / Quinn et al. (1991) with exponent 1. pygeoprocessing then stores
    each share as a 4-bit integer round(15 * share); we keep the exact share.
    """
    z = _f64(z)
    out = np.zeros(8)
    _numba.mfd_weights(z, _rows_dx(dx, z.shape[0]), float(dy), int(row), int(col), out)
    return out


def flow_accumulation_mfd(z: np.ndarray, dx=1.0, dy: float = 1.0, weight: np.ndarray | None = None) -> np.ndarray:
    """MFD flow accumulation on a (filled) DEM: each cell passes its accumulated weight to every
    lower neighbour in the shares of :func:`mfd_proportions`."""
    z = _f64(z)
    return _numba.accumulate_mfd(z, _weights(z, weight), _rows_dx(dx, z.shape[0]), float(dy))


def contour_width(shape: tuple[int, int], dx=1.0, dy: float = 1.0) -> np.ndarray:
    """Contour width per cell (m): w = sqrt(dx * dy), the cell size on square cells (SINMAP, TauDEM)."""
    return np.broadcast_to(np.sqrt(_rows_dx(dx, shape[0])[:, None] * float(dy)), shape).copy()


def specific_catchment_area(upslope_area_m2: np.ndarray, width_m) -> np.ndarray:
    """Specific catchment area a = A / w (m2 m-1 = m): upslope area per unit contour width
    (Moore, Grayson & Ladson 1991; Tarboton 1997).

    >>> float(specific_catchment_area(np.array(500.0), 10.0))
    50.0
    """
    return np.asarray(upslope_area_m2, dtype=np.float64) / width_m


def wetness_index(sca_m: np.ndarray, tan_slope: np.ndarray, *, min_tan_slope: float = 1e-3) -> np.ndarray:
    """Topographic wetness index TWI = ln(a / tan(beta)) (Beven & Kirkby 1979), dimensionless.

    ``tan_slope`` below ``min_tan_slope`` is raised to it, so flat cells (tan beta = 0) give a
    finite, large index instead of infinity.

    >>> round(float(wetness_index(np.array(100.0), np.array(0.1))), 4)  # ln(1000)
    6.9078
    """
    t = np.maximum(np.asarray(tan_slope, dtype=np.float64), min_tan_slope)
    return np.log(np.asarray(sca_m, dtype=np.float64) / t)
