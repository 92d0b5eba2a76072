"""Queries of mercury practices, visits' mercury answers and gold production, all scoped to the actor's
organisation. Never commits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.mercury.orm import GoldProduction, MercuryPractice
from minewatch.sites.orm import Site, SiteVisit

SITE_COLUMNS = (Site.id, Site.code, Site.name, Site.country, Site.admin1, Site.admin2)


def sites(s: Session, actor, codes: list[str] | None = None) -> list:
    """The organisation's sites (id, code, name, country, admin1, admin2), by code."""
    stmt = sa.select(*SITE_COLUMNS).where(Site.org_id == actor.org_id)
    if codes:
        stmt = stmt.where(Site.code.in_(codes))
    return list(s.execute(stmt.order_by(Site.code)))


def site_ids_by_code(s: Session, actor, codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    stmt = sa.select(Site.code, Site.id).where(Site.org_id == actor.org_id, Site.code.in_(sorted(codes)))
    return dict(s.execute(stmt).all())


def visit(s: Session, actor, visit_id: int) -> SiteVisit | None:
    stmt = sa.select(SiteVisit).where(SiteVisit.org_id == actor.org_id, SiteVisit.id == visit_id)
    return s.execute(stmt).scalar_one_or_none()


def practice(s: Session, actor, site_id: int, key: str, on: dt.date) -> MercuryPractice | None:
    stmt = sa.select(MercuryPractice).where(MercuryPractice.org_id == actor.org_id, MercuryPractice.site_id == site_id,
                                            MercuryPractice.practice == key, MercuryPractice.observed_on == on)
    return s.execute(stmt).scalar_one_or_none()


def entered_practices(s: Session, actor, site_ids: list[int] | None = None) -> list:
    """(MercuryPractice, site code, the visit's source id or None) of the organisation."""
    stmt = (sa.select(MercuryPractice, Site.code, SiteVisit.source_visit_id)
            .join(Site, Site.id == MercuryPractice.site_id)
            .outerjoin(SiteVisit, SiteVisit.id == MercuryPractice.visit_id)
            .where(MercuryPractice.org_id == actor.org_id, Site.org_id == actor.org_id))
    if site_ids is not None:
        stmt = stmt.where(MercuryPractice.site_id.in_(site_ids))
    return list(s.execute(stmt.order_by(Site.code, MercuryPractice.observed_on, MercuryPractice.id)))


def visit_mercury_answers(s: Session, actor, site_ids: list[int] | None = None) -> list:
    """(visit id, source visit id, visit date, mercury_used, site code) of the organisation's visits that
    answered the mercury question (1 or 0) and were not marked as not reached."""
    stmt = (sa.select(SiteVisit.id, SiteVisit.source_visit_id, SiteVisit.visit_date, SiteVisit.mercury_used,
                      Site.code)
            .join(Site, Site.id == SiteVisit.site_id)
            .where(SiteVisit.org_id == actor.org_id, Site.org_id == actor.org_id,
                   SiteVisit.mercury_used.is_not(None),
                   sa.or_(SiteVisit.reached.is_(None), SiteVisit.reached.is_(True))))
    if site_ids is not None:
        stmt = stmt.where(SiteVisit.site_id.in_(site_ids))
    return list(s.execute(stmt.order_by(Site.code, SiteVisit.visit_date, SiteVisit.id)))


def production(s: Session, actor, site_ids: list[int] | None = None) -> list:
    """(GoldProduction, site code) of the organisation, by site and period."""
    stmt = (sa.select(GoldProduction, Site.code).join(Site, Site.id == GoldProduction.site_id)
            .where(GoldProduction.org_id == actor.org_id, Site.org_id == actor.org_id))
    if site_ids is not None:
        stmt = stmt.where(GoldProduction.site_id.in_(site_ids))
    return list(s.execute(stmt.order_by(Site.code, GoldProduction.period_start, GoldProduction.id)))


def production_record(s: Session, actor, site_id: int, start: dt.date, end: dt.date) -> GoldProduction | None:
    stmt = sa.select(GoldProduction).where(GoldProduction.org_id == actor.org_id, GoldProduction.site_id == site_id,
                                           GoldProduction.period_start == start, GoldProduction.period_end == end)
    return s.execute(stmt).scalar_one_or_none()
