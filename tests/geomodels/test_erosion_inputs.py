"""R, K, C and P from what users have (geomodels/erosion/inputs.py) and the staged run (erosion/run.py).

Expected values: where no published figure exists for the input used, the value is derived here from the
cited equation, written out independently of ``factors.py`` (and the test says so). Conversion factors:
R x 17.02 and K x 0.1317 (US customary -> SI), Renard et al. (1997) USDA Agriculture Handbook 703, Appendix A.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import rasterio
from rasterio.crs import CRS
from rasterio.transform import Affine

from minewatch.errors import InvalidInput
from minewatch.geomodels.erosion import compute
from minewatch.geomodels.erosion import inputs as I
from minewatch.geomodels.erosion.cover import cover_class
from minewatch.geomodels.erosion.run import STAGES, run_erosion

N = 40
DX = 10.0
TRANSFORM = Affine(DX, 0, 500000.0, 0, -DX, 1600000.0 + N * DX)


def _write(path, values, *, transform=TRANSFORM, crs="EPSG:32651", nodata=-9999.0, dtype="float32"):
    values = np.asarray(values)
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0], count=1,
                       dtype=dtype, crs=CRS.from_string(crs), transform=transform, nodata=nodata) as dst:
        dst.write(values.astype(dtype), 1)
    return str(path)


def _dem(n=N) -> np.ndarray:
    """A south-facing 20 % plane with a valley along the middle column and a little fixed-seed noise."""
    rows, cols = np.mgrid[0:n, 0:n]
    noise = np.random.default_rng(3).normal(0, 0.02, (n, n))
    return 0.2 * DX * (n - rows) + 0.5 * np.abs(cols - n / 2) + noise


@pytest.fixture
def grid(tmp_path):
    return I.read_dem(_write(tmp_path / "dem.tif", _dem()))


# ----------------------------------------------------------------------------------------------- R


def test_erosivity_constant_and_us_units():
    assert I.erosivity_input(erosivity="4000").values == 4000.0
    r = I.erosivity_input(erosivity=250.0, units="us")  # AH703 Appendix A: x 17.02
    assert r.values == pytest.approx(250.0 * 17.02, rel=1e-12)
    assert r.source["units_given"].startswith("hundreds of ft tonf") and "17.02" in r.source["conversion"]


@pytest.mark.parametrize("p_mm", [600.0, 1200.0])
def test_erosivity_annual_follows_renard_freimund(p_mm):
    # derived from the equation (Renard & Freimund 1994; reference/hazards.md 3.1), no published figure used
    expected = 0.0483 * p_mm**1.61 if p_mm <= 850 else 587.8 - 1.219 * p_mm + 0.004105 * p_mm**2
    r = I.erosivity_input(annual_mm=str(p_mm))
    assert r.values == pytest.approx(expected, rel=1e-12)
    assert r.findings == () and r.source["method"] == "renard-freimund-annual"


@pytest.mark.parametrize(("p_mm", "code"), [(2500.0, "erosivity.annual_mm_above_range"),
                                             (50.0, "erosivity.annual_mm_below_range")])
def test_erosivity_annual_outside_range_is_a_plain_words_warning(p_mm, code):
    r = I.erosivity_input(annual_mm=p_mm)
    assert [f.code for f in r.findings] == [code]
    f = r.findings[0]
    assert f.severity == "warning" and "range" in f.reason and f"{p_mm:g} mm" in f.reason


def test_erosivity_annual_raster_counts_the_cells_outside_the_range(tmp_path, grid):
    p = np.full((N, N), 1000.0)
    p[:2, :] = 2400.0
    p[5, 5] = -9999.0  # nodata
    r = I.erosivity_input(annual_mm=_write(tmp_path / "p.tif", p), grid=grid)
    assert np.isnan(r.values[5, 5])
    assert r.values[10, 10] == pytest.approx(587.8 - 1.219 * 1000 + 0.004105 * 1000**2, rel=1e-12)  # derived
    assert [(f.code, f.value) for f in r.findings] == [("erosivity.annual_mm_above_range", "80 cells, 2400 to 2400")]


def test_erosivity_monthly_fournier():
    months = [10, 20, 40, 80, 150, 200, 180, 120, 60, 30, 15, 5]
    f = sum(m * m for m in months) / sum(months)  # modified Fournier index, derived here
    expected = 0.7397 * f**1.847 if f < 55 else 95.77 - 6.081 * f + 0.4770 * f**2
    r = I.erosivity_input(monthly_mm=",".join(map(str, months)))
    assert r.source["fournier_index_mm"] == pytest.approx(f, rel=1e-12)
    assert r.values == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "exactly one of --erosivity"),
    ({"erosivity": 10, "annual_mm": 900}, "got --erosivity, --annual-mm"),
    ({"monthly_mm": "1,2,3"}, "12 monthly totals needed"),
    ({"monthly_mm": "10,10,10,10,10,-1,10,10,10,10,10,10"}, "month 6 is -1 mm"),
    ({"monthly_mm": "a,b"}, "give 12 numbers"),
    ({"erosivity": "-5"}, "negative factor"),
    ({"erosivity": "nowhere.tif"}, "neither a number nor an existing raster"),
    ({"erosivity": 1, "units": "cgs"}, "use si or us"),
])
def test_erosivity_errors(kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        I.erosivity_input(**kwargs)


def test_negative_erosivity_raster_is_named_with_its_cells(tmp_path, grid):
    values = np.full((N, N), 3000.0)
    values[0, :3] = -1.0
    path = _write(tmp_path / "r.tif", values)
    with pytest.raises(InvalidInput, match=r"r\.tif: 3 cell\(s\) below 0, lowest -1"):
        I.erosivity_input(erosivity=path, grid=grid)


# ----------------------------------------------------------------------------------------------- K


def _epic(san, sil, cla, c):
    """Williams (1995) EPIC K, written out here (SWAT 2009 theory eq. 4:1.1.5-9, coefficient 0.0256)."""
    f_csand = 0.2 + 0.3 * math.exp(-0.0256 * san * (1 - sil / 100))
    f_clsi = (sil / (cla + sil)) ** 0.3
    f_orgc = 1 - 0.25 * c / (c + math.exp(3.72 - 2.95 * c))
    sn1 = 1 - san / 100
    f_hisand = 1 - 0.7 * sn1 / (sn1 + math.exp(-5.51 + 22.9 * sn1))
    return f_csand * f_clsi * f_orgc * f_hisand


def test_erodibility_from_texture_is_epic():
    # derived from the equation; factors.k_epic_williams has its own published-figure tests
    k = I.erodibility_input(sand_pct=40, silt_pct=40, clay_pct=20, organic_carbon_pct=2.0)
    assert k.source["k_us"] == pytest.approx(_epic(40, 40, 20, 2.0), rel=1e-12)
    assert k.values == pytest.approx(0.1317 * _epic(40, 40, 20, 2.0), rel=1e-12)
    assert k.units == "t ha h ha-1 MJ-1 mm-1"


def test_erodibility_us_units():
    assert I.erodibility_input(erodibility="0.3", units="us").values == pytest.approx(0.3 * 0.1317, rel=1e-12)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "exactly one of --erodibility"),
    ({"erodibility": 0.02, "sand_pct": 30}, "got --erodibility, --sand"),
    ({"sand_pct": 30, "silt_pct": 40, "clay_pct": 30}, "missing --organic-carbon"),
    ({"sand_pct": 30, "silt_pct": 40, "clay_pct": 20, "organic_carbon_pct": 1}, "= 90 %"),
    ({"sand_pct": 130, "silt_pct": -20, "clay_pct": -10, "organic_carbon_pct": 1}, "--sand 130 %"),
    ({"erodibility": -0.01}, "negative factor"),
    ({"soil": "clay loam"}, "not supported.*no sand/silt/clay fractions"),
    ({"soil": "moon dust"}, "unknown soil texture class"),
])
def test_erodibility_errors(kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        I.erodibility_input(**kwargs)


# -------------------------------------------------------------------------------------------- C, P


def test_cover_class_and_synonym():
    cov = I.cover_input(landcover="relaves")
    assert (cov.c_factor, cov.p_factor) == (cover_class("tailings").usle_c, cover_class("tailings").usle_p)
    assert [f.code for f in cov.findings] == ["cover.provisional"]  # tailings C is provisional in the table
    assert I.cover_input(landcover="forest").findings == ()  # forest is read from a published table


def test_cover_legend_maps_codes(tmp_path, grid):
    codes = np.ones((N, N))
    codes[:, 20:] = 2
    codes[0, 0] = -9999  # nodata
    raster = _write(tmp_path / "lc.tif", codes)
    legend = tmp_path / "legend.csv"
    legend.write_text("code,class\n1,Forêt\n2,bare soil\n7,grass\n")
    cov = I.cover_input(landcover=raster, legend=legend, grid=grid)
    assert np.isnan(cov.c_factor[0, 0])
    assert cov.c_factor[5, 5] == 0.003 and cov.c_factor[5, 30] == 1.0 and np.all(cov.p_factor[1:] == 1.0)
    assert [c["code"] for c in cov.source["classes"]] == [1, 2]


@pytest.mark.parametrize(("text", "message"), [
    ("code,class\n1,forest\n2,banana\n", r"legend\.csv line 3, column class, value 'banana': code 2 names a class "
                                         "unknown to the C/P table erosion_cover.csv"),
    ("code,class\n1,forest\n1.5,grass\n", r"legend\.csv line 3, column code, value '1.5': not an integer"),
    ("code,class\n1,forest\n1,grass\n", r"legend\.csv line 3, column code, value '1': given twice"),
    ("code,class\nx,forest\n", r"legend\.csv line 2, column code, value 'x': not an integer"),
    ("code,class\n1,\n", r"legend\.csv line 2, column class, value '': empty"),
    ("value,name\n1,forest\n", r"legend\.csv line 1: a legend needs the columns code,class"),
])
def test_bad_legend_rows_name_file_line_column_value(tmp_path, text, message):
    legend = tmp_path / "legend.csv"
    legend.write_text(text)
    with pytest.raises(InvalidInput, match=message):
        I.read_cover_legend(legend)


def test_raster_code_missing_from_legend(tmp_path, grid):
    codes = np.ones((N, N))
    codes[3, 3] = 9
    legend = tmp_path / "legend.csv"
    legend.write_text("code,class\n1,forest\n")
    with pytest.raises(InvalidInput, match=r"code\(s\) 9 not in the legend"):
        I.cover_input(landcover=_write(tmp_path / "lc.tif", codes), legend=legend, grid=grid)


@pytest.mark.parametrize(("text", "message"), [
    ("lucode,usle_c,usle_p\n1,0.1,1\n2,abc,1\n", r"bio\.csv line 3, column usle_c, value 'abc': not a number"),
    ("lucode,usle_c,usle_p\n1,0.1,-1\n", r"bio\.csv line 2, column usle_p, value '-1': must be a number >= 0"),
    ("lucode,usle_c,usle_p\n1,0.1,1\n1,0.2,1\n", r"bio\.csv line 3, column lucode, value '1': given twice"),
    ("lucode,usle_c\n1,0.1\n", r"bio\.csv line 1: missing column\(s\) usle_p"),
])
def test_bad_biophysical_rows(tmp_path, text, message):
    path = tmp_path / "bio.csv"
    path.write_text(text)
    with pytest.raises(InvalidInput, match=message):
        I.read_biophysical_table(path)


def test_biophysical_above_one_is_a_warning(tmp_path, grid):
    bio = tmp_path / "bio.csv"
    bio.write_text("lucode,description,usle_c,usle_p\n1,x,1.2,1\n")
    cov = I.cover_input(landcover=_write(tmp_path / "lc.tif", np.ones((N, N))), biophysical=bio, grid=grid)
    assert np.all(cov.c_factor == 1.2) and [f.code for f in cov.findings] == ["cover.above_one"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "give --landcover CLASS"),
    ({"landcover": "moonscape"}, "unknown land cover class 'moonscape' for C and P"),
    ({"landcover": "lc.tif", "legend": "a.csv", "biophysical": "b.csv"}, "not both"),
    ({"landcover": "missing.tif", "legend": "a.csv"}, "no such raster file"),
])
def test_cover_errors(kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        I.cover_input(**kwargs)


# ------------------------------------------------------------------------------------------- grids


def test_dem_checks(tmp_path):
    with pytest.raises(InvalidInput, match="every cell is nodata"):
        I.read_dem(_write(tmp_path / "nd.tif", np.full((N, N), -9999.0)))
    with pytest.raises(InvalidInput, match="geographic coordinates"):
        I.read_dem(_write(tmp_path / "geo.tif", _dem(), crs="EPSG:4326",
                          transform=Affine(0.001, 0, 10.0, 0, -0.001, 5.0)))
    with pytest.raises(InvalidInput, match="square cells"):
        I.read_dem(_write(tmp_path / "rect.tif", _dem(), transform=Affine(10, 0, 5e5, 0, -20, 1.6e6)))
    with pytest.raises(InvalidInput, match="band 2 does not exist"):
        I.read_dem(_write(tmp_path / "dem.tif", _dem()), band=2)


def test_grid_mismatch_is_named(tmp_path, grid):
    with pytest.raises(InvalidInput, match=r"not on the DEM's grid: 30 x 40 cells"):
        I.read_on_grid(_write(tmp_path / "small.tif", np.ones((30, N))), grid, "erodibility raster")
    shifted = Affine(DX, 0, 500005.0, 0, -DX, 1600000.0 + N * DX)
    with pytest.raises(InvalidInput, match=r"origin \(500005"):
        I.read_on_grid(_write(tmp_path / "shift.tif", np.ones((N, N)), transform=shifted), grid, "erosivity raster")
    with pytest.raises(InvalidInput, match="is in EPSG:32650"):
        I.read_on_grid(_write(tmp_path / "crs.tif", np.ones((N, N)), crs="EPSG:32650"), grid, "erosivity raster")


# ------------------------------------------------------------------------------------------ staged run


@pytest.mark.parametrize("convention", ["invest", "mccool"])
def test_staged_run_equals_compute_bit_for_bit(tmp_path, convention):
    dem = _dem().astype(np.float32)
    codes = np.where(np.arange(N)[None, :] < 15, 1, 2) * np.ones((N, 1))
    stages = []
    paths = run_erosion(_write(tmp_path / "dem.tif", dem), tmp_path / "out", annual_mm=1100,
                        sand_pct=30, silt_pct=50, clay_pct=20, organic_carbon_pct=1.0,
                        landcover=_write(tmp_path / "lc.tif", codes), biophysical=_bio(tmp_path),
                        ls_convention=convention, threshold_flow_accumulation=50,
                        on_stage=lambda s, d, t: stages.append((s, d, t)))
    assert stages == [(s, i + 1, len(STAGES)) for i, s in enumerate(STAGES)]
    r = I.erosivity_input(annual_mm=1100).values
    k = I.erodibility_input(sand_pct=30, silt_pct=50, clay_pct=20, organic_carbon_pct=1.0).values
    ref = compute(dem.astype(np.float64), erosivity=r, erodibility=k, c_factor=np.where(codes == 1, 0.003, 0.5),
                  p_factor=np.where(codes == 1, 1.0, 0.6), x_size=DX, y_size=-DX, ls_convention=convention,
                  threshold_flow_accumulation=50)
    for key in ("ls", "usle", "sed_export", "sdr_factor"):
        with rasterio.open(paths[f"{_csdms(key)}"]) as src:
            got = src.read(1, masked=True)
        want = np.ma.masked_invalid(ref[key].astype(got.dtype))
        assert np.array_equal(got.mask, want.mask), key
        assert np.array_equal(got.compressed(), want.compressed()), key


def test_no_sdr_skips_the_stage(tmp_path):
    stages = []
    paths = run_erosion(_write(tmp_path / "dem.tif", _dem()), tmp_path / "out", erosivity=3000, erodibility=0.03,
                        landcover="grass", sdr_outputs=False, on_stage=lambda s, d, t: stages.append((s, t)))
    assert stages == [(s, 5) for s in STAGES if s != "SDR"]
    assert "sediment__export_rate" not in paths and not (tmp_path / "out" / "sed_export.tif").exists()


def _bio(tmp_path):
    path = tmp_path / "bio.csv"
    path.write_text("lucode,description,usle_c,usle_p\n1,forest,0.003,1\n2,terraced crop,0.5,0.6\n")
    return path


def _csdms(key: str) -> str:
    from minewatch.geomodels.erosion.compute import OUTPUTS

    return OUTPUTS[key]
