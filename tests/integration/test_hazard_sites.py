"""Site hazard: zonal statistics of landslide rasters per site, exposure, level, map, stored and audited.

No published figure exists for site-level statistics of synthetic rasters: every expected value here is
derived by hand from the rasters the test writes (cell counts x cell area), and the geographic case is
also checked against an independent geodesic polygon area (pyproj.Geod, Karney 2013).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np
import pytest

TODAY = dt.date(2026, 11, 27)
X0, Y0, CELL = 700_000.0, 9_561_000.0, 10.0  # UTM 17S (southern Ecuador), 100 x 100 cells of 10 m


def _utm_profile():
    from rasterio.crs import CRS
    from rasterio.transform import from_origin

    return {"crs": CRS.from_epsg(32717), "transform": from_origin(X0, Y0, CELL, CELL), "width": 100, "height": 100}


def _write_run(tmp_path, profile, pfail, fs, area=None, name="run"):
    from minewatch.adapters.rasters import write_geotiff

    run = tmp_path / name
    write_geotiff(run / "probability_of_failure.tif", pfail, profile)
    write_geotiff(run / "factor_of_safety.tif", fs, profile)
    if area is not None:
        write_geotiff(run / "contributing_area.tif", area, profile)
    (run / "parameters.json").write_text(json.dumps({"iterations": 250, "seed": 7}))
    (run / "summary.json").write_text(json.dumps({"probability_of_failure": {"max": float(np.nanmax(pfail))}}))
    return run


def _to_lonlat(xs, ys, epsg=32717):
    from pyproj import Transformer

    t = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    return t.transform(xs, ys)


def _site(org_id, code, geom):
    import shapely

    from minewatch.sites.orm import Site

    c = geom.representative_point()
    minx, miny, maxx, maxy = geom.bounds
    return Site(org_id=org_id, code=code, latitude=c.y, longitude=c.x, geom_wkb=shapely.to_wkb(geom),
                geometry_type=geom.geom_type, min_lon=minx, min_lat=miny, max_lon=maxx, max_lat=maxy)


def _utm_rect(col0, row0, col1, row1):
    """The WGS84 polygon of the cells [row0, row1) x [col0, col1) of the UTM grid."""
    import shapely

    xs = [X0 + col0 * CELL, X0 + col1 * CELL, X0 + col1 * CELL, X0 + col0 * CELL]
    ys = [Y0 - row0 * CELL, Y0 - row0 * CELL, Y0 - row1 * CELL, Y0 - row1 * CELL]
    lon, lat = _to_lonlat(xs, ys)
    return shapely.Polygon(list(zip(lon, lat)))


def _point_utm(x, y):
    import shapely

    lon, lat = _to_lonlat([x], [y])
    return shapely.Point(lon[0], lat[0])


@pytest.fixture
def world(app, actor, tmp_path):
    """Site A (polygon, unstable strip), B (point, stable, 4 nodata cells), C (outside), another org's D."""
    from minewatch.accounts.service import init_organisation
    from minewatch.people.orm import Assignment, Person

    with app.uow() as uow:
        other = init_organisation(uow, name="Other Org", slug="other-org", admin_email="a@other.org", allow_more=True)
    with app.uow() as uow:
        s = uow.session
        from minewatch.accounts.orm import Organisation
        import sqlalchemy as sa

        other_id = s.execute(sa.select(Organisation.id).where(Organisation.slug == other.org_slug)).scalar_one()
        a = _site(actor.org_id, "A-UNSTABLE", _utm_rect(10, 10, 30, 30))
        b = _site(actor.org_id, "B-STABLE", _point_utm(X0 + 700.0, Y0 - 700.0))
        c = _site(actor.org_id, "C-FAR", _point_utm(X0 + 50_000.0, Y0 - 50_000.0))
        d = _site(other_id, "D-OTHER", _utm_rect(10, 10, 30, 30))
        s.add_all([a, b, c, d])
        s.flush()
        people = [Person(org_id=actor.org_id, external_id=f"P{i}") for i in range(5)]
        stranger = Person(org_id=other_id, external_id="X1")
        s.add_all(people + [stranger])
        s.flush()
        day = dt.timedelta(days=1)
        s.add_all([
            Assignment(org_id=actor.org_id, person_id=people[0].id, site_id=a.id, task="digging",
                       valid_from=TODAY - 30 * day),  # current, open-ended
            Assignment(org_id=actor.org_id, person_id=people[0].id, site_id=a.id, task="washing",
                       valid_from=TODAY - 30 * day),  # same person twice: counted once
            Assignment(org_id=actor.org_id, person_id=people[1].id, site_id=a.id, task="digging",
                       valid_from=TODAY - 30 * day, valid_to=TODAY),  # ends today: current
            Assignment(org_id=actor.org_id, person_id=people[2].id, site_id=a.id, task="digging",
                       valid_from=TODAY - 30 * day, valid_to=TODAY - day),  # ended
            Assignment(org_id=actor.org_id, person_id=people[3].id, site_id=a.id, task="digging",
                       valid_from=TODAY + day),  # not started
            Assignment(org_id=other_id, person_id=stranger.id, site_id=a.id, task="digging",
                       valid_from=TODAY - 30 * day),  # another organisation's record
            Assignment(org_id=other_id, person_id=stranger.id, site_id=d.id, task="digging",
                       valid_from=TODAY - 30 * day),
        ])
        ids = {"A": a.id, "B": b.id, "C": c.id, "D": d.id, "other_org": other_id}
        uow.commit()

    pfail = np.full((100, 100), 0.05)
    fs = np.full((100, 100), 1.5)
    pfail[10:15, 10:30] = 0.7  # unstable strip: 5 x 20 = 100 cells of site A
    fs[10:15, 10:30] = 0.8
    pfail[50:90, 50:90] = 0.0  # stable ground around site B (centre at the corner of cells (69, 69)/(70, 70))
    fs[50:90, 50:90] = 2.0
    pfail[69:71, 69:71] = np.nan  # 4 nodata cells inside B's buffer
    area = (np.arange(100, dtype=float).reshape(-1, 1) + 1) * 100.0 * np.ones((1, 100))
    run = _write_run(tmp_path, _utm_profile(), pfail, fs, area)
    return {"ids": ids, "run": run}


