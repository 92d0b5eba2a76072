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
    # Anonymous readers (OGC API, public pages) see the public fields of the sites of organisations
    # that chose to publish them (``minewatch publish sites``).
    publishes_sites: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # Anyone may read the organisation's grievance statistics (suppressed, no text, no identity) at
    # /public/SLUG/grievances (``minewatch publish grievances``): a choice of its own, apart from sites.
    publishes_grievances: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())


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
    # The user's interface language (en, fr, es, ...); None follows the browser.
    language: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebSession(Base):
    """A browser session: the cookie holds a random token, the table only its SHA-256.

    Volatile (``info["volatile"]``): left out of backups; logging out or an expiry deletes the row.
    """

    __tablename__ = "web_sessions"
    __table_args__ = {"info": {"volatile": True}}

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class ApiToken(Base):
    """A token for scripts and GIS clients (``Authorization: Bearer``); only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """A failed login, for rate limiting by account and by client address (volatile, pruned)."""

    __tablename__ = "login_failures"
    __table_args__ = {"info": {"volatile": True}}

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
