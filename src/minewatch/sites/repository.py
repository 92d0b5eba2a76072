"""Every query of sites, built from one organisation-scoped statement (:func:`_base`).

Spatial search means the same on both databases (see :class:`~minewatch.sites.model.SiteQuery`);
only the way there differs. Both rely on one rule that
:func:`~minewatch.sites.model.site_geometry_columns` checks when a site is written: a site's point
lies inside its geometry's bounding box (radius searches find the point through the box).

SQLite
    The indexed box columns prefilter in SQL, exactly for sites of any size, as two branches of one
    ``UNION ALL`` on the index ``(geometry_type, min_lat)``. A point site's box is its point, so
    point sites are a two-sided ``min_lat`` range. A polygon site may span any latitude, so its
    branch is one-sided (``min_lat <= north``), then ``max_lat``, ``min_lon``, ``max_lon`` and
    ``latitude``/``longitude`` filter the rows it finds; polygon sites are few in ASM registries, so
    that stays cheap. Python then decides exactly: shapely (prepared geometries, ``intersects_xy``
    for points) for boxes and polygons, pyproj's ``Geod(ellps="WGS84").inv`` over arrays for
    distances. Nearest-N doubles a radius until at least N sites lie within it; the N nearest of
    those are the N nearest of all.

PostGIS
    ``ST_Intersects(geom, …)`` for boxes and polygons (GiST on ``geom``). Radius search is on the
    site's *point*. For a point site ``geog`` is that point, so ``ST_DWithin(geog, p, r)`` is exact and
    uses the GiST index on ``geog`` (the common case). A polygon site's ``geog`` is the polygon, not
    its point: there ``geom && box`` (GiST on ``geom``; the point lies inside the polygon's bounding
    box) narrows the rows and ``ST_DWithin(point(longitude, latitude)::geography, p, r)`` decides. The
    two arms are OR-ed, which PostgreSQL runs as a BitmapOr of the two GiST indexes. Nearest-N takes
    the N nearest point sites by KNN (``ORDER BY geog <-> p``, sphere distance): the largest of their
    exact distances bounds the N-th nearest of all sites, so a radius search within that bound,
    ordered by ``ST_Distance`` (spheroid) and code, is exact.

Both compute distances on the WGS84 ellipsoid with Karney's algorithm (pyproj and PostGIS both use
GeographicLib), round them to 10 nm as PostGIS does, and break ties by code compared bytewise
(``COLLATE "C"`` on PostgreSQL). Repositories never commit: services own the transaction.
"""

from __future__ import annotations

import weakref
from collections import Counter
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from minewatch.adapters.db import is_postgres
from minewatch.people.orm import Assignment, Person
from minewatch.sites.errors import SiteNotFound
from minewatch.sites.model import (
    INDICATORS,
    SITE_GEOMETRY_TYPES,
    TITLE_RELATIONS,
    WORKER_CLASSES,
    AssignedPerson,
    BBox,
    SiteDetail,
    SiteIndicators,
    SiteQuery,
    SiteRow,
    TitleLink,
    VisitFacts,
    VisitSummary,
    children_seen,
    geodesic_bbox,
    round_distance_m,
)
from minewatch.sites.orm import Concession, Site, SiteConcession, SiteIndicator, SiteMineral, SiteVisit

_ROW_COLUMNS = (
    Site.id, Site.code, Site.name, Site.country, Site.latitude, Site.longitude,
    Site.title_relation, Site.lifecycle_status,
)
_BOX_COLUMNS = (Site.min_lon, Site.min_lat, Site.max_lon, Site.max_lat)
_IN_CHUNK = 5000  # ids per IN (...) list: well under SQLite's 32,766 bound parameters
_NON_POINT_TYPES = tuple(t for t in SITE_GEOMETRY_TYPES if t != "Point")


# --- The organisation scope -------------------------------------------------------------------------


def _base(actor, *columns) -> sa.Select:
    """The one statement every site query starts from: the actor's organisation only."""
    return sa.select(*(columns or (Site,))).where(Site.org_id == actor.org_id)


def _concessions(actor, *columns) -> sa.Select:
    return sa.select(*(columns or (Concession,))).where(Concession.org_id == actor.org_id)


def _on_postgres(session: Session) -> bool:
    return is_postgres(session.get_bind())


