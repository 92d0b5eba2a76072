"""The one error tree of minewatch (STYLE.md rule 4).

::

    MinewatchError                      exit 1
    ├── ConfigError                     exit 2   settings or environment unusable
    ├── NotFound                        exit 3   no such record for this organisation
    ├── PermissionDenied                exit 4   the actor may not do this            HTTP 403
    │   └── NotAuthenticated            exit 4   nobody (valid) is logged in          HTTP 401
    │       └── LoginRefused            exit 4   wrong e-mail or password             HTTP 401
    │           └── TooManyAttempts     exit 4   too many failed logins               HTTP 429
    ├── InvalidInput                    exit 5   a value given by a person is wrong
    │   ├── TooLarge                    exit 5   a request or file over the size limit HTTP 413
    │   └── ImportRejected              exit 6   an import file has errors; nothing was stored
    ├── Conflict                        exit 7   the record exists / the state forbids it
    ├── IntegrityFailure                exit 8   stored data fails a check (audit chain tampered)
    └── ExternalFailure                 exit 9   a database or tool outside minewatch failed

Each error has a stable ``code`` and a ``message`` that is safe to show to a user (no secrets,
no personal data). Exit codes and HTTP statuses are mapped here and nowhere else.
"""

from __future__ import annotations


class MinewatchError(Exception):
    code = "minewatch_error"
    exit_code = 1
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(MinewatchError):
    code = "config_error"
    exit_code = 2
    http_status = 500


class NotFound(MinewatchError):
    code = "not_found"
    exit_code = 3
    http_status = 404


class PermissionDenied(MinewatchError):
    code = "permission_denied"
    exit_code = 4
    http_status = 403


class NotAuthenticated(PermissionDenied):
    code = "not_authenticated"
    http_status = 401


class LoginRefused(NotAuthenticated):
    """A login was refused (wrong credentials, or too many attempts)."""

    code = "login_failed"
    retry_after_s = 0


class TooManyAttempts(LoginRefused):
    code = "too_many_attempts"
    http_status = 429

    def __init__(self, message: str, *, retry_after_s: int = 60, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after_s = retry_after_s


class InvalidInput(MinewatchError):
    code = "invalid_input"
    exit_code = 5
    http_status = 422


class TooLarge(InvalidInput):
    """A request or file is larger than minewatch accepts."""

    code = "too_large"
    http_status = 413


class ImportRejected(InvalidInput):
    """An import found errors; the transaction was rolled back. ``report`` holds every problem."""

    code = "import_rejected"
    exit_code = 6

    def __init__(self, message: str, *, report=None):
        super().__init__(message)
        self.report = report


class Conflict(MinewatchError):
    code = "conflict"
    exit_code = 7
    http_status = 409


class IntegrityFailure(MinewatchError):
    code = "integrity_failure"
    exit_code = 8
    http_status = 500


class ExternalFailure(MinewatchError):
    code = "external_failure"
    exit_code = 9
    http_status = 502
