"""The providers' webhooks over HTTP (issue 7 part 3 and its acceptance).

* Payloads are the providers' documented ones, form-encoded (``application/x-www-form-urlencoded``):
  Twilio's inbound message fields (MessageSid, AccountSid, From, To, Body, NumMedia, NumSegments,
  ApiVersion, geo fields) and status callback (MessageSid, MessageStatus); Africa's Talking's SMS
  callback (from, to, text, date, id, linkId, networkCode), USSD callback (sessionId, serviceCode,
  phoneNumber, networkCode, text) and delivery report (id, status, phoneNumber, networkCode,
  failureReason, retryCount). Source: reference/peers.md sections 7.1 and 7.2.
* Twilio requests are signed with the twilio library's own ``RequestValidator.compute_signature``;
  a tampered body, a tampered or missing signature is refused (403) and logged without the phone.
* Acceptance: "After a full USSD session and an SMS report, no test can find the reporter's phone
  number in clear in the database file, the logs, any page or any export (a test greps them all)."
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from tests.web.test_cross_tenant import (  # noqa: F401  (tenants is a fixture)
    Caller,
    endpoints,
    fill,
    ogc_collections,
    path_cases,
    tenants,
)

TOKEN = "12345678901234567890123456789012"  # a Twilio auth token (32 hex characters), test only
AT_TOKEN = "at-secret-8c1f5e0b"
PHONE = "+254712345689"
# The forms a phone number takes: E.164, without +, national with trunk 0, subscriber number.
PHONE_FORMS = ("+254712345689", "254712345689", "0712345689", "712345689")
FORM = {"content-type": "application/x-www-form-urlencoded"}


def twilio_sms_payload(body: str, sid: str = "SM" + "1" * 32, phone: str = PHONE) -> dict[str, str]:
    """An inbound message webhook as Twilio documents it (peers.md 7.1)."""
    return {"ToCountry": "KE", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "", "FromZip": "",
            "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": body,
            "FromCountry": "KE", "To": "+15005550006", "ToZip": "", "NumSegments": "1", "MessageSid": sid,
            "AccountSid": "AC" + "0" * 32, "From": phone, "ApiVersion": "2010-04-01"}


def signed(url: str, params: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    return {**FORM, "X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


@pytest.fixture
def hooks(web):
    s = web.app.settings
    s.twilio_auth_token = TOKEN
    s.at_webhook_tokens = {"alpha": AT_TOKEN}
    s.sms_languages = {"alpha": "en"}
    return web


def _client(web):
    return web.client()


def _grievances(app) -> int:
    from minewatch.grievances.orm import Grievance

    with app.uow() as uow:
        return uow.session.scalar(sa.select(sa.func.count()).select_from(Grievance))


def _outbox(app) -> list[tuple[str, str, str | None]]:
    from minewatch.messaging.orm import OutboxMessage

    with app.uow() as uow:
        return [(m.kind, m.status, m.provider_message_id)
                for m in uow.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))]


def post_twilio(client, path: str, params: dict[str, str], **headers):
    url = "http://testserver" + path
    return client.post(path, content=urlencode(params), headers={**signed(url, params), **headers})


def test_a_signed_twilio_sms_is_accepted_three_times_and_makes_one_report_and_one_ack(hooks):
    client = _client(hooks)
    params = twilio_sms_payload("REPORT pollution the river is grey below the mill")
    for _ in range(3):  # Twilio retries a webhook it thinks failed: the same MessageSid each time
        r = post_twilio(client, "/hooks/twilio/alpha/sms", params)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/xml")
        assert r.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    assert _grievances(hooks.app) == 1
    assert _outbox(hooks.app) == [("ack", "queued", None)]


@pytest.mark.parametrize("tamper", ["body", "signature", "missing", "other_token", "other_url"])
def test_a_tampered_or_unsigned_twilio_request_is_refused_and_logged_without_the_phone(hooks, tamper, caplog):
    caplog.set_level(logging.DEBUG)
    client = _client(hooks)
    path = "/hooks/twilio/alpha/sms"
    params = twilio_sms_payload("REPORT child labour at pit 2")
    headers = signed("http://testserver" + path, params)
    if tamper == "body":
        params = {**params, "Body": "REPORT nothing happened"}
    elif tamper == "signature":
        headers["X-Twilio-Signature"] = headers["X-Twilio-Signature"][:-2] + "AA"
    elif tamper == "missing":
        del headers["X-Twilio-Signature"]
    elif tamper == "other_token":
        headers = signed("http://testserver" + path, params, token="f" * 32)
    else:  # signed for another organisation's URL
        headers = signed("http://testserver/hooks/twilio/beta/sms", params)
    r = client.post(path, content=urlencode(params), headers=headers)
    assert r.status_code == 403
    assert _grievances(hooks.app) == 0 and _outbox(hooks.app) == []
    refusals = [rec.getMessage() for rec in caplog.records if "twilio webhook refused" in rec.getMessage()]
    assert refusals and all(form not in m for m in refusals for form in PHONE_FORMS)


def test_twilio_unknown_organisation_is_404_and_no_token_configured_is_refused(hooks):
    client = _client(hooks)
    params = twilio_sms_payload("REPORT x")
    assert post_twilio(client, "/hooks/twilio/nobody/sms", params).status_code == 404
    hooks.app.settings.twilio_auth_token = None
    assert post_twilio(client, "/hooks/twilio/alpha/sms", params).status_code == 403


def test_twilio_status_callback_marks_the_acknowledgement_delivered(hooks):
    from minewatch.messaging.service import send_due

    client = _client(hooks)
    post_twilio(client, "/hooks/twilio/alpha/sms", twilio_sms_payload("REPORT land conflict at the river"))

    class Fake:
        name = "twilio"

        def send(self, *, phone, body, case_number):
            from minewatch.messaging.senders import SendResult
            return SendResult(True, "SM" + "9" * 32)

    with hooks.app.uow() as uow:
        assert send_due(uow, sender=Fake(), vault=hooks.app.vault)["sent"] == 1
    status = {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32,
              "From": "+15005550006", "To": PHONE, "ApiVersion": "2010-04-01", "SmsSid": "SM" + "9" * 32,
              "SmsStatus": "delivered"}
    assert post_twilio(client, "/hooks/twilio/alpha/status", status).status_code == 204
    assert _outbox(hooks.app) == [("ack", "delivered", "SM" + "9" * 32)]


def at_sms_payload(text: str, msg_id: str = "ATXid_9e0b7a6ee8b0", phone: str = PHONE) -> dict[str, str]:
    """Africa's Talking incoming SMS callback (peers.md 7.2)."""
    return {"from": phone, "to": "40123", "text": text, "date": "2026-11-27 08:00:00", "id": msg_id,
            "linkId": "SampleLinkId123", "networkCode": "63902"}


