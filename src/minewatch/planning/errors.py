"""Errors of tree plans and planting records (stable codes; see minewatch/errors.py for the tree).

A planting or survival file with bad rows raises :class:`minewatch.errors.ImportRejected` with every
problem in its report; these errors are for a plan, a value or a state that cannot be used as given.
"""

from __future__ import annotations

from minewatch.errors import Conflict, InvalidInput, NotFound


class PlanningInvalid(InvalidInput):
    """A plan folder, summary or option that cannot be used as given."""

    def __init__(self, message: str, *, code: str = "planning_invalid"):
        super().__init__(message, code=code)


class PlanNotFound(NotFound):
    """No such tree plan in the organisation."""

    code = "plan_not_found"


class PlanStateConflict(Conflict):
    """The plan's status forbids the change (adopting an adopted plan)."""

    code = "plan_state_conflict"
