"""Errors of the messaging feature (stable codes; see minewatch/errors.py for the tree)."""

from __future__ import annotations

from minewatch.errors import InvalidInput, NotFound, PermissionDenied


class WebhookRejected(PermissionDenied):
    """A webhook whose signature, token or source address does not check out (HTTP 403)."""

    def __init__(self, message: str):
        super().__init__(message, code="webhook_rejected")


class UnknownWebhook(NotFound):
    """A webhook URL naming no organisation (unknown slug or token): 404, like any unknown record."""

    def __init__(self, message: str = "no such webhook"):
        super().__init__(message, code="webhook_unknown")


class BadPayload(InvalidInput):
    """A provider payload missing a documented field, or with a value that cannot be used."""

    def __init__(self, message: str):
        super().__init__(message, code="webhook_bad_payload")
