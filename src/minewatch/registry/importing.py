"""The import pipeline every record kind shares: read, map, check, store, report.

Rules users can trust with their real files:

* Every row ends up stored or reported with a reason; none is dropped silently.
* Errors (the row cannot be stored truthfully) stop the file: by default nothing is stored and
  every problem is reported. With a quarantine file the good rows are stored and the bad rows are
  written to it with their reasons. Warnings (a doubt kept) never stop a row.
* One file is one transaction; ``dry_run`` validates everything and stores nothing.
* Re-importing the same file changes nothing: records are matched on their natural key and only
  rows whose content changed are updated (and audited).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from minewatch.adapters.db import UnitOfWork, insert_rows, utcnow
from minewatch.audit.model import digest, jsonable
from minewatch.audit.service import AuditLog
from minewatch.errors import ImportRejected, InvalidInput, PermissionDenied
from minewatch.kit import countries, parsing
from minewatch.kit.findings import ParseProblem, Problem
from minewatch.kit.vocab import VOCABULARIES
from minewatch.registry.orm import ImportBatch
from minewatch.registry.profile import Profile

MAX_PROBLEMS_KEPT = 10_000
RAW_MAX_LEN = 120  # the ``*_raw`` columns keeping a value outside its vocabulary (a Field's max_len may be less)
_LIST_SPLIT = re.compile(r"\s*[;,|/]\s*|\s+(?:et|and|y|e)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Field:
    """One minewatch field of a record kind and how a cell becomes its value."""

    name: str
    type: str = "text"  # text int float bool date lat lon country vocab vocab_list list json
    required: bool = False
    vocab: str | None = None
    min: float | None = None
    max: float | None = None
    max_len: int | None = None
    aliases: tuple[str, ...] = ()
    help: str = ""


@dataclass
class ImportReport:
    kind: str
    file_name: str
    dry_run: bool = False
    rows_read: int = 0
    rows_stored: int = 0
    rows_with_errors: int = 0
    rows_with_warnings: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    quarantine_path: str | None = None
    problems: list[Problem] = field(default_factory=list)
    problems_not_kept: int = 0
    problem_counts: Counter = field(default_factory=Counter)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    batch_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def add(self, problem: Problem) -> None:
        self.problem_counts[(problem.severity, problem.code)] += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)
        else:
            self.problems_not_kept += 1

    def summary(self) -> str:
        verb = "would store" if self.dry_run else "stored"
        parts = [
            f"{self.kind}: {self.rows_read:,} rows read",
            f"{verb} {self.rows_stored:,} ({self.inserted:,} new, {self.updated:,} changed, {self.unchanged:,} unchanged)",
            f"{self.rows_with_errors:,} rows with errors",
            f"{self.rows_with_warnings:,} with warnings",
        ]
        if self.quarantine_path:
            parts.append(f"{self.quarantined:,} quarantined to {self.quarantine_path}")
        lines = ["; ".join(parts)]
        tables = self.extra.get("tables", {})
        if len(tables) > 1:
            for name, t in tables.items():
                lines.append(f"  {name}: {t['inserted']:,} new, {t['updated']:,} changed, {t['unchanged']:,} unchanged")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "file": self.file_name, "dry_run": self.dry_run, "rows_read": self.rows_read,
            "rows_stored": self.rows_stored, "inserted": self.inserted, "updated": self.updated,
            "unchanged": self.unchanged, "rows_with_errors": self.rows_with_errors,
            "rows_with_warnings": self.rows_with_warnings, "quarantined": self.quarantined,
            "problem_counts": {f"{s}:{c}": n for (s, c), n in sorted(self.problem_counts.items())},
            "problems": [p.as_dict() for p in self.problems], "problems_not_kept": self.problems_not_kept,
            "ignored_columns": self.ignored_columns, **self.extra,
        }


@dataclass
class StoreContext:
    """What a record kind's ``store`` gets: the open session, the actor, the audit log, the report."""

    session: Any
    actor: Any
    audit: AuditLog
    report: ImportReport
    profile: Profile
    vault: Any = None
    cache: dict = field(default_factory=dict)
    primary_table: str | None = None
    columns: dict[str, str] = field(default_factory=dict)

    def column(self, field_name: str) -> str:
        """The header in the user's file that holds ``field_name`` (for problems found while storing)."""
        return self.columns.get(field_name, field_name)

    def count(self, outcome: str, n: int = 1, *, table: str) -> None:
        """Tally inserted/updated/unchanged per table; the report's totals are the kind's main table."""
        tables = self.report.extra.setdefault("tables", {})
        tally = tables.setdefault(table, {"inserted": 0, "updated": 0, "unchanged": 0})
        tally[outcome] += n
        if self.primary_table is None:
            self.primary_table = table
        if table == self.primary_table:
            setattr(self.report, outcome, getattr(self.report, outcome) + n)


