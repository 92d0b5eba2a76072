"""Tables of tree plans, plantings and survival checks (issue 10).

A plan is the record of one ``plan trees`` run: its summary.json and where its files are kept
(``files_path``, relative to ``settings.files_dir``). A planting is what was planted where and when;
a survival check counts the seedlings alive at a later visit. Plantings and checks are unique per
organisation on ``external_id``, the key that makes re-imports idempotent (``content_digest``).
A planting's geometry is stored as the sites' is: WKB plus its bounding box (``BBoxed``); no PostGIS
column, since nothing searches plantings by place.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base, UTCDateTime, utcnow
from minewatch.adapters.orm_common import BBoxed, OrgOwned, Tracked


class TreePlan(OrgOwned, Base):
    """One tree plan of a site (or of an area file when ``site_id`` is NULL)."""

    __tablename__ = "tree_plans"
    __table_args__ = (sa.Index("ix_tree_plans_org_site", "org_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    area_name: Mapped[str | None] = mapped_column(sa.String(300))
    objective: Mapped[str] = mapped_column(sa.String(20))
    budget_value: Mapped[float] = mapped_column(sa.Float)
    budget_unit: Mapped[str] = mapped_column(sa.String(10))
    summary: Mapped[dict] = mapped_column(sa.JSON)
    files_path: Mapped[str | None] = mapped_column(sa.String(300))
    status: Mapped[str] = mapped_column(sa.String(12))  # planning.model.PLAN_STATUSES
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(sa.String(254))
    adopted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Planting(OrgOwned, Tracked, BBoxed, Base):
    """Seedlings of one species planted at a site on one day."""

    __tablename__ = "plantings"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "external_id"),
        sa.Index("ix_plantings_site_planted", "site_id", "planted_on"),
        sa.CheckConstraint("count > 0", name="count_positive"),
        sa.CheckConstraint("area_ha IS NULL OR area_ha > 0", name="area_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tree_plans.id", ondelete="SET NULL"), index=True)
    external_id: Mapped[str] = mapped_column(sa.String(120))
    species_id: Mapped[str] = mapped_column(sa.String(120))
    planted_on: Mapped[dt.date] = mapped_column(sa.Date)
    count: Mapped[int] = mapped_column(sa.Integer)
    area_ha: Mapped[float | None] = mapped_column(sa.Float)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by: Mapped[str | None] = mapped_column(sa.String(254))


class SurvivalCheck(OrgOwned, Tracked, Base):
    """Seedlings of one planting found alive at a visit."""

    __tablename__ = "survival_checks"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "external_id"),
        sa.Index("ix_survival_checks_planting_checked", "planting_id", "checked_on"),
        sa.CheckConstraint("alive >= 0", name="alive_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    planting_id: Mapped[int] = mapped_column(sa.ForeignKey("plantings.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(sa.String(120))
    checked_on: Mapped[dt.date] = mapped_column(sa.Date)
    alive: Mapped[int] = mapped_column(sa.Integer)
    method: Mapped[str | None] = mapped_column(sa.String(60))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by: Mapped[str | None] = mapped_column(sa.String(254))
