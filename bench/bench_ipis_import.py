"""Time ``import_file(kind_name="ipis")`` on IPIS's real open data, beside a naive pandas load.

The file is IPIS's ``cod_mines_curated_all_opendata_p_ipis`` layer as CSV (6,955 visit rows x 85
columns; ``../shared/data/ipis-drc-asm-sites/`` by default, or ``--path``). Each measurement runs
in a fresh subprocess, so no run warms another's caches and module imports are not timed:

pandas      ``pandas.read_csv(path)`` + ``DataFrame.to_sql`` into a fresh SQLite file through a
            SQLAlchemy engine: no checks, no digests, no audit. The naive baseline. (The same load
            through a bare ``sqlite3`` connection is shown too, for reference.)
minewatch   a fresh SQLite database (migrated, one organisation from ``init_organisation``, in a
            process of its own, as ``minewatch init`` would be), then the timed call
            ``import_file(uow, actor=..., kind_name="ipis", path=...)``: every field parsed and
            checked, 3,409 sites + 6,955 visits upserted by content digest, ~10,400 hash-chained
            audit events, one transaction. The modules it imports lazily are imported beforehand.
re-import   the same call again on that database: nothing changes, every record is found unchanged.

Each is repeated ``--repeat`` times (default 5), interleaved, and the median wall-clock seconds are
reported (CPU seconds of the process beside them), with the ratio minewatch / pandas. With
``--pg URL`` (default: MINEWATCH_TEST_POSTGRES_URL) the same runs follow on PostgreSQL, each in a
schema of its own that is dropped afterwards; the baseline there is ``to_sql`` to the same server.

If ``minewatch.sites.service.refresh_title_relations_in`` (called after the rows are stored) cannot
be imported, the script says so and leaves that step out.

Usage::

    .venv/bin/python bench/bench_ipis_import.py [--repeat 5] [--path FILE.csv] [--pg URL]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import SHARED_DATA, machine

DEFAULT_PATH = SHARED_DATA / "ipis-drc-asm-sites" / "cod_mines_curated_all_opendata_p_ipis.csv"
KEY = base64.b64encode(b"b" * 32).decode()
STEPS = ("pandas", "pandas-sqlite3", "minewatch", "re-import")



def _timed(call) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    result = call()
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu, **(result or {})}


def child_pandas(path: Path, url: str | None, folder: Path) -> dict:
    """``read_csv`` + ``to_sql`` into a fresh SQLite file (or a fresh PostgreSQL schema)."""
    import pandas as pd
    import sqlalchemy as sa

    engine = sa.create_engine(url or f"sqlite:///{folder}/pandas.sqlite3")
    engine.connect().close()  # connecting is not loading

    def load():
        pd.read_csv(path).to_sql("ipis", engine, index=False)

    try:
        return _timed(load)
    finally:
        engine.dispose()


def child_pandas_sqlite3(path: Path, url: str | None, folder: Path) -> dict:
    """The same through a bare ``sqlite3`` connection (pandas' own executemany, no SQLAlchemy)."""
    import sqlite3

    import pandas as pd

    def load():
        with sqlite3.connect(folder / "pandas-sqlite3.sqlite3") as conn:
            pd.read_csv(path).to_sql("ipis", conn, index=False)

    return _timed(load)


def _relations_step() -> str | None:
    """Why the title-relations step is left out, or None when it runs."""
    try:
        from minewatch.sites.service import refresh_title_relations_in  # noqa: F401
    except ImportError as exc:
        from minewatch.registry import ipis_import, kinds

        kinds.refresh_relations = ipis_import.refresh_relations = lambda ctx: None
        return f"refresh_title_relations_in not importable ({exc}); left out"
    return None


def _app(folder: Path, url: str | None):
    from minewatch.bootstrap import bootstrap
    from minewatch.config import Settings

    return bootstrap(Settings(home=folder, database_url=url or f"sqlite:///{folder}/minewatch.sqlite3",
                              secret_key=KEY))


def child_setup(path: Path, url: str | None, folder: Path) -> dict:
    """A fresh database, migrated, with one organisation (``minewatch init``), in a process of its own."""
    from minewatch.accounts.service import init_organisation

    app = _app(folder, url)
    app.migrate()
    with app.uow() as uow:
        init_organisation(uow, name="Bench", slug="bench", admin_email="bench@example.org")
    app.dispose()
    return {}


def _preload() -> None:
    """Import the modules ``import_file`` loads lazily, so that module imports are not timed."""
    import minewatch.adapters.tables  # noqa: F401
    from minewatch.registry.service import record_kinds

    record_kinds()


def child_minewatch(path: Path, url: str | None, folder: Path) -> dict:
    """``import_file`` timed on the prepared database: the first import, then the re-import."""
    import sqlalchemy as sa

    from minewatch.accounts.service import resolve_actor
    from minewatch.registry.service import import_file

    skipped = _relations_step()
    _preload()
    app = _app(folder, url)
    with app.uow() as uow:
        actor = resolve_actor(uow, org_slug=None, email=None)

    def run():
        with app.uow() as uow:
            report = import_file(uow, actor=actor, kind_name="ipis", path=path)
        return {"inserted": report.inserted, "unchanged": report.unchanged, "rows": report.rows_read,
                "sites": report.extra.get("sites"), "warnings": report.rows_with_warnings,
                "errors": report.rows_with_errors}

    first = _timed(run)
    again = _timed(run)
    with app.engine.connect() as conn:
        first["audit_events"] = conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar()
    app.dispose()
    return {"minewatch": first, "re-import": again, "skipped": skipped}


CHILDREN = {"pandas": child_pandas, "pandas-sqlite3": child_pandas_sqlite3, "setup": child_setup,
            "minewatch": child_minewatch}


def run_child(which: str, path: Path, url: str | None, folder: str) -> dict:
    args = [sys.executable, __file__, "--child", which, str(path), folder]
    if url:
        args += ["--url", url]
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_fresh(which: str, path: Path, url: str | None) -> dict:
    """One measurement in a fresh folder (and database); minewatch's database is set up first."""
    with tempfile.TemporaryDirectory(prefix="minewatch-bench-ipis-") as folder:
        if which == "minewatch":
            run_child("setup", path, url, folder)
        return run_child(which, path, url, folder)


class _Schema:
    """A PostgreSQL schema of its own for one run (dropped after), as the tests do."""

    def __init__(self, base_url: str):
        import sqlalchemy as sa

        self.name = "bench_" + uuid.uuid4().hex[:10]
        self.admin = sa.create_engine(base_url)
        with self.admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {self.name}"))
        sep = "&" if "?" in base_url else "?"
        self.url = f"{base_url}{sep}options=-csearch_path%3D{self.name},public"

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc) -> None:
        import sqlalchemy as sa

        with self.admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {self.name} CASCADE"))
        self.admin.dispose()