# --- Filters shared by both databases ---------------------------------------------------------------


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _attribute_filters(q: SiteQuery, postgres: bool, *, membership: bool = True) -> list:
    """Non-spatial filters. Text search is case-insensitive (for ASCII letters only on SQLite, whose
    LIKE is so by itself: ``lower()`` on every row would double the cost of a search).

    Filters on other tables (mineral, indicator) are written as membership (``id IN (...)``), with
    which SQLite drives a count or a short list from the matching ids, or with ``membership=False``
    as ``EXISTS``, with which it streams sites in the order's index and probes each, stopping after
    one page (many matches). PostgreSQL plans both as a semi-join.
    """
    where = []
    if q.country:
        where.append(Site.country == q.country)
    if q.mineral:
        has = SiteMineral.mineral == q.mineral
        where.append(Site.id.in_(sa.select(SiteMineral.site_id).where(has)) if membership
                     else sa.exists().where(SiteMineral.site_id == Site.id, has))
    if q.lifecycle_status:
        where.append(Site.lifecycle_status == q.lifecycle_status)
    if q.title_relation == "any_title":
        where.append(Site.title_relation.in_(("inside_artisanal_zone", "inside_title")))
    elif q.title_relation == "not_computed":
        where.append(Site.title_relation.is_(None))
    elif q.title_relation:
        where.append(Site.title_relation == q.title_relation)
    if q.indicator:
        latest = aliased(SiteIndicator)  # the workers order may join site_indicators too
        said_yes = getattr(latest, q.indicator).is_(True)
        where.append(Site.id.in_(sa.select(latest.site_id).where(said_yes)) if membership
                     else sa.exists().where(latest.site_id == Site.id, said_yes))
    if q.search:
        pattern = _like_pattern(q.search)
        like = "ilike" if postgres else "like"
        where.append(sa.or_(getattr(Site.name, like)(pattern, escape="\\"),
                            getattr(Site.code, like)(pattern, escape="\\")))
    return where


# --- PostGIS expressions (used only on PostgreSQL) --------------------------------------------------


def _pg():
    """The PostGIS columns of ``sites`` (generated by the migration, not in the ORM)."""
    from geoalchemy2 import Geography, Geometry

    geom = sa.literal_column("sites.geom", Geometry(srid=4326))
    geog = sa.literal_column("sites.geog", Geography(srid=4326))
    return geom, geog


def _pg_point(lat: float, lon: float):
    return sa.func.geography(sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), 4326))


def _pg_site_point():
    return sa.func.geography(sa.func.ST_SetSRID(sa.func.ST_MakePoint(Site.longitude, Site.latitude), 4326))


def _pg_envelope(box):
    return sa.func.ST_MakeEnvelope(*box, 4326)


def _pg_is_point():
    geom, _ = _pg()
    return sa.func.GeometryType(geom) == "POINT"


def _pg_within_radius(lat: float, lon: float, radius_m: float):
    """Exact: the geodesic distance from the point to the site's point is at most ``radius_m``."""
    geom, geog = _pg()
    p = _pg_point(lat, lon)
    box = geodesic_bbox(lat, lon, radius_m / 1000.0)
    point_sites = sa.and_(_pg_is_point(), sa.func.ST_DWithin(geog, p, radius_m))
    other_sites = sa.and_(
        sa.not_(_pg_is_point()),
        geom.op("&&")(_pg_envelope(box)),
        sa.func.ST_DWithin(_pg_site_point(), p, radius_m),
    )
    return sa.or_(point_sites, other_sites)


def _pg_area_filters(q: SiteQuery) -> list:
    geom, _ = _pg()
    where = []
    if q.bbox is not None:
        where.append(sa.func.ST_Intersects(geom, _pg_envelope(q.bbox)))
    if q.within is not None:
        import shapely

        area = sa.func.ST_GeomFromWKB(sa.literal(shapely.to_wkb(q.within), sa.LargeBinary), 4326)
        where.append(sa.func.ST_Intersects(geom, area))
    return where


def _pg_nearest_bound_m(session: Session, actor, q: SiteQuery) -> float | None:
    """An upper bound of the distance to the N-th nearest site: the largest exact distance among the
    N nearest *point* sites by KNN (None when fewer than N point sites match)."""
    _, geog = _pg()
    p = _pg_point(q.near.lat, q.near.lon)
    stmt = (
        _base(actor, sa.func.ST_Distance(geog, p))
        .where(*_attribute_filters(q, True), *_pg_area_filters(q), _pg_is_point())
        .order_by(geog.op("<->")(p))
        .limit(q.nearest_n)
    )
    distances = session.scalars(stmt).all()
    if len(distances) < q.nearest_n:
        return None
    # A hair of slack so that a site exactly at the bound is not lost to rounding.
    return max(distances) * (1 + 1e-9) + 1e-6


# --- The matching set as SQL (PostgreSQL, and SQLite without spatial filters) -------------------------


def _sort_text(column, postgres: bool):
    return column.collate("C") if postgres else column


_BYTEWISE_DEFAULT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _default_collation_is_bytewise(session: Session) -> bool:
    """PostgreSQL: whether the database sorts text bytewise by default (``LC_COLLATE`` C or POSIX).

    Then ``ORDER BY code`` means the same as ``ORDER BY code COLLATE "C"`` and, unlike it, can walk
    the ``(org_id, code)`` index: a page of a large list reads one page of the index instead of
    sorting every match. Read once per engine (a database's collation does not change).
    """
    engine = session.get_bind().engine
    known = _BYTEWISE_DEFAULT.get(engine)
    if known is None:
        collation = session.scalar(sa.text("SELECT datcollate FROM pg_database WHERE datname = current_database()"))
        known = _BYTEWISE_DEFAULT[engine] = collation in ("C", "POSIX")
    return known


