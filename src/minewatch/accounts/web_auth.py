"""Use cases of signing in: logins with rate limiting, browser sessions, API tokens, passwords.

Secrets are never stored: session cookies and API tokens are 256-bit random strings of which only
the SHA-256 is kept; passwords are argon2id hashes. Failed logins are counted per account and per
client address over :data:`FAILURE_WINDOW`; past the limits a login is refused before the password
is even checked (HTTP 429) until the window has passed. Logins, password changes, tokens and user
changes are audited (digests only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from minewatch.accounts import repository as repo
from minewatch.accounts.errors import LoginFailed, TokenNotFound, UserNotFound
from minewatch.accounts.model import (
    API_TOKEN_PREFIX,
    ROLES,
    Actor,
    check_password,
    hash_password,
    new_password,
    new_token,
    password_needs_rehash,
    password_problem,
    token_hash,
)
from minewatch.accounts.orm import ApiToken, LoginFailure, Organisation, User, WebSession
from minewatch.adapters.db import UnitOfWork, utcnow
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import InvalidInput, NotAuthenticated, PermissionDenied, TooManyAttempts

SESSION_LIFETIME = dt.timedelta(days=7)
SESSION_IDLE = dt.timedelta(hours=12)
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
LANGUAGES = ("en", "fr", "es")
# A hash to verify against when the e-mail is unknown, so that both answers take as long.
_DUMMY_HASH = None


@dataclass(frozen=True)
class Identity:
    """Who is asking, once signed in: the actor and what the web needs about them."""

    actor: Actor
    display_name: str | None
    language: str | None
    must_change_password: bool
    csrf_token: str | None = None  # browser sessions only
    via: str = "session"  # "session" or "token"


def _failure_key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\x00{value.strip().lower()}".encode()).hexdigest()


def _actor(user: User, org: Organisation) -> Actor:
    return Actor(user.id, user.email, org.id, org.slug, user.role)


def _user_digest(user: User) -> str:
    return digest({"email": user.email, "role": user.role, "active": user.is_active, "name": user.display_name})


def login(uow: UnitOfWork, *, email: str, password: str, client: str | None, org_slug: str | None = None,
          now: dt.datetime | None = None) -> tuple[str, Identity]:
    """Check the password and open a browser session; returns (cookie token, identity). Commits.

    Raises :class:`TooManyAttempts` past the failure limits and :class:`LoginFailed` (the same
    message whether the e-mail or the password was wrong) otherwise.
    """
    s = uow.session
    now = now or utcnow()
    since = now - FAILURE_WINDOW
    keys = [("account", _failure_key("account", email), MAX_FAILURES_PER_ACCOUNT)]
    if client:
        keys.append(("address", _failure_key("address", client), MAX_FAILURES_PER_ADDRESS))
    s.execute(sa.delete(LoginFailure).where(LoginFailure.at < since))
    for what, key, limit in keys:
        failures = s.scalars(sa.select(LoginFailure.at).where(LoginFailure.key == key, LoginFailure.at >= since)
                             .order_by(LoginFailure.at)).all()
        if len(failures) >= limit:
            wait = int((failures[0] + FAILURE_WINDOW - now).total_seconds()) + 1
            uow.commit()
            raise TooManyAttempts(f"too many failed logins for this {what}: try again in {max(wait, 1)} s",
                                  retry_after_s=max(wait, 1))
    candidates = repo.users_by_email(s, email)
    if org_slug:
        candidates = [u for u in candidates if _org(s, u.org_id).slug == org_slug]
    matched = [u for u in candidates if check_password(password, u.password_hash)]
    if not candidates:
        check_password(password, _dummy_hash())
    if len(matched) != 1:
        for _, key, _ in keys:
            s.add(LoginFailure(key=key, at=now))
        uow.commit()
        if len(matched) > 1:
            raise LoginFailed("this account exists in several organisations: give the organisation too")
        raise LoginFailed("the e-mail address or the password is wrong")
    user = matched[0]
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    s.execute(sa.delete(LoginFailure).where(LoginFailure.key == keys[0][1]))
    token = new_token()
    csrf = new_token()
    s.add(WebSession(token_hash=token_hash(token), user_id=user.id, org_id=user.org_id, csrf_token=csrf,
                     created_at=now, last_seen_at=now, expires_at=now + SESSION_LIFETIME))
    actor = _actor(user, _org(s, user.org_id))
    log = AuditLog(s, actor, context="web login")
    log.record("logged_in", "user", user.id, before=None, after=None)
    log.flush()
    uow.commit()
    return token, Identity(actor, user.display_name, user.language, user.must_change_password, csrf)


def _org(s, org_id: int) -> Organisation:
    return repo.organisation(s, org_id)


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(new_password())
    return _DUMMY_HASH


def session_identity(uow: UnitOfWork, token: str | None, *, now: dt.datetime | None = None) -> Identity | None:
    """The identity of a browser session cookie, or None if it is unknown, expired or idle too long.
    Extends an active session's idle deadline at most every few minutes (commits only then)."""
    if not token:
        return None
    s = uow.session
    now = now or utcnow()
    row = repo.with_user(s, WebSession, token_hash(token))
    if row is None:
        return None
    ws, user, org = row
    if ws.expires_at <= now or ws.last_seen_at + SESSION_IDLE <= now or not user.is_active:
        s.delete(ws)
        uow.commit()
        return None
    if now - ws.last_seen_at > dt.timedelta(minutes=5):
        ws.last_seen_at = now
        uow.commit()
    return Identity(_actor(user, org), user.display_name, user.language, user.must_change_password, ws.csrf_token)


