"""Tables of rainfall: series (a station, a grid cell or an event record) and their steps.

A series is unique per organisation on (key, kind); its steps are unique on (series, start_utc), the
primary key (no surrogate id: the table is the largest of minewatch's, and the pair is its only lookup).
``depth_mm`` NULL is a missing step, stored as the file gave it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base, UTCDateTime, utcnow
from minewatch.adapters.orm_common import OrgOwned


class RainSeriesRecord(OrgOwned, Base):
    """One rainfall series of an organisation: where, which clock, from which file, linked to which site."""

    __tablename__ = "rain_series"
    __table_args__ = (sa.UniqueConstraint("org_id", "key", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(10))  # observed | forecast
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    step_s: Mapped[int] = mapped_column(sa.Integer)
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    source_file: Mapped[str | None] = mapped_column(sa.String(300))
    source_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    tz: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(sa.String(254))


class RainObservation(Base):
    """The rainfall (mm) that fell during [start_utc, start_utc + step) of a series; NULL = missing."""

    __tablename__ = "rain_observations"

    series_id: Mapped[int] = mapped_column(sa.ForeignKey("rain_series.id", ondelete="CASCADE"), primary_key=True)
    start_utc: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    depth_mm: Mapped[float | None] = mapped_column(sa.Float)
