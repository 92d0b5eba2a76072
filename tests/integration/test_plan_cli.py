"""``minewatch plan trees`` and ``minewatch plantings`` through the CLI on SQLite and PostgreSQL: a site and its
people imported, its hazard assessed from real runs (the generated hillside of reference/hazards.md 9.1), a
plan made from the latest assessment, stored and adopted, plantings and survival checks imported, plan
versus done. Expected values are derived in the test from the plan's own files (no published plan exists)."""

from __future__ import annotations

import csv
import json

import numpy as np
from pyproj import Transformer

from tests.planning.test_plan_trees import SITE, SPECIES, runs  # noqa: F401  (module-scoped runs fixture)

TO_LONLAT = Transformer.from_crs("EPSG:32651", "EPSG:4326", always_xy=True)


def _csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


def _setup(cli, tmp_path, runs):  # noqa: F811
    lon, lat = TO_LONLAT.transform(SITE.centroid.x, SITE.centroid.y)
    cli("import", "sites", _csv(tmp_path / "sites.csv", ["code", "name", "country", "latitude", "longitude",
                                                         "minerals", "lifecycle_status"],
                                [["T-1", "Test hillside", "PH", f"{lat:.7f}", f"{lon:.7f}", "gold", "active"]]))
    cli("import", "people", _csv(tmp_path / "people.csv", ["external_id", "birth_year", "consent_data",
                                                            "consent_data_at"],
                                 [[f"P-{i}", 1980 + i, "yes", "2024-01-01"] for i in range(12)]))
    cli("import", "assignments", _csv(tmp_path / "work.csv", ["person", "site", "task", "valid_from"],
                                      [[f"P-{i}", "T-1", "digging", "2024-01-01"] for i in range(12)]))
    cli("hazard", "sites", "--run", str(runs / "landslide"), "--erosion", str(runs / "erosion"), "--buffer-m", "150")


