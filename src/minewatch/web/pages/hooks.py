"""Providers' webhooks (issue 7 part 3): Twilio and Africa's Talking SMS, USSD and delivery reports.

Not behind login or CSRF (``web.deps.check_csrf`` exempts ``/hooks/``): a provider has no session.
Each route authenticates the provider instead and names the organisation in its URL:

* ``/hooks/twilio/{org_slug}/...``: ``X-Twilio-Signature`` over the URL and every form field, checked
  with the ``twilio`` library's ``RequestValidator`` and ``MINEWATCH_TWILIO_AUTH_TOKEN``; an unknown
  slug is 404, a missing or wrong signature 403 (logged, without the phone number).
* ``/hooks/at/{org_token}/...``: the secret token ``MINEWATCH_AT_WEBHOOK_TOKENS`` gives the organisation
  (unknown token: 404), and the optional allow-list ``MINEWATCH_AT_ALLOWED_IPS`` (outside it: 403).

The URL Twilio signed is the one it called: behind a reverse proxy, run uvicorn with
``--proxy-headers`` so that the scheme and host seen here are the public ones (peers.md 7.1, error 57012).
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response

from minewatch.adapters.db import UnitOfWork
from minewatch.messaging import service, webhooks
from minewatch.messaging.errors import UnknownWebhook, WebhookRejected
from minewatch.messaging.repository import organisation_by_slug
from minewatch.web.deps import get_app, get_uow

router = APIRouter(include_in_schema=False)
log = logging.getLogger("minewatch.web.hooks")


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


def _org(uow: UnitOfWork, slug: str):
    org = organisation_by_slug(uow.session, slug)
    if org is None:
        raise UnknownWebhook()
    return org


async def _twilio(request: Request, uow: UnitOfWork, org_slug: str) -> tuple[object, dict]:
    org = _org(uow, org_slug)
    form = await _form(request)
    settings = get_app(request).settings
    try:
        webhooks.verify_twilio(settings.twilio_auth_token, str(request.url), form,
                               request.headers.get("x-twilio-signature"))
    except WebhookRejected as e:
        log.warning("twilio webhook refused for %s from %s: %s", org.slug,
                    request.client.host if request.client else "?", e.message)
        raise
    return org, form


def _at_org(request: Request, uow: UnitOfWork, token: str):
    settings = get_app(request).settings
    slug = next((s for s, t in (settings.at_webhook_tokens or {}).items()
                 if t and hmac.compare_digest(t.encode(), token.encode())), None)
    if slug is None:
        log.warning("africa's talking webhook with an unknown token from %s",
                    request.client.host if request.client else "?")
        raise UnknownWebhook()
    try:
        webhooks.check_ip(request.client.host if request.client else None, settings.at_allowed_ips)
    except WebhookRejected as e:
        log.warning("africa's talking webhook refused for %s: %s", slug, e.message)
        raise
    return _org(uow, slug)


@router.post("/hooks/twilio/{org_slug}/sms")
async def twilio_sms(request: Request, org_slug: str, uow: UnitOfWork = Depends(get_uow)):
    org, form = await _twilio(request, uow, org_slug)
    mw = get_app(request)
    service.handle_sms(uow, org_id=org.id, msg=webhooks.parse_twilio_sms(form), vault=mw.vault,
                       language=service.org_language(mw.settings, org.slug))
    # The answer leaves through the outbox (retries, rate limit, delivery status): no TwiML message here.
    return Response(webhooks.twiml(None), media_type="text/xml")


@router.post("/hooks/twilio/{org_slug}/status")
async def twilio_status(request: Request, org_slug: str, uow: UnitOfWork = Depends(get_uow)):
    org, form = await _twilio(request, uow, org_slug)
    report = webhooks.parse_twilio_status(form)
    if report is not None:
        service.record_delivery(uow, org_id=org.id, report=report)
    return Response(status_code=204)


@router.post("/hooks/at/{org_token}/sms")
async def at_sms(request: Request, org_token: str, uow: UnitOfWork = Depends(get_uow)):
    org = _at_org(request, uow, org_token)
    form = await _form(request)
    mw = get_app(request)
    service.handle_sms(uow, org_id=org.id, msg=webhooks.parse_at_sms(form), vault=mw.vault,
                       language=service.org_language(mw.settings, org.slug))
    return PlainTextResponse("")


@router.post("/hooks/at/{org_token}/ussd")
async def at_ussd(request: Request, org_token: str, uow: UnitOfWork = Depends(get_uow)):
    org = _at_org(request, uow, org_token)
    form = await _form(request)
    mw = get_app(request)
    body = service.handle_ussd(uow, org_id=org.id, req=webhooks.parse_at_ussd(form), vault=mw.vault,
                               language=service.org_language(mw.settings, org.slug))
    return PlainTextResponse(body)


@router.post("/hooks/at/{org_token}/delivery")
async def at_delivery(request: Request, org_token: str, uow: UnitOfWork = Depends(get_uow)):
    org = _at_org(request, uow, org_token)
    report = webhooks.parse_at_delivery(await _form(request))
    if report is not None:
        service.record_delivery(uow, org_id=org.id, report=report)
    return PlainTextResponse("")
