"""Tree plans, planting records and survival checks (issue 10 part 3) on SQLite and PostgreSQL.

Expected numbers follow from the rows written in each test (survival = alive / planted, the species'
expected survival is species.csv's ``survival_fraction`` read through load_species()).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from minewatch.accounts.model import Actor
from minewatch.audit.orm import AuditEvent
from minewatch.errors import ImportRejected, NotFound, PermissionDenied
from minewatch.planning.errors import PlanStateConflict
from minewatch.planning.orm import Planting, SurvivalCheck, TreePlan
from minewatch.planning.service import (
    adopt_plan,
    cover_from_plantings,
    get_plan,
    import_plantings,
    import_survival,
    latest_plan,
    list_plans,
    plan_vs_done,
    record_plan,
    survival,
    timeline,
)
from minewatch.planning.species import load_species
from minewatch.sites.errors import SiteNotFound

PLANTINGS = """external_id,site,species,planted_on,count,area_ha,wkt,longitude,latitude,notes
P-1,S-1,chrysopogon_zizanioides,2024-03-01,1000,0.5,"POLYGON ((29 -1, 29.001 -1, 29.001 -1.001, 29 -1))",,,hedge
P-2,S-1,Acacia mangium,2024-03-02,400,1.2,,29.0005,-1.0005,
P-3,S-1,acacia_mangium,2024-04-10,200,,,,,late rains
"""

CHECKS = """External ID;Planting;Checked On;Alive
C-1;P-1;2024-09-01;950
C-2;P-1;2025-03-01;700
C-3;P-2;2025-03-02;360
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _add_site(app, org_id, code, *, status=None, registered_on=None):
    import shapely

    from minewatch.sites.orm import Site

    lon, lat = 29.0, -1.0
    with app.uow() as uow:
        uow.session.add(Site(org_id=org_id, code=code, latitude=lat, longitude=lon,
                             geom_wkb=shapely.to_wkb(shapely.Point(lon, lat)), geometry_type="Point", min_lon=lon,
                             min_lat=lat, max_lon=lon, max_lat=lat, lifecycle_status=status,
                             registered_on=registered_on))
        uow.commit()


def _other_actor(app):
    from minewatch.accounts.service import init_organisation, resolve_actor

    with app.uow() as uow:
        other = init_organisation(uow, name="Other Org", slug="other-org", admin_email="a@other.org", allow_more=True)
    with app.uow() as uow:
        return resolve_actor(uow, org_slug=other.org_slug, email=None)


