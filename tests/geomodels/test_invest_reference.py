"""The committed InVEST 3.20.2 SDR reference outputs (tests/data/invest_sdr_500) and their input builder.

The files come from ``bench/make_invest_reference.py`` (InVEST run in its own venv); this module checks,
without InVEST, that they are readable and on the right grid, that they match the statistics recorded in
``run.json`` and the published run of reference/hazards.md section 4.4, that they agree with each other
through the equations of hazards.md 4.1 (usle = R K LS C P off streams; sed_export = usle x SDR), and that
``bench/erosion_inputs.py`` still builds the inputs InVEST was given (SHA-256 of each array). The
pixel-by-pixel comparison of minewatch's own model against these files lives with that model's tests.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import rasterio

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "invest_sdr_500"
N = 500

# reference/hazards.md 4.4 as printed, the table bench/make_invest_reference.py checks InVEST's run against
# hazards.md 4.4: usle by land cover (mean, t/ha/yr), 3 decimals as printed
HAZARDS_44_USLE_BY_LULC = {1: 4.568, 2: 47.275, 3: 56.718, 4: 1571.952, 5: 1142.583}
F32_EPS = 2.0**-24  # relative rounding of float64 -> float32


def _bench(name: str):
    """A script of bench/ (not a package) loaded by its path."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def inputs_mod():
    return _bench("erosion_inputs")


@pytest.fixture(scope="module")
def run():
    return json.loads((DATA / "run.json").read_text())


