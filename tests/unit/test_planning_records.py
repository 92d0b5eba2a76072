"""Pure rules of planting records (planning/model.py): import validation, survival arithmetic, plan vs done,
timeline order and cover assembly.

Survival is a ratio by definition (alive / planted; no published figure to reproduce): expected values
are derived in each test from that definition and the counts written here; ages use the Julian year
of 365.25 days (the module's stated convention).
"""

from __future__ import annotations

import datetime as dt

import pytest

from minewatch.planning import model
from minewatch.planning.model import CheckFacts, PlantingFacts, TimelineEvent

D = dt.date
HEADER = ["external_id", "site", "species", "planted_on", "count", "area_ha", "wkt", "longitude", "latitude", "plan"]


def _rows(*rows):
    return [(i, dict(zip(HEADER, r, strict=False))) for i, r in enumerate(rows, start=2)]


def _row(ext="P1", site="S1", species="chrysopogon_zizanioides", planted="2024-03-01", count="100", area=None,
         wkt=None, lon=None, lat=None, plan=None):
    return (ext, site, species, planted, count, area, wkt, lon, lat, plan)


def _problems(parsed):
    return {(p.row, p.column, p.value, p.code) for p in parsed.problems if p.is_error}


def test_headers_are_matched_without_case_or_accents_and_in_french_and_spanish():
    cols, probs = model.resolve_columns(["Identifiant", "Site", "Espèce", "Date plantation", "Plantules",
                                         "Superficie ha", "Remarques"], model.PLANTING_COLUMNS,
                                        model.PLANTING_REQUIRED)
    assert probs == []
    assert cols == {"external_id": "Identifiant", "site": "Site", "species": "Espèce",
                    "planted_on": "Date plantation", "count": "Plantules", "area_ha": "Superficie ha",
                    "notes": "Remarques"}
    cols, probs = model.resolve_columns(["ID", "sitio", "especie", "fecha", "cantidad"], model.PLANTING_COLUMNS,
                                        model.PLANTING_REQUIRED)
    assert probs == [] and cols["count"] == "cantidad"


def test_missing_and_ambiguous_columns_reject_the_file_before_any_row():
    parsed = model.parse_planting_rows(["id", "external_id", "site", "species", "planted_on"], _rows(_row()))
    assert {(p.code, p.column) for p in parsed.problems} == {("ambiguous_column", "external_id"),
                                                             ("missing_column", "count")}
    assert parsed.rows == []


def test_every_bad_cell_of_every_row_is_named_with_row_column_and_value():
    parsed = model.parse_planting_rows(HEADER, _rows(
        _row(),
        _row(ext="P2", planted="31/02/2024", count="12.5", area="0"),
        _row(ext="P3", count="-4", wkt="POLYGON ((29 -1, 29 -2", lon=None),
        _row(ext="P4", lon="29.1"),
        _row(ext="P5", wkt="POINT (29 -1)", lat="-1"),
        _row(ext="P6", wkt="POINT (400 -1)"),
        _row(ext="P7", wkt="LINESTRING (29 -1, 29.1 -1)"),
        _row(ext="P1", site=None),
    ))
    assert _problems(parsed) == {
        (3, "planted_on", "31/02/2024", "impossible_date"), (3, "count", "12.5", "not_a_whole_number"),
        (3, "area_ha", "0", "not_positive"),
        (4, "count", "-4", "below_minimum"), (4, "wkt", "POLYGON ((29 -1, 29 -2", "bad_wkt"),
        (5, "latitude", None, "half_a_point"),
        (6, "wkt", "POINT (29 -1)", "two_geometries"),
        (7, "wkt", "POINT (400 -1)", "not_wgs84"),
        (8, "wkt", "LINESTRING (29 -1, 29.1 -1)", "bad_geometry_type"),
        (9, "site", None, "empty_value"), (9, "external_id", "P1", "duplicate_id"),
    }
    assert [r.external_id for r in parsed.rows] == ["P1"]
    text = next(p for p in parsed.problems if p.row == 3 and p.column == "count").describe()
    assert text.startswith("ERROR row 3, column 'count' value '12.5':")


def test_species_names_points_and_polygons_are_normalised():
    parsed = model.parse_planting_rows(HEADER, _rows(
        _row(species="Acacia Mangium", lon="29.5", lat="-1.25", plan="7"),
        _row(ext="P2", wkt="POLYGON ((29 -1, 29.01 -1, 29.01 -1.01, 29 -1))", area="1,5"),
    ))
    a, b = parsed.rows
    assert a.species == "acacia_mangium" and a.geometry.wkt == "POINT (29.5 -1.25)" and a.plan_id == 7
    assert b.geometry.geom_type == "Polygon" and b.area_ha == 1.5


