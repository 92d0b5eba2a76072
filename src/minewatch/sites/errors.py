"""Errors of sites."""

from minewatch.errors import NotFound


class SiteNotFound(NotFound):
    code = "site_not_found"
