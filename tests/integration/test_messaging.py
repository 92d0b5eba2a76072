"""SMS and USSD use cases against a real database (SQLite, and PostgreSQL when configured), with the real
grievances service: idempotent intake, full USSD sessions in English and Swahili, opt-outs, the outbox's
retries, rate limit and delivery reports (issue 7 parts 3 and 5)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from minewatch.messaging import service
from minewatch.messaging.model import RateLimit, RetryPolicy
from minewatch.messaging.orm import AlertOptOut, InboundMessage, OutboxMessage, UssdSession
from minewatch.messaging.senders import SendResult
from minewatch.messaging.webhooks import DeliveryReport, InboundSms, UssdRequest

PHONE = "+254712345689"
T0 = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.timezone.utc)


def case_and_pin(text: str) -> tuple[str, str]:
    """The case number and PIN of a "reported" answer (messages.yaml: "... {case} PIN {pin}. ...")."""
    m = re.search(r"(\S+) PIN (\w+)\.", text)
    assert m, text
    return m.group(1), m.group(2)


def _count(app, model, **where) -> int:
    with app.uow() as uow:
        q = sa.select(sa.func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return uow.session.scalar(q)


def _grievances(app):
    from minewatch.grievances.orm import Grievance

    with app.uow() as uow:
        rows = list(uow.session.scalars(sa.select(Grievance)))
        uow.session.expunge_all()
        return rows


def _outbox(app) -> list[OutboxMessage]:
    with app.uow() as uow:
        rows = list(uow.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
        uow.session.expunge_all()
        return rows


def sms(app, actor, body: str, sid: str = "SM" + "a" * 32, phone: str = PHONE, provider: str = "twilio",
        language: str = "en"):
    with app.uow() as uow:
        return service.handle_sms(uow, org_id=actor.org_id, msg=InboundSms(provider, sid, phone, "+15005550006", body),
                                  vault=app.vault, language=language, now=T0)


def ussd(app, actor, session_id: str, text: str, language: str = "en", phone: str = PHONE) -> str:
    with app.uow() as uow:
        return service.handle_ussd(uow, org_id=actor.org_id, vault=app.vault, language=language, now=T0,
                                   req=UssdRequest("at", session_id, "*384*123#", phone, text, "63902"))


def test_the_same_sms_delivered_three_times_makes_one_report_and_one_acknowledgement(app, actor):
    # Acceptance (issue 7): "The same webhook delivered three times creates one report and sends one acknowledgement."
    answers = [sms(app, actor, "REPORT child labour two boys carry sacks at pit 3") for _ in range(3)]
    assert answers[0].startswith("Thank you. Case ") and answers[1:] == [None, None]
    (g,) = _grievances(app)
    assert (g.channel, g.category, g.language, g.text) == ("sms", "child_labour", "en",
                                                              "child labour two boys carry sacks at pit 3")
    assert g.phone_hash == app.vault.lookup_hash(PHONE)
    (ack,) = _outbox(app)
    assert (ack.kind, ack.status, ack.case_number) == ("ack", "queued", g.case_number)
    assert g.case_number in ack.body and app.vault.decrypt(ack.phone_encrypted) == PHONE
    assert _count(app, InboundMessage) == 1


def test_status_by_sms_with_case_number_and_pin_and_a_wrong_pin(app, actor):
    first = sms(app, actor, "RIPOTI watoto shimoni", sid="ATXid_1", provider="at", language="sw")
    assert first.startswith("Asante. Kesi ")
    case, pin = case_and_pin(first)
    assert sms(app, actor, f"HALI {case} {pin}", sid="ATXid_2", provider="at") == f"Kesi {case}: received."
    assert sms(app, actor, f"STATUS {case} 00000000", sid="ATXid_3", provider="at") == "No case with this number and PIN."
    assert len(_outbox(app)) == 3


def test_stop_opts_out_of_alerts_and_start_opts_back_in(app, actor):
    assert sms(app, actor, "STOP", sid="SM1").startswith("You will get no more alerts")
    assert _count(app, AlertOptOut, phone_hash=app.vault.lookup_hash(PHONE)) == 1
    with app.uow() as uow:
        assert service.enqueue(uow, org_id=actor.org_id, phone=PHONE, body="Landslide warning", language="en",
                               kind="alert", dedup_key="alert:1", vault=app.vault) is None
        uow.commit()
    sms(app, actor, "START", sid="SM2")
    assert _count(app, AlertOptOut) == 0
    with app.uow() as uow:
        assert service.enqueue(uow, org_id=actor.org_id, phone=PHONE, body="Landslide warning", language="en",
                               kind="alert", dedup_key="alert:2", vault=app.vault) is not None
        uow.commit()
    assert [m.kind for m in _outbox(app)] == ["reply", "reply", "alert"]


def test_a_full_ussd_session_in_english_report_then_status(app, actor):
    sid = "ATUid_en_1"
    assert ussd(app, actor, sid, "").startswith("CON Miners' voice")
    assert ussd(app, actor, sid, "1").startswith("CON What happened?")
    assert ussd(app, actor, sid, "1*3") == "CON Site code (0 to skip):"
    assert ussd(app, actor, sid, "1*3*0") == "CON Describe it in a few words:"
    assert ussd(app, actor, sid, "1*3*0*crack in pit wall") == "CON Send this report?\n1 Send\n2 Cancel"
    end = ussd(app, actor, sid, "1*3*0*crack in pit wall*1")
    assert end.startswith("END Thank you. Case ")
    case, pin = case_and_pin(end)
    # The gateway retries the last step: same session, no second report, no second SMS.
    again = ussd(app, actor, sid, "1*3*0*crack in pit wall*1")
    assert again.startswith("END Thank you. Case " + case) and pin not in again
    (g,) = _grievances(app)
    assert (g.channel, g.category, g.text) == ("ussd", "landslide_or_pit_collapse_risk", "crack in pit wall")
    assert [m.kind for m in _outbox(app)] == ["ack"]
    # A second session checks the case.
    assert ussd(app, actor, "ATUid_en_2", "2") == "CON Case number:"
    assert ussd(app, actor, "ATUid_en_2", f"2*{case}") == "CON PIN:"
    assert ussd(app, actor, "ATUid_en_2", f"2*{case}*{pin}") == f"END Case {case}: received."
    with app.uow() as uow:
        stored = " ".join(s.last_response or "" for s in uow.session.scalars(sa.select(UssdSession)))
    assert pin not in stored


@pytest.mark.parametrize("language, prefix", [("sw", ""), ("en", "9*5*")])
def test_a_full_ussd_session_in_swahili(app, actor, language, prefix):
    # Swahili as the organisation's fallback language, or chosen from the menu (9, then 5 = Kiswahili).
    sid = f"ATUid_sw_{language}"
    first = ussd(app, actor, sid, prefix[:-1] if prefix else "", language=language)
    assert first.startswith("CON Sauti ya wachimbaji") or first.startswith("CON 1 English")
    assert ussd(app, actor, sid, prefix + "1", language=language).startswith("CON Nini kilitokea?")
    assert ussd(app, actor, sid, prefix + "1*4*0*mto ni mchafu*1", language=language).startswith("END Asante. Kesi ")
    (g,) = _grievances(app)
    assert (g.language, g.category) == ("sw", "pollution")
    case, pin = case_and_pin(_outbox(app)[0].body)
    assert ussd(app, actor, sid + "b", f"{prefix}2*{case}*{pin}", language=language) == f"END Kesi {case}: received."


def test_ussd_alerts_off_then_on(app, actor):
    assert ussd(app, actor, "s1", "3*2") == "END Alerts are off. Dial again to turn them on."
    assert _count(app, AlertOptOut) == 1
    assert ussd(app, actor, "s2", "3*1") == "END Alerts are on."
    assert _count(app, AlertOptOut) == 0


class FlakySender:
    name = "fake"

    def __init__(self, results):
        self.results = list(results)
        self.calls = []

    def send(self, *, phone, body, case_number):
        self.calls.append((phone, body))
        return self.results.pop(0) if self.results else SendResult(True, f"fake-{len(self.calls)}")


def _queue(app, actor, n: int, phone: str = PHONE):
    with app.uow() as uow:
        for i in range(n):
            service.enqueue(uow, org_id=actor.org_id, phone=phone, body=f"message {i}", language="en", kind="alert",
                            dedup_key=f"t:{phone}:{i}", vault=app.vault, now=T0)
        uow.commit()


def test_outbox_retries_with_exponential_backoff_then_fails(app, actor):
    _queue(app, actor, 1)
    down = SendResult(False, error="HTTP 503", retry=True)
    sender = FlakySender([down, down, down])
    policy = RetryPolicy(base_s=60, max_attempts=3)
    with app.uow() as uow:
        assert service.send_due(uow, sender=sender, vault=app.vault, now=T0, retry=policy)["retry"] == 1
    (m,) = _outbox(app)
    assert (m.status, m.attempts, m.next_attempt_at) == ("queued", 1, T0 + dt.timedelta(seconds=60))
    with app.uow() as uow:  # not yet due: nothing is tried
        assert service.send_due(uow, sender=sender, vault=app.vault, now=T0 + dt.timedelta(seconds=59),
                                retry=policy) == {"sent": 0, "retry": 0, "failed": 0, "deferred": 0}
        service.send_due(uow, sender=sender, vault=app.vault, now=T0 + dt.timedelta(seconds=60), retry=policy)
    (m,) = _outbox(app)
    assert (m.attempts, m.next_attempt_at) == (2, T0 + dt.timedelta(seconds=60 + 120))  # 60 * 2**1
    with app.uow() as uow:
        assert service.send_due(uow, sender=sender, vault=app.vault, now=T0 + dt.timedelta(hours=1),
                                retry=policy)["failed"] == 1
    (m,) = _outbox(app)
    assert (m.status, m.attempts, m.last_error) == ("failed", 3, "HTTP 503")
    assert sender.calls[0][0] == PHONE  # the sender gets the decrypted number, nothing else stores it


def test_a_permanent_failure_is_not_retried_and_a_success_is_recorded(app, actor):
    _queue(app, actor, 2)
    sender = FlakySender([SendResult(False, error="HTTP 400: invalid number", retry=False)])
    with app.uow() as uow:
        assert service.send_due(uow, sender=sender, vault=app.vault, now=T0) == {"sent": 1, "retry": 0, "failed": 1,
                                                                                  "deferred": 0}
    failed, sent = _outbox(app)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert (sent.status, sent.provider, sent.provider_message_id, sent.sent_at) == ("sent", "fake", "fake-2", T0)


def test_once_sent_the_acknowledgement_keeps_no_pin(app, actor):
    # The acknowledgement carries the case number and the PIN; the outbox keeps neither key once it has left.
    with app.uow() as uow:
        service.enqueue(uow, org_id=actor.org_id, phone=PHONE, body="Case G-7K3Q9A, PIN 482913", language="en",
                        kind="ack", dedup_key="t:ack", vault=app.vault, now=T0)
        uow.commit()
    sender = FlakySender([])
    with app.uow() as uow:
        assert service.send_due(uow, sender=sender, vault=app.vault, now=T0)["sent"] == 1
    assert sender.calls == [(PHONE, "Case G-7K3Q9A, PIN 482913")]  # the reporter gets it
    (m,) = _outbox(app)
    assert m.body == "Case G-7K3Q9A, PIN ******"


def test_per_recipient_rate_limit_defers_the_rest_to_the_next_window(app, actor):
    _queue(app, actor, 4)
    _queue(app, actor, 1, phone="+243812345678")
    sender = FlakySender([])
    rate = RateLimit(per_window=3, window_s=3600)
    with app.uow() as uow:
        counts = service.send_due(uow, sender=sender, vault=app.vault, now=T0, rate=rate)
    assert counts == {"sent": 4, "retry": 0, "failed": 0, "deferred": 1}  # 3 + the other recipient's 1
    deferred = [m for m in _outbox(app) if m.status == "queued"]
    assert len(deferred) == 1 and deferred[0].next_attempt_at == T0 + dt.timedelta(hours=1)
    with app.uow() as uow:
        assert service.send_due(uow, sender=sender, vault=app.vault, now=T0 + dt.timedelta(hours=1, seconds=1),
                                rate=rate)["sent"] == 1


def test_delivery_reports_update_the_outbox(app, actor):
    _queue(app, actor, 1)
    with app.uow() as uow:
        service.send_due(uow, sender=FlakySender([]), vault=app.vault, now=T0)
    with app.uow() as uow:
        assert service.record_delivery(uow, org_id=actor.org_id,
                                       report=DeliveryReport("fake", "fake-1", "delivered"), now=T0)
        assert not service.record_delivery(uow, org_id=actor.org_id, report=DeliveryReport("fake", "nope", "failed"))
        # A late "sent" after "delivered" does not go backwards.
        service.record_delivery(uow, org_id=actor.org_id, report=DeliveryReport("fake", "fake-1", "sent"))
    (m,) = _outbox(app)
    assert (m.status, m.delivered_at) == ("delivered", T0)


def test_cli_sms_simulate_and_ussd_simulate_drive_the_real_webhooks(app, cli):
    # A Twilio SMS (signed with a one-off token), then the same reporter checks the case by USSD.
    out = cli("sms", "simulate", "--from", PHONE, "--text", "REPORT pollution grey water at the mill").output
    assert out.startswith("Thank you. Case ")
    case, pin = case_and_pin(out)
    out = cli("ussd", "simulate", "--from", PHONE, "--input", f"2*{case}*{pin}").output
    screens = [s.strip() for s in out.split("-" * 20) if s.strip()]
    assert screens == ["CON Miners' voice\n1 Report a problem\n2 Check a case\n3 Alerts on/off\n9 Language",
                       "CON Case number:", "CON PIN:", f"END Case {case}: received."]
    out = cli("sms", "simulate", "--from", PHONE, "--text", "STOP", "--provider", "at").output
    assert out.strip() == "You will get no more alerts. Send START to get them again."
    assert "sent 2" in cli("sms", "send").output  # the report's ack and the STOP reply (log sender)
    assert len(_grievances(app)) == 1
    assert "intact" in cli("audit", "verify").output  # the webhooks' audit entries keep the chain whole
