"""``minewatch labour check`` over a seeded registry and over the real IPIS file.

Runs on SQLite and, with MINEWATCH_TEST_POSTGRES_URL, on PostgreSQL (see tests/conftest.py).
Expected classifications follow ILO C138 Art. 2(3) (minimum age 15), Art. 3(1) and C182 Art. 3(d) /
R190 para. 3 (hazardous work under 18), as recorded in ../shared/reference/standards.md §4.1; the DRC
row (minimum age 16) is the provisional override of minewatch/labour/rules/countries.csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import replace

import pytest

from tests.shared_data import shared_data_path

ON = dt.date(2025, 6, 30)
SECRET_NAME = "Amani Zawadi-Secretname"


@pytest.fixture
def world(app, actor):
    """Two sites of the organisation (CD and FR), one of another organisation; people, assignments, visits."""
    import sqlalchemy as sa

    from minewatch.accounts.orm import Organisation
    from minewatch.accounts.service import init_organisation
    from minewatch.people.orm import Assignment, Person
    from minewatch.sites.orm import Site, SiteVisit

    with app.uow() as uow:
        other = init_organisation(uow, name="Other Org", slug="other-org", admin_email="a@other.org", allow_more=True)
    with app.uow() as uow:
        s = uow.session
        other_id = s.execute(sa.select(Organisation.id).where(Organisation.slug == other.org_slug)).scalar_one()
        org = actor.org_id
        cd = Site(org_id=org, code="CD-1", country="CD", latitude=-3.0, longitude=28.0)
        fr = Site(org_id=org, code="FR-1", country="FR", latitude=45.0, longitude=3.0)
        far = Site(org_id=other_id, code="OTHER-1", country="CD", latitude=-3.0, longitude=28.0)
        s.add_all([cd, fr, far])
        s.flush()
        p = {
            "child14": Person(org_id=org, external_id="C14", full_name=SECRET_NAME, date_of_birth=dt.date(2011, 1, 5),
                              birth_year=2011, birth_precision="exact"),
            "teen15": Person(org_id=org, external_id="T15", full_name="Teen", date_of_birth=dt.date(2010, 3, 1),
                             birth_year=2010, birth_precision="exact"),
            "adult": Person(org_id=org, external_id="A30", full_name="Adult", date_of_birth=dt.date(1995, 1, 1)),
            "year": Person(org_id=org, external_id="Y", birth_year=2010, birth_precision="year"),
            "unknown": Person(org_id=org, external_id="U"),
            "stranger": Person(org_id=other_id, external_id="X", date_of_birth=dt.date(2012, 1, 1)),
        }
        s.add_all(p.values())
        s.flush()
        start = dt.date(2025, 1, 1)
        a = {
            "child14_digging": Assignment(org_id=org, person_id=p["child14"].id, site_id=cd.id, task="digging",
                                          valid_from=start),
            "teen15_washing_cd": Assignment(org_id=org, person_id=p["teen15"].id, site_id=cd.id, task="washing",
                                            valid_from=start),
            "teen15_washing_fr": Assignment(org_id=org, person_id=p["teen15"].id, site_id=fr.id, task="washing",
                                            valid_from=start),
            "adult_digging": Assignment(org_id=org, person_id=p["adult"].id, site_id=cd.id, task="digging",
                                        valid_from=start),
            "year_sorting": Assignment(org_id=org, person_id=p["year"].id, site_id=fr.id, task="sorting"),
            "unknown_age": Assignment(org_id=org, person_id=p["unknown"].id, site_id=fr.id, task="washing"),
            "other_task": Assignment(org_id=org, person_id=p["adult"].id, site_id=fr.id, task="other",
                                     task_raw="Gardien de nuit"),
            "ended": Assignment(org_id=org, person_id=p["child14"].id, site_id=fr.id, task="digging",
                                valid_from=start, valid_to=dt.date(2025, 2, 1)),
            "stranger": Assignment(org_id=other_id, person_id=p["stranger"].id, site_id=far.id, task="digging"),
        }
        s.add_all(a.values())

        def visit(site, vid, day, **kw):
            return SiteVisit(org_id=site.org_id, site_id=site.id, source="IPIS", source_visit_id=vid,
                             visit_date=day, **kw)

        v = {
            "old_hazard": visit(cd, "10", dt.date(2019, 5, 1), reached=True, children_under15_present=True,
                                children_under15_working=True, children_under15_work="Creuser, Lavage"),
            "latest_mixed": visit(cd, "11", dt.date(2021, 5, 1), reached=True, children_under15_present=True,
                                  children_under15_working=True, children_under15_work="Lavage, La pêche"),
            "not_reached": visit(fr, "20", dt.date(2020, 1, 1), reached=False, children_under15_present=True,
                                 children_under15_working=True, children_under15_work="Creuser"),
            "no_task": visit(fr, "21", dt.date(2020, 2, 1), reached=True, children_under15_present=True),
            "no_children": visit(fr, "22", dt.date(2020, 3, 1), reached=True, children_under15_present=False,
                                 children_under15_working=False),
            "other_org": visit(far, "30", dt.date(2020, 1, 1), reached=True, children_under15_present=True,
                               children_under15_working=True, children_under15_work="Creuser"),
        }
        s.add_all(v.values())
        s.flush()
        ids = {"assignment": {k: x.id for k, x in a.items()}, "visit": {k: x.id for k, x in v.items()},
               "person": {k: x.id for k, x in p.items()}}
        uow.commit()
    return ids


def _check(app, actor, **kw):
    from minewatch.labour.service import check_labour

    with app.uow() as uow:
        return check_labour(uow, actor=actor, on=ON, **kw)


def test_assignments_are_classified_with_their_rule_and_ids_only(app, actor, world):
    got = {(f.source_type, f.source_id): f for f in _check(app, actor) if f.source_type == "assignment"}
    a = world["assignment"]
    assert set(got) == {("assignment", a[k]) for k in ("child14_digging", "teen15_washing_cd", "teen15_washing_fr",
                                                       "adult_digging", "year_sorting", "unknown_age", "other_task")}

    def of(key):
        return got[("assignment", a[key])]

    # 14 digging: C182 Art. 3(d), R190 para. 3(c), hazardous under 18 (C138 Art. 3(1))
    f = of("child14_digging")
    assert (f.classification, f.age_min, f.age_uncertain, f.person_id) == (
        "hazardous_child_labour", 14, False, world["person"]["child14"])
    assert "R190 para. 3(c)" in f.rule and "ILO C138 Art. 3(1)" in f.rule and f.hazardous_tasks == ["digging"]
    # 15 washing: permitted under the ILO default (C138 Art. 2(3)) but child labour under the DRC's 16
    assert (of("teen15_washing_fr").classification, of("teen15_washing_fr").rule) == ("permitted", "ILO C138 Art. 2(3)")
    cd = of("teen15_washing_cd")
    assert (cd.classification, cd.provisional) == ("child_labour", True) and "CD law" in cd.rule
    assert of("adult_digging").classification == "permitted"
    # born in 2010, on 30 June 2025: 14 or 15; sorting at 14 is light work (C138 Art. 7(1))
    y = of("year_sorting")
    assert (y.classification, y.age_min, y.age_max, y.age_uncertain) == ("light_work", 14, 15, True)
    assert of("unknown_age").kind == "age_unknown" and of("unknown_age").classification is None
    o = of("other_task")
    assert o.kind == "unmapped_task" and o.unmapped_tasks == ["Gardien de nuit"]


def test_visits_findings_latest_only_and_nothing_silently_dropped(app, actor, world):
    v = world["visit"]
    got = [f for f in _check(app, actor) if f.source_type == "visit"]
    by_visit = {}
    for f in got:
        by_visit.setdefault(f.source_id, []).append(f)
    # not reached, no children and the other organisation's visit give nothing
    assert set(by_visit) == {v["old_hazard"], v["latest_mixed"], v["no_task"]}
    (old,) = by_visit[v["old_hazard"]]
    assert (old.classification, old.visit_ref, old.visit_date, old.age_uncertain, old.site_code) == (
        "hazardous_child_labour", "10", dt.date(2019, 5, 1), True, "CD-1")
    assert old.task_classes == ["digging", "washing"] and old.hazardous_tasks == ["digging"]
    mixed = {f.kind: f for f in by_visit[v["latest_mixed"]]}
    assert mixed["classification"].classification == "child_labour"  # washing, under 15 (C138 Art. 2(3))
    assert mixed["unmapped_task"].unmapped_tasks == ["La pêche"]
    (no_task,) = by_visit[v["no_task"]]
    assert (no_task.classification, no_task.task_classes) == ("child_labour", ["unspecified"])

    latest = [f for f in _check(app, actor, latest_only=True) if f.source_type == "visit"]
    # FR-1's latest visit (22) saw no children: only CD-1's latest visit (11) remains
    assert {f.source_id for f in latest} == {v["latest_mixed"]}
    only_cd = _check(app, actor, site_code="CD-1", latest_only=True)
    assert {f.site_code for f in only_cd} == {"CD-1"}


def test_cli_json_and_text_never_show_a_name(app, actor, world, cli):
    out = cli("--org", "test-org", "labour", "check", "--on", "2025-06-30", "--json").output
    rows = json.loads(out)
    assert SECRET_NAME not in out and "Secretname" not in out
    required = {"site_code", "classification", "rule", "source_type", "source_id", "age_uncertain", "reason",
                "visit_date"}
    assert rows and all(required <= set(r) for r in rows)
    assert {r["classification"] for r in rows} >= {"permitted", "light_work", "child_labour", "hazardous_child_labour"}
    visit = next(r for r in rows if r["source_type"] == "visit" and r["visit_ref"] == "10")
    assert visit["visit_date"] == "2019-05-01" and visit["source_id"] == world["visit"]["old_hazard"]

    text = cli("--org", "test-org", "labour", "check", "--on", "2025-06-30").output
    assert SECRET_NAME not in text
    total = len(rows)
    hazardous = sum(r["classification"] == "hazardous_child_labour" for r in rows)
    assert f"{total} finding(s): hazardous_child_labour {hazardous}," in text

    missing = cli("--org", "test-org", "labour", "check", "--site", "NOPE", ok=False)
    assert missing.exit_code == 3 and "no site with code 'NOPE'" in missing.output


def test_the_check_needs_registry_read(app, actor, world):
    from minewatch.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        _check(app, replace(actor, role="nobody"))


@pytest.mark.shared_data
def test_real_ipis_every_site_whose_latest_visit_saw_children_working_yields_a_finding(app, cli):
    path = shared_data_path("ipis-drc-asm-sites", "cod_mines_curated_all_opendata_p_ipis.csv")
    # Independently of minewatch: each pcode's latest visit by (visit_date, vid), as IPIS publishes them
    # (ISO dates, numeric vids); kept when childunder15 = 1 and the team was on site (visit_onsite = 1).
    latest: dict[str, dict] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            key = (row["visit_date"], int(row["vid"]))
            if row["pcode"] not in latest or key > latest[row["pcode"]]["key"]:
                latest[row["pcode"]] = {"key": key, "row": row}
    expected = {code: x["row"]["vid"] for code, x in latest.items()
                if x["row"]["childunder15"].strip() == "1" and x["row"]["visit_onsite"].strip() != "0"}
    assert len(expected) > 100  # the file has hundreds of such sites; a guard against an empty comparison

    cli("import", "ipis", str(path))
    findings = json.loads(cli("--org", "test-org", "labour", "check", "--latest-only", "--json").output)
    visit_findings = [f for f in findings if f["source_type"] == "visit" and f["kind"] == "classification"]
    found = {f["site_code"]: f["visit_ref"] for f in visit_findings}
    assert found == expected  # every such site, with the visit it came from, and no other
    assert all(f["classification"] in ("child_labour", "hazardous_child_labour") for f in visit_findings)
    assert all(f["age_uncertain"] and f["visit_date"] == latest[f["site_code"]]["row"]["visit_date"]
               for f in visit_findings)
    # "Creuser" (digging, R190 para. 3(c)) alone makes a visit hazardous
    digging = [f for f in visit_findings if "digging" in f["task_classes"]]
    assert digging and all(f["classification"] == "hazardous_child_labour" for f in digging)
    # answers outside the task map are reported, never dropped
    unmapped = [f for f in findings if f["kind"] == "unmapped_task"]
    assert all(f["unmapped_tasks"] and f["classification"] is None for f in unmapped)
