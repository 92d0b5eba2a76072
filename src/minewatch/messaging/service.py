"""Use cases of SMS and USSD: handle an inbound SMS or USSD step, queue and send messages, record delivery.

Webhooks act for the organisation their URL names, with no logged-in user: the actor of the audit
trail is the provider (``webhook:twilio``). Reports and cases belong to the grievances feature and are
made through its service (``grievances``: the module ``minewatch.grievances.service`` unless a test
passes another object with the same functions).

Privacy (issue 7 part 2): the phone number lives only in memory here; it is stored as the Vault's
keyed hash (lookup, idempotency, opt-outs, rate limits) and, on outbox rows, encrypted for sending.
Log lines carry a masked phone (``+254******89``) at most.

Idempotency (issue 7 part 3): an inbound SMS is keyed by its provider id (``MessageSid``, AT ``id``);
a USSD action by its session id; each outbound message by a ``dedup_key``. A redelivered webhook finds
its row and changes nothing, so it makes no second report and queues no second acknowledgement.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from minewatch.adapters.db import UnitOfWork, utcnow
from minewatch.audit.service import AuditLog
from minewatch.errors import NotFound
from minewatch.kit.crypto import normalise_phone
from minewatch.kit.findings import ParseProblem
from minewatch.messaging import repository as repo
from minewatch.messaging.errors import BadPayload
from minewatch.messaging.model import (RateLimit, RetryPolicy, Screen, SmsCommand, mask_phone, parse_sms, scrub_pin,
                                       split_inputs, ussd_screen)
from minewatch.messaging.orm import AlertOptOut, InboundMessage, OutboxMessage, UssdSession
from minewatch.messaging.templates import catalog
from minewatch.messaging.webhooks import DeliveryReport, InboundSms, UssdRequest

log = logging.getLogger("minewatch.messaging")


@dataclass(frozen=True)
class WebhookActor:
    """Who the audit trail names for a change made by a provider's webhook."""

    org_id: int
    email: str
    user_id: int | None = None


def _grievances(port):
    if port is not None:
        return port
    from minewatch.grievances import service

    return service


def _phone(raw: str) -> str:
    try:
        return normalise_phone(raw)
    except ParseProblem:
        raise BadPayload("the sender's phone number is not an international number (+ and 8 to 15 digits)") from None


def _status_text(status: dict) -> str:
    return str(status.get("stage") or status.get("status") or status.get("state") or "received")


def _set_alerts(uow: UnitOfWork, org_id: int, phone_hash: str, on: bool, audit: AuditLog, vault) -> None:
    row = repo.opt_out(uow.session, org_id, phone_hash)
    if on and row is not None:
        uow.session.delete(row)
        audit.record("messaging.alerts_on", "alert_optout", row.id, before=vault.keyed_digest(phone_hash), after=None)
    elif not on and row is None:
        row = AlertOptOut(org_id=org_id, phone_hash=phone_hash)
        uow.session.add(row)
        uow.session.flush()
        audit.record("messaging.alerts_off", "alert_optout", row.id, before=None, after=vault.keyed_digest(phone_hash))


def handle_sms(uow: UnitOfWork, *, org_id: int, msg: InboundSms, vault, language: str = "en",
               grievances=None, now: dt.datetime | None = None) -> str | None:
    """Act on one inbound SMS (once per provider id); returns the answer queued, None for a redelivery."""
    g = _grievances(grievances)
    s = uow.session
    now = now or utcnow()
    if repo.inbound(s, org_id, msg.provider, msg.provider_id) is not None:
        return None
    phone = _phone(msg.phone)
    phone_hash = vault.lookup_hash(phone)
    cat = catalog()
    cmd = parse_sms(msg.body, cat, category_for=g.category_for_keyword, prefer_language=language)
    if cmd.kind == "report" and not cmd.text.strip():
        cmd = SmsCommand("help", cmd.language)  # "REPORT" alone: tell how to write one
    lang = cat.language(cmd.language, language)
    row = InboundMessage(org_id=org_id, provider=msg.provider, provider_id=msg.provider_id, channel="sms",
                         phone_hash=phone_hash, kind=cmd.kind, received_at=now)
    s.add(row)
    try:
        s.flush()
    except IntegrityError:  # the same webhook, delivered concurrently, won the race
        uow.rollback()
        return None
    audit = AuditLog(s, WebhookActor(org_id, f"webhook:{msg.provider}"), context="sms")
    if cmd.kind == "report":
        sub = g.submit_report(uow, org_id=org_id, channel="sms", category=cmd.category, text=cmd.text, language=lang,
                              phone=phone, consent_replies=True, anonymous=True,
                              external_id=f"{msg.provider}:{msg.provider_id}", received_at=now, vault=vault)
        row.case_number = sub.case_number
        answer = cat.text(lang, "reported", case=sub.case_number, pin=sub.pin) if sub.created else None
    elif cmd.kind == "status":
        try:
            status = g.case_status(uow, org_id=org_id, case_number=cmd.case_number, pin=cmd.pin)
            answer = cat.text(lang, "status", case=cmd.case_number, status=_status_text(status))
        except NotFound:
            answer = cat.text(lang, "not_found")
    elif cmd.kind in ("stop", "start"):
        _set_alerts(uow, org_id, phone_hash, cmd.kind == "start", audit, vault)
        answer = cat.text(lang, "stopped" if cmd.kind == "stop" else "started")
    else:
        answer = cat.text(lang, "help")
    if answer:
        enqueue(uow, org_id=org_id, phone=phone, body=answer, language=lang, kind="ack" if cmd.kind == "report" else "reply",
                dedup_key=f"sms:{msg.provider}:{msg.provider_id}", vault=vault, case_number=row.case_number, now=now)
    audit.record(f"messaging.sms_{cmd.kind}", "inbound_message", row.id, before=None,
                 after=vault.keyed_digest(f"{msg.provider}:{msg.provider_id}"))
    audit.flush()
    uow.commit()
    log.info("sms %s from %s: %s", msg.provider, mask_phone(phone), cmd.kind)
    return answer


