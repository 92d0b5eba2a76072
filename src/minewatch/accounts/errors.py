"""Errors of accounts."""

from minewatch.errors import Conflict, InvalidInput, LoginRefused, NotFound


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"


class OrganisationAmbiguous(InvalidInput):
    code = "organisation_ambiguous"


class UserNotFound(NotFound):
    code = "user_not_found"


class AlreadyInitialised(Conflict):
    code = "already_initialised"


class LoginFailed(LoginRefused):
    code = "login_failed"


class TokenNotFound(NotFound):
    code = "token_not_found"
