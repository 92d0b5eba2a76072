"""Pages of signing in: login, logout, password change, language; and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse

from minewatch.accounts import web_auth
from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import InvalidInput, LoginRefused
from minewatch.web import i18n
from minewatch.web.deps import LANGUAGE_COOKIE, SESSION_COOKIE, get_identity, get_uow, require, safe_next
from minewatch.web.i18n import gettext as _
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz(uow: UnitOfWork = Depends(get_uow)):
    import sqlalchemy as sa

    uow.session.execute(sa.text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/login")
def login_form(request: Request, next: str = "/", identity: Identity | None = Depends(get_identity)):
    if identity is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "email": "", "error": None})


@router.post("/login")
def login(request: Request, email: str = Form(""), password: str = Form(""), organisation: str = Form(""),
          next: str = Form("/"), uow: UnitOfWork = Depends(get_uow)):
    client = request.client.host if request.client else None
    try:
        token, identity = web_auth.login(uow, email=email.strip(), password=password, client=client,
                                         org_slug=organisation.strip() or None)
    except LoginRefused as exc:
        i18n_token = i18n.set_language(_language(request))
        try:
            message = _("Too many failed logins: wait a few minutes and try again.") if exc.http_status == 429 \
                else _("The e-mail address or the password is wrong.")
        finally:
            i18n.reset_language(i18n_token)
        headers = {"Retry-After": str(exc.retry_after_s)} if exc.http_status == 429 else None
        return render(request, "login.html", {"next": safe_next(next), "email": email, "error": message},
                      status_code=exc.http_status, headers=headers)
    target = "/account/password" if identity.must_change_password else safe_next(next)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(web_auth.SESSION_LIFETIME.total_seconds()),
                        httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


def _language(request: Request) -> str:
    from minewatch.web.deps import language_for

    return language_for(request)


@router.post("/logout")
def logout(request: Request, uow: UnitOfWork = Depends(get_uow)):
    web_auth.logout(uow, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password")
def password_form(request: Request, identity: Identity = Depends(require())):
    return render(request, "password.html", {"error": None, "done": False})


@router.post("/account/password")
def change_password(request: Request, current: str = Form(""), new: str = Form(""), confirm: str = Form(""),
                    identity: Identity = Depends(require()), uow: UnitOfWork = Depends(get_uow)):
    error = None
    if new != confirm:
        i18n_token = i18n.set_language(_language(request))
        try:
            error = _("the two new passwords differ")
        finally:
            i18n.reset_language(i18n_token)
    else:
        try:
            web_auth.change_password(uow, actor=identity.actor, current=current, new=new,
                                     keep_session=request.cookies.get(SESSION_COOKIE))
        except InvalidInput as exc:
            error = exc.message
    if error:
        return render(request, "password.html", {"error": error, "done": False}, status_code=422)
    request.state.identity = Identity(identity.actor, identity.display_name, identity.language, False,
                                      identity.csrf_token, identity.via)
    return render(request, "password.html", {"error": None, "done": True})


@router.post("/language")
def choose_language(request: Request, language: str = Form(...), next: str = Form("/"),
                    identity: Identity | None = Depends(get_identity), uow: UnitOfWork = Depends(get_uow)):
    if language not in i18n.LANGUAGES:
        raise InvalidInput(f"language {language!r} is not one of: {', '.join(i18n.LANGUAGES)}")
    if identity is not None and identity.via == "session":
        web_auth.set_language(uow, actor=identity.actor, language=language)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
    return response