def at_ussd_payload(text: str, session: str = "ATUid_1f8e", phone: str = PHONE) -> dict[str, str]:
    """Africa's Talking USSD callback: ``text`` is every input so far joined by ``*`` (peers.md 7.2)."""
    return {"sessionId": session, "serviceCode": "*384*123#", "phoneNumber": phone, "networkCode": "63902",
            "text": text}


def test_africas_talking_sms_and_its_wrong_token_and_ip_allow_list(hooks):
    client = _client(hooks)
    body = urlencode(at_sms_payload("REPORT violence armed men tax the pit"))
    for _ in range(3):
        r = client.post(f"/hooks/at/{AT_TOKEN}/sms", content=body, headers=FORM)
        assert r.status_code == 200
    assert _grievances(hooks.app) == 1 and len(_outbox(hooks.app)) == 1
    assert client.post("/hooks/at/not-the-token/sms", content=body, headers=FORM).status_code == 404
    assert client.post("/hooks/at/not-the-token/ussd", content=urlencode(at_ussd_payload("")),
                       headers=FORM).status_code == 404
    hooks.app.settings.at_allowed_ips = ["196.201.214.0/24"]  # the TestClient calls from "testclient"
    assert client.post(f"/hooks/at/{AT_TOKEN}/sms", content=body, headers=FORM).status_code == 403


def test_africas_talking_ussd_session_con_end_as_plain_text_and_delivery_report(hooks):
    client = _client(hooks)

    def step(text, session="ATUid_1f8e"):
        r = client.post(f"/hooks/at/{AT_TOKEN}/ussd", content=urlencode(at_ussd_payload(text, session)), headers=FORM)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        return r.text

    assert step("").startswith("CON Miners' voice")
    assert step("1*2*0*man injured at shaft 4*1").startswith("END Thank you. Case ")
    assert step("1*2*0*man injured at shaft 4*1").startswith("END Thank you. Case ")  # redelivered
    assert _grievances(hooks.app) == 1 and len(_outbox(hooks.app)) == 1
    from minewatch.messaging.service import send_due
    from minewatch.messaging.senders import SendResult

    class Fake:
        name = "at"

        def send(self, *, phone, body, case_number):
            return SendResult(True, "ATXid_out_1")

    with hooks.app.uow() as uow:
        send_due(uow, sender=Fake(), vault=hooks.app.vault)
    report = {"id": "ATXid_out_1", "status": "Success", "phoneNumber": PHONE, "networkCode": "63902",
              "retryCount": "0"}
    assert client.post(f"/hooks/at/{AT_TOKEN}/delivery", content=urlencode(report), headers=FORM).status_code == 200
    assert _outbox(hooks.app) == [("ack", "delivered", "ATXid_out_1")]


