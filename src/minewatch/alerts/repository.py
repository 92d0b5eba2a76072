"""Queries of alerts, every one scoped to the actor's organisation. Never commits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.alerts.orm import Alert, AlertRecipient, RainAlert
from minewatch.messaging.orm import AlertOptOut, OutboxMessage
from minewatch.people.orm import Assignment, Person
from minewatch.sites.orm import Site


def sites_by_code(s: Session, org_id: int, codes: list[str]) -> list:
    """(id, code) of the organisation's sites with these codes."""
    return list(s.execute(sa.select(Site.id, Site.code).where(Site.org_id == org_id, Site.code.in_(codes))
                          .order_by(Site.code)))


def people_at(s: Session, org_id: int, site_ids: list[int], on: dt.date) -> list[Person]:
    """The people (not erased) assigned at these sites on ``on``: valid_from <= on (or unknown) and
    valid_to >= on (or open); each once, in id order."""
    if not site_ids:
        return []
    assigned = (sa.select(Assignment.person_id)
                .where(Assignment.org_id == org_id, Assignment.site_id.in_(site_ids),
                       sa.or_(Assignment.valid_from.is_(None), Assignment.valid_from <= on),
                       sa.or_(Assignment.valid_to.is_(None), Assignment.valid_to >= on)))
    return list(s.scalars(sa.select(Person).where(Person.org_id == org_id, Person.erased_at.is_(None),
                                                  Person.id.in_(assigned)).order_by(Person.id)))


def opted_out_hashes(s: Session, org_id: int, phone_hashes: list[str]) -> set[str]:
    if not phone_hashes:
        return set()
    return set(s.scalars(sa.select(AlertOptOut.phone_hash).where(AlertOptOut.org_id == org_id,
                                                                 AlertOptOut.phone_hash.in_(phone_hashes))))


def alert_by_key(s: Session, org_id: int, request_key: str) -> Alert | None:
    return s.scalars(sa.select(Alert).where(Alert.org_id == org_id, Alert.request_key == request_key)).one_or_none()


def alert_by_id(s: Session, org_id: int, alert_id: int) -> Alert | None:
    return s.scalars(sa.select(Alert).where(Alert.org_id == org_id, Alert.id == alert_id)).one_or_none()


def alerts(s: Session, org_id: int, limit: int = 50) -> list[Alert]:
    return list(s.scalars(sa.select(Alert).where(Alert.org_id == org_id).order_by(Alert.id.desc()).limit(limit)))


def recipients(s: Session, org_id: int, alert_id: int) -> list[tuple[AlertRecipient, str | None]]:
    """(recipient, its outbox message's status) of one alert, by person id."""
    stmt = (sa.select(AlertRecipient, OutboxMessage.status)
            .outerjoin(OutboxMessage, sa.and_(OutboxMessage.id == AlertRecipient.outbox_id,
                                              OutboxMessage.org_id == org_id))
            .where(AlertRecipient.org_id == org_id, AlertRecipient.alert_id == alert_id)
            .order_by(AlertRecipient.person_id))
    return list(s.execute(stmt))


def recipient_counts(s: Session, org_id: int, alert_ids: list[int]) -> dict[int, dict[str, int]]:
    """{alert id: {status: recipients}}, the status read from the outbox (the stored one if its message is gone)."""
    if not alert_ids:
        return {}
    out: dict[int, dict[str, int]] = {}
    status = sa.func.coalesce(OutboxMessage.status, AlertRecipient.status)
    stmt = (sa.select(AlertRecipient.alert_id, status, sa.func.count())
            .outerjoin(OutboxMessage, sa.and_(OutboxMessage.id == AlertRecipient.outbox_id,
                                              OutboxMessage.org_id == org_id))
            .where(AlertRecipient.org_id == org_id, AlertRecipient.alert_id.in_(alert_ids))
            .group_by(AlertRecipient.alert_id, status))
    for alert_id, status, n in s.execute(stmt):
        out.setdefault(alert_id, {})[status] = n
    return out


def org_sites(s: Session, org_id: int, codes: list[str] | None = None) -> list:
    """(id, code) of the organisation's sites (or of these codes), by code."""
    stmt = sa.select(Site.id, Site.code).where(Site.org_id == org_id)
    if codes is not None:
        stmt = stmt.where(Site.code.in_(codes))
    return list(s.execute(stmt.order_by(Site.code)))


def rain_alert(s: Session, org_id: int, site_id: int, period_start: dt.datetime, level: str) -> RainAlert | None:
    return s.scalars(sa.select(RainAlert).where(RainAlert.org_id == org_id, RainAlert.site_id == site_id,
                                                RainAlert.period_start == period_start,
                                                RainAlert.level == level)).one_or_none()


def rain_levels(s: Session, org_id: int, site_id: int, period_start: dt.datetime) -> set[str]:
    """The levels (watch, warning) already raised for one site in one period."""
    return set(s.scalars(sa.select(RainAlert.level).where(RainAlert.org_id == org_id, RainAlert.site_id == site_id,
                                                          RainAlert.period_start == period_start)))


def rain_by_alert(s: Session, org_id: int, alert_ids: list[int]) -> dict[int, list[RainAlert]]:
    """{alert id: the rain alert rows that sent it}."""
    if not alert_ids:
        return {}
    out: dict[int, list[RainAlert]] = {}
    for row in s.scalars(sa.select(RainAlert).where(RainAlert.org_id == org_id, RainAlert.alert_id.in_(alert_ids))
                         .order_by(RainAlert.id)):
        out.setdefault(row.alert_id, []).append(row)
    return out
