"""Database engines, the declarative base, migrations and the unit of work.

SQLite is the embedded default; PostgreSQL + PostGIS is used when the URL says so. Geometry is
stored portably as WKB (``geom_wkb``) with indexed bounding-box columns on both databases; on
PostgreSQL the migration adds generated PostGIS ``geom``/``geog`` columns with GiST indexes, which
the spatial repositories use there.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from minewatch.errors import ConfigError, ExternalFailure

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (stored naive UTC) and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC was required")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def insert_rows(session: Session, table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts keyed by column) in executemany batches, one per set of keys.

    Like the ORM's bulk insert, a None is left out where the column has a default, so the default
    applies (the ORM leaves out every None, which splits rows with None in varying places into
    many small statements). Each set of keys is compiled once for the session's dialect and its
    values converted by the columns' own bind processors, the ones SQLAlchemy's ``insert`` applies,
    then handed to the driver's executemany: SQLAlchemy's per-row parameter handling costs more
    than the insert itself. Rows that leave a column to a Python-side default go through
    SQLAlchemy's ``insert``, which computes it.
    """
    if not rows:
        return
    conn = session.connection()
    defaulted = _defaulted_columns(table)
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if defaulted and any(r.get(k) is None for k in defaulted):
            r = {k: v for k, v in r.items() if v is not None or k not in defaulted}
        groups.setdefault(tuple(r), []).append(r)
    for keys, group in groups.items():
        plan = _insert_plan(conn.dialect, table, keys)
        if plan is None:
            conn.execute(sa.insert(table), group)
        else:
            conn.exec_driver_sql(plan.sql, plan.parameters(group))


@functools.lru_cache(maxsize=64)
def _defaulted_columns(table: sa.Table) -> frozenset[str]:
    return frozenset(c.key for c in table.columns if c.default is not None or c.server_default is not None)


@dataclass(frozen=True)
class _InsertPlan:
    """One compiled INSERT and how to turn rows (dicts) into the driver's parameters."""

    sql: str
    names: tuple[str, ...]  # bind names, in the statement's order when positional
    processors: tuple[tuple[int, Callable], ...]  # (position in names, bind processor)
    positional: bool

    def parameters(self, rows: list[dict]) -> list:
        get = operator.itemgetter(*self.names)
        values = [get(r) for r in rows] if len(self.names) > 1 else [(get(r),) for r in rows]
        if self.processors:
            columns = list(zip(*values))
            for i, process in self.processors:
                # Processors are pure: a value that every row shares (a timestamp), or None, is processed once.
                column = columns[i]
                if all(map(operator.is_, column, itertools.repeat(column[0]))):
                    columns[i] = itertools.repeat(process(column[0]), len(column))
                else:
                    none = process(None)
                    columns[i] = [none if v is None else process(v) for v in column]
            values = list(zip(*columns))
        if self.positional:
            return values
        return [dict(zip(self.names, v)) for v in values]


@functools.lru_cache(maxsize=256)
def _insert_plan(dialect, table: sa.Table, keys: tuple[str, ...]) -> _InsertPlan | None:
    """The plan for rows with these keys; None when SQLAlchemy must fill in a Python-side default."""
    compiled = sa.insert(table).compile(dialect=dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup) if compiled.positional else tuple(compiled.binds)
    if compiled.insert_prefetch or set(names) != set(keys):
        return None
    processors = []
    for i, name in enumerate(names):
        column_type = table.columns[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((i, process))
    return _InsertPlan(compiled.string, names, tuple(processors), compiled.positional)


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    # Erased personal data must not linger in free pages (people forget).
    cur.execute("PRAGMA secure_delete=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _json_dumps(value) -> str:
    # orjson writes JSON columns several times faster than the standard library (an import stores
    # a provenance dict per row); it refuses NaN and non-string keys, which no JSON column holds.
    return orjson.dumps(value).decode("utf-8")


JSON_OPTIONS = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; creates the SQLite folder if needed."""
    sa_url = sa.engine.make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, echo=echo, **JSON_OPTIONS)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if sa_url.get_backend_name() == "postgresql":
        import geoalchemy2  # noqa: F401  (teaches SQLAlchemy the PostGIS types for reflection)

        try:
            return sa.create_engine(url, echo=echo, pool_pre_ping=True, **JSON_OPTIONS)
        except ModuleNotFoundError as exc:  # psycopg missing
            raise ConfigError(
                "PostgreSQL needs the 'postgres' extra: pip install 'minewatch[postgres]'"
            ) from exc
    raise ConfigError(f"unsupported database URL scheme {sa_url.get_backend_name()!r}")


def is_postgres(bind) -> bool:
    return bind.dialect.name == "postgresql"


def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "minewatch:migrations")
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (never create_all)."""
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), revision)
    except sa.exc.OperationalError as exc:
        raise ExternalFailure(f"could not migrate the database: {exc.orig}") from exc


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()


class UnitOfWork:
    """One transaction. Services open it, do their work, and call :meth:`commit`.

    Leaving the block without commit rolls back, so a failed import stores nothing.
    """

    def __init__(self, session_factory: Callable[[], Session]):
        self._factory = session_factory
        self.session: Session | None = None

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        self.session.begin()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.session is not None
        try:
            if self.session.in_transaction():
                self.session.rollback()
        finally:
            self.session.close()
            self.session = None

    def commit(self) -> None:
        """Commit; the unit of work stays usable (a new transaction begins, lazily on the database)."""
        assert self.session is not None
        self.session.commit()
        self.session.begin()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()
        self.session.begin()

    @property
    def bind(self):
        assert self.session is not None
        return self.session.get_bind()


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False, autobegin=False)
