"""Hydrology geomodel: Priority-Flood, D8 / D-inf / MFD routing, accumulation, SCA, TWI.

Where no published figure exists for a grid, the expected values are derived by hand from the
algorithm's definition (the derivation is in each test) and the test says so.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from minewatch.geomodels.hydrology import SPEC, compute, kernels as K, tool

SQ2 = math.sqrt(2.0)


def plane(rows: int, cols: int, south: float, east: float, dx: float = 1.0, dy: float = 1.0) -> np.ndarray:
    """z = -(south * y_south + east * x_east): a plane falling ``south`` m/m southwards, ``east`` m/m eastwards."""
    r, c = np.mgrid[0:rows, 0:cols]
    return 100.0 - south * r * dy - east * c * dx


def make_dem(n: int, dx: float = 10.0, seed: int = 42) -> np.ndarray:
    """hazards.md §9.1 shared synthetic DEM."""
    length = n * dx
    x, y = np.meshgrid(np.arange(n) * dx, (n - 1 - np.arange(n)) * dx)
    noise = np.random.default_rng(seed).normal(0, 0.05, (n, n))
    return 0.35 * y + 25.0 * np.cos(2 * np.pi * x / (length / 4)) * (y / length) + noise


# ------------------------------------------------------------------ D8 (O'Callaghan & Mark 1984)
def test_d8_south_plane_goes_south_not_diagonally():
    # Derived by hand: z falls 2 m per row and 0.5 m per column eastwards (dx = dy = 1 m). Drops:
    # S 2.0, SE 2.5, E 0.5. Steepest slope = drop / distance: S 2.0, SE 2.5 / sqrt 2 = 1.77, so D8 by
    # slope goes S (code 4); the largest *drop* (richdem's rule, hazards.md §8.3) would be SE.
    z = plane(6, 5, south=2.0, east=0.5)
    codes, tan_b = K.flow_direction_d8(z)
    assert (codes[:-1, :] == 4).all()
    assert np.allclose(tan_b[:-1, :], 2.0)
    # bottom row: nothing lower to the S; E (0.5 m over 1 m) is its steepest descent
    assert (codes[-1, :-1] == 1).all() and codes[-1, -1] == 0


def test_d8_accumulation_tilted_plane_5x5():
    # Derived by hand: plane falling 1 m/m south and 1 m/m east (dx = dy = 10 m). Slopes: S 0.1,
    # E 0.1, SE 2 * 10 / (10 sqrt 2) = 0.141 -> every cell drains SE (code 2) except the last row
    # (drains E) and last column (drains S); bottom-right corner is the outlet.
    # Accumulation (cells, the cell itself counted): a cell (r, c) with r, c < 4 receives the
    # diagonal chain above it, so A = min(r, c) + 1 in the interior.
    z = plane(5, 5, south=1.0, east=1.0, dx=10.0, dy=10.0)
    codes, _ = K.flow_direction_d8(z, 10.0, 10.0)
    assert (codes[:4, :4] == 2).all()
    acc = K.flow_accumulation_d8(codes)
    r, c = np.mgrid[0:5, 0:5]
    interior = (slice(1, 4), slice(1, 4))
    assert np.array_equal(acc[interior], (np.minimum(r, c) + 1)[interior].astype(float))
    # everything ends at the corner: 25 cells
    assert acc[4, 4] == 25
    area = K.flow_accumulation_d8(codes, K.cell_area(z.shape, 10.0, 10.0))
    assert area[4, 4] == pytest.approx(25 * 100.0)


def test_d8_geographic_rows_use_their_own_dx():
    # Derived: equal drops east and south; with dx = 5 m (a high-latitude degree cell) and dy = 10 m
    # east is twice as steep, so flow goes E; with dx = 20 m it goes S.
    z = np.array([[3.0, 2.0, 1.0], [2.0, 1.0, 0.0], [1.0, 0.0, -1.0]])
    codes, _ = K.flow_direction_d8(z, np.array([5.0, 5.0, 5.0]), 10.0)
    assert codes[0, 0] == 1  # E 1/5 = 0.2 > SE 2/11.18 = 0.179 > S 1/10
    codes, _ = K.flow_direction_d8(z, np.array([20.0, 20.0, 20.0]), 10.0)
    assert codes[0, 0] == 4


# ------------------------------------------------------------------ Priority-Flood (Barnes et al. 2014)
def pit_dem() -> np.ndarray:
    z = np.full((5, 5), 5.0)
    z[1:4, 1:4] = 1.0
    z[2, 2] = 0.0
    z[0, 2] = 3.0  # the spill point on the rim
    return z


def test_pit_is_filled_to_its_spill_height():
    # Derived by hand: the lowest path from the pit to the edge crosses the rim at (0, 2), 3 m, so
    # (Barnes et al. 2014, Priority-Flood) every pit cell is raised to exactly 3 m; the rim is untouched.
    z = pit_dem()
    filled = K.fill_depressions(z, epsilon=False)
    assert np.array_equal(filled[1:4, 1:4], np.full((3, 3), 3.0))
    rim = np.ones((5, 5), bool)
    rim[1:4, 1:4] = False
    assert np.array_equal(filled[rim], z[rim])
    assert z[2, 2] == 0.0  # input not modified


def test_epsilon_fill_drains_to_the_spill_point():
    # Priority-Flood+epsilon (Barnes et al. 2014, Algorithm 3): filled cells rise by float64 steps
    # away from the spill point, so D8 on the result routes the whole pit out over (0, 2).
    z = pit_dem()
    filled = K.fill_depressions(z, epsilon=True)
    inner = filled[1:4, 1:4]
    assert (inner > 3.0).all() and (inner < 3.0 + 1e-12).all()
    assert filled[1, 2] == np.nextafter(3.0, np.inf)  # the cell next to the spill point: one step
    codes, _ = K.flow_direction_d8(filled)
    assert (codes[1:4, 1:4] != 0).all()
    acc = K.flow_accumulation_d8(codes)
    # (0, 2) is the only cell with nothing lower: the rim cells drain into the filled pit or onto
    # (0, 2), the pit cells over it, so all 25 cells pass through it
    assert (codes == 0).sum() == 1 and codes[0, 2] == 0
    assert acc[0, 2] == 25


def test_nodata_cells_are_outlets():
    # A NaN hole in the pit bottom: water leaves through it, so nothing is raised (derived).
    z = pit_dem()
    z[2, 2] = np.nan
    filled = K.fill_depressions(z, epsilon=False)
    assert np.isnan(filled[2, 2])
    assert np.array_equal(filled[1:4, 1:4][~np.isnan(z[1:4, 1:4])], z[1:4, 1:4][~np.isnan(z[1:4, 1:4])])
    codes, _ = K.flow_direction_d8(filled)
    assert codes[2, 2] == K.D8_NODATA
    assert np.isnan(K.flow_accumulation_d8(codes)[2, 2])


# ------------------------------------------------------------------ D-infinity (Tarboton 1997)
@pytest.mark.parametrize("aspect_deg", [0, 10, 30, 45, 60, 100, 135, 170, 200, 250, 290, 315, 340])
@pytest.mark.parametrize("cell", [(1.0, 1.0), (10.0, 5.0)])
def test_dinf_angle_on_planes_is_the_aspect(aspect_deg, cell):
    # Tarboton (1997, section 2 and Fig. 3): on a planar surface the facet method returns the true
    # downslope direction and gradient, for any aspect (unlike D8's 45-degree steps). Plane with
    # gradient 0.2 m/m towards ``aspect`` (counter-clockwise from east).
    dx, dy = cell
    a = math.radians(aspect_deg)
    r, c = np.mgrid[0:5, 0:5]
    z = 100.0 - 0.2 * (math.cos(a) * c * dx - math.sin(a) * r * dy)  # north is -row
    angle, tan_b = K.flow_direction_dinf(z, dx, dy)
    assert np.allclose(angle[1:-1, 1:-1], a % (2 * math.pi), atol=1e-12)
    assert np.allclose(tan_b[1:-1, 1:-1], 0.2, rtol=1e-12)


def test_dinf_proportions_by_angular_proximity():
    # Tarboton (1997, Fig. 2): flow at angle alpha inside the facet between the E (0) and NE (pi/4)
    # neighbours goes (pi/4 - alpha) / (pi/4) to E and alpha / (pi/4) to NE.
    p = K.dinf_proportions(0.3)
    assert p[1] == pytest.approx((math.pi / 4 - 0.3) / (math.pi / 4))
    assert p[128] == pytest.approx(0.3 / (math.pi / 4))
    assert K.dinf_proportions(1.5 * math.pi)[4] == pytest.approx(1.0)  # due south
    p = K.dinf_proportions(math.radians(200))  # between W (180) and SW (225)
    assert p[16] == pytest.approx(25 / 45) and p[8] == pytest.approx(20 / 45)


def test_dinf_accumulation_conserves_and_matches_d8_on_a_south_plane():
    # Derived: angle exactly south everywhere, so D-inf = D8 (each column drains straight down).
    z = plane(5, 4, south=1.0, east=0.0)
    angle, _ = K.flow_direction_dinf(z)
    acc = K.flow_accumulation_dinf(angle)
    assert np.allclose(acc[:-1], K.flow_accumulation_d8(K.flow_direction_d8(z)[0])[:-1])
    # a plane at 30 degrees south of east: the flow splits, but every cell's unit leaves through
    # the cells whose own flow leaves the grid (conservation)
    a = math.radians(-30)
    r, c = np.mgrid[0:6, 0:6]
    z = 100.0 - (math.cos(a) * c - math.sin(a) * r)
    angle, _ = K.flow_direction_dinf(z)
    acc = K.flow_accumulation_dinf(angle)
    assert acc.min() >= 1.0
    # outflow: the part of each cell's accumulation that goes off the grid
    out = 0.0
    for (i, j), val in np.ndenumerate(acc):
        if np.isnan(angle[i, j]):
            out += val
            continue
        for code, share in K.dinf_proportions(angle[i, j]).items():
            k = list(K.D8_CODES).index(code)
            ri, cj = i + [0, 1, 1, 1, 0, -1, -1, -1][k], j + [1, 1, 0, -1, -1, -1, 0, 1][k]
            if not (0 <= ri < 6 and 0 <= cj < 6):
                out += share * val
    assert out == pytest.approx(36.0)


# ------------------------------------------------------------------ MFD (pygeoprocessing / InVEST)
def test_mfd_proportions_as_pygeoprocessing():
    # natcap/pygeoprocessing src/pygeoprocessing/routing/routing.pyx (commit a325b658, 2026-03-12),
    # flow_dir_mfd lines 1626-1644: n_slope = root_height - n_height for each lower neighbour, times
    # SQRT2_INV on diagonals; share = n_slope / sum_of_downhill_slopes (then packed as round(15 * share)).
    # Hand computation for the centre (5 m) of
    #     9 8 7
    #     6 5 4
    #     3 4 2
    # E 4: 1/1 = 1;  SE 2: 3/sqrt2 = 2.121320;  S 4: 1/1 = 1;  SW 3: 2/sqrt2 = 1.414214;
    # W 6, NW 9, N 8, NE 7 are higher: 0.  Sum 5.535534.
    z = np.array([[9.0, 8, 7], [6, 5, 4], [3, 4, 2]])
    p = K.mfd_proportions(z, 1, 1)
    total = 1 + 3 / SQ2 + 1 + 2 / SQ2
    expected = np.array([1, 3 / SQ2, 1, 2 / SQ2, 0, 0, 0, 0]) / total
    assert np.allclose(p, expected, rtol=0, atol=1e-15)
    assert np.allclose(p[:4], [0.180650, 0.383223, 0.180650, 0.255477], atol=1e-6)
    # pygeoprocessing's 4-bit packing of these shares: int(0.5 + 15 share) = 3, 6, 3, 4
    assert [int(0.5 + 15 * s) for s in p[:4]] == [3, 6, 3, 4]


def test_mfd_accumulation_conserves_mass():
    # Derived: every unit of weight ends in a cell with no lower neighbour (the bottom row of a
    # south-dipping plane), so their accumulations sum to the number of cells.
    z = plane(6, 5, south=1.0, east=0.1)
    acc = K.flow_accumulation_mfd(z)
    codes, _ = K.flow_direction_d8(z)
    sinks = codes == 0
    assert acc[sinks].sum() == pytest.approx(30.0)
    # the north-west corner is the highest cell: it receives nothing
    assert acc[0, 0] == 1.0


# ------------------------------------------------------------------ SCA and TWI
def test_sca_and_twi_on_a_plane():
    # Derived: on a plane falling 0.1 m/m south with 10 m cells, D8 row r drains r + 1 cells of
    # 100 m2; contour width = cell width 10 m (Tarboton 1997; SINMAP, Pack et al. 1998), so
    # a = 10 (r + 1) m and TWI = ln(a / 0.1) (Beven & Kirkby 1979).
    z = plane(5, 3, south=0.1, east=0.0, dx=10.0, dy=10.0)
    out = compute(z, dx=10.0, dy=10.0)
    a = out["topographic__specific_contributing_area"]
    rows = np.arange(5)[:, None]
    assert np.allclose(a[:-1], 10.0 * (rows[:-1] + 1))
    assert np.allclose(out["surface_water__drainage_area"][:-1], 100.0 * (rows[:-1] + 1))
    assert np.allclose(out["topographic__wetness_index"][:-1], np.log(10.0 * (rows[:-1] + 1) / 0.1))


def test_twi_flat_guard():
    twi = K.wetness_index(np.array([10.0, 10.0]), np.array([0.0, 0.5]), min_tan_slope=1e-3)
    assert np.isfinite(twi).all() and twi[0] == pytest.approx(math.log(10.0 / 1e-3))


# ------------------------------------------------------------------ the peers' numbers (hazards.md §8.3)
def test_peer_statistics_on_the_shared_dem():
    # hazards.md §8.3 [RUN]: whitebox-workflows, pygeoprocessing and pysheds, D8 accumulation in cells
    # after depression handling on the §9.1 2000 x 2000 DEM (float32 GeoTIFF): max 16,000, median
    # 1,000 (reported rounded; whitebox-workflows 2.0.6 run here gives 1000.5), mean 1001.4.
    # bench/bench_flow.py also compares cell by cell with whitebox-workflows (0 cells differ).
    z = make_dem(2000).astype(np.float32).astype(np.float64)
    filled = K.fill_depressions(z, epsilon=True)
    acc = K.flow_accumulation_d8(K.flow_direction_d8(filled, 10.0, 10.0)[0])
    assert acc.max() == 16000
    assert np.median(acc) == 1000.5
    assert round(acc.mean(), 1) == 1001.4


# ------------------------------------------------------------------ compute / tool / SPEC
@pytest.mark.parametrize("method", ["d8", "dinf", "mfd"])
def test_compute_outputs_match_the_spec(method):
    z = make_dem(40)
    out = compute(z, dx=10.0, dy=10.0, method=method)
    names = {v.name for v in SPEC.outputs if not v.optional or method == "dinf"}
    assert set(out) == names
    assert np.nansum(out["surface_water__upstream_cell_count"]) > 0
    assert SPEC.problems() == []


def test_compute_accepts_dataarrays():
    xr = pytest.importorskip("xarray")
    z = make_dem(20)
    da = xr.DataArray(z, dims=("y", "x"), coords={"y": np.arange(20), "x": np.arange(20)})
    out = compute(da, dx=10.0, dy=10.0)
    assert isinstance(out["topographic__wetness_index"], xr.DataArray)
    np.testing.assert_array_equal(out["topographic__wetness_index"].values,
                                  compute(z, dx=10.0, dy=10.0)["topographic__wetness_index"])


def test_tool_writes_geotiffs(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    z = make_dem(30).astype("float32")
    z[5, 5] = -9999
    dem_path = tmp_path / "dem.tif"
    with rasterio.open(dem_path, "w", driver="GTiff", width=30, height=30, count=1, dtype="float32",
                       crs="EPSG:32651", transform=from_origin(500000, 1600300, 10, 10), nodata=-9999) as dst:
        dst.write(z, 1)
    paths = tool(dem_path, tmp_path / "out")
    assert set(paths) == {v.name for v in SPEC.outputs if not v.optional}
    with rasterio.open(paths["flow__receiver_direction_d8"]) as src:
        codes = src.read(1)
        assert src.dtypes[0] == "uint8" and codes[5, 5] == 255
    with rasterio.open(paths["surface_water__upstream_cell_count"]) as src:
        acc = src.read(1, masked=True)
        assert acc.mask[5, 5] and acc.max() >= 30


def test_docstring_examples():
    import doctest
    import importlib

    compute_module = importlib.import_module("minewatch.geomodels.hydrology.compute")

    for module in (K, compute_module):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__
