"""Queries of the child-labour check, every one scoped to the actor's organisation. Never commits.

Only ids, dates, birth fields and tasks are selected: never a person's name.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.people.orm import Assignment, Person
from minewatch.sites.orm import Site, SiteVisit


def site_exists(s: Session, actor, code: str) -> bool:
    stmt = sa.select(Site.id).where(Site.org_id == actor.org_id, Site.code == code).limit(1)
    return s.execute(stmt).first() is not None


def visit_observations(s: Session, actor, site_code: str | None = None) -> list:
    """Every visit of the organisation's sites with what it saw of children under 15, by site and date."""
    stmt = (
        sa.select(SiteVisit.id, SiteVisit.source, SiteVisit.source_visit_id, SiteVisit.visit_date,
                  SiteVisit.reached, SiteVisit.children_under15_present, SiteVisit.children_under15_working,
                  SiteVisit.children_under15_work, Site.code.label("site_code"), Site.country)
        .join(Site, Site.id == SiteVisit.site_id)
        .where(SiteVisit.org_id == actor.org_id, Site.org_id == actor.org_id)
    )
    if site_code is not None:
        stmt = stmt.where(Site.code == site_code)
    return list(s.execute(stmt.order_by(Site.code, SiteVisit.visit_date, SiteVisit.id)))


def assignments_on(s: Session, actor, on: dt.date, site_code: str | None = None) -> list:
    """Assignments current on ``on`` (valid_from <= on or unknown, valid_to >= on or open) with the
    person's id and birth fields (no name) and the site's code and country."""
    stmt = (
        sa.select(Assignment.id, Assignment.person_id, Assignment.task, Assignment.task_raw,
                  Assignment.hours_per_week, Person.date_of_birth, Person.birth_year, Person.birth_precision,
                  Site.code.label("site_code"), Site.country)
        .join(Person, Person.id == Assignment.person_id)
        .join(Site, Site.id == Assignment.site_id)
        .where(Assignment.org_id == actor.org_id, Person.org_id == actor.org_id, Site.org_id == actor.org_id,
               sa.or_(Assignment.valid_from.is_(None), Assignment.valid_from <= on),
               sa.or_(Assignment.valid_to.is_(None), Assignment.valid_to >= on))
    )
    if site_code is not None:
        stmt = stmt.where(Site.code == site_code)
    return list(s.execute(stmt.order_by(Site.code, Assignment.id)))
