"""Column helpers shared by every feature's ``orm.py``."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from minewatch.adapters.db import UTCDateTime, utcnow


class OrgOwned:
    """Every record belongs to exactly one organisation (the tenant).

    No index of its own: each table's natural key is unique on ``(org_id, ...)``, whose index
    serves organisation-scoped queries too (an extra index would only slow inserts).
    """

    @declared_attr
    def org_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=False)


class Tracked:
    """Creation/update times and the digest of the record's content (for idempotent re-imports)."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    content_digest: Mapped[str | None] = mapped_column(sa.String(64))


class BBoxed:
    """Geometry as WKB plus its bounding box (the SQLite prefilter; sites index it with their geometry type).

    On PostgreSQL the migration adds generated ``geom`` (geometry 4326) and ``geog`` (geography)
    columns computed from ``geom_wkb``, each with a GiST index.
    """

    geom_wkb: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    geometry_type: Mapped[str | None] = mapped_column(sa.String(20))
    min_lon: Mapped[float | None] = mapped_column(sa.Float)
    min_lat: Mapped[float | None] = mapped_column(sa.Float)
    max_lon: Mapped[float | None] = mapped_column(sa.Float)
    max_lat: Mapped[float | None] = mapped_column(sa.Float)
