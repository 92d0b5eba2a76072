"""Errors of the child-labour rules and checks (stable codes; see minewatch/errors.py for the tree)."""

from __future__ import annotations

from minewatch.errors import InvalidInput


class LabourRulesInvalid(InvalidInput):
    """A rule table (task classes, ILO defaults, country overrides, task map) that cannot be read."""

    def __init__(self, message: str):
        super().__init__(message, code="labour_rules_invalid")


class UnknownTaskClass(InvalidInput):
    """A task class that is not in the rule set's controlled vocabulary."""

    def __init__(self, message: str):
        super().__init__(message, code="unknown_task_class")
