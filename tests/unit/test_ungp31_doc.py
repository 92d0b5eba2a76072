"""docs/ungp31.md names, for each UNGP 31 criterion (a)-(h) (standards.md 8.2), the tests that show it:
every criterion is there with at least one test, and every named test exists.


"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ungp31.md"
REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
CRITERIA = {"a": "Legitimate", "b": "Accessible", "c": "Predictable", "d": "Equitable", "e": "Transparent",
            "f": "Rights-compatible", "g": "A source of continuous learning", "h": "Based on engagement and dialogue"}


def _sections() -> dict[str, str]:
    parts = re.split(r"^## \((\w)\) ", DOC.read_text(), flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def _refs():
    return [(m.group(1), m.group(2)) for m in REF.finditer(DOC.read_text())]


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_every_criterion_has_a_section_with_a_test():
    sections = _sections()
    assert sorted(sections) == sorted(CRITERIA)
    for letter, word in CRITERIA.items():
        assert sections[letter].startswith(word), (letter, sections[letter][:40])
        assert REF.search(sections[letter]), f"criterion ({letter}) names no test"


@pytest.mark.parametrize("path, name", _refs(), ids=lambda x: str(x))
def test_named_test_exists(path, name):
    file = ROOT / path
    found = file.is_file() and name in _test_names(file)
    assert found, f"docs/ungp31.md names {path}::{name}, which does not exist"