def handle_ussd(uow: UnitOfWork, *, org_id: int, req: UssdRequest, vault, language: str = "en",
                grievances=None, now: dt.datetime | None = None) -> str:
    """The answer (``CON ...`` or ``END ...``) to one USSD step; the session's action runs once."""
    s = uow.session
    now = now or utcnow()
    phone = _phone(req.phone)
    phone_hash = vault.lookup_hash(phone)
    cat = catalog()
    session = repo.ussd_session(s, org_id, req.provider, req.session_id)
    if session is None:
        session = UssdSession(org_id=org_id, provider=req.provider, session_id=req.session_id, phone_hash=phone_hash,
                              language=cat.language(language), steps=0, started_at=now, updated_at=now)
        s.add(session)
        try:
            s.flush()
        except IntegrityError:
            uow.rollback()
            session = repo.ussd_session(s, org_id, req.provider, req.session_id)
    screen = ussd_screen(split_inputs(req.text), cat, language=session.language)
    if screen.action is not None:
        if session.action_text is not None:  # the action already ran: a redelivery gets the same answer
            return session.last_response or screen.body
        session.action_text = vault.keyed_digest(req.text)  # not the inputs: they may hold a PIN
        screen, stored = _ussd_action(uow, org_id, session, screen, phone, phone_hash, vault,
                                      _grievances(grievances), now)
    else:
        stored = screen.body
    session.steps += 1
    session.last_response = stored
    session.updated_at = now
    uow.commit()
    return screen.body


def _ussd_action(uow, org_id: int, session: UssdSession, screen: Screen, phone: str, phone_hash: str, vault, g,
                 now) -> tuple[Screen, str]:
    """Run the session's action; returns the screen and the answer to store (without the PIN)."""
    cat, lang, act = catalog(), screen.language, screen.action
    audit = AuditLog(uow.session, WebhookActor(org_id, f"webhook:{session.provider}"), context="ussd")
    if act["do"] == "report":
        report = dict(channel="ussd", category=act["category"], language=lang, phone=phone, consent_replies=True,
                      anonymous=True, external_id=f"{session.provider}:{session.session_id}", received_at=now,
                      vault=vault)
        try:
            sub = g.submit_report(uow, org_id=org_id, text=act["text"], site_code=act["site_code"], **report)
        except NotFound:  # a mistyped site code must not lose the report: keep it in the text instead
            sub = g.submit_report(uow, org_id=org_id, text=f"[site {act['site_code']}] {act['text']}",
                                  site_code=None, **report)
        session.case_number = sub.case_number
        text = cat.text(lang, "reported", case=sub.case_number, pin=sub.pin)
        stored = "END " + cat.text(lang, "reported", case=sub.case_number, pin="****")
        # The screen disappears: the same words by SMS let the reporter keep the case number and PIN.
        enqueue(uow, org_id=org_id, phone=phone, body=text, language=lang, kind="ack",
                dedup_key=f"ussd:{session.provider}:{session.session_id}", vault=vault,
                case_number=sub.case_number, now=now)
    elif act["do"] == "status":
        try:
            status = g.case_status(uow, org_id=org_id, case_number=act["case_number"], pin=act["pin"])
            text = cat.text(lang, "status", case=act["case_number"], status=_status_text(status))
        except NotFound:
            text = cat.text(lang, "not_found")
    else:
        _set_alerts(uow, org_id, phone_hash, act["on"], audit, vault)
        text = screen.text
    audit.flush()
    end = Screen("END", text, lang, act)
    return end, stored if act["do"] == "report" else end.body


