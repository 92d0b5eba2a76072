"""Logins, sessions, CSRF, rate limiting, passwords, API tokens and security headers."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD, csrf_of, login


def test_login_sets_a_secure_session_cookie_and_logout_ends_it(web):
    client = web.client()
    r = login(client, web.email("alpha"), next="/account/tokens")
    assert r.status_code == 303 and r.headers["location"] == "/account/tokens"
    cookie = r.headers["set-cookie"]
    assert "mw_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain http on loopback; https sets Secure (next test)
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "Administrator · alpha" in page.text
    r = client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    assert client.get("/account/tokens").status_code == 303  # back to the login form


def test_session_cookie_is_secure_over_https(web):
    client = web.client(base_url="https://testserver")
    r = login(client, web.email("alpha"))
    assert "Secure" in r.headers["set-cookie"]
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_wrong_password_says_the_same_as_an_unknown_email(web):
    client = web.client()
    wrong = login(client, web.email("alpha"), "not-the-password")
    unknown = login(client, "nobody@alpha.test", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "The e-mail address or the password is wrong." in wrong.text
    assert "The e-mail address or the password is wrong." in unknown.text
    assert "mw_session" not in wrong.headers.get("set-cookie", "")


def test_login_is_rate_limited_per_account_after_five_failures(web):
    client = web.client()
    for _ in range(5):
        assert login(client, web.email("alpha", "viewer"), "wrong-password-x").status_code == 401
    blocked = login(client, web.email("alpha", "viewer"), PASSWORD)  # even the right password waits
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "Too many failed logins" in blocked.text
    # Another account from the same address is not blocked yet (the address limit is higher).
    assert login(client, web.email("alpha", "auditor")).status_code == 303


def test_form_post_without_csrf_token_is_rejected(web):
    client = web.client()
    login(client, web.email("alpha"))
    r = client.post("/admin/users", data={"email": "x@alpha.test", "role": "viewer"})
    assert r.status_code == 403 and "security token" in r.text
    r = client.post("/admin/users", data={"email": "x@alpha.test", "role": "viewer", "csrf_token": "forged"})
    assert r.status_code == 403
    # The login form itself is protected (double-submit cookie before there is a session).
    fresh = web.client()
    r = fresh.post("/login", data={"email": web.email("alpha"), "password": PASSWORD})
    assert r.status_code == 403


def test_must_change_password_then_change_it(web):
    from minewatch.accounts.web_auth import reset_password

    with web.app.uow() as uow:
        users = {u.email: u.id for u in __import__("minewatch.accounts.web_auth", fromlist=["x"]).list_users(
            uow, actor=web.actors["alpha"])}
    with web.app.uow() as uow:
        one_time = reset_password(uow, actor=web.actors["alpha"], user_id=users[web.email("alpha", "viewer")])
    client = web.client()
    r = login(client, web.email("alpha", "viewer"), one_time)
    assert r.status_code == 303 and r.headers["location"] == "/account/password"
    page = client.get("/account/password")
    token = csrf_of(page.text)
    short = client.post("/account/password", data={"current": one_time, "new": "short", "confirm": "short",
                                                   "csrf_token": token})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    ok = client.post("/account/password", data={"current": one_time, "new": "a-new-long-password",
                                                "confirm": "a-new-long-password", "csrf_token": token})
    assert ok.status_code == 200 and "was changed" in ok.text
    assert login(web.client(), web.email("alpha", "viewer"), "a-new-long-password").headers["location"] == "/"


def test_api_token_authenticates_and_revocation_stops_it(web):
    from minewatch.accounts.web_auth import list_api_tokens, revoke_api_token

    token = web.token("alpha", "viewer")
    client = web.client()
    assert token.startswith("mwt_")
    r = client.get("/account/tokens", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    with web.app.uow() as uow:
        tid = list_api_tokens(uow, actor=web.actors["alpha"])[0].id
    with web.app.uow() as uow:
        revoke_api_token(uow, actor=web.actors["alpha"], token_id=tid)
    r = client.get("/account/tokens", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 303  # pages answer an unknown token with the login form


def test_tokens_are_stored_hashed(web):
    import sqlalchemy as sa

    token = web.token("alpha")
    with web.app.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.text("SELECT token_hash, prefix FROM api_tokens"))]
    assert stored and all(token not in "".join(r) for r in stored)


def test_security_headers_on_pages(web):
    r = web.client().get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "<script>" not in r.text and " style=" not in r.text


@pytest.mark.parametrize("header, expected", [("fr-CD,fr;q=0.9,en;q=0.5", "Connexion"),
                                              ("es-BO,es;q=0.9", "Iniciar sesión"), (None, "Log in")])
def test_login_page_speaks_the_browsers_language(web, header, expected):
    headers = {"Accept-Language": header} if header else {}
    assert expected in web.client().get("/login", headers=headers).text


def test_admin_adds_a_user_in_the_browser_and_it_is_audited(web):
    import sqlalchemy as sa

    client = web.client()
    login(client, web.email("alpha"))
    page = client.get("/admin/users")
    r = client.post("/admin/users", data={"email": "new@alpha.test", "role": "field_officer",
                                          "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "One-time password for new@alpha.test" in r.text
    with web.app.engine.connect() as conn:
        n = conn.scalar(sa.text("SELECT count(*) FROM audit_events WHERE entity_type='user' AND action='created'"))
    assert n >= 12  # 6 roles x 2 organisations + the new one, each audited
    # A non-admin may not see the page.
    other = web.client()
    login(other, web.email("alpha", "viewer"))
    assert other.get("/admin/users").status_code == 403


def test_oversized_bodies_are_refused_before_they_are_read():
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from minewatch.web.security import BodyLimit

    async def echo(request: Request):
        body = await request.body()
        return PlainTextResponse(str(len(body)))

    from starlette.middleware import Middleware

    # As in create_app: inside Starlette's error middleware.
    client = TestClient(Starlette(routes=[Route("/x", echo, methods=["POST"])],
                                  middleware=[Middleware(BodyLimit, max_bytes=1000)]))
    assert client.post("/x", content=b"a" * 1000).text == "1000"
    r = client.post("/x", content=b"a" * 1001)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"

    def chunks():  # no Content-Length: counted while streaming
        for _ in range(10):
            yield b"b" * 500

    r = client.post("/x", content=chunks())
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_a_configured_tile_server_is_allowed_by_the_csp(web):
    from fastapi.testclient import TestClient

    from minewatch.web.app import create_app

    web.app.settings.tile_url = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    csp = TestClient(create_app(web.app)).get("/login").headers["content-security-policy"]
    assert "img-src 'self' data: blob: https://*.tile.example.org;" in csp
    assert "script-src 'self';" in csp
