"""Tables of hazard assessments (one run of a model over the organisation's sites) and their site rows."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base, UTCDateTime, utcnow
from minewatch.adapters.orm_common import OrgOwned


class HazardAssessment(OrgOwned, Base):
    """What was assessed, from which inputs (paths and SHA-256), with which parameters and code, and when."""

    __tablename__ = "hazard_assessments"
    __table_args__ = (sa.Index("ix_hazard_assessments_org_id_id", "org_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # landslide
    status: Mapped[str] = mapped_column(sa.String(20))  # complete
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    assessed_on: Mapped[dt.date] = mapped_column(sa.Date)  # the date exposure is counted at
    actor_id: Mapped[int | None] = mapped_column(sa.Integer)
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    code_version: Mapped[str] = mapped_column(sa.String(40))
    buffer_m: Mapped[float] = mapped_column(sa.Float)
    inputs: Mapped[dict] = mapped_column(sa.JSON)  # {role: {"path": ..., "sha256": ...}}
    parameters: Mapped[dict | None] = mapped_column(sa.JSON)
    summary: Mapped[dict | None] = mapped_column(sa.JSON)
    thresholds: Mapped[dict] = mapped_column(sa.JSON)
    # Issue 9: with an erosion run, {"breaks_t_ha_yr", "breaks_source", "run_dir"}; SQL NULL without one
    erosion: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))


class SiteHazard(Base):
    """One site in one assessment; statistics are NULL when the rasters do not cover the site."""

    __tablename__ = "site_hazards"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "site_id"),
                      sa.Index("ix_site_hazards_org_site", "org_id", "site_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard_assessments.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    covered: Mapped[bool] = mapped_column(sa.Boolean)
    area_m2: Mapped[float | None] = mapped_column(sa.Float)
    area_fs_below_1_m2: Mapped[float | None] = mapped_column(sa.Float)
    share_fs_below_1: Mapped[float | None] = mapped_column(sa.Float)
    pfail_max: Mapped[float | None] = mapped_column(sa.Float)
    pfail_mean: Mapped[float | None] = mapped_column(sa.Float)
    upslope_area_max_m2: Mapped[float | None] = mapped_column(sa.Float)
    people_exposed: Mapped[int] = mapped_column(sa.Integer)
    level: Mapped[str | None] = mapped_column(sa.String(12))
    reason: Mapped[str] = mapped_column(sa.Text)
    # Issue 8: the landslide susceptibility model's value inside the site (NULL when the run had none)
    susceptibility_mean: Mapped[float | None] = mapped_column(sa.Float)
    susceptibility_max: Mapped[float | None] = mapped_column(sa.Float)
    susceptibility_level: Mapped[str | None] = mapped_column(sa.String(12))  # hazards.model.LEVELS
    map_path: Mapped[str | None] = mapped_column(sa.String(300))  # relative to settings.files_dir
    # Issue 9: RUSLE soil loss and sediment export inside the site (hazards.model.SiteErosion); NULL when
    # the assessment had no erosion run or the run does not cover the site
    soil_loss_mean_t_ha_yr: Mapped[float | None] = mapped_column(sa.Float)
    soil_loss_max_t_ha_yr: Mapped[float | None] = mapped_column(sa.Float)
    soil_loss_t_yr: Mapped[float | None] = mapped_column(sa.Float)
    sed_export_t_yr: Mapped[float | None] = mapped_column(sa.Float)
    erosion_level: Mapped[str | None] = mapped_column(sa.String(12))  # hazards.model.LEVELS
    erosion_area_m2: Mapped[float | None] = mapped_column(sa.Float)
    erosion_stream_area_m2: Mapped[float | None] = mapped_column(sa.Float)
    soil_loss_shares: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))  # {level: share of area}