def logout(uow: UnitOfWork, token: str | None) -> None:
    if token:
        uow.session.execute(sa.delete(WebSession).where(WebSession.token_hash == token_hash(token)))
        uow.commit()


def token_identity(uow: UnitOfWork, token: str | None, *, now: dt.datetime | None = None) -> Identity | None:
    """The identity of an API token (``Authorization: Bearer``), or None if unknown or revoked."""
    if not token or not token.startswith(API_TOKEN_PREFIX):
        return None
    s = uow.session
    row = repo.with_user(s, ApiToken, token_hash(token))
    if row is None:
        return None
    tok, user, org = row
    if tok.revoked_at is not None or not user.is_active:
        return None
    now = now or utcnow()
    if tok.last_used_at is None or now - tok.last_used_at > dt.timedelta(hours=1):
        tok.last_used_at = now
        uow.commit()
    return Identity(_actor(user, org), user.display_name, user.language, False, None, via="token")


def change_password(uow: UnitOfWork, *, actor: Actor, current: str, new: str, keep_session: str | None = None) -> None:
    """Change the actor's own password; every other session of theirs is closed. Commits."""
    s = uow.session
    user = repo.user(s, actor.org_id, actor.user_id)
    if user is None:
        raise UserNotFound("no such user")
    if not check_password(current, user.password_hash):
        raise InvalidInput("the current password is wrong")
    problem = password_problem(new, email=user.email)
    if problem:
        raise InvalidInput(problem)
    if new == current:
        raise InvalidInput("the new password must differ from the current one")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    keep = token_hash(keep_session) if keep_session else None
    s.execute(sa.delete(WebSession).where(WebSession.user_id == user.id, WebSession.token_hash != keep))
    log = AuditLog(s, actor, context="password change")
    log.record("password_changed", "user", user.id, before=None, after=None)
    log.flush()
    uow.commit()


def set_language(uow: UnitOfWork, *, actor: Actor, language: str | None) -> None:
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"language {language!r} is not one of: {', '.join(LANGUAGES)}")
    user = repo.user(uow.session, actor.org_id, actor.user_id)
    if user is None:
        raise UserNotFound("no such user")
    user.language = language
    uow.commit()


# -- API tokens ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    prefix: str
    user_email: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def create_api_token(uow: UnitOfWork, *, actor: Actor, user_email: str, name: str) -> tuple[str, TokenInfo]:
    """A new API token for a user of the actor's organisation (admins for anyone, others for
    themselves); the token is returned once. Commits."""
    s = uow.session
    user = repo.user_by_email(s, actor.org_id, user_email)
    if user is None or not user.is_active:
        raise UserNotFound(f"no active user {user_email!r} in organisation {actor.org_slug!r}")
    if user.id != actor.user_id and not actor.may("users.manage"):
        raise PermissionDenied("only an admin may create tokens for other users")
    name = (name or "").strip() or "token"
    if len(name) > 100:
        raise InvalidInput("a token name has at most 100 characters")
    token = new_token(API_TOKEN_PREFIX)
    row = ApiToken(org_id=actor.org_id, user_id=user.id, name=name, token_hash=token_hash(token),
                   prefix=token[:10], created_at=utcnow())
    s.add(row)
    s.flush()
    log = AuditLog(s, actor, context="tokens create")
    log.record("created", "api_token", row.id, before=None, after=digest({"user": user.email, "name": name}))
    log.flush()
    uow.commit()
    return token, TokenInfo(row.id, row.name, row.prefix, user.email, row.created_at, None, None)


