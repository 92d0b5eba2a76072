"""Queries of hazard assessments, every one scoped to the actor's organisation. Never commits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.hazards.orm import HazardAssessment, SiteHazard
from minewatch.people.orm import Assignment
from minewatch.sites.orm import Site

SITE_COLUMNS = (Site.id, Site.code, Site.latitude, Site.longitude, Site.geom_wkb, Site.geometry_type,
                Site.min_lon, Site.min_lat, Site.max_lon, Site.max_lat)


def sites_to_assess(s: Session, actor, codes: list[str] | None = None) -> list:
    """The organisation's sites (id, code, latitude, longitude, geom_wkb, geometry_type) by code."""
    stmt = sa.select(*SITE_COLUMNS).where(Site.org_id == actor.org_id)
    if codes:
        stmt = stmt.where(Site.code.in_(codes))
    return list(s.execute(stmt.order_by(Site.code)))


def people_exposed(s: Session, actor, site_ids: list[int], on: dt.date) -> dict[int, int]:
    """{site id: distinct people assigned there on ``on``}: valid_from <= on (or unknown) and
    valid_to >= on (or open)."""
    if not site_ids:
        return {}
    stmt = (
        sa.select(Assignment.site_id, sa.func.count(sa.distinct(Assignment.person_id)))
        .where(Assignment.org_id == actor.org_id, Assignment.site_id.in_(site_ids),
               sa.or_(Assignment.valid_from.is_(None), Assignment.valid_from <= on),
               sa.or_(Assignment.valid_to.is_(None), Assignment.valid_to >= on))
        .group_by(Assignment.site_id)
    )
    return {site_id: n for site_id, n in s.execute(stmt)}


def latest_assessment(s: Session, actor, kind: str = "landslide") -> HazardAssessment | None:
    stmt = (sa.select(HazardAssessment).where(HazardAssessment.org_id == actor.org_id, HazardAssessment.kind == kind)
            .order_by(HazardAssessment.id.desc()).limit(1))
    return s.execute(stmt).scalar_one_or_none()


def latest_erosion_assessment(s: Session, actor) -> HazardAssessment | None:
    """The organisation's latest assessment made with an erosion run (kind landslide or erosion)."""
    stmt = (sa.select(HazardAssessment).where(HazardAssessment.org_id == actor.org_id,
                                              HazardAssessment.erosion.is_not(None))
            .order_by(HazardAssessment.id.desc()).limit(1))
    return s.execute(stmt).scalar_one_or_none()


def site_rows(s: Session, actor, assessment_id: int, code: str | None = None) -> list:
    """(SiteHazard, site code) of one assessment of the organisation, by site code."""
    stmt = (sa.select(SiteHazard, Site.code).join(Site, Site.id == SiteHazard.site_id)
            .where(SiteHazard.org_id == actor.org_id, Site.org_id == actor.org_id,
                   SiteHazard.assessment_id == assessment_id))
    if code is not None:
        stmt = stmt.where(Site.code == code)
    return list(s.execute(stmt.order_by(Site.code)))
