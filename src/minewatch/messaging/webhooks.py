"""Parse and authenticate the providers' webhooks (no database, no web framework: plain values in).

* Twilio inbound SMS: ``application/x-www-form-urlencoded`` with ``MessageSid``, ``AccountSid``,
  ``From``, ``To``, ``Body``, ``NumMedia``... and the ``X-Twilio-Signature`` header, checked with the
  ``twilio`` library's own ``RequestValidator`` over the full URL Twilio called and every POST
  parameter (reference/peers.md 7.1). Status callbacks carry ``MessageSid`` and ``MessageStatus``.
* Africa's Talking SMS: ``from``, ``to``, ``text``, ``date``, ``id``, ``linkId``, ``networkCode``; USSD:
  ``sessionId``, ``serviceCode``, ``phoneNumber``, ``text``, ``networkCode``; delivery reports: ``id``,
  ``status``, ``phoneNumber``, ``failureReason``... AT documents no signature: the URL carries a secret
  per-organisation token and an optional IP allow-list applies (peers.md 7.2).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from minewatch.messaging.errors import BadPayload, WebhookRejected


@dataclass(frozen=True)
class InboundSms:
    provider: str  # twilio | at
    provider_id: str
    phone: str  # E.164, in memory only: hashed before anything is stored
    to: str
    body: str


@dataclass(frozen=True)
class UssdRequest:
    provider: str
    session_id: str
    service_code: str
    phone: str
    text: str
    network_code: str | None = None


@dataclass(frozen=True)
class DeliveryReport:
    provider: str
    provider_message_id: str
    status: str  # sent | delivered | failed (our vocabulary)
    reason: str | None = None


def _need(form: Mapping[str, str], name: str, provider: str) -> str:
    value = form.get(name)
    if value is None or value == "":
        raise BadPayload(f"{provider} webhook: field '{name}' is missing")
    return value


def verify_twilio(auth_token: str | None, url: str, form: Mapping[str, str], signature: str | None) -> None:
    """Raise WebhookRejected unless ``signature`` is Twilio's for ``url`` and every field of ``form``."""
    from twilio.request_validator import RequestValidator

    if not auth_token:
        raise WebhookRejected("Twilio webhooks are not configured (no auth token)")
    if not signature:
        raise WebhookRejected("Twilio webhook without X-Twilio-Signature")
    if not RequestValidator(auth_token).validate(url, dict(form), signature):
        raise WebhookRejected("Twilio webhook signature does not match")


def parse_twilio_sms(form: Mapping[str, str]) -> InboundSms:
    return InboundSms("twilio", _need(form, "MessageSid", "Twilio"), _need(form, "From", "Twilio"),
                      form.get("To", ""), form.get("Body", ""))


# Twilio MessageStatus values -> ours (accepted/queued/sending are still on their way).
_TWILIO_STATUS = {"sent": "sent", "delivered": "delivered", "undelivered": "failed", "failed": "failed",
                  "read": "delivered"}


def parse_twilio_status(form: Mapping[str, str]) -> DeliveryReport | None:
    status = _TWILIO_STATUS.get(form.get("MessageStatus", "").lower())
    if status is None:
        return None
    return DeliveryReport("twilio", _need(form, "MessageSid", "Twilio"), status, form.get("ErrorCode") or None)


def check_at_token(expected: str | None, given: str) -> bool:
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


def check_ip(client_ip: str | None, allowed: list[str] | None) -> None:
    """Raise WebhookRejected when an allow-list is configured and ``client_ip`` is outside it."""
    if not allowed:
        return
    try:
        ip = ipaddress.ip_address(client_ip or "")
    except ValueError:
        raise WebhookRejected("webhook from an unknown address") from None
    if not any(ip in ipaddress.ip_network(net, strict=False) for net in allowed):
        raise WebhookRejected("webhook from an address outside the allow-list")


def parse_at_sms(form: Mapping[str, str]) -> InboundSms:
    return InboundSms("at", _need(form, "id", "Africa's Talking"), _need(form, "from", "Africa's Talking"),
                      form.get("to", ""), form.get("text", ""))


def parse_at_ussd(form: Mapping[str, str]) -> UssdRequest:
    return UssdRequest("at", _need(form, "sessionId", "Africa's Talking"), form.get("serviceCode", ""),
                       _need(form, "phoneNumber", "Africa's Talking"), form.get("text", "") or "",
                       form.get("networkCode"))


# AT SMS delivery report statuses -> ours (Sent, Submitted, Buffered stay "sent").
_AT_STATUS = {"success": "delivered", "sent": "sent", "submitted": "sent", "buffered": "sent",
              "rejected": "failed", "failed": "failed"}


def parse_at_delivery(form: Mapping[str, str]) -> DeliveryReport | None:
    status = _AT_STATUS.get(form.get("status", "").lower())
    if status is None:
        return None
    return DeliveryReport("at", _need(form, "id", "Africa's Talking"), status, form.get("failureReason") or None)


def twiml(message: str | None) -> str:
    """Twilio's reply document: the message, or an empty ``<Response/>`` (the outbox sends our answers)."""
    from xml.sax.saxutils import escape

    if not message:
        return '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(message)}</Message></Response>'
