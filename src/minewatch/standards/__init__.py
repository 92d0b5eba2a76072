"""Standards rule packs (STYLE.md rule 12), registered as entry points like the geomodels.

A pack is a module registered under ``[project.entry-points."minewatch.standards"]`` that exposes
``PACK_ID`` (its entry-point name), ``TITLE``, ``SOURCES`` (the documents it encodes) and ``load()``
(its rules as data; e.g. :func:`minewatch.labour.rules.load`). Built-in packs are registered in
pyproject.toml exactly as a plug-in would be; tests/contract/test_standards.py checks every one.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

GROUP = "minewatch.standards"


def registered() -> dict[str, object]:
    """{pack id: module} of every installed standards pack."""
    return {ep.name: importlib.import_module(ep.value) for ep in entry_points(group=GROUP)}
