"""Exports of sites and visits (CSV, GeoJSON, GeoPackage) on SQLite and PostgreSQL.

GeoPackages are checked with GDAL's own ``ogrinfo``, the way a person or QGIS would read them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa

FRENCH_NAME = "Mine de Kalimbi – Nyabibwe, Bénéfice Sud-Kivu (Kalehe) œuvre"


def seed(app, actor) -> None:
    """Four sites of the organisation (one a polygon, one observed with nothing known) and one
    site of another organisation, with visits and minerals."""
    import shapely

    from minewatch.accounts.orm import Organisation
    from minewatch.sites.orm import Site, SiteMineral, SiteVisit

    # Clockwise exterior ring: the GeoJSON writer must turn it counter-clockwise (RFC 7946).
    polygon = shapely.Polygon([(28.80, -2.50), (28.80, -2.49), (28.81, -2.49), (28.81, -2.50), (28.80, -2.50)])
    assert not polygon.exterior.is_ccw

    def site(code, lat, lon, country="CD", geom=None, org_id=actor.org_id, **kw):
        geom = geom or shapely.Point(lon, lat)
        minx, miny, maxx, maxy = geom.bounds
        return Site(org_id=org_id, code=code, latitude=lat, longitude=lon, country=country,
                    geom_wkb=shapely.to_wkb(geom), geometry_type=geom.geom_type,
                    min_lon=minx, min_lat=miny, max_lon=maxx, max_lat=maxy, **kw)

    def visit(site_, n, day, **kw):
        return SiteVisit(org_id=site_.org_id, site_id=site_.id, source="ipis", source_visit_id=f"{site_.code}-{n}",
                         visit_date=day, **kw)

    with app.uow() as uow:
        s = uow.session
        other = Organisation(slug="other-org", name="Other Org")
        s.add(other)
        s.flush()
        kal = site("KAL-001", -2.123456789012345, 28.87654321, name=FRENCH_NAME, admin1="Sud-Kivu",
                   admin2="Kalehe", locality="Nyabibwe", location_origin="gps", mining_method="alluvial",
                   lifecycle_status="active", legal_status="inside_artisanal_zone", title_relation="outside")
        kam = site("KAM-002", -2.495, 28.805, geom=polygon, name="Kamituga polygone")
        luh = site("LUH-003", -2.7, 28.1, name="Luhihi")
        gat = site("GAT-004", -1.9, 29.9, country="RW", name="Gatumba")
        alien = site("OTHER-1", -1.0, 29.0, org_id=other.id, name="Not ours")
        s.add_all([kal, kam, luh, gat, alien])
        s.flush()
        s.add_all([SiteMineral(site_id=kal.id, mineral="gold", position=0),
                   SiteMineral(site_id=kal.id, mineral="cassiterite", position=1)])
        s.add_all([
            visit(kal, 1, dt.date(2020, 1, 10), workers_count=120, women_present=True, mercury_used=True,
                  armed_presence=True, armed_interference=True, qualification="red",
                  armed_actors=["FARDC", "Raia Mutomboki"]),
            visit(kal, 2, dt.date(2021, 3, 5), workers_count=80, women_present=False,
                  children_under15_present=True, children_under15_working=False, mercury_used=False,
                  armed_presence=False, qualification="green", armed_actors=[], minerals=["gold", "cassiterite"]),
            # Observed, but nothing was recorded: every observation must stay unknown.
            visit(luh, 1, dt.date(2022, 6, 1)),
            visit(gat, 1, dt.date(2019, 2, 2), workers_count=0, women_present=False),
            visit(alien, 1, dt.date(2022, 1, 1), workers_count=5),
        ])
        uow.commit()


def ogrinfo(*args: str) -> str:
    """Run GDAL's ``ogrinfo``; skip without it (fail under CI=true, where gdal-bin is installed)."""
    exe = shutil.which("ogrinfo")
    if exe is None:
        reason = "GDAL's ogrinfo is not on PATH (Debian: apt-get install gdal-bin)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(reason)
    run = subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


