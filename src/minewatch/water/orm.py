"""Tables of water, sediment and soil quality: sampling points, samples and their results.

Values are kept as the exact decimal text the laboratory reported (``value``), with the unit as
reported (``ug/l As``); a result below the detection limit has ``censored='<'`` and ``value`` = the
limit. ``sampled_at`` is the local date-time written in the file (no time zone is stated in lab files).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base
from minewatch.adapters.orm_common import OrgOwned, Tracked


class SamplingPoint(OrgOwned, Tracked, Base):
    """A place sampled for one medium (the same place sampled for water and sediment is two points)."""

    __tablename__ = "water_sampling_points"
    __table_args__ = (sa.UniqueConstraint("org_id", "code", "medium"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    medium: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    position: Mapped[str] = mapped_column(sa.String(20))  # upstream downstream at_site unspecified
    river: Mapped[str | None] = mapped_column(sa.String(120))
    notes: Mapped[str | None] = mapped_column(sa.Text)


class Sample(OrgOwned, Tracked, Base):
    """One sampling event at a point; ``label`` tells apart samples of one point and time (a sieve fraction)."""

    __tablename__ = "water_samples"
    __table_args__ = (sa.UniqueConstraint("org_id", "point_id", "sampled_at", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("water_sampling_points.id", ondelete="CASCADE"), index=True)
    sampled_at: Mapped[dt.datetime] = mapped_column(sa.DateTime())
    label: Mapped[str] = mapped_column(sa.String(60))
    sampled_by: Mapped[str | None] = mapped_column(sa.String(200))
    method: Mapped[str | None] = mapped_column(sa.String(200))
    lab: Mapped[str | None] = mapped_column(sa.String(200))
    custody_id: Mapped[str | None] = mapped_column(sa.String(120))
    source_file: Mapped[str | None] = mapped_column(sa.String(300))
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id", ondelete="SET NULL"))


class Result(OrgOwned, Base):
    """One parameter of one sample; unique on (sample, parameter, fraction)."""

    __tablename__ = "water_results"
    __table_args__ = (sa.UniqueConstraint("sample_id", "parameter", "fraction"),
                      sa.Index("ix_water_results_org_id_parameter", "org_id", "parameter"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(sa.ForeignKey("water_samples.id", ondelete="CASCADE"))
    parameter: Mapped[str] = mapped_column(sa.String(40))
    fraction: Mapped[str] = mapped_column(sa.String(12))
    value: Mapped[str] = mapped_column(sa.String(40))  # exact decimal text
    unit: Mapped[str] = mapped_column(sa.String(40))
    censored: Mapped[str | None] = mapped_column(sa.String(1))
    detection_limit: Mapped[str | None] = mapped_column(sa.String(40))
    qualifier: Mapped[str | None] = mapped_column(sa.String(60))
    raw: Mapped[str] = mapped_column(sa.String(120))
