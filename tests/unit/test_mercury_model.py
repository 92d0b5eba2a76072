"""Mercury model: the four Minamata Convention Annex C paragraph 1(b) worst practices as findings and the
mercury estimate from gold production x Hg:Au ratio.

Sources: standards.md section 5 (Annex C para 1(b)(i)-(iv), status V, official translations) and its
requirement R-MIN-2 ("1 kg Au by WOA at 3:1 -> 3 kg Hg lost"; defaults 3 and 1 are K, unverified); release
shares from Telmer & Veiga 2009 (standards.md section 5, V): about 350 of about 1,000 t/yr straight to air,
about 650 to water, soil and tailings. Every expected number below is worked by hand from those figures.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minewatch.mercury.model import (PRACTICES, Observation, Ratio, Ratios, estimate_period, parse_practice,
                                     practices_for_period, worst_practice_findings)

D = dt.date(2026, 3, 14)
RATIOS = Ratios(
    hg_au={"whole_ore": Ratio("whole_ore", Decimal(3), "K", "standards.md R-MIN-2"),
           "concentrate": Ratio("concentrate", Decimal(1), "K", "standards.md R-MIN-2"),
           "concentrate_retort": Ratio("concentrate_retort", None, "K", "standards.md 5: no figure")},
    split={"air": Ratio("air", Decimal("0.35"), "V", "Telmer & Veiga 2009"),
           "land_water": Ratio("land_water", Decimal("0.65"), "V", "Telmer & Veiga 2009")})


@pytest.mark.parametrize("practice, item", [
    ("whole_ore_amalgamation", "i"), ("open_burning", "ii"), ("residential_burning", "iii"),
    ("cyanidation_of_mercury_tailings", "iv")])
def test_each_annex_c_worst_practice_is_a_finding_naming_its_paragraph(practice, item):
    obs = Observation("KAL-001", practice, D, "entered", id=7)
    [f] = worst_practice_findings([obs])
    assert f.paragraph == f"Minamata Convention Annex C paragraph 1(b)({item})"
    assert (f.site_code, f.observed_on, f.observation_id, f.practice) == ("KAL-001", D, 7, practice)


def test_the_finding_text_follows_annex_c_wording():
    # standards.md section 5, Annex C para 1(b)(iv): "cyanide leaching of sediment, ore or tailings to which
    # mercury has been added, without first removing the mercury"
    [f] = worst_practice_findings([Observation("S", "cyanidation_of_mercury_tailings", D, "entered")])
    assert "tailings to which mercury has been added without first removing the mercury" in f.text
    [g] = worst_practice_findings([Observation("S", "whole_ore_amalgamation", D, "entered")])
    assert g.text == "whole ore amalgamation"


def test_other_practices_are_not_worst_practices():
    keys = ["concentrate_amalgamation", "retort", "mercury_use", "gravity_concentration", "direct_smelting",
            "cyanidation_mercury_free", "flotation", "no_mercury"]
    assert worst_practice_findings([Observation("S", k, D, "visit") for k in keys]) == []
    assert {k for k, p in PRACTICES.items() if p.worst_item} == {
        "whole_ore_amalgamation", "open_burning", "residential_burning", "cyanidation_of_mercury_tailings"}


def test_practice_names_and_synonyms():
    assert parse_practice("Whole-ore amalgamation").key == "whole_ore_amalgamation"
    assert parse_practice("WOA").key == "whole_ore_amalgamation"
    assert parse_practice("gravity").key == "gravity_concentration"
    with pytest.raises(ValueError, match="unknown practice 'boiling'"):
        parse_practice("boiling")


def test_whole_ore_estimate_is_gold_times_three_split_35_65():
    # R-MIN-2: 1 kg Au by WOA at 3:1 -> 3 kg Hg lost. For 2.5 kg Au: 7.5 kg Hg; air 7.5 x 0.35 = 2.625,
    # land and water 7.5 x 0.65 = 4.875.
    e = estimate_period(Decimal("2.5"), [PRACTICES["whole_ore_amalgamation"]], RATIOS)
    assert (e.status, e.mercury_kg, e.ratio_key) == ("estimated", Decimal("7.5"), "whole_ore")
    assert e.released_to == {"air": Decimal("2.625"), "land_water": Decimal("4.875")}
    assert any("provisional" in a and "whole_ore = 3" in a for a in e.assumptions)


def test_concentrate_estimate_and_retort_without_a_figure_is_an_upper_bound():
    # concentrate 1:1 (standards.md 5, K): 0.8 kg Au -> 0.8 kg Hg
    e = estimate_period(Decimal("0.8"), [PRACTICES["concentrate_amalgamation"]], RATIOS)
    assert (e.status, e.mercury_kg) == ("estimated", Decimal("0.8"))
    r = estimate_period(Decimal("0.8"), [PRACTICES["concentrate_amalgamation"], PRACTICES["retort"]], RATIOS)
    assert (r.status, r.mercury_kg, r.ratio_key) == ("estimated", Decimal("0.8"), "concentrate")
    assert any("upper bound" in a for a in r.assumptions)
    # with a ratio given for retorts (a user's figure), it is used
    given = Ratios({**RATIOS.hg_au, "concentrate_retort": Ratio("concentrate_retort", Decimal("0.1"), "K", "user")})
    assert estimate_period(Decimal("0.8"), [PRACTICES["concentrate_amalgamation"], PRACTICES["retort"]],
                           given).mercury_kg == Decimal("0.08")


def test_both_modes_take_the_whole_ore_ratio_and_unknown_mode_is_a_range():
    both = estimate_period(Decimal(2), [PRACTICES["whole_ore_amalgamation"], PRACTICES["concentrate_amalgamation"]],
                           RATIOS)
    assert both.mercury_kg == Decimal(6)
    # mercury used, mode unknown (IPIS): 2 kg x 1 .. 2 kg x 3
    rng = estimate_period(Decimal(2), [PRACTICES["mercury_use"]], RATIOS)
    assert (rng.status, rng.mercury_kg_low, rng.mercury_kg_high) == ("range", Decimal(2), Decimal(6))


def test_not_assessable_without_production_or_practice_and_zero_when_mercury_free():
    none = estimate_period(None, [PRACTICES["whole_ore_amalgamation"]], RATIOS)
    assert (none.status, none.mercury_kg, none.reason) == ("not_assessable", None,
                                                           "no gold production recorded for the period")
    assert estimate_period(Decimal(1), [], RATIOS).status == "not_assessable"
    free = estimate_period(Decimal(1), [PRACTICES["gravity_concentration"], PRACTICES["direct_smelting"]], RATIOS)
    assert (free.status, free.mercury_kg) == ("mercury_free", Decimal(0))


def test_the_practices_of_a_period():
    obs = [Observation("S", "concentrate_amalgamation", dt.date(2025, 6, 1), "entered"),
           Observation("S", "whole_ore_amalgamation", dt.date(2025, 11, 1), "entered"),
           Observation("S", "open_burning", dt.date(2025, 11, 1), "entered"),
           Observation("S", "gravity_concentration", dt.date(2026, 5, 1), "entered")]
    # within the period
    assert [o.practice for o in practices_for_period(obs, dt.date(2026, 4, 1), dt.date(2026, 6, 30))] == [
        "gravity_concentration"]
    # none within: those of the latest date before the period, never a later one
    assert {o.practice for o in practices_for_period(obs, dt.date(2026, 1, 1), dt.date(2026, 3, 31))} == {
        "whole_ore_amalgamation", "open_burning"}
    assert practices_for_period(obs, dt.date(2025, 1, 1), dt.date(2025, 5, 31)) == []
