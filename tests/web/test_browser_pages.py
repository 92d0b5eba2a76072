"""The pages of the registry in a real browser (Debian's chromium): the dashboard map with the sites,
filtering the site list, opening a site, uploading a file with one bad row, and French.

Each test gets a fresh browser context on a live uvicorn server (see tests/web/browser.py); any
console error, uncaught script error, CSP violation or request to another origin fails the test.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.web.browser import (  # noqa: F401 (chromium, open_page, page are fixtures)
    chromium,
    choose_language,
    log_in,
    map_points,
    open_page,
    page,
    submit,
    upload,
)

pytestmark = pytest.mark.browser


def _scalar(web, sql: str, **params):
    with web.app.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def _org_id(web, slug: str) -> int:
    return _scalar(web, "SELECT id FROM organisations WHERE slug = :s", s=slug)


def test_dashboard_map_shows_the_sites_offline_and_a_popup_opens_the_site(web, page):
    n_sites = _scalar(web, "SELECT count(*) FROM sites WHERE org_id = :o", o=_org_id(web, "alpha"))
    with page.expect_response(lambda r: r.url.endswith("/map/sites.json")) as sites_json:
        assert log_in(page, web.email("alpha", "viewer")) == 200
    assert page.url.endswith("/")
    # One compact request for all the sites, and only this organisation's.
    data = sites_json.value.json()
    assert len(data["rows"]) == n_sites == 12
    assert all(row[data["columns"].index("code")].startswith("alpha") for row in data["rows"])
    assert page.locator(".legend tfoot .num").inner_text() == str(n_sites)

    points = map_points(page)  # drawn on the canvas (no tile server here: no background, no request out)
    assert points, "no site drawn on the map"
    assert page.locator("#map .leaflet-control-scale-line").is_visible()
    assert page.locator("#map .leaflet-tile").count() == 0

    # A site's circle opens a popup linking to its page.
    x, y = points[len(points) // 2]
    page.mouse.click(x, y)
    link = page.locator("#map .leaflet-popup-content a")
    link.wait_for()
    code = page.locator("#map .leaflet-popup-content .muted").first.inner_text()
    assert re.fullmatch(r"alpha\d{5}", code), code
    with page.expect_navigation():
        link.click()
    assert page.url.endswith(f"/sites/{code}")
    assert page.locator("h1 .muted").inner_text() == code


def test_dashboard_colours_by_another_indicator(web, page):
    assert log_in(page, web.email("alpha", "viewer")) == 200
    map_points(page)
    with page.expect_navigation():  # map.js submits the form on change (the button does without JS)
        page.locator("#indicator").select_option("children_seen")
    assert page.url.endswith("/?indicator=children_seen")
    assert page.locator("#indicator").input_value() == "children_seen"
    assert map_points(page)


def test_site_list_filters_and_opens_a_site_with_its_visits(web, page):
    org = _org_id(web, "alpha")
    with web.app.engine.connect() as conn:
        mineral, expected = conn.execute(sa.text(
            "SELECT m.mineral, count(*) FROM site_minerals m JOIN sites s ON s.id = m.site_id WHERE s.org_id = :o "
            "GROUP BY m.mineral ORDER BY count(*) DESC, m.mineral LIMIT 1"), {"o": org}).one()
    assert log_in(page, web.email("alpha", "viewer"), next="/sites") == 200
    assert page.locator(".count").inner_text().startswith("12 sites match")

    page.locator("#mineral").select_option(mineral)
    assert submit(page, "form.filters", button="button[type=submit]") == 200
    assert f"mineral={mineral}" in page.url
    rows = page.locator("table.sites tbody tr")
    assert rows.count() == expected
    assert page.locator(".count").inner_text().startswith(f"{expected} site")

    code = rows.first.locator("td a").inner_text()
    with page.expect_navigation():
        rows.first.locator("td a").click()
    assert page.url.endswith(f"/sites/{code}")
    visits = _scalar(web, "SELECT count(*) FROM site_visits v JOIN sites s ON s.id = v.site_id WHERE s.code = :c "
                          "AND s.org_id = :o", c=code, o=org)
    assert page.locator("#visits-heading").inner_text().endswith(f"({visits})")
    assert page.locator("table.visits tbody tr").count() == visits
    assert map_points(page, "#site-map")  # the small map draws the site


def test_upload_with_one_bad_row_reports_it_then_imports_the_good_rows(web, page, tmp_path):
    org = _org_id(web, "alpha")
    before = _scalar(web, "SELECT count(*) FROM sites WHERE org_id = :o", o=org)
    csv_path = tmp_path / "field-export.csv"
    csv_path.write_text("code,name,country,latitude,longitude\n"
                        "up00001,Mungu 1,CD,-3.1,28.1\n"
                        "up00002,Mungu 2,CD,north,28.2\n"
                        "up00003,Mungu 3,CD,-3.3,28.3\n", encoding="utf-8")
    assert log_in(page, web.email("alpha", "field_officer"), next="/imports/new") == 200
    upload(page, "#file", csv_path)
    page.locator("#kind").select_option("sites")
    assert submit(page, "form[action='/imports']") == 200
    assert re.search(r"/imports/[0-9a-f]{32}$", page.url), page.url
    assert page.locator("[role=alert]").first.inner_text() == "1 of 3 rows have errors. Nothing is stored yet."
    problems = page.locator("table.problems tbody tr")
    assert problems.count() == 1
    cells = problems.first.locator("td").all_inner_texts()
    assert cells[0] == "error" and cells[1] == "3" and cells[2] == "latitude" and cells[3] == "north", cells
    assert _scalar(web, "SELECT count(*) FROM sites WHERE org_id = :o", o=org) == before  # a dry run

    assert submit(page, "form[action$='/commit']") == 200
    assert page.locator("h1").inner_text() == "Imported"
    assert page.locator("[role=status]").first.inner_text().startswith("2 rows stored: 2 new")
    assert page.locator("a[href$='/quarantine.csv']").count() == 1
    assert _scalar(web, "SELECT count(*) FROM sites WHERE org_id = :o", o=org) == before + 2


def test_dashboard_in_french(web, page):
    assert log_in(page, web.email("alpha", "viewer")) == 200
    map_points(page)
    assert choose_language(page, "fr") == 200
    assert page.url.endswith("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("form[action='/logout'] button").inner_text() == "Déconnexion"
    assert page.locator("header a[href='/account/password']").inner_text() == "Mot de passe"
    assert map_points(page)  # the map still draws, with French labels in its data


_RING_PIXEL = """([rgb, limit]) => {
  const canvas = document.querySelector('#map .leaflet-overlay-pane canvas');
  if (!canvas || !canvas.width || document.querySelector('#map .leaflet-zoom-anim')) { return null; }
  const w = canvas.width, h = canvas.height, rect = canvas.getBoundingClientRect();
  const data = canvas.getContext('2d').getImageData(0, 0, w, h).data;
  const near = (i) => data[i + 3] > 200 && Math.abs(data[i] - rgb[0]) < 12 && Math.abs(data[i + 1] - rgb[1]) < 12
                      && Math.abs(data[i + 2] - rgb[2]) < 12;
  const found = [];
  for (let y = 0; y < h && found.length < limit; y++) {
    for (let x = 0; x < w && found.length < limit; x++) {
      if (near((y * w + x) * 4)) { found.push([rect.left + x * rect.width / w, rect.top + y * rect.height / h]); }
    }
  }
  return found.length ? found : null;
}"""
# the ring colours of the levels (app.css .sw-hz-*)
RING_RGB = {"low": (0x43, 0xA0, 0x47), "moderate": (0xF0, 0xB4, 0x00), "high": (0xEF, 0x6C, 0x00),
            "very_high": (0x8C, 0x1C, 0x13)}


def test_dashboard_hazard_layer_draws_a_ring_whose_popup_opens_the_site_hazard(web, page, tmp_path):
    from tests.web.test_hazard_pages import _alpha_site, _assess

    code, lat, lon = _alpha_site(web)
    level = _assess(web, tmp_path, code, lat, lon).sites[0].level
    with page.expect_response(lambda r: r.url.endswith("/map/hazard.json")) as layer:
        assert log_in(page, web.email("alpha", "viewer")) == 200
    assert layer.value.json()["rows"][0][:2] == [code, level]
    map_points(page)
    deadline = 50
    ring = None
    while ring is None and deadline:
        ring = page.evaluate(_RING_PIXEL, [list(RING_RGB[level]), 400])
        deadline -= 1
        if ring is None:
            page.wait_for_timeout(100)
    assert ring, f"no {level} ring drawn"
    # the leftmost ring pixel: on the ring, outside the site's dot
    x, y = min(ring)
    page.mouse.click(x + 1, y)
    link = page.locator("#map .leaflet-popup-content a")
    link.wait_for()
    assert link.get_attribute("href") == f"/sites/{code}#hazard-heading"
    label = {"high": "high", "very_high": "very high"}[level]
    assert f"Landslide hazard: {label}" in page.locator("#map .leaflet-popup-content").inner_text()
    # the panel beside the map counts it, without JavaScript
    assert page.locator(f"#hazard-counts tr[data-level='{level}'] td.num").inner_text() == "1"


def test_plan_page_draws_the_patches_and_the_printable_plan_loads_cleanly(web, page, tmp_path):
    """Issue 10: the plan's patches on the site map (plan_map.js fetches plan.geojson), a click names the
    species; the printable plan renders with its maps under the app's security policy (no CSP violation)."""
    from tests.web.test_planning_pages import make_plan

    plan = make_plan(web, "alpha", tmp_path)
    with page.expect_response(lambda r: r.url.endswith(f"/plans/{plan.id}/files/plan.geojson")) as geo:
        assert log_in(page, web.email("alpha", "viewer"), next="/sites/alpha00001/plan") == 200
    assert geo.value.status == 200 and len(geo.value.json()["features"]) == 2
    patches = page.locator("#plan-map path.leaflet-interactive")
    patches.first.wait_for()
    assert patches.count() >= 2
    patches.first.click(force=True)
    popup = page.locator("#plan-map .leaflet-popup-content")
    popup.wait_for()
    assert "seedlings" in popup.inner_text().lower()
    page.goto(f"/plans/{plan.id}/files/plan.html")
    page.locator("table").first.wait_for()
    images = page.evaluate("Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth])")
    assert images and all(width > 0 for _, width in images), images
