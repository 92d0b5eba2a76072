"""Errors of site hazard assessments (stable codes; see minewatch/errors.py for the tree)."""

from __future__ import annotations

from minewatch.errors import InvalidInput


class HazardRunInvalid(InvalidInput):
    """A run folder or raster set that cannot be assessed (missing raster, grids that differ)."""

    def __init__(self, message: str):
        super().__init__(message, code="hazard_run_invalid")