class RecordKind:
    """A kind of record that can be imported. Subclasses set ``name``, ``fields`` and implement
    ``key`` and ``store``; ``finish`` adds cross-field checks. ``map_row`` is pure."""

    name: str = ""
    entity_type: str = ""
    fields: tuple[Field, ...] = ()
    chunk_size: int = 5000
    permission: str = "registry.write"
    # Parts of one record spread over several rows (a title's parcels): rows with the same key and
    # otherwise equal content go on to ``store`` together, which merges them.
    merge_fields: tuple[str, ...] = ()
    # Rows carry personal data (names, phones): problems about cells outside the known fields
    # (surplus cells) do not repeat those cells' text.
    personal_data: bool = False
    # The table whose changes the report's inserted/updated/unchanged count (default: the first stored).
    primary_table: str | None = None

    def finish(self, record: dict, row: dict, row_number: int, profile: Profile) -> list[Problem]:
        return []

    def check_columns(self, header: list[str]) -> list[Problem]:
        """File-level problems with the header, beyond the fields' own (a fixed format's columns)."""
        return []

    def key(self, record: dict) -> tuple:
        raise NotImplementedError

    def store(self, ctx: StoreContext, rows: list[tuple[int, dict]]) -> dict[int, list[Problem]]:
        """Store the checked records; return problems (by row number) of rows that could not be stored."""
        raise NotImplementedError

    def after(self, ctx: StoreContext) -> None:
        """Work once all rows are stored (derived data)."""

    # -- pure mapping ------------------------------------------------------------------------
    def map_row(self, values: dict[str, str | None], row: dict, row_number: int, profile: Profile,
                columns: dict[str, str]) -> tuple[dict, list[Problem]]:
        record: dict[str, Any] = {}
        problems: list[Problem] = []
        value_maps = profile.values
        for f, parse in self._parsers(profile.dayfirst):
            name = f.name
            raw = values.get(name)
            if value_maps and raw is not None and raw in (mapped := value_maps.get(name, {})):
                raw = mapped[raw]
            if raw is None or raw.strip() == "":
                record[name] = [] if f.type in _LIST_TYPES else None
                if f.required:
                    problems.append(Problem("error", "required_missing", f"'{name}' is required and is empty",
                                            row_number, columns.get(name, name), raw))
                continue
            try:
                value, warns = parse(raw)
            except ParseProblem as pp:
                record[name] = None
                problems.append(Problem("error", pp.code, pp.reason, row_number, columns.get(name, name), raw))
                continue
            for code, reason in warns:
                problems.append(Problem("warning", code, reason, row_number, columns.get(name, name), raw))
            if f.type == "vocab" and value[1] is not None and len(value[1]) > (f.max_len or RAW_MAX_LEN):
                # The text of a value outside the vocabulary is kept in a column of that size.
                record[name] = None
                problems.append(Problem("error", "text_too_long",
                                        f"at most {f.max_len or RAW_MAX_LEN} characters for a value that is not in "
                                        f"the {f.vocab.replace('_', ' ')} vocabulary", row_number,
                                        columns.get(name, name), raw[:80]))
                continue
            if f.type in _VOCAB_TYPES:
                record[name], record[name + "_raw"] = value
            else:
                record[name] = value
        if not any(p.is_error for p in problems):
            problems.extend(self.finish(record, row, row_number, profile))
        return record, problems

    def _parsers(self, dayfirst: bool) -> tuple[tuple[Field, Callable[[str], tuple[Any, tuple]]], ...]:
        """Each field with its parser, made once per kind (and ``dayfirst``)."""
        made = self.__dict__.setdefault("_field_parsers", {})
        if dayfirst not in made:
            made[dayfirst] = tuple((f, _field_parser(f, dayfirst)) for f in self.fields)
        return made[dayfirst]


