"""Web pages of slope hazard: the site hazard panel and its PNG map, the slope calculator.

The assessment is made through the real services (GeoTIFF rasters written around an alpha site, then
``hazards.service.assess_sites``), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pytest
import sqlalchemy as sa

from tests.web.conftest import login

CELL_DEG = 0.0005  # about 55 m
N = 40


def _alpha_site(web, *, name: bool = False) -> tuple:
    from minewatch.sites.orm import Site

    with web.app.uow() as uow:
        return tuple(uow.session.execute(
            sa.select(Site.code, Site.latitude, Site.longitude, *([Site.name] if name else []))
            .where(Site.org_id == web.actors["alpha"].org_id).order_by(Site.code)).first())


def _assess(web, tmp_path, code, lat, lon, *, pfail=0.7, fs=0.8):
    """Write uniform probability-of-failure and factor-of-safety rasters around the site and assess it."""
    from rasterio.crs import CRS
    from rasterio.transform import from_origin

    from minewatch.adapters.rasters import write_geotiff
    from minewatch.hazards.service import assess_sites

    profile = {"crs": CRS.from_epsg(4326), "width": N, "height": N,
               "transform": from_origin(lon - N / 2 * CELL_DEG, lat + N / 2 * CELL_DEG, CELL_DEG, CELL_DEG)}
    p = write_geotiff(tmp_path / "run" / "probability_of_failure.tif", np.full((N, N), pfail), profile)
    f = write_geotiff(tmp_path / "run" / "factor_of_safety.tif", np.full((N, N), fs), profile)
    with web.app.uow() as uow:
        return assess_sites(uow, actor=web.actors["alpha"], rasters={"probability_of_failure": p,
                                                                      "factor_of_safety": f},
                            files_dir=web.app.settings.files_dir, site_codes=[code])


def _client(web, org="alpha", role="viewer"):
    client = web.client()
    assert login(client, web.email(org, role)).status_code == 303
    return client


def test_site_page_without_assessment_says_how_to_run_one(web):
    code, _, _ = _alpha_site(web)
    client = _client(web)
    r = client.get(f"/sites/{code}")
    assert r.status_code == 200
    assert "Landslide hazard" in r.text and "minewatch hazard sites" in r.text
    assert client.get(f"/sites/{code}/hazard.png").status_code == 404


def test_site_hazard_panel_and_map(web, tmp_path):
    code, lat, lon = _alpha_site(web)
    view = _assess(web, tmp_path, code, lat, lon)
    site = view.sites[0]
    assert site.covered and site.level in ("high", "very_high") and site.map_path

    client = _client(web)
    r = client.get(f"/sites/{code}")
    assert r.status_code == 200
    assert f'data-level="{site.level}"' in r.text
    assert {"high": ">high<", "very_high": ">very high<"}[site.level] in r.text
    assert html.escape(site.reason) in r.text
    assert "maximum probability of failure 0.70, at least 0.30" in r.text
    assert "100%" in r.text  # every cell has FS 0.8 < 1
    assert "0.70" in r.text  # maximum and mean probability of failure
    assert f'src="/sites/{code}/hazard.png"' in r.text

    png = client.get(f"/sites/{code}/hazard.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")

    # beta's user: alpha's site and its map are not found (never forbidden).
    beta = _client(web, "beta")
    assert beta.get(f"/sites/{code}/hazard.png").status_code == 404
    assert beta.get(f"/sites/{code}").status_code == 404
    # Anonymous: sent to the login form.
    anon = web.client().get(f"/sites/{code}/hazard.png")
    assert anon.status_code in (302, 303) and "/login" in anon.headers["location"]


def test_hazard_map_outside_files_dir_is_not_served(web, tmp_path):
    from minewatch.hazards.orm import SiteHazard

    code, lat, lon = _alpha_site(web)
    _assess(web, tmp_path, code, lat, lon)
    secret = web.app.settings.files_dir.parent / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nnot yours")
    with web.app.uow() as uow:
        uow.session.execute(sa.update(SiteHazard).values(map_path="../secret.png"))
        uow.commit()
    assert _client(web).get(f"/sites/{code}/hazard.png").status_code == 404


FS_CASE = {"form": "fs", "slope_deg": "30", "friction_deg": "35", "cohesion_pa": "2000", "soil_depth_m": "1.5",
           "soil_density": "1800", "wetness": "0.5"}


def _fs_by_hand(theta_deg, phi_deg, c, h, rho, w, r=0.5, g=9.81):
    """Infinite-slope factor of safety with slope-parallel seepage, h perpendicular to the slope (SINMAP form)."""
    t, p = math.radians(theta_deg), math.radians(phi_deg)
    return (c + rho * g * h * math.cos(t) * (1 - w * r) * math.tan(p)) / (rho * g * h * math.sin(t))


def test_calculator_factor_of_safety(web):
    # No published figure for this case: the expected value is derived from the infinite-slope equation
    # FS = [C + rho g h cos(theta) (1 - w r) tan(phi)] / [rho g h sin(theta)] = 1.0607 (Pack et al. 1998, eq. 2).
    from minewatch.geomodels.slope_stability.kernels import G

    expected = _fs_by_hand(30, 35, 2000, 1.5, 1800, 0.5, g=G)
    assert expected == pytest.approx(1.0607, abs=1e-4)
    client = _client(web)
    empty = client.get("/calc")
    assert empty.status_code == 200 and 'name="wetness"' in empty.text and 'value="0.5"' in empty.text
    r = client.get("/calc", params=FS_CASE)
    assert r.status_code == 200
    assert "<strong>1.061</strong>" in r.text
    assert ">stable<" in r.text
    # Form values are shown back.
    assert 'name="slope_deg" value="30"' in r.text


def test_calculator_rejects_bad_input_naming_the_field(web):
    client = _client(web)
    r = client.get("/calc", params={**FS_CASE, "wetness": "1.2"})
    assert r.status_code == 422
    assert "wetness 1.2 is out of range" in r.text
    r = client.get("/calc", params={**FS_CASE, "cohesion_pa": "lots"})
    assert r.status_code == 422 and "cohesion_pa &#39;lots&#39; is not a number" in r.text
    r = client.get("/calc", params={**FS_CASE, "cohesion_pa": "inf"})
    assert r.status_code == 422 and "cohesion_pa &#39;inf&#39; is not a finite number" in r.text
    r = client.get("/calc", params={**FS_CASE, "wetness": "0,5"})  # a decimal comma is read as a point
    assert r.status_code == 200 and "<strong>1.061</strong>" in r.text
    r = client.get("/calc", params={**FS_CASE, "soil_depth_m": ""})
    assert r.status_code == 422 and "soil_depth_m is required" in r.text
    r = client.get("/calc", params={"form": "si", "slope_deg": "35", "area_m": "700", "c_min": "0.3",
                                    "c_max": "0.25", "phi_min": "30", "phi_max": "45", "tr_min": "2000",
                                    "tr_max": "3000"})
    assert r.status_code == 422 and "c_min 0.3 is greater than c_max 0.25" in r.text


def test_calculator_sinmap_stability_index(web):
    from minewatch.geomodels.slope_stability.kernels import sinmap_class, sinmap_stability_index

    case = {"slope_deg": "35", "area_m": "700", "c_min": "0", "c_max": "0.25", "phi_min": "30", "phi_max": "45",
            "tr_min": "2000", "tr_max": "3000"}
    si, _ = sinmap_stability_index(35, 700, 0, 0.25, 30, 45, 2000, 3000)
    r = _client(web).get("/calc", params={"form": "si", **case})
    assert r.status_code == 200
    assert f'data-class="{sinmap_class(float(si))}"' in r.text
    assert f"<strong>{float(si):.3f}</strong>" in r.text


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_hazard_pages_are_translated(web, tmp_path, lang):
    from tests.web.test_pages_i18n import _check, _choose

    code, lat, lon, name = _alpha_site(web, name=True)
    _assess(web, tmp_path, code, lat, lon)
    client = _client(web, role="admin")
    _choose(client, lang)
    site = client.get(f"/sites/{code}")
    assert site.status_code == 200
    _check(site.text, lang, "site", {code, name or code})
    assert {"fr": "Aléa de glissement de terrain", "es": "Amenaza por deslizamientos"}[lang] in site.text
    # the reason is rendered from its clauses, in the page's language and number format
    assert {"fr": "probabilité de rupture maximale 0,70, au moins 0,30",
            "es": "probabilidad máxima de falla 0,70, al menos 0,30"}[lang] in site.text
    for params in ({}, FS_CASE, {"form": "si", "slope_deg": "35", "area_m": "700", "c_min": "0", "c_max": "0.25",
                                 "phi_min": "30", "phi_max": "45", "tr_min": "2000", "tr_max": "3000"}):
        r = client.get("/calc", params=params)
        assert r.status_code == 200
        _check(r.text, lang, "/calc")
    assert {"fr": "Facteur de sécurité", "es": "Factor de seguridad"}[lang] in client.get("/calc").text


def test_dashboard_hazard_panel_and_map_layer(web, tmp_path):
    code, lat, lon = _alpha_site(web)
    client = _client(web)
    # No assessment yet: no hazard panel, no layer URL, and the layer document is empty.
    r = client.get("/")
    assert r.status_code == 200 and "data-hazard-url" not in r.text and 'id="hazard-counts"' not in r.text
    assert client.get("/map/hazard.json").json()["rows"] == []

    view = _assess(web, tmp_path, code, lat, lon)
    level = view.sites[0].level
    r = client.get("/")
    assert 'data-hazard-url="/map/hazard.json"' in r.text
    panel = r.text[r.text.index('id="hazard-counts"'):]
    # one site rated, counted under its level and none under the others
    for lvl in ("very_high", "high", "moderate", "low"):
        n = "1" if lvl == level else "0"
        assert f'<tr data-level="{lvl}">' in panel
        row = panel[panel.index(f'<tr data-level="{lvl}">'):]
        assert f'<td class="num">{n}</td>' in row[:row.index("</tr>")]
    assert f'href="/sites/{code}#hazard-heading"' in panel and "0.70" in panel

    layer = client.get("/map/hazard.json")
    assert layer.status_code == 200 and layer.headers["etag"]
    doc = layer.json()
    assert doc["columns"] == ["code", "level", "pfail_max", "people_exposed"]
    assert doc["rows"] == [[code, level, 0.7, view.sites[0].people_exposed]]
    assert doc["assessed_on"] == view.assessed_on.isoformat()
    assert client.get("/map/hazard.json", headers={"If-None-Match": layer.headers["etag"]}).status_code == 304

    # beta's user sees none of alpha's assessment
    beta = _client(web, "beta")
    assert beta.get("/map/hazard.json").json()["rows"] == []
    assert "data-hazard-url" not in beta.get("/").text


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_dashboard_hazard_panel_is_translated(web, tmp_path, lang):
    from tests.web.test_pages_i18n import _check, _choose

    from babel.dates import format_date

    code, lat, lon = _alpha_site(web)
    view = _assess(web, tmp_path, code, lat, lon)
    client = _client(web, role="admin")
    _choose(client, lang)
    r = client.get("/")
    assert r.status_code == 200
    _check(r.text, lang, "/", {format_date(view.assessed_on, format="medium", locale=lang)})
    assert {"fr": "Personnes affectées à des sites", "es": "Personas asignadas a sitios"}[lang] in r.text
