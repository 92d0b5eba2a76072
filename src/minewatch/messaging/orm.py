"""Tables of messaging: inbound log (idempotency), USSD sessions, the outbox, alert opt-outs.

A phone number is never stored in clear: ``phone_hash`` is the Vault's keyed HMAC (lookup) and
``phone_encrypted`` its AES-GCM copy, kept only on outbox rows (the sender must decrypt it).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base, UTCDateTime, utcnow
from minewatch.adapters.orm_common import OrgOwned


class InboundMessage(OrgOwned, Base):
    """One provider delivery (SMS or USSD step), keyed by the provider's id: a retry finds it and stops."""

    __tablename__ = "messaging_inbound"
    __table_args__ = (sa.UniqueConstraint("org_id", "provider", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(16))  # twilio | at
    provider_id: Mapped[str] = mapped_column(sa.String(120))  # MessageSid, AT id, or sessionId:text digest
    channel: Mapped[str] = mapped_column(sa.String(8))  # sms | ussd
    phone_hash: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(16))  # report | status | stop | start | help
    case_number: Mapped[str | None] = mapped_column(sa.String(40))
    reply: Mapped[str | None] = mapped_column(sa.Text)  # the answer given (no phone in it)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class UssdSession(OrgOwned, Base):
    __tablename__ = "messaging_ussd_sessions"
    __table_args__ = (sa.UniqueConstraint("org_id", "provider", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(16))
    session_id: Mapped[str] = mapped_column(sa.String(120))
    phone_hash: Mapped[str] = mapped_column(sa.String(64))
    language: Mapped[str] = mapped_column(sa.String(8))
    steps: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_response: Mapped[str | None] = mapped_column(sa.Text)
    action_text: Mapped[str | None] = mapped_column(sa.String(400))  # keyed digest of the inputs that ran the action
    case_number: Mapped[str | None] = mapped_column(sa.String(40))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(OrgOwned, Base):
    """A message to send: queued -> sent -> delivered, or failed after the last attempt."""

    __tablename__ = "messaging_outbox"
    __table_args__ = (sa.UniqueConstraint("org_id", "dedup_key"),
                      sa.Index("ix_messaging_outbox_status_next", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(sa.String(160))  # e.g. ack:twilio:SM... (one message per cause)
    kind: Mapped[str] = mapped_column(sa.String(16))  # ack | reply | alert
    phone_hash: Mapped[str] = mapped_column(sa.String(64))
    phone_encrypted: Mapped[bytes] = mapped_column(sa.LargeBinary)
    body: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(8))
    case_number: Mapped[str | None] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(12), default="queued")  # queued|sent|failed|delivered
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    provider: Mapped[str | None] = mapped_column(sa.String(16))
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AlertOptOut(OrgOwned, Base):
    """A phone (hash) that sent STOP or chose "alerts off": no alert is queued for it."""

    __tablename__ = "messaging_alert_optouts"
    __table_args__ = (sa.UniqueConstraint("org_id", "phone_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(sa.String(64))
    opted_out_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
