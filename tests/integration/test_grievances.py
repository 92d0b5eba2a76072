"""Grievance reports and cases (issue 7 parts 1-2) on SQLite and PostgreSQL.

What the numbers come from: the stage targets are minewatch's default policy (grievances.model
DEFAULT_SLA_DAYS: acknowledge within 2 days, assess 7, act 30, resolve 60), which UNGP 31(c) asks to exist
without fixing them (standards.md 8.2); the limit of 5 wrong PINs an hour is minewatch policy
(grievances.model.PIN_ATTEMPTS_PER_HOUR); serious categories and their roles are issue 7 part 1.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
PHONE = "+243812345678"
PHONE_DIGITS = "812345678"  # what any clear copy of the phone would contain
TEXT = "Un enfant travaille dans le puits a Kalimbi depuis lundi"


def _actor(app, email, org="test-org"):
    from minewatch.accounts.service import resolve_actor

    with app.uow() as uow:
        return resolve_actor(uow, org_slug=org, email=email)


@pytest.fixture
def world(app, actor):
    """Sites KAL-001 (name Kalimbi) and NYA-002 (Nyabibwe); a coordinator, a child-protection officer, a
    field officer and a viewer; another organisation with its admin."""
    from minewatch.accounts.service import add_user, init_organisation
    from minewatch.sites.orm import Site

    with app.uow() as uow:
        for email, role in (("coord@test.org", "coordinator"), ("cpo@test.org", "child_protection_officer"),
                            ("fo@test.org", "field_officer"), ("view@test.org", "viewer")):
            add_user(uow, actor=actor, email=email, role=role)
    with app.uow() as uow:
        init_organisation(uow, name="Other Org", slug="other-org", admin_email="a@other.org", allow_more=True)
    with app.uow() as uow:
        uow.session.add_all([Site(org_id=actor.org_id, code="KAL-001", name="Kalimbi", latitude=-2.1, longitude=28.8),
                             Site(org_id=actor.org_id, code="NYA-002", name="Nyabibwe", latitude=-2.0,
                                  longitude=28.9)])
        uow.commit()
    return {"admin": actor, "coord": _actor(app, "coord@test.org"), "cpo": _actor(app, "cpo@test.org"),
            "fo": _actor(app, "fo@test.org"), "viewer": _actor(app, "view@test.org"),
            "other": _actor(app, "a@other.org", "other-org"), "org_id": actor.org_id}


def _submit(app, w, **kw):
    from minewatch.grievances.service import submit_report

    args = {"org_id": w["org_id"], "channel": "sms", "category": "pollution", "text": "The river is grey",
            "language": "en", "received_at": T0, "vault": app.vault} | kw
    with app.uow() as uow:
        return submit_report(uow, **args)


def _events(app, org_id):
    from minewatch.audit.orm import AuditEvent

    with app.uow() as uow:
        return list(uow.session.execute(sa.select(*AuditEvent.__table__.c).where(AuditEvent.org_id == org_id)))


def test_stages_targets_and_overdue_by_injected_today(app, world):
    from minewatch.grievances.errors import StageRefused
    from minewatch.grievances.service import advance, list_reports, worklist

    sub = _submit(app, world)
    assert sub.created and sub.case_number.startswith("G-") and len(sub.pin) == 6 and sub.pin.isdigit()
    coord = world["coord"]
    with app.uow() as uow:  # received on 2 Nov, acknowledge within 2 days: due 4 Nov
        assert [v.due_on for v in list_reports(uow, actor=coord)] == [dt.date(2026, 11, 4)]
        assert list_reports(uow, actor=coord, overdue=True, today=dt.date(2026, 11, 4)) == []
        late = list_reports(uow, actor=coord, overdue=True, today=dt.date(2026, 11, 7))
        assert [(v.case_number, v.days_overdue) for v in late] == [(sub.case_number, 3)]
        items = worklist(uow, actor=coord, today=dt.date(2026, 11, 7))
    assert [(i.case_number, i.kind, i.days_overdue) for i in items] == [(sub.case_number, "overdue", 3)]
    with app.uow() as uow, pytest.raises(StageRefused, match="can move to acknowledged, not closed"):
        advance(uow, actor=coord, case_number=sub.case_number, to_stage="closed")
    with app.uow() as uow:
        v = advance(uow, actor=coord, case_number=sub.case_number, to_stage="acknowledged",
                    now=dt.datetime(2026, 11, 3, tzinfo=UTC))
    assert (v.stage, v.due_on) == ("acknowledged", dt.date(2026, 11, 10))  # assess within 7 days
    with app.uow() as uow:
        assert worklist(uow, actor=coord, today=dt.date(2026, 11, 7)) == []
    for stage in ("assessed", "resolved", "closed", "appealed"):
        with app.uow() as uow:
            v = advance(uow, actor=coord, case_number=sub.case_number, to_stage=stage,
                        now=dt.datetime(2026, 11, 4, tzinfo=UTC))
    assert v.stage == "appealed" and v.due_on == dt.date(2026, 12, 4)  # appeal decided within 30 days


def test_serious_categories_escalate_to_named_roles_and_are_audited(app, world):
    from minewatch.grievances.service import advance, show_report, worklist

    death = _submit(app, world, category="injury_or_death", text="A digger died at NYA-002")
    child = _submit(app, world, category="child_labour", text=TEXT, language="fr")
    plain = _submit(app, world, category="pollution")
    today = T0.date()
    with app.uow() as uow:
        coord_items = {(i.case_number, i.kind) for i in worklist(uow, actor=world["coord"], today=today)}
        cpo_items = {(i.case_number, i.kind) for i in worklist(uow, actor=world["cpo"], today=today)}
        shown = show_report(uow, actor=world["coord"], case_number=death.case_number)
    assert coord_items == {(death.case_number, "escalation"), (child.case_number, "escalation")}
    assert cpo_items == {(child.case_number, "escalation"), (child.case_number, "pending_child_case")}
    assert shown.serious and shown.annex_ii is None and [e["role"] for e in shown.escalations] == ["coordinator"]
    assert plain.case_number not in {c for c, _ in coord_items}
    escalated = [e for e in _events(app, world["org_id"]) if e.action == "escalated"]
    assert sorted(e.entity_id for e in escalated) == sorted([death.case_number, child.case_number, child.case_number])
    assert {e.actor_email for e in escalated} == {"channel:sms"} and {e.actor_id for e in escalated} == {None}
    with app.uow() as uow:  # the coordinator acknowledging clears the coordinator's escalation only
        advance(uow, actor=world["coord"], case_number=death.case_number, to_stage="acknowledged")
        assert (death.case_number, "escalation") not in {
            (i.case_number, i.kind) for i in worklist(uow, actor=world["coord"], today=today)}


def test_the_same_external_id_three_times_is_one_report(app, world):
    from minewatch.grievances.orm import Grievance

    results = [_submit(app, world, external_id="SM0123456789abcdef") for _ in range(3)]
    assert [r.created for r in results] == [True, False, False]
    assert results[0].pin is not None and [r.pin for r in results[1:]] == [None, None]
    assert len({r.case_number for r in results}) == 1
    with app.uow() as uow:
        assert uow.session.execute(sa.select(sa.func.count()).select_from(Grievance)).scalar_one() == 1
    created = [e for e in _events(app, world["org_id"]) if e.action == "created" and e.entity_type == "grievance"]
    assert len(created) == 1
    # the same id from another channel is another report
    assert _submit(app, world, channel="ussd", external_id="SM0123456789abcdef").created


def test_pin_checks_status_without_revealing_existence_and_is_rate_limited(app, world):
    from minewatch.grievances.errors import CaseOrPinNotFound
    from minewatch.grievances.service import add_information, advance, case_status

    sub = _submit(app, world)
    with app.uow() as uow:
        advance(uow, actor=world["coord"], case_number=sub.case_number, to_stage="acknowledged",
                answer="We have your report and will visit the river.")
    org = world["org_id"]
    with app.uow() as uow:
        st = case_status(uow, org_id=org, case_number=sub.case_number.lower().replace("-", ""), pin=sub.pin)
    assert st["stage"] == "acknowledged" and st["answer"] == "We have your report and will visit the river."
    wrong = "000000" if sub.pin != "000000" else "111111"
    messages = []
    for number, pin in ((sub.case_number, wrong), ("G-ZZZZZZ", sub.pin)):
        with app.uow() as uow, pytest.raises(CaseOrPinNotFound) as exc:
            case_status(uow, org_id=org, case_number=number, pin=pin)
        messages.append((exc.value.code, exc.value.message))
    assert messages[0] == messages[1]  # an unknown case and a wrong PIN are told apart by nothing
    now = dt.datetime.now(UTC).replace(microsecond=0)
    for _ in range(4):  # 1 wrong above + 4 = 5 wrong in the hour (PIN_ATTEMPTS_PER_HOUR)
        with app.uow() as uow, pytest.raises(CaseOrPinNotFound):
            case_status(uow, org_id=org, case_number=sub.case_number, pin=wrong, now=now)
    with app.uow() as uow, pytest.raises(CaseOrPinNotFound) as locked:
        case_status(uow, org_id=org, case_number=sub.case_number, pin=sub.pin, now=now)
    assert locked.value.message == messages[0][1]
    with app.uow() as uow, pytest.raises(CaseOrPinNotFound):
        add_information(uow, org_id=org, case_number=sub.case_number, pin=sub.pin, text="more", channel="sms",
                        now=now)
    later = now + dt.timedelta(hours=1, minutes=1)
    with app.uow() as uow:
        assert case_status(uow, org_id=org, case_number=sub.case_number, pin=sub.pin, now=later)["stage"] == \
            "acknowledged"


def test_add_information_is_idempotent_and_shown_on_the_case(app, world):
    from minewatch.grievances.service import add_information, show_report

    sub = _submit(app, world)
    org = world["org_id"]
    for _ in range(2):
        with app.uow() as uow:
            added = add_information(uow, org_id=org, case_number=sub.case_number, pin=sub.pin,
                                    text="Now the fish are dead too", channel="sms", external_id="SM-2")
    assert added is False
    with app.uow() as uow:
        assert show_report(uow, actor=world["coord"], case_number=sub.case_number).additions == [
            "Now the fish are dead too"]


def test_child_labour_content_only_for_the_child_protection_role(app, world):
    from minewatch.errors import PermissionDenied
    from minewatch.grievances.service import list_reports, open_child_case, show_report, worklist

    sub = _submit(app, world, category="child_labour", text=TEXT, language="fr")
    with app.uow() as uow:
        seen_by_coord = show_report(uow, actor=world["coord"], case_number=sub.case_number)
        seen_by_cpo = show_report(uow, actor=world["cpo"], case_number=sub.case_number)
        listed = list_reports(uow, actor=world["cpo"])
    assert (seen_by_coord.category, seen_by_coord.stage, seen_by_coord.text, seen_by_coord.text_hidden) == (
        "child_labour", "received", None, True)
    assert seen_by_cpo.text == TEXT and not seen_by_cpo.text_hidden
    assert seen_by_cpo.annex_ii == "annex_ii_1_serious_abuses"  # "worst forms of child labour", standards.md 3.2
    assert [v.text for v in listed] == [None]  # lists never carry free text
    assert (seen_by_cpo.site_code, seen_by_cpo.site_source) == ("KAL-001", "name_in_text")
    assert seen_by_cpo.child_case_link == "pending_case"
    for who in ("viewer", "fo"):
        with app.uow() as uow, pytest.raises(PermissionDenied):
            show_report(uow, actor=world[who], case_number=sub.case_number)
    with app.uow() as uow, pytest.raises(PermissionDenied):
        open_child_case(uow, actor=world["coord"], case_number=sub.case_number, child={"name": "X"})
    with app.uow() as uow:
        case = open_child_case(uow, actor=world["cpo"], case_number=sub.case_number,
                               child={"name": "Unknown boy at Kalimbi", "sex": "m"}, today=T0.date())
    assert case.source_type == "grievance"
    with app.uow() as uow:
        linked = show_report(uow, actor=world["cpo"], case_number=sub.case_number)
        assert "pending_child_case" not in {i.kind for i in worklist(uow, actor=world["cpo"], today=T0.date())}
    assert (linked.child_case_link, linked.child_case_id) == ("opened", case.id)
    # a second report at the same site joins the open case
    again = _submit(app, world, category="child_labour", text="Watoto wanachimba", language="sw",
                    site_code="KAL-001")
    with app.uow() as uow:
        joined = show_report(uow, actor=world["cpo"], case_number=again.case_number)
    assert (joined.child_case_link, joined.child_case_id, joined.site_source) == ("joined", case.id, "chosen")


def test_site_is_chosen_or_inferred_or_not(app, world):
    from minewatch.errors import NotFound
    from minewatch.grievances.service import show_report

    cases = {"code": _submit(app, world, text="pit wall cracking at nya-002"),
             "name": _submit(app, world, text="Kalimbi river grey"),
             "none": _submit(app, world, text="somewhere near the road")}
    with app.uow() as uow:
        got = {k: (lambda v: (v.site_code, v.site_source))(show_report(uow, actor=world["coord"],
                                                                       case_number=s.case_number))
               for k, s in cases.items()}
    assert got == {"code": ("NYA-002", "code_in_text"), "name": ("KAL-001", "name_in_text"),
                   "none": (None, "not_inferred")}
    with pytest.raises(NotFound, match="no site XX-9"):
        _submit(app, world, site_code="XX-9")


def test_phone_and_text_never_stored_or_audited_in_clear(app, world):
    from minewatch.adapters.orm_all import metadata
    from minewatch.grievances.service import reply_contact

    with_consent = _submit(app, world, phone=PHONE, consent_replies=True, text="REPORT river grey at KAL-001",
                           external_id="SM-1")
    without = _submit(app, world, phone="+243899999999", consent_replies=False, external_id="SM-2")
    with app.uow() as uow:
        assert reply_contact(uow, org_id=world["org_id"], case_number=with_consent.case_number,
                             vault=app.vault) == PHONE
        assert reply_contact(uow, org_id=world["org_id"], case_number=without.case_number, vault=app.vault) is None
        hits = []
        for table in metadata.sorted_tables:
            for row in uow.session.execute(sa.select(table)).mappings():
                for col, value in row.items():
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    if PHONE_DIGITS.encode() in raw or b"899999999" in raw:
                        hits.append((table.name, col))
        from minewatch.grievances.orm import Grievance

        g = uow.session.execute(sa.select(Grievance).where(Grievance.case_number == with_consent.case_number)).scalar_one()
        assert g.phone_hash == app.vault.lookup_hash(PHONE) and g.phone_encrypted is not None
        assert g.pin_hash.startswith("$argon2") and with_consent.pin not in g.pin_hash
    assert hits == []
    if app.engine.url.get_backend_name() == "sqlite":
        assert PHONE_DIGITS.encode() not in open(app.engine.url.database, "rb").read()
    for e in _events(app, world["org_id"]):
        for col in ("entity_id", "before_digest", "after_digest", "context", "actor_email"):
            value = str(getattr(e, col))
            assert PHONE_DIGITS not in value and "river" not in value, (col, value)


def test_organisations_do_not_see_each_others_cases(app, world):
    from minewatch.errors import NotFound
    from minewatch.grievances.errors import CaseOrPinNotFound
    from minewatch.grievances.service import case_status, list_reports, show_report

    sub = _submit(app, world)
    other = world["other"]
    with app.uow() as uow:
        assert list_reports(uow, actor=other) == []
    with app.uow() as uow, pytest.raises(NotFound):
        show_report(uow, actor=other, case_number=sub.case_number)
    with app.uow() as uow, pytest.raises(CaseOrPinNotFound):
        case_status(uow, org_id=other.org_id, case_number=sub.case_number, pin=sub.pin)


def test_bad_input_is_one_clear_line(app, world):
    from minewatch.grievances.errors import GrievanceInvalid

    with pytest.raises(GrievanceInvalid, match="category: 'theft' is not one of: child_labour"):
        _submit(app, world, category="theft")
    with pytest.raises(GrievanceInvalid, match="channel: 'fax' is not one of"):
        _submit(app, world, channel="fax")
    with pytest.raises(GrievanceInvalid, match="text: empty"):
        _submit(app, world, text="   ")


def test_reports_cli(app, world, cli):
    import json

    org_cli = cli

    def cli(*args, **kw):
        return org_cli("--org", "test-org", *args, **kw)

    child = _submit(app, world, category="child_labour", text=TEXT, language="fr")
    sub = _submit(app, world, category="injury_or_death", text="A digger was hurt at KAL-001")
    out = json.loads(cli("reports", "list", "--json").output)
    assert {r["case_number"] for r in out} == {child.case_number, sub.case_number}
    assert all(r["text"] is None for r in out)
    shown = cli("--as", "coord@test.org", "reports", "show", child.case_number).output
    assert "hidden" in shown and "enfant" not in shown
    assert "enfant" in cli("--as", "cpo@test.org", "reports", "show", child.case_number).output
    assert "assigned to coord@test.org" in cli("reports", "assign", sub.case_number, "--to", "coord@test.org").output
    res = cli("reports", "assign", child.case_number, "--to", "coord@test.org", ok=False)
    assert res.exit_code == 5 and "may not see child_labour reports" in res.output
    assert "is now acknowledged" in cli("reports", "advance", sub.case_number, "--to", "acknowledged",
                                        "--answer", "We are coming").output
    res = cli("reports", "advance", sub.case_number, "--to", "closed", ok=False)
    assert res.exit_code == 7 and "can move to assessed, not closed" in res.output
    work = cli("--as", "cpo@test.org", "reports", "worklist").output
    assert child.case_number in work and "pending_child_case" in work
    assert json.loads(cli("reports", "list", "--stage", "acknowledged", "--json").output)[0]["public_answer"] == \
        "We are coming"
