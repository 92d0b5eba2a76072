"""The plan's maps (PNG) and printable page (HTML) for field teams (issue 10, part 2 "output").

No science here: the maps and the page only show numbers computed elsewhere. The tests check what a
reader relies on: the files exist, are light and not blank; before and after share one colour scale
(checked on the function that computes it, from its definition: the finite min/max over both arrays);
the species table's totals are the sums of its rows; long patch lists are capped with "and N more";
names are HTML-escaped; the language reaches the page (``<html lang>``, Babel number formats).
"""

from __future__ import annotations

import copy
import datetime as dt
import re

import matplotlib.image as mpimg
import numpy as np
import pytest
from babel.numbers import format_currency, format_decimal
from affine import Affine
from shapely.geometry import box

from minewatch.errors import InvalidInput
from minewatch.planning import report
from minewatch.planning.report import (
    change_scale, coordinate, nice_length, option_colours, patch_cap, plan_context, shared_scale, write_maps,
    write_printable,
)

N = 200
CELL_M = 10.0


@pytest.fixture(scope="module")
def grids():
    """A 200 x 200 plan (3 species in 3 blocks, a 10-cell rim outside the area) with a DEM and 2 layers."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:N, 0:N]
    dem = 300.0 + 0.8 * xx + 25.0 * np.sin(yy / 17.0)
    codes = np.zeros((N, N), np.uint8)
    codes[:10, :] = codes[-10:, :] = codes[:, :10] = codes[:, -10:] = report.OUTSIDE
    codes[40:80, 40:90], codes[100:150, 20:60], codes[120:180, 120:180] = 1, 2, 3
    planted = (codes > 0) & (codes != report.OUTSIDE)
    soil_before = rng.gamma(2.0, 8.0, (N, N))
    soil_before[50, 50] = np.nan
    pfail_before = rng.uniform(0.0, 0.9, (N, N))
    layers = {
        "soil": {"before": soil_before, "after": np.where(planted, soil_before * 0.1, soil_before),
                 "label": "soil loss (t/ha/yr)", "log": True},
        "exposure": {"before": pfail_before, "after": np.where(planted, pfail_before * 0.4, pfail_before),
                     "label": "probability of failure (-)", "log": False},
    }
    transform = Affine(CELL_M, 0.0, 500_000.0, 0.0, -CELL_M, 9_000_000.0)
    outline = box(500_000.0 + 10 * CELL_M, 9_000_000.0 - 190 * CELL_M, 500_000.0 + 190 * CELL_M,
                  9_000_000.0 - 10 * CELL_M)
    options = [{"code": 1, "id": "vetiver", "name": "vetiver", "life_form": "grass", "seedlings": 20000},
               {"code": 2, "id": "acacia_mangium", "name": "mangium", "life_form": "tree", "seedlings": 2222},
               {"code": 3, "id": "bamboo", "name": "bamboo", "life_form": "bamboo"}]
    return {"codes": codes, "dem": dem, "layers": layers, "transform": transform, "outline": outline,
            "options": options}


@pytest.fixture(scope="module")
def maps(grids, tmp_path_factory):
    out = tmp_path_factory.mktemp("maps")
    return write_maps(out, plan_codes=grids["codes"], options=grids["options"], layers=grids["layers"],
                      transform=grids["transform"], crs="EPSG:32735", outline=grids["outline"],
                      hillshade_dem=grids["dem"], lang="fr")


def _species(i: int, sid: str, en: str, sci: str, seedlings: int, area: float, cost: float, days: float,
             provisional: bool = False) -> dict:
    return {"id": sid, "code": i, "names": {"en": en, "fr": f"{en} (fr)", "es": f"{en} (es)"},
            "scientific_name": sci, "life_form": "tree", "cells": int(area * 100), "area_ha": area,
            "seedlings": seedlings, "cost_usd": cost, "labour_days": days, "survival": 0.8,
            "years_to_maturity": 6, "provisional": provisional}


@pytest.fixture()
def summary() -> dict:
    """A summary.json (version 1) following the plan folder's schema, 3 species and 20 patches."""
    by_species = [
        _species(1, "vetiver", "vetiver; khus", "Chrysopogon zizanioides", 20000, 0.5, 1234.5, 40.0),
        _species(2, "acacia_mangium", "mangium", "Acacia mangium", 2222, 2.0, 333.3, 18.6, provisional=True),
        _species(3, "bamboo", "bamboo", "Bambusa vulgaris", 400, 1.0, 600.0, 10.0),
    ]
    patches = [{"id": k + 1, "species": by_species[k % 3]["id"], "area_ha": 0.175, "seedlings": 1131,
                "lon": 27.1234567 + k * 1e-3, "lat": -3.7654321} for k in range(20)]
    return {
        "site": "KAM-042", "area": None, "crs": "EPSG:32735", "cell_size_m": 10.0, "candidate_cells": 30000,
        "excluded_cells": 1200, "objective": {"name": "soil", "units": "t/yr"},
        "baseline": 1234.0, "expected": 400.25, "reduction": 833.75, "reduction_share": 0.6758, "gap": 0.0042,
        "bound": 837.25, "status": "gap_reached", "method": "milp", "seconds": 3.2,
        "budget": {"value": 2200.0, "unit": "usd"}, "seedlings": 22622, "cost_usd": 2167.8, "labour_days": 68.6,
        "area_ha": 3.5, "by_species": by_species,
        "objectives": {"exposure": {"baseline": 0.52, "expected": 0.31, "units": "people"},
                       "soil": {"baseline": 1234.0, "expected": 400.25, "units": "t/yr"}, "sediment": None},
        "years": [{"year": y, "exposure": 0.52 - 0.035 * y, "soil": 1234.0 - 139.0 * y, "sediment": None}
                  for y in range(7)],
        "patches": patches, "provisional": ["seedling prices", "survival fractions"],
        "findings": [], "files": {"gpkg": "plan.gpkg", "geojson": "plan.geojson", "tif": "plan.tif",
                                  "maps": {"plan": "map_plan.png", "soil": "map_soil.png"},
                                  "printable": "plan.html"},
    }


