"""Errors of child labour cases (stable codes; see minewatch/errors.py for the tree)."""

from __future__ import annotations

from minewatch.errors import Conflict, NotFound


class CaseNotFound(NotFound):
    """No such case in the actor's organisation (also for another organisation's case: 404, never 403)."""

    def __init__(self, message: str):
        super().__init__(message, code="case_not_found")


class CaseStateConflict(Conflict):
    """The case's stage forbids this (closing too early, moving backwards, changing a closed case)."""

    def __init__(self, message: str, *, code: str = "case_state_conflict"):
        super().__init__(message, code=code)
