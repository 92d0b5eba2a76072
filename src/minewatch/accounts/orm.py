"""Tables of organisations, roles and users."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base, UTCDateTime, utcnow


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Role(Base):
    """Reference table of roles; seeded by the first migration."""

    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    description: Mapped[str] = mapped_column(sa.String(200))


class User(Base):
    __tablename__ = "users"
    __table_args__ = (sa.UniqueConstraint("org_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.ForeignKey("roles.name"))
    password_hash: Mapped[str | None] = mapped_column(sa.String(300))
    must_change_password: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
