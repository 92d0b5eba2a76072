"""InVEST 3.20.2 compatibility of the erosion geomodel, pixel by pixel, plus the equation checks.

Reference: tests/data/invest_sdr_500 (InVEST 3.20.2 SDR on the inputs of reference/hazards.md 4.4,
built by bench/erosion_inputs.py and run by bench/make_invest_reference.py; versions in run.json).
Acceptance (issue 9): ls and usle within 1e-5 relative, sed_export within 1e-4, where both are valid,
and the valid masks equal.
"""

from __future__ import annotations

import csv
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import pyogrio.raw
import rasterio
import shapely
from rasterio.transform import Affine

from minewatch.geomodels.erosion import SPEC, compute, tool
from minewatch.geomodels.erosion.compute import ls_mccool
from minewatch.geomodels.erosion.sdr import ls_invest, sdr_factor

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "invest_sdr_500"


def _inputs_module():
    spec = importlib.util.spec_from_file_location("bench_erosion_inputs", REPO / "bench" / "erosion_inputs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(n: int, ls_convention: str = "invest") -> dict[str, np.ndarray]:
    mod = _inputs_module()
    a = mod.build_arrays(n)
    lulc = a["lulc"]
    c = np.full(lulc.shape, np.nan)
    p = np.full(lulc.shape, np.nan)
    for code, _name, usle_c, usle_p in mod.BIOPHYSICAL:
        c[lulc == code] = usle_c
        p[lulc == code] = usle_p
    return compute(a["dem"].astype(np.float64), erosivity=a["erosivity"].astype(np.float64),
                   erodibility=a["erodibility"].astype(np.float64), c_factor=c, p_factor=p,
                   x_size=mod.DX, y_size=-mod.DX, ls_convention=ls_convention)


@pytest.fixture(scope="module")
def ours():
    return _run(500)


def _reference(name: str) -> np.ma.MaskedArray:
    with rasterio.open(DATA / f"{name}.tif") as src:
        return src.read(1, masked=True)


# The intermediates are committed as float32 (README.md there), so they can only agree to float32
# rounding (2^-24 relative, 6e-8); the acceptance outputs carry the tolerances.
F32_ROUNDING = 2.0**-23


@pytest.mark.parametrize(("name", "rtol"), [("ls", 1e-5), ("usle", 1e-5), ("sed_export", 1e-4),
                                            ("slope", F32_ROUNDING), ("flow_accumulation", F32_ROUNDING),
                                            ("d_up", F32_ROUNDING), ("d_dn", F32_ROUNDING),
                                            ("sdr_factor", F32_ROUNDING)])
def test_matches_invest_pixel_by_pixel(ours, name, rtol):
    ref = _reference(name)
    mine = np.asarray(ours[name], dtype=np.float64)
    ref_valid = ~np.ma.getmaskarray(ref)
    np.testing.assert_array_equal(~np.isnan(mine), ref_valid)
    r = ref.data[ref_valid].astype(np.float64)
    m = mine[ref_valid]
    np.testing.assert_array_equal(m[r == 0], 0.0)
    rel = np.abs(m[r != 0] - r[r != 0]) / np.abs(r[r != 0])
    assert rel.max() < rtol


@pytest.mark.parametrize("name", ["flow_direction", "stream"])
def test_integer_rasters_equal_invest(ours, name):
    np.testing.assert_array_equal(ours[name], _reference(name).data)


def test_ls_invest_follows_hazards_33_equation():
    # value derived here from the equation of reference/hazards.md 3.3 (no published figure)
    pct, a, d = 12.0, 37.0, 10.0
    t = math.atan(pct / 100)
    beta = (math.sin(t) / 0.0896) / (3 * math.sin(t) ** 0.8 + 0.56)
    m = beta / (1 + beta)
    a_in = math.sqrt((a - 1) * d * d)
    x = abs(math.sin(t)) + abs(math.cos(t))
    length = ((a_in + d * d) ** (m + 1) - a_in ** (m + 1)) / (d ** (m + 2) * x**m * 22.13**m)
    expected = length * (16.8 * math.sin(t) - 0.5)
    got = ls_invest(np.array([pct], np.float32), np.array([a]), d)[0]
    assert got == pytest.approx(expected, rel=1e-6)


def test_sdr_is_half_of_sdr_max_at_ic0_and_one_on_streams():
    # Vigiak et al. (2012) eq. SDR = SDR_max / (1 + exp((IC0 - IC) / k)): IC = IC0 gives SDR_max / 2
    out = sdr_factor(np.array([0.5, -3.0], np.float32), np.array([0, 1], np.uint8), k=2.0, ic0=0.5, sdr_max=0.8)
    assert out[0] == pytest.approx(0.4, rel=1e-7)
    assert out[1] == 1.0


def _plane(n: int, d: float, tan: float, south: float, east: float) -> np.ndarray:
    rows, cols = np.mgrid[0:n, 0:n]
    return 100.0 - tan * d * (south * rows + east * cols)


def test_mccool_ls_without_upslope_area_on_unit_plot_cells_is_mccool_s():
    # A cell with nothing upslope, D = 22.13 m, facing south (x = 1): Desmet-Govers L = (D / 22.13)^m = 1,
    # so LS = S = 16.8 sin(atan 0.12) - 0.5 (McCool et al. 1987; AH703 eq. 4-4b); value derived here.
    z = _plane(5, 22.13, 0.12, 1.0, 0.0)
    ls = ls_mccool(z, 22.13, -22.13)
    assert ls[0, 2] == pytest.approx(16.8 * math.sin(math.atan(0.12)) - 0.5, rel=1e-9)


def test_mccool_ls_uses_the_aspect_flow_width():
    # Same gradient facing south-east: x = |sin 135| + |cos 135| = sqrt 2, so for the top-left cell (no
    # upslope area) L is divided by sqrt(2)^m (Desmet & Govers 1996 eq. for L; value derived here).
    d, tan = 10.0, 0.2
    south = _plane(6, d, tan, 1.0, 0.0)
    se = _plane(6, d, tan / math.sqrt(2), 1.0, 1.0)
    t = math.atan(tan)
    beta = (math.sin(t) / 0.0896) / (3 * math.sin(t) ** 0.8 + 0.56)
    m = beta / (1 + beta)
    ratio = ls_mccool(se, d, -d)[0, 0] / ls_mccool(south, d, -d)[0, 2]
    assert ratio == pytest.approx(math.sqrt(2) ** -m, rel=1e-9)


def test_mccool_convention_changes_only_ls_usle_and_export():
    inv = _run(60)
    mc = _run(60, "mccool")
    np.testing.assert_array_equal(inv["sdr_factor"], mc["sdr_factor"])
    np.testing.assert_array_equal(np.isnan(inv["usle"]), np.isnan(mc["usle"]))
    assert not np.allclose(inv["ls"], mc["ls"])


def test_tool_writes_invest_named_files_and_watershed_totals(tmp_path):
    mod = _inputs_module()
    n = 60
    a = mod.build_arrays(n)
    prof = {"driver": "GTiff", "height": n, "width": n, "count": 1, "crs": f"EPSG:{mod.EPSG}",
            "transform": Affine(mod.DX, 0, mod.X0, 0, -mod.DX, mod.Y0 + n * mod.DX)}
    for name, nodata in (("dem", -9999.0), ("lulc", -1)):
        with rasterio.open(tmp_path / f"{name}.tif", "w", dtype=a[name].dtype, nodata=nodata, **prof) as dst:
            dst.write(a[name], 1)
    table = {code: (c, p) for code, _name, c, p in mod.BIOPHYSICAL}
    # one watershed: the northern half of the grid (cells whose centres lie inside)
    x0, y1 = mod.X0, mod.Y0 + n * mod.DX
    half = shapely.box(x0, y1 - n * mod.DX / 2, x0 + n * mod.DX, y1)
    pyogrio.raw.write(tmp_path / "ws.gpkg", np.array([shapely.to_wkb(half)], dtype=object), [np.array([7])],
                      fields=["ws_id"], crs=f"EPSG:{mod.EPSG}", geometry_type="Polygon", driver="GPKG")
    out = tool(tmp_path / "dem.tif", tmp_path / "out", erosivity=mod.EROSIVITY, erodibility=mod.ERODIBILITY,
               landcover=tmp_path / "lulc.tif", biophysical=table, watersheds=tmp_path / "ws.gpkg")
    assert {v.name for v in SPEC.outputs} <= set(out)
    with rasterio.open(out["soil__erosion_rate"]) as src:
        written = src.read(1, masked=True).filled(np.nan)
    assert Path(out["soil__erosion_rate"]).name == "usle.tif"
    assert np.isnan(written[n // 2:]).all() and (~np.isnan(written[: n // 2])).any()
    with open(out["watershed__totals"], encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ha = mod.DX * mod.DX / 10000.0
    assert float(rows[0]["usle_tot_t_yr"]) == pytest.approx(float(np.nansum(written.astype(np.float64))) * ha,
                                                            rel=1e-12)


def test_harder_case_with_holes_pits_and_flats_equals_invest(tmp_path):
    """Nodata holes and corner, pits, a plateau and nodata land cover (tests/data/invest_sdr_hard/README.md):
    pit filling, flat routing and the slope's nodata fall-backs as InVEST 3.20.2 computes them. The issue's
    limits (ls and usle relative 1e-5, sed_export 1e-4); the valid masks and the stream mask are equal."""
    from minewatch.geomodels.erosion import tool

    ref = Path(__file__).resolve().parents[1] / "data" / "invest_sdr_hard"
    paths = tool(ref / "dem.tif", tmp_path, erosivity=8000.0, erodibility=0.03, landcover=ref / "lulc.tif",
                 biophysical=ref / "biophysical.csv", threshold_flow_accumulation=60)

    def read(path):
        with rasterio.open(path) as src:
            return src.read(1, masked=True)

    for name, key, limit in (("ls", "soil_erosion__length_slope_factor", 1e-5), ("usle", "soil__erosion_rate", 1e-5),
                             ("sed_export", "sediment__export_rate", 1e-4)):
        theirs, ours = read(ref / f"{name}.tif"), read(paths[key])
        assert np.array_equal(theirs.mask, ours.mask), name
        valid = ~theirs.mask
        assert valid.sum() > 20_000, name
        rel = np.abs(ours.data[valid].astype(float) - theirs.data[valid]) / np.abs(theirs.data[valid].astype(float))
        assert rel.max() < limit, (name, rel.max())
    assert np.array_equal(read(ref / "stream.tif").filled(255), read(paths["channel__mask"]).filled(255))
