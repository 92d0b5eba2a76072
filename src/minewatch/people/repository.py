"""Queries of people, memberships and assignments, each scoped to one organisation.

Every query of people starts from :func:`_people`, so no caller can forget the tenant filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.adapters.db import is_postgres
from minewatch.cooperatives.orm import Cooperative
from minewatch.people.orm import Assignment, Membership, Person
from minewatch.sites.orm import Site

_IN_BATCH = 5000  # keys per IN (...) list, one import chunk: under SQLite's 32,766 bound parameters


def _people(org_id: int, *columns) -> sa.Select:
    return sa.select(*(columns or (Person,))).where(Person.org_id == org_id)


def _batches(values: Iterable) -> Iterable[list]:
    values = list(dict.fromkeys(values))
    for i in range(0, len(values), _IN_BATCH):
        yield values[i:i + _IN_BATCH]


def person_by_id(session: Session, org_id: int, person_id: int) -> Person | None:
    return session.scalars(_people(org_id).where(Person.id == person_id)).one_or_none()


def person_by_external_id(session: Session, org_id: int, external_id: str) -> Person | None:
    return session.scalars(_people(org_id).where(Person.external_id == external_id)).one_or_none()


def people_by_phone_hash(session: Session, org_id: int, phone_hash: str) -> list[Person]:
    return list(session.scalars(_people(org_id).where(Person.phone_hash == phone_hash).order_by(Person.id)))


@dataclass(frozen=True, slots=True)
class StoredPerson:
    """What an import needs of a person already stored: secrets to keep and consents to respect."""

    phone_hash: str | None
    phone_encrypted: bytes | None
    id_document_encrypted: bytes | None
    consent_data: bool | None
    consent_data_at: object
    consent_alerts: bool | None
    consent_alerts_at: object


def stored_people(session: Session, org_id: int, external_ids: Iterable[str]) -> dict[str, StoredPerson]:
    """The stored secrets and consents of the people with these external ids (one query per 500)."""
    cols = (Person.external_id, Person.phone_hash, Person.phone_encrypted, Person.id_document_encrypted,
            Person.consent_data, Person.consent_data_at, Person.consent_alerts, Person.consent_alerts_at)
    out: dict[str, StoredPerson] = {}
    for part in _batches(external_ids):
        for row in session.execute(_people(org_id, *cols).where(Person.external_id.in_(part))):
            out[row[0]] = StoredPerson(*row[1:])
    return out


def any_people(session: Session, org_id: int) -> bool:
    return session.execute(_people(org_id, Person.id).limit(1)).first() is not None


def any_erased(session: Session, org_id: int) -> bool:
    stmt = _people(org_id, Person.id).where(Person.erased_at.is_not(None)).limit(1)
    return session.execute(stmt).first() is not None


def external_ids_present(session: Session, org_id: int, external_ids: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for part in _batches(external_ids):
        out.update(session.scalars(_people(org_id, Person.external_id).where(Person.external_id.in_(part))))
    return out


def names_by_external_id(session: Session, org_id: int, external_ids: Iterable[str]) -> dict[str, str | None]:
    """External id -> full name (None when not recorded or erased) of the organisation's people."""
    out: dict[str, str | None] = {}
    for part in _batches(external_ids):
        for external_id, name in session.execute(
                _people(org_id, Person.external_id, Person.full_name).where(Person.external_id.in_(part))):
            out[external_id] = name
    return out


def memberships_of(session: Session, org_id: int, person_id: int) -> list[dict]:
    stmt = (
        sa.select(Cooperative.external_id.label("cooperative"), Cooperative.name.label("cooperative_name"),
                  Membership.role, Membership.valid_from, Membership.valid_to)
        .join(Cooperative, Cooperative.id == Membership.cooperative_id)
        .where(Membership.org_id == org_id, Membership.person_id == person_id)
        .order_by(Membership.valid_from, Membership.id)
    )
    return [dict(r) for r in session.execute(stmt).mappings()]


def assignments_of(session: Session, org_id: int, person_id: int) -> list[dict]:
    stmt = (
        sa.select(Site.code.label("site"), Site.name.label("site_name"), Assignment.task,
                  Assignment.hours_per_week, Assignment.valid_from, Assignment.valid_to)
        .join(Site, Site.id == Assignment.site_id)
        .where(Assignment.org_id == org_id, Assignment.person_id == person_id)
        .order_by(Assignment.valid_from, Assignment.id)
    )
    return [dict(r) for r in session.execute(stmt).mappings()]


def purge_free_space(engine) -> str:
    """After an erasure is committed, remove the old row versions the database keeps; says what was done.

    SQLite (``secure_delete`` is on, so freed cells and pages are zeroed): copy the WAL into the
    database and truncate it, so the page images written before the erasure leave the WAL file.
    PostgreSQL: ``VACUUM people`` removes the dead row versions (it cannot run in a transaction).
    """
    try:
        if is_postgres(engine):
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text(f"VACUUM {Person.__tablename__}"))
            return "vacuumed"
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            return "wal_truncated" if busy == 0 else "wal_busy"
    except sa.exc.DBAPIError:  # the erasure is committed; say the purge is still to do
        return "purge_failed"
    return "none"
