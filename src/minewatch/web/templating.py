"""Jinja2 templates with the request's language, identity, CSRF token and formatting filters."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from importlib import resources

import jinja2
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse

from minewatch.web import i18n


def _jinja_gettext(message: str) -> str:
    return i18n.translations(i18n.current_language()).ugettext(message)


def _jinja_ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.translations(i18n.current_language()).ungettext(singular, plural, n)


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("minewatch.web", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(_jinja_gettext, _jinja_ngettext, newstyle=True)
    env.filters["number"] = lambda v, digits=0: "" if v is None else format_decimal(
        v, format="#,##0" + ("." + "0" * digits if digits else ""), locale=i18n.current_language())
    env.filters["percent"] = lambda v: "" if v is None else format_percent(v, locale=i18n.current_language())
    env.filters["date"] = lambda v: "" if v is None else format_date(
        v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)), format="medium", locale=i18n.current_language())
    env.filters["yesno"] = lambda v: i18n.gettext("unknown") if v is None else (
        i18n.gettext("yes") if v else i18n.gettext("no"))
    env.globals["static"] = static_url
    env.globals["LANGUAGE_NAMES"] = i18n.LANGUAGE_NAMES
    return env


@functools.lru_cache(maxsize=256)
def static_url(path: str) -> str:
    """``/static/<path>?v=<content hash>``: cacheable for a year, new URL when the file changes."""
    data = resources.files("minewatch.web").joinpath("static", *path.split("/")).read_bytes()
    return f"/static/{path}?v={hashlib.sha256(data).hexdigest()[:12]}"


def render(request: Request, template: str, context: dict | None = None, *, status_code: int = 200,
           headers: dict | None = None) -> HTMLResponse:
    """Render ``template`` in the request's language, with ``identity``, ``csrf_token`` and ``lang``."""
    from minewatch.web.deps import csrf_token_for, language_for

    lang = language_for(request)
    token = i18n.set_language(lang)
    try:
        identity = getattr(request.state, "identity", None)
        ctx = {"request": request, "identity": identity, "csrf_token": csrf_token_for(request), "lang": lang,
               "path": request.url.path, **(context or {})}
        html = environment().get_template(template).render(ctx)
    finally:
        i18n.reset_language(token)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    from minewatch.web.deps import ensure_csrf_cookie

    ensure_csrf_cookie(request, response)
    return response