def _count(app, model, **where):
    with app.uow() as uow:
        stmt = sa.select(sa.func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return uow.session.scalar(stmt)


def _plan_dir(tmp_path, name, by_species, site="S-1"):
    d = tmp_path / name
    (d / "maps").mkdir(parents=True)
    summary = {"version": 1, "site": site, "area": None, "objective": {"name": "exposure", "units": "people"},
               "budget": {"value": 5000, "unit": "usd"}, "seedlings": sum(s["seedlings"] for s in by_species),
               "cost_usd": 4800.0, "labour_days": 30.0, "area_ha": sum(s["area_ha"] for s in by_species),
               "by_species": by_species, "gap": 0.0}
    (d / "summary.json").write_text(json.dumps(summary))
    (d / "plan.tif").write_bytes(b"II*\x00fake")
    (d / "maps" / "after.png").write_bytes(b"\x89PNG")
    return d, summary


def test_import_is_all_or_nothing_names_every_problem_and_re_import_stores_nothing(app, actor, tmp_path):
    _add_site(app, actor.org_id, "S-1")
    bad = _write(tmp_path, "bad.csv",
                 PLANTINGS + "P-4,S-9,oak,2024-13-01,0,-2,,,,\nP-1,S-1,eucalyptus,2024-05-01,5,,,,,\n")
    with app.uow() as uow, pytest.raises(ImportRejected) as err:
        import_plantings(uow, actor=actor, path=bad)
    found = {(p.row, p.column, p.value, p.code) for p in err.value.report.problems if p.is_error}
    # row 5: every bad cell is named, not only the first; row 6 repeats P-1 of row 2
    assert {(5, "planted_on", "2024-13-01", "impossible_date"), (5, "count", "0", "below_minimum"),
            (5, "area_ha", "-2", "below_minimum"), (6, "external_id", "P-1", "duplicate_id")} <= found
    assert "2 of 5 rows have errors" in err.value.message
    assert _count(app, Planting) == 0
    # parse-clean rows that name an unknown site or species are rejected too, listing the valid species ids
    unknown = _write(tmp_path, "unknown.csv", PLANTINGS + "P-4,S-9,oak,2024-05-01,5,,,,,\n")
    with app.uow() as uow, pytest.raises(ImportRejected) as err:
        import_plantings(uow, actor=actor, path=unknown)
    probs = {p.code: p for p in err.value.report.problems}
    assert probs["unknown_site"].row == 5 and probs["unknown_site"].value == "S-9"
    assert probs["unknown_species"].value == "oak" and "acacia_mangium" in probs["unknown_species"].reason
    assert _count(app, Planting) == 0

    good = _write(tmp_path, "plantings.csv", PLANTINGS)
    with app.uow() as uow:
        report = import_plantings(uow, actor=actor, path=good)
    assert (report.inserted, report.unchanged, report.already_imported) == (3, 0, False)
    with app.uow() as uow:
        again = import_plantings(uow, actor=actor, path=good)
    assert (again.inserted, again.unchanged, again.already_imported) == (0, 3, True)
    assert "nothing new" in again.summary() and _count(app, Planting) == 3
    changed = _write(tmp_path, "changed.csv", PLANTINGS.replace("2024-04-10,200", "2024-04-10,250"))
    with app.uow() as uow, pytest.raises(ImportRejected) as err:
        import_plantings(uow, actor=actor, path=changed)
    [p] = err.value.report.errors
    assert (p.row, p.code, p.value) == (4, "changed_record", "P-3") and "count stored 200, file 250" in p.reason
    with app.uow() as uow:
        stored = {p.external_id: (p.geometry_type, p.species_id, p.geom_wkb)
                  for p in uow.session.scalars(sa.select(Planting))}
        created = uow.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.entity_type == "planting", AuditEvent.action == "created"))
    assert stored["P-1"][0] == "Polygon" and stored["P-2"][:2] == ("Point", "acacia_mangium")
    assert stored["P-3"][2] is None
    assert created == 3


