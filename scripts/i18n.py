"""Extract the interface's messages and update the French and Spanish catalogs (``make i18n``).

Runs Babel's own commands: ``pybabel extract`` (templates and Python, see babel.cfg) into
``src/minewatch/web/locale/messages.pot``, then ``pybabel update`` for each language (new
messages arrive untranslated, marked for the translators; removed ones are kept as obsolete).
``--check`` fails when a catalog lacks a translation of a message (what the tests check too).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "minewatch" / "web" / "locale"
LANGUAGES = ("fr", "es")


def main() -> int:
    pybabel = [sys.executable, "-m", "babel.messages.frontend"]
    pot = LOCALE / "messages.pot"
    subprocess.run([*pybabel, "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_", "-k", "gettext",
                    "-k", "ngettext:1,2", "--no-location", "--sort-output", "--omit-header", "-o", str(pot),
                    str(ROOT / "src" / "minewatch")], check=True, cwd=ROOT)
    for lang in LANGUAGES:
        po = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            subprocess.run([*pybabel, "update", "-i", str(pot), "-l", lang, "-o", str(po), "--no-fuzzy-matching",
                            "--omit-header"], check=True)
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([*pybabel, "init", "-i", str(pot), "-l", lang, "-o", str(po)], check=True)
    if "--check" in sys.argv:
        from babel.messages.pofile import read_po

        missing = 0
        for lang in LANGUAGES:
            with open(LOCALE / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
                catalog = read_po(fh)
            for msg in catalog:
                if msg.id and (not msg.string or (isinstance(msg.string, tuple) and not all(msg.string))):
                    print(f"{lang}: untranslated: {msg.id!r}")
                    missing += 1
        return 1 if missing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
