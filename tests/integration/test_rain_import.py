"""Rainfall import (issue 8 part 3): station CSV and gridded NetCDF, stored per organisation, SQLite and PostgreSQL.

Expected numbers are counted in the tests from the raw file with the csv module (the Central Java file's
2,640 duplicated (event, date) keys are also stated in its SOURCE.md) or follow from the inputs written here.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter

import numpy as np
import pytest
import sqlalchemy as sa

from minewatch.errors import ImportRejected, NotFound
from minewatch.rain.orm import RainObservation, RainSeriesRecord
from minewatch.rain.service import import_rain, series_list, site_series
from tests.shared_data import shared_data_path

UTC = dt.timezone.utc
REPAIR = "clock-from-row-order"


def _java():
    return shared_data_path("central-java-landslide-rainfall", "landslide_rainfall.csv")


def _add_site(app, org_id, code, lat, lon):
    import shapely

    from minewatch.sites.orm import Site

    point = shapely.Point(lon, lat)
    with app.uow() as uow:
        uow.session.add(Site(org_id=org_id, code=code, latitude=lat, longitude=lon, geom_wkb=shapely.to_wkb(point),
                             geometry_type="Point", min_lon=lon, min_lat=lat, max_lon=lon, max_lat=lat))
        uow.commit()


def _other_actor(app):
    from minewatch.accounts.service import init_organisation, resolve_actor

    with app.uow() as uow:
        other = init_organisation(uow, name="Other Org", slug="other-org", admin_email="a@other.org", allow_more=True)
    with app.uow() as uow:
        return resolve_actor(uow, org_slug=other.org_slug, email=None)


def _count(app, model):
    with app.uow() as uow:
        return uow.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.shared_data
def test_central_java_is_rejected_without_the_repair_and_imported_with_it(app, actor):
    path = _java()
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    keys = Counter((r["coord_id"], r["date"]) for r in rows)
    duplicated = sum(1 for n in keys.values() if n > 1)
    assert duplicated == 2640  # SOURCE.md: "2,640 duplicated (event, date) keys"
    with app.uow() as uow, pytest.raises(ImportRejected) as exc:
        import_rain(uow, actor=actor, path=path, tz="UTC", units="mm/h")
    report = exc.value.report
    dups = [p for p in report.problems if p.code == "duplicate_time"]
    assert len(dups) == duplicated and "2,640 duplicated timestamps" in exc.value.message
    assert "--repair clock-from-row-order" in exc.value.message
    assert dups[0].row == 28 and "rows 4, 28" in dups[0].reason  # 2018-01-22 01:00 written at 01:00 and 13:00
    assert _count(app, RainSeriesRecord) == 0

    with app.uow() as uow:
        report = import_rain(uow, actor=actor, path=path, tz="UTC", units="mm/h", repair=REPAIR)
    assert (report.series, report.steps, report.inserted, report.missing_steps) == (10, 5280, 5280, 0)
    assert report.repair == REPAIR and report.rows_repaired == 2640  # 24 of every 48 half hours are p.m. or 00:xx
    assert not report.errors
    with app.uow() as uow:
        listed = series_list(uow, actor=actor)
    assert len(listed) == 10 and all(v.steps == 528 and v.step_s == 1800 for v in listed)
    ev2 = next(v for v in listed if v.key == "2")
    assert ev2.first_utc == dt.datetime(2018, 1, 22, 0, 0, tzinfo=UTC)
    assert ev2.last_utc == dt.datetime(2018, 2, 1, 23, 30, tzinfo=UTC)
    with app.uow() as uow:
        stored = dict(uow.session.execute(
            sa.select(RainObservation.start_utc, RainObservation.depth_mm)
            .join(RainSeriesRecord, RainSeriesRecord.id == RainObservation.series_id)
            .where(RainSeriesRecord.key == "2")).all())
    ev2_rows = [r for r in rows if r["coord_id"] == "2"]
    # Row i of event 2 is 2018-01-22 00:00 UTC + i x 30 min; depth = intensity (mm/h) x 0.5 h.
    for i in (0, 14, 17, 40, 527):
        when = dt.datetime(2018, 1, 22, tzinfo=UTC) + i * dt.timedelta(minutes=30)
        assert stored[when] == pytest.approx(float(ev2_rows[i]["value"]) * 0.5)
    # 2018-01-22 13:00 (written "01:00", row 28) is the second "01:00" of that date
    assert stored[dt.datetime(2018, 1, 22, 13, tzinfo=UTC)] == pytest.approx(float(ev2_rows[26]["value"]) * 0.5)

    with app.uow() as uow:
        again = import_rain(uow, actor=actor, path=path, tz="UTC", units="mm/h", repair=REPAIR)
    assert again.already_imported and again.inserted == 0 and again.unchanged == 5280
    assert "imported before" in again.summary()
    assert _count(app, RainObservation) == 5280


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_gaps_are_reported_and_a_longer_file_appends(app, actor, tmp_path):
    first = _write(tmp_path, "st1.csv", "station,time,rain\nS1,2024-03-01 00:00,0\nS1,2024-03-01 01:00,2.5\n"
                   "S1,2024-03-01 04:00,1\nS1,2024-03-01 05:00,0\n")
    with app.uow() as uow:
        report = import_rain(uow, actor=actor, path=first, tz="Africa/Kinshasa", units="mm")
    gaps = [p for p in report.problems if p.code == "gap"]
    assert len(gaps) == 1 and "2 missing step(s) from 2024-03-01 01:00 to 2024-03-01 02:00 UTC" in gaps[0].reason
    assert (report.steps, report.missing_steps, report.inserted) == (6, 2, 6)  # Kinshasa is UTC+1
    longer = _write(tmp_path, "st2.csv", "station,time,rain\nS1,2024-03-01 05:00,0\nS1,2024-03-01 06:00,3\n"
                    "S1,2024-03-01 03:00,0.5\nS1,2024-03-01 04:00,1\n")
    with app.uow() as uow:
        report = import_rain(uow, actor=actor, path=longer, tz="Africa/Kinshasa", units="mm")
    assert (report.inserted, report.unchanged, report.filled) == (1, 2, 1)
    assert any(p.code == "unsorted" and p.row == 4 for p in report.problems)
    conflict = _write(tmp_path, "st3.csv", "station,time,rain\nS1,2024-03-01 06:00,9\n")
    with app.uow() as uow, pytest.raises(ImportRejected) as exc:
        import_rain(uow, actor=actor, path=conflict, tz="Africa/Kinshasa", units="mm", step="1h")
    [p] = exc.value.report.errors
    assert p.code == "conflicting_value" and "stored as 3 mm, the file gives 9 mm" in p.reason


def test_dst_fall_back_hour_is_rejected_with_its_row(app, actor, tmp_path):
    path = _write(tmp_path, "paris.csv", "time,value\n2024-10-27 01:00,0\n2024-10-27 02:00,1.5\n"
                  "2024-10-27 03:00,0\n")
    with app.uow() as uow, pytest.raises(ImportRejected) as exc:
        import_rain(uow, actor=actor, path=path, tz="Europe/Paris", units="mm")
    [p] = exc.value.report.errors
    assert (p.code, p.row, p.value) == ("ambiguous_time", 3, "2024-10-27 02:00")
    offsets = _write(tmp_path, "paris-offsets.csv", "time,value\n2024-10-27T02:00+02:00,1\n2024-10-27T02:00+01:00,2\n")
    with app.uow() as uow:
        report = import_rain(uow, actor=actor, path=offsets, tz=None, units="mm")
    assert report.steps == 2 and not report.problems  # written with offsets: 00:00 and 01:00 UTC


def test_netcdf_grid_imports_utc_times_and_depths(app, actor, tmp_path):
    import xarray as xr

    times = np.array(["2024-01-01T00:00", "2024-01-01T00:30", "2024-01-01T01:00"], "datetime64[ns]")
    lats, lons = np.array([-7.65, -7.55]), np.array([110.05, 110.15, 110.25])
    rate = np.arange(3 * 3 * 2, dtype=float).reshape(3, 3, 2)  # (time, lon, lat) as IMERG
    rate[1, 2, 1] = np.nan
    ds = xr.Dataset({"precipitationCal": (("time", "lon", "lat"), rate, {"units": "mm/hr"})},
                    coords={"time": times, "lat": lats, "lon": lons})
    path = tmp_path / "imerg.nc"
    ds.to_netcdf(path, engine="h5netcdf", encoding={"time": {"units": "minutes since 2023-12-31 17:00:00 +07:00"}})
    with app.uow() as uow:
        report = import_rain(uow, actor=actor, path=path, tz=None, units=None, all_cells=True)
    assert (report.series, report.steps, report.missing_steps) == (6, 18, 1)
    with app.uow() as uow:
        rows = uow.session.execute(sa.select(RainSeriesRecord.key, RainObservation.start_utc, RainObservation.depth_mm)
                                   .join(RainObservation, RainObservation.series_id == RainSeriesRecord.id)).all()
    got = {(k, t): d for k, t, d in rows}
    assert got[("-7.55,110.25", dt.datetime(2024, 1, 1, 0, 0, tzinfo=UTC))] == pytest.approx(rate[0, 2, 1] * 0.5)
    assert got[("-7.65,110.05", dt.datetime(2024, 1, 1, 1, 0, tzinfo=UTC))] == pytest.approx(rate[2, 0, 0] * 0.5)
    assert got[("-7.55,110.25", dt.datetime(2024, 1, 1, 0, 30, tzinfo=UTC))] is None


def test_netcdf_keeps_the_cell_nearest_each_site_and_sites_find_their_series(app, actor, tmp_path):
    import xarray as xr

    times = np.array(["2024-01-01T00:00", "2024-01-01T01:00"], "datetime64[ns]")
    ds = xr.Dataset({"pr": (("time", "lat", "lon"), np.ones((2, 2, 3)), {"units": "kg m-2 s-1"})},
                    coords={"time": times, "lat": [-7.65, -7.55], "lon": [110.05, 110.15, 110.25]})
    path = tmp_path / "grid.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    _add_site(app, actor.org_id, "NEAR", -7.56, 110.16)
    with app.uow() as uow:
        report = import_rain(uow, actor=actor, path=path, tz=None, units=None)
    assert (report.series_stored, report.series_skipped) == (1, 5)
    start, end = dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2024, 1, 2, tzinfo=UTC)
    with app.uow() as uow:
        [s] = site_series(uow, actor=actor, site_code="NEAR", start_utc=start, end_utc=end)
    assert s.key == "-7.55,110.15" and s.depth_mm.tolist() == [3600.0, 3600.0]  # 1 mm/s for an hour
    _add_site(app, actor.org_id, "FAR", -8.5, 111.0)
    with app.uow() as uow:
        assert site_series(uow, actor=actor, site_code="FAR", start_utc=start, end_utc=end) == []


def test_site_link_window_and_organisations_are_isolated(app, actor, tmp_path):
    _add_site(app, actor.org_id, "S-1", 1.0, 30.0)
    path = _write(tmp_path, "gauge.csv", "time,value\n2024-05-01T00:00Z,1\n2024-05-01T00:30Z,\n2024-05-01T01:00Z,2\n")
    with app.uow() as uow:
        report = import_rain(uow, actor=actor, path=path, tz=None, units="mm/h", kind="forecast", site_code="S-1")
    assert any(p.code == "empty_value" and p.row == 3 for p in report.problems)
    with app.uow() as uow:
        [s] = site_series(uow, actor=actor, site_code="S-1", start_utc=dt.datetime(2024, 5, 1, 0, 30, tzinfo=UTC),
                          end_utc=dt.datetime(2024, 5, 2, tzinfo=UTC))
    assert s.kind == "forecast" and s.key == "gauge" and str(s.start_utc[0]) == "2024-05-01T00:30:00"
    assert np.isnan(s.depth_mm[0]) and s.depth_mm[1] == 1.0
    other = _other_actor(app)
    with app.uow() as uow:
        assert series_list(uow, actor=other) == []
        with pytest.raises(NotFound):
            site_series(uow, actor=other, site_code="S-1", start_utc=dt.datetime(2024, 5, 1, tzinfo=UTC),
                        end_utc=dt.datetime(2024, 5, 2, tzinfo=UTC))
    with app.uow() as uow:  # the same key in another organisation is another series
        import_rain(uow, actor=other, path=path, tz=None, units="mm/h", kind="forecast")
    with app.uow() as uow:
        assert len(series_list(uow, actor=other)) == 1 and len(series_list(uow, actor=actor)) == 1


@pytest.mark.shared_data
def test_cli_imports_and_lists(app, cli):
    bad = cli("rain", "import", str(_java()), "--tz", "UTC", "--units", "mm/h", ok=False)
    assert bad.exit_code == 6 and "2,640 duplicated timestamps" in bad.output
    out = cli("rain", "import", str(_java()), "--tz", "UTC", "--units", "mm/h", "--repair", REPAIR, "--json")
    data = json.loads(out.output)
    assert data["inserted"] == 5280 and data["rows_repaired"] == 2640
    listed = json.loads(cli("rain", "series", "--json").output)
    assert len(listed) == 10 and listed[0]["steps"] == 528
