"""Terrain kernels in plain numpy: the equations, one 3 x 3 window per cell.

Every function takes a *padded* elevation array ``zp`` of shape ``(rows + 2, cols + 2)`` (one ring of
context around the cells computed; NaN where there is no data) and returns arrays of shape
``(rows, cols)``. The window of a cell is named as in Horn (1981) and the gdaldem documentation::

    a b c        z1 z2 z3        north (row - 1)
    d e f   =    z4 z5 z6
    g h i        z7 z8 z9        south (row + 1)

``dx`` is the east-west cell size in metres (a scalar, or a column ``(rows, 1)`` for geographic DEMs
whose cells narrow towards the poles), ``dy`` the north-south cell size in metres. Gradients are
``p = dz/dx`` (x east) and ``q = dz/dy`` (y north), both dimensionless (m/m).

Conventions (documented once, here):

- **nodata**: a cell whose 3 x 3 window holds any NaN is NaN in every output (as gdaldem without
  ``-compute_edges``).
- **edges**: the outer ring of the raster has no complete window and is NaN (the caller pads with NaN).
- **aspect**: the direction the slope faces (downslope), degrees clockwise from north in [0, 360);
  **-1 on flat cells** (p = q = 0), the richdem / ArcGIS convention; NaN only for nodata.
- **curvatures** (always from the Zevenbergen & Thorne 1987 polynomial, whatever the slope method),
  in m-1 with SAGA's sign: **positive = convex, negative = concave** (a bowl is negative in both);
  0 on flat cells where they are undefined.

The fast path used by :mod:`.compute` is the numba translation of these functions in ``_numba.py``;
a test checks that both agree.
"""

from __future__ import annotations

import numpy as np


def _window(zp: np.ndarray) -> tuple[np.ndarray, ...]:
    """The nine shifted views (a..i) of a padded array."""
    a, b, c = zp[:-2, :-2], zp[:-2, 1:-1], zp[:-2, 2:]
    d, e, f = zp[1:-1, :-2], zp[1:-1, 1:-1], zp[1:-1, 2:]
    g, h, i = zp[2:, :-2], zp[2:, 1:-1], zp[2:, 2:]
    return a, b, c, d, e, f, g, h, i


def _complete(win: tuple[np.ndarray, ...]) -> np.ndarray:
    """True where the whole 3 x 3 window has data."""
    total = win[0].copy()
    for w in win[1:]:
        total = total + w
    return ~np.isnan(total)


def horn_gradient(zp: np.ndarray, dx, dy: float) -> tuple[np.ndarray, np.ndarray]:
    """Horn (1981) third-order finite difference, weighted 1-2-1 (gdaldem's default).

    ``p = ((c + 2f + i) - (a + 2d + g)) / (8 dx)``, ``q = ((a + 2b + c) - (g + 2h + i)) / (8 dy)``.

    Horn, B.K.P. (1981) Hill shading and the reflectance map. Proc. IEEE 69(1), 14-47, eq. (the
    "Sobel" weighting); gdaldem documentation (https://gdal.org/programs/gdaldem.html, slope).

    >>> zp = np.array([[0., 1, 2], [0, 1, 2], [0, 1, 2]])   # rises 1 m per 1 m cell eastwards
    >>> horn_gradient(zp, 1.0, 1.0)
    (array([[1.]]), array([[0.]]))
    """
    a, b, c, d, e, f, g, h, i = win = _window(zp)
    ok = _complete(win)
    p = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * dx)
    q = ((a + 2 * b + c) - (g + 2 * h + i)) / (8 * dy)
    return np.where(ok, p, np.nan), np.where(ok, q, np.nan)


def zt_coefficients(zp: np.ndarray, dx, dy: float) -> tuple[np.ndarray, ...]:
    """Zevenbergen & Thorne (1987) partial quartic coefficients D, E, F, G, H (rectangular cells).

    ``D = ((d + f)/2 - e) / dx^2``, ``E = ((b + h)/2 - e) / dy^2``, ``F = (-a + c + g - i) / (4 dx dy)``,
    ``G = (f - d) / (2 dx)``, ``H = (b - h) / (2 dy)``; so G = dz/dx, H = dz/dy, 2D = d2z/dx2,
    2E = d2z/dy2, F = d2z/dxdy (x east, y north).

    Zevenbergen, L.W., Thorne, C.R. (1987) Quantitative analysis of land surface topography. Earth
    Surface Processes and Landforms 12, 47-56 (eqs. for D-H, with L the grid spacing).

    >>> zp = np.array([[2., 2, 2], [1, 1, 1], [0, 0, 0]])   # rises 1 m per 10 m cell northwards
    >>> [float(v[0, 0]) for v in zt_coefficients(zp, 10.0, 10.0)]
    [0.0, 0.0, 0.0, 0.0, 0.1]
    """
    a, b, c, d, e, f, g, h, i = win = _window(zp)
    ok = _complete(win)
    dx2 = dx * dx
    D = ((d + f) / 2 - e) / dx2
    E = ((b + h) / 2 - e) / (dy * dy)
    F = (-a + c + g - i) / (4 * dx * dy)
    G = (f - d) / (2 * dx)
    H = (b - h) / (2 * dy)
    return tuple(np.where(ok, v, np.nan) for v in (D, E, F, G, H))