def _sql_matches(session: Session, actor, q: SiteQuery, *, membership: bool = True):
    """A subquery of the matching sites (row columns and ``distance_m``), unordered unless nearest-N."""
    postgres = _on_postgres(session)
    stmt = _base(actor, *_ROW_COLUMNS).where(*_attribute_filters(q, postgres, membership=membership))
    if q.order == "workers":
        stmt = (stmt.outerjoin(SiteIndicator, SiteIndicator.site_id == Site.id)
                .add_columns(SiteIndicator.workers_count.label("workers_count")))
    if not q.is_spatial:
        return stmt.add_columns(sa.null().label("distance_m")).subquery()
    if not postgres:
        raise AssertionError("spatial SQL is PostGIS-only; SQLite refines in Python")
    stmt = stmt.where(*_pg_area_filters(q))
    if q.near is None:
        return stmt.add_columns(sa.null().label("distance_m")).subquery()
    distance = sa.func.ST_Distance(_pg_site_point(), _pg_point(q.near.lat, q.near.lon))
    radius = q.near.radius_m
    if q.nearest_n:
        bound = _pg_nearest_bound_m(session, actor, q)
        if bound is not None:
            radius = bound if radius is None else min(radius, bound)
    if radius is not None:
        stmt = stmt.where(_pg_within_radius(q.near.lat, q.near.lon, radius))
    stmt = stmt.add_columns(distance.label("distance_m"))
    if q.nearest_n:
        stmt = stmt.order_by(distance, _sort_text(Site.code, True)).limit(q.nearest_n)
    return stmt.subquery()


def _sql_order(sub, order: str, postgres: bool, *, indexed: bool = True, bytewise_default: bool = False) -> list:
    """ORDER BY of a match subquery; ``indexed=False`` keeps SQLite from walking the code index for
    the order (it sorts the few matches it finds through the filters' indexes instead);
    ``bytewise_default``: PostgreSQL's default collation is already bytewise (no COLLATE needed)."""
    code = sub.c.code if bytewise_default else _sort_text(sub.c.code, postgres)
    if not indexed and not postgres:
        code = code.op("||")("")
    if order == "distance":
        return [sub.c.distance_m, code]
    if order == "workers":
        return [sub.c.workers_count.is_(None), sub.c.workers_count.desc(), code]
    if order in ("name", "country"):
        col = sub.c[order]
        return [col.is_(None), _sort_text(col, postgres), code]
    return [code]


def _rows(session: Session, records) -> list[SiteRow]:
    """SiteRows with their minerals from ``(row mapping, distance in metres or None)`` records.

    The records come from the scoped base statement, so their ids are the actor's own sites.
    """
    minerals = _minerals_of(session, [m["id"] for m, _ in records])
    return [
        SiteRow(
            id=m["id"], code=m["code"], name=m["name"], country=m["country"],
            latitude=m["latitude"], longitude=m["longitude"], minerals=tuple(minerals.get(m["id"], ())),
            title_relation=m["title_relation"], lifecycle_status=m["lifecycle_status"],
            distance_km=None if d is None else round_distance_m(d) / 1000.0,
        )
        for m, d in records
    ]


# --- SQLite: prefilter in SQL, decide in Python -----------------------------------------------------


def _geod():
    from pyproj import Geod

    return Geod(ellps="WGS84")


def _overlap_box(boxes: list[BBox]) -> BBox:
    """The box whose overlap means overlapping every one of ``boxes``, edge by edge (it is inverted,
    min > max, when they have no common part: then no point overlaps it, and SQL finds none)."""
    return (max(b[0] for b in boxes), max(b[1] for b in boxes), min(b[2] for b in boxes), min(b[3] for b in boxes))


def _sqlite_candidates(session: Session, actor, q: SiteQuery, radius_m: float | None):
    """Rows passing the indexed prefilters, with the columns the exact tests need.

    Both branches use ``ix_sites_box`` (geometry_type, min_lat, min_lon, org_id): the point sites in the ``min_lat`` range,
    the polygon sites with ``min_lat`` up to the box's north edge.
    """
    needs_shape = q.bbox is not None or q.within is not None
    cols = [*_ROW_COLUMNS, *_BOX_COLUMNS] + ([Site.geom_wkb] if needs_shape else [])
    boxes = [b for b in (q.bbox, None if q.within is None else q.within.bounds) if b is not None]
    point_filter = []
    if radius_m is not None:
        # The site's point in the circle's box; it lies in the site's box, so the boxes overlap too.
        near = geodesic_bbox(q.near.lat, q.near.lon, radius_m / 1000.0)
        boxes.append(near)
        point_filter = [Site.latitude.between(near[1], near[3]), Site.longitude.between(near[0], near[2])]
    min_lon, min_lat, max_lon, max_lat = _overlap_box(boxes)
    points = _base(actor, *cols).where(
        *_attribute_filters(q, False),
        Site.geometry_type == "Point",
        Site.min_lat.between(min_lat, max_lat),
        Site.min_lon.between(min_lon, max_lon),
    )
    others = _base(actor, *cols).where(
        *_attribute_filters(q, False),
        Site.geometry_type.in_(_NON_POINT_TYPES),
        Site.min_lat <= max_lat,
        Site.max_lat >= min_lat,
        Site.min_lon <= max_lon,
        Site.max_lon >= min_lon,
        *point_filter,
    )
    return session.execute(sa.union_all(points, others)).mappings().all()


