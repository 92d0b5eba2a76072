"""Errors of mercury (stable codes; see minewatch/errors.py for the tree)."""

from __future__ import annotations

from minewatch.errors import ImportRejected, InvalidInput


class MercuryInputInvalid(InvalidInput):
    """A practice, date, quantity or ratio given for mercury is wrong."""

    code = "mercury_input_invalid"


class ProductionImportRejected(ImportRejected):
    """A gold production file has errors; nothing was stored. ``report.problems`` names every bad cell."""

    code = "mercury_production_import_rejected"
