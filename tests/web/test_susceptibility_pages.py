"""Web pages of landslide susceptibility: the site's susceptibility level, the map layer, the validation report.

Assessments through the real service (GeoTIFFs around an alpha site, ``assess_sites`` with a
susceptibility raster); the report saved through ``save_validation`` as ``hazard validate --save`` does.
"""

from __future__ import annotations

import json

import numpy as np

from tests.web.conftest import login
from tests.web.test_hazard_pages import CELL_DEG, N, _alpha_site


def _client(web, org="alpha", role="viewer"):
    client = web.client()
    assert login(client, web.email(org, role)).status_code == 303
    return client


def _assess(web, tmp_path, code, lat, lon, susceptibility):
    from rasterio.crs import CRS
    from rasterio.transform import from_origin

    from minewatch.adapters.rasters import write_geotiff
    from minewatch.hazards.service import assess_sites

    profile = {"crs": CRS.from_epsg(4326), "width": N, "height": N,
               "transform": from_origin(lon - N / 2 * CELL_DEG, lat + N / 2 * CELL_DEG, CELL_DEG, CELL_DEG)}
    run = tmp_path / "run"
    write_geotiff(run / "probability_of_failure.tif", np.full((N, N), 0.05), profile)
    write_geotiff(run / "factor_of_safety.tif", np.full((N, N), 2.0), profile)
    write_geotiff(run / "susceptibility.tif", np.full((N, N), susceptibility), profile)
    with web.app.uow() as uow:
        return assess_sites(uow, actor=web.actors["alpha"], run_dir=run, files_dir=web.app.settings.files_dir,
                            site_codes=[code])


def test_site_level_page_map_layer_and_alert_gate(web, tmp_path):
    from minewatch.hazards.service import site_levels

    code, lat, lon = _alpha_site(web)
    view = _assess(web, tmp_path, code, lat, lon, 0.6)
    s = view.sites[0]
    assert s.level == "low"  # hazard from pfail 0.05, FS 2
    assert (round(s.susceptibility_mean, 6), round(s.susceptibility_max, 6), s.susceptibility_level) == \
        (0.6, 0.6, "high")  # 0.5 <= 0.6 < 0.75
    with web.app.uow() as uow:
        gate = site_levels(uow, actor=web.actors["alpha"])[code]
    assert (gate.level, gate.source) == ("high", "susceptibility")

    client = _client(web)
    page = client.get(f"/sites/{code}")
    assert page.status_code == 200 and 'data-susceptibility="high"' in page.text
    layer = client.get("/map/susceptibility.json").json()
    assert layer["columns"] == ["code", "susceptibility_level", "susceptibility_mean"]
    assert layer["rows"] == [[code, "high", 0.6]]
    dash = client.get("/")
    assert 'data-susceptibility-url="/map/susceptibility.json"' in dash.text
    assert _client(web, "beta").get("/map/susceptibility.json").json()["rows"] == []


def test_validation_report_page_per_organisation(web, tmp_path):
    from minewatch.geomodels.susceptibility.tool import plot_roc
    from minewatch.hazards.service import save_validation

    client = _client(web)
    empty = client.get("/hazard/validation")
    assert empty.status_code == 200 and "No validation report yet" in empty.text
    assert client.get("/hazard/validation/roc.png").status_code == 404

    fpr = np.linspace(0, 1, 11).tolist()
    report = {"folds": 5, "repetitions": 2, "seed": 0, "points": 20, "presences": 10,
              "models": {"susceptibility": {"auc_mean": 0.812, "auc_sd": 0.05, "n_folds": 10},
                         "glm": {"auc_mean": 0.781, "auc_sd": 0.04, "n_folds": 10},
                         "slope": {"auc_mean": 0.701, "auc_sd": 0.03, "n_folds": 10}},
              "roc": {"fpr": fpr, **{m: fpr for m in ("susceptibility", "glm", "slope")}},
              "peer": {"auroc_mean": 0.77}}
    out = tmp_path / "val"
    out.mkdir()
    (out / "report.json").write_text(json.dumps(report))
    plot_roc(report, out / "roc.png")
    save_validation(actor=web.actors["alpha"], files_dir=web.app.settings.files_dir, report_dir=out)

    page = client.get("/hazard/validation")
    assert page.status_code == 200
    for model, auc in (("susceptibility", "0.812"), ("glm", "0.781"), ("slope", "0.701"), ("peer", "0.77")):
        assert f'data-model="{model}"' in page.text and auc in page.text
    png = client.get("/hazard/validation/roc.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    beta = _client(web, "beta")
    assert "No validation report yet" in beta.get("/hazard/validation").text
    assert beta.get("/hazard/validation/roc.png").status_code == 404
