"""Use cases of accounts: first set-up, users, and resolving who acts for which organisation."""

from __future__ import annotations

from dataclasses import dataclass

from minewatch.accounts import repository as repo
from minewatch.accounts.errors import (
    AlreadyInitialised,
    OrganisationAmbiguous,
    OrganisationNotFound,
    UserNotFound,
)
from minewatch.accounts.model import EMAIL_RE, ROLES, SLUG_RE, Actor, hash_password, new_password, slugify
from minewatch.accounts.orm import Organisation, User
from minewatch.adapters.db import UnitOfWork
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import InvalidInput, PermissionDenied


@dataclass(frozen=True)
class InitResult:
    org_slug: str
    org_name: str
    admin_email: str
    one_time_password: str


def _user_digest(user: User) -> str:
    return digest({"email": user.email, "role": user.role, "active": user.is_active, "name": user.display_name})


def init_organisation(uow: UnitOfWork, *, name: str, admin_email: str, slug: str | None = None,
                      country: str | None = None, allow_more: bool = False) -> InitResult:
    """Create an organisation and its first admin, whose one-time password is returned once."""
    s = uow.session
    slug = slug or slugify(name)
    if not SLUG_RE.match(slug):
        raise InvalidInput(f"organisation slug {slug!r} must be lower-case letters, digits and dashes")
    if not EMAIL_RE.match(admin_email):
        raise InvalidInput(f"{admin_email!r} is not an e-mail address")
    if repo.organisation_by_slug(s, slug):
        raise AlreadyInitialised(f"organisation {slug!r} already exists")
    if repo.organisations(s) and not allow_more:
        raise AlreadyInitialised(
            "minewatch is already initialised here; use --another to add a second organisation"
        )
    org = Organisation(slug=slug, name=name, country=country)
    s.add(org)
    s.flush()
    password = new_password()
    admin = User(org_id=org.id, email=admin_email, display_name="Administrator", role="admin",
                 password_hash=hash_password(password), must_change_password=True)
    s.add(admin)
    s.flush()
    actor = Actor(admin.id, admin.email, org.id, org.slug, "admin")
    log = AuditLog(s, actor, context="init")
    log.record("created", "organisation", org.id, before=None, after=digest({"slug": slug, "name": name}))
    log.record("created", "user", admin.id, before=None, after=_user_digest(admin))
    log.flush()
    uow.commit()
    return InitResult(org.slug, org.name, admin.email, password)


def add_user(uow: UnitOfWork, *, actor: Actor, email: str, role: str, display_name: str | None = None) -> str:
    """Add a user to the actor's organisation; returns the one-time password."""
    if not actor.may("users.manage"):
        raise PermissionDenied("only an admin may add users")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of: {', '.join(ROLES)}")
    if not EMAIL_RE.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address")
    s = uow.session
    if repo.user_by_email(s, actor.org_id, email):
        raise InvalidInput(f"a user {email!r} already exists in this organisation")
    password = new_password()
    user = User(org_id=actor.org_id, email=email, display_name=display_name, role=role,
                password_hash=hash_password(password), must_change_password=True)
    s.add(user)
    s.flush()
    log = AuditLog(s, actor, context="users add")
    log.record("created", "user", user.id, before=None, after=_user_digest(user))
    log.flush()
    uow.commit()
    return password


def resolve_actor(uow: UnitOfWork, *, org_slug: str | None, email: str | None) -> Actor:
    """Which organisation and user a command acts for: --org/MINEWATCH_ORG or the only one;
    --as EMAIL or the organisation's first admin."""
    s = uow.session
    if org_slug:
        org = repo.organisation_by_slug(s, org_slug)
        if org is None:
            raise OrganisationNotFound(f"no organisation {org_slug!r}; see 'minewatch init'")
    else:
        orgs = repo.organisations(s)
        if not orgs:
            raise OrganisationNotFound("no organisation yet: run 'minewatch init' first")
        if len(orgs) > 1:
            raise OrganisationAmbiguous(
                "several organisations exist ("
                + ", ".join(o.slug for o in orgs)
                + "): choose one with --org or MINEWATCH_ORG"
            )
        org = orgs[0]
    user = repo.user_by_email(s, org.id, email) if email else repo.first_admin(s, org.id)
    if user is None or not user.is_active:
        raise UserNotFound(f"no active user {email!r} in organisation {org.slug!r}" if email
                           else f"organisation {org.slug!r} has no admin")
    return Actor(user.id, user.email, org.id, org.slug, user.role)