def features(text: str) -> dict[str, dict[str, str]]:
    """``ogrinfo -al`` output as {code or site_code: {field: value as printed}}."""
    out = {}
    for block in text.split("OGRFeature(")[1:]:
        fields = dict(re.findall(r"^  (\w+) \(.*?\) = (.*)$", block, flags=re.M))
        out.setdefault(fields.get("code") or fields["site_code"], {}).update(fields)
    return out


@pytest.mark.gdal
def test_sites_geopackage_is_typed_and_keeps_nulls(app, actor, cli, tmp_path):
    seed(app, actor)
    out = tmp_path / "sites.gpkg"
    res = cli("--org", "test-org", "export", "sites", "--format", "gpkg", "--out", str(out))
    assert "exported 4 sites" in res.output

    summary = ogrinfo("-so", "-al", str(out))
    assert "Layer name: sites" in summary
    assert "Feature Count: 4" in summary
    # Points and a polygon share one layer of the generic type, which QGIS splits by type.
    assert "Geometry: Unknown (any)" in summary
    assert 'ID["EPSG",4326]' in summary
    for line in ("code: String", "latitude: Real", "visit_count: Integer", "last_visit_date: Date",
                 "last_visit_workers_count: Integer", "last_visit_women_present: Integer(Boolean)",
                 "last_visit_mercury_used: Integer(Boolean)"):
        assert line in summary

    feats = features(ogrinfo("-al", "-q", str(out)))
    kal, kam, luh = feats["KAL-001"], feats["KAM-002"], feats["LUH-003"]
    assert kal["name"] == FRENCH_NAME
    assert kal["minerals"] == "gold;cassiterite"
    assert kal["visit_count"] == "2"
    assert kal["last_visit_date"] == "2021/03/05"  # the latest visit, not the first
    assert kal["last_visit_workers_count"] == "80"
    assert kal["last_visit_women_present"] == "0"  # known false stays false ...
    assert kal["last_visit_armed_interference"] == "(null)"  # ... and unknown stays unknown
    assert kal["last_visit_children_under15_present"] == "1"
    assert kal["latitude"] == "-2.12345678901234"  # ogrinfo prints 15 significant digits
    assert luh["visit_count"] == "1"
    for key in ("last_visit_workers_count", "last_visit_women_present", "last_visit_mercury_used",
                "last_visit_qualification"):
        assert luh[key] == "(null)", key
    assert kam["visit_count"] == "0" and kam["last_visit_date"] == "(null)" and kam["minerals"] == "(null)"
    assert "OTHER-1" not in feats  # another organisation's site


@pytest.mark.gdal
def test_visits_geopackage_and_country_filter(app, actor, cli, tmp_path):
    seed(app, actor)
    out = tmp_path / "visits.gpkg"
    cli("--org", "test-org", "export", "visits", "--out", str(out), "--country", "cd")  # format from the file name
    summary = ogrinfo("-so", "-al", str(out))
    assert "Geometry: Point" in summary
    assert "Feature Count: 3" in summary  # KAL x2, LUH; not the RW site, not the other organisation
    assert "visit_date: Date" in summary and "created_at: DateTime" in summary
    assert "raw:" not in summary and "org_id:" not in summary

    text = ogrinfo("-al", "-q", str(out))
    assert "Raia Mutomboki" in text and "FARDC;Raia Mutomboki" in text
    assert "POINT (28.87654321 -2.12345678901234)" in text  # longitude first
    luh = features(text)["LUH-003"]
    assert luh["workers_count"] == "(null)" and luh["children_under15_working"] == "(null)"
    assert luh["armed_actors"] == "(null)"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\+00", luh["created_at"])  # UTC


def test_sites_geojson_is_rfc7946(app, actor, cli, tmp_path):
    import shapely
    from shapely.geometry import shape

    seed(app, actor)
    out = tmp_path / "sites.geojson"
    cli("--org", "test-org", "export", "sites", "--format", "geojson", "--out", str(out))
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    by_code = {f["properties"]["code"]: f for f in doc["features"]}
    assert sorted(by_code) == ["GAT-004", "KAL-001", "KAM-002", "LUH-003"]
    kal = by_code["KAL-001"]
    assert kal["geometry"] == {"type": "Point", "coordinates": [28.87654321, -2.123456789012345]}
    assert kal["properties"]["name"] == FRENCH_NAME
    assert kal["properties"]["last_visit_date"] == "2021-03-05"
    assert kal["properties"]["last_visit_mercury_used"] is False
    assert kal["properties"]["last_visit_armed_interference"] is None
    poly = shape(by_code["KAM-002"]["geometry"])
    assert poly.geom_type == "Polygon" and poly.exterior.is_ccw
    luh = by_code["LUH-003"]["properties"]
    assert luh["last_visit_workers_count"] is None and luh["visit_count"] == 1
    assert shapely.get_num_coordinates(poly) == 5


