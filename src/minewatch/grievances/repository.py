"""Queries of grievances, every one scoped to one organisation (the actor's, or the org a channel serves).
Never commits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.accounts.orm import Organisation, User
from minewatch.cases.orm import ChildCase
from minewatch.grievances.orm import Grievance, GrievanceEntry, GrievanceEscalation, GrievancePinCheck
from minewatch.sites.orm import Site


def organisation(s: Session, org_id: int) -> Organisation | None:
    return s.get(Organisation, org_id)


def by_external_id(s: Session, org_id: int, channel: str, external_id: str) -> Grievance | None:
    stmt = sa.select(Grievance).where(Grievance.org_id == org_id, Grievance.channel == channel,
                                      Grievance.external_id == external_id)
    return s.execute(stmt).scalar_one_or_none()


def by_case_number(s: Session, org_id: int, case_number: str) -> Grievance | None:
    stmt = sa.select(Grievance).where(Grievance.org_id == org_id, Grievance.case_number == case_number)
    return s.execute(stmt).scalar_one_or_none()


def case_number_taken(s: Session, org_id: int, case_number: str) -> bool:
    return by_case_number(s, org_id, case_number) is not None


def entry_by_external_id(s: Session, org_id: int, channel: str, external_id: str) -> GrievanceEntry | None:
    stmt = sa.select(GrievanceEntry).where(GrievanceEntry.org_id == org_id, GrievanceEntry.channel == channel,
                                           GrievanceEntry.external_id == external_id)
    return s.execute(stmt).scalar_one_or_none()


def entries(s: Session, org_id: int, grievance_id: int) -> list[GrievanceEntry]:
    stmt = (sa.select(GrievanceEntry).where(GrievanceEntry.org_id == org_id, GrievanceEntry.grievance_id == grievance_id)
            .order_by(GrievanceEntry.id))
    return list(s.execute(stmt).scalars())


def site_choices(s: Session, org_id: int) -> list[tuple[str, str | None]]:
    return [(c, n) for c, n in s.execute(sa.select(Site.code, Site.name).where(Site.org_id == org_id))]


def site_by_code(s: Session, org_id: int, code: str) -> Site | None:
    return s.execute(sa.select(Site).where(Site.org_id == org_id, Site.code == code)).scalar_one_or_none()


def site_codes(s: Session, org_id: int, site_ids: set[int]) -> dict[int, str]:
    if not site_ids:
        return {}
    stmt = sa.select(Site.id, Site.code).where(Site.org_id == org_id, Site.id.in_(site_ids))
    return {i: c for i, c in s.execute(stmt)}


def open_grievance_child_case(s: Session, org_id: int, site_id: int, open_stages) -> ChildCase | None:
    """The open child-labour case opened from a grievance at this site, if exactly one (joins need no guess)."""
    stmt = sa.select(ChildCase).where(ChildCase.org_id == org_id, ChildCase.site_id == site_id,
                                      ChildCase.source_type == "grievance", ChildCase.stage.in_(open_stages))
    rows = list(s.execute(stmt.limit(2)).scalars())
    return rows[0] if len(rows) == 1 else None


def failed_checks_since(s: Session, org_id: int, grievance_id: int, since: dt.datetime) -> int:
    stmt = sa.select(sa.func.count()).select_from(GrievancePinCheck).where(
        GrievancePinCheck.org_id == org_id, GrievancePinCheck.grievance_id == grievance_id,
        GrievancePinCheck.ok.is_(False), GrievancePinCheck.checked_at >= since)
    return s.execute(stmt).scalar_one()


def list_cases(s: Session, actor, *, stage: str | None = None, stages=None) -> list[Grievance]:
    stmt = sa.select(Grievance).where(Grievance.org_id == actor.org_id)
    if stage is not None:
        stmt = stmt.where(Grievance.stage == stage)
    if stages is not None:
        stmt = stmt.where(Grievance.stage.in_(stages))
    return list(s.execute(stmt.order_by(Grievance.received_at, Grievance.id)).scalars())


def escalations(s: Session, org_id: int, grievance_ids: list[int] | None = None, *, open_only: bool = False,
                roles=None) -> list[GrievanceEscalation]:
    stmt = sa.select(GrievanceEscalation).where(GrievanceEscalation.org_id == org_id)
    if grievance_ids is not None:
        stmt = stmt.where(GrievanceEscalation.grievance_id.in_(grievance_ids))
    if open_only:
        stmt = stmt.where(GrievanceEscalation.acknowledged_at.is_(None))
    if roles is not None:
        stmt = stmt.where(GrievanceEscalation.role.in_(roles))
    return list(s.execute(stmt.order_by(GrievanceEscalation.id)).scalars())


def user_by_email(s: Session, org_id: int, email: str) -> User | None:
    stmt = sa.select(User).where(User.org_id == org_id, sa.func.lower(User.email) == email.strip().lower())
    return s.execute(stmt).scalar_one_or_none()


def user_emails(s: Session, org_id: int, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: e for i, e in s.execute(sa.select(User.id, User.email).where(User.org_id == org_id, User.id.in_(ids)))}


def history_events(s: Session, org_id: int, case_number: str):
    """The audit trail of one case (issue 7 web, the case page's history): time, actor, action, context."""
    from minewatch.audit.orm import AuditEvent

    stmt = (sa.select(AuditEvent.occurred_at, AuditEvent.actor_email, AuditEvent.action, AuditEvent.context)
            .where(AuditEvent.org_id == org_id, AuditEvent.entity_type == "grievance",
                   AuditEvent.entity_id == case_number, AuditEvent.action != "read")
            .order_by(AuditEvent.seq))
    return list(s.execute(stmt))
