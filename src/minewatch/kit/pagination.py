"""Keyset (cursor) pagination: what one page asks for and the opaque cursor to the next one.

A cursor is the base64url text (no padding) of the JSON list ``[list name, *sort key of the last
row]``, e.g. ``["sites", 1234]``. Clients must treat it as opaque; it is not secret (the rows it
points after are the actor's own, and every query is scoped to the organisation anyway), so it is
checked, not signed: a cursor that does not decode to a key of the right list is refused with an
:class:`InvalidCursor` naming what is wrong. Pure: no I/O.

>>> c = encode_cursor("sites", (42,))
>>> decode_cursor("sites", c, (int,))
(42,)
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from minewatch.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_CURSOR_CHARS = 512
MAX_ID = 2**63 - 1  # the largest id a 64-bit integer column holds

T = TypeVar("T")


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and the cursor to the next page (None on the last)."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None


def check_limit(limit: int | None) -> int:
    """The page size asked for (default :data:`DEFAULT_LIMIT`); InvalidInput outside 1..MAX_LIMIT."""
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}", code="invalid_limit")
    return limit


def encode_cursor(scope: str, key: Sequence[Any]) -> str:
    """The opaque cursor after the row whose sort key is ``key`` in the list ``scope``."""
    text = json.dumps([scope, *key], separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(text.encode("ascii")).rstrip(b"=").decode("ascii")


def decode_cursor(scope: str, cursor: str, types: Sequence[type]) -> tuple:
    """The sort key in ``cursor``, checked to belong to ``scope`` and to have one value of each of
    ``types`` (int keys from 0 to :data:`MAX_ID`); raises :class:`InvalidCursor` otherwise."""
    if len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidCursor(f"the cursor is longer than {MAX_CURSOR_CHARS} characters: pass next_cursor as given")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw.decode("ascii"))
    except (binascii.Error, ValueError, UnicodeError):
        raise InvalidCursor("the cursor is not one this API gave: pass next_cursor as given") from None
    if not isinstance(data, list) or not data or data[0] != scope:
        raise InvalidCursor(f"the cursor does not belong to the {scope} list: pass next_cursor of this list")
    key = tuple(data[1:])
    if len(key) != len(types) or not all(_fits(v, t) for v, t in zip(key, types)):
        raise InvalidCursor("the cursor is not one this API gave: pass next_cursor as given")
    return key


def _fits(value: Any, kind: type) -> bool:
    if kind is int:
        return type(value) is int and 0 <= value <= MAX_ID
    return type(value) is kind
