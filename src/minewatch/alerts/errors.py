"""Errors of alerts (stable codes; see minewatch/errors.py for the tree)."""

from __future__ import annotations

from minewatch.errors import InvalidInput


class AlertInvalid(InvalidInput):
    """An alert that cannot be sent as asked: unknown kind or language, a missing or unknown parameter,
    a text longer than the segments allowed."""

    def __init__(self, message: str, *, code: str = "alert_invalid"):
        super().__init__(message, code=code)