def _sqlite_exact(rows, q: SiteQuery, radius_m: float | None):
    """The rows that truly match, each with its distance in metres (None without a query point)."""
    import numpy as np
    import shapely

    n = len(rows)
    if n == 0:
        return []
    keep = np.ones(n, dtype=bool)
    box = np.array([[r["min_lon"], r["min_lat"], r["max_lon"], r["max_lat"]] for r in rows], dtype=float)
    is_point = (box[:, 0] == box[:, 2]) & (box[:, 1] == box[:, 3])

    def intersects(area, candidates):
        """Exact intersection of the candidate rows' geometries with ``area`` (prepared)."""
        shapely.prepare(area)
        hits = np.zeros(n, dtype=bool)
        pts = candidates & is_point
        hits[pts] = shapely.intersects_xy(area, box[pts, 0], box[pts, 1])
        polys = np.flatnonzero(candidates & ~is_point)
        if len(polys):
            geoms = shapely.from_wkb([rows[i]["geom_wkb"] for i in polys])
            hits[polys] = shapely.intersects(area, geoms)
        return hits

    if q.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = q.bbox
        inside = (box[:, 0] >= min_lon) & (box[:, 2] <= max_lon) & (box[:, 1] >= min_lat) & (box[:, 3] <= max_lat)
        keep &= inside | intersects(shapely.box(*q.bbox), keep & ~inside)
    if q.within is not None:
        keep &= intersects(q.within, keep.copy())
    distances = None
    if q.near is not None:
        lats = np.array([r["latitude"] for r in rows], dtype=float)
        lons = np.array([r["longitude"] for r in rows], dtype=float)
        _, _, dist = _geod().inv(np.full(n, q.near.lon), np.full(n, q.near.lat), lons, lats)
        distances = np.round(np.asarray(dist) * 1e8) / 1e8
        if radius_m is not None:
            keep &= distances <= radius_m
    return [(rows[i], None if distances is None else float(distances[i])) for i in np.flatnonzero(keep)]


def _sqlite_matches(session: Session, actor, q: SiteQuery) -> list:
    """All matches of a spatial query as ``(row, distance_m)`` records; nearest-N keeps the N first
    by (distance, code)."""
    if q.near is not None and q.nearest_n:
        records = _sorted_records(_sqlite_nearest(session, actor, q), "distance")
        return records[: q.nearest_n]
    radius = q.near.radius_m if q.near is not None else None
    return _sqlite_exact(_sqlite_candidates(session, actor, q, radius), q, radius)


def _sqlite_nearest(session: Session, actor, q: SiteQuery):
    """Widen the radius until N sites lie within it (or it covers the earth, or reaches ``km``)."""
    n = q.nearest_n
    cap = q.near.radius_m
    radius = 5_000.0 * max(1.0, n) ** 0.5
    whole_earth = 20_040_000.0  # more than half the meridian circumference: every point is closer
    while True:
        if cap is not None:
            radius = min(radius, cap)
        hits = _sqlite_exact(_sqlite_candidates(session, actor, q, radius), q, radius)
        if len(hits) >= n or (cap is not None and radius >= cap) or radius >= whole_earth:
            return hits
        radius *= 2


def _sorted_records(records: list, order: str, workers: dict[int, int] | None = None) -> list:
    """Python ordering that matches :func:`_sql_order` (NULLs last, bytewise text, then code);
    ``workers`` (site id -> workers counted) for the order ``workers``."""
    if order == "distance":
        return sorted(records, key=lambda r: (r[1], r[0]["code"]))
    if order == "workers":
        def key(r):
            n = (workers or {}).get(r[0]["id"])
            return (n is None, -(n or 0), r[0]["code"])
        return sorted(records, key=key)
    if order in ("name", "country"):
        return sorted(records, key=lambda r: (r[0][order] is None, r[0][order] or "", r[0]["code"]))
    return sorted(records, key=lambda r: r[0]["code"])


# --- Public queries ---------------------------------------------------------------------------------


def search(session: Session, actor, q: SiteQuery) -> list[SiteRow]:
    """The matching sites of the actor's organisation, ordered and paged as ``q`` asks, with minerals."""
    return search_page(session, actor, q, with_total=False)[0]


def search_page(session: Session, actor, q: SiteQuery, *, with_total: bool = True) -> tuple[list[SiteRow], int | None]:
    """One page of matching sites and the number of all matches (None unless ``with_total``)."""
    postgres = _on_postgres(session)
    end = None if q.limit is None else q.offset + q.limit
    if q.is_spatial and not postgres:
        matches = _sqlite_matches(session, actor, q)
        workers = None
        if q.order == "workers":
            found = _indicator_rows(session, actor, [m["id"] for m, _ in matches])
            workers = {site_id: v.workers_count for site_id, v in found.items()}
        return _rows(session, _sorted_records(matches, q.order, workers)[q.offset:end]), len(matches)
    if not q.is_spatial and not postgres and q.limit is not None:
        return _sqlite_page(session, actor, q, with_total)
    sub = _sql_matches(session, actor, q, membership=False)
    bytewise = postgres and _default_collation_is_bytewise(session)
    stmt = (sa.select(sub).order_by(*_sql_order(sub, q.order, postgres, bytewise_default=bytewise))
            .offset(q.offset or None).limit(q.limit))
    # A spatial match set is small: count it in the same round trip. Otherwise count separately, so
    # that a first page can still stream from an index instead of visiting every row.
    windowed = with_total and q.is_spatial
    if windowed:
        stmt = stmt.add_columns(sa.func.count().over().label("total_matches"))
    found = session.execute(stmt).mappings().all()
    rows = _rows(session, [(m, m["distance_m"]) for m in found])
    total = None
    if with_total:
        if q.offset == 0 and (q.limit is None or len(rows) < q.limit):
            total = len(rows)
        elif windowed and found:
            total = found[0]["total_matches"]
        else:
            total = count(session, actor, q)
    return rows, total


