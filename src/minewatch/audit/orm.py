"""Audit events (append-only, hash-chained per organisation) and the chain heads."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "seq"),
        sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(sa.Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(sa.Integer)
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(20))
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[str] = mapped_column(sa.String(64))
    before_digest: Mapped[str | None] = mapped_column(sa.String(64))
    after_digest: Mapped[str | None] = mapped_column(sa.String(64))
    context: Mapped[str | None] = mapped_column(sa.String(200))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AuditHead(Base):
    """The last link of each organisation's chain; locked while appending."""

    __tablename__ = "audit_heads"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer, default=0)
    hash: Mapped[str] = mapped_column(sa.String(64))