def _assess(app, actor, run, **kw):
    from minewatch.hazards.service import assess_sites

    with app.uow() as uow:
        return assess_sites(uow, actor=actor, run_dir=run, files_dir=app.settings.files_dir, today=TODAY, **kw)


def _cells_within(radius_m: float) -> int:
    """Cells of 10 m whose centre lies within radius_m of a cell corner: (2i+1)^2 + (2j+1)^2 < (2r/10)^2."""
    k = np.arange(-30, 30)
    odd = (2 * k + 1) ** 2
    return int(((odd[:, None] + odd[None, :]) < (2 * radius_m / CELL) ** 2).sum())


def test_statistics_levels_exposure_on_a_projected_grid(app, actor, world):
    result = _assess(app, actor, world["run"], buffer_m=100.0)
    by_code = {v.code: v for v in result.sites}
    assert set(by_code) == {"A-UNSTABLE", "B-STABLE", "C-FAR"}  # never D-OTHER

    a = by_code["A-UNSTABLE"]
    assert a.area_m2 == pytest.approx(400 * 100.0)
    assert a.area_fs_below_1_m2 == pytest.approx(100 * 100.0)
    assert a.share_fs_below_1 == pytest.approx(0.25)
    assert a.pfail_max == pytest.approx(0.7, abs=1e-6)  # float32 on disk
    assert a.pfail_mean == pytest.approx((100 * 0.7 + 300 * 0.05) / 400, abs=1e-6)
    assert a.upslope_area_max_m2 == pytest.approx(30 * 100.0)  # row 29 is the lowest row of the site
    assert a.people_exposed == 2
    assert (a.level, a.reason) == ("very_high", "pfail_max 0.70 >= 0.5 with 2 people exposed")

    b = by_code["B-STABLE"]
    n = _cells_within(100.0)
    # by hand, one quadrant, columns i = 0..9: 10+10+10+9+9+8+8+7+5+3 = 79 cells; x 4 quadrants
    assert n == 316
    assert b.area_m2 == pytest.approx((n - 4) * 100.0)
    assert b.area_fs_below_1_m2 == 0.0 and b.share_fs_below_1 == 0.0
    assert (b.pfail_max, b.pfail_mean) == (0.0, 0.0)
    assert b.people_exposed == 0
    assert (b.level, b.reason) == ("low", "pfail_max 0.00 < 0.1 and share_fs_below_1 0.000 < 0.01")

    c = by_code["C-FAR"]
    assert not c.covered and c.level is None and c.reason == "not covered by the rasters" and c.map_path is None

    png = app.settings.files_dir / a.map_path
    assert png == app.settings.files_dir / "hazard" / str(result.id) / "A-UNSTABLE.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    assert matplotlib.image.imread(png).shape[1] == 600


