"""Every query of messaging, scoped to one organisation (``org_id``: webhooks act for the organisation
their URL names; there is no logged-in user)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.accounts.orm import Organisation
from minewatch.messaging.orm import AlertOptOut, InboundMessage, OutboxMessage, UssdSession


def organisation_by_slug(s: Session, slug: str) -> Organisation | None:
    return s.scalars(sa.select(Organisation).where(Organisation.slug == slug)).one_or_none()


def inbound(s: Session, org_id: int, provider: str, provider_id: str) -> InboundMessage | None:
    return s.scalars(sa.select(InboundMessage).where(
        InboundMessage.org_id == org_id, InboundMessage.provider == provider,
        InboundMessage.provider_id == provider_id)).one_or_none()


def ussd_session(s: Session, org_id: int, provider: str, session_id: str) -> UssdSession | None:
    return s.scalars(sa.select(UssdSession).where(
        UssdSession.org_id == org_id, UssdSession.provider == provider,
        UssdSession.session_id == session_id)).one_or_none()


def outbox_by_key(s: Session, org_id: int, dedup_key: str) -> OutboxMessage | None:
    return s.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.org_id == org_id, OutboxMessage.dedup_key == dedup_key)).one_or_none()


def outbox_by_provider_id(s: Session, org_id: int | None, provider: str, provider_message_id: str) -> OutboxMessage | None:
    q = sa.select(OutboxMessage).where(OutboxMessage.provider == provider,
                                       OutboxMessage.provider_message_id == provider_message_id)
    if org_id is not None:
        q = q.where(OutboxMessage.org_id == org_id)
    return s.scalars(q).one_or_none()


def outbox(s: Session, org_id: int) -> list[OutboxMessage]:
    return list(s.scalars(sa.select(OutboxMessage).where(OutboxMessage.org_id == org_id).order_by(OutboxMessage.id)))


def due(s: Session, now: dt.datetime, limit: int, org_id: int | None = None) -> list[OutboxMessage]:
    q = (sa.select(OutboxMessage).where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
         .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if org_id is not None:
        q = q.where(OutboxMessage.org_id == org_id)
    return list(s.scalars(q))


def sent_since(s: Session, org_id: int, phone_hash: str, since: dt.datetime) -> int:
    return s.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.org_id == org_id, OutboxMessage.phone_hash == phone_hash,
        OutboxMessage.status.in_(("sent", "delivered")), OutboxMessage.sent_at >= since)) or 0


def opt_out(s: Session, org_id: int, phone_hash: str) -> AlertOptOut | None:
    return s.scalars(sa.select(AlertOptOut).where(AlertOptOut.org_id == org_id,
                                                  AlertOptOut.phone_hash == phone_hash)).one_or_none()