def slope_deg(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Slope angle in degrees: ``degrees(arctan(sqrt(p^2 + q^2)))``.

    >>> float(slope_deg(np.array(1.0), np.array(0.0)))
    45.0
    """
    return np.degrees(np.arctan(np.sqrt(p * p + q * q)))


def aspect_deg(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Aspect (downslope direction), degrees clockwise from north in [0, 360); -1 where flat.

    ``aspect = degrees(atan2(-p, -q))`` wrapped to [0, 360) (the downslope vector is (-p, -q) in
    (east, north)).

    >>> aspect_deg(np.array([0.0, -1.0, 1.0, 0.0, 0.0]), np.array([-1.0, 0.0, 0.0, 1.0, 0.0]))
    array([  0.,  90., 270., 180.,  -1.])
    """
    az = np.degrees(np.arctan2(-p, -q))
    az = np.where(az < 0, az + 360.0, az) + 0.0
    return np.where((p == 0) & (q == 0), -1.0, az)


def profile_curvature(D, E, F, G, H) -> np.ndarray:
    """Profile curvature (along the slope line), m-1, SAGA 2 sign (positive convex).

    ``-2 (D G^2 + E H^2 + F G H) / ((G^2 + H^2) (1 + G^2 + H^2)^1.5)``; 0 where G = H = 0. This is
    Zevenbergen & Thorne's (1987) profile curvature normalised to the normal-section curvature, as
    SAGA's Slope, Aspect, Curvature tool (method Zevenbergen & Thorne) writes it: it reproduces the
    ``cprof`` band of the Ecuador DEM (spDataLarge ``ta.tif``) to float32 precision.

    >>> z = np.array([[1., 0, 1], [1, 0, 1], [1, 0, 1]])   # a valley along x = 0: no slope at its floor
    >>> float(profile_curvature(*zt_coefficients(z, 1.0, 1.0))[0, 0])
    0.0
    """
    p2 = G * G + H * H
    with np.errstate(divide="ignore", invalid="ignore"):
        k = -2.0 * (D * G * G + E * H * H + F * G * H) / (p2 * (1.0 + p2) ** 1.5)
    return np.where(p2 == 0, 0.0, k) + np.where(np.isnan(p2), np.nan, 0.0)


def plan_curvature(D, E, F, G, H) -> np.ndarray:
    """Plan curvature (of the contour line), m-1, SAGA 2 sign (positive convex).

    ``-2 (D H^2 + E G^2 - F G H) / (G^2 + H^2)^1.5``; 0 where G = H = 0 (the contour is undefined).
    Zevenbergen & Thorne (1987) plan curvature normalised to the contour's curvature, as SAGA writes
    it: it reproduces the ``cplan`` band of the Ecuador DEM to float32 precision.

    >>> x, y = np.meshgrid([1.0, 2.0, 3.0], [1.0, 0.0, -1.0])   # east of the centre of a bowl z = r^2
    >>> float(plan_curvature(*zt_coefficients(x**2 + y**2, 1.0, 1.0))[0, 0])   # contours concave
    -0.5
    """
    p2 = G * G + H * H
    with np.errstate(divide="ignore", invalid="ignore"):
        k = -2.0 * (D * H * H + E * G * G - F * G * H) / p2**1.5
    return np.where(p2 == 0, 0.0, k) + np.where(np.isnan(p2), np.nan, 0.0)


def terrain(zp: np.ndarray, dx, dy: float, *, method: str = "horn") -> dict[str, np.ndarray]:
    """Slope and aspect (by ``method``: ``horn`` or ``zevenbergen-thorne``) and ZT curvatures."""
    D, E, F, G, H = zt_coefficients(zp, dx, dy)
    p, q = horn_gradient(zp, dx, dy) if method == "horn" else (G, H)
    return {"slope": slope_deg(p, q), "aspect": np.where(np.isnan(p), np.nan, aspect_deg(p, q)),
            "profile_curvature": profile_curvature(D, E, F, G, H),
            "plan_curvature": plan_curvature(D, E, F, G, H)}
