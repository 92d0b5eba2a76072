"""Web pages of soil erosion (issue 9): a site's soil loss in its hazard section, the dashboard's erosion layer.

Assessments through the real service (GeoTIFFs around an alpha site, ``assess_sites`` with an erosion run);
expected values by hand from the uniform rasters written (no published figure applies), on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.web.conftest import login
from tests.web.test_hazard_pages import CELL_DEG, N, _alpha_site


def _client(web, org="alpha", role="viewer"):
    client = web.client()
    assert login(client, web.email(org, role)).status_code == 303
    return client


def _assess(web, tmp_path, code, lat, lon, *, usle, landslide=True, name="run"):
    """Uniform rasters around the site: a landslide run (pfail 0.05, FS 2) and/or an erosion run (usle,
    sed_export = usle / 10, no stream)."""
    from rasterio.crs import CRS
    from rasterio.transform import from_origin

    from minewatch.adapters.rasters import write_geotiff
    from minewatch.hazards.service import assess_sites

    profile = {"crs": CRS.from_epsg(4326), "width": N, "height": N,
               "transform": from_origin(lon - N / 2 * CELL_DEG, lat + N / 2 * CELL_DEG, CELL_DEG, CELL_DEG)}
    run = tmp_path / name
    rasters = None
    if landslide:
        rasters = {"probability_of_failure": write_geotiff(run / "probability_of_failure.tif",
                                                           np.full((N, N), 0.05), profile),
                   "factor_of_safety": write_geotiff(run / "factor_of_safety.tif", np.full((N, N), 2.0), profile)}
    erosion = {"usle": write_geotiff(run / "usle.tif", np.full((N, N), usle), profile),
               "sed_export": write_geotiff(run / "sed_export.tif", np.full((N, N), usle / 10.0), profile)}
    with web.app.uow() as uow:
        return assess_sites(uow, actor=web.actors["alpha"], rasters=rasters, erosion_rasters=erosion,
                            files_dir=web.app.settings.files_dir, site_codes=[code])


def test_site_page_shows_soil_loss_and_the_map_layer_is_per_organisation(web, tmp_path):
    code, lat, lon = _alpha_site(web)
    view = _assess(web, tmp_path, code, lat, lon, usle=30.0)
    s = view.sites[0]
    assert s.level == "low" and s.erosion_level == "moderate"  # 10 <= 30 < 50 t/ha/yr
    assert s.soil_loss_mean_t_ha_yr == pytest.approx(30.0)
    assert s.soil_loss_t_yr == pytest.approx(30.0 * s.erosion_area_m2 / 10_000)  # uniform: mean x area in ha
    assert s.sed_export_t_yr == pytest.approx(3.0 * s.erosion_area_m2 / 10_000, rel=1e-6)

    client = _client(web)
    page = client.get(f"/sites/{code}")
    assert page.status_code == 200
    assert 'id="erosion-heading"' in page.text and 'data-erosion-level="moderate"' in page.text
    assert 'data-soil-loss-mean="30.0"' in page.text
    assert f'data-soil-loss-total="{s.soil_loss_t_yr:.1f}"' in page.text
    assert f'data-sed-export="{s.sed_export_t_yr:.1f}"' in page.text
    assert "10 to 50 t/ha/yr" in page.text

    layer = client.get("/map/erosion.json")
    assert layer.status_code == 200
    data = layer.json()
    assert data["columns"] == ["code", "erosion_level", "soil_loss_mean_t_ha_yr", "sed_export_t_yr"]
    assert data["rows"] == [[code, "moderate", 30.0, round(s.sed_export_t_yr, 1)]]
    dash = client.get("/")
    assert 'data-erosion-url="/map/erosion.json"' in dash.text and 'id="erosion-counts"' in dash.text
    assert '<tr data-erosion-level="moderate">' in dash.text

    beta = _client(web, "beta")
    assert beta.get("/map/erosion.json").json() == {"assessed_on": None, "columns": data["columns"], "rows": []}
    assert "data-erosion-url" not in beta.get("/").text
    anon = web.client().get("/map/erosion.json")
    assert anon.status_code in (302, 303, 401)


def test_a_later_erosion_only_run_shows_on_the_site_page_with_its_date(web, tmp_path):
    code, lat, lon = _alpha_site(web)
    _assess(web, tmp_path, code, lat, lon, usle=4.0, name="first")
    later = _assess(web, tmp_path, code, lat, lon, usle=250.0, landslide=False, name="second")
    assert later.kind == "erosion" and later.sites[0].erosion_level == "very_high"
    client = _client(web)
    page = client.get(f"/sites/{code}")
    assert 'data-level="low"' in page.text  # the landslide level of the first assessment
    assert 'data-erosion-level="very_high"' in page.text and 'data-soil-loss-mean="250.0"' in page.text
    assert client.get("/map/erosion.json").json()["rows"][0][1:3] == ["very_high", 250.0]


def test_site_page_without_an_erosion_run_has_no_soil_loss_section(web, tmp_path):
    from tests.web.test_hazard_pages import _assess as assess_landslide

    code, lat, lon = _alpha_site(web)
    assess_landslide(web, tmp_path, code, lat, lon)
    client = _client(web)
    assert 'id="erosion-heading"' not in client.get(f"/sites/{code}").text
    assert client.get("/map/erosion.json").json()["rows"] == []
    assert "data-erosion-url" not in client.get("/").text
