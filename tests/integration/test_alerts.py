"""Alerts to miners (issue 7 part 4) on SQLite and PostgreSQL, with the real messaging outbox.

The rules checked come from issue 7 part 4 and the brief: recipients are the people assigned at the
sites on the date (assignments.valid_from/valid_to, open ends count) who consented to alerts and have a
phone, minus phones that sent STOP (messaging's AlertOptOut); each gets the text in their language, else
the organisation's fallback; a retry queues nothing twice; delivery reports flow back; no phone in clear
outside the outbox's ciphertext. Expected counts are those of the world built below.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from minewatch.alerts import service
from minewatch.alerts.orm import Alert, AlertRecipient
from minewatch.errors import NotFound, PermissionDenied
from minewatch.messaging.orm import OutboxMessage
from minewatch.messaging.senders import SendResult
from minewatch.messaging.webhooks import DeliveryReport, InboundSms

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
ON = T0.date()
PHONES = {  # person external id -> phone (P9 shares P1's phone: one family)
    "P1": "+254712000001", "P2": "+254712000002", "P3": "+254712000003", "P4": "+254712000004",
    "P6": "+254712000006", "P7": "+254712000007", "P8": "+254712000008", "P9": "+254712000001",
    "Q1": "+243812000001",
}


def _actor(app, email, org="test-org"):
    from minewatch.accounts.service import resolve_actor

    with app.uow() as uow:
        return resolve_actor(uow, org_slug=org, email=email)


@pytest.fixture
def world(app, actor):
    """Sites KAL-001, NYA-002, FAR-003 and these people of test-org (assigned at KAL-001 unless said):

    P1 en, consented; P2 sw at NYA-002 since 1 Nov; P3 language "xx" (unknown); P4 no consent; P5 no phone;
    P6 phone opted out by STOP; P7 assignment ended 31 Oct; P8 at FAR-003; P9 en, P1's phone.
    Other org: its own KAL-001 with Q1. Users: coordinator, child-protection officer, field officer, viewer.
    """
    from minewatch.accounts.service import add_user, init_organisation
    from minewatch.messaging.service import handle_sms
    from minewatch.people.orm import Assignment, Person
    from minewatch.sites.orm import Site

    with app.uow() as uow:
        for email, role in (("coord@test.org", "coordinator"), ("cpo@test.org", "child_protection_officer"),
                            ("fo@test.org", "field_officer"), ("view@test.org", "viewer")):
            add_user(uow, actor=actor, email=email, role=role)
    with app.uow() as uow:
        init_organisation(uow, name="Other Org", slug="other-org", admin_email="a@other.org", allow_more=True)
    other = _actor(app, "a@other.org", "other-org")
    v = app.vault
    with app.uow() as uow:
        s = uow.session
        sites = {c: Site(org_id=actor.org_id, code=c, latitude=-2.1, longitude=28.8)
                 for c in ("KAL-001", "NYA-002", "FAR-003")}
        sites["Q"] = Site(org_id=other.org_id, code="KAL-001", latitude=-2.1, longitude=28.8)
        s.add_all(sites.values())
        s.flush()

        def person(ext, org_id=actor.org_id, lang="en", consent=True, phone=True):
            p = Person(org_id=org_id, external_id=ext, preferred_language=lang, consent_alerts=consent,
                       phone_hash=v.lookup_hash(PHONES[ext]) if phone else None,
                       phone_encrypted=v.encrypt(PHONES[ext]) if phone else None)
            s.add(p)
            s.flush()
            return p

        def assign(p, site, start=None, end=None):
            s.add(Assignment(org_id=p.org_id, person_id=p.id, site_id=site.id, task="digging", valid_from=start,
                             valid_to=end))

        ids = {}
        for ext, kw, site, start, end in (
                ("P1", {}, "KAL-001", dt.date(2026, 1, 1), None),
                ("P2", {"lang": "sw"}, "NYA-002", dt.date(2026, 11, 1), None),
                ("P3", {"lang": "xx"}, "KAL-001", None, None),
                ("P4", {"consent": False}, "KAL-001", None, None),
                ("P5", {"phone": False}, "KAL-001", None, None),
                ("P6", {}, "KAL-001", None, None),
                ("P7", {}, "KAL-001", dt.date(2026, 1, 1), dt.date(2026, 10, 31)),
                ("P8", {}, "FAR-003", None, None),
                ("P9", {}, "KAL-001", None, None),
                ("Q1", {"org_id": other.org_id}, "Q", None, None)):
            p = person(ext, **kw)
            assign(p, sites[site], start, end)
            ids[ext] = p.id
        uow.commit()
    with app.uow() as uow:  # P6 replies STOP through the real SMS webhook use case
        handle_sms(uow, org_id=actor.org_id, msg=InboundSms("twilio", "SMstop1", PHONES["P6"], "+15005550006",
                                                            "STOP"), vault=v, now=T0)
    return {"admin": actor, "coord": _actor(app, "coord@test.org"), "cpo": _actor(app, "cpo@test.org"),
            "fo": _actor(app, "fo@test.org"), "viewer": _actor(app, "view@test.org"), "other": other, "ids": ids}


def send(app, actor, **kw):
    args = dict(site_codes=["KAL-001", "NYA-002"], template="landslide_warning", params={}, vault=app.vault,
                now=T0, fallback_language="fr") | kw
    with app.uow() as uow:
        return service.send_alert(uow, actor=actor, **args)


def _alert_outbox(app, org_id=None) -> list[OutboxMessage]:
    with app.uow() as uow:
        q = sa.select(OutboxMessage).where(OutboxMessage.kind == "alert").order_by(OutboxMessage.id)
        if org_id is not None:
            q = q.where(OutboxMessage.org_id == org_id)
        rows = list(uow.session.scalars(q))
        uow.session.expunge_all()
        return rows


def _table_text(app, *tables) -> str:
    with app.uow() as uow:
        return json.dumps([[str(v) for v in row] for t in tables
                           for row in uow.session.execute(sa.select(*t.__table__.c))])


def test_recipients_are_the_consenting_people_with_a_phone_at_the_sites_on_the_date(app, world):
    r = send(app, world["coord"])
    assert r.created and not r.dry_run
    # P1, P9 (en), P2 (sw), P3 ("xx" -> the organisation's fallback fr); P4 no consent, P5 no phone,
    # P6 STOP, P7 no longer assigned, P8 at another site.
    assert r.recipients == 4 and r.by_language == {"en": 2, "fr": 1, "sw": 1}
    assert r.skipped == {"no_consent": 1, "no_phone": 1, "opted_out": 1}
    assert r.queued == 3  # P1 and P9 share one phone: one SMS
    msgs = _alert_outbox(app)
    by_phone = {app.vault.decrypt(m.phone_encrypted): m for m in msgs}
    assert set(by_phone) == {PHONES["P1"], PHONES["P2"], PHONES["P3"]}
    assert by_phone[PHONES["P2"]].body.startswith("ONYO LA MAPOROMOKO KAL-001, NYA-002:")  # templates.yaml sw
    assert by_phone[PHONES["P2"]].language == "sw"
    assert by_phone[PHONES["P3"]].body.startswith("ALERTE GLISSEMENT DE TERRAIN")  # fr, the fallback
    assert by_phone[PHONES["P1"]].body.startswith("LANDSLIDE WARNING KAL-001, NYA-002: leave the pits")
    assert {m.dedup_key for m in msgs} == {f"alert:{r.alert_id}:{world['ids'][p]}" for p in ("P1", "P2", "P3")}
    view = _show(app, world["coord"], r.alert_id)
    ids = world["ids"]
    assert [(x["person_id"], x["language"]) for x in view.recipients] == sorted(
        [(ids["P1"], "en"), (ids["P2"], "sw"), (ids["P3"], "fr"), (ids["P9"], "en")])
    assert view.counts == {"queued": 4} and view.segments["en"] == 1


def test_a_date_before_p2s_assignment_leaves_p2_out(app, world):
    r = send(app, world["coord"], on=dt.date(2026, 10, 15), dry_run=True)
    # 15 Oct: P2 (from 1 Nov) out, P7 (to 31 Oct) in.
    assert r.recipients == 4 and r.by_language == {"en": 3, "fr": 1}


def test_sending_again_queues_nothing_twice(app, world):
    first = send(app, world["coord"])
    again = send(app, world["admin"])  # a retry, by anyone: same request, same alert
    assert (again.alert_id, again.created, again.queued) == (first.alert_id, False, 0)
    assert len(_alert_outbox(app)) == 3
    with app.uow() as uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(AlertRecipient)) == 4
    # The same key with the same content is the same alert; another key is a new alert.
    keyed = send(app, world["coord"], key="storm-27-nov")
    assert keyed.alert_id != first.alert_id and keyed.queued == 3
    assert send(app, world["coord"], key="storm-27-nov").queued == 0
    assert len(_alert_outbox(app)) == 6


def test_delivery_status_flows_back_from_the_outbox(app, world):
    from minewatch.messaging.service import record_delivery, send_due

    r = send(app, world["coord"])

    class Sender:
        name = "twilio"

        def send(self, *, phone, body, case_number=None):
            return SendResult(True, "SM" + phone[-4:])

    with app.uow() as uow:
        # 3 alerts and the reply to P6's STOP
        assert send_due(uow, sender=Sender(), vault=app.vault, now=T0) == {"sent": 4, "retry": 0, "failed": 0,
                                                                            "deferred": 0}
    org = world["admin"].org_id
    with app.uow() as uow:  # P1's phone (shared with P9): delivered; P2's: failed; P3's: only sent
        assert record_delivery(uow, org_id=org, report=DeliveryReport("twilio", "SM0001", "delivered"), now=T0)
    with app.uow() as uow:
        assert record_delivery(uow, org_id=org, report=DeliveryReport("twilio", "SM0002", "failed", "30003"))
    view = _show(app, world["cpo"], r.alert_id)
    assert view.counts == {"delivered": 2, "failed": 1, "sent": 1}
    ids = world["ids"]
    assert {x["person_id"]: x["status"] for x in view.recipients} == {
        ids["P1"]: "delivered", ids["P9"]: "delivered", ids["P2"]: "failed", ids["P3"]: "sent"}
    with app.uow() as uow:  # mirrored onto the recipient rows
        stored = dict(uow.session.execute(sa.select(AlertRecipient.person_id, AlertRecipient.status)).all())
    assert stored[ids["P2"]] == "failed" and stored[ids["P9"]] == "delivered"
    with app.uow() as uow:
        (summary,) = service.list_alerts(uow, actor=world["coord"])
    assert summary.counts == {"delivered": 2, "failed": 1, "sent": 1}


def test_no_phone_in_clear_in_the_alert_tables_or_the_audit(app, world):
    from minewatch.audit.orm import AuditEvent

    r = send(app, world["coord"])
    text = _table_text(app, Alert, AlertRecipient, AuditEvent)
    for phone in PHONES.values():
        assert phone[1:] not in text and phone[-9:] not in text
    with app.uow() as uow:
        events = list(uow.session.execute(sa.select(AuditEvent.action, AuditEvent.entity_id)
                                          .where(AuditEvent.entity_type == "alert")))
    assert events == [("alerts.sent", str(r.alert_id))]


def test_a_dry_run_counts_and_writes_nothing(app, world):
    from minewatch.audit.orm import AuditEvent

    before = _table_text(app, AuditEvent)
    r = send(app, world["coord"], dry_run=True)
    assert (r.alert_id, r.dry_run, r.queued, r.recipients) == (None, True, 0, 4)
    assert r.by_language == {"en": 2, "fr": 1, "sw": 1}
    assert _alert_outbox(app) == [] and _table_text(app, Alert) == "[]"
    assert _table_text(app, AuditEvent) == before


def test_organisations_are_isolated(app, world):
    mine = send(app, world["coord"])
    theirs = send(app, world["other"], site_codes=["KAL-001"])
    assert theirs.recipients == 1 and theirs.queued == 1
    assert [app.vault.decrypt(m.phone_encrypted) for m in _alert_outbox(app, world["other"].org_id)] == [PHONES["Q1"]]
    with app.uow() as uow, pytest.raises(NotFound):
        service.alert_status(uow, actor=world["other"], alert_id=mine.alert_id)
    with app.uow() as uow:
        assert [a.id for a in service.list_alerts(uow, actor=world["other"])] == [theirs.alert_id]
    with app.uow() as uow, pytest.raises(NotFound, match="no site NYA-002 in organisation 'other-org'"):
        service.send_alert(uow, actor=world["other"], site_codes=["NYA-002"], template="meeting", vault=app.vault,
                           params={"date": "3 Dec", "time": "10:00", "place": "office"})


def test_permissions(app, world):
    for who in ("viewer", "fo", "cpo"):  # accounts/model.py: only admin and coordinator have grievances.write
        with pytest.raises(PermissionDenied, match="may not send alerts"):
            send(app, world[who])
    r = send(app, world["admin"])
    assert _show(app, world["cpo"], r.alert_id).id == r.alert_id  # grievances.read
    for who in ("viewer", "fo"):
        with app.uow() as uow, pytest.raises(PermissionDenied, match="may not see alerts"):
            service.alert_status(uow, actor=world[who], alert_id=r.alert_id)


def test_bad_requests_are_one_clear_line(app, world):
    from minewatch.alerts.errors import AlertInvalid

    with pytest.raises(AlertInvalid, match=r"needs --param source=\.\.\."):
        send(app, world["coord"], template="water_advisory")
    with pytest.raises(NotFound, match="no site NOPE-9"):
        send(app, world["coord"], site_codes=["KAL-001", "NOPE-9"])
    with pytest.raises(AlertInvalid, match="give at least one site code"):
        send(app, world["coord"], site_codes=[" "])


def test_the_cli_sends_shows_and_lists(app, world, cli):
    dry = json.loads(cli("--org", "test-org", "alerts", "send", "--sites", "KAL-001,NYA-002", "--template",
                         "water_advisory", "--param", "source=the river", "--on", "2026-11-27", "--dry-run",
                         "--json").output)
    # The CLI's fallback is the organisation's sms_languages setting: none here, so P3 gets English.
    assert (dry["recipients"], dry["by_language"], dry["alert_id"]) == (4, {"en": 3, "sw": 1}, None)
    out = cli("--org", "test-org", "alerts", "send", "--sites", "KAL-001", "--template", "other", "--text",
              "en=Road to {sites} closed Friday.", "--on", "2026-11-27").output
    assert "queued 2 of 3 recipient(s) at KAL-001 on 2026-11-27" in out  # P1+P9 share a phone, P3
    alert_id = int(out.split("#")[1].split(":")[0])
    shown = json.loads(cli("--org", "test-org", "alerts", "show", str(alert_id), "--json").output)
    assert shown["texts"] == {"en": "Road to KAL-001 closed Friday."} and shown["counts"] == {"queued": 3}
    assert f"#{alert_id}" in cli("--org", "test-org", "alerts", "list").output
    bad = cli("--org", "test-org", "alerts", "send", "--sites", "KAL-001", "--template", "other", "--param",
              "nokey", ok=False)
    assert bad.exit_code != 0 and "expected key=value" in bad.output


def _show(app, actor, alert_id):
    with app.uow() as uow:
        return service.alert_status(uow, actor=actor, alert_id=alert_id)
