"""Errors of accounts."""

from minewatch.errors import Conflict, InvalidInput, NotFound


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"


class OrganisationAmbiguous(InvalidInput):
    code = "organisation_ambiguous"


class UserNotFound(NotFound):
    code = "user_not_found"


class AlreadyInitialised(Conflict):
    code = "already_initialised"
