"""Tables of alerts: one alert (what, where, by whom) and one recipient row per person it went to.

No phone number is stored here, not even hashed: the outbox row a recipient points to holds the
keyed hash and the ciphertext (messaging/orm.py).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base, UTCDateTime, utcnow
from minewatch.adapters.orm_common import OrgOwned


class Alert(OrgOwned, Base):
    """An alert sent to the people assigned at some sites on one date; ``request_key`` makes a retry find it."""

    __tablename__ = "alerts"
    __table_args__ = (sa.UniqueConstraint("org_id", "request_key"), sa.Index("ix_alerts_org_id_id", "org_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_key: Mapped[str] = mapped_column(sa.String(80))  # given by the caller, or a digest of the request
    kind: Mapped[str] = mapped_column(sa.String(24))  # alerts.model.KINDS
    template: Mapped[str | None] = mapped_column(sa.String(40))  # templates.yaml key; None for the caller's text
    texts: Mapped[dict] = mapped_column(sa.JSON)  # {language: text sent}
    segments: Mapped[dict] = mapped_column(sa.JSON)  # {language: SMS segments}
    params: Mapped[dict] = mapped_column(sa.JSON)
    site_codes: Mapped[list] = mapped_column(sa.JSON)
    on_date: Mapped[dt.date] = mapped_column(sa.Date)  # the date assignments are read at
    skipped: Mapped[dict] = mapped_column(sa.JSON)  # {"no_phone": n, "no_consent": n, "opted_out": n}
    created_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_by_email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertRecipient(OrgOwned, Base):
    """One person an alert was queued for; ``status`` mirrors the outbox message (queued|sent|delivered|failed)."""

    __tablename__ = "alert_recipients"
    __table_args__ = (sa.UniqueConstraint("alert_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(sa.String(8))
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messaging_outbox.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(12), default="queued")


class RainAlert(OrgOwned, Base):
    """A rainfall watch or warning raised for one site in one period (issue 8), with its reason as data.

    At most one row per site, period and level (the unique constraint): ``rain check`` run again in the
    same period finds it and raises nothing; the alert sent is ``alert_id`` (its key ``rain:<site>:<period>:<level>``).
    """

    __tablename__ = "rain_alerts"
    __table_args__ = (sa.UniqueConstraint("org_id", "site_id", "period_start", "level"),
                      sa.Index("ix_rain_alerts_org_id_id", "org_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    level: Mapped[str] = mapped_column(sa.String(8))  # watch | warning
    threshold: Mapped[str | None] = mapped_column(sa.String(64))  # the threshold that decided
    reason: Mapped[dict] = mapped_column(sa.JSON)  # alerts.rainfall.SiteDecision.reason()
    ratio: Mapped[float | None] = mapped_column(sa.Float)
    duration_h: Mapped[float | None] = mapped_column(sa.Float)
    intensity_mm_per_h: Mapped[float | None] = mapped_column(sa.Float)
    basis: Mapped[str] = mapped_column(sa.String(10))  # observed | forecast
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the ``at`` of the check
    alert_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alerts.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
