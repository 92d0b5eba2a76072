"""Import batches: one row per file taken in (what, by whom, with which outcome)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base, UTCDateTime, utcnow
from minewatch.adapters.orm_common import OrgOwned


class ImportBatch(OrgOwned, Base):
    __tablename__ = "import_batches"
    __table_args__ = (sa.Index("ix_import_batches_org_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    file_name: Mapped[str] = mapped_column(sa.String(300))
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(20))
    counts: Mapped[dict | None] = mapped_column(sa.JSON)