def test_cross_checks_name_unknown_sites_species_plans_and_changed_records():
    parsed = model.parse_planting_rows(HEADER, _rows(
        _row(), _row(ext="P2", site="S9"), _row(ext="P3", species="oak"), _row(ext="P4", plan="3"),
        _row(ext="P5", plan="4"), _row(ext="P6", count="101"), _row(ext="P7"),
    ))
    stored_p6 = dict(parsed.rows[5].content(), count=100)
    new, unchanged, probs = model.check_plantings(
        parsed, sites={"S1"}, species_ids={"chrysopogon_zizanioides", "acacia_mangium"},
        plans={3: "S2", 5: None}, stored={"P6": stored_p6, "P7": parsed.rows[6].content()})
    assert [r.external_id for r in new] == ["P1"] and unchanged == 1
    got = {(p.row, p.code, p.value) for p in probs}
    assert got == {(3, "unknown_site", "S9"), (4, "unknown_species", "oak"), (5, "plan_of_another_site", "3"),
                   (6, "unknown_plan", "4"), (7, "changed_record", "P6")}
    species = next(p for p in probs if p.code == "unknown_species")
    assert species.reason.endswith("valid ids: acacia_mangium, chrysopogon_zizanioides")
    assert "count stored 100, file 101" in next(p for p in probs if p.code == "changed_record").reason


def test_survival_rows_are_checked_against_their_planting():
    header = ["Ref", "Plantation", "Date contrôle", "Vivants"]
    rows = [(2, dict(zip(header, ("C1", "P1", "2024-09-01", "80")))),
            (3, dict(zip(header, ("C2", "P1", "2024-02-01", "101")))),
            (4, dict(zip(header, ("C3", "P9", "2024-09-01", "-1")))),
            (5, dict(zip(header, ("C4", "P1", "2025-03-01", "70"))))]
    parsed = model.parse_survival_rows(header, rows)
    assert _problems(parsed) == {(4, "Vivants", "-1", "below_minimum")}
    new, unchanged, probs = model.check_survival(parsed, plantings={"P1": (D(2024, 3, 1), 100)},
                                                 stored={"C4": {"planting": "P1", "checked_on": "2025-03-01",
                                                                "alive": 70, "method": None, "notes": None}})
    assert [r.external_id for r in new] == ["C1"] and unchanged == 1
    assert {(p.row, p.column, p.code) for p in probs} == {(3, "Date contrôle", "before_planting"),
                                                          (3, "Vivants", "more_than_planted")}


def test_survival_rate_age_and_flag():
    assert model.survival_rate(0, 10) == 0.0 and model.survival_rate(10, 10) == 1.0
    with pytest.raises(ValueError):
        model.survival_rate(11, 10)
    assert model.age_years(D(2023, 1, 1), D(2023, 7, 2)) == pytest.approx(182 / 365.25)
    assert model.flag(0.79, 0.8) == "below_expected" and model.flag(0.8, None) == "ok"


def test_planting_survival_orders_the_trend_and_takes_the_latest_check():
    p = PlantingFacts("P1", "vetiver", D(2022, 1, 1), 400)
    checks = [CheckFacts("P1", D(2024, 1, 1), 300), CheckFacts("P1", D(2022, 7, 1), 390),
              CheckFacts("P1", D(2023, 1, 1), 350)]
    s = model.planting_survival(p, checks, expected=0.9)
    assert [c.checked_on for c in s.trend] == [D(2022, 7, 1), D(2023, 1, 1), D(2024, 1, 1)]
    assert [c.rate for c in s.trend] == [390 / 400, 350 / 400, 300 / 400]
    assert s.alive == 300 and s.rate == 0.75 and s.age_years == pytest.approx(730 / 365.25)
    assert s.flag == "below_expected"
    none = model.planting_survival(p, [], expected=0.9)
    assert none.flag == "no_check" and none.rate is None and none.as_dict()["trend"] == []