def test_stored_audited_and_reproducible(app, actor, world):
    import sqlalchemy as sa

    from minewatch.audit.orm import AuditEvent
    from minewatch.audit.service import verify
    from minewatch.hazards.orm import HazardAssessment, SiteHazard
    from minewatch.hazards.service import latest_site_hazards

    first = _assess(app, actor, world["run"], buffer_m=100.0)
    second = _assess(app, actor, world["run"], buffer_m=100.0)
    with app.uow() as uow:
        s = uow.session
        stored = s.get(HazardAssessment, second.id)
        for role, name in (("probability_of_failure", "probability_of_failure.tif"),
                           ("factor_of_safety", "factor_of_safety.tif"),
                           ("contributing_area", "contributing_area.tif")):
            assert stored.inputs[role]["sha256"] == hashlib.sha256((world["run"] / name).read_bytes()).hexdigest()
        assert stored.parameters == {"iterations": 250, "seed": 7}
        assert stored.summary["probability_of_failure"]["max"] == pytest.approx(0.7, abs=1e-6)
        assert stored.thresholds["provisional"] is True and stored.kind == "landslide"
        assert stored.assessed_on == TODAY
        assert s.execute(sa.select(sa.func.count()).select_from(SiteHazard)
                         .where(SiteHazard.site_id == world["ids"]["D"])).scalar_one() == 0
        events = s.execute(sa.select(AuditEvent).where(AuditEvent.entity_type == "hazard_assessment")
                           .order_by(AuditEvent.seq)).scalars().all()
        assert [e.entity_id for e in events] == [str(first.id), str(second.id)]
        assert all(e.org_id == actor.org_id and e.action == "created" and len(e.after_digest) == 64 for e in events)
        assert verify(s, actor.org_id)[1] == []
        latest = latest_site_hazards(uow, actor=actor)
        one = latest_site_hazards(uow, actor=actor, code="A-UNSTABLE")
    assert latest.id == second.id
    assert [v.as_dict() | {"map_path": None} for v in first.sites] == \
           [v.as_dict() | {"map_path": None} for v in latest.sites]
    assert [v.code for v in one.sites] == ["A-UNSTABLE"]


def test_other_organisation_sees_only_its_own(app, actor, world):
    from minewatch.accounts.service import resolve_actor
    from minewatch.hazards.service import latest_site_hazards

    _assess(app, actor, world["run"], buffer_m=100.0)
    with app.uow() as uow:
        other = resolve_actor(uow, org_slug="other-org", email=None)
        assert latest_site_hazards(uow, actor=other) is None
    result = _assess(app, other, world["run"], buffer_m=100.0)
    assert [(v.code, v.people_exposed, v.level) for v in result.sites] == [("D-OTHER", 1, "very_high")]