_FEW_MATCHES = 2000


def _sqlite_page(session: Session, actor, q: SiteQuery, with_total: bool) -> tuple[list[SiteRow], int | None]:
    """SQLite, no spatial filter: count first, then fetch the page the way that suits the count.

    Many matches: walk the order's index and stop after one page. Few (at most ``_FEW_MATCHES``) and
    an indexed filter (country, mineral, title relation): find them through that index and sort them
    (walking the order's index would visit every site of the organisation to find a handful). No
    match, or a page past the end: no second query.
    """
    total = count(session, actor, q) if with_total else None
    exact = total is not None and (q.count_cap is None or total <= q.count_cap)
    if exact and total <= q.offset:
        return [], total
    indexed_filter = q.country or q.mineral or q.title_relation
    few = total is not None and total <= _FEW_MATCHES and bool(indexed_filter)
    sub = _sql_matches(session, actor, q, membership=few)
    stmt = (sa.select(sub).order_by(*_sql_order(sub, q.order, False, indexed=not few))
            .offset(q.offset or None).limit(q.limit))
    found = session.execute(stmt).mappings().all()
    return _rows(session, [(m, None) for m in found]), total


def count(session: Session, actor, q: SiteQuery) -> int:
    """How many sites match ``q`` (ignoring limit and offset); with ``q.count_cap``, any number above
    the cap stands for "more than the cap" (the count stops there)."""
    q = q.unpaged()
    if q.order == "workers":  # the order's join is not needed to count
        q = replace(q, order="code")
    if q.is_spatial and not _on_postgres(session):
        return len(_sqlite_matches(session, actor, q))
    if not q.is_spatial:  # no row columns: an index may then answer without reading the rows
        matches = _base(actor, Site.id).where(*_attribute_filters(q, _on_postgres(session)))
    else:
        matches = sa.select(_sql_matches(session, actor, q).c.id)
    if q.count_cap is not None:
        matches = matches.limit(q.count_cap + 1)
    return session.scalar(sa.select(sa.func.count()).select_from(matches.subquery()))


def title_relation_summary(session: Session, actor, q: SiteQuery) -> dict[str, int]:
    """Counts of the matching sites by title relation: the three relations, ``not_computed`` and ``total``."""
    q = q.unpaged()
    if q.is_spatial and not _on_postgres(session):
        counts = Counter(m["title_relation"] for m, _ in _sqlite_matches(session, actor, q))
    else:
        sub = _sql_matches(session, actor, q)
        counts = Counter(dict(session.execute(
            sa.select(sub.c.title_relation, sa.func.count()).group_by(sub.c.title_relation)
        ).all()))
    out = {key: counts.get(key, 0) for key in TITLE_RELATIONS}
    out["not_computed"] = counts.get(None, 0)
    out["total"] = sum(counts.values())
    return out


