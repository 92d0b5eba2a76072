"""Tables of grievances: the report and its case (one row), its later entries, escalations and PIN checks.

The reporter's phone is never stored in clear: ``phone_hash`` is the vault's keyed HMAC (lookup) and
``phone_encrypted`` an AES-GCM copy kept only when the reporter agreed to replies. The PIN is stored as an
argon2id hash.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base, UTCDateTime, utcnow
from minewatch.adapters.orm_common import OrgOwned


class Grievance(OrgOwned, Base):
    __tablename__ = "grievances"
    __table_args__ = (sa.UniqueConstraint("org_id", "case_number"),
                      sa.UniqueConstraint("org_id", "channel", "external_id"),
                      sa.Index("ix_grievances_org_stage", "org_id", "stage"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(sa.String(12))
    channel: Mapped[str] = mapped_column(sa.String(20))
    external_id: Mapped[str | None] = mapped_column(sa.String(128))  # provider message / USSD session id
    category: Mapped[str] = mapped_column(sa.String(40))
    annex_ii: Mapped[str | None] = mapped_column(sa.String(60))
    serious: Mapped[bool] = mapped_column(sa.Boolean)
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id", ondelete="SET NULL"))
    site_source: Mapped[str] = mapped_column(sa.String(20))  # chosen | code_in_text | name_in_text | not_inferred
    language: Mapped[str] = mapped_column(sa.String(8))
    text: Mapped[str] = mapped_column(sa.Text)
    anonymous: Mapped[bool] = mapped_column(sa.Boolean)
    phone_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    phone_encrypted: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    consent_replies: Mapped[bool] = mapped_column(sa.Boolean)
    pin_hash: Mapped[str] = mapped_column(sa.String(200))
    stage: Mapped[str] = mapped_column(sa.String(20))
    stage_since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    public_answer: Mapped[str | None] = mapped_column(sa.Text)
    child_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("child_cases.id", ondelete="SET NULL"))
    child_case_link: Mapped[str | None] = mapped_column(sa.String(20))  # pending_case | joined | opened
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GrievanceEntry(OrgOwned, Base):
    """Information the reporter added later (by case number and PIN)."""

    __tablename__ = "grievance_entries"
    __table_args__ = (sa.UniqueConstraint("org_id", "channel", "external_id"),
                      sa.Index("ix_grievance_entries_grievance", "grievance_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    grievance_id: Mapped[int] = mapped_column(sa.ForeignKey("grievances.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(20))
    external_id: Mapped[str | None] = mapped_column(sa.String(128))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GrievanceEscalation(OrgOwned, Base):
    """A serious report raised to a named role at receipt; open until someone with the role acknowledges it."""

    __tablename__ = "grievance_escalations"
    __table_args__ = (sa.UniqueConstraint("grievance_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grievance_id: Mapped[int] = mapped_column(sa.ForeignKey("grievances.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(sa.String(40))
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class GrievancePinCheck(OrgOwned, Base):
    """One status or add-information attempt with a PIN (for the per-case rate limit)."""

    __tablename__ = "grievance_pin_checks"
    __table_args__ = (sa.Index("ix_grievance_pin_checks_case_time", "grievance_id", "checked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grievance_id: Mapped[int] = mapped_column(sa.ForeignKey("grievances.id", ondelete="CASCADE"))
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(sa.Boolean)