def test_survival_checks_and_the_survival_report(app, actor, tmp_path):
    _add_site(app, actor.org_id, "S-1")
    with app.uow() as uow:
        import_plantings(uow, actor=actor, path=_write(tmp_path, "p.csv", PLANTINGS))
    bad = _write(tmp_path, "bad.csv", CHECKS + "C-4;P-2;2024-01-01;500\nC-5;P-9;2025-01-01;1\n")
    with app.uow() as uow, pytest.raises(ImportRejected) as err:
        import_survival(uow, actor=actor, path=bad)
    codes = {(p.row, p.column, p.code) for p in err.value.report.errors}
    assert codes == {(5, "Checked On", "before_planting"), (5, "Alive", "more_than_planted"),
                     (6, "Planting", "unknown_planting")}
    assert _count(app, SurvivalCheck) == 0
    checks = _write(tmp_path, "checks.csv", CHECKS)
    with app.uow() as uow:
        assert import_survival(uow, actor=actor, path=checks).inserted == 3
    with app.uow() as uow:
        assert import_survival(uow, actor=actor, path=checks).unchanged == 3

    with app.uow() as uow:
        report = survival(uow, actor=actor, site_code="S-1")
    table = load_species()
    by = {p.planting: p for p in report.plantings}
    p1 = by["P-1"]
    assert [c.alive for c in p1.trend] == [950, 700] and p1.rate == pytest.approx(0.7)
    assert p1.age_years == pytest.approx(365 / 365.25)  # 2024-03-01 .. 2025-03-01 (2024 is a leap year: 366 days)
    assert p1.expected == table["chrysopogon_zizanioides"].survival_fraction == 0.9 and p1.flag == "below_expected"
    assert by["P-2"].rate == pytest.approx(0.9) and by["P-2"].flag == "ok"  # acacia expects 0.8
    assert by["P-3"].flag == "no_check" and by["P-3"].alive is None
    acacia = {s.species: s for s in report.species}["acacia_mangium"]
    assert (acacia.planted, acacia.checked_planted, acacia.alive) == (600, 400, 360)
    assert acacia.rate == pytest.approx(0.9) and acacia.flag == "ok"

    with app.uow() as uow:  # cover on 2025-01-01: P-1's 2025-03-01 check is later, so its 2024-09-01 check counts
        cover = {(c.species, c.count): c for c in cover_from_plantings(uow, actor=actor, site_code="S-1",
                                                                       on=dt.date(2025, 1, 1))}
    c1 = cover[("chrysopogon_zizanioides", 1000)]
    assert c1.survival_rate == pytest.approx(0.95) and c1.survival_source == "check"
    assert c1.geometry_wkt.startswith("POLYGON") and c1.age_years == pytest.approx(306 / 365.25)
    c3 = cover[("acacia_mangium", 200)]
    assert c3.survival_source == "expected" and c3.survival_rate == 0.8 and c3.geometry_wkt is None
    assert cover[("acacia_mangium", 400)].geometry_wkt == "POINT (29.0005 -1.0005)"


def test_plans_are_recorded_superseded_adopted_and_compared_with_plantings(app, actor, tmp_path):
    _add_site(app, actor.org_id, "S-1")
    files_dir = app.settings.files_dir
    d1, s1 = _plan_dir(tmp_path, "plan1", [{"id": "acacia_mangium", "seedlings": 500, "area_ha": 1.0}])
    d2, s2 = _plan_dir(tmp_path, "plan2", [{"id": "chrysopogon_zizanioides", "seedlings": 2000, "area_ha": 0.4},
                                           {"id": "acacia_mangium", "seedlings": 800, "area_ha": 2.0}])
    with app.uow() as uow:
        first = record_plan(uow, actor=actor, site_code="S-1", plan_dir=d1, summary=s1, files_dir=files_dir)
    with app.uow() as uow:
        second = record_plan(uow, actor=actor, site_code=None, plan_dir=d2, summary=s2, files_dir=files_dir)
    assert second.site_code == "S-1" and second.files_path == f"plans/test-org/{second.id}"
    assert (files_dir / second.files_path / "maps" / "after.png").read_bytes() == b"\x89PNG"
    with app.uow() as uow:
        assert get_plan(uow, actor=actor, plan_id=first.id).status == "superseded"
        assert latest_plan(uow, actor=actor, site_code="S-1").id == second.id
    with app.uow() as uow:
        adopted = adopt_plan(uow, actor=actor, plan_id=first.id)
    assert adopted.status == "adopted"
    with app.uow() as uow:
        assert [(p.id, p.status) for p in list_plans(uow, actor=actor, site_code="S-1")] == [
            (second.id, "superseded"), (first.id, "adopted")]
        assert latest_plan(uow, actor=actor, site_code="S-1").id == first.id
    with app.uow() as uow, pytest.raises(PlanStateConflict):
        adopt_plan(uow, actor=actor, plan_id=first.id)
    with app.uow() as uow:
        adopt_plan(uow, actor=actor, plan_id=second.id)
    # P-1 and P-2 are linked to the adopted plan, P-3 to the other (left out), P-4 to none (counted)
    rows = (f"external_id,site,species,planted_on,count,area_ha,plan\n"
            f"P-1,S-1,chrysopogon_zizanioides,2024-03-01,1500,0.3,{second.id}\n"
            f"P-2,S-1,acacia_mangium,2024-03-02,400,1.0,{second.id}\n"
            f"P-3,S-1,acacia_mangium,2024-03-03,999,,{first.id}\n"
            f"P-4,S-1,bambusa_vulgaris,2024-03-04,50,,\n")
    with app.uow() as uow:
        import_plantings(uow, actor=actor, path=_write(tmp_path, "p.csv", rows))
    with app.uow() as uow:
        view = plan_vs_done(uow, actor=actor, site_code="S-1")
    assert view.plan.id == second.id
    got = [(r.species, r.in_plan, r.planned_seedlings, r.planted_seedlings, r.planned_area_ha, r.planted_area_ha,
            r.plantings_without_area) for r in view.rows]
    assert got == [("chrysopogon_zizanioides", True, 2000, 1500, 0.4, 0.3, 0),
                   ("acacia_mangium", True, 800, 400, 2.0, 1.0, 0),
                   ("bambusa_vulgaris", False, 0, 50, 0.0, 0.0, 1)]
    assert view.rows[0].seedlings_done_share == pytest.approx(0.75)
    with app.uow() as uow:
        actions = {a: n for a, n in uow.session.execute(sa.select(AuditEvent.action, sa.func.count())
                                           .where(AuditEvent.entity_type == "tree_plan")
                                           .group_by(AuditEvent.action))}
    # superseded: the first by recording the second, then each by adopting the other
    assert actions == {"created": 2, "superseded": 3, "adopted": 2}