def _minerals_of(session: Session, site_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for start in range(0, len(site_ids), _IN_CHUNK):
        chunk = site_ids[start:start + _IN_CHUNK]
        stmt = (
            sa.select(SiteMineral.site_id, SiteMineral.mineral)
            .where(SiteMineral.site_id.in_(chunk))
            .order_by(SiteMineral.site_id, SiteMineral.position, SiteMineral.mineral)
        )
        for site_id, mineral in session.execute(stmt):
            found.setdefault(site_id, []).append(mineral)
    return found


def get_by_code(session: Session, actor, code: str) -> SiteDetail:
    """One site with minerals, latest visit, visit count and the titles it lies in; SiteNotFound if absent."""
    site = session.scalars(_base(actor).where(Site.code == code)).one_or_none()
    if site is None:
        raise SiteNotFound(f"no site {code!r} in organisation '{actor.org_slug}'")
    row = _rows(session, [({c.key: getattr(site, c.key) for c in _ROW_COLUMNS}, None)])[0]
    visits = sa.select(SiteVisit).where(SiteVisit.site_id == site.id, SiteVisit.org_id == actor.org_id)
    visit_count = session.scalar(sa.select(sa.func.count()).select_from(visits.subquery()))
    latest = session.scalars(visits.order_by(SiteVisit.visit_date.desc(), SiteVisit.id.desc()).limit(1)).first()
    titles = session.execute(
        _concessions(actor, Concession.title_type, Concession.title_number, Concession.holder,
                     Concession.is_artisanal_zone, Concession.status, Concession.source)
        .join(SiteConcession, SiteConcession.concession_id == Concession.id)
        .where(SiteConcession.site_id == site.id)
        .order_by(Concession.is_artisanal_zone.desc(), Concession.title_type, Concession.title_number,
                  Concession.id)
    ).all()
    return SiteDetail(
        site=row,
        admin1=site.admin1, admin2=site.admin2, admin3=site.admin3, admin4=site.admin4,
        locality=site.locality, location_accuracy_m=site.location_accuracy_m,
        location_origin=site.location_origin, geometry_type=site.geometry_type,
        mining_method=site.mining_method, legal_status=site.legal_status, source=site.source,
        visit_count=visit_count,
        latest_visit=None if latest is None else VisitSummary(
            visit_date=latest.visit_date, source=latest.source, project=latest.project, team=latest.team,
            reached=latest.reached, workers_count=latest.workers_count,
            mercury_used=latest.mercury_used, cyanide_used=latest.cyanide_used,
        ),
        titles=tuple(TitleLink(*t) for t in titles),
    )


# --- What the pages show: indicators, the map, visits, people -------------------------------------------


def _indicator_rows(session: Session, actor, site_ids: list[int]) -> dict[int, SiteIndicators]:
    t = SiteIndicator
    found: dict[int, SiteIndicators] = {}
    for start in range(0, len(site_ids), _IN_CHUNK):
        stmt = sa.select(t.site_id, t.visit_date, t.visit_count, t.workers_count, t.mercury_used, t.children_seen,
                         t.armed_interference).where(t.org_id == actor.org_id,
                                                     t.site_id.in_(site_ids[start:start + _IN_CHUNK]))
        for site_id, *values in session.execute(stmt):
            found[site_id] = SiteIndicators(*values)
    return found


def indicators_of(session: Session, actor, site_ids: list[int]) -> dict[int, SiteIndicators]:
    """The latest-visit indicators of the given sites of the actor's organisation (visited ones only)."""
    return _indicator_rows(session, actor, list(site_ids))


def _indicator_join(stmt: sa.Select) -> sa.Select:
    return stmt.select_from(Site).outerjoin(SiteIndicator, SiteIndicator.site_id == Site.id)


MAP_COLUMNS = ("code", "name", "lat", "lon", "visit_date", "mercury_used", "children_seen", "armed_interference",
               "workers_count")


def map_points(session: Session, actor) -> list[tuple]:
    """Every site of the organisation as a row of :data:`MAP_COLUMNS`, ordered by code (one query)."""
    i = SiteIndicator
    stmt = _indicator_join(_base(actor, Site.code, Site.name, Site.latitude, Site.longitude, i.visit_date,
                                 i.mercury_used, i.children_seen, i.armed_interference, i.workers_count))
    return [tuple(r) for r in session.execute(stmt.order_by(Site.code))]


def _indicator_class_sql(indicator: str):
    """SQL of :func:`~minewatch.sites.model.indicator_class`, with ``none`` for sites never visited."""
    col = getattr(SiteIndicator, indicator)
    whens = [(SiteIndicator.site_id.is_(None), "none"), (col.is_(None), "unknown")]
    if indicator == "workers_count":
        whens += [(col >= bound, f"w{k}") for k, bound in reversed(list(enumerate(WORKER_CLASSES)))][:-1]
        return sa.case(*whens, else_="w0")
    return sa.case(*whens, (col.is_(True), "yes"), else_="no")


def indicator_counts(session: Session, actor, indicator: str) -> dict[str, int]:
    """How many of the organisation's sites fall in each class of ``indicator`` (one GROUP BY)."""
    if indicator not in INDICATORS:
        raise ValueError(f"not an indicator: {indicator!r}")
    cls = _indicator_class_sql(indicator).label("cls")
    stmt = _indicator_join(_base(actor, cls, sa.func.count())).group_by(cls)
    return {k: n for k, n in session.execute(stmt)}


def top_sites_by_workers(session: Session, actor, limit: int) -> list[sa.Row]:
    """The sites whose latest visit counted the most workers: code, name, country and the indicators."""
    i = SiteIndicator
    stmt = (
        _base(actor, Site.code, Site.name, Site.country, i.visit_date, i.workers_count, i.mercury_used,
              i.children_seen, i.armed_interference)
        .join(i, i.site_id == Site.id)
        .where(i.workers_count.is_not(None))
        .order_by(i.workers_count.desc(), Site.code)
        .limit(limit)
    )
    return session.execute(stmt).all()


def countries_in_use(session: Session, actor) -> list[str]:
    """The countries the organisation's sites are in (for filter choices), in order.

    A loose index scan: one index probe per country (``min(country) > previous``) instead of reading
    every site (50 ms at 100,000 sites on PostgreSQL, which has no skip scan).
    """
    first = _base(actor, sa.func.min(Site.country).label("country")).where(Site.country.is_not(None))
    found = first.cte("countries_in_use", recursive=True)
    following = _base(actor, sa.func.min(Site.country)).where(Site.country > found.c.country).scalar_subquery()
    found = found.union_all(sa.select(following).where(found.c.country.is_not(None)))
    return list(session.scalars(sa.select(found.c.country).where(found.c.country.is_not(None))))


def site_shape(session: Session, actor, site_id: int) -> bytes | None:
    """The site's geometry (WKB) when it is not a point, else None."""
    row = session.execute(_base(actor, Site.geometry_type, Site.geom_wkb).where(Site.id == site_id)).first()
    if row is None or row.geometry_type in (None, "Point"):
        return None
    return row.geom_wkb


def visits_of(session: Session, actor, site_id: int) -> list[VisitFacts]:
    """Every visit of the site, newest first (by date, then id)."""
    v = SiteVisit
    stmt = (
        sa.select(v.visit_date, v.source, v.project, v.team, v.reached, v.workers_count, v.mercury_used,
                  v.cyanide_used, v.armed_presence, v.armed_interference, v.children_under15_present,
                  v.children_under15_working, v.children_15_17_present, v.children_15_17_working)
        .where(v.org_id == actor.org_id, v.site_id == site_id)
        .order_by(v.visit_date.desc(), v.id.desc())
    )
    return [VisitFacts(*r[:10], children_seen=children_seen(*r[10:])) for r in session.execute(stmt)]


def _current_assignments(actor, site_id: int, today, *columns) -> sa.Select:
    a = Assignment
    return sa.select(*columns).select_from(a).where(
        a.org_id == actor.org_id, a.site_id == site_id,
        sa.or_(a.valid_from.is_(None), a.valid_from <= today),
        sa.or_(a.valid_to.is_(None), a.valid_to >= today),
    )


def assignment_counts(session: Session, actor, site_id: int, today) -> dict[str, int]:
    """How many people work at the site on ``today``, by task (counted once per task)."""
    stmt = _current_assignments(actor, site_id, today, Assignment.task,
                                sa.func.count(sa.distinct(Assignment.person_id))).group_by(Assignment.task)
    return dict(session.execute(stmt.order_by(Assignment.task)).all())


def assigned_people(session: Session, actor, site_id: int, today) -> list[AssignedPerson]:
    """Who works at the site on ``today``, with their task (for roles that may read names)."""
    stmt = (
        _current_assignments(actor, site_id, today, Person.full_name, Person.external_id, Assignment.task,
                             Assignment.valid_from, Assignment.valid_to)
        .join(Person, sa.and_(Person.id == Assignment.person_id, Person.org_id == actor.org_id))
        .order_by(Assignment.task, Person.full_name, Person.external_id)
    )
    return [AssignedPerson(*r) for r in session.execute(stmt)]


def concession_outlines(session: Session, actor) -> list[sa.Row]:
    """id, title number, title type, whether an artisanal zone, and WKB of the organisation's concessions."""
    stmt = _concessions(actor, Concession.id, Concession.title_number, Concession.title_type,
                        Concession.is_artisanal_zone, Concession.geom_wkb).where(Concession.geom_wkb.is_not(None))
    return session.execute(stmt.order_by(Concession.id)).all()


# --- Derived title relations ------------------------------------------------------------------------


def concession_shapes(session: Session, actor) -> list[tuple[int, bytes]]:
    """(id, WKB) of the organisation's concessions that have a geometry."""
    stmt = _concessions(actor, Concession.id, Concession.geom_wkb).where(Concession.geom_wkb.is_not(None))
    return [tuple(r) for r in session.execute(stmt.order_by(Concession.id))]


def concession_count(session: Session, actor) -> int:
    return session.scalar(_concessions(actor, sa.func.count()))


def site_shapes(session: Session, actor) -> list[tuple[int, bytes]]:
    """(id, WKB) of the organisation's sites that have a geometry."""
    stmt = _base(actor, Site.id, Site.geom_wkb).where(Site.geom_wkb.is_not(None))
    return [tuple(r) for r in session.execute(stmt.order_by(Site.id))]


def _clear_site_concessions(session: Session, actor) -> None:
    session.execute(sa.delete(SiteConcession).where(SiteConcession.site_id.in_(_base(actor, Site.id))))


def replace_site_concessions(session: Session, actor, pairs: list[tuple[int, int]]) -> int:
    """Replace the organisation's derived site–concession links with ``pairs`` of (site_id, concession_id)."""
    _clear_site_concessions(session, actor)
    if pairs:
        session.execute(sa.insert(SiteConcession), [{"site_id": s, "concession_id": c} for s, c in pairs])
    return len(pairs)


def relink_site_concessions_postgis(session: Session, actor) -> tuple[int, int]:
    """Recompute the links in PostGIS with one INSERT … SELECT; returns (links, invalid concessions).

    Invalid concession polygons are made valid on the fly (``ST_MakeValid``); the join probes the
    GiST index of ``sites.geom`` once per concession.
    """
    from geoalchemy2 import Geometry

    # Imports just changed these tables; without fresh statistics the planner joins every site with
    # every concession (2.4 s instead of 0.05 s for 3,000 x 2,900).
    session.execute(sa.text("ANALYZE sites"))
    session.execute(sa.text("ANALYZE concessions"))
    geom = sa.literal_column("concessions.geom", Geometry(srid=4326))
    site_geom, _ = _pg()
    invalid = session.scalar(
        _concessions(actor, sa.func.count()).where(geom.is_not(None), sa.not_(sa.func.ST_IsValid(geom)))
    )
    conc = (
        _concessions(actor, Concession.id.label("id"),
                     sa.case((sa.func.ST_IsValid(geom), geom), else_=sa.func.ST_MakeValid(geom)).label("g"))
        .where(geom.is_not(None))
        .cte("valid_concessions").prefix_with("MATERIALIZED")
    )
    links = _base(actor, Site.id, conc.c.id).join(conc, sa.func.ST_Intersects(site_geom, conc.c.g))
    _clear_site_concessions(session, actor)
    session.execute(sa.insert(SiteConcession.__table__).from_select(["site_id", "concession_id"], links))
    stored = session.scalar(
        sa.select(sa.func.count()).select_from(SiteConcession).where(SiteConcession.site_id.in_(_base(actor, Site.id)))
    )
    return stored, invalid


def title_facts(session: Session, actor) -> list[sa.Row]:
    """Per site: id, code, stored title_relation, whether it has a geometry, and how many artisanal
    zones and other concessions it lies in (from the derived links)."""
    link = (
        sa.select(
            SiteConcession.site_id.label("site_id"),
            sa.func.sum(sa.case((Concession.is_artisanal_zone, 1), else_=0)).label("n_zones"),
            sa.func.sum(sa.case((Concession.is_artisanal_zone, 0), else_=1)).label("n_titles"),
        )
        .join(Concession, Concession.id == SiteConcession.concession_id)
        .where(Concession.org_id == actor.org_id)
        .group_by(SiteConcession.site_id)
        .subquery()
    )
    stmt = (
        _base(actor, Site.id, Site.code, Site.title_relation, Site.geom_wkb.is_not(None).label("has_geometry"),
              sa.func.coalesce(link.c.n_zones, 0).label("n_zones"),
              sa.func.coalesce(link.c.n_titles, 0).label("n_titles"))
        .outerjoin(link, link.c.site_id == Site.id)
        .order_by(Site.id)
    )
    return session.execute(stmt).all()


def set_title_relations(session: Session, actor, changes: list[tuple[int, str | None]]) -> None:
    """Store new title relations: ``changes`` holds (site_id, relation) of the actor's sites."""
    by_value: dict[str | None, list[int]] = {}
    for site_id, relation in changes:
        by_value.setdefault(relation, []).append(site_id)
    table = Site.__table__
    for relation, ids in by_value.items():
        for start in range(0, len(ids), _IN_CHUNK):
            session.execute(
                sa.update(table)
                .where(table.c.org_id == actor.org_id, table.c.id.in_(ids[start:start + _IN_CHUNK]))
                # A derived value is not an edit of the record: updated_at stays as it was.
                .values(title_relation=relation, updated_at=table.c.updated_at)
            )


# --- Derived indicators of the latest visit -----------------------------------------------------------


def refresh_indicators(session: Session, actor, site_ids: list[int] | None = None) -> int:
    """Derive ``site_indicators`` of the organisation's sites (or of ``site_ids`` only) from their
    visits again; returns how many of those sites have one. One DELETE and one INSERT ... SELECT per
    batch, so the database does the ranking."""
    if site_ids is not None:
        ids = sorted(set(site_ids))
        return sum(_refresh_indicators(session, actor, ids[i:i + _IN_CHUNK]) for i in range(0, len(ids), _IN_CHUNK))
    return _refresh_indicators(session, actor, None)


def _refresh_indicators(session: Session, actor, site_ids: list[int] | None) -> int:
    from minewatch.sites.orm import SiteIndicator

    v = SiteVisit
    ranked = (
        sa.select(
            v.id, v.site_id, v.org_id, v.visit_date, v.workers_count, v.mercury_used, v.armed_interference,
            v.children_under15_present, v.children_under15_working, v.children_15_17_present,
            v.children_15_17_working,
            sa.func.row_number().over(partition_by=v.site_id, order_by=(v.visit_date.desc(), v.id.desc())).label("rk"),
            sa.func.count().over(partition_by=v.site_id).label("n"),
        )
        .where(v.org_id == actor.org_id, *(() if site_ids is None else (v.site_id.in_(site_ids),)))
        .subquery()
    )
    kids = (ranked.c.children_under15_present, ranked.c.children_under15_working,
            ranked.c.children_15_17_present, ranked.c.children_15_17_working)
    children_seen = sa.case(
        (sa.or_(*(k.is_(True) for k in kids)), sa.true()),
        (sa.and_(*(k.is_(None) for k in kids)), sa.null()),
        else_=sa.false(),
    )
    select = sa.select(ranked.c.site_id, ranked.c.org_id, ranked.c.id, ranked.c.visit_date, ranked.c.n,
                       ranked.c.workers_count, ranked.c.mercury_used, children_seen,
                       ranked.c.armed_interference).where(ranked.c.rk == 1)
    t = SiteIndicator.__table__
    scope = (t.c.org_id == actor.org_id, *(() if site_ids is None else (t.c.site_id.in_(site_ids),)))
    session.execute(sa.delete(t).where(*scope))
    session.execute(t.insert().from_select(
        ["site_id", "org_id", "visit_id", "visit_date", "visit_count", "workers_count", "mercury_used",
         "children_seen", "armed_interference"], select))
    return session.scalar(sa.select(sa.func.count()).select_from(t).where(*scope))
