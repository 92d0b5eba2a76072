"""What every benchmark prints and uses: the machine it ran on, and where the shared data is."""

from __future__ import annotations

import os
import platform
import sqlite3
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