# ----------------------------------------------------------------------------------------------- maps


def test_maps_written_light_and_not_blank(maps):
    assert set(maps) == {"plan", "soil", "exposure"}
    assert [p.name for p in maps.values()] == ["map_plan.png", "map_soil.png", "map_exposure.png"]
    for path in maps.values():
        size = path.stat().st_size
        assert size < 300_000, f"{path.name}: {size} bytes for a {N} x {N} grid"
        image = mpimg.imread(path)
        rgb = image[..., :3].reshape(-1, 3)
        assert image.shape[0] > 300 and image.shape[1] > 300
        # a drawn map has many colours and some dark ink (outline, text), not a uniform sheet
        assert len(np.unique(np.round(rgb * 255).astype(int), axis=0)) > 20, path.name
        assert (rgb.sum(axis=1) < 0.6).mean() > 0.001, path.name


def test_plan_map_shows_each_species_colour(maps, grids):
    rgb = np.round(mpimg.imread(maps["plan"])[..., :3] * 255).astype(int).reshape(-1, 3)
    for colour in option_colours(len(grids["options"])):
        target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        # the colours are drawn at alpha 0.9 over a grey hillshade: near, not equal
        assert (np.abs(rgb - target).max(axis=1) < 40).sum() > 500, colour


def test_maps_without_hillshade_or_outline_in_geographic_crs(grids, tmp_path):
    transform = Affine(0.0001, 0.0, 27.0, 0.0, -0.0001, -3.0)  # about 11 m cells near the equator
    files = write_maps(tmp_path, plan_codes=grids["codes"][:60, :60], options=grids["options"], layers={},
                       transform=transform, crs="EPSG:4326")
    assert list(files) == ["plan"] and files["plan"].stat().st_size > 0


def test_maps_refuse_a_layer_on_another_grid(grids, tmp_path):
    bad = {"soil": {"before": np.zeros((3, 3)), "after": np.zeros((3, 3)), "label": "x", "log": False}}
    with pytest.raises(InvalidInput, match="shape"):
        write_maps(tmp_path, plan_codes=grids["codes"], options=grids["options"], layers=bad,
                   transform=grids["transform"], crs="EPSG:32735")