def list_api_tokens(uow: UnitOfWork, *, actor: Actor) -> list[TokenInfo]:
    """The organisation's tokens (admins) or the actor's own."""
    stmt = (sa.select(ApiToken, User.email).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.org_id == actor.org_id).order_by(ApiToken.id))
    if not actor.may("users.manage"):
        stmt = stmt.where(ApiToken.user_id == actor.user_id)
    return [TokenInfo(t.id, t.name, t.prefix, email, t.created_at, t.last_used_at, t.revoked_at)
            for t, email in uow.session.execute(stmt)]


def revoke_api_token(uow: UnitOfWork, *, actor: Actor, token_id: int) -> None:
    s = uow.session
    tok = s.scalars(sa.select(ApiToken).where(ApiToken.org_id == actor.org_id, ApiToken.id == token_id)).one_or_none()
    if tok is None or (tok.user_id != actor.user_id and not actor.may("users.manage")):
        raise TokenNotFound(f"no token {token_id} in organisation {actor.org_slug!r}")
    if tok.revoked_at is None:
        tok.revoked_at = utcnow()
        log = AuditLog(s, actor, context="tokens revoke")
        log.record("revoked", "api_token", tok.id, before=None, after=None)
        log.flush()
    uow.commit()


# -- user administration ------------------------------------------------------------------------------

@dataclass(frozen=True)
class UserInfo:
    id: int
    email: str
    display_name: str | None
    role: str
    is_active: bool
    must_change_password: bool
    language: str | None


def _user_info(u: User) -> UserInfo:
    return UserInfo(u.id, u.email, u.display_name, u.role, u.is_active, u.must_change_password, u.language)


def list_users(uow: UnitOfWork, *, actor: Actor) -> list[UserInfo]:
    if not actor.may("users.manage"):
        raise PermissionDenied("only an admin may manage users")
    return [_user_info(u) for u in repo.users(uow.session, actor.org_id)]


def update_user(uow: UnitOfWork, *, actor: Actor, user_id: int, role: str | None = None,
                is_active: bool | None = None, display_name: str | None = None) -> UserInfo:
    """Change a user's role, name or whether they may log in (deactivating closes their sessions
    and stops their tokens). An admin cannot demote or deactivate themselves. Commits."""
    if not actor.may("users.manage"):
        raise PermissionDenied("only an admin may manage users")
    s = uow.session
    user = repo.user(s, actor.org_id, user_id)
    if user is None:
        raise UserNotFound(f"no user {user_id} in organisation {actor.org_slug!r}")
    before = _user_digest(user)
    if role is not None:
        if role not in ROLES:
            raise InvalidInput(f"role {role!r} is not one of: {', '.join(ROLES)}")
        if user.id == actor.user_id and role != user.role:
            raise InvalidInput("you cannot change your own role")
        user.role = role
    if is_active is not None:
        if user.id == actor.user_id and not is_active:
            raise InvalidInput("you cannot deactivate yourself")
        user.is_active = is_active
        if not is_active:
            s.execute(sa.delete(WebSession).where(WebSession.user_id == user.id))
    if display_name is not None:
        user.display_name = display_name.strip()[:200] or None
    after = _user_digest(user)
    if after != before:
        log = AuditLog(s, actor, context="users update")
        log.record("updated", "user", user.id, before=before, after=after)
        log.flush()
    uow.commit()
    return _user_info(user)


def reset_password(uow: UnitOfWork, *, actor: Actor, user_id: int) -> str:
    """A new one-time password for a user (to be changed at next login); closes their sessions."""
    if not actor.may("users.manage"):
        raise PermissionDenied("only an admin may reset passwords")
    s = uow.session
    user = repo.user(s, actor.org_id, user_id)
    if user is None:
        raise UserNotFound(f"no user {user_id} in organisation {actor.org_slug!r}")
    password = new_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    s.execute(sa.delete(WebSession).where(WebSession.user_id == user.id))
    log = AuditLog(s, actor, context="users reset-password")
    log.record("password_reset", "user", user.id, before=None, after=None)
    log.flush()
    uow.commit()
    return password


def set_password(uow: UnitOfWork, *, actor: Actor, email: str, password: str, must_change: bool = False) -> None:
    """Set a user's password directly (the demo's account; admins from the CLI). Commits."""
    if not actor.may("users.manage"):
        raise PermissionDenied("only an admin may set passwords")
    s = uow.session
    user = repo.user_by_email(s, actor.org_id, email)
    if user is None:
        raise UserNotFound(f"no user {email!r} in organisation {actor.org_slug!r}")
    problem = password_problem(password, email=user.email)
    if problem:
        raise InvalidInput(problem)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    log = AuditLog(s, actor, context="users set-password")
    log.record("password_set", "user", user.id, before=None, after=None)
    log.flush()
    uow.commit()


def require_identity(identity: Identity | None) -> Identity:
    if identity is None:
        raise NotAuthenticated("log in first")
    return identity
