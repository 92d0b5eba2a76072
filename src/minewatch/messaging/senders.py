"""Send an outbox message: a small interface and three adapters.

``LogSender`` (the demo) only logs the case number and a masked phone. ``TwilioSender`` and
``AfricasTalkingSender`` build the HTTP requests the providers document and hand them to an injected
``transport`` (a callable taking a :class:`HttpRequest`, returning ``(status, json)``), so tests check
the exact request without calling anybody:

* Twilio Messages API: ``POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json``,
  HTTP Basic auth (AccountSid, AuthToken), form fields ``To``, ``From`` (or ``MessagingServiceSid``),
  ``Body``, ``StatusCallback``; the answer's ``sid`` identifies the message.
* Africa's Talking SMS: ``POST https://api.africastalking.com/version1/messaging`` (sandbox:
  ``api.sandbox.africastalking.com``), headers ``apiKey`` and ``Accept: application/json``, form fields
  ``username``, ``to``, ``message``, ``from``; the answer's ``SMSMessageData.Recipients[0].messageId``.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from minewatch.messaging.model import mask_phone

log = logging.getLogger("minewatch.messaging")


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: str  # application/x-www-form-urlencoded


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_message_id: str | None = None
    error: str | None = None
    retry: bool = True  # a failure worth retrying (network, 5xx, 429)


Transport = Callable[[HttpRequest], tuple[int, dict]]


def httpx_transport(request: HttpRequest) -> tuple[int, dict]:  # pragma: no cover - the real network
    import httpx

    r = httpx.request(request.method, request.url, headers=request.headers, content=request.body, timeout=20)
    try:
        return r.status_code, r.json()
    except ValueError:
        return r.status_code, {}


class Sender:
    name = "sender"

    def send(self, *, phone: str, body: str, case_number: str | None) -> SendResult:
        raise NotImplementedError


class LogSender(Sender):
    """The demo sender: logs that a message left, with a masked phone and the case number only."""

    name = "log"

    def __init__(self):
        self.count = 0

    def send(self, *, phone: str, body: str, case_number: str | None) -> SendResult:
        self.count += 1
        log.info("sms to %s (case %s): %d characters", mask_phone(phone), case_number or "-", len(body))
        return SendResult(True, f"log-{self.count}")


def _result(status: int, retry_reason: str) -> SendResult:
    return SendResult(False, error=f"HTTP {status}: {retry_reason}"[:300], retry=status >= 500 or status == 429)


@dataclass
class TwilioSender(Sender):
    account_sid: str
    auth_token: str
    from_: str  # a number or a MessagingServiceSid (MG...)
    status_callback: str | None = None
    transport: Transport = field(default=httpx_transport)
    name = "twilio"

    def request(self, *, phone: str, body: str) -> HttpRequest:
        fields = {"To": phone, "Body": body}
        fields["MessagingServiceSid" if self.from_.startswith("MG") else "From"] = self.from_
        if self.status_callback:
            fields["StatusCallback"] = self.status_callback
        basic = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return HttpRequest("POST", f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}/Messages.json",
                           {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded",
                            "Accept": "application/json"}, urlencode(fields))

    def send(self, *, phone: str, body: str, case_number: str | None) -> SendResult:
        try:
            status, data = self.transport(self.request(phone=phone, body=body))
        except OSError as e:
            return SendResult(False, error=f"network: {type(e).__name__}")
        if status in (200, 201) and data.get("sid"):
            return SendResult(True, data["sid"])
        return _result(status, str(data.get("message") or data.get("code") or ""))


@dataclass
class AfricasTalkingSender(Sender):
    username: str
    api_key: str
    from_: str | None = None  # a shortcode or alphanumeric sender id
    sandbox: bool = False
    transport: Transport = field(default=httpx_transport)
    name = "at"

    def request(self, *, phone: str, body: str) -> HttpRequest:
        fields = {"username": self.username, "to": phone, "message": body}
        if self.from_:
            fields["from"] = self.from_
        host = "api.sandbox.africastalking.com" if self.sandbox else "api.africastalking.com"
        return HttpRequest("POST", f"https://{host}/version1/messaging",
                           {"apiKey": self.api_key, "Accept": "application/json",
                            "Content-Type": "application/x-www-form-urlencoded"}, urlencode(fields))

    def send(self, *, phone: str, body: str, case_number: str | None) -> SendResult:
        try:
            status, data = self.transport(self.request(phone=phone, body=body))
        except OSError as e:
            return SendResult(False, error=f"network: {type(e).__name__}")
        recipients = (data.get("SMSMessageData") or {}).get("Recipients") or []
        if status in (200, 201) and recipients and recipients[0].get("messageId") not in (None, "None"):
            return SendResult(True, recipients[0]["messageId"])
        reason = recipients[0].get("status") if recipients else (data.get("SMSMessageData") or {}).get("Message", "")
        return _result(status if status >= 400 else 500, str(reason))
