"""The import pipeline's fast paths store and report exactly what the plain ones do.

Runs on SQLite and, with MINEWATCH_TEST_POSTGRES_URL, on PostgreSQL (see tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import gc

import sqlalchemy as sa

from minewatch.adapters.db import UTCDateTime, insert_rows
from minewatch.registry.profile import Profile

NOW = dt.datetime(2024, 3, 1, 12, 30, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def _tables():
    meta = sa.MetaData()

    def table(name):
        return sa.Table(
            name, meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("text", sa.String(40)),
            sa.Column("day", sa.Date),
            sa.Column("at", UTCDateTime),
            sa.Column("flag", sa.Boolean),
            sa.Column("blob", sa.LargeBinary),
            sa.Column("doc", sa.JSON),
            sa.Column("rank", sa.Integer, default=7),
            sa.Column("ratio", sa.Float),
        )

    return meta, table("bulk_reference"), table("bulk_fast")


ROWS = [
    {"text": "Amani", "day": dt.date(1990, 11, 15), "at": NOW, "flag": True, "blob": b"\x00\xff",
     "doc": {"b": [1, "é"], "a": None}, "rank": 3, "ratio": 0.1},
    {"text": None, "day": None, "at": NOW, "flag": False, "blob": None, "doc": None, "rank": None, "ratio": None},
    {"text": "Furaha", "day": dt.date(2001, 1, 2), "at": NOW.astimezone(dt.timezone.utc), "flag": None,
     "blob": b"", "doc": [], "rank": 0, "ratio": -2.5e-7},
    {"text": "'quoted' %s %(x)s", "day": dt.date(2024, 2, 29), "at": NOW, "flag": True, "blob": b"x",
     "doc": "text", "rank": None, "ratio": 1e300},
]


def test_insert_rows_stores_what_sqlalchemys_insert_stores(app):
    """Dates, aware datetimes, booleans, bytes, JSON (JSON null and SQL NULL), defaults: byte for byte."""
    meta, reference, fast = _tables()
    meta.create_all(app.engine)
    with app.uow() as uow:
        for row in ROWS:  # a None is left out where the column has a default, so that the default applies
            row = {k: v for k, v in row.items() if v is not None or k != "rank"}
            uow.session.execute(sa.insert(reference), row)
        insert_rows(uow.session, fast, [dict(r) for r in ROWS])
        uow.commit()
    assert _stored(app, reference) == _stored(app, fast)
    with app.engine.connect() as conn:
        stored = conn.execute(sa.select(fast.c.text, fast.c.rank, fast.c.doc)
                              .order_by(fast.c.ratio.is_(None), fast.c.ratio)).all()
    assert [tuple(r) for r in stored] == [("Furaha", 0, []), ("Amani", 3, {"b": [1, "é"], "a": None}),
                                          ("'quoted' %s %(x)s", 7, "text"), (None, 7, None)]


def _stored(app, table) -> list[tuple]:
    """The rows as the database holds them: as PostgreSQL prints them, or SQLite's values and storage classes."""
    cols = [c.name for c in table.columns if c.name != "id"]
    if app.engine.dialect.name == "postgresql":
        select = ", ".join(f"{c}::text" for c in cols)
    else:
        select = ", ".join(f"{c}, typeof({c})" for c in cols)
    with app.engine.connect() as conn:  # rows with a None left out are inserted apart: compare them unordered
        return sorted((tuple(r) for r in conn.exec_driver_sql(f"SELECT {select} FROM {table.name}")), key=repr)


def test_repeated_keys_are_found_across_chunks_and_bad_cells_reported_in_every_row(app, actor, tmp_path,
                                                                                   monkeypatch):
    from minewatch.registry import kinds
    from minewatch.registry.service import import_file

    monkeypatch.setattr(kinds.SitesKind, "chunk_size", 2)
    path = tmp_path / "sites.csv"
    path.write_text("code,name,country,latitude,longitude,registered_on\n"
                    "S1,Alpha,CD,-3.0,28.0,2021-03-04\n"
                    "S2,Beta,CD,-3.1,28.1,2021-03-04\n"
                    "S3,Gamma,CD,-3.2,28.2,2021-13-45\n"
                    "S1,Alpha,CD,-3.0,28.0,04/03/2021\n"     # the same site written otherwise: a repeat
                    "S2,Beta bis,CD,-3.1,28.1,2021-03-04\n"  # the same code, other details: a conflict
                    "S4,Delta,CD,-3.3,28.3,2021-13-45\n"
                    "S2,Beta,CD,-3.1,28.1,2021-03-04\n", encoding="utf-8")
    gc_was_enabled = gc.isenabled()
    with app.uow() as uow:
        report = import_file(uow, actor=actor, kind_name="sites", path=path, profile=Profile(),
                             quarantine_path=tmp_path / "quarantine.csv")
    assert gc.isenabled() == gc_was_enabled
    found = [(p["row"], p["severity"], p["code"], p["reason"]) for p in report.as_dict()["problems"]]
    assert found == [
        (4, "error", "impossible_date", "month 13 does not exist"),
        (5, "warning", "duplicate_row", "repeats row 2 (S1) exactly"),
        (6, "error", "duplicate_key", "S2 is already in row 3 with other values"),
        (7, "error", "impossible_date", "month 13 does not exist"),
        (8, "warning", "duplicate_row", "repeats row 3 (S2) exactly"),
    ]
    assert (report.rows_read, report.rows_stored, report.inserted) == (7, 2, 2)
