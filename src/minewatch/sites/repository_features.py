"""The queries behind the OGC API - Features collections (sites and visits), scoped like every
other query: a reader sees the features of their organisation; an anonymous reader (``actor`` None)
the sites of the organisations that publish them, and no visits. Pages are ``limit``/``offset``;
the number matched is counted with the same filter.

Sites without a box come in (organisation, code) order, which the unique index streams, so a first
page reads a hundred rows, not the table. Sites in a box come in id order, and the box stays on the
indexes, as in :mod:`minewatch.sites.repository`:

SQLite
    Point sites by the ``(geometry_type, min_lat)`` index (a two-sided ``min_lat`` range, then
    ``min_lon``; a point site's box is its point, so that is exact); polygon sites (few) by their
    box columns on the same index, then shapely for those not wholly inside the box.
PostGIS
    Point sites by ``geom && envelope`` (exact for points), polygon sites by ``ST_Intersects``;
    JIT and parallel workers are off for the transaction (see :func:`_pg_plain_planner`).

A box with at most :data:`FEW_MATCHES` matches (the usual map view) is read as ids in one indexed
query, then counted and paged from them. A larger one is counted in SQL and paged by a walk over the
table in id order, which stops at the page's last row; on SQLite that walk and that count keep off
the ``min_lat`` index, which would cost a lookup per site for a box over most of the map.

A visit's point is its site's point (``latitude``/``longitude``); a box picks the sites whose point
lies in it by the same indexes (``geom && envelope`` on PostGIS), then their visits. Visits come in
date order. Repositories never commit.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.accounts.orm import Organisation
from minewatch.sites.features import BBox, DateRange
from minewatch.sites.orm import Site, SiteIndicator, SiteVisit
from minewatch.sites.repository import _NON_POINT_TYPES, _minerals_of, _on_postgres, _pg, _pg_envelope

FEW_MATCHES = 5000
"""A box with at most this many matching sites is counted and paged from their ids (one indexed query)."""

_PUBLIC_COLUMNS = (
    Site.id, Site.code, Site.name, Site.country, Site.admin1, Site.mining_method, Site.lifecycle_status,
)
_MEMBER_COLUMNS = (
    *_PUBLIC_COLUMNS, Site.admin2, Site.locality, Site.legal_status, Site.title_relation,
    SiteIndicator.visit_date.label("latest_visit_date"), SiteIndicator.workers_count,
    SiteIndicator.mercury_used, SiteIndicator.armed_interference,
)
_GEOMETRY_COLUMNS = (
    Site.geometry_type, Site.latitude, Site.longitude, Site.min_lon, Site.min_lat,
    # The WKB of polygons only: a point site's point is its box corner.
    sa.case((Site.geometry_type == "Point", sa.null()), else_=Site.geom_wkb).label("geom_wkb"),
)
_VISIT_COLUMNS = (
    SiteVisit.id, Site.code.label("site_code"), SiteVisit.visit_date, SiteVisit.source, SiteVisit.project,
    SiteVisit.reached, SiteVisit.workers_count, SiteVisit.mercury_used, SiteVisit.cyanide_used,
    SiteVisit.armed_presence, SiteVisit.armed_interference, SiteVisit.minerals, SiteVisit.qualification,
    Site.latitude, Site.longitude,
)


# --- Scope ------------------------------------------------------------------------------------------


def _site_scope(actor, *, indexed: bool = True):
    """The actor's organisation, or for anonymous readers the organisations that publish their sites.
    ``indexed=False`` keeps the term off the indexes (SQLite: for a walk over the table in id order)."""
    org_id = Site.org_id if indexed else Site.org_id + 0
    if actor is None:
        return org_id.in_(sa.select(Organisation.id).where(Organisation.publishes_sites.is_(True)))
    return org_id == actor.org_id


# --- Sites ------------------------------------------------------------------------------------------


def _pg_plain_planner(session: Session) -> None:
    """No JIT and no parallel workers for this transaction: PostGIS costs ``ST_Intersects`` so high
    that a plain box query looks worth compiling (120 ms of JIT for a 60 ms scan)."""
    session.execute(sa.text("SELECT set_config('jit', 'off', true), "
                            "set_config('max_parallel_workers_per_gather', '0', true)"))


def _sqlite_polygons(session: Session, scope, bbox: BBox) -> tuple[list[int], list[int]]:
    """SQLite: the polygon sites in scope whose box overlaps ``bbox``, split by shapely into the ids of
    those whose polygon touches it and of those whose polygon misses it (few: only near its edges)."""
    import numpy as np
    import shapely

    min_lon, min_lat, max_lon, max_lat = bbox
    inside = sa.and_(Site.min_lon >= min_lon, Site.max_lon <= max_lon, Site.min_lat >= min_lat,
                     Site.max_lat <= max_lat)
    rows = session.execute(
        sa.select(Site.id, inside.label("inside"), sa.case((inside, sa.null()), else_=Site.geom_wkb)).where(
            scope, Site.geometry_type.in_(_NON_POINT_TYPES),
            Site.min_lat <= max_lat, Site.max_lat >= min_lat, Site.min_lon <= max_lon, Site.max_lon >= min_lon,
        )
    ).all()
    touching = [site_id for site_id, within, _ in rows if within]
    missing: list[int] = []
    edge = [(site_id, wkb) for site_id, within, wkb in rows if not within]
    if edge:
        area = shapely.box(*bbox)
        shapely.prepare(area)
        hits = shapely.intersects(area, shapely.from_wkb([wkb for _, wkb in edge]))
        for (site_id, _), hit in zip(edge, np.asarray(hits).tolist()):
            (touching if hit else missing).append(site_id)
    return touching, missing


class _BoxMatch:
    """The sites in scope whose geometry intersects a box, for both ways of paging (see site_page).

    ``first_ids`` reads ids by the indexes; ``scanning`` is the same test for a walk over the table
    in id order, and ``count`` counts with it (PostGIS: with the indexes). On SQLite the walk's terms
    are kept off the indexes (``+ 0``), because an index range over most of the table costs a row
    lookup per site, more than the scan.
    """

    def __init__(self, session: Session, actor, bbox: BBox):
        min_lon, min_lat, max_lon, max_lat = bbox
        scope = _site_scope(actor)
        self.postgres = _on_postgres(session)
        if self.postgres:
            geom, _ = _pg()
            envelope = _pg_envelope(bbox)
            points = sa.and_(scope, Site.geometry_type == "Point", geom.op("&&")(envelope))
            others = sa.and_(scope, Site.geometry_type.in_(_NON_POINT_TYPES), sa.func.ST_Intersects(geom, envelope))
            self.arms = sa.union_all(sa.select(Site.id).where(points), sa.select(Site.id).where(others))
            self.polygon_ids: list[int] = []
            self.scanning = sa.or_(points, others)
            return
        self.arms = sa.select(Site.id).where(
            scope, Site.geometry_type == "Point", Site.min_lat.between(min_lat, max_lat),
            Site.min_lon.between(min_lon, max_lon))
        self.polygon_ids, missing = _sqlite_polygons(session, scope, bbox)
        off = _site_scope(actor, indexed=False)
        kind = Site.geometry_type.concat("")
        on_point = sa.and_(kind == "Point", (Site.min_lat + 0).between(min_lat, max_lat),
                           (Site.min_lon + 0).between(min_lon, max_lon))
        on_polygon = sa.and_(kind.in_(_NON_POINT_TYPES), Site.min_lat + 0 <= max_lat, Site.max_lat >= min_lat,
                             Site.min_lon <= max_lon, Site.max_lon >= min_lon)
        if missing:
            on_polygon = sa.and_(on_polygon, (Site.id + 0).not_in(missing))
        self.scanning = sa.and_(off, sa.or_(on_point, on_polygon) if self.polygon_ids else on_point)

    def first_ids(self, session: Session, n: int) -> list[int]:
        """Up to ``n`` matching ids (any order) from the indexes, polygon sites included."""
        found = list(self.polygon_ids[:n])
        if len(found) < n:
            found.extend(session.scalars(self.arms.limit(n - len(found))))
        return found

    def count(self, session: Session) -> int:
        if self.postgres:
            return session.scalar(sa.select(sa.func.count()).select_from(self.arms.subquery()))
        return session.scalar(sa.select(sa.func.count()).select_from(Site).where(self.scanning))


def site_page(session: Session, actor, *, bbox: BBox | None, limit: int, offset: int,
              public: bool) -> tuple[list[dict], dict[int, list[str]], int]:
    """One page of matching sites (rows as dicts), their minerals, and how many match (see the module's
    docstring for the orders and the two ways of paging a box)."""
    if bbox is None:
        scope = _site_scope(actor)
        rows = _site_rows(session, public, [scope], order=(Site.org_id, Site.code), limit=limit, offset=offset)
        matched = (len(rows) if offset == 0 and len(rows) < limit
                   else session.scalar(sa.select(sa.func.count()).select_from(Site).where(scope)))
        return rows, _minerals_of(session, [r["id"] for r in rows]), matched
    if _on_postgres(session):
        _pg_plain_planner(session)
    box = _BoxMatch(session, actor, bbox)
    ids = box.first_ids(session, FEW_MATCHES + 1)
    if len(ids) <= FEW_MATCHES:
        page = sorted(ids)[offset:offset + limit]
        rows = _site_rows(session, public, [Site.id.in_(page)]) if page else []
        matched = len(ids)
    else:
        rows = _site_rows(session, public, [box.scanning], limit=limit, offset=offset)
        matched = box.count(session)
    return rows, _minerals_of(session, [r["id"] for r in rows]), matched


def _site_rows(session: Session, public: bool, where: list, *, order=(Site.id,), limit: int | None = None,
               offset: int = 0) -> list[dict]:
    columns = _PUBLIC_COLUMNS if public else _MEMBER_COLUMNS
    stmt = sa.select(*columns, *_GEOMETRY_COLUMNS).where(*where)
    if not public:
        stmt = stmt.outerjoin(SiteIndicator, SiteIndicator.site_id == Site.id)
    stmt = stmt.order_by(*order).limit(limit).offset(offset or None)
    return [dict(m) for m in session.execute(stmt).mappings()]


def site_by_id(session: Session, actor, site_id: int, *, public: bool) -> tuple[dict, list[str]] | None:
    """One site the reader may see, with its minerals, or None."""
    rows = _site_rows(session, public, [_site_scope(actor), Site.id == site_id])
    if not rows:
        return None
    return rows[0], _minerals_of(session, [site_id]).get(site_id, [])


def site_extent(session: Session, actor) -> BBox | None:
    """The box around every site the reader may see (None when there is none)."""
    box = session.execute(
        sa.select(sa.func.min(Site.min_lon), sa.func.min(Site.min_lat), sa.func.max(Site.max_lon),
                  sa.func.max(Site.max_lat)).where(_site_scope(actor))
    ).one()
    return None if box[0] is None else tuple(float(v) for v in box)


# --- Visits -----------------------------------------------------------------------------------------


def _sites_with_point_in(session: Session, actor, bbox: BBox):
    """Ids of the actor's sites whose point (latitude, longitude) lies in the box, by the spatial indexes."""
    min_lon, min_lat, max_lon, max_lat = bbox
    scope = Site.org_id == actor.org_id
    on_point = (Site.latitude.between(min_lat, max_lat), Site.longitude.between(min_lon, max_lon))
    if _on_postgres(session):
        geom, _ = _pg()
        return sa.select(Site.id).where(scope, geom.op("&&")(_pg_envelope(bbox)), *on_point)
    points = sa.select(Site.id).where(
        scope, Site.geometry_type == "Point", Site.min_lat.between(min_lat, max_lat),
        Site.min_lon.between(min_lon, max_lon),
    )
    # A polygon site's point lies inside the polygon's box.
    polygons = sa.select(Site.id).where(
        scope, Site.geometry_type.in_(_NON_POINT_TYPES), Site.min_lat <= max_lat, Site.max_lat >= min_lat,
        *on_point,
    )
    return sa.union_all(points, polygons)


