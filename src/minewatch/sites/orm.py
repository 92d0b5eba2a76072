"""Tables of sites, site minerals, field visits, concessions and derived site-title links."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base
from minewatch.adapters.orm_common import BBoxed, OrgOwned, Tracked


class Site(OrgOwned, Tracked, BBoxed, Base):
    __tablename__ = "sites"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "code"),
        # Spatial search on SQLite: point sites by a two-sided min_lat range, the few polygon sites by
        # min_lat up to the query's north edge (see sites/repository.py); min_lon and org_id in the
        # index let a box be answered from the index alone, without a row lookup per site in the band.
        sa.Index("ix_sites_box", "geometry_type", "min_lat", "min_lon", "org_id"),
        sa.Index("ix_sites_org_id_id", "org_id", "id"),  # keyset pages in id order (API, OGC)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    country: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    admin1: Mapped[str | None] = mapped_column(sa.String(120))
    admin2: Mapped[str | None] = mapped_column(sa.String(120))
    admin3: Mapped[str | None] = mapped_column(sa.String(120))
    admin4: Mapped[str | None] = mapped_column(sa.String(120))
    locality: Mapped[str | None] = mapped_column(sa.String(120))
    # The site's point: the GPS point, or the representative point of its polygon.
    latitude: Mapped[float] = mapped_column(sa.Float)
    longitude: Mapped[float] = mapped_column(sa.Float)
    location_accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    location_origin: Mapped[str | None] = mapped_column(sa.String(20))
    location_origin_raw: Mapped[str | None] = mapped_column(sa.String(120))
    minerals_raw: Mapped[list | None] = mapped_column(sa.JSON)
    mining_method: Mapped[str | None] = mapped_column(sa.String(30))
    mining_method_raw: Mapped[str | None] = mapped_column(sa.String(120))
    lifecycle_status: Mapped[str | None] = mapped_column(sa.String(20))
    legal_status: Mapped[str | None] = mapped_column(sa.String(30))
    cooperative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cooperatives.id", ondelete="SET NULL"))
    source: Mapped[str | None] = mapped_column(sa.String(120))
    registered_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Derived from concessions (never typed): inside_artisanal_zone | inside_title | outside.
    title_relation: Mapped[str | None] = mapped_column(sa.String(30), index=True)


class SiteMineral(Base):
    """Minerals of a site, one row each (canonical vocabulary key), for indexed filtering."""

    __tablename__ = "site_minerals"

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    mineral: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)


class SiteVisit(OrgOwned, Tracked, Base):
    __tablename__ = "site_visits"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "source", "source_visit_id"),
        sa.Index("ix_site_visits_site_date", "site_id", "visit_date"),
        sa.Index("ix_site_visits_org_id_id", "org_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(sa.String(120))
    source_visit_id: Mapped[str] = mapped_column(sa.String(120))
    visit_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    project: Mapped[str | None] = mapped_column(sa.String(200))
    team: Mapped[str | None] = mapped_column(sa.String(200))
    reached: Mapped[bool | None] = mapped_column(sa.Boolean)
    not_reached_reason: Mapped[str | None] = mapped_column(sa.String(300))
    workers_count: Mapped[int | None] = mapped_column(sa.Integer)
    women_present: Mapped[bool | None] = mapped_column(sa.Boolean)
    women_work: Mapped[str | None] = mapped_column(sa.String(300))
    children_under15_present: Mapped[bool | None] = mapped_column(sa.Boolean)
    children_under15_working: Mapped[bool | None] = mapped_column(sa.Boolean)
    children_under15_work: Mapped[str | None] = mapped_column(sa.String(300))
    children_15_17_present: Mapped[bool | None] = mapped_column(sa.Boolean)
    children_15_17_working: Mapped[bool | None] = mapped_column(sa.Boolean)
    mercury_used: Mapped[bool | None] = mapped_column(sa.Boolean)
    cyanide_used: Mapped[bool | None] = mapped_column(sa.Boolean)
    armed_presence: Mapped[bool | None] = mapped_column(sa.Boolean)
    armed_interference: Mapped[bool | None] = mapped_column(sa.Boolean)
    interference_taxation: Mapped[bool | None] = mapped_column(sa.Boolean)
    interference_forced_labour: Mapped[bool | None] = mapped_column(sa.Boolean)
    interference_pillage: Mapped[bool | None] = mapped_column(sa.Boolean)
    interference_pit_ownership: Mapped[bool | None] = mapped_column(sa.Boolean)
    interference_buying: Mapped[bool | None] = mapped_column(sa.Boolean)
    armed_actors: Mapped[list | None] = mapped_column(sa.JSON)
    state_services: Mapped[list | None] = mapped_column(sa.JSON)
    selling_points: Mapped[list | None] = mapped_column(sa.JSON)
    final_destinations: Mapped[list | None] = mapped_column(sa.JSON)
    minerals: Mapped[list | None] = mapped_column(sa.JSON)
    mechanisation: Mapped[str | None] = mapped_column(sa.String(40))
    traceability: Mapped[str | None] = mapped_column(sa.String(200))
    qualification: Mapped[str | None] = mapped_column(sa.String(20))
    access_dry: Mapped[str | None] = mapped_column(sa.String(40))
    access_wet: Mapped[str | None] = mapped_column(sa.String(40))
    is_3t_mine: Mapped[bool | None] = mapped_column(sa.Boolean)
    is_gold_mine: Mapped[bool | None] = mapped_column(sa.Boolean)
    raw: Mapped[dict | None] = mapped_column(sa.JSON)


class Concession(OrgOwned, Tracked, BBoxed, Base):
    """A mining title or zone (polygon) from a cadastre."""

    __tablename__ = "concessions"
    __table_args__ = (sa.UniqueConstraint("org_id", "source", "external_id"), sa.Index("ix_concessions_org_id_id", "org_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(120))
    external_id: Mapped[str] = mapped_column(sa.String(120))
    title_number: Mapped[str | None] = mapped_column(sa.String(120))
    holder: Mapped[str | None] = mapped_column(sa.Text)
    title_type: Mapped[str | None] = mapped_column(sa.String(20))
    title_type_raw: Mapped[str | None] = mapped_column(sa.String(60))
    is_artisanal_zone: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[str | None] = mapped_column(sa.String(120))
    date_granted: Mapped[dt.date | None] = mapped_column(sa.Date)
    date_expires: Mapped[dt.date | None] = mapped_column(sa.Date)
    title_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    properties: Mapped[dict | None] = mapped_column(sa.JSON)


class SiteConcession(Base):
    """Derived: a site lies in (intersects) a concession. Recomputed after imports."""

    __tablename__ = "site_concessions"

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    concession_id: Mapped[int] = mapped_column(
        sa.ForeignKey("concessions.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SiteIndicator(Base):
    """Derived: what a site's latest visit (by date, then id) said, for maps, filters and colours.

    Recomputed from ``site_visits`` after every change of visits (:func:`sites.service.refresh_indicators_in`);
    never typed. ``children_seen`` is true when the visit saw children (under 15 or 15-17) present or
    working, false when it said no to all it asked, and null when it did not say.
    """

    __tablename__ = "site_indicators"

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("site_visits.id", ondelete="CASCADE"))
    visit_date: Mapped[dt.date] = mapped_column(sa.Date)
    visit_count: Mapped[int] = mapped_column(sa.Integer)
    workers_count: Mapped[int | None] = mapped_column(sa.Integer)
    mercury_used: Mapped[bool | None] = mapped_column(sa.Boolean)
    children_seen: Mapped[bool | None] = mapped_column(sa.Boolean)
    armed_interference: Mapped[bool | None] = mapped_column(sa.Boolean)