def test_timeline_of_a_closed_site_and_of_a_site_with_nothing(app, actor, tmp_path):
    from minewatch.hazards.orm import HazardAssessment, SiteHazard
    from minewatch.sites.orm import Site

    _add_site(app, actor.org_id, "S-1", status="closed", registered_on=dt.date(2019, 6, 1))
    _add_site(app, actor.org_id, "S-2")
    with app.uow() as uow:
        assert timeline(uow, actor=actor, site_code="S-2") == []
        site_id = uow.session.scalar(sa.select(Site.id).where(Site.code == "S-1"))
        a = HazardAssessment(org_id=actor.org_id, kind="landslide", status="complete",
                             assessed_on=dt.date(2023, 2, 1), code_version="t", buffer_m=100.0, inputs={},
                             thresholds={})
        uow.session.add(a)
        uow.session.flush()
        uow.session.add(SiteHazard(assessment_id=a.id, site_id=site_id, org_id=actor.org_id, covered=True,
                                   people_exposed=12, level="high", reason="test", pfail_max=0.4))
        uow.commit()
    with app.uow() as uow:
        import_plantings(uow, actor=actor, path=_write(tmp_path, "p.csv", PLANTINGS))
    with app.uow() as uow:
        import_survival(uow, actor=actor, path=_write(tmp_path, "c.csv", CHECKS))
    with app.uow() as uow:
        events = timeline(uow, actor=actor, site_code="S-1")
    kinds = [(e.date.isoformat(), e.kind) for e in events]
    assert kinds[:8] == [("2019-06-01", "site_registered"), ("2023-02-01", "hazard_assessed"),
                         ("2024-03-01", "planted"), ("2024-03-02", "planted"), ("2024-04-10", "planted"),
                         ("2024-09-01", "survival_checked"), ("2025-03-01", "survival_checked"),
                         ("2025-03-02", "survival_checked")]
    assert events[-1].kind == "site_closed" and events[-1].values["date_source"] == "record_updated"
    assert events[1].values["level"] == "high" and "landslide" in events[1].text()
    assert events[6].values["rate"] == pytest.approx(0.7) and events[6].text() == \
        "700 of 1000 chrysopogon_zizanioides alive (70%) in P-1"
    assert [e.date for e in events] == sorted(e.date for e in events)