def test_species_survival_weighs_plantings_by_seedlings():
    a = model.planting_survival(PlantingFacts("A", "acacia", D(2020, 1, 1), 100),
                                [CheckFacts("A", D(2021, 1, 1), 90)], 0.8)
    b = model.planting_survival(PlantingFacts("B", "acacia", D(2021, 1, 1), 900),
                                [CheckFacts("B", D(2022, 1, 1), 630)], 0.8)
    c = model.planting_survival(PlantingFacts("C", "acacia", D(2021, 1, 1), 500), [], 0.8)
    [s] = model.species_survival([a, b, c])
    # (90 + 630) / (100 + 900) = 0.72, not the mean of 0.9 and 0.7 (0.8, which would hide the large loss)
    assert (s.planted, s.checked_planted, s.alive, s.plantings) == (1500, 1000, 720, 3)
    assert s.rate == pytest.approx(0.72) and s.flag == "below_expected"
    assert s.age_years == pytest.approx((100 * 366 + 900 * 365) / 1000 / 365.25)


def test_plan_vs_done_counts_species_in_and_out_of_the_plan():
    plan = [{"id": "acacia", "seedlings": 1000, "area_ha": 1.0}, {"id": "vetiver", "seedlings": 500, "area_ha": 0.5}]
    done = [PlantingFacts("1", "acacia", D(2024, 1, 1), 600, 0.5), PlantingFacts("2", "acacia", D(2024, 2, 1), 200),
            PlantingFacts("3", "bamboo", D(2024, 2, 1), 30, 0.1)]
    rows = {r.species: r for r in model.plan_vs_done(plan, done)}
    assert list(rows) == ["acacia", "vetiver", "bamboo"]
    assert (rows["acacia"].planted_seedlings, rows["acacia"].planted_area_ha, rows["acacia"].plantings_without_area) \
        == (800, 0.5, 1)
    assert rows["acacia"].seedlings_done_share == 0.8 and rows["acacia"].area_done_share == 0.5
    assert rows["vetiver"].planted_seedlings == 0 and rows["vetiver"].seedlings_done_share == 0.0
    assert not rows["bamboo"].in_plan and rows["bamboo"].seedlings_done_share is None
    assert model.plan_vs_done([], []) == []


def test_timeline_is_in_date_order_with_a_stable_order_on_one_day():
    events = [TimelineEvent(D(2024, 5, 1), "survival_checked", {"planting": "P1", "alive": 1, "planted": 2,
                                                                "rate": 0.5, "species": "x"}),
              TimelineEvent(D(2024, 5, 1), "planted", {"planting": "P2", "count": 5, "species": "x"}),
              TimelineEvent(D(2020, 1, 1), "site_closed", {"code": "S"}),
              TimelineEvent(D(2024, 5, 1), "planted", {"planting": "P3", "count": 6, "species": "x"})]
    out = model.assemble_timeline(events)
    assert [(e.kind, e.values.get("planting")) for e in out] == [
        ("site_closed", None), ("planted", "P2"), ("planted", "P3"), ("survival_checked", "P1")]
    assert out[3].as_dict()["text"] == "1 of 2 x alive (50%) in P1"
    assert model.assemble_timeline([]) == []


def test_cover_inputs_use_checks_up_to_the_date_else_the_expected_survival():
    plantings = [PlantingFacts("P1", "acacia", D(2020, 1, 1), 100, geometry_wkt="POINT (29 -1)"),
                 PlantingFacts("P2", "unknown", D(2021, 1, 1), 10),
                 PlantingFacts("P3", "acacia", D(2030, 1, 1), 10)]
    checks = [CheckFacts("P1", D(2021, 1, 1), 60), CheckFacts("P1", D(2022, 1, 1), 55),
              CheckFacts("P1", D(2026, 1, 1), 5)]
    out = model.cover_inputs(plantings, checks, {"acacia": 0.8}, D(2024, 1, 1))
    assert [(c.species, c.survival_rate, c.survival_source, c.count) for c in out] == [
        ("acacia", 0.55, "check", 100), ("unknown", None, "none", 10)]
    assert out[0].age_years == pytest.approx(1461 / 365.25) and out[0].geometry_wkt == "POINT (29 -1)"
    assert model.cover_inputs(plantings, [], {"acacia": 0.8}, D(2021, 6, 1))[0].survival_rate == 0.8


def test_a_plan_summary_needs_objective_budget_and_species():
    good = {"objective": {"name": "soil"}, "budget": {"value": 100, "unit": "seedlings"}, "by_species": []}
    assert model.summary_problem(good) is None
    assert "objective" in model.summary_problem({**good, "objective": {}})
    assert "budget" in model.summary_problem({**good, "budget": {"value": 1}})
    assert "by_species" in model.summary_problem({**good, "by_species": [{"seedlings": 3}]})
