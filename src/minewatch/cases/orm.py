"""Tables of child labour cases, their remediation actions and follow-ups.

Identifying fields of a child (``child_*``, ``guardian_name``, ``household_location``, ``person_id``
and free-text notes) are blanked by the retention purge; what the indicators need stays.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base, UTCDateTime, utcnow
from minewatch.adapters.orm_common import OrgOwned, Tracked


class ChildCase(OrgOwned, Tracked, Base):
    __tablename__ = "child_cases"
    __table_args__ = (sa.Index("ix_child_cases_org_id_id", "org_id", "id"),
                      sa.Index("ix_child_cases_org_due", "org_id", "next_followup_due"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"), index=True)
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    source_type: Mapped[str] = mapped_column(sa.String(20))  # assignment | visit | grievance | other
    source_id: Mapped[str | None] = mapped_column(sa.String(64))
    classification: Mapped[str | None] = mapped_column(sa.String(30))
    stage: Mapped[str] = mapped_column(sa.String(20))
    identified_on: Mapped[dt.date] = mapped_column(sa.Date)
    # A child not (yet) in the people registry: identity held here (purged by retention).
    child_name: Mapped[str | None] = mapped_column(sa.String(200))
    child_sex: Mapped[str | None] = mapped_column(sa.String(10))
    child_birth_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    child_birth_year: Mapped[int | None] = mapped_column(sa.Integer)
    guardian_name: Mapped[str | None] = mapped_column(sa.String(200))
    household_location: Mapped[str | None] = mapped_column(sa.String(300))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    episode: Mapped[int] = mapped_column(sa.Integer, default=0)  # +1 at each reopening
    next_followup_due: Mapped[dt.date | None] = mapped_column(sa.Date)
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    close_reason: Mapped[str | None] = mapped_column(sa.String(20))
    close_reason_text: Mapped[str | None] = mapped_column(sa.String(300))
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CaseAction(OrgOwned, Base):
    __tablename__ = "case_actions"
    __table_args__ = (sa.Index("ix_case_actions_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("child_cases.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(sa.String(40))
    planned_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    done_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    provider: Mapped[str | None] = mapped_column(sa.String(200))
    cost_amount: Mapped[float | None] = mapped_column(sa.Numeric(14, 2, asdecimal=False))
    cost_currency: Mapped[str | None] = mapped_column(sa.String(3))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))


class CaseFollowUp(OrgOwned, Base):
    __tablename__ = "case_followups"
    __table_args__ = (sa.Index("ix_case_followups_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("child_cases.id", ondelete="CASCADE"))
    followed_up_on: Mapped[dt.date] = mapped_column(sa.Date)
    episode: Mapped[int] = mapped_column(sa.Integer, default=0)
    followed_up_by: Mapped[str] = mapped_column(sa.String(254))
    in_child_labour: Mapped[bool] = mapped_column(sa.Boolean)
    in_school: Mapped[bool | None] = mapped_column(sa.Boolean)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
