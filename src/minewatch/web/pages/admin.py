"""Pages of user administration (admins) and of one's own API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from minewatch.accounts import web_auth
from minewatch.accounts.model import ROLES
from minewatch.accounts.service import add_user
from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import InvalidInput
from minewatch.web.deps import get_uow, require
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)


def _users_page(request: Request, identity: Identity, uow: UnitOfWork, *, message=None, error=None,
                one_time=None, status_code=200):
    users = web_auth.list_users(uow, actor=identity.actor)
    return render(request, "admin_users.html", {"users": users, "roles": ROLES, "message": message,
                                                "error": error, "one_time": one_time}, status_code=status_code)


@router.get("/admin/users")
def users_page(request: Request, identity: Identity = Depends(require("users.manage")),
               uow: UnitOfWork = Depends(get_uow)):
    return _users_page(request, identity, uow)


@router.post("/admin/users")
def users_add(request: Request, email: str = Form(""), role: str = Form("viewer"), display_name: str = Form(""),
              identity: Identity = Depends(require("users.manage")), uow: UnitOfWork = Depends(get_uow)):
    try:
        password = add_user(uow, actor=identity.actor, email=email.strip(), role=role,
                            display_name=display_name.strip() or None)
    except InvalidInput as exc:
        uow.rollback()
        return _users_page(request, identity, uow, error=exc.message, status_code=422)
    return _users_page(request, identity, uow, one_time=(email.strip(), password))


@router.post("/admin/users/{user_id}")
def users_update(request: Request, user_id: int, role: str = Form(...), active: str = Form("off"),
                 identity: Identity = Depends(require("users.manage")), uow: UnitOfWork = Depends(get_uow)):
    try:
        web_auth.update_user(uow, actor=identity.actor, user_id=user_id, role=role, is_active=active == "on")
    except InvalidInput as exc:
        uow.rollback()
        return _users_page(request, identity, uow, error=exc.message, status_code=422)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/reset-password")
def users_reset(request: Request, user_id: int, identity: Identity = Depends(require("users.manage")),
                uow: UnitOfWork = Depends(get_uow)):
    password = web_auth.reset_password(uow, actor=identity.actor, user_id=user_id)
    user = next(u for u in web_auth.list_users(uow, actor=identity.actor) if u.id == user_id)
    return _users_page(request, identity, uow, one_time=(user.email, password))


@router.get("/account/tokens")
def tokens_page(request: Request, identity: Identity = Depends(require()), uow: UnitOfWork = Depends(get_uow)):
    tokens = web_auth.list_api_tokens(uow, actor=identity.actor)
    return render(request, "tokens.html", {"tokens": tokens, "new_token": None})


@router.post("/account/tokens")
def tokens_create(request: Request, name: str = Form("token"), identity: Identity = Depends(require()),
                  uow: UnitOfWork = Depends(get_uow)):
    token, _ = web_auth.create_api_token(uow, actor=identity.actor, user_email=identity.actor.email, name=name)
    tokens = web_auth.list_api_tokens(uow, actor=identity.actor)
    return render(request, "tokens.html", {"tokens": tokens, "new_token": token})


@router.post("/account/tokens/{token_id}/revoke")
def tokens_revoke(token_id: int, identity: Identity = Depends(require()), uow: UnitOfWork = Depends(get_uow)):
    web_auth.revoke_api_token(uow, actor=identity.actor, token_id=token_id)
    return RedirectResponse("/account/tokens", status_code=303)
