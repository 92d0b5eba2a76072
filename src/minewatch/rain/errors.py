"""Errors of rainfall (stable codes; see minewatch/errors.py for the tree).

A file whose rows have problems (gaps are findings; duplicated or ambiguous timestamps stop the import
unless a documented repair is chosen) raises :class:`minewatch.errors.ImportRejected` with its report;
these errors are for what cannot be read at all or a value a person gave that is wrong.
"""

from __future__ import annotations

from minewatch.errors import InvalidInput


class RainInvalid(InvalidInput):
    """A rainfall file, series, threshold or option that cannot be used as given."""

    def __init__(self, message: str, *, code: str = "rain_invalid"):
        super().__init__(message, code=code)
