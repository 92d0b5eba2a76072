"""Tables of mercury: processing practices observed at sites and gold produced per site and period."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base
from minewatch.adapters.orm_common import OrgOwned, Tracked


class MercuryPractice(OrgOwned, Tracked, Base):
    """A processing practice entered for a site on a date (optionally from one of its visits).

    Visits' own mercury answers (``site_visits.mercury_used``) are read as observations too, never copied here.
    """

    __tablename__ = "mercury_practices"
    __table_args__ = (sa.UniqueConstraint("org_id", "site_id", "practice", "observed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    practice: Mapped[str] = mapped_column(sa.String(40))
    observed_on: Mapped[dt.date] = mapped_column(sa.Date)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("site_visits.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))


class GoldProduction(OrgOwned, Tracked, Base):
    """Gold produced at a site over a period, in kg (a decimal kept as text, exact), with its source."""

    __tablename__ = "mercury_gold_production"
    __table_args__ = (sa.UniqueConstraint("org_id", "site_id", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)
    gold_kg: Mapped[str] = mapped_column(sa.String(40))
    source: Mapped[str] = mapped_column(sa.String(300))
