"""Terrain kernels, conventions and the three execution paths (numpy, block-wise, Dask).

Published figures: Esri ArcGIS Pro documentation, "How Slope works" (3x3 example, cell size 5:
slope 75.25 deg) and "How Aspect works" (3x3 example: aspect 92.64 deg), both Horn's (1981) stencil.
Plane tests are derived values (a plane's slope is atan of its gradient, exactly, for both stencils:
no published figure needed); said so in each test.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from minewatch.geomodels.terrain import compute, kernels, tool
from minewatch.geomodels.terrain.compute import OUTPUTS

METHODS = ("horn", "zevenbergen-thorne")


def _dem_with_holes(rows=37, cols=29, seed=3):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols]
    z = 500 + 3.0 * (rows - y) + 8 * np.sin(x / 4.0) * np.cos(y / 5.0) + rng.normal(0, 0.3, (rows, cols))
    z[5:8, 4:6] = np.nan
    z[20, 17] = np.nan
    z[0, 10] = np.nan
    z[rows - 1, cols - 1] = np.nan
    return z


def test_esri_slope_example_horn():
    """Esri, ArcGIS "How Slope works" worked example: window 50 45 50 / 30 30 30 / 8 10 10, cell 5:
    dz/dx = 0.05, dz/dy = -3.8, rise_run = 3.8003, slope_degrees = 75.25 (the page prints
    ATAN(3.8003) x 57.29578 = 75.2577... cut to two decimals, so we check the cut)."""
    z = np.array([[50.0, 45, 50], [30, 30, 30], [8, 10, 10]])
    out = compute(z, 5.0, 5.0, method="horn", outputs=("slope",))["slope"]
    assert math.tan(math.radians(out[1, 1])) == pytest.approx(3.8003, abs=5e-5)
    assert math.floor(out[1, 1] * 100) / 100 == 75.25


def test_esri_aspect_example_horn():
    """Esri, ArcGIS Pro "How Aspect works": window 101 92 85 / 101 92 85 / 101 91 84 -> 92.64 deg."""
    z = np.array([[101.0, 92, 85], [101, 92, 85], [101, 91, 84]])
    out = compute(z, 5.0, 5.0, method="horn", outputs=("aspect",))["aspect"]
    assert out[1, 1] == pytest.approx(92.64, abs=0.005)


@pytest.mark.parametrize("method", METHODS)
def test_plane_slope_both_methods(method):
    """Derived: z = 0.3 x - 0.4 y (x east, y north, m) has slope atan(0.5) and faces N-E... exactly;
    with rectangular cells (dx 10 m, dy 5 m) to catch a swapped cell size."""
    rows, cols, dx, dy = 6, 7, 10.0, 5.0
    x = np.arange(cols) * dx
    y = (rows - 1 - np.arange(rows)) * dy  # row 0 is north
    z = 0.3 * x[None, :] - 0.4 * y[:, None]
    out = compute(z, dx, dy, method=method)
    inner = (slice(1, -1), slice(1, -1))
    np.testing.assert_allclose(out["slope"][inner], math.degrees(math.atan(0.5)), rtol=0, atol=1e-12)
    # downslope (-0.3, +0.4) in (east, north): azimuth atan2(-0.3, 0.4) = 323.13 deg
    np.testing.assert_allclose(out["aspect"][inner], math.degrees(math.atan2(-0.3, 0.4)) + 360, atol=1e-12)
    np.testing.assert_allclose(out["profile_curvature"][inner], 0, atol=1e-12)
    np.testing.assert_allclose(out["plan_curvature"][inner], 0, atol=1e-12)
    # edge convention: the outer ring is NaN
    for name in OUTPUTS:
        ring = np.concatenate([out[name][0], out[name][-1], out[name][:, 0], out[name][:, -1]])
        assert np.isnan(ring).all()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("facing, gx, gy, expected", [
    ("north", 0.0, -1.0, 0.0),   # falls towards the north
    ("east", -1.0, 0.0, 90.0),
    ("south", 0.0, 1.0, 180.0),
    ("west", 1.0, 0.0, 270.0),
])
def test_aspect_conventions(method, facing, gx, gy, expected):
    """Aspect is the facing (downslope) direction, clockwise from north, as gdaldem documents."""
    y, x = np.mgrid[0:5, 0:5]
    z = 100 + gx * x * 10 - gy * y * 10  # row index grows southwards, so +gy means rising north
    out = compute(z.astype(float), 10.0, 10.0, method=method, outputs=("slope", "aspect"))
    np.testing.assert_allclose(out["aspect"][1:-1, 1:-1], expected, atol=1e-12)
    np.testing.assert_allclose(out["slope"][1:-1, 1:-1], 45.0, atol=1e-12)


def test_flat_aspect_is_minus_one_and_nodata_is_nan():
    z = np.full((5, 5), 10.0)
    z[0, 0] = np.nan
    out = compute(z, 1.0, 1.0)
    assert out["aspect"][2, 2] == -1.0 and out["slope"][2, 2] == 0.0
    assert out["plan_curvature"][2, 2] == 0.0 and out["profile_curvature"][2, 2] == 0.0
    assert np.isnan(out["aspect"][1, 1])  # its window touches the NaN corner
    assert np.isnan(out["slope"][1, 1])


def test_curvature_signs_on_a_bowl_and_a_dome():
    """Derived: z = r^2 (bowl) is concave: both curvatures negative; the dome -r^2 positive (SAGA sign)."""
    y, x = np.mgrid[-4:5, -4:5].astype(float)
    bowl = compute(x**2 + y**2, 1.0, 1.0)
    dome = compute(-(x**2 + y**2), 1.0, 1.0)
    at = (4, 6)  # two cells east of the centre
    assert bowl["plan_curvature"][at] == pytest.approx(-0.5)  # -2 E G^2 / G^3 with E = 1, G = 4
    assert bowl["profile_curvature"][at] == pytest.approx(-2 * 16 / (16 * 17**1.5))
    assert dome["plan_curvature"][at] > 0 and dome["profile_curvature"][at] > 0


@pytest.mark.parametrize("method", METHODS)
def test_numba_kernel_matches_numpy_equations(method):
    z = _dem_with_holes()
    dx = np.linspace(9.5, 10.5, z.shape[0])
    fast = compute(z, dx, 10.0, method=method)
    ref = kernels.terrain(np.pad(z, 1, constant_values=np.nan), dx.reshape(-1, 1), 10.0, method=method)
    for name in OUTPUTS:
        assert np.array_equal(np.isnan(fast[name]), np.isnan(ref[name])), name
        np.testing.assert_allclose(fast[name], ref[name], rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("method", METHODS)
def test_numpy_dask_xarray_identical(method):
    da = pytest.importorskip("dask.array")
    import xarray as xr

    z = _dem_with_holes()
    dx = np.linspace(9.5, 10.5, z.shape[0])
    ref = compute(z, dx, 10.0, method=method)
    lazy = compute(da.from_array(z, chunks=(6, 11)), dx, 10.0, method=method)
    arr = xr.DataArray(z, dims=("y", "x"), coords={"y": np.arange(z.shape[0])[::-1] * 10.0, "x": np.arange(z.shape[1]) * 10.0})
    xa = compute(arr, method=method)
    xref = compute(z, 10.0, 10.0, method=method)
    for name in OUTPUTS:
        assert np.array_equal(ref[name], lazy[name].compute(), equal_nan=True), name
        assert np.array_equal(xref[name], xa[name].values, equal_nan=True), name
        assert xa[name].dims == ("y", "x")


def _write_dem(path, z, *, crs="EPSG:32717", transform=None):
    import rasterio
    from rasterio.transform import from_origin

    transform = transform or from_origin(700000.0, 9560000.0, 10.0, 10.0)
    data = np.where(np.isnan(z), -9999.0, z).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1, dtype="float32",
                       crs=crs, transform=transform, nodata=-9999.0) as dst:
        dst.write(data, 1)
    return path


def _read(path):
    import rasterio

    with rasterio.open(path) as src:
        return src.read(1)


@pytest.mark.parametrize("method", METHODS)
def test_tool_in_memory_blockwise_and_dask_identical(tmp_path, method):
    pytest.importorskip("dask.distributed")
    dem = _write_dem(tmp_path / "dem.tif", _dem_with_holes())
    whole = tool(dem, tmp_path / "whole", method=method)
    calls = []
    blocky = tool(dem, tmp_path / "blocks", method=method, rows_per_block=5, progress=lambda d, t: calls.append((d, t)))
    dasky = tool(dem, tmp_path / "dask", method=method, rows_per_block=7, dask=True)
    assert calls[-1] == (8, 8)  # ceil(37 / 5) blocks
    for name in OUTPUTS:
        a = _read(whole[name])
        assert np.array_equal(a, _read(blocky[name])), name
        assert np.array_equal(a, _read(dasky[name])), name
    # the in-memory file equals compute() on the float32 DEM, nodata -9999
    from minewatch.adapters.rasters import read_raster

    grid = read_raster(dem)
    ref = compute(grid.values, grid.dx_m, grid.dy_m, method=method)["slope"]
    assert np.array_equal(_read(whole["slope"]), np.where(np.isnan(ref), -9999.0, ref).astype("float32"))
    summary = json.loads(whole["summary"].read_text())
    assert summary["method"] == method and summary["outputs"]["slope"]["count"] == int(np.isfinite(ref).sum())


@pytest.mark.parametrize("method", METHODS)
def test_geographic_dem_slope_from_latitude(tmp_path, method):
    """Derived: a plane with gradients (0.2 east, 0.1 north) laid on a 1-arc-second grid at 60 N
    (cells 15.5 m east-west, 30.9 m north-south on WGS84) has slope atan(hypot(0.2, 0.1)) = 12.604 deg."""
    from rasterio.transform import from_origin

    from minewatch.adapters.rasters import metres_per_degree

    rows, cols, step = 21, 25, 1 / 3600
    north_edge = 60.0 + rows * step / 2
    lat = north_edge - (np.arange(rows) + 0.5) * step
    east_m, _ = metres_per_degree(lat)
    _, north_m = metres_per_degree(north_edge - rows / 2 * step)
    x = np.arange(cols)[None, :] * step * east_m[:, None]
    y = (rows - 1 - np.arange(rows))[:, None] * step * north_m
    dem = _write_dem(tmp_path / "geo.tif", 0.2 * x + 0.1 * y, crs="EPSG:4326",
                     transform=from_origin(10.0, north_edge, step, step))
    paths = tool(dem, tmp_path / "out", method=method)
    slope = _read(paths["slope"])[1:-1, 1:-1]
    expected = math.degrees(math.atan(math.hypot(0.2, 0.1)))
    # float32 storage of ~100 m elevations (eps 7.6e-6 m) over 15-30 m cells bounds the error near 1e-4 deg
    np.testing.assert_allclose(slope, expected, atol=1e-3)
    aspect = _read(paths["aspect"])[1:-1, 1:-1]
    np.testing.assert_allclose(aspect, math.degrees(math.atan2(-0.2, -0.1)) + 360, atol=1e-2)
    # the test is sensitive: taking the cells as square (degrees alike) would be far off
    assert abs(math.degrees(math.atan(math.hypot(0.2 * 2, 0.1))) - expected) > 5


def test_cli_hazard_terrain(tmp_path):
    import click
    from click.testing import CliRunner

    from minewatch.cli.hazard import register

    group = click.Group()
    register(group)
    dem = _write_dem(tmp_path / "dem.tif", _dem_with_holes())
    res = CliRunner().invoke(group, ["hazard", "terrain", "--dem", str(dem), "--out", str(tmp_path / "o"),
                                     "--method", "zevenbergen-thorne", "--rows-per-block", "4", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["blocks"] == 10 and summary["method"] == "zevenbergen-thorne"
    assert set(summary["outputs"]) == set(OUTPUTS)
    for name in OUTPUTS:
        assert (tmp_path / "o" / f"{name}.tif").exists()


def test_unknown_method_is_refused():
    from minewatch.errors import InvalidInput

    with pytest.raises(InvalidInput):
        compute(np.zeros((3, 3)), 1.0, 1.0, method="sobel")


def test_tool_on_an_existing_dask_scheduler(tmp_path):
    """``--scheduler tcp://...``: the same files as in memory."""
    distributed = pytest.importorskip("dask.distributed")
    dem = _write_dem(tmp_path / "dem.tif", _dem_with_holes())
    whole = tool(dem, tmp_path / "whole", outputs=("slope", "aspect"))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        remote = tool(dem, tmp_path / "remote", outputs=("slope", "aspect"), rows_per_block=6,
                      scheduler=cluster.scheduler_address)
    for name in ("slope", "aspect"):
        assert np.array_equal(_read(whole[name]), _read(remote[name])), name