def _visit_filters(session: Session, actor, bbox: BBox | None, dates: DateRange | None) -> list:
    where = [SiteVisit.org_id == actor.org_id]
    if dates is not None:
        start, end = dates
        if start is not None:
            where.append(SiteVisit.visit_date >= start)
        if end is not None:
            where.append(SiteVisit.visit_date <= end)
    if bbox is not None:
        where.append(SiteVisit.site_id.in_(_sites_with_point_in(session, actor, bbox)))
    return where


def visit_page(session: Session, actor, *, bbox: BBox | None, dates: DateRange | None, limit: int,
               offset: int) -> tuple[list[dict], int]:
    """One page of the actor's matching visits, in date order (the ``visit_date`` index streams it), with
    their site's code and point, and how many match."""
    where = _visit_filters(session, actor, bbox, dates)
    stmt = (sa.select(*_VISIT_COLUMNS).join(Site, Site.id == SiteVisit.site_id).where(*where)
            .order_by(SiteVisit.visit_date, SiteVisit.id).limit(limit).offset(offset or None))
    rows = [dict(m) for m in session.execute(stmt).mappings()]
    if offset == 0 and len(rows) < limit:
        matched = len(rows)
    else:
        matched = session.scalar(sa.select(sa.func.count()).select_from(SiteVisit).where(*where))
    return rows, matched


def visit_by_id(session: Session, actor, visit_id: int) -> dict | None:
    stmt = (sa.select(*_VISIT_COLUMNS).join(Site, Site.id == SiteVisit.site_id)
            .where(SiteVisit.org_id == actor.org_id, SiteVisit.id == visit_id))
    row = session.execute(stmt).mappings().one_or_none()
    return None if row is None else dict(row)


def visit_interval(session: Session, actor) -> tuple[dt.date | None, dt.date | None]:
    """The first and last visit dates of the actor's organisation (each read from the ``visit_date`` index)."""
    base = sa.select(SiteVisit.visit_date).where(SiteVisit.org_id == actor.org_id).limit(1)
    return (session.scalar(base.order_by(SiteVisit.visit_date)),
            session.scalar(base.order_by(SiteVisit.visit_date.desc())))


# --- Publication ------------------------------------------------------------------------------------


def publishing_organisation(session: Session, org_id: int) -> Organisation | None:
    return session.get(Organisation, org_id)


def published_site_count(session: Session, org_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Site).where(Site.org_id == org_id))