def _read(name: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """(values as float64, valid mask, profile) of a committed file."""
    with rasterio.open(DATA / f"{name}.tif") as src:
        a = src.read(1)
        profile = src.profile
    valid = np.isfinite(a) if profile["nodata"] is None else np.isfinite(a) & (a != profile["nodata"])
    return a.astype(np.float64), valid, profile


def _stats(a: np.ndarray, valid: np.ndarray) -> dict:
    v = a[valid]
    return {"valid_px": int(v.size), "mean": float(v.mean()), "median": float(np.median(v)),
            "p95": float(np.percentile(v, 95)), "min": float(v.min()), "max": float(v.max())}


def test_committed_files_are_readable_on_the_reference_grid(run, inputs_mod):
    names = ("ls", "usle", "sed_export", "stream", "flow_accumulation", "flow_direction", "slope", "sdr_factor",
             "d_up", "d_dn", "pit_filled_dem")
    assert set(run["files"]) == {f"{k}.tif" for k in names}
    for fname, meta in run["files"].items():
        with rasterio.open(DATA / fname) as src:
            assert (src.height, src.width) == (N, N)
            assert src.crs.to_epsg() == 32651
            assert src.transform.to_gdal() == pytest.approx(inputs_mod.transform_tuple(N))
            assert src.dtypes[0] == meta["dtype"]
            assert src.nodata == meta["nodata"]
            assert src.compression.name.lower() == "deflate"
    assert run["total_bytes"] == sum((DATA / f).stat().st_size for f in run["files"]) < 8_000_000


def test_committed_files_match_run_json(run):
    for fname, meta in run["files"].items():
        a, valid, _ = _read(fname[:-4])
        got, want = _stats(a, valid), meta["stats"]
        assert got["valid_px"] == want["valid_px"], fname
        for k in ("mean", "median", "p95", "min", "max"):
            assert got[k] == pytest.approx(want[k], rel=1e-12), (fname, k)
        # against InVEST's own file before the float32 copy (rounding only)
        inv = run["invest_stats"].get(fname[:-4])
        if inv is not None:
            assert got["valid_px"] == inv["valid_px"], fname
            assert meta["max_rel_rounding"] <= F32_EPS
            for k in ("mean", "median", "p95", "min", "max"):
                assert got[k] == pytest.approx(inv[k], rel=2 * F32_EPS, abs=1e-30), (fname, k)


def test_run_matches_published_hazards_44(run):
    # reference/hazards.md 4.4 table; tolerance = half a unit of its last printed digit
    table = _bench("make_invest_reference")
    for name, expected in table.HAZARDS_44.items():
        got = run["invest_stats"][name]
        assert got["valid_px"] == expected["valid_px"], name
        for k in ("mean", "median", "p95", "min", "max"):
            assert abs(got[k] - expected[k]) <= 0.5e-4 * 1.0001, (name, k, got[k])
    totals = run["watershed_totals"]["1"]
    for k, v in table.HAZARDS_44_WATERSHED.items():
        assert abs(totals[k] - v) <= 0.5e-2 * 1.0001, (k, totals[k])
    assert run["versions"]["natcap.invest"] == "3.20.2"
    assert run["args"]["threshold_flow_accumulation"] == 1000 and run["args"]["flow_dir_algorithm"] == "MFD"


def test_builder_reproduces_recorded_input_hashes(run, inputs_mod):
    assert inputs_mod.input_hashes(N) == run["input_builder"]["sha256"]


def test_written_inputs_match_builder_and_invest_dem(run, inputs_mod, tmp_path):
    paths = inputs_mod.write_inputs(tmp_path, N)
    arrays = inputs_mod.build_arrays(N)
    for key, name in [("dem_path", "dem"), ("erosivity_path", "erosivity"), ("erodibility_path", "erodibility"),
                      ("lulc_path", "lulc")]:
        with rasterio.open(paths[key]) as src:
            a = src.read(1)
            assert src.transform.to_gdal() == pytest.approx((500000.0, 10.0, 0.0, 1605000.0, 0.0, -10.0))
            assert src.crs.to_epsg() == 32651
        assert inputs_mod.array_sha256(a) == run["input_builder"]["sha256"][name]
        np.testing.assert_array_equal(a, arrays[name])
    # the DEM InVEST filled has no pits: its pit-filled DEM is the builder's DEM, pixel for pixel
    assert run["pixels_where_pit_filled_dem_differs_from_dem"] == 0
    pit, _, _ = _read("pit_filled_dem")
    np.testing.assert_array_equal(pit, arrays["dem"].astype(np.float64))
    assert paths["biophysical_table_path"].read_text().splitlines() == [
        "lucode,description,usle_c,usle_p", "1,forest,0.003,1", "2,shrub,0.03,1", "3,grassland,0.05,1",
        "4,bare_soil,1.0,1", "5,mine_spoil,0.8,1"]
    from pyogrio import read_info
    from pyogrio.raw import read

    info = read_info(paths["watersheds_path"], layer="watersheds")
    assert info["features"] == 1 and list(info["fields"]) == ["ws_id"] and info["crs"] == "EPSG:32651"
    _, _, geometry, fields = read(paths["watersheds_path"], layer="watersheds")
    from shapely import from_wkb

    assert from_wkb(geometry[0]).bounds == (500000.0, 1600000.0, 505000.0, 1605000.0)
    assert int(fields[0][0]) == 1


def test_lulc_layout_and_scaling(inputs_mod):
    # reference/hazards.md 4.4 layout; counts derived from the stated blocks applied in order
    lulc = inputs_mod.make_lulc(500)
    counts = {c: int((lulc == c).sum()) for c in range(1, 6)}
    assert counts == {3: 100 * 500, 2: 400 * 100, 4: 40 * 200, 5: 100 * 100,
                      1: 250000 - 50000 - 40000 - 8000 - 10000}
    big = inputs_mod.make_lulc(4000)  # every edge x 8: each 500-grid cell becomes an 8 x 8 block
    np.testing.assert_array_equal(big[::8, ::8], lulc)
    np.testing.assert_array_equal(big, np.kron(lulc, np.ones((8, 8), dtype=np.int32)))


def test_files_agree_through_the_sdr_equations(inputs_mod):
    # Streams: InVEST 3.20 sdr.py calls pygeoprocessing.routing.extract_streams_mfd(..., threshold=1000,
    # trace_threshold_proportion=0.7): streams are traced upstream from outlets and also take pixels with
    # 700 <= accumulation < 1000 lying downstream of a >= 1000 pixel, so stream = (acc >= 1000) does NOT
    # hold (hazards.md 4.1 simplifies); here every acc >= 1000 pixel is a stream and no stream has acc < 700.
    # reference/hazards.md 4.1: usle NoData on streams; usle = R K LS C P (R = 8000, K = 0.03, P = 1);
    # sed_export = usle x SDR. Values derived from these equations with the committed factors.
    stream, _, _ = _read("stream")
    facc, _, _ = _read("flow_accumulation")
    ls, _, _ = _read("ls")
    usle, usle_ok, _ = _read("usle")
    sdr, sdr_ok, _ = _read("sdr_factor")
    sed, sed_ok, _ = _read("sed_export")
    assert np.all(stream[facc >= 1000] == 1)
    assert np.all(facc[stream == 1] >= 700)
    assert np.any((stream == 1) & (facc < 1000))  # traced pixels exist: the simple rule would miss them
    np.testing.assert_array_equal(usle_ok, stream == 0)
    lulc = inputs_mod.make_lulc(N)
    c = np.zeros(6)
    for code, _, uc, _ in inputs_mod.BIOPHYSICAL:
        c[code] = uc
    expected = 8000.0 * 0.03 * ls * c[lulc]
    rel = np.abs(usle[usle_ok] - expected[usle_ok]) / expected[usle_ok]
    assert rel.max() < 4 * F32_EPS  # two float32 roundings (ls copy, InVEST's float32 usle)
    both = usle_ok & sdr_ok
    np.testing.assert_array_equal(sed_ok, both)
    rel = np.abs(sed[both] - usle[both] * sdr[both]) / (usle[both] * sdr[both])
    assert rel.max() < 4 * F32_EPS
    means = {code: float(usle[usle_ok & (lulc == code)].mean()) for code in range(1, 6)}
    for code, published in HAZARDS_44_USLE_BY_LULC.items():  # hazards.md 4.4, 3 decimals
        assert abs(means[code] - published) <= 0.5e-3 * 1.0001, (code, means[code])