def enqueue(uow: UnitOfWork, *, org_id: int, phone: str, body: str, language: str, kind: str, dedup_key: str,
            vault, case_number: str | None = None, now: dt.datetime | None = None) -> OutboxMessage | None:
    """Queue one message (in the caller's transaction); the same ``dedup_key`` queues nothing new.

    An alert to a phone that opted out is not queued (None); acknowledgements and replies always are.
    """
    s = uow.session
    existing = repo.outbox_by_key(s, org_id, dedup_key)
    if existing is not None:
        return existing
    phone = _phone(phone)
    phone_hash = vault.lookup_hash(phone)
    if kind == "alert" and repo.opt_out(s, org_id, phone_hash) is not None:
        return None
    now = now or utcnow()
    row = OutboxMessage(org_id=org_id, dedup_key=dedup_key, kind=kind, phone_hash=phone_hash,
                        phone_encrypted=vault.encrypt(phone), body=body, language=language, case_number=case_number,
                        status="queued", attempts=0, next_attempt_at=now, created_at=now)
    s.add(row)
    s.flush()
    return row


def send_due(uow: UnitOfWork, *, sender, vault, now: dt.datetime | None = None, limit: int = 100,
             retry: RetryPolicy = RetryPolicy(), rate: RateLimit = RateLimit(), org_id: int | None = None) -> dict:
    """Send the queued messages that are due, one commit each; returns counts by outcome.

    A failure worth retrying is tried again after an exponential backoff until ``retry.max_attempts``;
    a recipient who already got ``rate.per_window`` messages in the window waits for the window to pass.
    """
    s = uow.session
    now = now or utcnow()
    counts = {"sent": 0, "retry": 0, "failed": 0, "deferred": 0}
    for m in repo.due(s, now, limit, org_id):
        if repo.sent_since(s, m.org_id, m.phone_hash, now - dt.timedelta(seconds=rate.window_s)) >= rate.per_window:
            m.next_attempt_at = now + dt.timedelta(seconds=rate.window_s)
            counts["deferred"] += 1
            uow.commit()
            continue
        result = sender.send(phone=vault.decrypt(m.phone_encrypted), body=m.body, case_number=m.case_number)
        m.attempts += 1
        m.provider = sender.name
        if result.ok:
            m.status, m.provider_message_id, m.sent_at, m.last_error = "sent", result.provider_message_id, now, None
            m.body = scrub_pin(m.body)
            counts["sent"] += 1
        elif not result.retry or m.attempts >= retry.max_attempts:
            m.status, m.last_error = "failed", result.error
            m.body = scrub_pin(m.body)
            counts["failed"] += 1
        else:
            m.next_attempt_at = now + dt.timedelta(seconds=retry.delay_s(m.attempts))
            m.last_error = result.error
            counts["retry"] += 1
        uow.commit()
    return counts


def record_delivery(uow: UnitOfWork, *, org_id: int | None, report: DeliveryReport,
                    now: dt.datetime | None = None) -> bool:
    """Apply a provider's delivery report to its outbox message; False when no message has that id."""
    m = repo.outbox_by_provider_id(uow.session, org_id, report.provider, report.provider_message_id)
    if m is None:
        return False
    if m.status == "delivered" and report.status != "delivered":
        return True  # reports can arrive out of order: delivered is final
    m.status = report.status
    if report.status == "delivered":
        m.delivered_at = now or utcnow()
    if report.reason:
        m.last_error = report.reason[:300]
    uow.commit()
    return True


def org_language(settings, slug: str) -> str:
    """The organisation's fallback language (``sms_languages`` setting), else English."""
    return catalog().language((settings.sms_languages or {}).get(slug))


def make_sender(settings):
    """The sender ``settings.sms_sender`` names."""
    from minewatch.errors import ConfigError
    from minewatch.messaging import senders

    if settings.sms_sender == "log":
        return senders.LogSender()
    if settings.sms_sender == "twilio":
        if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from):
            raise ConfigError("sms_sender=twilio needs MINEWATCH_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM")
        return senders.TwilioSender(settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_from)
    if settings.sms_sender == "africastalking":
        if not (settings.at_username and settings.at_api_key):
            raise ConfigError("sms_sender=africastalking needs MINEWATCH_AT_USERNAME and MINEWATCH_AT_API_KEY")
        return senders.AfricasTalkingSender(settings.at_username, settings.at_api_key, settings.at_from)
    raise ConfigError(f"MINEWATCH_SMS_SENDER={settings.sms_sender!r}: expected log, twilio or africastalking")
