"""Signing in, languages, user administration and CSRF in a real browser (Debian's chromium).

Each test gets a fresh browser context on a live uvicorn server (see tests/web/browser.py); any
console error, uncaught script error or CSP violation fails the test.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.browser import (  # noqa: F401 (chromium, open_page, page are fixtures)
    chromium,
    choose_language,
    expect_status,
    log_in,
    log_of,
    log_out,
    open_page,
    page,
    submit,
)
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser

ADD_USER_FORM = "form.stack[action='/admin/users']"


def test_log_in_through_the_form_then_log_out(web, page):
    assert log_in(page, web.email("alpha"), next="/account/tokens") == 200
    assert page.url.endswith("/account/tokens")
    assert page.locator("header .who").inner_text() == "Administrator · alpha"
    assert any(c["name"] == "mw_session" and c["httpOnly"] for c in page.context.cookies())
    assert PASSWORD not in page.url and PASSWORD not in page.content()

    assert log_out(page) == 200
    assert page.url.endswith("/login")
    assert not any(c["name"] == "mw_session" for c in page.context.cookies())
    page.goto("/account/tokens")  # the session is gone: back to the form, which remembers where to go
    url = urlsplit(page.url)
    assert url.path == "/login" and parse_qs(url.query) == {"next": ["/account/tokens"]}, page.url
    assert page.locator("header .who").count() == 0


def test_wrong_password_is_told_and_no_session_is_opened(web, page):
    expect_status(page, 401)
    assert log_in(page, web.email("alpha", "viewer"), "not-the-password") == 401
    assert page.locator("[role=alert]").inner_text() == "The e-mail address or the password is wrong."
    assert page.locator("input[name=email]").input_value() == web.email("alpha", "viewer")  # kept, to fix a typo
    assert page.locator("input[name=password]").input_value() == ""
    assert not any(c["name"] == "mw_session" for c in page.context.cookies())


def test_language_selector_switches_to_french_and_the_choice_follows_the_user(web, open_page):
    page = open_page(locale="en-GB")
    page.goto("/login")
    assert page.locator("h1").inner_text() == "Log in"
    assert choose_language(page, "fr") == 200
    assert page.url.endswith("/login")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Connexion"
    assert page.locator("form[action='/login'] label").nth(1).inner_text().startswith("Mot de passe")

    # Chosen while logged in, the language is the user's setting: another browser gets it too.
    assert log_in(page, web.email("alpha", "viewer"), next="/account/tokens") == 200
    assert page.locator("form[action='/logout'] button").inner_text() == "Déconnexion"
    assert choose_language(page, "fr") == 200
    other = open_page(locale="en-GB")
    assert log_in(other, web.email("alpha", "viewer"), next="/account/password") == 200
    assert other.locator("html").get_attribute("lang") == "fr"
    assert other.locator("form[action='/logout'] button").inner_text() == "Déconnexion"
    assert other.locator("header nav a[href='/account/password'], header a[href='/account/password']").first \
        .inner_text() == "Mot de passe"


def test_admin_adds_a_user_who_logs_in_with_the_one_time_password(web, open_page):
    admin = open_page()
    assert log_in(admin, web.email("alpha"), next="/admin/users") == 200
    admin.locator(f"{ADD_USER_FORM} input[name=email]").fill("amani@alpha.test")
    admin.locator(f"{ADD_USER_FORM} input[name=display_name]").fill("Amani Bahati")
    admin.locator(f"{ADD_USER_FORM} select[name=role]").select_option("field_officer")
    assert submit(admin, ADD_USER_FORM) == 200
    status = admin.locator("[role=status]")
    assert status.inner_text().startswith("One-time password for amani@alpha.test:")
    one_time = status.locator("code.secret").inner_text()
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", one_time), one_time
    assert admin.locator("table.data td", has_text="amani@alpha.test").count() == 1

    newcomer = open_page()
    assert log_in(newcomer, "amani@alpha.test", one_time) == 200
    assert newcomer.url.endswith("/account/password")  # a one-time password must be replaced first
    newcomer.locator("input[name=current]").fill(one_time)
    newcomer.locator("input[name=new]").fill("amani-chose-this-one")
    newcomer.locator("input[name=confirm]").fill("amani-chose-this-one")
    assert submit(newcomer, "form[action='/account/password']") == 200
    assert "Your password was changed." in newcomer.locator("[role=status]").inner_text()
    assert newcomer.locator("header .who").inner_text() == "Amani Bahati · alpha"


def test_a_form_with_a_tampered_csrf_token_is_refused(web, page):
    assert log_in(page, web.email("alpha"), next="/admin/users") == 200
    page.locator(f"{ADD_USER_FORM} input[name=email]").fill("forged@alpha.test")
    page.locator(f"{ADD_USER_FORM} input[name=csrf_token]").evaluate("(input) => { input.value = 'tampered' + input.value }")
    expect_status(page, 403)
    assert submit(page, ADD_USER_FORM) == 403
    assert "security token" in page.locator("main").inner_text()
    page.goto("/admin/users")
    assert page.locator("table.data td", has_text="forged@alpha.test").count() == 0
    # The session itself still works: the untampered form goes through.
    page.locator(f"{ADD_USER_FORM} input[name=email]").fill("genuine@alpha.test")
    assert submit(page, ADD_USER_FORM) == 200
    assert page.locator("table.data td", has_text="genuine@alpha.test").count() == 1


def test_the_recorder_catches_csp_violations_and_script_errors(web, page):
    """The guard of every browser test: an inline script (forbidden by our CSP) and an uncaught
    exception are both reported."""
    page.goto("/login")
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.inlineRan = true';
        document.body.appendChild(s);
        setTimeout(() => { throw new Error('boom from a test'); }, 0);
    }""")
    page.wait_for_timeout(100)
    assert page.evaluate("() => window.inlineRan === undefined")  # the CSP blocked it
    log = log_of(page)
    assert any("CSP violation: script-src" in e for e in log.errors), log.errors
    assert any("uncaught script error" in e and "boom from a test" in e for e in log.errors), log.errors
    for expected in ("CSP violation", "Content Security Policy", "boom from a test"):
        log.allow(re.escape(expected))
    assert log.unexpected() == []
