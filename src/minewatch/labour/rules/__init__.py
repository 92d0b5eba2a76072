"""The built-in standards pack ``ilo_child_labour``: ILO C138/C182/R190 ages and task classes, country
overrides and the IPIS task map, as CSV tables beside this file (docs/models/child-labour-rules.md).

A standards pack is a module registered under ``[project.entry-points."minewatch.standards"]`` that
exposes ``PACK_ID``, ``TITLE``, ``SOURCES`` and ``load() -> minewatch.labour.model.RuleSet``.
Importing it reads nothing; :func:`load` reads the tables once.
"""

from __future__ import annotations

import functools
from importlib.resources import files

from minewatch.labour.model import RuleSet, parse_rules

PACK_ID = "ilo_child_labour"
TITLE = "ILO child labour: C138 minimum ages, C182 worst forms, R190 hazardous work"
SOURCES = ("ILO C138 (1973)", "ILO C182 (1999)", "ILO R190 (1999)", "../shared/reference/standards.md §4.1")
TABLES = ("ilo_defaults", "task_classes", "countries", "ipis_task_map")


@functools.cache
def load() -> RuleSet:
    """The built-in rule set (cached: the tables are package data and never change at run time)."""
    here = files(__name__)
    return parse_rules(**{name: here.joinpath(f"{name}.csv").read_text(encoding="utf-8") for name in TABLES})
