"""IPIS open-data rows to site and visit dicts: hand-written rows, then the real 6,955-row file."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter

import pytest

from minewatch.registry.ipis import IPIS_COLUMNS, REQUIRED_COLUMNS, check_header, map_ipis_row
from tests.shared_data import shared_data_path

IPIS_CSV = ("ipis-drc-asm-sites", "cod_mines_curated_all_opendata_p_ipis.csv")


def ipis_row(**cells: str) -> dict[str, str]:
    """A full IPIS row: blank everywhere except a valid minimum and the given cells."""
    row = dict.fromkeys(IPIS_COLUMNS, "")
    row.update(
        vid="4242",
        pcode="codmine00191",
        name="Kanzambu",
        source="IPIS",
        project="IPIS - Madini",
        visit_date="2019-05-15",
        visit_onsite="1",
        geom="POINT (28.90496 -1.77952)",
        longitude="28.90496",
        latitude="-1.77952",
        location_origin="GPS",
        province="Sud-Kivu",
        territoire="Kalehe",
    )
    row.update(cells)
    return row


def codes(record, severity=None):
    return [p.code for p in record.problems if severity is None or p.severity == severity]


def test_minimal_row_maps_cleanly_and_blanks_stay_none():
    record = map_ipis_row(ipis_row(), 7)
    assert record.problems == []
    assert record.ok
    site, visit = record.site, record.visit
    assert site == {
        "code": "codmine00191",
        "name": "Kanzambu",
        "country": "CD",
        "admin1": "Sud-Kivu",
        "admin2": "Kalehe",
        "admin3": None,
        "admin4": None,
        "locality": None,
        "latitude": -1.77952,
        "longitude": 28.90496,
        "location_origin": "gps",
        "location_origin_raw": "GPS",
        "minerals": [],
        "minerals_raw": [],
        "mining_method": None,
        "lifecycle_status": None,
        "source": "IPIS",
    }
    assert visit["source_visit_id"] == "4242"
    assert visit["site_code"] == "codmine00191"
    assert visit["visit_date"] == dt.date(2019, 5, 15)
    assert visit["reached"] is True
    for key in (
        "workers_count", "women_present", "women_work", "children_under15_present", "children_under15_work",
        "children_under15_working", "children_15_17_present", "children_15_17_working", "mercury_used",
        "cyanide_used", "armed_presence", "armed_interference", "interference_taxation",
        "interference_forced_labour", "interference_pillage", "interference_pit_ownership",
        "interference_buying", "mechanisation", "traceability", "qualification", "access_dry", "access_wet",
        "is_3t_mine", "is_gold_mine", "team", "not_reached_reason",
    ):  # fmt: skip
        assert visit[key] is None, key
    for key in ("armed_actors", "state_services", "selling_points", "final_destinations", "minerals"):
        assert visit[key] == [], key
    assert visit["raw"]["pcode"] == "codmine00191"
    assert "mercury" not in visit["raw"]  # blank cells are not provenance


def test_zero_is_false_and_blank_is_none():
    visit = map_ipis_row(ipis_row(mercury="0", women="0", workers_numb="0"), 2).visit
    assert visit["mercury_used"] is False
    assert visit["women_present"] is False
    assert visit["workers_count"] == 0
    assert visit["children_under15_present"] is None


def test_french_values():
    record = map_ipis_row(
        ipis_row(
            mineral1="Or", mineral2="Cassitérite", mineral3="Or", is_gold_mine="1", is_3t_mine="1",
            qualification="Vert", mechanisation="Moyen", visit_onsite="0",
            visit_onsite_novisitreason="Insécurité", location_origin="GPS (village Kiloza)",
            workers_numb="150", mercury="1", women="1", womenwork="Restauration, Boutique",
        ),
        3,
    )  # fmt: skip
    assert record.problems == []
    site, visit = record.site, record.visit
    assert site["minerals"] == visit["minerals"] == ["gold", "cassiterite"]
    assert site["location_origin"] == "approximation"  # a GPS fix taken at the village, not at the site
    assert site["location_origin_raw"] == "GPS (village Kiloza)"
    assert visit["qualification"] == "green"
    assert visit["raw"]["qualification"] == "Vert"
    assert visit["mechanisation"] == "Moyen"
    assert visit["reached"] is False
    assert visit["not_reached_reason"] == "Insécurité"
    assert visit["workers_count"] == 150
    assert visit["mercury_used"] is True
    assert visit["women_present"] is True
    assert visit["women_work"] == "Restauration, Boutique"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("GPS", "gps"), ("GPS ", "gps"), ("GPS (IPIS 2009)", "gps"), ("GPS (WCS 2007)", "gps"),
        ("GPS (Approximation)", "approximation"), ("Approximation", "approximation"),
        ("GPS(groupment Nkulu)", "approximation"), ("GPS (4 km du site)", "approximation"),
        ("Approximation(groupment Bamunguba Sud)", "approximation"), ("Numérisation", "digitised"),
        ("Landsat ETM+", "digitised"), ("Landsat ETM+ (village)", "approximation"),
        ("Ancienne base", "other"),
    ],
)  # fmt: skip
def test_location_origin(raw, key):
    record = map_ipis_row(ipis_row(location_origin=raw), 2)
    assert record.site["location_origin"] == key
    assert record.problems == []


def test_unknown_location_origin_is_other_with_a_warning():
    record = map_ipis_row(ipis_row(location_origin="Pigeon voyageur"), 2)
    assert record.site["location_origin"] == "other"
    assert codes(record) == ["location_origin_unknown"]


def test_multi_valued_fields_are_split_and_deduplicated():
    visit = map_ipis_row(
        ipis_row(
            mineral1="Or", mineral2="Coltan", is_gold_mine="1", is_3t_mine="1",
            selling_points_mineral1="Nyambembe, Lulingu ", selling_points_mineral2="Lulingu, Shabunda",
            final_destination_mineral1="Bukavu, Goma", final_destination_mineral2="Goma",
            state_service1="SAESSCAM", state_service2="Division des mines", state_service4="Chefferie",
        ),
        2,
    ).visit  # fmt: skip
    assert visit["selling_points"] == ["Nyambembe", "Lulingu", "Shabunda"]
    assert visit["final_destinations"] == ["Bukavu", "Goma"]
    assert visit["state_services"] == ["SAESSCAM", "Division des mines", "Chefferie"]


def test_mixed_mineral_cell_gives_both_minerals():
    record = map_ipis_row(ipis_row(mineral1="Minerais mixtes (Cassitérite/Coltan)", is_3t_mine="1"), 2)
    assert record.site["minerals"] == ["cassiterite", "coltan"]
    assert record.problems == []


def test_unknown_mineral_is_other_with_raw_kept_and_a_warning():
    record = map_ipis_row(ipis_row(mineral1="Or", mineral2="Manvenve"), 2)
    assert record.site["minerals"] == ["gold", "other"]
    assert record.site["minerals_raw"] == ["Manvenve"]
    (problem,) = record.problems
    assert (problem.severity, problem.code, problem.column, problem.value) == (
        "warning", "mineral_unknown", "mineral2", "Manvenve"
    )


def test_mineral_recorded_as_unknown_stores_nothing():
    record = map_ipis_row(ipis_row(mineral1="inconnu"), 2)
    assert record.site["minerals"] == []
    assert record.site["minerals_raw"] == []
    assert codes(record) == ["mineral_not_known"]


def test_bad_date_is_an_error_naming_visit_date():
    record = map_ipis_row(ipis_row(visit_date="2019-13-45"), 12)
    assert record.visit["visit_date"] is None
    assert not record.ok
    (problem,) = record.errors
    assert problem.column == "visit_date"
    assert problem.row == 12
    assert problem.value == "2019-13-45"
    assert problem.reason


@pytest.mark.parametrize("column", REQUIRED_COLUMNS)
def test_blank_required_value_is_an_error(column):
    record = map_ipis_row(ipis_row(**{column: "", "geom": ""}), 2)
    assert [(p.code, p.column) for p in record.errors] == [("required", column)]


@pytest.mark.parametrize(
    ("column", "value"),
    [("workers_numb", "beaucoup"), ("workers_numb", "-5"), ("workers_numb", "12.5"), ("mercury", "peut-être"),
     ("latitude", "95"), ("longitude", "vingt-huit")],
)  # fmt: skip
def test_unreadable_values_are_errors_naming_their_column(column, value):
    record = map_ipis_row(ipis_row(**{column: value}), 2)
    assert [p.column for p in record.errors] == [column]


def test_coordinates_taken_from_geom_when_blank():
    record = map_ipis_row(ipis_row(latitude="", longitude=""), 2)
    assert (record.site["latitude"], record.site["longitude"]) == (-1.77952, 28.90496)
    assert codes(record) == ["coordinate_from_geom", "coordinate_from_geom"]


def test_geom_disagreeing_with_coordinates_is_a_warning():
    record = map_ipis_row(ipis_row(geom="POINT (28.91 -1.77952)"), 2)
    assert record.site["longitude"] == 28.90496
    assert codes(record) == ["geom_mismatch"]


def test_unreadable_geom_is_a_warning():
    assert codes(map_ipis_row(ipis_row(geom="LINESTRING (1 2, 3 4)"), 2)) == ["geom_unreadable"]


def test_swapped_coordinates_are_swapped_with_a_warning():
    record = map_ipis_row(ipis_row(latitude="28.90496", longitude="-1.77952", geom=""), 2)
    assert (record.site["latitude"], record.site["longitude"]) == (-1.77952, 28.90496)
    assert codes(record) == ["lat_lon_swapped"]


def test_point_outside_the_country_box_is_a_warning():
    record = map_ipis_row(ipis_row(), 2, bbox_of=lambda country: (0.0, 0.0, 1.0, 1.0))
    assert record.site["latitude"] == -1.77952
    assert [(p.code, p.column) for p in record.problems] == [("outside_country", "latitude")]


def test_no_armed_presence():
    record = map_ipis_row(
        ipis_row(presence="0", interference="0", type_armed_group1="Aucun", taxation_armed_group1="0"), 2
    )
    visit = record.visit
    assert record.problems == []
    assert visit["armed_presence"] is False
    assert visit["armed_actors"] == []
    for key in ("interference_taxation", "interference_forced_labour", "interference_pillage",
                "interference_pit_ownership", "interference_buying"):  # fmt: skip
        assert visit[key] is False, key


def test_armed_actors_and_interference():
    record = map_ipis_row(
        ipis_row(
            presence="1", interference="1",
            armed_group1="FARDC", type_armed_group1="FARDC - Éléments indisciplinés",
            frequency_armed_group1="Quotidien", taxation_armed_group1="1", pillaging_armed_group1="0",
            pit_ownership_armed_group1="dontknow", forced_labour_armed_group1="0",
            armed_group2="Raïa Mutomboki ", type_armed_group2="Groupe armé local",
            taxation_armed_group2="0", pillaging_armed_group2="1", pit_ownership_armed_group2="0",
            type_armed_group3="Aucun", frequency_armed_group3="",
        ),
        2,
    )  # fmt: skip
    assert record.problems == []
    visit = record.visit
    first, second = visit["armed_actors"]
    assert first == {
        "name": "FARDC", "type": "FARDC - Éléments indisciplinés", "frequency": "Quotidien",
        "taxation": True, "commerce_taxation": None, "entrance_taxation": None, "monopoly": None,
        "buying_minerals": None, "digging": None, "forced_labour": False, "pillaging": False,
        "pit_ownership": None,
    }  # fmt: skip
    assert second["name"] == "Raïa Mutomboki"
    assert second["pillaging"] is True
    assert visit["interference_taxation"] is True
    assert visit["interference_pillage"] is True
    assert visit["interference_pit_ownership"] is None  # one "dontknow", no yes
    assert visit["interference_forced_labour"] is None  # the second group was not asked
    assert visit["interference_buying"] is None


def test_every_group_answering_no_gives_false():
    row = ipis_row(presence="1", armed_group1="FDLR", taxation_armed_group1="0")
    row["forced_labour_armed_group1"] = "0"
    visit = map_ipis_row(row, 2).visit
    assert visit["armed_interference"] is None
    assert visit["interference_taxation"] is False
    assert visit["interference_forced_labour"] is False
    assert visit["interference_buying"] is None


def test_armed_inconsistencies_are_warnings():
    record = map_ipis_row(ipis_row(presence="0", armed_group1="NDC"), 2)
    assert codes(record) == ["armed_actor_without_presence"]
    record = map_ipis_row(ipis_row(presence="1", type_armed_group1="Aucun"), 2)
    assert codes(record) == ["armed_presence_without_actor"]
    row = ipis_row(presence="1", interference="0", armed_group1="NDC", digging_armed_group1="1")
    record = map_ipis_row(row, 2)
    assert codes(record) == ["armed_interference_conflict"]
    assert record.visit["interference_taxation"] is False  # interference = 0 and no group taxes


def test_detail_for_an_empty_armed_group_slot_is_a_warning():
    row = ipis_row(presence="0", type_armed_group1="Aucun", frequency_armed_group1="Aléatoire")
    record = map_ipis_row(row, 2)
    assert record.visit["armed_actors"] == []
    assert codes(record) == ["armed_group_detail_ignored"]


@pytest.mark.parametrize(
    ("present", "work", "working"),
    [
        ("", "", None),
        ("0", "", False),
        ("1", "", None),
        ("1", "Creuser, Lavage, Traiter les déchets", True),
        ("1", "Aucun", False),
        ("1", "Je ne sais pas", None),
    ],
)
def test_children_under15_working(present, work, working):
    record = map_ipis_row(ipis_row(childunder15=present, childunder15work=work), 2)
    assert record.visit["children_under15_working"] is working
    assert record.visit["children_under15_present"] is {"": None, "0": False, "1": True}[present]
    assert record.problems == []


def test_children_work_described_without_children_is_a_warning():
    record = map_ipis_row(ipis_row(childunder15="0", childunder15work="Creuser, Lavage"), 2)
    assert record.visit["children_under15_working"] is True
    assert codes(record) == ["children_work_without_presence"]


def test_women_work_and_presence():
    assert codes(map_ipis_row(ipis_row(women="0", womenwork="Je ne sais pas"), 2)) == []
    assert codes(map_ipis_row(ipis_row(women="0", womenwork="Aucun travail"), 2)) == []
    record = map_ipis_row(ipis_row(women="0", womenwork="Petit commerce"), 2)
    assert codes(record) == ["women_work_without_presence"]


def test_mercury_listed_as_work_but_mercury_zero_is_a_warning():
    row = ipis_row(mercury="0", childunder15="1", childunder15work="Lavage, Usage du mercure")
    record = map_ipis_row(row, 2)
    assert record.visit["mercury_used"] is False
    assert codes(record) == ["mercury_conflict"]


def test_mine_flags_disagreeing_with_minerals_are_warnings():
    record = map_ipis_row(ipis_row(mineral1="Cassitérite", is_3t_mine="0", is_gold_mine="0"), 2)
    assert codes(record) == ["mine_flag_conflict"]


def test_qualification_not_classified_and_unknown():
    assert map_ipis_row(ipis_row(qualification="Not class"), 2).visit["qualification"] == "not_classified"
    record = map_ipis_row(ipis_row(qualification="Violet"), 2)
    assert record.visit["qualification"] == "other"
    assert codes(record) == ["qualification_unknown"]


def test_reached_with_a_no_visit_reason_is_a_warning():
    record = map_ipis_row(ipis_row(visit_onsite="1", visit_onsite_novisitreason="Third-party information"), 2)
    assert record.visit["reached"] is True
    assert codes(record) == ["reached_with_reason"]


def test_extra_cells_mean_broken_quoting():
    row = ipis_row()
    row[None] = ["surplus"]  # how csv.DictReader reports cells beyond the header
    assert [p.code for p in map_ipis_row(row, 2).errors] == ["extra_cells"]


def test_header():
    assert len(IPIS_COLUMNS) == 85
    assert len(set(IPIS_COLUMNS)) == 85
    assert check_header(IPIS_COLUMNS) == []
    problems = check_header([c for c in IPIS_COLUMNS if c not in ("pcode", "womenwork")] + ["vid", "extra"])
    found = {(p.severity, p.code, p.column) for p in problems}
    assert found == {
        ("error", "missing_column", "pcode"),
        ("warning", "missing_column", "womenwork"),
        ("error", "duplicate_column", "vid"),
        ("warning", "unexpected_column", "extra"),
    }


def test_shared_data_path_skips_or_fails_when_absent(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="shared test data not found"):
        shared_data_path("no-such-dataset", "x.csv")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true requires it"):
        shared_data_path("no-such-dataset", "x.csv")


@pytest.mark.shared_data
def test_the_real_ipis_file_maps_without_errors():
    path = shared_data_path(*IPIS_CSV)
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert check_header(reader.fieldnames or []) == []
        records = [map_ipis_row(row, n) for n, row in enumerate(reader, start=2)]

    errors = [p.describe() for r in records for p in r.errors]
    assert errors == []
    assert len(records) == 6955
    assert len({r.site["code"] for r in records}) == 3409
    assert len({r.visit["source_visit_id"] for r in records}) == 6955
    dates = [r.visit["visit_date"] for r in records]
    assert (min(dates), max(dates)) == (dt.date(2009, 1, 1), dt.date(2023, 6, 21))
    # SOURCE.md: mercury used at 790 visits, children under 15 at 869, women at 1,110
    assert Counter(r.visit["mercury_used"] for r in records)[True] == 790
    assert Counter(r.visit["children_under15_present"] for r in records)[True] == 869
    assert Counter(r.visit["women_present"] for r in records)[True] == 1110
    # Every mineral maps to a known key except one local name nobody could identify.
    assert [m for r in records for m in r.site["minerals_raw"]] == ["Manvenve"]
    assert all(r.site["location_origin"] in {"gps", "approximation", "digitised", "other"} for r in records)
    warnings = Counter(p.code for r in records for p in r.problems)
    assert "geom_mismatch" not in warnings  # SOURCE.md: geom agrees with longitude/latitude on every row
    assert "location_origin_unknown" not in warnings
