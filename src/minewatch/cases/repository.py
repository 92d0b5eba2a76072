"""Queries of child labour cases, every one built from :func:`_cases` (scoped to the actor's
organisation), so need-to-know filtering cannot be skipped. Never commits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.cases.orm import CaseAction, CaseFollowUp, ChildCase
from minewatch.cooperatives.orm import Cooperative
from minewatch.people.orm import Assignment, Person
from minewatch.sites.orm import Site, SiteVisit


def _cases(org_id: int, *columns) -> sa.Select:
    return sa.select(*(columns or (ChildCase,))).where(ChildCase.org_id == org_id)


def case_by_id(s: Session, org_id: int, case_id: int) -> ChildCase | None:
    return s.scalars(_cases(org_id).where(ChildCase.id == case_id)).one_or_none()


def cases(s: Session, org_id: int, *, stage: str | None = None, site_id: int | None = None,
          open_only: bool = False) -> list[ChildCase]:
    stmt = _cases(org_id)
    if stage:
        stmt = stmt.where(ChildCase.stage == stage)
    if site_id is not None:
        stmt = stmt.where(ChildCase.site_id == site_id)
    if open_only:
        stmt = stmt.where(ChildCase.stage != "closed")
    return list(s.scalars(stmt.order_by(ChildCase.id)))


def open_cases_from(s: Session, org_id: int, source_type: str, source_id: str | None,
                    person_id: int | None) -> list[ChildCase]:
    """Open cases of the same source (and the same registered child, when there is one)."""
    stmt = _cases(org_id).where(ChildCase.stage != "closed", ChildCase.source_type == source_type,
                                ChildCase.source_id == source_id if source_id is not None
                                else ChildCase.source_id.is_(None))
    if person_id is not None:
        stmt = stmt.where(ChildCase.person_id == person_id)
    return list(s.scalars(stmt.order_by(ChildCase.id)))


def open_case_of_person(s: Session, org_id: int, person_id: int) -> ChildCase | None:
    stmt = _cases(org_id).where(ChildCase.person_id == person_id, ChildCase.stage != "closed")
    return s.scalars(stmt.order_by(ChildCase.id).limit(1)).one_or_none()


def overdue(s: Session, org_id: int, today: dt.date) -> list[ChildCase]:
    stmt = _cases(org_id).where(ChildCase.stage != "closed", ChildCase.next_followup_due < today)
    return list(s.scalars(stmt.order_by(ChildCase.next_followup_due, ChildCase.id)))


def closed_before(s: Session, org_id: int, day: dt.date) -> list[ChildCase]:
    """Closed cases, not yet purged, closed before ``day``."""
    stmt = _cases(org_id).where(ChildCase.stage == "closed", ChildCase.closed_on < day,
                                ChildCase.purged_at.is_(None))
    return list(s.scalars(stmt.order_by(ChildCase.id)))


def actions_of(s: Session, org_id: int, case_ids: list[int]) -> list[CaseAction]:
    if not case_ids:
        return []
    stmt = sa.select(CaseAction).where(CaseAction.org_id == org_id, CaseAction.case_id.in_(case_ids))
    return list(s.scalars(stmt.order_by(CaseAction.case_id, CaseAction.id)))


def followups_of(s: Session, org_id: int, case_ids: list[int]) -> list[CaseFollowUp]:
    if not case_ids:
        return []
    stmt = sa.select(CaseFollowUp).where(CaseFollowUp.org_id == org_id, CaseFollowUp.case_id.in_(case_ids))
    return list(s.scalars(stmt.order_by(CaseFollowUp.case_id, CaseFollowUp.followed_up_on, CaseFollowUp.id)))


def site_by_code(s: Session, org_id: int, code: str) -> Site | None:
    return s.scalars(sa.select(Site).where(Site.org_id == org_id, Site.code == code)).one_or_none()


def site_codes(s: Session, org_id: int, site_ids: list[int]) -> dict[int, str]:
    if not site_ids:
        return {}
    stmt = sa.select(Site.id, Site.code).where(Site.org_id == org_id, Site.id.in_(site_ids))
    return dict(s.execute(stmt).all())


def assignment_by_id(s: Session, org_id: int, assignment_id: int) -> Assignment | None:
    stmt = sa.select(Assignment).where(Assignment.org_id == org_id, Assignment.id == assignment_id)
    return s.scalars(stmt).one_or_none()


def visit_by_id(s: Session, org_id: int, visit_id: int) -> SiteVisit | None:
    stmt = sa.select(SiteVisit).where(SiteVisit.org_id == org_id, SiteVisit.id == visit_id)
    return s.scalars(stmt).one_or_none()


def person_by_ref(s: Session, org_id: int, ref: str) -> Person | None:
    """A person by external id, or by ``#id``."""
    stmt = sa.select(Person).where(Person.org_id == org_id)
    if ref.startswith("#") and ref[1:].isdigit():
        return s.scalars(stmt.where(Person.id == int(ref[1:]))).one_or_none()
    return s.scalars(stmt.where(Person.external_id == ref)).one_or_none()