def test_geographic_raster_cell_areas(app, actor, tmp_path):
    """EPSG:4326 grid of 0.0001 deg: areas per row from WGS84 radii of curvature, and within 0.1 % of the
    polygon's geodesic area."""
    import shapely
    from pyproj import Geod
    from rasterio.crs import CRS
    from rasterio.transform import from_origin

    from minewatch.adapters.rasters import cell_sizes

    d = 0.0001
    profile = {"crs": CRS.from_epsg(4326), "transform": from_origin(-79.0, -2.0, d, d), "width": 40, "height": 40}
    pfail = np.full((40, 40), 0.02)
    fs = np.full((40, 40), 1.3)
    pfail[5:15, 5:15] = 0.6
    fs[5:15, 5:15] = 0.9
    run = _write_run(tmp_path, profile, pfail, fs, name="geo")
    poly = shapely.box(-79.0 + 5 * d, -2.0 - 15 * d, -79.0 + 15 * d, -2.0 - 5 * d)
    with app.uow() as uow:
        uow.session.add(_site(actor.org_id, "G-1", poly))
        uow.commit()
    (g,) = _assess(app, actor, run).sites
    dx, dy, geographic = cell_sizes(profile, np.arange(5, 15))
    expected = float((dx * dy).sum() * 10)
    assert geographic
    assert g.area_m2 == pytest.approx(expected, rel=1e-12)
    assert g.area_fs_below_1_m2 == pytest.approx(expected, rel=1e-12) and g.share_fs_below_1 == 1.0
    assert g.area_m2 == pytest.approx(abs(Geod(ellps="WGS84").geometry_area_perimeter(poly)[0]), rel=1e-3)
    assert (g.level, g.reason) == ("high", "pfail_max 0.60 >= 0.3")  # nobody exposed: not very high


def test_run_folder_errors_and_site_filter(app, actor, world, tmp_path):
    from minewatch.errors import InvalidInput, NotFound

    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match="missing probability_of_failure.tif, factor_of_safety.tif"):
        _assess(app, actor, tmp_path / "empty")
    with pytest.raises(NotFound, match="D-OTHER"):
        _assess(app, actor, world["run"], site_codes=["D-OTHER"])
    result = _assess(app, actor, world["run"], site_codes=["B-STABLE"], buffer_m=100.0)
    assert [v.code for v in result.sites] == ["B-STABLE"]


def test_hazard_level_rule():
    from minewatch.hazards.model import SiteStats, Thresholds, hazard_level

    def stats(pmax, share):
        return SiteStats(1e4, share * 1e4, share, pmax, pmax / 2, None, 100)

    assert hazard_level(stats(0.1, 0.2), 5) == ("very_high", "share_fs_below_1 0.200 >= 0.1 with 5 people exposed")
    assert hazard_level(stats(0.1, 0.2), 0) == ("high", "share_fs_below_1 0.200 >= 0.05")
    assert hazard_level(stats(0.3, 0.0), 9) == ("high", "pfail_max 0.30 >= 0.3")
    assert hazard_level(stats(0.1, 0.0), 9) == ("moderate", "pfail_max 0.10 >= 0.1")
    assert hazard_level(stats(0.0, 0.01), 9) == ("moderate", "share_fs_below_1 0.010 >= 0.01")
    assert hazard_level(stats(0.05, 0.0), 9)[0] == "low"
    assert hazard_level(stats(0.2, 0.0), 0, Thresholds(high_pfail=0.2)) == ("high", "pfail_max 0.20 >= 0.2")


def test_cli_assesses_and_shows(app, actor, world):
    import click
    from click.testing import CliRunner

    from minewatch.cli.common import CliState, MinewatchGroup
    from minewatch.cli.hazard_sites import register

    @click.group(cls=MinewatchGroup)
    @click.pass_context
    def root(ctx):
        ctx.obj = CliState(org=None, as_email=None)
        ctx.call_on_close(lambda: ctx.obj._app.dispose() if ctx.obj._app else None)

    register(root)
    env = {"MINEWATCH_HOME": str(app.settings.home), "MINEWATCH_DATABASE_URL": app.settings.sqlalchemy_url,
           "MINEWATCH_SECRET_KEY": app.settings.secret_key, "MINEWATCH_ORG": "test-org", "MINEWATCH_DEBUG": "1"}
    runner = CliRunner()
    out = runner.invoke(root, ["hazard", "sites", "--run", str(world["run"]), "--buffer-m", "100", "--json"],
                        env=env, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    a = next(s for s in data["sites"] if s["code"] == "A-UNSTABLE")
    assert a["level"] == "very_high" and a["share_fs_below_1"] == pytest.approx(0.25)
    assert a["map_path"].endswith(f"hazard/{data['assessment_id']}/A-UNSTABLE.png")
    text = runner.invoke(root, ["hazard", "sites", "--site", "B-STABLE"], env=env, catch_exceptions=False)
    assert text.exit_code == 0 and "B-STABLE" in text.output and "low" in text.output
    assert "A-UNSTABLE" not in text.output
