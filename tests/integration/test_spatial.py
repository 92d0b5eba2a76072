"""Site search, site details and derived title relations on SQLite and PostgreSQL/PostGIS.

Sites and concessions are written directly with Core (the importers are tested elsewhere). The
side-by-side tests run the same queries on a SQLite and a PostGIS database holding the same data and
require the same answers.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random

import pytest
import shapely
import sqlalchemy as sa
from pyproj import Geod

from minewatch.errors import InvalidInput
from minewatch.sites.errors import SiteNotFound
from minewatch.sites.model import Near, SiteQuery, site_geometry_columns
from minewatch.sites.orm import Concession, Site, SiteConcession, SiteMineral, SiteVisit
from minewatch.sites.service import find_sites, refresh_title_relations, show_site, summarise_title_relations

GEOD = Geod(ellps="WGS84")
CENTRE = (-2.5, 28.8)  # lat, lon: near Bukavu


# --- Writing test data --------------------------------------------------------------------------------


def add_sites(app, org_id: int, specs: list[dict]) -> None:
    """Insert sites: each spec has code, lat, lon and optionally name, country, polygon, minerals, status."""
    rows, minerals = [], {}
    for spec in specs:
        rows.append({
            "org_id": org_id, "code": spec["code"], "name": spec.get("name", spec["code"]),
            "country": spec.get("country", "CD"), "latitude": spec["lat"], "longitude": spec["lon"],
            "lifecycle_status": spec.get("status"), "title_relation": spec.get("title_relation"),
            **site_geometry_columns(spec.get("polygon"), spec["lat"], spec["lon"]),
        })
        minerals[spec["code"]] = spec.get("minerals", ())
    with app.engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(sa.insert(Site), rows[start:start + 2000])
        ids = dict(conn.execute(sa.select(Site.code, Site.id).where(Site.org_id == org_id)).all())
        links = [{"site_id": ids[code], "mineral": m, "position": i}
                 for code, ms in minerals.items() for i, m in enumerate(ms)]
        if links:
            conn.execute(sa.insert(SiteMineral), links)


def add_concessions(app, org_id: int, specs: list[dict]) -> None:
    """Insert concessions: external_id, geometry (stored as given, valid or not), title_type, zone flag."""
    rows = []
    for spec in specs:
        geom = spec["geometry"]
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        rows.append({
            "org_id": org_id, "source": spec.get("source", "test"), "external_id": spec["external_id"],
            "title_number": spec.get("title_number", spec["external_id"]), "holder": spec.get("holder"),
            "title_type": spec.get("title_type"), "title_type_raw": spec.get("title_type"),
            "is_artisanal_zone": spec.get("is_artisanal_zone", False), "status": spec.get("status"),
            "geom_wkb": shapely.to_wkb(geom, output_dimension=2), "geometry_type": geom.geom_type,
            "min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon, "max_lat": max_lat,
        })
    with app.engine.begin() as conn:
        for start in range(0, len(rows), 1000):
            conn.execute(sa.insert(Concession), rows[start:start + 1000])


def at(distance_km: float, azimuth: float, origin=CENTRE) -> tuple[float, float]:
    """The (lat, lon) ``distance_km`` from ``origin`` along ``azimuth`` degrees (geodesic)."""
    lon, lat, _ = GEOD.fwd(origin[1], origin[0], azimuth, distance_km * 1000.0)
    return lat, lon


def find(app, actor, **query):
    with app.uow() as uow:
        return find_sites(uow, actor=actor, query=SiteQuery(**query))


def codes(app, actor, **query) -> list[str]:
    return [r.code for r in find(app, actor, **query).rows]


# --- Search on each database ---------------------------------------------------------------------------


def test_near_measures_geodesic_distance_to_the_site_point(app, actor):
    specs = [{"code": f"D{km:06.2f}", "lat": at(km, az)[0], "lon": at(km, az)[1]}
             for km, az in [(1, 0), (5, 90), (9.99, 200), (10.01, 300), (30, 45)]]
    # A polygon site reaching to 2 km from the centre, but whose point is 8 km away: distance 8 km.
    lat8, lon8 = at(8, 180)
    specs.append({"code": "P8", "lat": lat8, "lon": lon8, "polygon": shapely.box(lon8 - 0.02, lat8, lon8 + 0.02, lat8 + 0.06)})
    # A polygon overlapping the circle whose point is 12 km away: not within 10 km.
    lat12, lon12 = at(12, 90)
    specs.append({"code": "P12", "lat": lat12, "lon": lon12, "polygon": shapely.box(lon12 - 0.05, lat12 - 0.01, lon12, lat12 + 0.01)})
    add_sites(app, actor.org_id, specs)

    result = find(app, actor, near=Near(*CENTRE, 10))
    assert [r.code for r in result.rows] == ["D001.00", "D005.00", "P8", "D009.99"]
    assert [r.distance_km for r in result.rows] == pytest.approx([1, 5, 8, 9.99], abs=1e-9)
    assert result.total == 4
    assert codes(app, actor, near=Near(*CENTRE, 10.02)) == ["D001.00", "D005.00", "P8", "D009.99", "D010.01"]
    assert codes(app, actor, near=Near(*CENTRE, 31), order="code")[:2] == ["D001.00", "D005.00"]


def test_bbox_and_within_test_the_site_geometry_edges_included(app, actor):
    add_sites(app, actor.org_id, [
        {"code": "EDGE", "lat": -2.0, "lon": 28.5},        # on the box's top edge
        {"code": "CORNER", "lat": -3.0, "lon": 29.0},      # on its corner
        {"code": "IN", "lat": -2.5, "lon": 28.7},
        {"code": "OUT", "lat": -1.99, "lon": 28.7},
        # Point outside the box, polygon reaching into it.
        {"code": "POLY", "lat": -1.95, "lon": 28.6, "polygon": shapely.box(28.55, -2.05, 28.65, -1.9)},
        # Polygon whose bounding box overlaps the box but which does not reach it.
        {"code": "MISS", "lat": -1.95, "lon": 29.05,
         "polygon": shapely.Polygon([(28.95, -1.9), (29.1, -1.9), (29.1, -2.05)])},
    ])
    box = (28.0, -3.0, 29.0, -2.0)
    assert codes(app, actor, bbox=box) == ["CORNER", "EDGE", "IN", "POLY"]
    triangle = "POLYGON ((28.5 -2.0, 29.0 -3.0, 28.0 -3.0, 28.5 -2.0))"
    assert codes(app, actor, within=triangle) == ["CORNER", "EDGE", "IN"]
    assert codes(app, actor, within=triangle, bbox=(28.6, -2.9, 29.2, -1.0)) == ["IN"]


def test_large_polygon_sites_are_found_whatever_their_size(app, actor):
    """An alluvial working along a river or a rehabilitation area may span degrees of latitude."""
    # 1.5° of river, its point at the north end: a search there must look 1.5° south for its box.
    river = shapely.Polygon([(28.0, -4.0), (28.1, -4.0), (28.1, -2.5), (28.0, -2.5)])
    # Two parts 1.5° apart, its point in the southern one.
    parts = shapely.MultiPolygon([shapely.box(28.3, -6.0, 28.4, -5.9), shapely.box(28.3, -4.6, 28.4, -4.5)])
    # An L whose 1.5° box covers the query box below while the L itself stays out of it.
    hook = shapely.Polygon([(27.5, -4.0), (28.5, -4.0), (28.5, -3.9), (27.6, -3.9), (27.6, -2.5), (27.5, -2.5)])
    add_sites(app, actor.org_id, [
        {"code": "RIVER", "lat": -2.55, "lon": 28.05, "polygon": river},
        {"code": "PARTS", "lat": -5.95, "lon": 28.35, "polygon": parts},
        {"code": "HOOK", "lat": -3.95, "lon": 28.0, "polygon": hook},
        {"code": "PIT", "lat": -2.57, "lon": 28.07},
        {"code": "FAR", "lat": -3.5, "lon": 28.05},
    ])
    assert codes(app, actor, bbox=(27.9, -2.7, 28.2, -2.4)) == ["PIT", "RIVER"]
    assert codes(app, actor, bbox=(28.2, -4.58, 28.5, -4.4)) == ["PARTS"]
    assert codes(app, actor, bbox=(27.8, -3.45, 28.4, -3.0)) == ["RIVER"]  # the middle of the river only
    assert codes(app, actor, within="POLYGON ((27.9 -2.6, 28.2 -2.6, 28.05 -2.3, 27.9 -2.6))") == ["PIT", "RIVER"]
    assert codes(app, actor, within="POLYGON ((27.55 -3.0, 27.7 -3.0, 27.7 -2.9, 27.55 -3.0))") == ["HOOK"]
    # Distances are to the site's point: the river's is at its north end, the hook's at its south.
    near = find(app, actor, near=Near(-2.56, 28.05, 3))
    assert [r.code for r in near.rows] == ["RIVER", "PIT"] and near.rows[0].distance_km < 1.2
    assert codes(app, actor, near=Near(-3.96, 28.0), nearest_n=1) == ["HOOK"]
    assert codes(app, actor, near=Near(-2.56, 28.05), nearest_n=2) == ["RIVER", "PIT"]


def test_imported_sites_may_be_large_polygons_but_not_lines(app, actor, cli, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text('code,geometry\n'
                    'RIVER,"POLYGON ((28 -4, 28.1 -4, 28.1 -2.5, 28 -2.5, 28 -4))"\n'
                    'ROAD,"LINESTRING (28 -3, 28.5 -3)"\n', encoding="utf-8")
    res = cli("import", "sites", str(path), ok=False)
    assert "ERROR row 3, column 'geometry'" in res.output
    assert "a site's geometry must be a point or a (multi)polygon, not a LineString" in res.output
    cli("import", "sites", str(path), "--quarantine", str(tmp_path / "q.csv"))
    assert codes(app, actor, bbox=(27.9, -2.7, 28.2, -2.4)) == ["RIVER"]
    assert codes(app, actor, bbox=(27.9, -4.1, 28.2, -3.9)) == ["RIVER"]


def test_nearest_breaks_ties_by_code_and_combines_with_filters(app, actor):
    lat, lon = at(3, 10)
    add_sites(app, actor.org_id, [
        {"code": "B-twin", "lat": lat, "lon": lon, "minerals": ["gold"]},
        {"code": "A-twin", "lat": lat, "lon": lon, "minerals": ["cassiterite"]},
        {"code": "C", "lat": at(4, 10)[0], "lon": at(4, 10)[1], "minerals": ["gold"]},
        {"code": "FAR", "lat": 4.0, "lon": 25.0, "minerals": ["gold", "diamond"]},
    ])
    assert codes(app, actor, near=Near(*CENTRE), nearest_n=1) == ["A-twin"]
    assert codes(app, actor, near=Near(*CENTRE), nearest_n=3) == ["A-twin", "B-twin", "C"]
    assert codes(app, actor, near=Near(*CENTRE), nearest_n=2, mineral="Or") == ["B-twin", "C"]
    assert codes(app, actor, near=Near(*CENTRE), nearest_n=10, mineral="diamond") == ["FAR"]
    assert codes(app, actor, near=Near(*CENTRE, 3.5), nearest_n=10) == ["A-twin", "B-twin"]
    result = find(app, actor, near=Near(*CENTRE), nearest_n=4, limit=2, offset=1)
    assert [r.code for r in result.rows] == ["B-twin", "C"] and result.total == 4
    assert codes(app, actor, near=Near(*CENTRE), nearest_n=3, order="code") == ["A-twin", "B-twin", "C"]


def test_filters_paging_ordering_and_organisation_scope(app, actor):
    from minewatch.accounts.service import init_organisation, resolve_actor

    with app.uow() as uow:
        init_organisation(uow, name="Other", slug="other", admin_email="a@other.org", allow_more=True)
    with app.uow() as uow:
        other = resolve_actor(uow, org_slug="other", email=None)
    add_sites(app, actor.org_id, [
        {"code": f"S{i:02d}", "name": None if i == 3 else f"Mine {'%' if i == 7 else ''}{i}", "lat": -2.5 + i / 100,
         "lon": 28.8, "minerals": ["gold"] if i % 2 else ["coltan", "cassiterite"],
         "status": "active" if i < 5 else "closed", "country": "RW" if i == 9 else "CD",
         "title_relation": ["inside_artisanal_zone", "inside_title", "outside"][i % 3]}
        for i in range(10)
    ])
    add_sites(app, other.org_id, [{"code": "S00", "lat": -2.5, "lon": 28.8}, {"code": "X", "lat": -2.5, "lon": 28.8}])

    assert find(app, actor).total == 10 and find(app, other).total == 2
    assert codes(app, other, near=Near(*CENTRE, 5)) == ["S00", "X"]
    assert codes(app, actor, mineral="cassitérite") == ["S00", "S02", "S04", "S06", "S08"]
    assert codes(app, actor, country="rw") == ["S09"]
    assert codes(app, actor, lifecycle_status="closed", mineral="gold") == ["S05", "S07", "S09"]
    assert codes(app, actor, search="%") == ["S07"]          # the % is a character, not a wildcard
    assert codes(app, actor, search="mine 1") == ["S01"]
    assert codes(app, actor, search="s0") == [f"S{i:02d}" for i in range(10)]
    assert codes(app, actor, title_relation="any_title") == ["S00", "S01", "S03", "S04", "S06", "S07", "S09"]
    assert codes(app, actor, title_relation="outside") == ["S02", "S05", "S08"]
    assert codes(app, actor, order="name")[-1] == "S03"     # no name: last
    page = find(app, actor, limit=4, offset=8)
    assert [r.code for r in page.rows] == ["S08", "S09"] and page.total == 10
    page = find(app, actor, limit=3)
    assert len(page.rows) == 3 and page.total == 10
    assert find(app, actor, near=Near(*CENTRE, 100), limit=3).total == 10
    assert find(app, actor, limit=3).rows[0].minerals == ("coltan", "cassiterite")
    with app.uow() as uow:
        summary = summarise_title_relations(uow, actor=actor, query=SiteQuery(near=Near(*CENTRE, 100)))
    assert summary == {"inside_artisanal_zone": 4, "inside_title": 3, "outside": 3, "not_computed": 0, "total": 10}


def test_show_site_with_minerals_visits_and_titles(app, actor):
    add_sites(app, actor.org_id, [{"code": "K1", "name": "Kamituga", "lat": -3.06, "lon": 28.18,
                                   "minerals": ["gold", "cassiterite"], "status": "active"}])
    add_concessions(app, actor.org_id, [
        {"external_id": "ZEA-1", "title_type": "ZEA", "is_artisanal_zone": True, "geometry": shapely.box(28.1, -3.1, 28.2, -3.0)},
        {"external_id": "PE-5", "title_type": "PE", "holder": "SAKIMA", "status": "Actif",
         "geometry": shapely.box(28.0, -3.2, 28.3, -2.9)},
    ])
    with app.engine.begin() as conn:
        site_id = conn.execute(sa.select(Site.id).where(Site.code == "K1")).scalar_one()
        conn.execute(sa.insert(SiteVisit), [
            {"org_id": actor.org_id, "site_id": site_id, "source": "test", "source_visit_id": str(i),
             "visit_date": d, "project": p, "workers_count": w}
            for i, (d, p, w) in enumerate([(dt.date(2019, 5, 1), "old", 10), (dt.date(2023, 6, 21), "first", 50),
                                           (dt.date(2023, 6, 21), "second", 80)])
        ])
    with app.uow() as uow:
        refresh_title_relations(uow, actor=actor)
    with app.uow() as uow:
        detail = show_site(uow, actor=actor, code="K1")
    assert detail.site.minerals == ("gold", "cassiterite") and detail.site.title_relation == "inside_artisanal_zone"
    assert detail.visit_count == 3
    assert (detail.latest_visit.visit_date, detail.latest_visit.project) == (dt.date(2023, 6, 21), "second")
    assert [(t.title_type, t.is_artisanal_zone, t.holder) for t in detail.titles] == [("ZEA", True, None), ("PE", False, "SAKIMA")]
    with app.uow() as uow, pytest.raises(SiteNotFound) as info:
        show_site(uow, actor=actor, code="nope")
    assert info.value.code == "site_not_found" and info.value.exit_code == 3


def test_refresh_title_relations_links_repairs_and_audits(app, actor):
    from minewatch.audit.orm import AuditEvent
    from minewatch.audit.service import verify

    add_sites(app, actor.org_id, [
        {"code": "ZONE", "lat": 0.5, "lon": 0.5},      # in the zone and in the permit: the zone wins
        {"code": "PERMIT", "lat": 0.5, "lon": 1.5},
        {"code": "BOWTIE", "lat": 2.5, "lon": 2.8},     # inside one lobe of the self-crossing polygon
        {"code": "EDGE", "lat": 0.5, "lon": 3.0},       # on the permit's outer edge: inside
        {"code": "OUT", "lat": 5.0, "lon": 5.0},
        {"code": "POLY", "lat": -0.05, "lon": 1.5, "polygon": shapely.box(1.45, -0.1, 1.55, 0.01)},
    ])
    with app.uow() as uow:
        first = refresh_title_relations(uow, actor=actor)
    assert first["not_computed"] == 6 and first["changed"] == 0 and first["links"] == 0   # no concessions yet

    add_concessions(app, actor.org_id, [
        {"external_id": "ZEA", "title_type": "ZEA", "is_artisanal_zone": True, "geometry": shapely.box(0, 0, 1, 1)},
        {"external_id": "PE", "title_type": "PE", "geometry": shapely.box(0, 0, 3, 1)},
        {"external_id": "PR", "title_type": "PR",
         "geometry": shapely.from_wkt("POLYGON ((2 2, 3 3, 3 2, 2 3, 2 2))")},  # invalid: crosses itself
    ])
    with app.uow() as uow:
        counts = refresh_title_relations(uow, actor=actor)
    assert counts == {"sites": 6, "concessions": 3, "invalid_concessions": 1, "links": 6,
                      "inside_artisanal_zone": 1, "inside_title": 4, "outside": 1, "not_computed": 0, "changed": 6}
    relations = {r.code: r.title_relation for r in find(app, actor).rows}
    assert relations == {"ZONE": "inside_artisanal_zone", "PERMIT": "inside_title", "BOWTIE": "inside_title",
                         "EDGE": "inside_title", "OUT": "outside", "POLY": "inside_title"}
    with app.engine.connect() as conn:
        derived = conn.execute(sa.select(sa.func.count()).select_from(AuditEvent)
                               .where(AuditEvent.action == "derived", AuditEvent.entity_type == "site")).scalar_one()
        links = conn.execute(sa.select(sa.func.count()).select_from(SiteConcession)).scalar_one()
    assert derived == 6 and links == 6

    with app.uow() as uow:
        again = refresh_title_relations(uow, actor=actor)
    assert again["changed"] == 0 and again["links"] == 6

    # Inside a caller's transaction (an import) nothing is committed by the refresh itself.
    from minewatch.audit.service import AuditLog
    from minewatch.sites.service import refresh_title_relations_in

    with app.uow() as uow:
        uow.session.execute(sa.delete(SiteConcession))
        uow.session.execute(sa.delete(Concession).where(Concession.external_id == "ZEA"))
        inner = refresh_title_relations_in(uow.session, actor, AuditLog(uow.session, actor))
        assert inner["changed"] == 1 and inner["inside_artisanal_zone"] == 0
        uow.rollback()
    assert {r.code: r.title_relation for r in find(app, actor).rows} == relations
    with app.uow() as uow:
        n, breaks = verify(uow.session, actor.org_id)
    assert breaks == [] and n == 2 + 6


def test_a_viewer_may_search_but_not_recompute(app, actor):
    from dataclasses import replace

    from minewatch.errors import PermissionDenied

    viewer = replace(actor, role="viewer")
    assert find(app, viewer).total == 0
    with app.uow() as uow, pytest.raises(PermissionDenied):
        refresh_title_relations(uow, actor=viewer)


# --- The CLI -------------------------------------------------------------------------------------------


def test_cli_list_json_table_summary(app, actor, cli, tmp_path):
    add_sites(app, actor.org_id, [
        {"code": f"C{i:03d}", "name": f"Site {i}", "lat": at(i * 0.5, 45)[0], "lon": at(i * 0.5, 45)[1],
         "minerals": ["gold"], "title_relation": "inside_artisanal_zone" if i < 3 else "outside"}
        for i in range(60)
    ])
    data = json.loads(cli("sites", "list", "--json").output)
    assert len(data) == 60
    assert set(data[0]) >= {"code", "name", "country", "latitude", "longitude", "minerals", "title_relation"}
    near = json.loads(cli("sites", "list", "--near", "-2.5,28.8", "--km", "1.2", "--json").output)
    assert [(d["code"], d["distance_km"]) for d in near] == [("C000", 0.0), ("C001", 0.5), ("C002", 1.0)]
    nearest = json.loads(cli("sites", "list", "--nearest", "2", "--near", "-2.5,28.8", "--json").output)
    assert [d["code"] for d in nearest] == ["C000", "C001"]

    table = cli("sites", "list").output.splitlines()
    assert table[0].split()[:3] == ["CODE", "NAME", "CC"] and len(table) == 52
    assert table[-1].startswith("showing 50 of 60 sites")
    assert cli("sites", "list", "--search", "site 5", "--limit", "3").output.splitlines()[-1] == "showing 3 of 11 sites (more with --limit/--offset, or --json for all)"

    summary = cli("sites", "list", "--summary").output
    assert summary.splitlines() == ["sites: 60", "inside an artisanal zone: 3 (5.0%)",
                                    "inside a mining title (not an artisanal zone): 0 (0.0%)", "outside any title: 57 (95.0%)",
                                    "not computed: 0 (0.0%)"]

    area = tmp_path / "area.geojson"
    lat, lon = at(1.2, 45)
    area.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(
        shapely.box(28.79, -2.51, lon, lat))}))
    inside = json.loads(cli("sites", "list", "--within", str(area), "--json").output)
    assert [d["code"] for d in inside] == ["C000", "C001", "C002"]


def test_cli_show_relate_and_errors(app, actor, cli):
    add_sites(app, actor.org_id, [{"code": "K1", "name": "Kamituga", "lat": -3.06, "lon": 28.18, "minerals": ["gold"]}])
    add_concessions(app, actor.org_id, [{"external_id": "Z", "title_type": "ZEA", "is_artisanal_zone": True,
                                         "geometry": shapely.box(28.1, -3.1, 28.2, -3.0)}])
    out = cli("sites", "relate").output
    assert "1 sites against 1 concessions: 1 site–title links, 1 relations changed" in out
    shown = cli("sites", "show", "K1").output
    assert "Kamituga" in shown and "inside an artisanal zone" in shown and "ZEA Z (artisanal zone)" in shown
    assert json.loads(cli("sites", "show", "K1", "--json").output)["titles"][0]["title_type"] == "ZEA"

    missing = cli("sites", "show", "NOPE", ok=False)
    assert missing.exit_code == 3 and missing.output.strip() == "error: no site 'NOPE' in organisation 'test-org'"
    bad = cli("sites", "list", "--near", "-2.5,228.8", "--km", "5", ok=False)
    assert bad.exit_code == 5 and bad.output.strip().splitlines() == [
        "error: the longitude must be a number from -180 to 180"]
    anti = cli("sites", "list", "--bbox", "179,-1,-179,1", ok=False)
    assert anti.exit_code == 5 and "antimeridian" in anti.output
    assert cli("sites", "list", "--km", "5", ok=False).exit_code == 5
    assert cli("sites", "list", "--within", "missing.geojson", ok=False).output.strip() == "error: no such file: missing.geojson"
    for command in (["sites", "list"], ["sites", "show"], ["sites", "relate"]):
        assert "Example:" in cli(*command, "--help").output


# --- SQLite and PostGIS side by side ------------------------------------------------------------------


def _new_app(home, url):
    from minewatch.accounts.service import init_organisation, resolve_actor
    from minewatch.bootstrap import bootstrap
    from tests.conftest import make_settings

    app = bootstrap(make_settings(home, url))
    app.migrate()
    with app.uow() as uow:
        init_organisation(uow, name="Test Org", slug="test-org", admin_email="admin@test.org")
    with app.uow() as uow:
        actor = resolve_actor(uow, org_slug=None, email=None)
    return app, actor


@pytest.fixture
def twin_apps(tmp_path, pg_url):
    """A SQLite and a PostGIS database, each with one organisation."""
    apps = [_new_app(tmp_path / "sqlite", f"sqlite:///{tmp_path / 'twin.sqlite3'}"), _new_app(tmp_path / "pg", pg_url)]
    yield apps
    for app, _ in apps:
        app.dispose()


def _random_sites(rng: random.Random, n: int) -> list[dict]:
    """Clusters in eastern DRC, sites spread over the world (|lat| ≤ 80, away from 180°), high
    latitudes, exact duplicates (ties), and about 10 % polygon sites, one in ten of them large
    (up to 1.5° across)."""
    centres = [(rng.uniform(-12, 5), rng.uniform(23, 31)) for _ in range(25)]
    minerals = ["gold", "cassiterite", "coltan", "copper"]
    specs = []
    for i in range(n):
        kind = rng.random()
        if kind < 0.65:
            c = rng.choice(centres)
            lat, lon = c[0] + rng.gauss(0, 0.3), c[1] + rng.gauss(0, 0.3)
        elif kind < 0.85:
            lat, lon = rng.uniform(-80, 80), rng.uniform(-175, 175)
        elif kind < 0.95:
            lat, lon = rng.choice((-1, 1)) * rng.uniform(65, 80), rng.uniform(-175, 175)
        else:
            twin = specs[rng.randrange(len(specs))] if specs else {"lat": 0.0, "lon": 0.0}
            lat, lon = twin["lat"], twin["lon"]
        spec = {"code": f"R{rng.randrange(10**6):06d}-{i}", "lat": lat, "lon": lon,
                "minerals": [minerals[i % 4]], "country": "CD" if kind < 0.65 else "XX"}
        if rng.random() < 0.1:
            r = rng.uniform(0.1, 0.75) if rng.random() < 0.1 else rng.uniform(0.002, 0.08)
            if rng.random() < 0.5:
                spec["polygon"] = shapely.Point(lon, lat).buffer(r, 6)
            else:  # a concave polygon whose point is not at its centre
                spec["polygon"] = shapely.Polygon([(lon - r, lat - r / 2), (lon + r, lat - r / 2), (lon + r / 3, lat),
                                                   (lon + r, lat + r / 2), (lon - r, lat + r / 2)])
        specs.append(spec)
    return specs


def _answers(app, actor, query: SiteQuery):
    with app.uow() as uow:
        result = find_sites(uow, actor=actor, query=query)
    return result.total, [r.code for r in result.rows], [r.distance_km for r in result.rows]


@pytest.mark.postgres
def test_sqlite_and_postgis_give_the_same_answers(twin_apps):
    rng = random.Random(20241126)
    specs = _random_sites(rng, 3000)
    for app, actor in twin_apps:
        add_sites(app, actor.org_id, specs)

    queries = []
    for _ in range(10):
        s = rng.choice(specs)
        w, h = rng.uniform(0.02, 4), rng.uniform(0.02, 3)
        box = (max(-180, s["lon"] - w), max(-90, s["lat"] - h), min(180, s["lon"] + w), min(90, s["lat"] + h))
        queries.append(SiteQuery(bbox=box))
    for _ in range(5):
        s = rng.choice(specs)
        r = rng.uniform(0.05, 2)
        star = [(s["lon"] + r * rng.uniform(0.3, 1) * math.cos(a / 7 * 6.2832),
                 s["lat"] + r * rng.uniform(0.3, 1) * math.sin(a / 7 * 6.2832)) for a in range(7)]
        queries.append(SiteQuery(within=shapely.Polygon(star)))
    points = [(s["lat"], s["lon"]) for s in rng.sample(specs, 8)] + [
        (rng.uniform(-80, 80), rng.uniform(-170, 170)) for _ in range(2)] + [(79.5, 20.0), (-79.9, -60.0)]
    for lat, lon in points:
        for km in (0.5, 5, 25, 300, 2000):
            queries.append(SiteQuery(near=Near(lat, lon, km)))
        for n in (1, 7, 40):
            queries.append(SiteQuery(near=Near(lat, lon), nearest_n=n))
    queries.append(SiteQuery(near=Near(-2.5, 28.8, 400), mineral="gold", bbox=(27, -5, 29, 0)))
    queries.append(SiteQuery(near=Near(-2.5, 28.8), nearest_n=15, mineral="coltan", within="POLYGON ((26 -6, 30 -6, 30 1, 26 -6))"))
    queries.append(SiteQuery(near=Near(-2.5, 28.8, 200), nearest_n=30))

    nonempty = 0
    for q in queries:
        (t_lite, c_lite, d_lite), (t_pg, c_pg, d_pg) = (_answers(app, actor, q) for app, actor in twin_apps)
        assert (t_lite, c_lite) == (t_pg, c_pg), q
        assert d_lite == pytest.approx(d_pg, abs=1e-9), q  # 1 µm
        nonempty += bool(c_lite)
    assert nonempty > 0.8 * len(queries)


@pytest.mark.postgres
@pytest.mark.shared_data
def test_title_relations_of_real_cadastre_agree(twin_apps):
    from tests.shared_data import shared_data_path

    path = shared_data_path("drc-mining-titles-cami", "titres_V2.geojson")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    concessions = [{
        "external_id": str(i), "title_number": f["properties"]["name"], "holder": f["properties"].get("parties"),
        "title_type": f["properties"]["type"].split()[0], "status": f["properties"].get("statut"),
        "is_artisanal_zone": f["properties"]["type"] == "ZEA", "geometry": shapely.geometry.shape(f["geometry"]),
    } for i, f in enumerate(features)]
    rng = random.Random(7)
    specs = []
    for i in range(3000):
        if i % 2:  # near a title, so that many points fall inside one
            min_lon, min_lat, max_lon, max_lat = rng.choice(concessions)["geometry"].bounds
            lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
        else:      # anywhere in eastern DRC
            lat, lon = rng.uniform(-12, 5), rng.uniform(26, 31)
        specs.append({"code": f"P{i:05d}", "lat": lat, "lon": lon})
    # A few polygon sites too.
    specs += [{"code": f"Q{i}", "lat": s["lat"], "lon": s["lon"], "polygon": shapely.Point(s["lon"], s["lat"]).buffer(0.01)}
              for i, s in enumerate(specs[:60])]

    results = []
    for app, actor in twin_apps:
        add_sites(app, actor.org_id, specs)
        add_concessions(app, actor.org_id, concessions)
        with app.uow() as uow:
            counts = refresh_title_relations(uow, actor=actor)
        with app.engine.connect() as conn:
            links = set(conn.execute(
                sa.select(Site.code, Concession.external_id)
                .join(SiteConcession, SiteConcession.site_id == Site.id)
                .join(Concession, Concession.id == SiteConcession.concession_id)
            ).all())
            relations = dict(conn.execute(sa.select(Site.code, Site.title_relation)).all())
        results.append((counts, links, relations))
    (c_lite, l_lite, r_lite), (c_pg, l_pg, r_pg) = results
    assert l_lite == l_pg
    assert r_lite == r_pg
    assert c_lite == c_pg
    assert c_lite["inside_artisanal_zone"] > 20 and c_lite["inside_title"] > 500 and c_lite["outside"] > 500


def test_invalid_area_is_refused_before_any_query(app, actor):
    with pytest.raises(InvalidInput, match="polygon or multipolygon"):
        find(app, actor, within="LINESTRING (0 0, 1 1)")
