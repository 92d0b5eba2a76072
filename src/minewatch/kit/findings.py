"""Findings are data, not exceptions (STYLE.md rule 5).

A :class:`Problem` says where (row, column), what (the value) and why (reason, in plain words).
Errors mean the row cannot be stored truthfully; warnings mean it is stored and the doubt is kept.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about one cell or row of an input file."""

    severity: Severity
    code: str
    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def describe(self) -> str:
        """One line a person can act on: where, what, why."""
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        head = ", ".join(where) or "file"
        val = f" value {self.value!r}:" if self.value is not None else ":"
        return f"{self.severity.upper()} {head}{val} {self.reason} [{self.code}]"

    def as_dict(self) -> dict:
        return asdict(self)


class ParseProblem(ValueError):
    """Raised by the pure parsers for one bad value; the caller turns it into a :class:`Problem`.

    ``code`` is a stable machine code, ``reason`` a plain-words sentence.
    """

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason
