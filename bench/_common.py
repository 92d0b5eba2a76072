"""What every benchmark prints and uses: the machine it ran on, and where the shared data is."""

from __future__ import annotations

import os
import platform
import sqlite3
import uuid
from contextlib import contextmanager
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def machine() -> str:
    """One line: OS, CPU model, cores, Python, SQLite and SQLAlchemy versions, load average."""
    import sqlalchemy as sa

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " | load %.2f %.2f %.2f" % os.getloadavg() if hasattr(os, "getloadavg") else ""
    return (f"{platform.platform()} | {cpu} | {os.cpu_count()} cores | Python {platform.python_version()} | "
            f"SQLite {sqlite3.sqlite_version} | SQLAlchemy {sa.__version__}{load}")


@contextmanager
def pg_schema(base_url: str, prefix: str = "bench"):
    """A throw-away PostgreSQL schema: yields (URL whose search_path is it, schema name); dropped after."""
    import sqlalchemy as sa

    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options=-csearch_path%3D{schema},public", schema
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