def test_shared_scale_is_the_range_over_both_panels():
    before = np.array([[2.0, np.nan], [5.0, 7.0]])
    after = np.array([[1.0, 3.0], [np.nan, 4.0]])
    assert shared_scale(before, after) == (1.0, 7.0)
    assert shared_scale(after, before) == shared_scale(before, after)
    # log: smallest positive value, zeros left out, but no more than LOG_DECADES below the maximum
    assert shared_scale(np.array([0.0, 0.5]), np.array([50.0, 0.0]), log=True) == (0.5, 50.0)
    assert shared_scale(np.array([1e-12]), np.array([10.0]), log=True) == (10.0 * 10.0 ** -report.LOG_DECADES, 10.0)
    assert shared_scale(np.full(2, np.nan), np.full(2, np.nan)) == (0.0, 1.0)
    assert shared_scale(np.full(2, 3.0), np.full(2, 3.0)) == (2.5, 3.5)


def test_change_scale_is_symmetric_about_zero():
    assert change_scale(np.array([5.0, 1.0, np.nan]), np.array([1.0, 2.0, 9.0])) == 4.0
    assert change_scale(np.ones(3), np.ones(3)) == 1.0


def test_scale_bar_lengths_are_round():
    assert nice_length(1800.0) == 200.0
    assert nice_length(5000.0) == 1000.0
    assert nice_length(31.0) == 5.0


def test_options_get_distinct_colours():
    colours = option_colours(12)
    assert len(set(colours)) == 12
    assert colours[:7] == list(report.OKABE_ITO)


# ------------------------------------------------------------------------------------------ printable


def _html(tmp_path, summary, lang="en", **kw):
    path = write_printable(tmp_path / "plan.html", summary, maps={"plan": "map_plan.png"}, lang=lang,
                           on=dt.date(2026, 11, 27), **kw)
    return path.read_text(encoding="utf-8")


def _cells(html: str, table_class: str) -> list[list[str]]:
    body = html.split(f'<table class="{table_class}">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, flags=re.S)]
            for r in rows]


def test_printable_has_species_rows_and_totals_equal_their_sum(tmp_path, summary):
    html = _html(tmp_path, summary)
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    rows = _cells(html, "species")
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[1:] == ["Species", "Seedlings", "Area (ha)", "Workdays", "Cost"]
    assert [r[1] for r in body] == ["vetiver (Chrysopogon zizanioides)", "mangium * (Acacia mangium)",
                                    "bamboo (Bambusa vulgaris)"]
    rows_of = {k: [s[k] for s in summary["by_species"]] for k in ("seedlings", "area_ha", "labour_days", "cost_usd")}
    assert [r[2] for r in body] == [format_decimal(v, locale="en") for v in rows_of["seedlings"]]
    assert total[2] == format_decimal(sum(rows_of["seedlings"]), locale="en") == "22,622"
    assert total[3] == "3.50"
    assert total[4] == format_decimal(sum(rows_of["labour_days"]), format="#,##0.0", locale="en") == "68.6"
    assert total[5] == format_currency(sum(rows_of["cost_usd"]), "USD", locale="en") == "$2,167.80"
    assert 'src="map_plan.png"' in html


def test_printable_caps_the_patches_and_says_how_many_more(tmp_path, summary):
    html = _html(tmp_path, summary)
    cap = patch_cap(3)
    patch_rows = _cells(html, "patches")[1:]
    assert len(patch_rows) == cap < len(summary["patches"])
    assert f"and {len(summary['patches']) - cap} more patches: see plan.gpkg" in html
    assert patch_rows[0][4:] == ["27.12346", "-3.76543"]  # lon/lat to 5 decimals
    few = copy.deepcopy(summary)
    few["patches"] = few["patches"][:2]
    html = _html(tmp_path, few)
    assert len(_cells(html, "patches")) == 3 and "more patch" not in html


def test_printable_escapes_names(tmp_path, summary):
    summary["by_species"][0]["names"]["en"] = "<script>alert(1)</script>"
    summary["provisional"] = ["<b>price</b>"]
    html = _html(tmp_path, summary, org_name="A & B <co-op>")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;price&lt;/b&gt;" in html and "A &amp; B &lt;co-op&gt;" in html


