"""Web pages of tree planting (issue 10 part 4): a site's plan with its table, maps and printable plan; the plan's
files (whitelist, no traversal, per organisation); adopting; plantings, survival, plan versus done and timeline.

Plans are small plan folders written here with a summary.json of version 1 (common10 schema) and recorded through
``planning.service.record_plan``; plantings and checks are imported through the service. Expected numbers are
sums and ratios of the values written here (survival = alive / planted; expected survival is species.csv's
``survival_fraction``: acacia_mangium 0.8, chrysopogon_zizanioides 0.9).
"""

from __future__ import annotations

import io
import json

import sqlalchemy as sa

from tests.web.conftest import csrf_of, login
from tests.web.test_pages import _no_inline_code

SPECIES = (
    {"id": "acacia_mangium", "code": 1, "names": {"en": "mangium; black wattle", "fr": "acacia mangium",
                                                  "es": "acacia mangium"},
     "scientific_name": "Acacia mangium", "life_form": "tree", "cells": 100, "area_ha": 1.0, "seedlings": 1111,
     "cost_usd": 166.65, "labour_days": 9.3, "survival": 0.8, "years_to_maturity": 6, "provisional": True},
    {"id": "chrysopogon_zizanioides", "code": 2, "names": {"en": "vetiver grass", "fr": "vétiver",
                                                           "es": "vetiver; pasto vetiver"},
     "scientific_name": "Chrysopogon zizanioides", "life_form": "grass", "cells": 20, "area_ha": 0.2,
     "seedlings": 2000, "cost_usd": 200.0, "labour_days": 16.2, "survival": 0.9, "years_to_maturity": 2,
     "provisional": False},
)
SOIL = (120.0, 110.0, 100.0, 92.0, 86.0, 82.0, 80.0)  # t/yr, years 0..6
SEDIMENT = (30.0, 28.0, 26.0, 24.0, 22.5, 21.5, 21.0)


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 3), (0, 158, 115)).save(buf, format="PNG")
    return buf.getvalue()


def summary_for(site: str | None, lon: float = 28.0, lat: float = -3.0) -> dict:
    """A summary.json (version 1) of a plan of two species at ``site``."""
    by_species = [dict(s) for s in SPECIES]
    return {
        "version": 1, "site": site, "area": None if site else "slope.geojson", "crs": "EPSG:32735",
        "cell_size_m": 10.0, "candidate_cells": 400, "excluded_cells": 20,
        "objective": {"name": "soil", "units": "t/yr"}, "baseline": SOIL[0], "expected": SOIL[-1],
        "reduction": SOIL[0] - SOIL[-1], "reduction_share": (SOIL[0] - SOIL[-1]) / SOIL[0], "gap": 0.004,
        "bound": 40.16, "status": "optimal", "method": "milp", "seconds": 1.2,
        "budget": {"value": 400.0, "unit": "usd"}, "seedlings": 3111, "cost_usd": 366.65, "labour_days": 25.5,
        "area_ha": 1.2, "by_species": by_species,
        "objectives": {"exposure": None, "soil": {"baseline": SOIL[0], "expected": SOIL[-1], "units": "t/yr"},
                       "sediment": {"baseline": SEDIMENT[0], "expected": SEDIMENT[-1], "units": "t/yr"}},
        "years": [{"year": y, "exposure": None, "soil": s, "sediment": d}
                  for y, (s, d) in enumerate(zip(SOIL, SEDIMENT))],
        "patches": [{"id": 1, "species": "acacia_mangium", "area_ha": 1.0, "seedlings": 1111, "lon": lon,
                     "lat": lat},
                    {"id": 2, "species": "chrysopogon_zizanioides", "area_ha": 0.2, "seedlings": 2000,
                     "lon": lon + 0.001, "lat": lat}],
        "provisional": ["species:acacia_mangium"], "findings": [],
        "files": {"gpkg": "plan.gpkg", "geojson": "plan.geojson", "tif": "plan.tif",
                  "maps": {"plan": "map_plan.png", "soil": "map_soil.png"}, "printable": "plan.html"},
    }


