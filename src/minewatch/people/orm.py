"""Tables of people, memberships and assignments.

A phone number is never stored in clear: ``phone_hash`` is a keyed HMAC for lookup and
``phone_encrypted`` an AES-GCM ciphertext for sending messages.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base, UTCDateTime
from minewatch.adapters.orm_common import OrgOwned, Tracked


class Person(OrgOwned, Tracked, Base):
    __tablename__ = "people"
    __table_args__ = (sa.UniqueConstraint("org_id", "external_id"), sa.Index("ix_people_org_id_id", "org_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(120))
    full_name: Mapped[str | None] = mapped_column(sa.String(200))
    sex: Mapped[str | None] = mapped_column(sa.String(10))
    date_of_birth: Mapped[dt.date | None] = mapped_column(sa.Date)
    birth_year: Mapped[int | None] = mapped_column(sa.Integer)
    # exact (date known) | year (year known) | estimated (year +/- a few years)
    birth_precision: Mapped[str | None] = mapped_column(sa.String(12))
    preferred_language: Mapped[str | None] = mapped_column(sa.String(12))
    phone_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    phone_encrypted: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    id_document_type: Mapped[str | None] = mapped_column(sa.String(40))
    id_document_encrypted: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    consent_data: Mapped[bool | None] = mapped_column(sa.Boolean)
    consent_data_at: Mapped[dt.date | None] = mapped_column(sa.Date)
    consent_alerts: Mapped[bool | None] = mapped_column(sa.Boolean)
    consent_alerts_at: Mapped[dt.date | None] = mapped_column(sa.Date)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Membership(OrgOwned, Tracked, Base):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("org_id", "person_id", "cooperative_id", "role", "valid_from"),
                      sa.Index("ix_memberships_org_id_id", "org_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(30))
    role_raw: Mapped[str | None] = mapped_column(sa.String(120))
    valid_from: Mapped[dt.date | None] = mapped_column(sa.Date)
    valid_to: Mapped[dt.date | None] = mapped_column(sa.Date)


class Assignment(OrgOwned, Tracked, Base):
    __tablename__ = "assignments"
    __table_args__ = (sa.UniqueConstraint("org_id", "person_id", "site_id", "task", "valid_from"),
                      sa.Index("ix_assignments_org_id_id", "org_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    task: Mapped[str] = mapped_column(sa.String(30))
    task_raw: Mapped[str | None] = mapped_column(sa.String(120))
    hours_per_week: Mapped[float | None] = mapped_column(sa.Float)
    valid_from: Mapped[dt.date | None] = mapped_column(sa.Date)
    valid_to: Mapped[dt.date | None] = mapped_column(sa.Date)