def test_printable_shows_objective_years_gap_provisional_and_safety(tmp_path, summary):
    html = _html(tmp_path, summary)
    assert "Tree planting plan: KAM-042" in html
    assert "Objective: reduce soil loss" in html and "(t/yr)" in html
    assert "Now: 1,234. With the plan, at maturity (year 6): 400." in html  # whole numbers from 100
    assert "within 0.4% of the best possible plan" in html
    years = _cells(html, "years")
    assert years[0] == ["year"] + [str(r["year"]) for r in summary["years"]]
    assert years[1] == ["soil loss (t/yr)", "1,234", "1,095", "956", "817", "678", "539", "400"]
    assert "seedling prices; survival fractions" in html
    assert "general guidance" in html and "30 degrees" in html
    assert html.count("<li>") == 4
    assert '<link rel="stylesheet" href="plan.css">' in html and "style=" not in html
    assert "@page { size: A4" in (tmp_path / "plan.css").read_text()
    assert "<script" not in html and "http" not in html  # no external resource


def test_printable_passes_the_language_through(tmp_path, summary):
    summary["by_species"][0]["seedlings"] = 1234
    html = _html(tmp_path, summary, lang="fr")
    assert '<html lang="fr">' in html
    assert "mangium (fr)" in html and "vetiver; khus" not in html  # French names, the first of a list
    fr_1234 = format_decimal(1234, locale="fr")
    assert fr_1234 == "1\u202f234"  # Babel's French grouping: a narrow no-break space
    assert f'<td class="n">{fr_1234}</td>' in html
    assert "3,50" in html  # decimal comma in the area total
    assert format_currency(2167.8, "USD", locale="fr") in html
    assert "27 novembre 2026" in html
    assert '<html lang="es">' in _html(tmp_path, summary, lang="es")
    assert '<html lang="en">' in _html(tmp_path, summary, lang="xx")  # unknown: English


def test_context_totals_and_cap_follow_the_rows(summary):
    ctx = plan_context(summary, maps={}, lang="en", on=dt.date(2026, 1, 1))
    assert ctx["totals"]["seedlings"] == sum(s["seedlings"] for s in summary["by_species"])
    assert ctx["totals"]["cost_usd"] == pytest.approx(sum(s["cost_usd"] for s in summary["by_species"]))
    assert ctx["more_patches"] == len(summary["patches"]) - patch_cap(3)
    assert ctx["maturity_year"] == 6 and ctx["year_columns"] == ["soil"]
    assert ctx["others"] == ["exposure"]  # sediment is null: not shown
    assert patch_cap(3) == report.MAX_PATCHES and patch_cap(100) == report.MIN_PATCHES
    assert coordinate(1.0) == "1.00000"


def test_mix_objective_shows_each_available_objective_by_year(summary):
    summary["objective"] = {"name": "mix", "units": "", "weights": {"exposure": 1.0, "soil": 0.001}}
    ctx = plan_context(summary, maps={}, lang="en")
    assert ctx["year_columns"] == ["exposure", "soil"]


def test_printable_of_an_empty_plan(tmp_path):
    """A plan with nothing to plant (budget too small, no candidate cells) still prints, with zero totals."""
    empty = {"site": None, "area": "zone.gpkg", "crs": "EPSG:4326", "cell_size_m": 10.0, "candidate_cells": 0,
             "excluded_cells": 0, "objective": {"name": "exposure", "units": "people"}, "baseline": None,
             "expected": None, "reduction": None, "reduction_share": None, "gap": None, "bound": None,
             "status": "empty", "method": "milp", "seconds": 0.0, "budget": {"value": 0, "unit": "seedlings"},
             "seedlings": 0, "cost_usd": 0.0, "labour_days": 0.0, "area_ha": 0.0, "by_species": [],
             "objectives": {"exposure": None, "soil": None, "sediment": None}, "years": [], "patches": [],
             "provisional": [], "findings": [], "files": {}}
    html = write_printable(tmp_path / "plan.html", empty, maps={}, on=dt.date(2026, 1, 1)).read_text("utf-8")
    assert "Tree planting plan: zone.gpkg" in html and "No patches in this plan." in html
    total = _cells(html, "species")[-1]
    assert total[1:] == ["Total", "0", "0.00", "0.0", "$0.00"]
    assert "<img" not in html and "best possible plan" not in html


def test_maps_refuse_an_unknown_crs(grids, tmp_path):
    with pytest.raises(InvalidInput, match="unknown CRS"):
        write_maps(tmp_path, plan_codes=grids["codes"], options=grids["options"], layers={},
                   transform=grids["transform"], crs="None")
