"""Queries of organisations and users."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.accounts.orm import Organisation, User


def organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(sa.select(Organisation).order_by(Organisation.id)))


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    return session.scalars(sa.select(Organisation).where(Organisation.slug == slug)).one_or_none()


def user_by_email(session: Session, org_id: int, email: str) -> User | None:
    return session.scalars(
        sa.select(User).where(User.org_id == org_id, sa.func.lower(User.email) == email.lower())
    ).one_or_none()


def first_admin(session: Session, org_id: int) -> User | None:
    return session.scalars(
        sa.select(User).where(User.org_id == org_id, User.role == "admin").order_by(User.id).limit(1)
    ).one_or_none()


def users(session: Session, org_id: int) -> list[User]:
    return list(session.scalars(sa.select(User).where(User.org_id == org_id).order_by(User.id)))


def user(session: Session, org_id: int, user_id: int) -> User | None:
    return session.scalars(sa.select(User).where(User.org_id == org_id, User.id == user_id)).one_or_none()


def users_by_email(session: Session, email: str) -> list[User]:
    """Active users with this e-mail in any organisation (one person may belong to several)."""
    return list(session.scalars(
        sa.select(User).where(sa.func.lower(User.email) == email.lower(), User.is_active.is_(True)).order_by(User.id)))


def organisation(session: Session, org_id: int) -> Organisation | None:
    return session.get(Organisation, org_id)


def with_user(session: Session, model, token_hash: str):
    """(row of ``model`` (a WebSession or ApiToken), its User, its Organisation) for a token hash, or None."""
    return session.execute(
        sa.select(model, User, Organisation)
        .join(User, User.id == model.user_id)
        .join(Organisation, Organisation.id == model.org_id)
        .where(model.token_hash == token_hash)
    ).one_or_none()
