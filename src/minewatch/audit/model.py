"""Pure rules of the audit trail: record digests and the hash chain.

Each event's ``hash`` is SHA-256 over the previous event's hash and the event's own fields, so
changing, inserting or deleting any stored event breaks the chain from that event on.

>>> h1 = chain_hash(GENESIS, {"seq": 1, "action": "created"})
>>> h1 == chain_hash(GENESIS, {"action": "created", "seq": 1})
True
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
from dataclasses import dataclass

import orjson

GENESIS = "0" * 64

CHAINED_FIELDS = (
    "org_id", "seq", "occurred_at", "actor_id", "actor_email", "action",
    "entity_type", "entity_id", "before_digest", "after_digest", "context",
)


def jsonable(value):
    """What JSON cannot hold natively, in a stable form (dates ISO, bytes base64, geometries WKB hex)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if hasattr(value, "wkb_hex"):  # a shapely geometry
        return value.wkb_hex
    raise TypeError(f"cannot digest {type(value).__name__}")


# json.dumps with these options would build this same encoder on every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=jsonable)


def canonical_json(data: dict) -> str:
    return _CANONICAL.encode(data)


_DIGEST_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def digest(data: dict | None) -> str | None:
    """SHA-256 of a record's sorted JSON; ``None`` for no record (before a create).

    Content digests are only compared with digests made by this same function (re-imports), so
    they use orjson, several times faster than the standard library on records of ~80 fields.
    The hash chain keeps :func:`canonical_json`.
    """
    if data is None:
        return None
    return hashlib.sha256(orjson.dumps(data, option=_DIGEST_OPTIONS, default=jsonable)).hexdigest()


def chain_hash(prev_hash: str, fields: dict) -> str:
    payload = canonical_json({k: fields.get(k) for k in sorted(fields)})
    return hashlib.sha256((prev_hash + "|" + payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """A finding of ``audit verify``: which event is wrong and how."""

    event_id: int
    seq: int
    reason: str

    def describe(self) -> str:
        return f"audit event id={self.event_id} (seq {self.seq}): {self.reason}"


def verify_chain(events, *, head_seq: int | None = None, head_hash: str | None = None) -> list[ChainBreak]:
    """Check events (dicts in ``seq`` order) link up from GENESIS; return every break found.

    ``head_seq``/``head_hash`` (the stored chain head) detect deletion of the newest events.
    """
    breaks: list[ChainBreak] = []
    prev = GENESIS
    expected_seq = 1
    last = None
    for ev in events:
        if ev["seq"] != expected_seq:
            breaks.append(ChainBreak(ev["id"], ev["seq"], f"sequence jumps from {expected_seq - 1} to {ev['seq']} (events deleted or inserted)"))
        if ev["prev_hash"] != prev:
            breaks.append(ChainBreak(ev["id"], ev["seq"], "does not link to the previous event (prev_hash differs)"))
        recomputed = chain_hash(ev["prev_hash"], {k: ev[k] for k in CHAINED_FIELDS})
        if recomputed != ev["hash"]:
            breaks.append(ChainBreak(ev["id"], ev["seq"], "its content was changed after it was written (hash mismatch)"))
        prev = ev["hash"]
        expected_seq = ev["seq"] + 1
        last = ev
    if head_seq is not None:
        last_seq = last["seq"] if last else 0
        if head_seq != last_seq or (head_hash or GENESIS) != (last["hash"] if last else GENESIS):
            ev_id = last["id"] if last else 0
            breaks.append(ChainBreak(ev_id, last_seq, f"the chain head says {head_seq} events but {last_seq} remain (events deleted at the end)"))
    return breaks
