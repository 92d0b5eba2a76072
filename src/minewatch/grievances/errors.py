"""Errors of grievances (stable codes; see minewatch/errors.py for the tree)."""

from __future__ import annotations

from minewatch.errors import Conflict, InvalidInput, NotFound

# One message for an unknown case, a wrong PIN and a locked case: a status check never tells whether a
# case number exists (UNGP 31(f) rights-compatible: protect the reporter).
CASE_OR_PIN_MESSAGE = "no case with this number and PIN (after 5 wrong PINs in an hour, try again later)"


class GrievanceInvalid(InvalidInput):
    """A report or an update with a wrong value (category, channel, stage, empty text)."""

    def __init__(self, message: str, *, code: str = "grievance_invalid"):
        super().__init__(message, code=code)


class CaseOrPinNotFound(NotFound):
    """Unknown case, wrong PIN or too many attempts: the same error, on purpose."""

    def __init__(self):
        super().__init__(CASE_OR_PIN_MESSAGE, code="case_or_pin_not_found")


class StageRefused(Conflict):
    """A move the stage machine does not allow."""

    def __init__(self, message: str):
        super().__init__(message, code="grievance_stage_refused")