_LIST_TYPES = frozenset({"vocab_list", "list"})
_VOCAB_TYPES = frozenset({"vocab", "vocab_list"})
# Types whose cells repeat over a file (yes/no, codes, dates) and whose values are immutable.
_CACHED_TYPES = frozenset({"int", "bool", "date", "country", "vocab"})
_PARSE_CACHE_SIZE = 100_000


def _field_parser(f: Field, dayfirst: bool) -> Callable[[str], tuple[Any, tuple]]:
    """``parse_field`` for ``f``; for the types that repeat, each distinct cell is parsed once.
    A cell that cannot be parsed raises every time (errors are never cached), so each bad row is
    reported with its own row number."""

    def parse(raw: str) -> tuple[Any, tuple]:
        value, warns = parse_field(f, raw, dayfirst=dayfirst)
        return value, tuple(warns)

    if f.type not in _CACHED_TYPES:
        return parse
    cache: dict[str, tuple[Any, tuple]] = {}

    def cached(raw: str) -> tuple[Any, tuple]:
        parsed = cache.get(raw)
        if parsed is None:
            parsed = parse(raw)
            if len(cache) < _PARSE_CACHE_SIZE:
                cache[raw] = parsed
        return parsed

    return cached


def parse_field(f: Field, raw: str, *, dayfirst: bool = True) -> tuple[Any, list[tuple[str, str]]]:
    """Parse one cell for field ``f``; returns (value, warnings as (code, reason))."""
    t = f.type
    if t == "text":
        return parsing.parse_text(raw, max_len=f.max_len), []
    if t == "int":
        return parsing.parse_int(raw, min=f.min, max=f.max), []
    if t == "float":
        return parsing.parse_float(raw, min=f.min, max=f.max), []
    if t == "bool":
        return parsing.parse_bool(raw), []
    if t == "date":
        return parsing.parse_date(raw, dayfirst=dayfirst), []
    if t == "lat":
        return parsing.parse_coordinate(raw, axis="lat"), []
    if t == "lon":
        return parsing.parse_coordinate(raw, axis="lon"), []
    if t == "country":
        return countries.validate_country(raw), []
    if t == "list":
        return [x for x in (parsing.parse_text(p) for p in _LIST_SPLIT.split(raw)) if x], []
    if t == "vocab":
        term = VOCABULARIES[f.vocab].normalize(raw)
        if term is None:
            return (None, None), []
        if term.matched:
            return (term.key, None), []
        return ("other", term.raw), [("not_in_vocabulary",
                                     f"{raw!r} is not in the {f.vocab.replace('_', ' ')} vocabulary: stored as 'other', the text is kept")]
    if t == "vocab_list":
        keys, raws, warns = [], [], []
        for part in _LIST_SPLIT.split(raw):
            part = part.strip()
            if not part:
                continue
            term = VOCABULARIES[f.vocab].normalize(part)
            if term is None:
                continue
            key = term.key if term.matched else "other"
            if not term.matched:
                raws.append(part)
                warns.append(("not_in_vocabulary",
                              f"{part!r} is not in the {f.vocab.replace('_', ' ')} vocabulary: stored as 'other', the text is kept"))
            if key not in keys:
                keys.append(key)
        return (keys, raws or None), warns
    raise ValueError(f"unknown field type {t}")


