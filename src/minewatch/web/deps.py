"""Request dependencies: the unit of work, who is asking, what they may do, CSRF and language.

Access is enforced here and in the repositories, nowhere else:

* :func:`require` is the only gate of a route: ``Depends(require("registry.read"))`` gives the
  :class:`~minewatch.accounts.web_auth.Identity` or raises NotAuthenticated (401; pages redirect to
  the login form) or PermissionDenied (403). The role-by-permission matrix is
  :data:`minewatch.accounts.model.PERMISSIONS` (documented in docs/roles.md, checked by a test).
* Every query is scoped to the identity's organisation by the repositories, so another
  organisation's record is "not found" (404), never "forbidden".
* :func:`check_csrf` runs for every route (an app-wide dependency): an unsafe request that relies
  on cookies must carry the CSRF token of its session (form field ``csrf_token`` or header
  ``X-CSRF-Token``); before login the token is a random cookie (double submit). Requests with a
  bearer token carry no ambient credentials and need none.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator

from fastapi import Depends, Request, Response

from minewatch.accounts.web_auth import Identity, session_identity, token_identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import NotAuthenticated, PermissionDenied
from minewatch.web import i18n

SESSION_COOKIE = "mw_session"
CSRF_COOKIE = "mw_csrf"
LANGUAGE_COOKIE = "mw_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


def get_app(request: Request):
    return request.app.state.minewatch


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    """One unit of work per request (services commit it; leaving without commit rolls back)."""
    with get_app(request).uow() as uow:
        yield uow


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth and auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return None


def get_identity(request: Request, uow: UnitOfWork = Depends(get_uow)) -> Identity | None:
    """Who is asking: a bearer token, else the session cookie, else nobody (None). Cached per request."""
    if hasattr(request.state, "identity"):
        return request.state.identity
    bearer = _bearer(request)
    if bearer is not None:
        identity = token_identity(uow, bearer)
        if identity is None:
            raise NotAuthenticated("the API token is unknown or revoked")
    else:
        identity = session_identity(uow, request.cookies.get(SESSION_COOKIE))
    request.state.identity = identity
    return identity


def require(permission: str | None = None):
    """A dependency: the identity, which must be logged in and (if given) hold ``permission``."""

    def dependency(identity: Identity | None = Depends(get_identity)) -> Identity:
        if identity is None:
            raise NotAuthenticated("log in first")
        if permission is not None and not identity.actor.may(permission):
            raise PermissionDenied(f"role '{identity.actor.role}' may not do this ({permission})")
        return identity

    dependency.permission = permission  # read by the route-table tests
    return dependency


def csrf_token_for(request: Request) -> str:
    """The token forms must send back: the session's, or before login the double-submit cookie's."""
    identity = getattr(request.state, "identity", None)
    if identity is not None and identity.csrf_token:
        return identity.csrf_token
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def ensure_csrf_cookie(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                            path="/")


async def check_csrf(request: Request, identity: Identity | None = Depends(get_identity)) -> None:
    if request.method in SAFE_METHODS or _bearer(request) is not None:
        return
    if request.url.path.startswith("/hooks/"):  # providers' webhooks: signed or secret URL (web/pages/hooks.py)
        return
    if identity is not None:
        expected = identity.csrf_token
    else:
        expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfFailed("the form's security token is missing or out of date: reload the page and try again")


def language_for(request: Request) -> str:
    """The user's setting, else the language cookie, else the browser's Accept-Language."""
    identity = getattr(request.state, "identity", None)
    if identity is not None and identity.language in i18n.LANGUAGES:
        return identity.language
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in i18n.LANGUAGES:
        return cookie
    return i18n.negotiate(request.headers.get("accept-language"))


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after login (never another site: ``//evil`` or ``https://...``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