def person_by_id(s: Session, org_id: int, person_id: int) -> Person | None:
    return s.scalars(sa.select(Person).where(Person.org_id == org_id, Person.id == person_id)).one_or_none()


def indicator_rows(s: Session, org_id: int) -> list:
    """Every case of the organisation with what grouping needs, and no identity: id, identified_on,
    stage, next_followup_due, episode, site code, district (admin2, else admin1), cooperative."""
    district = sa.func.coalesce(Site.admin2, Site.admin1)
    coop = sa.func.coalesce(Cooperative.name, Cooperative.external_id)
    stmt = (_cases(org_id, ChildCase.id, ChildCase.identified_on, ChildCase.stage, ChildCase.next_followup_due,
                   Site.code.label("site"), district.label("district"), coop.label("cooperative"))
            .outerjoin(Site, sa.and_(Site.id == ChildCase.site_id, Site.org_id == org_id))
            .outerjoin(Cooperative, sa.and_(Cooperative.id == Site.cooperative_id, Cooperative.org_id == org_id))
            .order_by(ChildCase.id))
    return list(s.execute(stmt))


def first_done_actions(s: Session, org_id: int) -> dict[int, dt.date]:
    """{case id: date of its first remediation action done}."""
    stmt = (sa.select(CaseAction.case_id, sa.func.min(CaseAction.done_on))
            .where(CaseAction.org_id == org_id, CaseAction.done_on.is_not(None)).group_by(CaseAction.case_id))
    return dict(s.execute(stmt).all())


def followup_outcomes(s: Session, org_id: int) -> list:
    """(case id, date, in child labour) of every first-episode follow-up, in date order."""
    stmt = (sa.select(CaseFollowUp.case_id, CaseFollowUp.followed_up_on, CaseFollowUp.in_child_labour)
            .where(CaseFollowUp.org_id == org_id, CaseFollowUp.episode == 0)
            .order_by(CaseFollowUp.case_id, CaseFollowUp.followed_up_on, CaseFollowUp.id))
    return list(s.execute(stmt))


def purge_free_space(engine) -> str:
    """After a purge is committed, remove the old row versions (as people.repository.purge_free_space):
    SQLite (``secure_delete`` on) checkpoints and truncates the WAL; PostgreSQL vacuums the case tables."""
    from minewatch.adapters.db import is_postgres

    try:
        if is_postgres(engine):
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in (ChildCase.__tablename__, CaseAction.__tablename__, CaseFollowUp.__tablename__):
                    conn.execute(sa.text(f"VACUUM {table}"))
            return "vacuumed"
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            return "wal_truncated" if busy == 0 else "wal_busy"
    except sa.exc.DBAPIError:  # the purge is committed; say the clean-up is still to do
        return "purge_failed"
    return "none"
