"""Queries of pay and price, every one scoped to the actor's organisation. Never commits."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.pay.orm import PayExchangeRate, PayMinimumWage, PayPayment, PayReferencePrice, PaySale
from minewatch.people.orm import Person
from minewatch.sites.orm import Site

# The natural key of each stored kind: what makes a row "the same" on re-import.
NATURAL_KEYS = {
    PayPayment: ("external_id",),
    PaySale: ("external_id",),
    PayReferencePrice: ("commodity", "price_date"),
    PayMinimumWage: ("country", "basis", "effective_from"),
    PayExchangeRate: ("base", "quote", "rate_date"),
}


def _owned(model, actor) -> sa.Select:
    return sa.select(model).where(model.org_id == actor.org_id)


def stored_by_key(s: Session, actor, model) -> dict[tuple, object]:
    """{natural key: row} of every row of ``model`` in the organisation (the import files are small)."""
    keys = NATURAL_KEYS[model]
    return {tuple(getattr(r, k) for k in keys): r for r in s.execute(_owned(model, actor)).scalars()}


def site_ids_by_code(s: Session, actor, codes: Iterable[str]) -> dict[str, int]:
    codes = sorted(set(codes))
    if not codes:
        return {}
    stmt = sa.select(Site.code, Site.id).where(Site.org_id == actor.org_id, Site.code.in_(codes))
    return dict(s.execute(stmt).all())


def person_ids_by_external_id(s: Session, actor, external_ids: Iterable[str]) -> dict[str, int]:
    ids = sorted(set(external_ids))
    if not ids:
        return {}
    stmt = sa.select(Person.external_id, Person.id).where(Person.org_id == actor.org_id, Person.external_id.in_(ids))
    return dict(s.execute(stmt).all())


def site_exists(s: Session, actor, code: str) -> bool:
    stmt = sa.select(Site.id).where(Site.org_id == actor.org_id, Site.code == code)
    return s.execute(stmt).first() is not None


def site_countries(s: Session, actor) -> dict[str, str | None]:
    return dict(s.execute(sa.select(Site.code, Site.country).where(Site.org_id == actor.org_id)).all())


def payments(s: Session, actor, site_code: str | None = None) -> list:
    """(PayPayment, person external id, site code) of the organisation, optionally of one site."""
    stmt = (sa.select(PayPayment, Person.external_id, Site.code)
            .join(Person, Person.id == PayPayment.person_id).join(Site, Site.id == PayPayment.site_id)
            .where(PayPayment.org_id == actor.org_id, Person.org_id == actor.org_id, Site.org_id == actor.org_id))
    if site_code is not None:
        stmt = stmt.where(Site.code == site_code)
    return list(s.execute(stmt.order_by(PayPayment.id)))


def sales(s: Session, actor, site_code: str | None = None) -> list:
    """(PaySale, site code) of the organisation, optionally of one site."""
    stmt = (sa.select(PaySale, Site.code).join(Site, Site.id == PaySale.site_id)
            .where(PaySale.org_id == actor.org_id, Site.org_id == actor.org_id))
    if site_code is not None:
        stmt = stmt.where(Site.code == site_code)
    return list(s.execute(stmt.order_by(PaySale.id)))


def reference_prices(s: Session, actor) -> list[PayReferencePrice]:
    return list(s.execute(_owned(PayReferencePrice, actor).order_by(PayReferencePrice.price_date)).scalars())


def minimum_wages(s: Session, actor) -> list[PayMinimumWage]:
    return list(s.execute(_owned(PayMinimumWage, actor).order_by(PayMinimumWage.effective_from)).scalars())


def exchange_rates(s: Session, actor) -> list[PayExchangeRate]:
    return list(s.execute(_owned(PayExchangeRate, actor).order_by(PayExchangeRate.rate_date)).scalars())