def test_organisations_are_isolated_and_roles_are_checked(app, actor, tmp_path):
    _add_site(app, actor.org_id, "S-1")
    path = _write(tmp_path, "p.csv", PLANTINGS)
    with app.uow() as uow:
        import_plantings(uow, actor=actor, path=path)
    d, summary = _plan_dir(tmp_path, "plan", [{"id": "acacia_mangium", "seedlings": 5, "area_ha": 0.1}])
    with app.uow() as uow:
        plan = record_plan(uow, actor=actor, site_code="S-1", plan_dir=d, summary=summary,
                           files_dir=app.settings.files_dir)
    other = _other_actor(app)
    with app.uow() as uow, pytest.raises(ImportRejected) as err:
        import_plantings(uow, actor=other, path=path)  # S-1 is not the other organisation's site
    assert {p.code for p in err.value.report.errors} == {"unknown_site"}
    with app.uow() as uow:
        for read in (survival, plan_vs_done, timeline, latest_plan):
            with pytest.raises(SiteNotFound):
                read(uow, actor=other, site_code="S-1")
        with pytest.raises(NotFound):
            get_plan(uow, actor=other, plan_id=plan.id)
        assert list_plans(uow, actor=other) == []
    with app.uow() as uow, pytest.raises(ImportRejected) as err:  # nor its plantings, to check
        import_survival(uow, actor=other, path=_write(tmp_path, "c.csv", CHECKS))
    assert {p.code for p in err.value.report.errors} == {"unknown_planting"}
    viewer = Actor(user_id=None, email="v@test.org", org_id=actor.org_id, org_slug=actor.org_slug, role="viewer")
    with app.uow() as uow:
        assert len(survival(uow, actor=viewer, site_code="S-1").plantings) == 3
        with pytest.raises(PermissionDenied):
            import_plantings(uow, actor=viewer, path=path)
        with pytest.raises(PermissionDenied):
            adopt_plan(uow, actor=viewer, plan_id=plan.id)
    assert _count(app, TreePlan) == 1 and _count(app, Planting, org_id=other.org_id) == 0


def test_cli_imports_reports_and_exit_codes(app, cli, tmp_path):
    with app.uow() as uow:
        from minewatch.accounts.service import resolve_actor

        org_id = resolve_actor(uow, org_slug=None, email=None).org_id
    _add_site(app, org_id, "S-1", status="closed")
    bad = cli("plantings", "import", str(_write(tmp_path, "bad.csv", PLANTINGS.replace("1000", "many"))), ok=False)
    assert bad.exit_code == 6 and "row 2, column 'count' value 'many'" in bad.output
    out = cli("plantings", "import", str(_write(tmp_path, "p.csv", PLANTINGS)), "--json")
    assert json.loads(out.output)["inserted"] == 3
    assert "nothing new" in cli("plantings", "import", str(tmp_path / "p.csv")).output
    from openpyxl import Workbook

    book = Workbook()
    for line in CHECKS.splitlines():  # survival checks from a workbook, numbers and dates as Excel types
        cells = line.split(";")
        book.active.append(cells if cells[0] == "External ID" else
                           [cells[0], cells[1], dt.date.fromisoformat(cells[2]), int(cells[3])])
    book.save(tmp_path / "checks.xlsx")
    assert "3 survival checks stored" in cli("plantings", "import", str(tmp_path / "checks.xlsx"), "--survival").output
    data = json.loads(cli("plantings", "survival", "--site", "S-1", "--json").output)
    assert [p["flag"] for p in data["plantings"]] == ["below_expected", "ok", "no_check"]
    table = cli("plantings", "survival", "--site", "S-1").output
    assert "P-1" in table and "70%" in table and "below_expected" in table
    pvd = cli("plantings", "plan-vs-done", "--site", "S-1").output
    assert "no tree plan recorded" in pvd and "(not in plan)" in pvd
    events = json.loads(cli("plantings", "timeline", "--site", "S-1", "--json").output)
    # plantings, checks and the closure (the site has no registered_on)
    assert events[-1]["kind"] == "site_closed" and len(events) == 3 + 3 + 1
    assert cli("plantings", "survival", "--site", "NOPE", ok=False).exit_code == 3
    assert cli("plantings", "adopt", "999", ok=False).exit_code == 3