# --- The phone number is nowhere in clear -------------------------------------------------------------
def _database_bytes(app) -> bytes:
    """The SQLite file (after a WAL checkpoint), or on PostgreSQL every row of every table as text."""
    from minewatch.adapters.orm_all import metadata

    if app.engine.dialect.name == "sqlite":
        with app.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        from pathlib import Path

        path = Path(app.engine.url.database)
        return b"".join(p.read_bytes() for p in (path, Path(str(path) + "-wal")) if p.exists())
    out = []
    with app.engine.connect() as conn:
        for table in metadata.sorted_tables:
            out += [str(row).encode() for row in conn.execute(sa.select(table))]
    return b"\n".join(out)


def _found(data: bytes) -> list[str]:
    return [f for f in PHONE_FORMS if f.encode() in data or f.encode("utf-16-le") in data]


def test_after_a_ussd_session_and_an_sms_report_the_phone_is_nowhere_in_clear(hooks, tenants, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    client = _client(hooks)
    for text in ("", "1", "1*4", "1*4*0", "1*4*0*grey water from the mill", "1*4*0*grey water from the mill*1"):
        client.post(f"/hooks/at/{AT_TOKEN}/ussd", content=urlencode(at_ussd_payload(text)), headers=FORM)
    r = post_twilio(client, "/hooks/twilio/alpha/sms", twilio_sms_payload("REPORT child labour two boys at pit 7"))
    assert r.status_code == 200
    client.post(f"/hooks/at/{AT_TOKEN}/sms", content=urlencode(at_sms_payload("STOP", "ATXid_stop")), headers=FORM)
    assert _grievances(hooks.app) == 2 + 2  # + one web report per organisation (test_cross_tenant.seed, no phone)
    from minewatch.messaging.senders import LogSender
    from minewatch.messaging.service import send_due

    with hooks.app.uow() as uow:
        assert send_due(uow, sender=LogSender(), vault=hooks.app.vault)["sent"] == 3
    # Positive control: the phone IS stored, hashed, and the log names it masked.
    with hooks.app.uow() as uow:
        from minewatch.grievances.orm import Grievance

        hashes = set(uow.session.scalars(sa.select(Grievance.phone_hash).where(Grievance.phone_hash.is_not(None))))
    assert hashes == {hooks.app.vault.lookup_hash(PHONE)}
    assert any("+254******89" in rec.getMessage() for rec in caplog.records)

    leaks = []
    db = _database_bytes(hooks.app)
    assert hooks.app.vault.lookup_hash(PHONE).encode() in db  # the scan reads the real data (positive control)
    if found := _found(db):
        leaks.append(f"database: {found}")
    logs = "\n".join(f"{rec.getMessage()} {rec.args!r} {rec.exc_text or ''}" for rec in caplog.records)
    if found := _found(logs.encode()):
        leaks.append(f"logs: {found}")
    for log_file in hooks.app.settings.home.rglob("*.log"):
        if found := _found(log_file.read_bytes()):
            leaks.append(f"{log_file}: {found}")

    # Every GET page and API route, as alpha's admin and child-protection officer (who see the most); alpha
    # publishes, so that its public grievance page and exports (/public/alpha/grievances...) are scanned too.
    from minewatch.sites.publication import publish_grievances
    from minewatch.web.app import create_app

    with hooks.app.uow() as uow:
        publish_grievances(uow, actor=hooks.actors["alpha"], publish=True)

    api = create_app(hooks.app)
    alpha, _ = tenants
    caller = Caller(hooks, api, "alpha")
    found_routes = [e for e in endpoints(api) if e.kind != "static" and "GET" in e.methods]
    collections = ogc_collections(caller, found_routes)
    pages = public = 0
    for endpoint in found_routes:
        for values, _ in path_cases(endpoint, alpha, collections):
            path = fill(endpoint, values)
            for role in ("admin", "child_protection_officer"):
                resp = caller.request(endpoint, "GET", path, role)
                pages += 1
                if found := _found(resp.content):
                    leaks.append(f"GET {path} as {role}: {found}")
                if path.startswith("/public/alpha/grievances"):
                    assert resp.status_code == 200, path  # the scan reads the published figures
                    public += 1
    assert pages > 50 and public == 6  # page, CSV, GeoJSON, as each of the two roles

    # The exports: every registry export, and every export route the grievances feature offers.
    from minewatch.registry.export import FORMATS, KINDS, export

    for kind in KINDS:
        for fmt in FORMATS:
            out = tmp_path / f"export-{kind}.{fmt}"
            with hooks.app.uow() as uow:
                export(uow, actor=hooks.actors["alpha"], kind=kind, fmt=fmt, out_path=out)
            if found := _found(out.read_bytes()):
                leaks.append(f"export {out.name}: {found}")
    assert not leaks, leaks


def test_the_scan_would_see_a_phone_in_any_of_its_forms():
    """Negative control of the grep: each form of the number, in UTF-8 or UTF-16, is found."""
    assert _found(b"call 0712345689 now") == ["0712345689", "712345689"]
    assert _found("+254712345689".encode("utf-16-le")) == list(PHONE_FORMS[:2]) + ["712345689"]
    assert _found(b"+254******89") == []
