"""Site soil loss (issue 9): RUSLE soil loss and sediment export per site, stored with the hazard assessment.

No published figure exists for site totals of synthetic rasters: every expected value is derived by hand
from the rasters the test writes (cell values x cell area / 10 000 m2 per ha, the total InVEST's
``_generate_report`` makes per watershed). Runs on SQLite and PostgreSQL (the ``app`` fixture).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np
import pytest

from tests.integration.test_hazard_sites import TODAY, X0, Y0, _point_utm, _site, _utm_profile, _utm_rect

NODATA = float(np.finfo(np.float32).max)  # InVEST's float32 nodata, as geomodels.erosion.tool writes it


def _write_erosion(tmp_path, usle, sed_export=None, stream=None, name="erosion"):
    """An erosion run folder as ``hazard erosion`` writes it (nodata = float32 max, stream uint8 255)."""
    import rasterio

    out = tmp_path / name
    out.mkdir()
    p = _utm_profile()
    base = dict(driver="GTiff", width=p["width"], height=p["height"], count=1, crs=p["crs"], transform=p["transform"])
    for file, values in (("usle.tif", usle), ("sed_export.tif", sed_export)):
        if values is not None:
            with rasterio.open(out / file, "w", dtype="float32", nodata=NODATA, **base) as dst:
                dst.write(np.where(np.isnan(values), NODATA, values).astype("float32"), 1)
    if stream is not None:
        with rasterio.open(out / "stream.tif", "w", dtype="uint8", nodata=255, **base) as dst:
            dst.write(stream.astype("uint8"), 1)
    return out


@pytest.fixture
def eroded(app, actor, tmp_path):
    """Site A (polygon of cells rows 10-29 x cols 10-29), B (point, 100 m buffer), C far away, another
    organisation's D on A's cells; an erosion run: usle 5 t/ha/yr west of column 20, 100 east of it,
    a stream down column 25 (nodata in usle), 20 around B; sed_export = usle / 10."""
    from minewatch.accounts.service import init_organisation

    with app.uow() as uow:
        other = init_organisation(uow, name="Other Org", slug="other-org", admin_email="a@other.org", allow_more=True)
    from minewatch.accounts.service import resolve_actor

    with app.uow() as uow:
        other_actor = resolve_actor(uow, org_slug=other.org_slug, email=None)
    with app.uow() as uow:
        uow.session.add_all([_site(actor.org_id, "A-POLY", _utm_rect(10, 10, 30, 30)),
                             _site(actor.org_id, "B-POINT", _point_utm(X0 + 700.0, Y0 - 700.0)),
                             _site(actor.org_id, "C-FAR", _point_utm(X0 + 50_000.0, Y0 - 50_000.0)),
                             _site(other_actor.org_id, "D-OTHER", _utm_rect(10, 10, 30, 30))])
        uow.commit()
    usle = np.full((100, 100), 1.0)
    usle[:, :20] = 5.0
    usle[:, 20:50] = 100.0
    usle[50:90, 50:90] = 20.0
    stream = np.zeros((100, 100))
    stream[:, 25] = 1
    usle[stream == 1] = np.nan
    run = _write_erosion(tmp_path, usle, usle / 10.0, stream)
    return {"run": run, "other": other_actor}


def _assess(app, actor, **kw):
    from minewatch.hazards.service import assess_sites

    with app.uow() as uow:
        return assess_sites(uow, actor=actor, files_dir=app.settings.files_dir, today=TODAY, **kw)


def test_erosion_stats_by_hand_on_a_small_grid():
    """Cells of unequal area (per row, as on a geographic raster) and a stream cell, values by hand."""
    from minewatch.hazards.model import erosion_stats

    inside = np.array([[True, True, True], [True, True, False]])
    area = np.array([[100.0], [300.0]])  # m2 per cell, per row
    usle = np.array([[2.0, 40.0, np.nan], [250.0, np.nan, 7.0]])
    export = usle / 4.0
    stream = np.array([[0, 0, 1], [0, 0, 0]])  # (0, 2) is a stream cell; (1, 1) is plain nodata
    s = erosion_stats(inside, area, usle, export, stream)
    # hillslope: (0,0) 2 x 100, (0,1) 40 x 100, (1,0) 250 x 300 m2 -> 500 m2, sum A a = 200 + 4000 + 75000
    assert s.cells == 3
    assert s.area_m2 == pytest.approx(500.0 + 100.0) and s.stream_area_m2 == pytest.approx(100.0)
    assert s.soil_loss_mean_t_ha_yr == pytest.approx(79_200.0 / 500.0)  # 158.4 -> high (50-200)
    assert s.soil_loss_max_t_ha_yr == 250.0
    assert s.soil_loss_t_yr == pytest.approx(7.92)  # 79 200 / 10 000
    assert s.sed_export_t_yr == pytest.approx(1.98)
    assert s.level == "high"
    assert s.shares == pytest.approx({"low": 0.2, "moderate": 0.2, "high": 0.0, "very_high": 0.6})
    # without a stream raster the stream cell is plain nodata: not counted anywhere
    t = erosion_stats(inside, area, usle)
    assert (t.area_m2, t.stream_area_m2, t.sed_export_t_yr) == (pytest.approx(500.0), None, None)
    assert erosion_stats(inside, area, np.full((2, 3), np.nan)).covered is False


def test_erosion_level_classes_and_other_breaks():
    from minewatch.hazards.model import SOIL_LOSS_BREAKS_T_HA_YR, erosion_level

    assert SOIL_LOSS_BREAKS_T_HA_YR == (10.0, 50.0, 200.0)
    assert [erosion_level(v) for v in (0.0, 9.99, 10.0, 49.9, 50.0, 199.0, 200.0)] == \
        ["low", "low", "moderate", "moderate", "high", "high", "very_high"]
    assert erosion_level(11.0, (12.0, 20.0, 30.0)) == "low"
    assert erosion_level(float("nan")) is None


def test_erosion_only_assessment_by_hand_stored_and_audited(app, actor, eroded):
    from minewatch.audit.service import verify
    from minewatch.hazards.orm import HazardAssessment, SiteHazard
    from minewatch.hazards.service import latest_site_erosion, latest_site_hazards, site_levels

    result = _assess(app, actor, erosion_dir=eroded["run"], buffer_m=100.0)
    assert result.kind == "erosion"
    by = {v.code: v for v in result.sites}
    assert set(by) == {"A-POLY", "B-POINT", "C-FAR"}  # never the other organisation's D

    a = by["A-POLY"]  # 20 x 20 cells of 100 m2: 200 at 5, 20 stream cells, 180 at 100
    assert a.covered and a.level is None and a.reason == "erosion only: no landslide run"
    assert a.erosion_area_m2 == pytest.approx(400 * 100.0)
    assert a.erosion_stream_area_m2 == pytest.approx(20 * 100.0)
    assert a.soil_loss_mean_t_ha_yr == pytest.approx((200 * 5.0 + 180 * 100.0) / 380)  # = 50.0
    assert a.erosion_level == "high"  # 50 is on the 50 break: it goes up
    assert a.soil_loss_t_yr == pytest.approx((200 * 5.0 + 180 * 100.0) * 100.0 / 10_000)  # 190 t/yr
    assert a.sed_export_t_yr == pytest.approx(19.0, rel=1e-6)
    assert a.soil_loss_max_t_ha_yr == 100.0
    assert a.soil_loss_shares == pytest.approx({"low": 200 / 380, "moderate": 0.0, "high": 180 / 380,
                                                "very_high": 0.0})

    b = by["B-POINT"]  # uniform 20 t/ha/yr in the buffer: the total is the mean times the area
    assert b.soil_loss_mean_t_ha_yr == pytest.approx(20.0) and b.erosion_level == "moderate"
    assert b.soil_loss_t_yr == pytest.approx(20.0 * b.erosion_area_m2 / 10_000)
    assert b.erosion_area_m2 == pytest.approx(316 * 100.0)  # the cells of test_hazard_sites' 100 m buffer
    assert b.erosion_stream_area_m2 == 0.0

    c = by["C-FAR"]
    assert not c.covered and c.soil_loss_mean_t_ha_yr is None and c.erosion_level is None

    with app.uow() as uow:
        s = uow.session
        stored = s.get(HazardAssessment, result.id)
        assert stored.kind == "erosion" and stored.erosion["breaks_t_ha_yr"] == [10.0, 50.0, 200.0]
        assert "provisional" in stored.erosion["breaks_source"]
        for role in ("usle", "sed_export", "stream"):
            digest = hashlib.sha256((eroded["run"] / f"{role}.tif").read_bytes()).hexdigest()
            assert stored.inputs[role]["sha256"] == digest
        row = s.query(SiteHazard).filter_by(assessment_id=result.id, site_id=next(
            h.site_id for h in s.query(SiteHazard).filter_by(assessment_id=result.id) if h.soil_loss_t_yr
            and h.erosion_stream_area_m2)).one()
        assert (row.erosion_level, round(row.soil_loss_t_yr, 6), round(row.soil_loss_mean_t_ha_yr, 6)) == \
            ("high", 190.0, 50.0)
        from minewatch.audit.orm import AuditEvent

        event = s.query(AuditEvent).filter_by(entity_type="hazard_assessment", entity_id=str(result.id)).one()
        assert event.action == "created"
        assert verify(s, actor.org_id)[1] == []

    with app.uow() as uow:
        # landslide readers do not see an erosion-only assessment; the erosion reader does
        assert latest_site_hazards(uow, actor=actor) is None
        assert site_levels(uow, actor=actor) == {}
        again = latest_site_erosion(uow, actor=actor, code="A-POLY")
        assert [v.code for v in again.sites] == ["A-POLY"]
        assert again.sites[0].soil_loss_t_yr == pytest.approx(190.0)
        assert again.sites[0].erosion_assessed_on == TODAY
        assert latest_site_erosion(uow, actor=eroded["other"]) is None  # org isolation


def test_landslide_and_erosion_in_one_assessment_then_a_landslide_rerun(app, actor, eroded, tmp_path):
    from minewatch.adapters.rasters import write_geotiff
    from minewatch.hazards.service import hazard_layer, latest_site_hazards, site_levels

    run = tmp_path / "landslide"
    p = _utm_profile()
    write_geotiff(run / "probability_of_failure.tif", np.full((100, 100), 0.05), p)
    write_geotiff(run / "factor_of_safety.tif", np.full((100, 100), 1.5), p)
    both = _assess(app, actor, run_dir=run, erosion_dir=eroded["run"], buffer_m=100.0, site_codes=["A-POLY"])
    assert both.kind == "landslide" and set(both.inputs) == {"probability_of_failure", "factor_of_safety", "usle",
                                                              "sed_export", "stream"}
    a = both.sites[0]
    assert a.level == "low" and a.erosion_level == "high" and a.soil_loss_t_yr == pytest.approx(190.0)

    later = TODAY + dt.timedelta(days=3)
    with app.uow() as uow:
        from minewatch.hazards.service import assess_sites

        landslide_only = assess_sites(uow, actor=actor, run_dir=run, files_dir=app.settings.files_dir, today=later,
                                      buffer_m=100.0, site_codes=["A-POLY"])
    assert landslide_only.sites[0].soil_loss_t_yr is None  # this run had no erosion
    with app.uow() as uow:
        latest = latest_site_hazards(uow, actor=actor, code="A-POLY")
        assert latest.id == landslide_only.id and latest.assessed_on == later
        v = latest.sites[0]
        # the soil loss shown is the earlier assessment's, dated
        assert v.soil_loss_t_yr == pytest.approx(190.0) and v.erosion_assessed_on == TODAY
        assert site_levels(uow, actor=actor)["A-POLY"].level == "low"
        assert hazard_layer(uow, actor=actor)["rows"] == [["A-POLY", "low", 0.05, 0]]


def test_a_missing_usle_and_a_grid_mismatch_are_refused(app, actor, eroded, tmp_path):
    from minewatch.hazards.errors import HazardRunInvalid

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(HazardRunInvalid, match="usle.tif"):
        _assess(app, actor, erosion_dir=empty)
    import shutil

    from minewatch.adapters.rasters import write_geotiff

    bad = tmp_path / "bad"
    shutil.copytree(eroded["run"], bad)
    p = _utm_profile()
    write_geotiff(bad / "sed_export.tif", np.ones((50, 50)), {**p, "width": 50, "height": 50})
    with pytest.raises(HazardRunInvalid, match="grid differs"):
        _assess(app, actor, erosion_dir=bad)


def test_cli_erosion_only_and_with_json(cli, eroded):
    out = cli("--org", "test-org", "hazard", "sites", "--erosion", str(eroded["run"]), "--buffer-m", "100", "--json")
    data = json.loads(out.output)
    a = next(s for s in data["sites"] if s["code"] == "A-POLY")
    assert a["erosion_level"] == "high" and a["soil_loss_t_yr"] == pytest.approx(190.0)
    assert a["sed_export_t_yr"] == pytest.approx(19.0, rel=1e-6)
    text = cli("--org", "test-org", "hazard", "sites", "--site", "A-POLY")
    assert text.exit_code == 0, text.output
    assert "soil loss high mean 50.0 t/ha/yr, total 190.0 t/yr, sediment export 19.0 t/yr" in text.output
    assert "stream cells 5% (no soil loss)" in text.output
