"""Terrain against independent implementations: SAGA's bands shipped with the Ecuador DEM, and gdaldem.

- Ecuador: spDataLarge ``ta.tif`` (../shared/data/ecuador-landslides-terrain, SOURCE.md): bands
  identified by their descriptions (``elev``, ``slope``, ``cplan``, ``cprof``), EPSG:32717 (UTM 17S,
  metres), 10 m square cells; projected, so dx = dy = 10 m from the geotransform (``cell_sizes``).
  The slope band is SAGA's Zevenbergen & Thorne (1987) slope (issue 4); the curvature bands are SAGA's
  Zevenbergen-Thorne plan and profile curvature. "Interior": cells where both our value and the
  band's exist (ours excludes the outer ring and cells next to the 619 nodata cells).
- gdaldem (GDAL documentation, https://gdal.org/programs/gdaldem.html: slope and aspect use Horn's
  (1981) formula by default; without ``-compute_edges`` the outer ring and cells next to nodata are
  nodata, our convention) on the reference/hazards.md section 9.1 synthetic DEM with nodata holes.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from minewatch.adapters.rasters import read_raster
from minewatch.geomodels.terrain import compute
from tests.shared_data import shared_data_path


def _bands(path) -> dict[str, int]:
    import rasterio

    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32717 and src.res == (10.0, 10.0)
        return {d: i + 1 for i, d in enumerate(src.descriptions)}


@pytest.mark.shared_data
def test_ecuador_zevenbergen_thorne_slope_matches_shipped_band():
    path = shared_data_path("ecuador-landslides-terrain", "ta.tif")
    bands = _bands(path)
    dem = read_raster(path, band=bands["elev"])
    shipped = read_raster(path, band=bands["slope"]).values
    assert not dem.geographic and dem.dy_m == 10.0 and np.all(dem.dx_m == 10.0)
    ours = compute(dem.values, dem.dx_m, dem.dy_m, method="zevenbergen-thorne", outputs=("slope",))["slope"]
    both = np.isfinite(ours) & np.isfinite(shipped)
    assert both.sum() > 0.98 * dem.values.size  # 155,6xx of 158,945 cells
    assert np.abs(ours[both] - shipped[both]).max() < 1e-3  # the acceptance criterion of issue 4
    # and Horn's stencil is a different estimator: it does not reproduce SAGA's band to that precision
    horn = compute(dem.values, dem.dx_m, dem.dy_m, method="horn", outputs=("slope",))["slope"]
    assert np.abs(horn[both] - shipped[both]).max() > 0.1


@pytest.mark.shared_data
def test_ecuador_curvatures_match_shipped_bands():
    """SAGA's ZT curvatures: cprof = -2(DG2+EH2+FGH)/(p(1+p)^1.5), cplan = -2(DH2+EG2-FGH)/p^1.5,
    p = G2+H2. The bands are float32, so agreement is to float32 rounding (relative: float32 epsilon)."""
    path = shared_data_path("ecuador-landslides-terrain", "ta.tif")
    bands = _bands(path)
    dem = read_raster(path, band=bands["elev"])
    ours = compute(dem.values, dem.dx_m, dem.dy_m, outputs=("plan_curvature", "profile_curvature"))
    for ours_name, band in (("plan_curvature", "cplan"), ("profile_curvature", "cprof")):
        shipped = read_raster(path, band=bands[band]).values
        both = np.isfinite(ours[ours_name]) & np.isfinite(shipped)
        assert both.sum() > 0.98 * dem.values.size
        np.testing.assert_allclose(ours[ours_name][both], shipped[both], rtol=float(np.finfo(np.float32).eps), atol=1e-12, err_msg=band)


def make_dem(n, dx=10.0, seed=42):
    """reference/hazards.md section 9.1 (verbatim)."""
    L = n * dx
    x, y = np.meshgrid(np.arange(n) * dx, (n - 1 - np.arange(n)) * dx)
    noise = np.random.default_rng(seed).normal(0, 0.05, (n, n))
    return 0.35 * y + 25.0 * np.cos(2 * np.pi * x / (L / 4)) * (y / L) + noise


def _write_91(path, z, dx=10.0):
    import rasterio
    from rasterio.transform import from_origin

    n = z.shape[0]
    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=n, count=1, dtype="float32",
                       crs="EPSG:32651", transform=from_origin(500000.0, 1600000.0 + n * dx, dx, dx),
                       nodata=-9999.0) as dst:
        dst.write(np.where(np.isnan(z), -9999.0, z).astype("float32"), 1)


@pytest.mark.skipif(shutil.which("gdaldem") is None, reason="gdaldem (gdal-bin) not installed")
@pytest.mark.parametrize("what", ["slope", "aspect"])
def test_horn_matches_gdaldem_on_the_91_dem(tmp_path, what):
    import rasterio

    z = make_dem(301)[:, :257].copy()  # odd sizes
    z[100:104, 50:53] = np.nan
    z[200, 200] = np.nan
    dem_path = tmp_path / "dem.tif"
    _write_91(dem_path, z)
    out_path = tmp_path / f"{what}.tif"
    subprocess.run(["gdaldem", what, str(dem_path), str(out_path), "-q"], check=True)
    with rasterio.open(out_path) as src:
        peer = src.read(1, masked=True).astype("float64").filled(np.nan)
    grid = read_raster(dem_path)
    ours = compute(grid.values, grid.dx_m, grid.dy_m, method="horn", outputs=(what,))[what]
    # same nodata cells: the outer ring and every cell whose window touches a hole
    assert np.array_equal(np.isnan(ours), np.isnan(peer))
    ok = np.isfinite(ours)
    diff = np.abs(ours[ok] - peer[ok])
    if what == "aspect":
        diff = np.minimum(diff, 360 - diff)
    # gdaldem computes in float32 (hazards.md 8.2: 6.4e-3 deg max vs float64 on the 4000x4000 DEM)
    assert diff.max() < 6.4e-3


@pytest.mark.shared_data
def test_ecuador_cli_block_wise_on_the_elevation_band(tmp_path):
    """``hazard terrain --band 4`` block by block writes the same slope as compute() in memory."""
    import click
    import rasterio
    from click.testing import CliRunner

    from minewatch.cli.hazard import register

    path = shared_data_path("ecuador-landslides-terrain", "ta.tif")
    band = _bands(path)["elev"]
    group = click.Group()
    register(group)
    res = CliRunner().invoke(group, ["hazard", "terrain", "--dem", str(path), "--band", str(band), "--out", str(tmp_path),
                                     "--method", "zevenbergen-thorne", "--rows-per-block", "100"])
    assert res.exit_code == 0, res.output
    dem = read_raster(path, band=band)
    ours = compute(dem.values, dem.dx_m, dem.dy_m, method="zevenbergen-thorne", outputs=("slope",))["slope"]
    with rasterio.open(tmp_path / "slope.tif") as src:
        written = src.read(1)
    assert np.array_equal(written, np.where(np.isnan(ours), -9999.0, ours).astype("float32"))
    bad = CliRunner().invoke(group, ["hazard", "terrain", "--dem", str(path), "--band", "9", "--out", str(tmp_path)])
    assert bad.exit_code != 0 and "band 9 does not exist" in str(bad.exception)