def resolve_columns(kind: RecordKind, header: list[str], profile: Profile) -> tuple[dict[str, str], list[Problem], list[str]]:
    """Map each field to a header of the file; file-level problems for missing columns; ignored headers."""
    by_fold = {h.strip().lower(): h for h in header if h}
    columns: dict[str, str] = {}
    problems: list[Problem] = []
    for f in kind.fields:
        if f.name in profile.columns:
            wanted = profile.columns[f.name]
            if wanted.strip().lower() in by_fold:
                columns[f.name] = by_fold[wanted.strip().lower()]
            else:
                problems.append(Problem("error", "profile_column_missing",
                                        f"the profile maps '{f.name}' to column '{wanted}', which the file does not have",
                                        None, wanted))
            continue
        for candidate in (f.name, *f.aliases):
            if candidate.lower() in by_fold:
                columns[f.name] = by_fold[candidate.lower()]
                break
        if f.name not in columns and f.required and f.name not in profile.constants:
            problems.append(Problem("error", "required_column_missing",
                                    f"required column '{f.name}' is not in the file (map it in a profile)", None, f.name))
    used = set(columns.values())
    ignored = [h for h in header if h and h not in used and not h.startswith("__")]
    return columns, problems, ignored


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector (process-wide) for one import; its state is restored after.

    An import makes millions of dicts, lists and tuples, most alive until their chunk is stored, and
    each collection meanwhile traverses them all again: a fifth of an IPIS import's time. Reference
    counting frees them, as they hold no cycles; the little cyclic garbage an import leaves (1,490
    objects for 100,000 people) is collected once the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_gc_paused()