def make_plan(web, slug: str, tmp_path, site: str | None = None, *, name: str = "plan"):
    """Write a plan folder for ``site`` (default ``<slug>00001``) and record it as ``slug``'s admin: the PlanView."""
    from minewatch.planning.service import record_plan
    from minewatch.sites.orm import Site

    site = site or f"{slug}00001"
    with web.app.engine.connect() as conn:
        lat, lon = conn.execute(sa.select(Site.latitude, Site.longitude).where(Site.code == site)).one()
    folder = tmp_path / f"{slug}-{site}-{name}"
    folder.mkdir()
    summary = summary_for(site, lon, lat)
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    features = [{"type": "Feature", "properties": {"patch": k, "species": sp, "area_ha": a, "seedlings": n},
                 "geometry": {"type": "Polygon", "coordinates": [[[lon + dx, lat], [lon + dx + 0.001, lat],
                                                                  [lon + dx + 0.001, lat + 0.001],
                                                                  [lon + dx, lat + 0.001], [lon + dx, lat]]]}}
                for k, (sp, a, n, dx) in enumerate((("acacia_mangium", 1.0, 1111, 0.0),
                                                    ("chrysopogon_zizanioides", 0.2, 2000, 0.002)), start=1)]
    (folder / "plan.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    (folder / "plan.gpkg").write_bytes(b"SQLite format 3\x00gpkg of the test")
    (folder / "plan.tif").write_bytes(b"II*\x00tif of the test")
    (folder / "map_plan.png").write_bytes(_png())
    (folder / "map_soil.png").write_bytes(_png())
    (folder / "plan.html").write_text("<p>stored printable</p>", encoding="utf-8")
    (folder / "notes.txt").write_text("not a plan file", encoding="utf-8")
    with web.app.uow() as uow:
        return record_plan(uow, actor=web.actors[slug], site_code=site, plan_dir=folder, summary=summary,
                           files_dir=web.app.settings.files_dir)


def _client(web, org="alpha", role="viewer"):
    client = web.client()
    assert login(client, web.email(org, role)).status_code == 303
    return client


def test_plan_page_shows_the_plan_its_table_years_maps_and_files(web, tmp_path):
    plan = make_plan(web, "alpha", tmp_path)
    client = _client(web)
    page = client.get("/sites/alpha00001/plan")
    assert page.status_code == 200, page.text
    html = page.text
    _no_inline_code(html)
    assert f'data-plan-id="{plan.id}" data-status="proposed"' in html
    assert 'data-baseline="120.0" data-expected="80.0"' in html and "33%" in html  # (120 - 80) / 120
    assert "0.4%" in html  # gap 0.004
    # by species: the English common name (first of the list), the scientific name; totals are the sums
    assert "mangium" in html and "black wattle" not in html and "Acacia mangium" in html and "vetiver grass" in html
    assert 'data-total-seedlings="3111"' in html and 'data-total-cost="366.65"' in html  # 1111 + 2000; 166.65 + 200
    assert 'fill="#E69F00"' in html and 'fill="#56B4E9"' in html  # the PNG map's and printable's colours
    assert all(f'<tr data-year="{y}">' in html for y in range(7)) and "<polyline" in html
    assert f'src="/plans/{plan.id}/files/map_plan.png"' in html and f'src="/plans/{plan.id}/files/map_soil.png"' in html
    assert f'data-plan-url="/plans/{plan.id}/files/plan.geojson"' in html and "/static/js/plan_map.js?v=" in html
    for name in ("plan.html", "plan.gpkg", "plan.geojson", "plan.tif", "summary.json"):
        assert f'href="/plans/{plan.id}/files/{name}"' in html
    assert f"/plans/{plan.id}/adopt" not in html  # a viewer may not adopt
    assert "/sites/alpha00001/plantings" in html and "@alpha.test" not in html
    assert client.get(f"/plans/{plan.id}").status_code == 200
    listing = client.get("/plans")
    assert listing.status_code == 200 and f'<tr data-plan="{plan.id}">' in listing.text

    # the site page links to both pages
    site = client.get("/sites/alpha00001").text
    assert 'href="/sites/alpha00001/plan"' in site and 'href="/sites/alpha00001/plantings"' in site

    # a site without a plan says how to make one
    none = client.get("/sites/alpha00002/plan")
    assert none.status_code == 200 and 'id="no-plan"' in none.text
    assert "minewatch plan trees --site alpha00002 --budget N --out DIR" in none.text


def test_plan_files_are_served_from_a_whitelist_only(web, tmp_path):
    plan = make_plan(web, "alpha", tmp_path)
    client = _client(web)
    base = f"/plans/{plan.id}/files"
    geo = client.get(f"{base}/plan.geojson")
    assert geo.status_code == 200 and geo.headers["content-type"].startswith("application/geo+json")
    assert "attachment" in geo.headers["content-disposition"]
    assert [f["properties"]["species"] for f in geo.json()["features"]] == ["acacia_mangium", "chrysopogon_zizanioides"]
    png = client.get(f"{base}/map_plan.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content == _png()
    gpkg = client.get(f"{base}/plan.gpkg")
    assert gpkg.content == b"SQLite format 3\x00gpkg of the test"
    assert gpkg.headers["content-type"] == "application/geopackage+sqlite3"
    assert f'filename="plan-{plan.id}.gpkg"' in gpkg.headers["content-disposition"]
    assert client.get(f"{base}/plan.tif").headers["content-type"] == "image/tiff"
    assert client.get(f"{base}/summary.json").json()["seedlings"] == 3111
    # the printable plan: rendered from the summary, maps by relative name, style in plan.css beside it (CSP)
    printable = client.get(f"{base}/plan.html")
    assert printable.status_code == 200 and printable.headers["content-type"].startswith("text/html")
    assert "stored printable" not in printable.text and "alpha00001" in printable.text
    assert 'src="map_plan.png"' in printable.text and 'href="plan.css"' in printable.text
    _no_inline_code(printable.text)
    css = client.get(f"{base}/plan.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "@page" in css.text and ".sw-1 { background: #E69F00; }" in css.text
    # anything else is not found: other files of the folder, absent whitelisted ones, traversal
    for name in ("notes.txt", "map_exposure.png", "..%2F..%2F..%2Fminewatch.sqlite3", "%2e%2e%2fsummary.json",
                 "..%5Csummary.json", "plan.html%00", "PLAN.GPKG"):
        r = client.get(f"{base}/{name}")
        assert r.status_code == 404, (name, r.status_code)
    assert client.get(f"/plans/{plan.id}/files/../../sites/alpha00001").status_code == 404
    assert client.get("/plans/999999/files/summary.json").status_code == 404


def test_another_organisation_sees_none_of_it(web, tmp_path):
    plan = make_plan(web, "alpha", tmp_path)
    other = make_plan(web, "alpha", tmp_path, "alpha00002")
    mine = _client(web)
    assert mine.get(f"/sites/alpha00001/plan?plan={other.id}").status_code == 404  # another site's plan
    beta = _client(web, "beta", "admin")
    for url in ("/sites/alpha00001/plan", f"/plans/{plan.id}", f"/plans/{plan.id}/files/summary.json",
                f"/plans/{plan.id}/files/plan.html", f"/plans/{plan.id}/files/plan.css",
                f"/plans/{plan.id}/files/map_plan.png", "/sites/alpha00001/plantings"):
        assert beta.get(url).status_code == 404, url
    token = csrf_of(beta.get("/plans").text)
    assert beta.post(f"/plans/{plan.id}/adopt", data={"csrf_token": token}).status_code == 404
    listing = beta.get("/plans").text
    assert "alpha00001" not in listing and f'data-plan="{plan.id}"' not in listing
    anonymous = web.client()
    assert anonymous.get("/sites/alpha00001/plan").status_code in (303, 401)
    assert anonymous.get(f"/plans/{plan.id}/files/plan.geojson").status_code in (303, 401)


def test_adopting_needs_registry_write_and_the_csrf_token(web, tmp_path):
    from minewatch.audit.orm import AuditEvent

    plan = make_plan(web, "alpha", tmp_path)
    viewer = _client(web)
    token = csrf_of(viewer.get("/sites/alpha00001").text)
    assert viewer.post(f"/plans/{plan.id}/adopt", data={"csrf_token": token}).status_code == 403
    coordinator = _client(web, "alpha", "coordinator")
    page = coordinator.get("/sites/alpha00001/plan").text
    assert f'action="/plans/{plan.id}/adopt"' in page
    assert coordinator.post(f"/plans/{plan.id}/adopt", data={}).status_code == 403  # no token
    assert coordinator.post(f"/plans/{plan.id}/adopt", data={"csrf_token": "forged"}).status_code == 403
    done = coordinator.post(f"/plans/{plan.id}/adopt", data={"csrf_token": csrf_of(page)})
    assert done.status_code == 303 and done.headers["location"] == "/sites/alpha00001/plan"
    after = coordinator.get("/sites/alpha00001/plan").text
    assert 'data-status="adopted"' in after and f'action="/plans/{plan.id}/adopt"' not in after
    with web.app.engine.connect() as conn:
        actions = list(conn.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity_type == "tree_plan",
                                                                        AuditEvent.entity_id == str(plan.id))))
    assert "adopted" in actions
    # a newer proposed plan: the adopted one stays shown first, the new one is listed as proposed
    newer = make_plan(web, "alpha", tmp_path, name="newer")
    page = coordinator.get("/sites/alpha00001/plan").text
    assert f'data-plan-id="{plan.id}" data-status="adopted"' in page and f'<tr data-plan="{newer.id}">' in page
    again = coordinator.post(f"/plans/{plan.id}/adopt", data={"csrf_token": csrf_of(page)})
    assert again.status_code == 409 and "already adopted" in again.text


PLANTINGS = """external_id,site,species,planted_on,count,area_ha,plan
P-1,alpha00001,chrysopogon_zizanioides,2024-03-01,1000,0.2,{plan}
P-2,alpha00001,acacia_mangium,2024-03-02,400,,{plan}
P-3,alpha00001,gliricidia_sepium,2024-04-10,200,0.1,
"""
CHECKS = """external_id,planting,checked_on,alive
C-1,P-1,2024-09-01,950
C-2,P-1,2025-03-01,700
C-3,P-2,2025-03-02,360
"""


def test_plantings_page_shows_survival_plan_versus_done_and_the_timeline(web, tmp_path):
    from minewatch.planning.service import import_plantings, import_survival
    from minewatch.sites.orm import Site

    plan = make_plan(web, "alpha", tmp_path)
    actor = web.actors["alpha"]
    (tmp_path / "plantings.csv").write_text(PLANTINGS.format(plan=plan.id), encoding="utf-8")
    (tmp_path / "checks.csv").write_text(CHECKS, encoding="utf-8")
    with web.app.uow() as uow:
        import_plantings(uow, actor=actor, path=tmp_path / "plantings.csv")
    with web.app.uow() as uow:
        import_survival(uow, actor=actor, path=tmp_path / "checks.csv")
    with web.app.uow() as uow:  # a closed site: its timeline still shows
        uow.session.execute(sa.update(Site).where(Site.code == "alpha00001").values(lifecycle_status="closed"))
        uow.commit()
    client = _client(web)
    page = client.get("/sites/alpha00001/plantings")
    assert page.status_code == 200, page.text
    html = page.text
    _no_inline_code(html)
    assert all(f'<tr data-planting="P-{k}">' in html for k in (1, 2, 3))
    # P-1: 700 / 1000 = 70 % < 0.9 expected; P-2: 360 / 400 = 90 % >= 0.8; P-3 never checked
    assert 'data-rate="0.7"' in html and 'data-rate="0.9"' in html
    assert html.count('data-flag="below_expected"') == 2  # P-1 and its species
    assert html.count('data-flag="ok"') == 2 and html.count('data-flag="no_check"') == 2
    assert "vetiver grass" in html and "Chrysopogon zizanioides" in html
    # plan versus done: vetiver 1000 of 2000 planned (50 %), area 0.2 of 0.2 ha; gliricidia not in the plan
    assert "50%" in html and "100%" in html and "not in the plan" in html
    for kind in ("plan_proposed", "planted", "survival_checked", "site_closed"):
        assert f'<tr data-kind="{kind}">' in html, kind
    assert "700 of 1,000 vetiver grass alive (70%) in P-1" in html
    assert "@alpha.test" not in html  # nobody's identity
    empty = client.get("/sites/alpha00002/plantings")
    assert empty.status_code == 200 and "minewatch plantings import FILE" in empty.text


def test_pages_render_in_french(web, tmp_path):
    make_plan(web, "alpha", tmp_path)
    client = _client(web)
    page = client.get("/")
    assert client.post("/language", data={"csrf_token": csrf_of(page.text), "language": "fr", "next": "/"}
                       ).status_code == 303
    plan = client.get("/sites/alpha00001/plan")
    assert plan.status_code == 200 and '<html lang="fr">' in plan.text
    assert "vétiver" in plan.text and "Tableau de bord" in plan.text
    assert "3\u202f111" in plan.text  # the French thousands separator
    plantings = client.get("/sites/alpha00001/plantings")
    assert plantings.status_code == 200 and '<html lang="fr">' in plantings.text
    printable = client.get(f"/plans/{make_plan(web, 'alpha', tmp_path, name='fr').id}/files/plan.html")
    assert printable.status_code == 200 and 'lang="fr"' in printable.text and "vétiver" in printable.text




def test_make_a_plan_from_the_web_form(web, tmp_path):
    """A coordinator makes a plan from the site's plan page: the form runs the planner on the latest hazard
    assessment (real runs on the hazards.md 9.1 hillside, the site moved onto it), records the plan and shows it;
    a bad budget re-shows the form with the error; a viewer may not post it."""
    import sqlalchemy as sa
    from pyproj import Transformer

    from minewatch.hazards.service import assess_sites
    from minewatch.sites.orm import Site
    from tests.planning.test_plan_trees import SITE, SPECIES, _make_runs

    runs = _make_runs(tmp_path / "runs")
    lon, lat = Transformer.from_crs("EPSG:32651", "EPSG:4326", always_xy=True).transform(SITE.centroid.x,
                                                                                         SITE.centroid.y)
    with web.app.engine.begin() as conn:
        conn.execute(sa.update(Site).where(Site.code == "alpha00001").values(latitude=lat, longitude=lon,
                                                                              geom_wkb=None))
    with web.app.uow() as uow:
        assess_sites(uow, actor=web.actors["alpha"], run_dir=runs / "landslide", erosion_dir=runs / "erosion",
                     files_dir=web.app.settings.files_dir, site_codes=["alpha00001"], buffer_m=150.0)
    viewer = _client(web)
    page = viewer.get("/sites/alpha00001/plan")
    assert page.status_code == 200 and 'id="make-plan"' not in page.text  # viewers do not see the form
    refused = viewer.post("/sites/alpha00001/plan", data={"csrf_token": csrf_of(page.text), "budget": "100"})
    assert refused.status_code == 403
    client = _client(web, role="coordinator")
    page = client.get("/sites/alpha00001/plan")
    assert 'id="make-plan"' in page.text
    bad = client.post("/sites/alpha00001/plan", data={"csrf_token": csrf_of(page.text), "budget": "lots"})
    assert bad.status_code == 422 and "must be numbers" in bad.text and 'value="lots"' in bad.text
    made = client.post("/sites/alpha00001/plan", data={"csrf_token": csrf_of(page.text), "budget": "150",
                                                        "budget_unit": "usd", "objective": "soil",
                                                        "species": SPECIES[:2], "min_patch": "0"},
                       follow_redirects=False)
    assert made.status_code == 303, made.text
    shown = client.get(made.headers["location"])
    assert shown.status_code == 200 and 'data-status="proposed"' in shown.text
    from minewatch.planning.service import latest_plan

    with web.app.uow() as uow:
        plan = latest_plan(uow, actor=web.actors["alpha"], site_code="alpha00001")
    assert plan.summary["objective"]["name"] == "soil" and 0 < plan.summary["cost_usd"] <= 150
    assert {s["id"] for s in plan.summary["by_species"]} <= set(SPECIES[:2])