def test_plan_for_a_site_is_stored_adopted_and_followed(cli, tmp_path, runs):  # noqa: F811
    import rasterio
    import shapely
    from rasterio.features import geometry_mask

    _setup(cli, tmp_path, runs)
    # an active pit to leave alone, given in longitude/latitude (the planner reprojects it to the runs' grid)
    pit = shapely.box(SITE.centroid.x - 150, SITE.centroid.y - 20, SITE.centroid.x + 150, SITE.centroid.y + 20)
    pit_ll = shapely.transform(pit, lambda xy: np.column_stack(TO_LONLAT.transform(xy[:, 0], xy[:, 1])))
    (tmp_path / "pit.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"use": "active pit"}, "geometry": shapely.geometry.mapping(pit_ll)}]}))
    out = tmp_path / "plan"
    res = cli("plan", "trees", "--site", "T-1", "--budget", "250", "--species", ",".join(SPECIES), "--buffer-m", "150",
              "--exclude", str(tmp_path / "pit.geojson"), "--min-patch", "200", "--out", str(out), "--json")
    summary = json.loads(res.output)
    assert summary["site"] == "T-1" and summary["by_species"]
    assert summary["cost_usd"] <= 250 and summary["expected"] < summary["baseline"]
    assert summary["objective"]["name"] == "exposure" and summary["excluded_cells"] > 0
    with rasterio.open(out / "plan.tif") as src:
        codes, transform = src.read(1), src.transform
    in_pit = geometry_mask([pit], out_shape=codes.shape, transform=transform, invert=True)
    assert in_pit.any() and not ((codes > 0) & (codes != 255) & in_pit).any()
    # stored, then adopted
    plans = json.loads(cli("plantings", "plans", "--site", "T-1", "--json").output)
    assert len(plans) == 1 and plans[0]["status"] == "proposed"
    cli("plantings", "adopt", str(plans[0]["id"]))
    # planted (half the first species of the plan) and checked
    first = summary["by_species"][0]
    cli("plantings", "import", _csv(tmp_path / "plantings.csv",
                                    ["external_id", "site", "species", "planted_on", "count", "area_ha", "plan"],
                                    [["PL-1", "T-1", first["id"], "2026-11-01", first["seedlings"] // 2,
                                      round(first["area_ha"] / 2, 4), plans[0]["id"]]]))
    cli("plantings", "import", "--survival", _csv(tmp_path / "checks.csv",
                                                  ["external_id", "planting", "checked_on", "alive"],
                                                  [["SC-1", "PL-1", "2026-11-20", first["seedlings"] // 4]]))
    done = json.loads(cli("plantings", "plan-vs-done", "--site", "T-1", "--json").output)
    text = json.dumps(done)
    assert first["id"] in text and str(first["seedlings"] // 2) in text and str(first["seedlings"]) in text
    surv = json.loads(cli("plantings", "survival", "--site", "T-1", "--json").output)
    rate = surv["plantings"][0]["rate"]
    assert abs(rate - (first["seedlings"] // 4) / (first["seedlings"] // 2)) < 1e-9
    # the hazard with what was actually planted: PL-2 has a place (a polygon on the site), PL-1 has none
    block = shapely.box(SITE.centroid.x - 100, SITE.centroid.y + 30, SITE.centroid.x + 100, SITE.centroid.y + 120)
    block_ll = shapely.transform(block, lambda xy: np.column_stack(TO_LONLAT.transform(xy[:, 0], xy[:, 1])))
    cli("plantings", "import", _csv(tmp_path / "plantings2.csv",
                                    ["external_id", "site", "species", "planted_on", "count", "wkt"],
                                    [["PL-2", "T-1", SPECIES[0], "2024-11-01", 50000, block_ll.wkt]]))
    actual = json.loads(cli("plantings", "hazard", "--site", "T-1", "--on", "2026-11-25", "--buffer-m", "150",
                            "--out", str(tmp_path / "actual"), "--json").output)
    assert [u["planting"] for u in actual["unmapped"]] == ["PL-1"]
    (mapped,) = actual["plantings"]
    assert mapped["planting"] == "PL-2" and mapped["survival_source"] == "expected" and mapped["cells"] > 100
    for name in ("exposure", "soil", "sediment"):
        o = actual["objectives"][name]
        assert o["at_maturity"] <= o["now"] <= o["without_plantings"], (name, o)
    assert actual["objectives"]["soil"]["now"] < actual["objectives"]["soil"]["without_plantings"]
    assert (tmp_path / "actual" / "cover.tif").is_file() and (tmp_path / "actual" / "map_exposure.png").is_file()
    # a second plan supersedes the proposal? No: the adopted plan stays adopted, the new one is proposed
    cli("plan", "trees", "--site", "T-1", "--budget", "100", "--species", SPECIES[0], "--buffer-m", "150",
        "--out", str(tmp_path / "plan2"))
    statuses = sorted(p["status"] for p in json.loads(cli("plantings", "plans", "--site", "T-1", "--json").output))
    assert statuses == ["adopted", "proposed"]


def test_plan_for_an_area_file_and_clear_errors(cli, tmp_path, runs):  # noqa: F811
    import shapely

    _setup(cli, tmp_path, runs)
    area_ll = shapely.transform(SITE, lambda xy: np.column_stack(TO_LONLAT.transform(xy[:, 0], xy[:, 1])))
    (tmp_path / "area.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(area_ll)}]}))
    res = cli("plan", "trees", "--area", str(tmp_path / "area.geojson"), "--budget", "2000", "--budget-unit",
              "seedlings", "--objective", "soil", "--species", ",".join(SPECIES), "--out", str(tmp_path / "a"))
    assert "seedlings" in res.output and "proven within" in res.output
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["area"] == "area.geojson" and summary["site"] is None and summary["seedlings"] <= 2000
    bad = cli("plan", "trees", "--site", "NOPE", "--budget", "10", "--out", str(tmp_path / "b"), ok=False)
    assert bad.exit_code != 0 and "NOPE" in bad.output
    both = cli("plan", "trees", "--budget", "10", "--out", str(tmp_path / "c"), ok=False)
    assert both.exit_code != 0 and "--site" in both.output