def run_import(uow: UnitOfWork, *, actor, kind: RecordKind, path: Path, profile: Profile | None = None,
               dry_run: bool = False, quarantine_path: Path | None = None, vault=None,
               on_progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import one file of ``kind`` in one transaction; see the module docstring for the rules."""
    from minewatch.adapters.tables import read_rows

    if not actor.may(kind.permission):
        raise PermissionDenied(f"role '{actor.role}' may not import {kind.name}")
    profile = profile or Profile()
    if profile.kind and profile.kind != kind.name:
        raise InvalidInput(f"the profile is for '{profile.kind}', not '{kind.name}'")
    path = Path(path)
    report = ImportReport(kind=kind.name, file_name=path.name, dry_run=dry_run)
    reader = read_rows(path, sheet=profile.options.get("sheet"), encoding=profile.options.get("encoding"),
                       delimiter=profile.options.get("delimiter"))
    report.encoding = getattr(reader, "encoding", None)
    columns, file_problems, report.ignored_columns = resolve_columns(kind, list(reader.columns), profile)
    file_problems += kind.check_columns(list(reader.columns))
    for p in file_problems:
        report.add(p)
    if any(p.is_error for p in file_problems):
        raise ImportRejected(f"{path.name}: the file's columns do not fit '{kind.name}'; nothing was imported",
                             report=report)

    s = uow.session
    audit = AuditLog(s, actor, context=f"import {kind.name} {path.name}"[:200])
    ctx = StoreContext(session=s, actor=actor, audit=audit, report=report, profile=profile, vault=vault,
                       primary_table=kind.primary_table, columns=columns)
    quarantine = _Quarantine(quarantine_path, list(reader.columns)) if quarantine_path else None
    seen = _SeenKeys(kind)
    try:
        for chunk in _chunks(reader, kind.chunk_size):
            _import_chunk(ctx, kind, chunk, seen, quarantine, more_may_follow=len(chunk) == kind.chunk_size)
            if on_progress:
                on_progress(len(chunk))
        if report.rows_with_errors and not quarantine:
            uow.rollback()
            raise ImportRejected(
                f"{path.name}: {report.rows_with_errors:,} of {report.rows_read:,} rows have errors; nothing was "
                f"imported (fix them, or use --quarantine FILE to import the good rows)", report=report)
        kind.after(ctx)
        if dry_run:
            uow.rollback()
            return report
        batch = ImportBatch(org_id=actor.org_id, kind=kind.name, file_name=path.name[:300],
                            file_sha256=_sha256(path), actor_email=actor.email, status="imported",
                            finished_at=utcnow(), counts=_counts(report))
        s.add(batch)
        s.flush()
        report.batch_id = batch.id
        audit.record("imported", "import_batch", batch.id, before=None, after=digest(_counts(report)))
        audit.flush()
        uow.commit()
        return report
    finally:
        if quarantine:
            quarantine.close()
            report.quarantined = quarantine.count
            report.quarantine_path = str(quarantine_path)


def _account(report: ImportReport, problems: list[Problem]) -> None:
    for p in problems:
        report.add(p)
    if any(p.is_error for p in problems):
        report.rows_with_errors += 1
    elif problems:
        report.rows_with_warnings += 1


class _SeenKeys:
    """The keys met so far in one file, for the duplicate check: the same key twice is a warning if
    the rows are identical, an error if they conflict. Small enough for millions of rows.

    Each key (a one-part key as its value alone) maps to its first row and that row's record until
    the chunk is stored, then to the row number and a 64-bit fingerprint of the record packed in one
    int. A record is fingerprinted only when its key comes again, or once its chunk is done and more
    may follow. Keys are kept whole, so a row is never taken for another key's repeat. The fingerprint
    is a BLAKE2b of the record's canonical JSON keyed with a secret drawn for each import, so no file
    can be made in which two different records look alike: the chance is 2^-64 per repeated key.
    """

    def __init__(self, kind: RecordKind):
        self._kind = kind
        self._seen: dict[Any, int | tuple[int, dict]] = {}
        self._secret = os.urandom(16)

    def check(self, record: dict, row_number: int) -> list[Problem]:
        """Remember ``record``'s key; problems if it was met before. For kinds with ``merge_fields``,
        rows equal but for those fields are parts to merge (a warning)."""
        key = self._kind.key(record)
        short = key[0] if len(key) == 1 else key
        first = self._seen.get(short)
        if first is None:
            self._seen[short] = (row_number, record)
            return []
        if isinstance(first, tuple):
            first = self._pack(*first)
            self._seen[short] = first
        first_row = first >> 64
        label = "/".join(str(k) for k in key)
        if first & _FINGERPRINT_MASK != self._fingerprint(record):
            return [Problem("error", "duplicate_key", f"{label} is already in row {first_row} with other values",
                            row_number)]
        if self._kind.merge_fields:
            return [Problem("warning", "parts_merged",
                            f"{label} is also in row {first_row} with the same details: the two are merged into one "
                            f"record (their geometries united)", row_number)]
        return [Problem("warning", "duplicate_row", f"repeats row {first_row} ({label}) exactly", row_number)]

    def settle(self, rows: list[tuple[int, dict]]) -> None:
        """Fingerprint the records of ``rows`` still kept whole (before ``store`` may change them)."""
        seen, key_of = self._seen, self._kind.key
        for row_number, record in rows:
            key = key_of(record)
            short = key[0] if len(key) == 1 else key
            first = seen[short]
            if isinstance(first, tuple) and first[1] is record:
                seen[short] = self._pack(row_number, record)

    def _pack(self, row_number: int, record: dict) -> int:
        return row_number << 64 | self._fingerprint(record)

    def _fingerprint(self, record: dict) -> int:
        merge_fields = self._kind.merge_fields
        content = {k: v for k, v in record.items() if k not in merge_fields} if merge_fields else record
        # Only compared within this import, so orjson's sorted encoding (faster) serves.
        h = hashlib.blake2b(orjson.dumps(content, option=orjson.OPT_SORT_KEYS, default=jsonable),
                            digest_size=8, key=self._secret)
        return int.from_bytes(h.digest(), "big")


_FINGERPRINT_MASK = (1 << 64) - 1


def _import_chunk(ctx: StoreContext, kind: RecordKind, chunk: list[tuple[int, dict]], seen: _SeenKeys,
                  quarantine: _Quarantine | None, *, more_may_follow: bool) -> None:
    """Map, check and store one chunk of rows: each is stored, or reported (and quarantined)."""
    report, profile, columns = ctx.report, ctx.profile, ctx.columns
    column_items = tuple(columns.items())
    constants = profile.constants
    good: list[tuple[int, dict]] = []
    raw_by_row: dict[int, dict] = {}
    for row_number, row in chunk:
        report.rows_read += 1
        values = {name: row.get(col) for name, col in column_items}
        for name, const in constants.items():
            if values.get(name) in (None, ""):
                values[name] = const
        record, problems = kind.map_row(values, row, row_number, profile, columns)
        if row.get("__extra__"):
            extra = None if kind.personal_data else ";".join(str(x) for x in row["__extra__"])
            problems.append(Problem("error", "too_many_cells",
                                    f"the row has {len(row['__extra__'])} more cell(s) than the header",
                                    row_number, None, extra))
        if not any(p.is_error for p in problems):
            problems.extend(seen.check(record, row_number))
        if not problems:
            good.append((row_number, record))
            raw_by_row[row_number] = row
            continue
        _account(report, problems)
        if any(p.code == "duplicate_row" for p in problems):
            continue  # reported; the first row carries the record
        if any(p.is_error for p in problems):
            if quarantine:
                quarantine.write(row_number, row, problems)
        else:
            good.append((row_number, record))
            raw_by_row[row_number] = row
    if not good:
        return
    if more_may_follow:  # later chunks may repeat these keys, and store may change the records
        seen.settle(good)
    failed = kind.store(ctx, good)
    for row_number, problems in failed.items():
        _account(report, problems)
        if quarantine:
            quarantine.write(row_number, raw_by_row[row_number], problems)
    report.rows_stored += len(good) - len(failed)


def _chunks(rows: Iterable, size: int):
    chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _counts(report: ImportReport) -> dict:
    return {k: getattr(report, k) for k in ("rows_read", "rows_stored", "inserted", "updated", "unchanged",
                                            "rows_with_errors", "rows_with_warnings")}


class _Quarantine:
    """Bad rows with their reasons, in CSV: the original cells plus ``_row`` and ``_problems``."""

    def __init__(self, path: Path, header: list[str]):
        self.path = Path(path)
        self.header = [h for h in header if h]
        self._fh = open(self.path, "w", encoding="utf-8", newline="")
        self._w = csv.writer(self._fh)
        self._w.writerow(["_row", "_problems", *self.header])
        self.count = 0

    def write(self, row_number: int, row: dict, problems: list[Problem]) -> None:
        reasons = " | ".join(p.describe() for p in problems if p.is_error)
        self._w.writerow([row_number, reasons, *[_cell(row.get(h)) for h in self.header]])
        self.count += 1

    def close(self) -> None:
        self._fh.close()


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        import json

        return json.dumps(v, ensure_ascii=False)
    return str(v)


# -- storing --------------------------------------------------------------------------------------

def ids_by_key(ctx: StoreContext, column, values) -> dict:
    """{natural key: id} of the organisation's records whose ``column`` (e.g. ``Site.code``) is in ``values``."""
    model = column.class_
    wanted = list(dict.fromkeys(v for v in values if v is not None))
    out: dict = {}
    for i in range(0, len(wanted), 500):
        rows = ctx.session.execute(sa.select(column, model.id).where(
            model.org_id == ctx.actor.org_id, column.in_(wanted[i:i + 500])))
        out.update((key, id_) for key, id_ in rows)
    return out


def upsert(ctx: StoreContext, model, key_cols: tuple[str, ...], records: list[dict], *,
           digest_fn: Callable[[dict], str] = digest, digest_extra: list | None = None,
           ) -> tuple[dict[tuple, int], set[tuple]]:
    """Insert new records, update changed ones (by content digest), leave the rest; audit each change.

    ``records`` are column dicts without ``org_id``; returns ({natural key: id} for all of them,
    the keys that were inserted or updated). ``digest_extra`` (parallel to ``records``) is content
    kept in other tables (a site's minerals) that counts as a change of the record.
    """
    s = ctx.session
    org_id = ctx.actor.org_id
    for i, r in enumerate(records):
        content = {k: v for k, v in r.items() if k != "content_digest"} if "content_digest" in r else dict(r)
        if digest_extra is not None:
            content["__extra__"] = digest_extra[i]
        r["content_digest"] = digest_fn(content)
    keys = [tuple(r[c] for c in key_cols) for r in records]
    entity = model.__tablename__
    table = model.__table__
    stored_count = ctx.cache.get(("stored", entity))
    if stored_count is None:
        stored_count = _count_stored(s, model, org_id)
    existing = _existing(s, model, org_id, key_cols, keys, stored_count)
    ids: dict[tuple, int] = {}
    new, changed, unchanged = [], [], 0
    for key, r in zip(keys, records):
        hit = existing.get(key)
        if hit is None:
            new.append(r)
        elif hit[1] != r["content_digest"]:
            changed.append((hit, r))
            ids[key] = hit[0]
        else:
            ids[key] = hit[0]
            unchanged += 1
    if unchanged:
        ctx.count("unchanged", unchanged, table=entity)
    # Counted once per import, then kept up to date: it only chooses how _existing looks records up.
    ctx.cache[("stored", entity)] = stored_count + len(new)
    if new:
        now = utcnow()
        last_id = s.connection().execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
        insert_rows(s, table, [{**r, "org_id": org_id, "created_at": now, "updated_at": now} for r in new])
        new_keys = [tuple(r[c] for c in key_cols) for r in new]
        stored = _inserted(s, model, org_id, key_cols, new_keys, last_id)
        for key, r in zip(new_keys, new):
            ids[key] = stored[key][0]
            ctx.audit.record("created", entity, ids[key], before=None, after=r["content_digest"])
        ctx.count("inserted", len(new), table=entity)
    if changed:
        now = utcnow()
        s.execute(sa.update(model), [{**r, "id": hit[0], "updated_at": now} for hit, r in changed])
        for hit, r in changed:
            ctx.audit.record("updated", entity, hit[0], before=hit[1], after=r["content_digest"])
        ctx.count("updated", len(changed), table=entity)
    touched = {tuple(r[c] for c in key_cols) for r in new} | {tuple(r[c] for c in key_cols) for _, r in changed}
    return ids, touched


def _inserted(s, model, org_id: int, key_cols: tuple[str, ...], keys: list[tuple],
              last_id: int) -> dict[tuple, tuple[int, str]]:
    """(id, digest) of records just inserted: found among the ids above ``last_id``, the highest before
    the insert (new ids are higher on SQLite and PostgreSQL); any not found there, by key."""
    table = model.__table__
    wanted = set(keys)
    stmt = sa.select(table.c.id, table.c.content_digest, *(table.c[c] for c in key_cols)).where(
        table.c.org_id == org_id, table.c.id > last_id)
    out = {key: (row[0], row[1]) for row in s.connection().execute(stmt) if (key := tuple(row[2:])) in wanted}
    if len(out) < len(wanted):
        missing = [k for k in wanted if k not in out]
        out.update(_existing(s, model, org_id, key_cols, missing, _count_stored(s, model, org_id)))
    return out


def _existing(s, model, org_id: int, key_cols: tuple[str, ...], keys: list[tuple],
              stored_count: int) -> dict[tuple, tuple[int, str]]:
    """(id, digest) of the stored records with these keys; ``stored_count`` is about how many the
    organisation has."""
    out: dict[tuple, tuple[int, str]] = {}
    table = model.__table__
    cols = [table.c[c] for c in key_cols]
    conn = s.connection()  # Core rows: the ORM's per-row handling would cost more than the query
    wanted = set(keys)
    if wanted and len(wanted) * 4 >= stored_count:
        # Most of the organisation's records (a first import, a re-import): one pass over them costs
        # far less than thousands of keys in IN lists.
        stmt = sa.select(table.c.id, table.c.content_digest, *cols).where(table.c.org_id == org_id)
        for row in conn.execute(stmt):
            if (key := tuple(row[2:])) in wanted:
                out[key] = (row[0], row[1])
        return out
    # "IN" never finds NULL: keys with None parts (a membership without a start date) are looked up
    # per pattern of None parts, with IS NULL.
    by_nulls: dict[tuple[bool, ...], list[tuple]] = {}
    for k in dict.fromkeys(keys):
        by_nulls.setdefault(tuple(v is None for v in k), []).append(k)
    for nulls, uniq in by_nulls.items():
        live = [j for j, n in enumerate(nulls) if not n]
        is_null = [cols[j].is_(None) for j, n in enumerate(nulls) if n]
        for i in range(0, len(uniq), 500):
            part = [tuple(k[j] for j in live) for k in uniq[i:i + 500]]
            if len(live) == 1:
                cond = cols[live[0]].in_([k[0] for k in part])
            else:
                cond = sa.tuple_(*(cols[j] for j in live)).in_(part) if live else sa.true()
            stmt = sa.select(table.c.id, table.c.content_digest, *cols).where(table.c.org_id == org_id, cond, *is_null)
            for row in conn.execute(stmt):
                out[tuple(row[2:])] = (row[0], row[1])
    return out


def _count_stored(s, model, org_id: int) -> int:
    return s.scalar(sa.select(sa.func.count()).select_from(model).where(model.org_id == org_id))
