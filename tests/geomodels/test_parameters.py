"""Parameter tables (geomodels.parameters): loading, validation, conversions, class and raster lookups.

The table values are those of reference/hazards.md 6.1 and 6.2. The friction angles, cohesions, unit
weights and root cohesions are [MEM] (unverified against the primary papers in this project): every row
is therefore flagged provisional with its named source. The saturated conductivities are Rawls,
Brakensiek & Saxton (1982) Table 2's class means, checked against an independent transcription (DSSAT's
dssatR ``get_ksat``, in cm/h). These tests verify the tables are what the sources say, converted exactly.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from minewatch.errors import InvalidInput
from minewatch.geomodels import parameters as P

# reference/hazards.md 6.2, column "Ksat (mm/h, Rawls et al. 1982)", which rounds three of them (61, 26, 13);
# the same class means in cm/h are in
# dssatR's get_ksat (https://rdrr.io/github/palderman/dssatR/src/R/get_ksat.r): 21, 6.11, 2.59, 1.32, 0.68,
# 0.43, 0.23, 0.15, 0.12, 0.09, 0.06 (sand ... clay), i.e. these values / 10
RAWLS_MM_H = {"sand": "210", "loamy sand": "61.1", "sandy loam": "25.9", "loam": "13.2", "silt loam": "6.8",
              "sandy clay loam": "4.3", "clay loam": "2.3", "silty clay loam": "1.5", "sandy clay": "1.2",
              "silty clay": "0.9", "clay": "0.6"}


def test_packaged_tables_load_and_every_row_is_sourced_and_provisional():
    soil, cover = P.load_soil_table(), P.load_landcover_table()
    assert set(soil.classes) == set(RAWLS_MM_H)
    assert {"bare", "spoil heap", "tailings", "grass", "vetiver", "young plantation", "established plantation",
            "natural forest"} == set(cover.classes)
    for cls in [*soil.classes.values(), *cover.classes.values()]:
        assert cls.source and cls.provisional, cls.name  # all from [MEM] entries of hazards.md
        assert "hazards.md" in cls.source or "Hengchaovanich" in cls.source


def test_soil_values_match_reference_table():
    # reference/hazards.md 6.2, rows "clay loam" (22-28 deg, 5-20 kPa, 17-20 kN/m3) and "sand".
    c = P.soil_class("clay loam")
    assert c.friction_deg == (22.0, 28.0) and c.cohesion_pa == (5000.0, 20000.0)
    assert c.unit_weight_kn_m3 == (17.0, 20.0)
    assert P.soil_class("sand").cohesion_pa == (0.0, 0.0)


@pytest.mark.parametrize("name", sorted(RAWLS_MM_H))
def test_rawls_ksat_conversion_is_exact(name):
    # 1 mm/h = 1e-3 m / 3600 s: m/s = mm/h / 3 600 000, one rounding from the exact rational.
    c = P.soil_class(name)
    assert c.ksat_mm_h == Fraction(RAWLS_MM_H[name])
    assert c.ksat_m_s == float(Fraction(RAWLS_MM_H[name]) / 3_600_000)
    assert c.ksat_m_day == float(Fraction(RAWLS_MM_H[name]) * 24 / 1000)


def test_ksat_equals_rawls_1982_class_means_in_cm_per_hour():
    # Rawls, Brakensiek & Saxton (1982) Table 2 as transcribed in dssatR get_ksat (cm/h), USDA class order.
    cm_h = dict(zip(["sand", "loamy sand", "sandy loam", "loam", "silt loam", "sandy clay loam", "clay loam",
                     "silty clay loam", "sandy clay", "silty clay", "clay"],
                    ["21", "6.11", "2.59", "1.32", "0.68", "0.43", "0.23", "0.15", "0.12", "0.09", "0.06"]))
    for name, value in cm_h.items():
        assert P.soil_class(name).ksat_mm_h == Fraction(value) * 10, name
        assert "dssatR" in P.soil_class(name).source


def test_loam_ksat_worked_values():
    # 13.2 mm/h = 3.6667e-6 m/s = 0.3168 m/day (hand arithmetic: 13.2/3.6e6, 13.2*24/1000).
    c = P.soil_class("loam")
    assert c.ksat_m_s == pytest.approx(3.6666666666667e-6, rel=1e-12)
    assert c.ksat_m_day == 0.3168


def test_density_from_unit_weight_uses_standard_gravity():
    lo, hi = P.soil_class("loam").density_kg_m3
    assert lo == pytest.approx(17000 / 9.80665, rel=1e-15) and hi == pytest.approx(19000 / 9.80665, rel=1e-15)


def test_landcover_values_match_reference_defaults():
    # reference/hazards.md 6.1 "practical design defaults": natural forest 10-25 kPa; grass 1-5 kPa top 0.3-0.5 m;
    # bare/spoil 0 kPa. Modes are the range midpoints (derived, stated in the table's source column).
    assert P.landcover_class("natural forest").root_cohesion_pa == (10000.0, 17500.0, 25000.0)
    g = P.landcover_class("grass")
    assert g.root_cohesion_pa == (1000.0, 3000.0, 5000.0) and g.rooting_depth_m == 0.3
    assert P.landcover_class("spoil heap").root_cohesion_pa == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(("given", "expected"), [
    ("Clay Loam", "clay loam"), ("clay_loam", "clay loam"), ("limon argileux", "clay loam"),
    ("franco arcilloso", "clay loam"), ("ARCILLA", "clay"), ("argile sableuse", "sandy clay"),
    ("Limon-Sableux", "sandy loam"),
])
def test_soil_synonyms(given, expected):
    assert P.soil_class(given).name == expected


@pytest.mark.parametrize(("given", "expected"), [
    ("pit", "bare"), ("forest", "natural forest"), ("Forêt", "natural forest"), ("bosque", "natural forest"),
    ("plantation", "established plantation"), ("spoil_heap", "spoil heap"), ("relaves", "tailings"),
    ("grass", "grass"), ("Vétiver", "vetiver"),
])
def test_landcover_synonyms_and_site_marks(given, expected):
    assert P.landcover_class(given).name == expected


def test_unknown_class_names_the_value():
    with pytest.raises(InvalidInput, match="unknown soil texture class 'peat'"):
        P.soil_class("peat")
    with pytest.raises(InvalidInput, match="unknown land cover class 'jungle'"):
        P.landcover_class("jungle")


SOIL_HEADER = ("class,synonyms,friction_min_deg,friction_max_deg,cohesion_min_pa,cohesion_max_pa,"
               "unit_weight_min_kn_m3,unit_weight_max_kn_m3,ksat_mm_h,source,provisional\n")
GOOD = "loam,,26,32,2000,10000,17,19,13,hazards.md 6.2 [MEM],true\n"


@pytest.mark.parametrize(("row", "where"), [
    ("clay,,28,22,5000,20000,17,20,2.3,x,true\n", "line 3, column friction_max_deg"),          # min > max
    ("clay,,22,28,5000,20000,1700,2000,2.3,x,true\n", "line 3, column unit_weight_min_kn_m3"),  # kg/m3, not kN/m3
    ("clay,,22,28,5000,20000,17,20,fast,x,true\n", "line 3, column ksat_mm_h"),                 # not a number
    ("clay,,22,28,5000,20000,17,20,2.3,,true\n", "line 3, column source"),                      # no source
    ("clay,,22,28,5000,20000,17,20,2.3,x,maybe\n", "line 3, column provisional"),
    ("clay,loam,22,28,5000,20000,17,20,2.3,x,true\n", "line 3, column synonyms"),               # names loam twice
])
def test_broken_soil_row_is_reported_with_line_and_column(tmp_path, row, where):
    path = tmp_path / "soil.csv"
    path.write_text(SOIL_HEADER + GOOD + row)
    with pytest.raises(InvalidInput) as err:
        P.load_soil_table(path)
    assert str(err.value).startswith(f"soil.csv {where}:")


def test_wrong_unit_column_is_reported(tmp_path):
    path = tmp_path / "soil.csv"
    path.write_text(SOIL_HEADER.replace("cohesion_min_pa", "cohesion_min_kpa") + GOOD.replace("2000", "2"))
    with pytest.raises(InvalidInput, match="line 1, column cohesion_min_kpa: unexpected column"):
        P.load_soil_table(path)


def test_broken_landcover_row_mode_outside_range(tmp_path):
    path = tmp_path / "cover.csv"
    path.write_text("class,synonyms,root_cohesion_min_pa,root_cohesion_mode_pa,root_cohesion_max_pa,rooting_depth_m,"
                    "source,provisional\nforest,,10000,30000,25000,1.5,x,true\n")
    with pytest.raises(InvalidInput, match="cover.csv line 2, column root_cohesion_max_pa: needs"):
        P.load_landcover_table(path)


def test_raster_of_codes_with_legend(tmp_path):
    legend = tmp_path / "legend.csv"
    legend.write_text("code,class\n1,forest\n2,pit\n3,grass\n")
    codes = np.array([[1, 2], [3, np.nan]])
    arrays, used = P.landcover_arrays(codes, P.read_legend(legend))
    assert arrays["root_cohesion_mode_pa"][0].tolist() == [17500.0, 0.0]
    assert arrays["rooting_depth_m"][1, 0] == 0.3 and np.isnan(arrays["rooting_depth_m"][1, 1])
    assert [c.name for c in used] == ["natural forest", "bare", "grass"]
    soil, _ = P.soil_arrays(np.array([[1.0, 2.0]]), {1: "arena", 2: "arcilla"})
    # exact: 0.6 mm/h = 0.0144 m/day (float arithmetic 0.6 * 24 / 1000 would give 0.014399999999999998)
    assert soil["ksat_m_day"].tolist() == [[5.04, 0.0144]]


def test_raster_code_missing_from_legend_is_named():
    with pytest.raises(InvalidInput, match="raster value\\(s\\) 7 not in the land cover legend"):
        P.landcover_arrays(np.array([[1.0, 7.0]]), {1: "forest"})
    with pytest.raises(InvalidInput, match="unknown land cover class 'jungle'"):
        P.landcover_arrays(np.array([[1.0]]), {1: "jungle"})