def test_visits_csv_is_plain_utf8_with_empty_unknowns(app, actor, cli, tmp_path):
    seed(app, actor)
    out = tmp_path / "visits.csv"
    cli("--org", "test-org", "export", "visits", "--format", "csv", "--out", str(out))
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM
    rows = list(csv.DictReader(raw.decode("utf-8").splitlines()))
    assert len(rows) == 4
    assert rows[0]["site_code"] == "GAT-004"
    assert rows[0]["workers_count"] == "0" and rows[0]["women_present"] == "false"  # known zero / false
    kal = [r for r in rows if r["site_code"] == "KAL-001"]
    assert [r["visit_date"] for r in kal] == ["2020-01-10", "2021-03-05"]
    assert kal[0]["armed_actors"] == "FARDC;Raia Mutomboki"
    assert kal[1]["armed_actors"] == ""
    assert kal[0]["wkt"] == "POINT (28.87654321 -2.123456789012345)"
    luh = next(r for r in rows if r["site_code"] == "LUH-003")
    assert luh["workers_count"] == "" and luh["mercury_used"] == "" and luh["qualification"] == ""
    assert "raw" not in rows[0]

    sites = tmp_path / "sites.csv"
    cli("--org", "test-org", "export", "sites", "--out", str(sites))
    srows = {r["code"]: r for r in csv.DictReader(sites.read_text(encoding="utf-8").splitlines())}
    assert srows["KAL-001"]["name"] == FRENCH_NAME
    assert srows["KAL-001"]["latitude"] == "-2.123456789012345"
    assert srows["KAM-002"]["wkt"].startswith("POLYGON ((28.8 -2.5")


def test_export_is_atomic_audited_and_needs_permission(app, actor, cli, tmp_path):
    from minewatch.audit.orm import AuditEvent

    seed(app, actor)
    out = tmp_path / "sites.gpkg"
    out.write_text("keep me")
    res = cli("--org", "test-org", "export", "sites", "--out", str(out), ok=False)
    assert res.exit_code == 7 and "already exists; use --force" in res.output
    assert out.read_text() == "keep me"
    cli("--org", "test-org", "export", "sites", "--out", str(out), "--force")
    assert out.read_bytes().startswith(b"SQLite format 3")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left

    with app.engine.connect() as conn:
        events = conn.execute(sa.select(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.after_digest)
                              .where(AuditEvent.action == "exported")).all()
    assert [(e.entity_type, e.entity_id) for e in events] == [("sites", "gpkg")]
    assert events[0].after_digest and len(events[0].after_digest) == 64
    assert "intact: 3 events" in cli("--org", "test-org", "audit", "verify").output

    cli("--org", "test-org", "users", "add", "viewer@test.org", "--role", "viewer")
    res = cli("--org", "test-org", "--as", "viewer@test.org", "export", "sites", "--out", str(tmp_path / "v.csv"),
              ok=False)
    assert res.exit_code == 4 and "may not export" in res.output
    assert not (tmp_path / "v.csv").exists()


@pytest.mark.gdal
def test_empty_export_has_its_layer(app, actor, cli, tmp_path):
    out = tmp_path / "none.gpkg"
    assert "exported 0 sites" in cli("--org", "test-org", "export", "sites", "--out", str(out)).output
    summary = ogrinfo("-so", "-al", str(out))
    assert "Feature Count: 0" in summary and "Geometry: Point" in summary and "visit_count: Integer" in summary
    empty = tmp_path / "none.geojson"
    cli("--org", "test-org", "export", "visits", "--out", str(empty))
    assert json.loads(empty.read_text()) == {"type": "FeatureCollection", "name": "visits", "features": []}
