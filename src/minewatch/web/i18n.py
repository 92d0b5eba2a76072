"""Interface languages: gettext catalogs (Babel) per request, chosen from the user's setting, a
cookie or the browser's Accept-Language.

The catalogs are the ``.po`` files in ``web/locale/<lang>/LC_MESSAGES/messages.po``, compiled in
memory when first used (no binary ``.mo`` files to fall out of step). ``make i18n`` extracts the
messages of the templates and the Python code and updates the catalogs (see README).
"""

from __future__ import annotations

import functools
import io
from contextvars import ContextVar
from importlib import resources

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations

LANGUAGES = ("en", "fr", "es")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}

_current: ContextVar[str] = ContextVar("minewatch_language", default=DEFAULT_LANGUAGE)


@functools.lru_cache(maxsize=None)
def translations(language: str) -> NullTranslations:
    """The compiled catalog of ``language`` (English is the source language: no catalog)."""
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = resources.files("minewatch.web").joinpath("locale", language, "LC_MESSAGES", "messages.po")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf)


def negotiate(accept_language: str | None, *, default: str = DEFAULT_LANGUAGE) -> str:
    """The best of :data:`LANGUAGES` for an Accept-Language header (``fr-CD,fr;q=0.9,en;q=0.5``)."""
    if not accept_language:
        return default
    ranked = []
    for i, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag.strip()))
    for _, _, tag in sorted(ranked):
        if tag == "*":
            return default
        try:
            lang = Locale.parse(tag.replace("-", "_")).language
        except (ValueError, UnknownLocaleError):
            continue
        if lang in LANGUAGES:
            return lang
    return default


def set_language(language: str):
    """Make ``language`` current (for this thread or task); returns the token to reset it."""
    return _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def reset_language(token) -> None:
    _current.reset(token)


def current_language() -> str:
    return _current.get()


def gettext(message: str, **variables) -> str:
    text = translations(_current.get()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    text = translations(_current.get()).ungettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext
