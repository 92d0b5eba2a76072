"""Species and measures tables for tree area planning (issue 10 part 1): data checks, loader, lookups.

Values are checked for physical ranges and provenance, not for agreement with a published figure: the
tables' numbers are sourced (or flagged provisional) row by row in the CSV, and the few derived numbers
(seedlings per ha from spacing, cost per ha) are recomputed here from their definitions.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from minewatch.errors import InvalidInput
from minewatch.planning.species import (
    AGE_CLASSES, MEASURES_TABLE, SPECIES_TABLE, Measure, Species, age_class_at, c_factor_at, load_measures,
    load_species, plantable, root_cohesion_at,
)

SPECIES = load_species()
MEASURES = load_measures()
UNVERIFIED_TAGS = ("[MEM", "[ASSUMED")  # how the built-in sources mark a value not read in a source


def _table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _species_file(tmp_path: Path, **changes: str) -> Path:
    """A one-row user species table: the acacia row with ``changes`` applied."""
    header, rows = _table(SPECIES_TABLE)
    row = dict(next(r for r in rows if r["id"] == "acacia_mangium"), **changes)
    return _write(tmp_path / "my_species.csv", header, [row])


def _measure_file(tmp_path: Path, **changes: str) -> Path:
    header, rows = _table(MEASURES_TABLE)
    row = dict(next(r for r in rows if r["id"] == "bench_terrace"), **changes)
    return _write(tmp_path / "my_measures.csv", header, [row])


# --- the built-in data -------------------------------------------------------------------------------

def test_builtin_tables_hold_the_species_and_measures_the_issue_names():
    for sid in ("acacia_mangium", "gliricidia_sepium", "leucaena_leucocephala", "eucalyptus", "bambusa_vulgaris",
                "chrysopogon_zizanioides", "cenchrus_purpureus", "calliandra_calothyrsus", "inga_edulis",
                "alnus_acuminata", "tithonia_diversifolia", "native_pioneer"):
        assert isinstance(SPECIES[sid], Species)
    assert {s.life_form for s in SPECIES.values()} == {"tree", "shrub", "bamboo", "grass"}
    for mid in ("bench_terrace", "contour_trench", "drainage_ditch", "check_dam", "live_fascine", "brush_wattle"):
        assert isinstance(MEASURES[mid], Measure)


@pytest.mark.parametrize("sid", sorted(SPECIES))
def test_species_values_are_in_physical_ranges(sid):
    s = SPECIES[sid]
    assert [c.name for c in s.age_classes] == list(AGE_CLASSES)
    assert s.age_classes[0].from_years == 0 and s.age_classes[-1].to_years is None
    for before, after in zip(s.age_classes, s.age_classes[1:]):
        assert before.to_years == after.from_years  # contiguous, no gap, no overlap
    for c in s.age_classes:
        lo, mode, hi = c.root_cohesion_kpa
        assert 0 <= lo <= mode <= hi <= 50  # hazards.md 6.1: forests 1-20 kPa, plantations up to 15
        assert 0 <= c.usle_c <= 1
    # cover only thickens and roots only grow with age in this table
    assert [c.usle_c for c in s.age_classes] == sorted((c.usle_c for c in s.age_classes), reverse=True)
    modes = [c.root_cohesion_kpa[1] for c in s.age_classes]
    assert modes == sorted(modes)
    assert 0 < s.survival_fraction <= 1
    assert 0 < s.rooting_depth_m <= 3
    assert 0 < s.max_slope_deg < 90
    assert s.seedlings_per_ha == round(10_000 / (s.spacing_m * s.row_spacing_m))  # definition of the grid
    assert isinstance(s.seedling_cost_usd, Decimal) and s.seedling_cost_usd > 0
    assert s.cost_per_ha_usd == s.seedling_cost_usd * s.seedlings_per_ha
    assert s.labour_days_per_ha > 0


@pytest.mark.parametrize("sid", sorted(SPECIES))
def test_every_species_value_group_has_a_source_and_unverified_groups_are_provisional(sid):
    s = SPECIES[sid]
    assert set(s.sources) == set(s.provisional_groups) == {"root", "cover", "planting"}
    for group, source in s.sources.items():
        assert len(source) > 30, f"{sid} {group}: a full citation, not a word"
        if any(tag in source for tag in UNVERIFIED_TAGS):
            assert s.provisional_groups[group], f"{sid} {group} cites an unverified value but is not provisional"
    assert s.names["en"] and s.names["fr"] and s.names["es"] and s.native_regions


@pytest.mark.parametrize("mid", sorted(MEASURES))
def test_measures_have_effects_in_range_sources_and_provisional_flags(mid):
    m = MEASURES[mid]
    assert 0 < m.usle_p <= 1 and 0 < m.wetness_multiplier <= 1
    assert m.cohesion_add_kpa >= 0 and 0 <= m.sediment_trap_fraction < 1
    assert (m.usle_p, m.wetness_multiplier, m.cohesion_add_kpa, m.sediment_trap_fraction) != (1, 1, 0, 0)
    assert m.unit in ("ha", "m", "each") and isinstance(m.cost_usd_per_unit, Decimal)
    assert m.labour_days_per_unit > 0 and m.lifetime_years > 0
    assert len(m.source) > 30
    if any(tag in m.source for tag in UNVERIFIED_TAGS):
        assert m.provisional


def test_eucalyptus_row_states_its_downsides():
    assert "downsides" in SPECIES["eucalyptus"].notes
    # its mature cover factor is not credited with the litter of a closed natural stand
    assert c_factor_at(SPECIES["eucalyptus"], 20) > c_factor_at(SPECIES["acacia_mangium"], 20)


# --- age-class lookups --------------------------------------------------------------------------------

def test_age_class_boundaries_open_the_next_class():
    acacia = SPECIES["acacia_mangium"]  # young from 3 yr, mature from 6 yr
    assert [age_class_at(acacia, a).name for a in (0, 2.999, 3, 5.999, 6, 80)] == [
        "establishing", "establishing", "young", "young", "mature", "mature"]
    assert root_cohesion_at(acacia, 0) == acacia.age_classes[0].root_cohesion_kpa
    assert root_cohesion_at(acacia, 3) == acacia.age_classes[1].root_cohesion_kpa
    assert root_cohesion_at(acacia, 6) == acacia.age_classes[2].root_cohesion_kpa
    assert c_factor_at(acacia, 5.5) == acacia.age_classes[1].usle_c
    assert acacia.years_to_maturity == 6
    assert age_class_at(acacia, 6).root_cohesion_pa == tuple(1000 * v for v in root_cohesion_at(acacia, 6))


@pytest.mark.parametrize("bad", [-0.1, float("nan"), "three"])
def test_age_must_be_a_number_at_least_zero(bad):
    with pytest.raises(InvalidInput, match="needs a number >= 0"):
        age_class_at(SPECIES["acacia_mangium"], bad)


def test_plantable_scalar_and_array_at_the_limit():
    vetiver = SPECIES["chrysopogon_zizanioides"]
    limit = vetiver.max_slope_deg
    assert plantable(vetiver, limit) is True and plantable(vetiver, limit + 1e-9) is False
    got = plantable(vetiver, np.array([[0.0, limit], [np.nan, 89.0]]))
    assert got.dtype == bool and got.tolist() == [[True, True], [False, False]]


# --- user tables: extend, override, errors --------------------------------------------------------------

def test_user_rows_extend_and_override_by_id(tmp_path):
    header, rows = _table(SPECIES_TABLE)
    acacia = dict(next(r for r in rows if r["id"] == "acacia_mangium"), seedling_cost_usd="0.40")
    local = dict(acacia, id="macaranga_local", scientific_name="Macaranga sp.")
    path = _write(tmp_path / "mine.csv", header, [acacia, local])
    table = load_species(path)
    assert table["acacia_mangium"].seedling_cost_usd == Decimal("0.40")  # overridden
    assert table["macaranga_local"].scientific_name == "Macaranga sp."  # added
    assert set(table) == set(SPECIES) | {"macaranga_local"}
    assert load_species()["acacia_mangium"].seedling_cost_usd == Decimal("0.15")  # built-ins untouched
    assert set(load_species(path, builtin=False)) == {"acacia_mangium", "macaranga_local"}


def test_user_measures_extend_and_override(tmp_path):
    table = load_measures(_measure_file(tmp_path, usle_p="0.15", cost_usd_per_unit="250.50"))
    assert table["bench_terrace"].usle_p == 0.15 and table["bench_terrace"].cost_usd_per_unit == Decimal("250.50")
    assert set(table) == set(MEASURES)
    blank = load_measures(_measure_file(tmp_path, id="stone_line", usle_p="", wetness_multiplier="0.9"))
    assert blank["stone_line"].usle_p == 1.0 and blank["stone_line"].wetness_multiplier == 0.9


@pytest.mark.parametrize("column, value, message", [
    ("usle_c_young", "1.5", "outside the plausible range 0-1"),
    ("survival_fraction", "-0.2", "outside the plausible range 0-1"),
    ("root_cohesion_young_min_kpa", "-1", "outside the plausible range"),
    ("root_cohesion_mature_max_kpa", "4", "needs root_cohesion_mature_min_kpa <= "),
    ("seedling_cost_usd", "cheap", "is not a number (USD)"),
    ("seedlings_per_ha", "1111.5", "is not a whole number"),
    ("seedlings_per_ha", "2000", "differs by more than 1 % from 10000 / (spacing_m x row_spacing_m) = 1111"),
    ("years_to_maturity", "2", "needs young_from_years (3) < years_to_maturity"),
    ("life_form", "vine", "not one of tree, shrub, bamboo, grass"),
    ("provisional_root", "maybe", "is not true or false"),
    ("source_root", "", "empty"),
    ("id", "Acacia Mangium", "an id is lower case"),
])
def test_species_errors_name_file_line_column_and_value(tmp_path, column, value, message):
    with pytest.raises(InvalidInput) as err:
        load_species(_species_file(tmp_path, **{column: value}))
    text = str(err.value)
    assert text.startswith(f"my_species.csv line 2, column {column}: value {value!r}"), text
    assert message in text, text


def test_species_header_errors(tmp_path):
    header, rows = _table(SPECIES_TABLE)
    _write(tmp_path / "a.csv", [*header, "colour"], [dict(rows[0], colour="green")])
    with pytest.raises(InvalidInput, match=r"a.csv line 1, column colour: .*unexpected column"):
        load_species(tmp_path / "a.csv")
    short = [c for c in header if c != "spacing_m"]
    _write(tmp_path / "b.csv", short, [{c: rows[0][c] for c in short}])
    with pytest.raises(InvalidInput, match=r"b.csv line 1, column spacing_m: .*missing column"):
        load_species(tmp_path / "b.csv")
    _write(tmp_path / "c.csv", header, [rows[0], rows[0]])
    with pytest.raises(InvalidInput, match=r"c.csv line 3, column id: value 'acacia_mangium': appears twice"):
        load_species(tmp_path / "c.csv")
    _write(tmp_path / "d.csv", header, [])
    with pytest.raises(InvalidInput, match="d.csv: no rows"):
        load_species(tmp_path / "d.csv")
    with pytest.raises(InvalidInput, match="cannot read"):
        load_species(tmp_path / "absent.csv")


@pytest.mark.parametrize("changes, column, message", [
    ({"usle_p": "", "wetness_multiplier": "", "cohesion_add_kpa": "", "sediment_trap_fraction": ""}, "usle_p",
     "needs at least one effect"),
    ({"unit": "km"}, "unit", "not one of ha, m, each"),
    ({"wetness_multiplier": "1.2"}, "wetness_multiplier", "outside the plausible range 0-1"),
    ({"cost_usd_per_unit": "NaN"}, "cost_usd_per_unit", "is not a number (USD)"),
    ({"provisional": "yes"}, "provisional", "is not true or false"),
])
def test_measure_errors_name_file_line_and_column(tmp_path, changes, column, message):
    with pytest.raises(InvalidInput) as err:
        load_measures(_measure_file(tmp_path, **changes))
    assert str(err.value).startswith(f"my_measures.csv line 2, column {column}: "), str(err.value)
    assert message in str(err.value)
