"""The French and Spanish catalogs translate every message of the interface, and compile.

Extracts the messages the way ``make i18n`` does (Babel, with the methods and options of babel.cfg)
from the source itself, so a string wrapped in ``_()`` today and not yet translated fails here.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import PYTHON_FORMAT
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "minewatch"
LOCALE = SOURCE / "web" / "locale"
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "es": "nplurals=2; plural=(n != 1);"}


@pytest.fixture(scope="module")
def extracted() -> dict:
    """msgid (a string, or a (singular, plural) pair) -> where it was found."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, filename="babel.cfg")
    found: dict = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            SOURCE, method_map, options_map, keywords=DEFAULT_KEYWORDS):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


def _catalog(lang: str):
    with open(LOCALE / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def _placeholders(text: str) -> set[str]:
    return {m.group(0) for m in PYTHON_FORMAT.finditer(text) if m.group(0) != "%%"}


def test_extraction_finds_the_interface(extracted):
    # The extraction really reads the templates and the page code (guards against a babel.cfg that matches nothing).
    assert len(extracted) > 150
    assert "Dashboard" in extracted and extracted["Dashboard"].startswith("web/templates/")
    assert ("%(num)s site matches", "%(num)s sites match") in extracted
    assert "The e-mail address or the password is wrong." in extracted  # from web/pages/auth.py


@pytest.mark.parametrize("lang", sorted(PLURAL_FORMS))
def test_every_message_is_translated_with_the_same_placeholders(extracted, lang):
    catalog = _catalog(lang)
    assert catalog.plural_forms == PLURAL_FORMS[lang]
    assert catalog.fuzzy is False and "FULL NAME" not in catalog.last_translator
    problems = []
    for msgid, where in extracted.items():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalog.get(key)
        if message is None:
            problems.append(f"{where}: not in the catalog: {msgid!r}")
            continue
        if message.id != msgid:
            problems.append(f"{where}: the catalog's entry has another plural: {message.id!r}")
            continue
        if message.fuzzy:
            problems.append(f"{where}: fuzzy: {msgid!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if isinstance(msgid, tuple) and len(strings) != catalog.num_plurals:
            problems.append(f"{where}: {len(strings)} plural forms instead of {catalog.num_plurals}: {msgid!r}")
        wanted = set().union(*(_placeholders(i) for i in (msgid if isinstance(msgid, tuple) else (msgid,))))
        for s in strings:
            if not s:
                problems.append(f"{where}: untranslated: {msgid!r}")
            elif _placeholders(s) != wanted:
                problems.append(f"{where}: {sorted(_placeholders(s))} instead of {sorted(wanted)} in {s!r}")
            else:
                try:  # templates %-format every message (Jinja's newstyle gettext): a lone % would fail there
                    s % {name: 1 for name in re.findall(r"%\((\w+)\)", s)}
                except (ValueError, TypeError, KeyError) as exc:
                    problems.append(f"{where}: {exc} in {s!r}")
    assert not problems, f"{len(problems)} problems in the {lang} catalog:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", sorted(PLURAL_FORMS))
def test_catalog_compiles_and_plural_forms_choose_the_right_words(lang):
    buf = io.BytesIO()
    write_mo(buf, _catalog(lang), use_fuzzy=False)
    buf.seek(0)
    compiled = read_mo(buf)
    assert compiled.plural_forms == PLURAL_FORMS[lang]
    from babel.support import Translations

    buf.seek(0)
    t = Translations(buf)
    one = t.ungettext("%(num)s site matches", "%(num)s sites match", 1)
    many = t.ungettext("%(num)s site matches", "%(num)s sites match", 3)
    zero = t.ungettext("%(num)s site matches", "%(num)s sites match", 0)
    assert one != many and one.startswith("%(num)s") and many.startswith("%(num)s")
    assert zero == (one if lang == "fr" else many)  # French: "0 site correspond"; Spanish: "0 sitios coinciden"
