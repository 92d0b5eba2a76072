"""Importing laboratory results of water, sediment and soil (issue 6 parts 1, 2 and 7), SQLite and PostgreSQL.

Choices stated: a ``<x`` cell is stored censored ("<") with value = detection limit = x (never zero,
never dropped); ``>x`` is censored ">"; "SIN DATOS" (no data) is an empty cell; "ND" without a limit is
reported and not stored. The expected counts are computed in the tests from the raw files with the csv
module, independently of the importer.
"""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from minewatch.errors import ImportRejected, InvalidInput
from minewatch.water.orm import Result, Sample, SamplingPoint
from minewatch.water.service import import_results, measurements, sampling_points
from minewatch.water.units import convert
from minewatch.water.vocabulary import vocabulary
from tests.shared_data import shared_data_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "water"
DATA = "pilcomayo-mining-water-quality"
WATER_2024 = "calidad_agua_20250711060422.csv"
_NUMERIC = re.compile(r"^[<>]?\s*-?\d+([.,]\d+)?$")  # negatives: pH (mV)


def _count_transposed(path: Path) -> tuple[int, int]:
    """(numeric cells, '<' cells) of the rows whose label names a vocabulary parameter, read with csv only."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    meta = {"estación", "código", "fecha", "hora", "campaña", "responsable", "institución", "río", "cuenca",
            "latitud", "longitud", "latitud decimal", "longitud decimal"}
    numeric = censored = 0
    for row in rows:
        if not row or row[0].strip().lower() in meta or not row[0].strip():
            continue
        if vocabulary().match(row[0]) is None or "suspensi" in row[0].lower():
            continue
        for cell in row[2:]:
            cell = cell.strip()
            if _NUMERIC.match(cell):
                numeric += 1
                censored += cell.startswith("<")
    return numeric, censored


def _other_actor(app):
    from minewatch.accounts.service import init_organisation, resolve_actor

    with app.uow() as uow:
        other = init_organisation(uow, name="Other Org", slug="other-org", admin_email="a@other.org", allow_more=True)
    with app.uow() as uow:
        return resolve_actor(uow, org_slug=other.org_slug, email=None)


def _count(app, model, org_id):
    with app.uow() as uow:
        return uow.session.execute(sa.select(sa.func.count()).select_from(model).where(model.org_id == org_id)).scalar()


@pytest.mark.shared_data
def test_pilcomayo_2024_water_every_lod_kept_censored(app, actor):
    path = shared_data_path(DATA, WATER_2024)
    numeric, below = _count_transposed(path)
    # SOURCE.md: "965 values are below-detection strings such as <1, <0.5"; all of them are in mapped rows.
    assert below == 965
    with app.uow() as uow:
        report = import_results(uow, actor=actor, path=path)
    assert report.profile == "pilcomayo" and report.samples == 49  # SOURCE.md: 49 sampling events
    assert report.results == numeric and report.censored == below
    assert report.inserted == numeric and not report.errors
    # rows that name no parameter are kept in the report, not silently dropped
    assert {"Resistividad", "Presión Parcial"} <= {u["label"] for u in report.unmapped}
    with app.uow() as uow:
        s = uow.session
        rows = s.execute(sa.select(Result).where(Result.org_id == actor.org_id)).scalars().all()
        assert len(rows) == numeric
        low = [r for r in rows if r.censored == "<"]
        assert len(low) == below
        assert all(Decimal(r.value) == Decimal(r.detection_limit) > 0 for r in low)
        assert all(r.raw.startswith("<") for r in low)
    # Cells checked by hand in the file: Tarapaya (BTA-050, 23/06/2024 15:55) Talio disuelto "<1" ug/l Tl;
    # Colavi - Canutillos (BC7-113) Arsenico total 607 ug/l As; Tarapaya Plomo disuelto 27 ug/l Pb.
    with app.uow() as uow:
        tl = measurements(uow, actor=actor, point_code="BTA-050", parameter="thallium")
        arsenic = measurements(uow, actor=actor, point_code="BC7-113", parameter="arsenic")
        lead = measurements(uow, actor=actor, point_code="BTA-050", parameter="lead")
    tl_june = [m for m in tl if m.fraction == "dissolved" and m.sampled_at.isoformat() == "2024-06-23T15:55:00"]
    assert [(m.value, m.censored, m.unit) for m in tl_june] == [(Decimal("1"), "<", "ug/l Tl")]
    assert (Decimal("607"), "ug/l As") in {(m.value, m.unit) for m in arsenic if m.fraction == "total"}
    assert convert(Decimal("607"), "ug/l As", "mg/L", medium="river") == Decimal("0.607")
    assert Decimal("27") in {m.value for m in lead if m.fraction == "dissolved"}
    assert all(m.medium == "river" for m in lead)


@pytest.mark.shared_data
def test_reimport_changes_nothing_and_other_org_sees_nothing(app, actor):
    from minewatch.audit.orm import AuditEvent
    from minewatch.registry.orm import ImportBatch

    path = shared_data_path(DATA, WATER_2024)
    with app.uow() as uow:
        first = import_results(uow, actor=actor, path=path)
    counts = [_count(app, m, actor.org_id) for m in (SamplingPoint, Sample, Result, ImportBatch, AuditEvent)]
    with app.uow() as uow:
        again = import_results(uow, actor=actor, path=path)
    assert (again.inserted, again.updated, again.unchanged, again.points_new) == (0, 0, first.inserted, 0)
    assert [_count(app, m, actor.org_id) for m in (SamplingPoint, Sample, Result, ImportBatch, AuditEvent)] == counts
    other = _other_actor(app)
    with app.uow() as uow:
        assert measurements(uow, actor=other) == []
        assert sampling_points(uow, actor=other) == []
        assert len(sampling_points(uow, actor=actor)) == 39  # SOURCE.md: 39 stations


@pytest.mark.shared_data
@pytest.mark.parametrize("name, medium, unit", [("ITA_water_2006.csv", "river", "mg/l"),
                                                 ("ITA_sed_2006.csv", "sediment", "mg/kg"),
                                                 ("ITA_soil_2006.csv", "soil", "mg/kg")])
def test_ita_files_with_utm_zone(app, actor, name, medium, unit):
    path = shared_data_path(DATA, name)
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    expected = sum(1 for r in rows for k, v in r.items() if re.search(r"\((mg/l|mg/kg)\)$", k) and v.strip()
                   ) + sum(1 for r in rows if r.get("pH", "").strip())
    with pytest.raises(InvalidInput, match="--utm-zone 20S"):
        with app.uow() as uow:
            import_results(uow, actor=actor, path=path)
    with app.uow() as uow:
        report = import_results(uow, actor=actor, path=path, utm_zone="20S")
    assert report.profile == "ita" and report.samples == len(rows) and report.inserted == expected
    with app.uow() as uow:
        points = sampling_points(uow, actor=actor)
        lead = measurements(uow, actor=actor, point_code="ITA-1", parameter="lead")
    assert len(points) == len(rows)
    # SOURCE.md: zone 20 S places all points at 65.3-64.0 W, 21.5-19.3 S (rounded: ITA-11 Puente Méndez,
    # X 257,... Y 7,86..., lies at 65.324 W, so the window is widened by 0.05 degree).
    for p in points:
        assert p.medium == medium
        assert -65.35 <= p.longitude <= -64.0 and -21.5 <= p.latitude <= -19.25, p
    # ITA point 1 (Culpina, Río Pilaya): Pb 0.03 mg/l in water, 30.5 mg/kg in sediment, 36.17 in soil.
    first = {"river": Decimal("0.03"), "sediment": Decimal("30.5"), "soil": Decimal("36.17")}[medium]
    assert [(m.value, m.unit) for m in lead] == [(first, unit)]


@pytest.mark.shared_data
def test_ug_and_mg_kept_as_reported_and_convertible(app, actor):
    with app.uow() as uow:
        import_results(uow, actor=actor, path=shared_data_path(DATA, "ITA_water_2006.csv"), utm_zone="20S")
        import_results(uow, actor=actor, path=shared_data_path(DATA, WATER_2024))
    with app.uow() as uow:
        lead = measurements(uow, actor=actor, parameter="lead")
    units = {m.unit for m in lead}
    assert units == {"mg/l", "ug/l Pb"}
    ita = next(m for m in lead if m.point_code == "ITA-1")
    assert convert(ita.value, ita.unit, "ug/L", medium="river") == Decimal("30")  # 0.03 mg/l = 30 ug/L


def test_long_form_decimal_comma_dms_and_unmapped(app, actor):
    with app.uow() as uow:
        report = import_results(uow, actor=actor, path=FIXTURES / "long_results.csv")
    assert report.profile == "long" and report.inserted == 5 and report.censored == 1
    assert [u["label"] for u in report.unmapped] == ["Unobtainium"]
    with app.uow() as uow:
        ms = {(m.point_code, m.parameter, m.fraction): m for m in measurements(uow, actor=actor)}
        pts = {p.code: p for p in sampling_points(uow, actor=actor)}
    assert ms[("UP-1", "arsenic", "total")].value == Decimal("0.5") and ms[("UP-1", "arsenic", "total")].censored == "<"
    assert ms[("UP-1", "lead", "dissolved")].value == Decimal("12.5")
    assert ms[("DN-1", "cadmium", "unspecified")].unit == "ppb"
    # 19°35'12.3" S = -(19 + 35/60 + 12.3/3600) = -19.586750
    assert pts["UP-1"].latitude == pytest.approx(-19.58675) and pts["UP-1"].longitude == pytest.approx(-65.75)
    assert ms[("DN-1", "mercury", "total")].sampled_at.isoformat() == "2024-03-01T00:00:00"  # DD-MM-YYYY


def test_unknown_unit_is_reported_not_guessed(app, actor):
    path = FIXTURES / "bad_unit.csv"
    with pytest.raises(ImportRejected) as e:
        with app.uow() as uow:
            import_results(uow, actor=actor, path=path)
    errors = {(p.row, p.column, p.value, p.code) for p in e.value.report.errors}
    assert errors == {(3, "unit", "mg/furlong", "unknown_unit"), (4, "unit", "mg/kg", "unit_medium_mismatch")}
    assert _count(app, Result, actor.org_id) == 0  # all or nothing
    with app.uow() as uow:
        report = import_results(uow, actor=actor, path=path, skip_bad=True)
    assert report.inserted == 1 and len(report.errors) == 2
    with app.uow() as uow:
        assert [m.parameter for m in measurements(uow, actor=actor)] == ["arsenic"]


def test_wide_form_dry_run_and_cli(app, actor, cli):
    path = FIXTURES / "wide_results.csv"
    with app.uow() as uow:
        dry = import_results(uow, actor=actor, path=path, medium="river", dry_run=True)
    assert dry.inserted == 6 and dry.censored == 2 and _count(app, Result, actor.org_id) == 0
    with pytest.raises(ImportRejected) as e:
        with app.uow() as uow:
            import_results(uow, actor=actor, path=path)
    assert {(p.row, p.code) for p in e.value.report.errors} == {(2, "unknown_medium"), (3, "unknown_medium")}
    assert all("--medium" in p.reason for p in e.value.report.errors)
    out = cli("water", "import", str(path), "--medium", "river", "--json")
    data = json.loads(out.output)
    assert data["profile"] == "wide" and data["inserted"] == 6 and data["censored"] == 2
    assert data["unmapped"][0]["label"] == "Colour of the sky"
    text = cli("water", "import", str(path), "--medium", "river")
    assert "0 new" in text.output and "6 unchanged" in text.output


def test_viewer_may_not_import(app, actor):
    from dataclasses import replace

    viewer = replace(actor, role="viewer")
    from minewatch.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        with app.uow() as uow:
            import_results(uow, actor=viewer, path=FIXTURES / "long_results.csv")


@pytest.mark.shared_data
def test_pilcomayo_2024_sediments_bad_cell_named_and_sieve_fractions(app, actor):
    path = shared_data_path(DATA, "calidad_sedimentos_20250711060913.csv")
    # Row 50, column CR of the file holds "z10" for Cadmio (mg/kg fraccion): not a number, not guessed as <10.
    with pytest.raises(ImportRejected) as e:
        with app.uow() as uow:
            import_results(uow, actor=actor, path=path)
    assert [(p.row, p.column, p.value) for p in e.value.report.errors] == [(50, "CR", "z10")]
    with app.uow() as uow:
        report = import_results(uow, actor=actor, path=path, skip_bad=True)
    assert report.profile == "pilcomayo" and report.inserted == report.results > 0
    with app.uow() as uow:
        arsenic = measurements(uow, actor=actor, point_code="Tarapaya", parameter="arsenic")
        tarapaya = next(p for p in sampling_points(uow, actor=actor) if p.code == "Tarapaya")
    # Tarapaya 23/06/2024: Arsénico 189 mg/kg in the 0.063-<2.0 mm fraction, 419 mg/kg in <0.063 mm.
    june = {m.sample_ref: m.value for m in arsenic if m.sampled_at.date().isoformat() == "2024-06-23"}
    assert june == {"0.063 - <2.0 mm": Decimal("189"), "<0.063 mm": Decimal("419")}
    # 19° 28' 18.72" written without hemisphere: south and west (the Pilcomayo basin, SOURCE.md).
    assert tarapaya.medium == "sediment"
    assert tarapaya.latitude == pytest.approx(-(19 + 28 / 60 + 18.72 / 3600))
    assert tarapaya.longitude == pytest.approx(-(65 + 47 / 60 + 39.43 / 3600))


def test_points_linked_to_sites_positions_and_time_filters(app, actor):
    import datetime as dt

    from minewatch.sites.orm import Site
    from minewatch.water.service import site_points

    other = _other_actor(app)
    with app.uow() as uow:
        uow.session.add_all([Site(org_id=actor.org_id, code="KAL-001", latitude=-2.5, longitude=28.8),
                             Site(org_id=other.org_id, code="NOPE-9", latitude=-2.5, longitude=28.8)])
        uow.commit()
    with app.uow() as uow:
        report = import_results(uow, actor=actor, path=FIXTURES / "site_results.csv")
    # NOPE-9 exists only in the other organisation: the point is stored without a site, and said so.
    assert [(p.code, p.value) for p in report.problems] == [("unknown_site", "NOPE-9")]
    with app.uow() as uow:
        pts = site_points(uow, actor=actor, site_code="KAL-001")
        all_pts = sampling_points(uow, actor=actor)
        kal = measurements(uow, actor=actor, site_code="KAL-001")
        june = measurements(uow, actor=actor, site_code="KAL-001", since=dt.date(2024, 6, 1), until=dt.date(2024, 6, 10))
    assert [(p.code, p.position, p.samples) for p in pts] == [("KAL-DN", "downstream", 2), ("KAL-UP", "upstream", 2)]
    assert {p.code: p.site_code for p in all_pts}["ELSE-1"] is None
    assert len(kal) == 4 and all(m.site_code == "KAL-001" for m in kal)
    assert sorted((m.point_code, m.value, m.censored) for m in june) == [
        ("KAL-DN", Decimal("1"), "<"), ("KAL-UP", Decimal("5"), None)]


def test_cli_rejects_a_bad_unit_with_row_column_value(app, cli):
    out = cli("water", "import", str(FIXTURES / "bad_unit.csv"), ok=False)
    assert out.exit_code == ImportRejected.exit_code
    assert "row 3, column 'unit' value 'mg/furlong'" in out.output
    assert "nothing was imported" in out.output
