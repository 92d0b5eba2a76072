"""``minewatch calc`` (through a small click group) and the slope_stability compute/tool/SPEC."""

import json

import click
import numpy as np
import pytest
from click.testing import CliRunner

from minewatch.errors import InvalidInput
from minewatch.geomodels.slope_stability import SPEC, compute, tool
from minewatch.geomodels.slope_stability.kernels import factor_of_safety, sinmap_stability_index


@pytest.fixture
def run():
    from minewatch.cli.calc import register

    group = click.Group()
    register(group)
    return lambda *args: CliRunner().invoke(group, ["calc", *args])


FS_ARGS = ["--slope-deg", "35", "--friction-deg", "32", "--cohesion-pa", "2000", "--soil-depth-m", "1.5",
           "--soil-density", "2000", "--wetness", "0.8"]
SI_ARGS = ["--slope-deg", "35", "--area-m", "700", "--c-min", "0", "--c-max", "0.25", "--phi-min", "30",
           "--phi-max", "45", "--tr-min", "2000", "--tr-max", "3000"]


def test_calc_fs_json(run):
    res = run("fs", *FS_ARGS, "--root-cohesion-pa", "1000", "--surcharge-pa", "500", "--density-ratio", "0.45",
              "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["factor_of_safety"] == pytest.approx(float(factor_of_safety(
        35, 32, 2000, 1.5, 2000, 0.8, density_ratio=0.45, root_cohesion_pa=1000, surcharge_pa=500)), rel=1e-12)


def test_calc_fs_text(run):
    res = run("fs", *FS_ARGS)
    assert res.exit_code == 0 and res.output.startswith("factor of safety 0.654")


def test_calc_sinmap_si_json(run):
    # SI for this cell from SINMAP 1.0's sindexcell (see test_slope_stability.SINMAP_ORACLE): 0.618101520580.
    res = run("sinmap-si", *SI_ARGS, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["stability_index"] == pytest.approx(0.618101520580, abs=1e-10)
    assert out["stability_class"] == "lower_threshold"


@pytest.mark.parametrize(("cmd", "args", "option"), [
    ("fs", [*FS_ARGS[:7], "-1.5", *FS_ARGS[8:]], "--soil-depth-m -1.5"),
    ("fs", [*FS_ARGS[:-1], "1.5"], "--wetness 1.5"),
    ("fs", [*FS_ARGS, "--density-ratio", "-0.1"], "--density-ratio -0.1"),
    ("sinmap-si", [*SI_ARGS[:5], "0.3", *SI_ARGS[6:]], "--c-min 0.3 is greater than --c-max 0.25"),
    ("sinmap-si", [*SI_ARGS[:15], "1000"], "--tr-min 2000 is greater than --tr-max 1000"),
])
def test_bad_input_is_one_clear_line(run, cmd, args, option):
    res = run(cmd, *args)
    assert isinstance(res.exception, InvalidInput)
    msg = str(res.exception)
    assert option in msg and "\n" not in msg


def test_spec_is_sound():
    assert SPEC.id == "slope_stability" and SPEC.problems() == []
    names = {v.name for v in SPEC.outputs}
    assert {"soil__factor_of_safety", "soil__stability_index", "soil__probability_of_failure",
            "soil__probability_of_saturation", "soil__mean_relative_wetness"} <= names


def test_compute_returns_every_output_and_accepts_dataarrays():
    import xarray as xr

    slope = xr.DataArray(np.array([[20.0, 35.0], [42.0, np.nan]]), dims=("y", "x"))
    area = np.array([[300.0, 700.0], [2000.0, 10.0]])
    from minewatch.geomodels.slope_stability.montecarlo import landlab_preset

    mc = dict(iterations=20, **landlab_preset(cohesion_min_pa=500, cohesion_mode_pa=1000, cohesion_max_pa=2000,
                                               friction_deg=32, thickness_m=1.5, transmissivity_m2_day=10))
    out = compute(slope, area, sinmap=dict(c_min=0, c_max=0.25, phi_min_deg=30, phi_max_deg=45, tr_min_m=2000,
                                           tr_max_m=3000), monte_carlo=mc, rng=np.random.default_rng(0))
    assert {v.name for v in SPEC.outputs} == set(out)
    assert all(isinstance(v, xr.DataArray) and v.dims == ("y", "x") for v in out.values())
    si, _ = sinmap_stability_index(35.0, 700.0, 0, 0.25, 30, 45, 2000, 3000)
    assert float(out["soil__stability_index"][0, 1]) == pytest.approx(float(si))
    assert np.isnan(out["soil__factor_of_safety"][1, 1]) and np.isnan(out["soil__stability_index"][1, 1])


def test_tool_writes_geotiffs(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    from minewatch.adapters.rasters import read_raster

    profile = dict(driver="GTiff", width=3, height=2, count=1, dtype="float32", crs="EPSG:32651",
                   transform=from_origin(500000, 1600020, 10, 10), nodata=-9999.0)
    slope = np.array([[20, 30, 40], [25, 35, -9999]], dtype="float32")
    area = np.array([[100, 200, 300], [400, 500, 600]], dtype="float32")
    for name, arr in (("slope.tif", slope), ("sca.tif", area)):
        with rasterio.open(tmp_path / name, "w", **profile) as dst:
            dst.write(arr, 1)
    paths = tool(tmp_path / "slope.tif", tmp_path / "sca.tif", tmp_path / "out", cohesion_pa=2000.0,
                 friction_deg=32.0, thickness_m=1.5)
    assert set(paths) >= {"soil__factor_of_safety", "soil__relative_wetness"}
    fs = read_raster(paths["soil__factor_of_safety"]).values
    w = np.minimum(0.05 * area / (10.0 * np.sin(np.radians(slope.astype(float)))), 1.0)
    expected = factor_of_safety(slope.astype(float), 32.0, 2000.0, 1.5, 2000.0, w)
    np.testing.assert_allclose(fs[:, :2], expected[:, :2], rtol=1e-6)
    assert np.isnan(fs[1, 2])
