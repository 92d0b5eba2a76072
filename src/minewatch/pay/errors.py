"""Errors of pay and price (all under the one tree of ``minewatch.errors``)."""

from __future__ import annotations

from minewatch.errors import ImportRejected, InvalidInput


class PayImportRejected(ImportRejected):
    """A pay or price file has errors; nothing was stored. ``report.problems`` names every bad cell."""

    code = "pay_import_rejected"


class UnknownFileKind(InvalidInput):
    """The kind of a CSV file cannot be told from its header and was not given."""

    code = "pay_file_kind_unknown"
