"""Child labour cases (CLMRS) on SQLite and PostgreSQL: the closing rule, audited transitions and reads,
need-to-know access, the worklist, indicators computed from the records, suppression and the purge.

Sources: closing after two clean follow-ups and six-monthly follow-up are ICI's CLMRS core criteria
(standards.md 4.2); the threshold of 5 children is issue 5's policy. Expected indicator values are
computed by hand from the fixture in each test.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
import sqlalchemy as sa

TODAY = dt.date(2026, 11, 27)
D = dt.date
CPO = "cpo@test.org"


def _actor(app, email, org="test-org"):
    from minewatch.accounts.service import resolve_actor

    with app.uow() as uow:
        return resolve_actor(uow, org_slug=org, email=email)


@pytest.fixture
def world(app, actor):
    """Sites S1 (district Mwenga, cooperative Coop Kamituga) and S2 (Shabunda); a registered child with an
    assignment at S1; a visit at S2; users of every role; another organisation with its own CPO."""
    from minewatch.accounts.service import add_user, init_organisation
    from minewatch.cooperatives.orm import Cooperative
    from minewatch.people.orm import Assignment, Person
    from minewatch.sites.orm import Site, SiteVisit

    with app.uow() as uow:
        for email, role in ((CPO, "child_protection_officer"), ("fo@test.org", "field_officer"),
                            ("aud@test.org", "auditor"), ("view@test.org", "viewer")):
            add_user(uow, actor=actor, email=email, role=role)
    with app.uow() as uow:
        init_organisation(uow, name="Other Org", slug="other-org", admin_email="a@other.org", allow_more=True)
    other_admin = _actor(app, "a@other.org", "other-org")
    with app.uow() as uow:
        add_user(uow, actor=other_admin, email="cpo@other.org", role="child_protection_officer")
    with app.uow() as uow:
        s = uow.session
        coop = Cooperative(org_id=actor.org_id, external_id="C1", name="Coop Kamituga")
        s.add(coop)
        s.flush()
        s1 = Site(org_id=actor.org_id, code="S1", latitude=-3.05, longitude=28.18, admin1="Sud-Kivu",
                  admin2="Mwenga", cooperative_id=coop.id)
        s2 = Site(org_id=actor.org_id, code="S2", latitude=-2.9, longitude=27.9, admin1="Sud-Kivu", admin2="Shabunda")
        s.add_all([s1, s2])
        s.flush()
        child = Person(org_id=actor.org_id, external_id="CH-1", full_name="Amani Kabila Test", sex="male",
                       birth_year=2014)
        s.add(child)
        s.flush()
        asg = Assignment(org_id=actor.org_id, person_id=child.id, site_id=s1.id, task="digging",
                         valid_from=D(2026, 1, 1))
        visit = SiteVisit(org_id=actor.org_id, site_id=s2.id, source="ipis", source_visit_id="V-1",
                          visit_date=D(2026, 2, 3), children_under15_working=True)
        s.add_all([asg, visit])
        s.flush()
        ids = {"assignment": asg.id, "visit": visit.id, "child": child.id, "s1": s1.id, "s2": s2.id}
        uow.commit()
    return {**ids, "cpo": _actor(app, CPO), "fo": _actor(app, "fo@test.org"), "aud": _actor(app, "aud@test.org"),
            "viewer": _actor(app, "view@test.org"), "admin": actor, "other_cpo": _actor(app, "cpo@other.org", "other-org")}


def _events(app, org_id, case_id):
    from minewatch.audit.orm import AuditEvent

    with app.uow() as uow:
        stmt = (sa.select(AuditEvent.action, AuditEvent.actor_email)
                .where(AuditEvent.org_id == org_id, AuditEvent.entity_type == "child_case",
                       AuditEvent.entity_id == str(case_id)).order_by(AuditEvent.seq))
        return [tuple(r) for r in uow.session.execute(stmt)]


def _open_from_assignment(app, w, **kw):
    from minewatch.cases.service import open_case

    with app.uow() as uow:
        return open_case(uow, actor=w["cpo"], source_type="assignment", source_id=w["assignment"],
                         identified_on=kw.pop("identified_on", D(2026, 1, 15)), today=TODAY,
                         classification="hazardous_child_labour", **kw)


def test_closing_rule_and_every_transition_audited_with_the_actor(app, world):
    from minewatch.cases import service as svc
    from minewatch.cases.errors import CaseStateConflict

    w = world
    cpo = w["cpo"]
    case = _open_from_assignment(app, w)
    assert case.created and case.stage == "identification" and case.site_code == "S1"
    assert case.child_name == "Amani Kabila Test"  # from the registry
    with app.uow() as uow:
        svc.move_case(uow, actor=cpo, case_id=case.id, to_stage="assessment")
    with app.uow() as uow:
        v = svc.add_action(uow, actor=cpo, case_id=case.id, action="school_enrolment", done_on=D(2026, 2, 14),
                           provider="EP Kamituga", cost_amount="30", cost_currency="usd", today=TODAY)
    assert v.stage == "remediation_plan" and v.actions[0]["cost_amount"] == 30.0
    assert v.next_followup_due == D(2026, 8, 15)  # 14 Feb + 182 days (ICI: every six months)
    with app.uow() as uow:
        v = svc.add_followup(uow, actor=cpo, case_id=case.id, followed_up_on=D(2026, 8, 10), in_child_labour=False,
                             in_school=True, today=TODAY)
    assert v.stage == "follow_up" and v.next_followup_due == D(2027, 2, 8)
    # one clean follow-up: the case cannot close (ICI core criteria: at least two follow-ups)
    with app.uow() as uow, pytest.raises(CaseStateConflict) as exc:
        svc.close_case(uow, actor=cpo, case_id=case.id, today=TODAY)
    assert exc.value.code == "case_cannot_close" and "it has 1" in exc.value.message
    with app.uow() as uow:
        svc.add_followup(uow, actor=cpo, case_id=case.id, followed_up_on=D(2026, 11, 20), in_child_labour=False,
                         today=TODAY)
    with app.uow() as uow:
        v = svc.close_case(uow, actor=cpo, case_id=case.id, today=TODAY)
    assert v.stage == "closed" and v.closed_on == TODAY and v.close_reason == "followups_clean"
    assert v.next_followup_due is None
    assert _events(app, cpo.org_id, case.id) == [
        ("created", CPO), ("stage_changed", CPO), ("action_added", CPO), ("followup_added", CPO),
        ("followup_added", CPO), ("closed", CPO)]
    # reopened: a new episode, the two earlier clean follow-ups no longer count
    with app.uow() as uow:
        v = svc.reopen_case(uow, actor=cpo, case_id=case.id, reason="seen at the pit again", today=TODAY)
    assert v.stage == "assessment" and v.episode == 1
    with app.uow() as uow, pytest.raises(CaseStateConflict):
        svc.close_case(uow, actor=cpo, case_id=case.id, today=TODAY)
    assert _events(app, cpo.org_id, case.id)[-1] == ("reopened", CPO)
    from minewatch.audit.service import verify
    with app.uow() as uow:
        _count, breaks = verify(uow.session, cpo.org_id)
    assert breaks == []


def test_close_with_a_documented_reason_and_not_while_the_latest_followup_saw_child_labour(app, world):
    from minewatch.cases import service as svc
    from minewatch.cases.errors import CaseStateConflict

    w, cpo = world, world["cpo"]
    case = _open_from_assignment(app, w)
    with app.uow() as uow:
        svc.add_action(uow, actor=cpo, case_id=case.id, action="school_kit", planned_on=D(2026, 3, 1), today=TODAY)
    for day, in_cl in ((D(2026, 4, 1), False), (D(2026, 6, 1), False), (D(2026, 9, 1), True)):
        with app.uow() as uow:
            svc.add_followup(uow, actor=cpo, case_id=case.id, followed_up_on=day, in_child_labour=in_cl, today=TODAY)
    with app.uow() as uow, pytest.raises(CaseStateConflict, match="2026-09-01"):
        svc.close_case(uow, actor=cpo, case_id=case.id, today=TODAY)
    with app.uow() as uow, pytest.raises(CaseStateConflict, match="needs a text"):
        svc.close_case(uow, actor=cpo, case_id=case.id, reason="other", today=TODAY)
    with app.uow() as uow:
        v = svc.close_case(uow, actor=cpo, case_id=case.id, reason="moved_away", today=TODAY)
    assert (v.stage, v.close_reason) == ("closed", "moved_away")


@pytest.mark.parametrize("role", ["fo", "aud", "viewer", "admin"])
def test_other_roles_cannot_read_or_change_a_case(app, world, role):
    # Issue 5: "A field officer, an auditor ... cannot read a case (404)": one case, read or changed, is
    # not found for them (as a case that does not exist: ids are not revealed); lists are forbidden (403).
    from minewatch.cases import service as svc
    from minewatch.cases.errors import CaseNotFound
    from minewatch.errors import PermissionDenied

    case = _open_from_assignment(app, world)
    who = world[role]
    for call in (lambda uow: svc.show_case(uow, actor=who, case_id=case.id),
                 lambda uow: svc.add_followup(uow, actor=who, case_id=case.id, followed_up_on=TODAY,
                                              in_child_labour=False, today=TODAY)):
        with app.uow() as uow, pytest.raises(CaseNotFound) as exc:
            call(uow)
        assert exc.value.http_status == 404
        assert str(exc.value) == f"no case #{case.id} in organisation 'test-org'"
    with app.uow() as uow, pytest.raises(CaseNotFound) as missing:
        svc.show_case(uow, actor=world["cpo"], case_id=case.id + 999)
    assert str(missing.value) == f"no case #{case.id + 999} in organisation 'test-org'"
    for call in (lambda uow: svc.list_cases(uow, actor=who),
                 lambda uow: svc.worklist(uow, actor=who, today=TODAY),
                 lambda uow: svc.purge_closed_cases(uow, actor=who, older_than_days=0, today=TODAY)):
        with app.uow() as uow, pytest.raises(PermissionDenied) as exc:
            call(uow)
        assert exc.value.http_status == 403
    # counts only: the indicators need registry.read, which every role has
    with app.uow() as uow:
        res = svc.case_indicators(uow, actor=who, today=TODAY)
    assert "Amani" not in json.dumps(res, default=str)


def test_another_organisations_officer_gets_not_found(app, world):
    from minewatch.cases import service as svc
    from minewatch.errors import NotFound

    case = _open_from_assignment(app, world)
    other = world["other_cpo"]
    with app.uow() as uow, pytest.raises(NotFound) as exc:
        svc.show_case(uow, actor=other, case_id=case.id)
    assert exc.value.http_status == 404 and exc.value.code == "case_not_found"
    with app.uow() as uow, pytest.raises(NotFound):
        svc.add_action(uow, actor=other, case_id=case.id, action="school_kit", today=TODAY)
    with app.uow() as uow:
        assert svc.list_cases(uow, actor=other) == []
    with app.uow() as uow:
        rows = svc.case_indicators(uow, actor=other, today=TODAY)["rows"]
    assert [(r["group"], r["period"], r["children_identified"]) for r in rows] == [("total", "total", 0)]


def test_every_read_is_audited(app, world):
    from minewatch.cases import service as svc

    cpo = world["cpo"]
    case = _open_from_assignment(app, world)
    with app.uow() as uow:
        svc.show_case(uow, actor=cpo, case_id=case.id)
    with app.uow() as uow:
        svc.list_cases(uow, actor=cpo)
    with app.uow() as uow:
        svc.worklist(uow, actor=cpo, today=TODAY)  # due 2026-07-16 < today: listed, so read
    assert _events(app, cpo.org_id, case.id) == [("created", CPO), ("read", CPO), ("read", CPO), ("read", CPO)]


def test_open_is_idempotent_and_validates(app, world):
    from minewatch.cases import service as svc
    from minewatch.errors import Conflict, InvalidInput, NotFound

    w, cpo = world, world["cpo"]
    first = _open_from_assignment(app, w)
    again = _open_from_assignment(app, w)
    assert (again.id, again.created) == (first.id, False)
    with app.uow() as uow, pytest.raises(Conflict, match=f"#{first.id}"):
        svc.open_case(uow, actor=cpo, source_type="grievance", source_id="G-7", person="CH-1", today=TODAY)
    # a child not in the registry, seen on a visit: identity held by the case, date from the visit
    with app.uow() as uow:
        v = svc.open_case(uow, actor=cpo, source_type="visit", source_id=w["visit"],
                          child={"name": "Unregistered Girl", "sex": "F", "birth_year": 2015,
                                 "guardian": "Her Aunt", "household_location": "Kamituga, quartier 3"}, today=TODAY)
    assert (v.site_code, v.identified_on, v.child_sex, v.person_id) == ("S2", D(2026, 2, 3), "female", None)
    with app.uow() as uow, pytest.raises(InvalidInput, match="'sing' is not one of") as exc:
        svc.add_action(uow, actor=cpo, case_id=v.id, action="sing", today=TODAY)
    assert exc.value.code == "action_invalid"
    with app.uow() as uow, pytest.raises(InvalidInput, match="ISO 4217"):
        svc.add_action(uow, actor=cpo, case_id=v.id, action="school_kit", cost_amount="12", today=TODAY)
    with app.uow() as uow, pytest.raises(InvalidInput, match="before the case was identified"):
        svc.add_action(uow, actor=cpo, case_id=v.id, action="school_kit", done_on=D(2026, 1, 1), today=TODAY)
    with app.uow() as uow, pytest.raises(InvalidInput, match="at least the child's name"):
        svc.open_case(uow, actor=cpo, source_type="visit", source_id=w["visit"], today=TODAY)
    with app.uow() as uow, pytest.raises(NotFound, match="no visit #999999"):
        svc.open_case(uow, actor=cpo, source_type="visit", source_id=999999, child={"name": "X"}, today=TODAY)
    with app.uow() as uow, pytest.raises(InvalidInput, match="in the future"):
        svc.open_case(uow, actor=cpo, source_type="other", child={"name": "Y"}, identified_on=D(2027, 1, 1),
                      today=TODAY)


def test_worklist_lists_overdue_followups(app, world):
    from minewatch.cases import service as svc

    w, cpo = world, world["cpo"]
    late = _open_from_assignment(app, w, identified_on=D(2026, 1, 15))  # due 15 Jan + 182 d = 2026-07-16
    with app.uow() as uow:
        fresh = svc.open_case(uow, actor=cpo, source_type="visit", source_id=w["visit"], child={"name": "Z Child"},
                              identified_on=D(2026, 11, 1), today=TODAY)  # due 2027-05-02
    with app.uow() as uow:
        items = svc.worklist(uow, actor=cpo, today=TODAY)
    assert [(i.case_id, i.next_followup_due, i.days_overdue) for i in items] == [(late.id, D(2026, 7, 16), 134)]
    assert fresh.id not in [i.case_id for i in items]


def _indicator_fixture(app, w):
    """Cases at S1 (Mwenga, Coop Kamituga) and S2 (Shabunda), all identified in 2026:

    ======  ============  =============  ===================================
    case    identified    action done    follow-ups (in child labour?)
    ======  ============  =============  ===================================
    S1 a    2026-01-15    2026-01-25     2026-07-01 no, 2026-11-01 no
    S1 b    2026-02-01    2026-03-03     2026-08-01 yes
    S1 c    2026-03-01    -              -            (overdue: due 2026-08-30)
    S2 d    2026-05-01    2026-05-05     -            (overdue: due 2026-11-03)
    ======  ============  =============  ===================================
    """
    from minewatch.cases import service as svc

    cpo = w["cpo"]
    plan = [("a", "S1", D(2026, 1, 15), D(2026, 1, 25), [(D(2026, 7, 1), False), (D(2026, 11, 1), False)]),
            ("b", "S1", D(2026, 2, 1), D(2026, 3, 3), [(D(2026, 8, 1), True)]),
            ("c", "S1", D(2026, 3, 1), None, []),
            ("d", "S2", D(2026, 5, 1), D(2026, 5, 5), [])]
    ids = {}
    for name, site, ident, done, fus in plan:
        with app.uow() as uow:
            v = svc.open_case(uow, actor=cpo, source_type="other", source_id=name, site_code=site,
                              child={"name": f"Child {name}"}, identified_on=ident, today=TODAY)
        ids[name] = v.id
        if done:
            with app.uow() as uow:
                svc.add_action(uow, actor=cpo, case_id=v.id, action="school_enrolment", done_on=done, today=TODAY)
        for day, in_cl in fus:
            with app.uow() as uow:
                svc.add_followup(uow, actor=cpo, case_id=v.id, followed_up_on=day, in_child_labour=in_cl, today=TODAY)
    return ids


def test_indicators_computed_from_the_records(app, world):
    from minewatch.cases import service as svc

    _indicator_fixture(app, world)
    with app.uow() as uow:
        res = svc.case_indicators(uow, actor=world["viewer"], by="district", period="quarter", today=TODAY)
    rows = {(r["group"], r["period"]): r for r in res["rows"]}
    mw = rows[("Mwenga", "2026-Q1")]
    # 3 children; actions done for a (10 days) and b (30 days): 2/3, median 20 days
    assert (mw["children_identified"], mw["with_action"], mw["median_days_to_action"]) == (3, 2, 20)
    # first follow-ups: a clean, b not -> 1 of 2; second: a clean -> 1 of 1; overdue: c (due 2026-08-30)
    assert (mw["followed_up_1"], mw["clean_at_1"], mw["share_clean_at_1"]) == (2, 1, 0.5)
    assert (mw["followed_up_2"], mw["share_clean_at_2"]) == (1, 1.0)
    # b's next follow-up is 2026-08-01 + 182 d = 2027-01-30: not overdue; c is
    assert mw["overdue_followups"] == 1
    total = rows[("total", "total")]
    # 4 children, 3 with an action; days 10, 30, 4 -> median 10; overdue c and d (due 2026-11-03)
    assert (total["children_identified"], total["with_action"], total["median_days_to_action"]) == (4, 3, 10)
    assert total["overdue_followups"] == 2
    with app.uow() as uow:
        by_coop = svc.case_indicators(uow, actor=world["viewer"], by="cooperative", period="year", today=TODAY)
    coop = {(r["group"], r["period"]): r["children_identified"] for r in by_coop["rows"]}
    assert coop[("Coop Kamituga", "2026")] == 3 and coop[("(no cooperative)", "2026")] == 1


def test_shared_indicators_are_suppressed_so_small_cells_cannot_be_recovered(app, world):
    from minewatch.cases import service as svc

    _indicator_fixture(app, world)
    with app.uow() as uow:
        text = svc.indicators_csv(uow, actor=world["viewer"], by="site", period="year", today=TODAY)
    lines = text.splitlines()
    assert lines[0].startswith("site,period,children_identified,with_action")
    rows = {tuple(line.split(",")[:2]): line.split(",") for line in lines[1:]}
    # S1: 3 children, S2: 1, total 4: every count is under 5, so every cell is suppressed (empty)
    assert rows[("S1", "2026")][2] == "" and rows[("S2", "2026")][2] == "" and rows[("total", "total")][2] == ""
    assert "Child" not in text


def test_complementary_suppression_in_the_shared_csv(app, world):
    from minewatch.cases import service as svc

    cpo = world["cpo"]
    for n, site in enumerate(["S1"] * 6 + ["S2"] * 2):
        with app.uow() as uow:
            svc.open_case(uow, actor=cpo, source_type="other", source_id=f"g{n}", site_code=site,
                          child={"name": f"Kid {n}"}, identified_on=D(2026, 3, 1), today=TODAY)
    with app.uow() as uow:
        text = svc.indicators_csv(uow, actor=world["viewer"], by="site", period="year", today=TODAY)
    ident = {tuple(line.split(",")[:2]): line.split(",")[2] for line in text.splitlines()[1:]}
    # S2 has 2 children (< 5): hidden. With one period, S1 = total - S2 would give it back, so S1 (6) is
    # hidden too, and so are the row totals equal to them; the column totals (8) are shown.
    assert ident == {("S1", "2026"): "", ("S1", "total"): "", ("S2", "2026"): "", ("S2", "total"): "",
                     ("total", "2026"): "8", ("total", "total"): "8"}
    with app.uow() as uow:  # inside the organisation, unsuppressed
        rows = svc.case_indicators(uow, actor=world["viewer"], by="site", period="year", today=TODAY)["rows"]
    assert {(r["group"], r["period"]): r["children_identified"] for r in rows}[("S2", "2026")] == 2


def test_purge_blanks_identity_and_keeps_the_statistics(app, world):
    from minewatch.cases import service as svc
    from minewatch.cases.orm import CaseFollowUp, ChildCase

    w, cpo = world, world["cpo"]
    ids = _indicator_fixture(app, w)
    with app.uow() as uow:
        svc.close_case(uow, actor=cpo, case_id=ids["a"], on=D(2026, 11, 2), today=TODAY)
    with app.uow() as uow:
        svc.close_case(uow, actor=cpo, case_id=ids["d"], reason="other", reason_text="family moved to Bukavu",
                       on=D(2026, 11, 25), today=TODAY)
    with app.uow() as uow:
        before = svc.case_indicators(uow, actor=cpo, by="site", period="year", today=TODAY)
    with app.uow() as uow:
        res = svc.purge_closed_cases(uow, actor=cpo, older_than_days=7, today=TODAY)  # closed before 2026-11-20
    assert res.purged == [ids["a"]]
    assert res.storage in ("wal_truncated", "vacuumed")
    if app.engine.dialect.name == "sqlite":  # secure_delete + WAL truncated: the name is gone from the files
        db_path = app.engine.url.database
        raw = open(db_path, "rb").read()
        wal = db_path + "-wal"
        raw += open(wal, "rb").read() if os.path.exists(wal) else b""
        assert b"Child a" not in raw and b"Child d" in raw
    with app.uow() as uow:
        a = uow.session.get(ChildCase, ids["a"])
        d = uow.session.get(ChildCase, ids["d"])
        notes = uow.session.scalars(sa.select(CaseFollowUp.notes).where(CaseFollowUp.case_id == ids["a"])).all()
        assert (a.child_name, a.guardian_name, a.household_location, a.person_id) == (None, None, None, None)
        assert a.purged_at is not None and a.identified_on == D(2026, 1, 15)
        assert d.child_name == "Child d" and d.close_reason_text == "family moved to Bukavu"
        assert notes == [None, None]
    with app.uow() as uow:
        after = svc.case_indicators(uow, actor=cpo, by="site", period="year", today=TODAY)
    assert after["rows"] == before["rows"]
    assert _events(app, cpo.org_id, ids["a"])[-1] == ("purged", CPO)
    with app.uow() as uow:
        assert svc.purge_closed_cases(uow, actor=cpo, older_than_days=7, today=TODAY).purged == []  # a retry


def test_cli_open_show_and_help(app, world, cli):
    w = world

    def mw(*args, ok=True):
        return cli("--org", "test-org", *args, ok=ok)

    out = mw("--as", CPO, "cases", "open", "--from", "assignment", "--source-id", str(w["assignment"]),
              "--identified-on", "2026-01-15", "--json").output
    case = json.loads(out)
    assert case["site_code"] == "S1" and case["stage"] == "identification"
    cid = str(case["id"])
    mw("--as", CPO, "cases", "add-action", cid, "school_kit", "--done", "2026-02-01", "--cost", "12.5",
        "--currency", "USD")
    mw("--as", CPO, "cases", "add-followup", cid, "--date", "2026-08-01", "--not-in-child-labour", "--in-school")
    res = mw("--as", CPO, "cases", "close", cid, ok=False)
    assert res.exit_code == 7 and "cannot close" in res.output
    shown = json.loads(mw("--as", CPO, "cases", "show", cid, "--json").output)
    assert shown["actions"][0]["cost_amount"] == 12.5 and len(shown["followups"]) == 1
    denied = mw("--as", "fo@test.org", "cases", "show", cid, ok=False)
    assert denied.exit_code == 3 and f"no case #{cid}" in denied.output and "Amani" not in denied.output  # not found, as a missing case
    ind = mw("--as", "view@test.org", "cases", "indicators", "--json").output
    assert json.loads(ind)["rows"][0]["children_identified"] == 1 and "Amani" not in ind
    for sub in ("list", "show", "open", "add-action", "add-followup", "close", "worklist", "indicators", "purge"):
        assert "Example:" in cli("cases", sub, "--help").output, sub
