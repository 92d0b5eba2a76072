"""Errors of water, sediment and soil quality (stable codes; see minewatch/errors.py for the tree).

An import that finds bad cells raises :class:`minewatch.errors.ImportRejected` with its report (nothing
stored); bad cells are otherwise findings in the report, not exceptions.
"""

from __future__ import annotations

from minewatch.errors import InvalidInput


class WaterFileInvalid(InvalidInput):
    """A results file that cannot be read as a whole (layout unknown, UTM without a zone, no point column)."""

    def __init__(self, message: str):
        super().__init__(message, code="water_file_invalid")

