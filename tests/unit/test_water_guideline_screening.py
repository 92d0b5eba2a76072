"""Guideline screening (minewatch.water.screening) and the guideline data (minewatch.water.guidelines).

Guideline values: standards.md section 6 (WHO GDWQ 4th ed. incl. addenda 2022, 6.1; CCME soil Update
7.0, 6.2; Dutch 2000 circular, 6.3). Test ideas R-WQ-1 and R-SOIL-1 are from standards.md section 10.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from minewatch.errors import InvalidInput
from minewatch.water.guidelines import BUILT_IN, load_guideline_set, load_user_set, template_text
from minewatch.water.model import Measurement
from minewatch.water.screening import screen, screen_one, summarise

WHEN = dt.date(2024, 2, 6)
WHO = load_guideline_set("who-dw")


def m(parameter, value, unit, *, medium="drinking_water", fraction="total", censored=None):
    return Measurement(parameter, D(value), unit, WHEN, medium=medium, fraction=fraction, censored=censored)


def test_who_values_from_standards_md():
    # standards.md 6.1: As 0.01, Pb 0.01, Cd 0.003, Cr 0.05, inorganic Hg 0.006, Mn 0.08 mg/L
    want = {"arsenic": "0.01", "lead": "0.01", "cadmium": "0.003", "chromium": "0.05", "mercury": "0.006",
            "manganese": "0.08"}
    for p, v in want.items():
        g = WHO.find(p, "drinking_water", "total")
        assert (g.maximum, g.unit, g.fraction) == (D(v), "mg/L", "total")
        assert g.source.startswith("https://") and "2022" in g.edition
        assert g.provisional  # V2 (secondary copy) in standards.md: not yet normative
    assert WHO.find("nickel", "drinking_water", "total").status == "K"
    assert WHO.find("cyanide_total", "drinking_water", "total") is None  # WHO: no guideline value


def test_r_wq_1_arsenic_exceeds_mercury_within():
    # standards.md R-WQ-1: As 0.012 mg/L -> exceed; Hg 0.005 mg/L -> pass under the 4th ed.
    f = screen_one(m("arsenic", "0.012", "mg/L"), WHO)
    assert (f.status, f.factor) == ("exceeds", D("1.2"))
    assert f.guideline_set == "who-dw" and f.guideline.maximum == D("0.01")
    f = screen_one(m("mercury", "0.005", "mg/L"), WHO)
    assert f.status == "within" and any("INORGANIC" in n for n in f.notes)


def test_units_converted_and_species_kept():
    f = screen_one(m("lead", "27", "ug/l Pb"), WHO)
    assert (f.status, f.value_in_guideline_unit, f.factor) == ("exceeds", D("0.027"), D("2.7"))
    f = screen_one(m("arsenic", "12", "ppb"), WHO)  # ppb in water = ug/L (water.units)
    assert f.factor == D("1.2")
    # nitrate reported as N is a different species from the guideline's NO3: not guessed
    f = screen_one(m("nitrate", "20", "mg/L N"), WHO)
    assert (f.status, f.reason) == ("not_assessable", "unit_mismatch") and "species" in f.message
    # a per-mass unit for a water result cannot be compared with mg/L
    f = screen_one(m("lead", "3", "mg/kg"), WHO)
    assert (f.status, f.reason) == ("not_assessable", "unit_mismatch")


def test_equal_to_guideline_is_within():
    f = screen_one(m("mercury", "6", "ug/L"), WHO)
    assert f.status == "within" and f.factor == D("1")


def test_censored_values():
    # <DL at or under the guideline: within
    assert screen_one(m("arsenic", "10", "ug/L", censored="<"), WHO).status == "within"
    assert screen_one(m("arsenic", "1", "ug/L", censored="<"), WHO).reason == "below_detection_limit"
    # <DL above the guideline: not assessable
    f = screen_one(m("cadmium", "50", "ug/L", censored="<"), WHO)
    assert (f.status, f.reason) == ("not_assessable", "detection_limit_above_guideline")
    # >L above the maximum: exceeds, with a lower-bound factor
    f = screen_one(m("lead", "100", "ug/L", censored=">"), WHO)
    assert (f.status, f.factor, f.factor_is_lower_bound) == ("exceeds", D("10"), True)


def test_fractions_screened_separately_and_labelled():
    fs = screen([m("lead", "15", "ug/L", fraction="total"), m("lead", "8", "ug/L", fraction="dissolved"),
                 m("lead", "20", "ug/L", fraction="unspecified")], WHO)
    assert [f.status for f in fs] == ["exceeds", "within", "exceeds"]
    assert any("dissolved result against a total-concentration guideline" in n for n in fs[1].notes)
    assert any("fraction not stated" in n for n in fs[2].notes)
    s = summarise(fs)
    assert s[("lead", "total")]["exceeds"] == 1 and s[("lead", "dissolved")]["within"] == 1


def test_river_water_only_if_used_for_drinking():
    f = screen_one(m("arsenic", "0.5", "mg/L", medium="river"), WHO)
    assert f.status == "exceeds" and f.if_used_for_drinking
    assert "river water screened against drinking-water values only as 'if used for drinking'" in f.notes
    assert not screen_one(m("arsenic", "0.5", "mg/L"), WHO).if_used_for_drinking
    assert f.as_dict()["if_used_for_drinking"] is True


def test_no_guideline_and_wrong_medium():
    assert screen_one(m("zinc", "5", "mg/L"), WHO).reason == "no_guideline"
    assert screen_one(m("arsenic", "5", "mg/kg", medium="soil"), WHO).reason == "no_guideline"
    soil = load_guideline_set("ccme-soil-residential")
    assert screen_one(m("arsenic", "0.5", "mg/L", medium="river"), soil).reason == "no_guideline"


def test_r_soil_1_ccme_by_land_use():
    # standards.md R-SOIL-1: Hg 10 mg/kg residential -> exceeds CCME 6.6; Pb 300 mg/kg industrial -> below 600
    f = screen_one(m("mercury", "10", "mg/kg", medium="soil", fraction="unspecified"),
                   load_guideline_set("ccme-soil-residential"))
    assert f.status == "exceeds" and f.guideline.maximum == D("6.6") and not f.guideline.provisional
    f = screen_one(m("lead", "300", "mg/kg", medium="soil"), load_guideline_set("ccme-soil-industrial"))
    assert f.status == "within" and f.guideline.maximum == D("600")
    # ug/kg converted: 139530 ug/kg = 139.53 mg/kg Hg
    f = screen_one(m("mercury", "139530", "ug/kg", medium="sediment"), load_guideline_set("ccme-soil-agricultural"))
    assert f.status == "exceeds" and f.factor == D("139.53") / D("6.6")
    assert "sediment screened against soil values for comparison only" in f.notes


def test_dutch_target_and_intervention():
    # standards.md 6.3: lead target 85, intervention 530 mg/kg (standard soil)
    res = m("lead", "300", "mg/kg", medium="soil")
    assert screen_one(res, load_guideline_set("dutch-target")).status == "exceeds"
    assert screen_one(res, load_guideline_set("dutch-intervention")).status == "within"
    assert load_guideline_set("dutch-intervention").find("mercury", "soil", "any").provisional


def test_every_built_in_set_loads_with_sources():
    for name in BUILT_IN:
        s = load_guideline_set(name)
        assert s.guidelines and all(g.source for g in s.guidelines if g.status != "K")


def test_user_defined_standard(tmp_path):
    path = tmp_path / "bolivia.csv"
    path.write_text(template_text(), encoding="utf-8")
    s = load_user_set(path)
    assert s.purpose == "drinking_water" and s.find("arsenic", "river", "total").maximum == D("0.01")
    assert load_guideline_set(str(path)).name == "bolivia"
    path.write_text("parameter,medium,fraction,min,max,unit\nlead,water,total,,abc,mg/L\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"bolivia.csv row 2, column 'max', value 'abc': not a number"):
        load_user_set(path)
    path.write_text("parameter,medium,fraction,min,max,unit\nlead,water,total,,1,furlongs\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"row 2, column 'unit', value 'furlongs'"):
        load_user_set(path)
    with pytest.raises(InvalidInput, match="unknown guideline set 'who-2nd'"):
        load_guideline_set("who-2nd")
