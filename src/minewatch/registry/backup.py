"""Backup and restore of the whole database (every organisation) and of the stored files.

A backup is one zip file::

    manifest.json           format, minewatch version, schema revision, created_at, and per table:
                            file, row count, SHA-256 and each column's encoding; per stored file:
                            path, size and SHA-256
    tables/<table>.jsonl    one JSON object per row, in primary-key order, tables in dependency
                            order (``metadata.sorted_tables``), but for volatile ones (``info``)
    files/<path>            the stored files folder (``MINEWATCH_HOME/files``), if there is one

Column encodings: ``plain`` (JSON string, number, boolean or null), ``datetime`` (ISO 8601 with
its UTC offset), ``date`` (ISO 8601), ``base64`` (binary: WKB geometry, ciphertexts) and
``json-text`` (a JSON column as its stored JSON text, so that SQL NULL (``null``) and a stored
JSON null (``"null"``) stay apart: the ORM writes Python ``None`` as JSON null).

All tables are read in ONE read-only transaction: PostgreSQL ``REPEATABLE READ READ ONLY`` (what
pg_dump uses), SQLite a deferred read transaction on one connection (in WAL mode it sees one
snapshot and does not block writers). Rows are streamed, never loaded a table at a time.

The secret key is not in the backup (:data:`SECRET_KEY_NOTE`): phone numbers and identity
documents stay encrypted in it, and a restored database needs the same key to read them.

Restore goes into an empty database only: every file's SHA-256 is checked before anything is
written, the schema is migrated to the backup's revision if the database has none, the rows are
inserted in one transaction, PostgreSQL's id sequences are moved past the restored ids, and each
organisation's audit chain is recomputed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from minewatch.adapters.db import (
    UnitOfWork,
    UTCDateTime,
    current_revision,
    head_revision,
    is_postgres,
    migrate,
    session_factory,
    utcnow,
)
from minewatch.audit.model import ChainBreak, digest
from minewatch.errors import Conflict, ExternalFailure, IntegrityFailure, InvalidInput, PermissionDenied

FORMAT = "minewatch-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000
CHUNK = 1 << 20
# Reference rows that the migrations themselves insert; restore replaces them with the backup's.
SEEDED_BY_MIGRATIONS = frozenset({"roles"})
SECRET_KEY_NOTE = ("the secret key is not in the backup; keep MINEWATCH_HOME/secret.key or "
                   "MINEWATCH_SECRET_KEY to read phones after a restore")

Progress = Callable[..., None]  # advance(n, total=None), as minewatch.cli.common.progress yields


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    schema_revision: str
    tables: dict[str, int]
    files: int


@dataclass(frozen=True)
class RestoreResult:
    schema_revision: str
    head_revision: str
    tables: dict[str, int]
    files: int
    audit_events_verified: int
    audit_breaks: list[ChainBreak] = field(default_factory=list)


# --- backup -------------------------------------------------------------------------------------------


def create_backup(engine: Engine, *, actor, out_path: Path, files_dir: Path, force: bool = False,
                  progress: Progress | None = None) -> BackupResult:
    """Write a consistent backup of the database and the stored files to ``out_path``.

    Records one ``backed_up`` audit event (entity id: the zip's SHA-256) in the actor's
    organisation after the snapshot, so the backup itself does not contain it.
    """
    from minewatch.adapters.orm_all import metadata
    from minewatch.audit.service import AuditLog
    from minewatch.registry.export import atomic_output

    if not actor.may("backup"):
        raise PermissionDenied("only an admin may back up the database")
    # Volatile tables (browser sessions, failed logins) are not data worth restoring.
    tables = [t for t in metadata.sorted_tables if not t.info.get("volatile")]
    with atomic_output(Path(out_path), force=force) as tmp_path:
        with _snapshot(engine) as conn:
            revision = _snapshot_revision(conn)
            expected = head_revision(engine)
            if revision != expected:
                raise Conflict(f"the database schema is at revision {revision}, this minewatch expects "
                               f"{expected}: run 'minewatch db upgrade' first")
            totals = {t.name: conn.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables}
            if progress:
                progress(0, total=sum(totals.values()))
            with zipfile.ZipFile(tmp_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
                entries = [_write_table(zf, conn, t, progress) for t in tables]
                stored = _write_files(zf, Path(files_dir))
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "minewatch_version": _minewatch_version(),
                    "schema_revision": revision,
                    "created_at": utcnow().isoformat(),
                    "source_dialect": engine.dialect.name,
                    "secret_key_included": False,
                    "note": SECRET_KEY_NOTE,
                    "tables": entries,
                    "files": stored,
                }
                zf.writestr(_member(MANIFEST), json.dumps(manifest, ensure_ascii=False, indent=1))
        os.chmod(tmp_path, 0o600)  # it holds personal data
        sha = _file_sha256(tmp_path)
        counts = {e["name"]: e["rows"] for e in entries}
        with UnitOfWork(session_factory(engine)) as uow:
            log = AuditLog(uow.session, actor, context="backup")
            log.record("backed_up", "database", sha, before=None,
                       after=digest({"schema_revision": revision, "tables": counts, "files": len(stored)}))
            log.flush()
            uow.commit()
    return BackupResult(Path(out_path), sha, revision, counts, len(stored))


@contextmanager
def _snapshot(engine: Engine) -> Iterator[sa.Connection]:
    """One connection inside one read-only transaction that sees a single snapshot."""
    with engine.connect() as conn:
        if is_postgres(conn):
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn
            return
        # pysqlite starts no transaction for SELECTs on its own: BEGIN by hand, in autocommit mode.
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.exec_driver_sql("ROLLBACK")


def _snapshot_revision(conn) -> str:
    try:
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        revision = None
    if not revision:
        raise Conflict("the database has no schema yet: there is nothing to back up")
    return revision


def _encoding(column: sa.Column) -> str:
    t = column.type
    if isinstance(t, sa.types.TypeDecorator):
        t = t.impl_instance
    if isinstance(t, sa.JSON):
        return "json-text"
    if isinstance(t, sa.LargeBinary):
        return "base64"
    if isinstance(t, sa.DateTime):
        return "datetime"
    if isinstance(t, sa.Date):
        return "date"
    return "plain"


def _encode(value, encoding: str):
    if value is None or encoding in ("plain", "json-text"):
        return value
    if encoding == "base64":
        return base64.b64encode(value).decode("ascii")
    return value.isoformat()  # date, or datetime with its offset (UTCDateTime gives UTC)


def _write_table(zf: zipfile.ZipFile, conn, table: sa.Table, progress: Progress | None) -> dict:
    encodings = {c.name: _encoding(c) for c in table.c}
    # JSON columns are read as their stored text (see the module docstring).
    cols = [sa.cast(c, sa.Text).label(c.name) if encodings[c.name] == "json-text" else c for c in table.c]
    stmt = sa.select(*cols).order_by(*table.primary_key.columns)
    name = f"tables/{table.name}.jsonl"
    sha, rows = hashlib.sha256(), 0
    with zf.open(_member(name), "w", force_zip64=True) as out:
        result = conn.execute(stmt, execution_options={"yield_per": BATCH}).mappings()
        for part in result.partitions():
            data = "".join(
                json.dumps({k: _encode(v, encodings[k]) for k, v in row.items()}, ensure_ascii=False,
                           separators=(",", ":")) + "\n"
                for row in part
            ).encode("utf-8")
            sha.update(data)
            out.write(data)
            rows += len(part)
            if progress:
                progress(len(part))
    return {"name": table.name, "file": name, "rows": rows, "sha256": sha.hexdigest(),
            "columns": encodings}


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_files(zf: zipfile.ZipFile, files_dir: Path) -> list[dict]:
    if not files_dir.is_dir():
        return []
    stored = []
    for path in sorted(p for p in files_dir.rglob("*") if p.is_file() and not p.is_symlink()):
        name = "files/" + path.relative_to(files_dir).as_posix()
        sha, size = hashlib.sha256(), 0
        with open(path, "rb") as src, zf.open(_member(name), "w", force_zip64=True) as out:
            while chunk := src.read(CHUNK):
                sha.update(chunk)
                size += len(chunk)
                out.write(chunk)
        stored.append({"path": name, "size": size, "sha256": sha.hexdigest()})
    return stored


def _file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _minewatch_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("minewatch")
    except PackageNotFoundError:
        return "unknown"


# --- restore ------------------------------------------------------------------------------------------


def restore_backup(engine: Engine, *, backup_path: Path, files_dir: Path,
                   progress: Progress | None = None) -> RestoreResult:
    """Restore a backup into an empty database (and an empty stored files folder)."""
    backup_path, files_dir = Path(backup_path), Path(files_dir)
    if not backup_path.is_file():
        raise InvalidInput(f"no backup file {backup_path}")
    try:
        zf = zipfile.ZipFile(backup_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IntegrityFailure(f"{backup_path.name} is not a readable minewatch backup ({exc})") from exc
    with zf:
        manifest = _read_manifest(zf, backup_path.name)
        # Nothing is written before every file of the backup has proved intact.
        _verify_files(zf, manifest, backup_path.name)
        revision = manifest["schema_revision"]
        table_names = [t["name"] for t in manifest["tables"]]
        _check_target(engine, revision, table_names, files_dir)
        if current_revision(engine) is None:
            migrate(engine, revision)
        staged = _stage_files(zf, manifest, files_dir)
        try:
            counts, verified, breaks = _restore_rows(engine, zf, manifest, progress)
            if staged is not None:
                if files_dir.exists():
                    files_dir.rmdir()  # checked empty above
                os.replace(staged, files_dir)
                staged = None
        finally:
            if staged is not None:
                shutil.rmtree(staged, ignore_errors=True)
    return RestoreResult(revision, head_revision(engine), counts, len(manifest["files"]), verified, breaks)


def _restore_rows(engine: Engine, zf: zipfile.ZipFile, manifest: dict, progress: Progress | None):
    """All rows in one transaction; returns (rows per table, audit events verified, chain breaks)."""
    table_names = [t["name"] for t in manifest["tables"]]
    try:
        with engine.begin() as conn:
            _refuse_rows(conn, table_names)
            counts = _insert_tables(conn, zf, manifest, progress)
            if is_postgres(conn):
                _reset_sequences(conn, table_names)
            verified, breaks = _verify_audit(conn)
    except sa.exc.DBAPIError as exc:
        first_line = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        raise ExternalFailure(f"the database refused the restored rows, so none were kept: {first_line}") from exc
    return counts, verified, breaks


def _read_manifest(zf: zipfile.ZipFile, label: str) -> dict:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError as exc:
        raise IntegrityFailure(f"{label} is not a minewatch backup: it has no {MANIFEST}") from exc
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise IntegrityFailure(f"{MANIFEST} in {label} is damaged ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IntegrityFailure(f"{label} is not a minewatch backup (its {MANIFEST} says otherwise)")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise InvalidInput(f"{label} was made by a newer minewatch ({manifest.get('minewatch_version')}, "
                           f"backup format {manifest.get('format_version')}); upgrade minewatch to restore it")
    for key in ("schema_revision", "tables", "files"):
        if key not in manifest:
            raise IntegrityFailure(f"{MANIFEST} in {label} lacks '{key}'")
    return manifest


def _verify_files(zf: zipfile.ZipFile, manifest: dict, label: str) -> None:
    """Every table file and stored file must be present and match its SHA-256 in the manifest."""
    entries = [(t["file"], t["sha256"]) for t in manifest["tables"]]
    entries += [(f["path"], f["sha256"]) for f in manifest["files"]]
    for name, expected in entries:
        if name.startswith("files/"):
            _safe_relative(name, label)
        sha = hashlib.sha256()
        try:
            with zf.open(name) as fh:
                while chunk := fh.read(CHUNK):
                    sha.update(chunk)
        except KeyError as exc:
            raise IntegrityFailure(f"{label} is incomplete: {name} is missing; nothing was restored") from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise IntegrityFailure(f"{name} in {label} is damaged ({exc}); nothing was restored") from exc
        if sha.hexdigest() != expected:
            raise IntegrityFailure(f"{name} in {label} does not match its SHA-256 in {MANIFEST} "
                                   "(the backup is corrupted or was altered); nothing was restored")


def _safe_relative(name: str, label: str) -> PurePosixPath:
    rel = PurePosixPath(name).relative_to("files")
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise IntegrityFailure(f"{label} holds a file with an unsafe path: {name!r}")
    return rel


def _check_target(engine: Engine, revision: str, table_names: list[str], files_dir: Path) -> None:
    """Refuse a database or files folder that is not empty, or a schema of another revision."""
    if not _known_revision(engine, revision):
        raise InvalidInput(f"the backup is of schema revision {revision}, which this minewatch "
                           f"({_minewatch_version()}) does not know; restore it with a newer minewatch")
    current = current_revision(engine)
    present = set(sa.inspect(engine).get_table_names()) & set(table_names)
    if current is None and present:
        raise Conflict("restore needs an empty database: this one has minewatch tables but no schema revision")
    if current is not None and current != revision:
        raise Conflict(f"restore needs an empty database at the backup's schema revision {revision}; "
                       f"this one is at {current}: use a new database")
    if current is not None:
        with engine.connect() as conn:
            _refuse_rows(conn, table_names)
    if files_dir.exists() and (not files_dir.is_dir() or any(files_dir.iterdir())):
        raise Conflict(f"restore needs an empty stored files folder: {files_dir} is not empty")


def _known_revision(engine: Engine, revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from minewatch.adapters.db import _alembic_config

    try:
        return ScriptDirectory.from_config(_alembic_config(engine)).get_revision(revision) is not None
    except CommandError:
        return False


def _refuse_rows(conn, table_names: list[str]) -> None:
    for name in table_names:
        if name in SEEDED_BY_MIGRATIONS:
            continue
        if conn.execute(sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)).first():
            raise Conflict(f"restore needs an empty database: table '{name}' has rows")


def _stage_files(zf: zipfile.ZipFile, manifest: dict, files_dir: Path) -> Path | None:
    """Unpack the stored files beside ``files_dir``; renamed into place once the rows are in."""
    if not manifest["files"]:
        return None
    files_dir.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{files_dir.name}.", suffix=".restore", dir=files_dir.parent))
    try:
        for f in manifest["files"]:
            target = staged.joinpath(*_safe_relative(f["path"], "the backup").parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(f["path"]) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, CHUNK)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


_DECODE = {
    "plain": lambda v: v,
    "base64": base64.b64decode,
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    # SQL NULL stays None (none_as_null below); stored JSON null becomes JSON.NULL.
    "json-text": lambda v: sa.JSON.NULL if (parsed := json.loads(v)) is None else parsed,
}


def _insert_target(spec: dict):
    """A light table to insert into, typed from the column encodings, independent of today's ORM."""
    from minewatch.adapters.orm_all import metadata

    known = metadata.tables.get(spec["name"])
    columns = []
    for name, enc in spec["columns"].items():
        if enc == "json-text":
            type_ = sa.JSON(none_as_null=True)
        elif known is not None and name in known.c:
            type_ = known.c[name].type
        else:
            type_ = {"datetime": UTCDateTime(), "date": sa.Date(), "base64": sa.LargeBinary()}.get(enc)
        columns.append(sa.column(name, type_))
    return sa.table(spec["name"], *columns)


def _insert_tables(conn, zf: zipfile.ZipFile, manifest: dict, progress: Progress | None) -> dict[str, int]:
    if progress:
        progress(0, total=sum(t["rows"] for t in manifest["tables"]))
    counts = {}
    for spec in manifest["tables"]:
        name = spec["name"]
        if name in SEEDED_BY_MIGRATIONS:
            conn.execute(sa.delete(sa.table(name)))
        stmt = sa.insert(_insert_target(spec))
        decoders = {name: _DECODE[enc] for name, enc in spec["columns"].items()}
        rows, batch = 0, []
        with zf.open(spec["file"]) as raw:
            for line in io.TextIOWrapper(raw, encoding="utf-8"):
                record = json.loads(line)
                batch.append({k: None if v is None else decoders[k](v) for k, v in record.items()})
                if len(batch) >= BATCH:
                    conn.execute(stmt, batch)
                    rows += len(batch)
                    if progress:
                        progress(len(batch))
                    batch = []
        if batch:
            conn.execute(stmt, batch)
            rows += len(batch)
            if progress:
                progress(len(batch))
        if rows != spec["rows"]:
            raise IntegrityFailure(f"{spec['file']} holds {rows} rows but {MANIFEST} says {spec['rows']}; "
                                   "nothing was restored")
        counts[name] = rows
    return counts


def _reset_sequences(conn, table_names: list[str]) -> None:
    """Move each id sequence past the restored ids, so that new rows do not collide with them."""
    from minewatch.adapters.orm_all import metadata

    for name in table_names:
        table = metadata.tables.get(name)
        col = table.autoincrement_column if table is not None else None
        if col is None:
            continue
        conn.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({col.name}), 1), "
            f"MAX({col.name}) IS NOT NULL) FROM {name}"
        ), {"t": name, "c": col.name})


def _verify_audit(conn) -> tuple[int, list[ChainBreak]]:
    """Recompute every organisation's audit chain as restored (a datetime off by a second breaks it)."""
    from minewatch.accounts.orm import Organisation
    from minewatch.audit.service import verify

    with Session(bind=conn) as session:
        total, breaks = 0, []
        for org_id in session.scalars(sa.select(Organisation.id).order_by(Organisation.id)).all():
            n, found = verify(session, org_id)
            total += n
            breaks += found
    return total, breaks