def measure(path: Path, repeat: int, pg_url: str | None) -> dict[str, list[dict]]:
    """Interleaved runs: pandas, (pandas via sqlite3), minewatch + re-import, ``repeat`` times."""
    runs: dict[str, list[dict]] = {step: [] for step in STEPS}
    for _ in range(repeat):
        for which in ("pandas", "pandas-sqlite3", "minewatch"):
            if which == "pandas-sqlite3" and pg_url:
                continue
            if pg_url:
                with _Schema(pg_url) as url:
                    result = run_fresh(which, path, url)
            else:
                result = run_fresh(which, path, None)
            if which == "minewatch":
                runs["minewatch"].append(result["minewatch"])
                runs["re-import"].append(result["re-import"])
                runs.setdefault("skipped", []).append(result["skipped"])
            else:
                runs[which].append(result)
    return runs


def report(label: str, runs: dict[str, list[dict]]) -> None:
    median = {step: statistics.median(r["seconds"] for r in rs) for step, rs in runs.items()
              if step in STEPS and rs}
    cpu = {step: statistics.median(r["cpu_seconds"] for r in rs) for step, rs in runs.items()
           if step in STEPS and rs}
    first = runs["minewatch"][0]
    print(f"{label}: {first['rows']:,} rows -> {first['sites']:,} sites, {first['inserted']:,} visits, "
          f"{first['audit_events']:,} audit events; {first['warnings']:,} rows with warnings, "
          f"{first['errors']:,} with errors")
    for step in STEPS:
        if step not in median:
            continue
        every = " ".join(f"{r['seconds']:.2f}" for r in runs[step])
        print(f"  {step:<15} median {median[step]:6.3f} s wall  ({cpu[step]:.3f} s CPU)   runs: {every}")
    for step in ("minewatch", "re-import"):
        print(f"  {step} / pandas: {median[step] / median['pandas']:.2f}x wall, "
              f"{cpu[step] / cpu['pandas']:.2f}x CPU")
    skipped = {s for s in runs.get("skipped", []) if s}
    for note in skipped:
        print(f"  note: {note}")
    if not skipped:
        print("  (the import includes refresh_title_relations_in, with no concessions in the database)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", default=os.environ.get("MINEWATCH_TEST_POSTGRES_URL"),
                        help="PostgreSQL URL (default: MINEWATCH_TEST_POSTGRES_URL); runs there too")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--child", nargs=3, metavar=("WHICH", "PATH", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        which, path, folder = args.child
        print(json.dumps(CHILDREN[which](Path(path), args.url, Path(folder))))
        return

    if not args.path.is_file():
        sys.exit(f"no IPIS file at {args.path}: pass --path FILE.csv")
    print(f"machine: {machine()}")
    print(f"file: {args.path} ({args.path.stat().st_size / 1e6:.1f} MB); {args.repeat} runs of each, "
          "interleaved, each in a fresh process (module imports not timed)")
    report("SQLite", measure(args.path, args.repeat, None))
    if args.pg and not args.no_pg:
        import sqlalchemy as sa

        engine = sa.create_engine(args.pg)
        with engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version")).scalar()
        engine.dispose()
        report(f"PostgreSQL {version}", measure(args.path, args.repeat, args.pg))
    elif not args.no_pg:
        print("PostgreSQL: skipped (set MINEWATCH_TEST_POSTGRES_URL or pass --pg URL)")


if __name__ == "__main__":
    main()
