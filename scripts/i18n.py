"""Extract the interface's messages and update the French and Spanish catalogs (``make i18n``).

Uses Babel in-process: the messages of the templates and of the Python code (``_``, ``gettext``,
``ngettext``; the methods and options of ``babel.cfg``) go to ``src/minewatch/web/locale/messages.pot``,
then into each language's ``messages.po``: new messages arrive untranslated (never guessed from a
similar one, so never fuzzy), removed ones are kept as obsolete (``#~``) for the translators. The
headers (project, team, plural forms) are set here. A file is rewritten only when more than its dates
changed, so running this twice changes nothing.

``--check`` then fails (exit 1) listing every message that is untranslated, fuzzy, has other
``%(name)s`` placeholders than its English source, or does not compile; tests/unit/test_i18n_catalogs.py
checks the same.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from importlib import metadata
from pathlib import Path

from babel.messages.catalog import PYTHON_FORMAT, Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "minewatch"
LOCALE = SOURCE / "web" / "locale"
POT = LOCALE / "messages.pot"
LANGUAGES = ("fr", "es")
# gettext plural rules of the interface: French counts 0 and 1 as singular; Spanish only 1. (Babel's
# CLDR data give French a third form for "1 million", which gettext catalogs do not use.)
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "es": "nplurals=2; plural=(n != 1);"}
LANGUAGE_NAMES = {"fr": "French", "es": "Spanish"}
_DATE_HEADERS = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date): .*\n', re.MULTILINE)


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every message of the interface, as Babel extracts it with ``babel.cfg``."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, filename=str(ROOT / "babel.cfg"))
    template = Catalog(project="minewatch", version=metadata.version("minewatch"), msgid_bugs_address="",
                       copyright_holder="the minewatch contributors", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            SOURCE, method_map, options_map, keywords=DEFAULT_KEYWORDS, strip_comment_tags=True):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _set_header(catalog: Catalog, lang: str | None) -> None:
    what = f"{LANGUAGE_NAMES[lang]} translation" if lang else "Messages"
    catalog.header_comment = (
        f"# {what} of the minewatch web interface (make i18n; see scripts/i18n.py).\n"
        "# This file is distributed under the same license as minewatch (AGPL-3.0-or-later).")
    headers = [("Project-Id-Version", f"minewatch {metadata.version('minewatch')}"), ("Report-Msgid-Bugs-To", "")]
    headers += [("Last-Translator", "minewatch translators"),
                ("Language-Team", f"{LANGUAGE_NAMES[lang]} (minewatch)" if lang else "minewatch")]
    if lang:
        headers.append(("Plural-Forms", PLURAL_FORMS[lang]))
    catalog.mime_headers = headers
    catalog.fuzzy = False


def _write_if_changed(path: Path, catalog: Catalog, **options) -> bool:
    """Write ``catalog`` unless the file already says the same apart from its dates."""
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, no_location=True, sort_output=True, **options)
    new = buf.getvalue()
    if path.exists() and _DATE_HEADERS.sub(b"", path.read_bytes()) == _DATE_HEADERS.sub(b"", new):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(new)
    return True


def update() -> Catalog:
    """Extract into messages.pot and bring each language's catalog up to date; returns the template."""
    template = extract()
    _set_header(template, None)
    if _write_if_changed(POT, template, omit_header=False):
        print(f"wrote {POT.relative_to(ROOT)} ({len(template)} messages)")
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            with open(path, "rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            catalog = Catalog(locale=lang)
        catalog.update(template, no_fuzzy_matching=True)
        _set_header(catalog, lang)
        catalog.revision_date = dt.datetime.now(dt.timezone.utc)
        if _write_if_changed(path, catalog, omit_header=False):
            print(f"wrote {path.relative_to(ROOT)}")
    return template


def placeholders(text: str) -> set[str]:
    """The ``%(name)s`` / ``%s`` placeholders of a message (``%%`` is a literal percent sign)."""
    return {m.group(0) for m in PYTHON_FORMAT.finditer(text) if m.group(0) != "%%"}


def problems(message: Message) -> list[str]:
    """What is wrong with one translated message: missing, fuzzy, other placeholders, bad % signs."""
    if not message.id:
        return []
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    if not all(strings):
        return ["untranslated"]
    found = []
    if message.fuzzy:
        found.append("fuzzy")
    wanted = set().union(*(placeholders(i) for i in ids))
    for s in strings:
        if placeholders(s) != wanted:
            found.append(f"placeholders {sorted(placeholders(s))} instead of {sorted(wanted)} in {s!r}")
        # Templates always %-format their messages (Jinja's newstyle gettext): a lone % must be %%.
        try:
            s % {name: 1 for name in re.findall(r"%\((\w+)\)", s)}
        except (ValueError, TypeError, KeyError) as exc:
            found.append(f"bad % sign ({exc}) in {s!r}")
    return found


def check(template: Catalog) -> int:
    """Print every problem of the catalogs against ``template``; the number found."""
    count = 0
    for lang in LANGUAGES:
        with open(po_path(lang), "rb") as fh:
            catalog = read_po(fh, locale=lang)
        if catalog.plural_forms != PLURAL_FORMS[lang]:
            print(f"{lang}: Plural-Forms is {catalog.plural_forms!r}, not {PLURAL_FORMS[lang]!r}")
            count += 1
        for msg in template:
            if not msg.id:
                continue
            translated = catalog.get(msg.id, msg.context)
            for problem in (["missing"] if translated is None else problems(translated)):
                print(f"{lang}: {problem}: {msg.id!r}")
                count += 1
        try:
            write_mo(io.BytesIO(), catalog, use_fuzzy=False)
        except Exception as exc:  # noqa: BLE001 - any failure to compile is reported, with its cause
            print(f"{lang}: does not compile: {exc}")
            count += 1
    return count


def main(argv: list[str]) -> int:
    template = update()
    if "--check" in argv:
        found = check(template)
        total = sum(1 for m in template if m.id)
        print(f"{total} messages; " + (f"{found} problems" if found else f"all translated in {', '.join(LANGUAGES)}"))
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
