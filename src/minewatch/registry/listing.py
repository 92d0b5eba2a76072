"""Queries of the registry's records for the API: pages in id order (keyset), one record by id,
and the small lookups that turn ids into the natural keys people use (site codes, external ids).

Every query starts from :func:`_scoped`, the actor's organisation only, so another organisation's
id is simply not found. Pages are keyset pages on the primary key (``id > last id ORDER BY id
LIMIT n + 1``), which the primary key index serves at any depth; no OFFSET. Repositories never
commit: services own the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.adapters.db import is_postgres
from minewatch.cooperatives.orm import Cooperative
from minewatch.people.orm import Assignment, Membership, Person
from minewatch.registry.orm import ImportBatch
from minewatch.sites.model import BBox, SiteQuery
from minewatch.sites.orm import Concession, Site, SiteIndicator, SiteMineral, SiteVisit

MODELS = {
    "sites": Site,
    "visits": SiteVisit,
    "cooperatives": Cooperative,
    "people": Person,
    "memberships": Membership,
    "assignments": Assignment,
    "concessions": Concession,
    "import_batches": ImportBatch,
}
INDICATOR_COLUMNS = ("mercury_used", "children_seen", "armed_interference")
_IN_CHUNK = 5000  # ids per IN (...) list: under SQLite's 32,766 bound parameters


def _scoped(model, actor, *columns) -> sa.Select:
    """The one statement every query of ``model`` starts from: the actor's organisation only."""
    return sa.select(*(columns or (model,))).where(model.org_id == actor.org_id)


def _paged(session: Session, model, actor) -> sa.Select:
    """:func:`_scoped` for a keyset page in id order (the ``(org_id, id)`` indexes of migration 0003)."""
    return _scoped(model, actor)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column, text: str, postgres: bool):
    """Case-insensitive substring match (ASCII letters on SQLite, whose LIKE ignores their case)."""
    return (column.ilike if postgres else column.like)(_like(text), escape="\\")


def _keyset(session: Session, stmt: sa.Select, model, after: int | None, limit: int) -> list:
    """Up to ``limit + 1`` records after id ``after`` in id order (one more than a page: is there a next?)."""
    if after is not None:
        stmt = stmt.where(model.id > after)
    return list(session.scalars(stmt.order_by(model.id).limit(limit + 1)))


# --- One record -------------------------------------------------------------------------------------


def get(session: Session, actor, resource: str, record_id: int):
    """The actor's record of ``resource`` with this id, or None (also when another organisation has it)."""
    model = MODELS[resource]
    return session.scalars(_scoped(model, actor).where(model.id == record_id)).one_or_none()


def find_id(session: Session, actor, resource: str, **equals) -> int | None:
    """The id of the actor's record of ``resource`` whose columns equal ``equals`` (None matches NULL)."""
    model = MODELS[resource]
    where = [getattr(model, c).is_(None) if v is None else getattr(model, c) == v for c, v in equals.items()]
    return session.scalars(_scoped(model, actor, model.id).where(*where).limit(1)).first()


# --- Pages ------------------------------------------------------------------------------------------


def list_sites(session: Session, actor, query: SiteQuery, *, indicators: dict[str, bool], bbox: BBox | None,
               after: int | None, limit: int) -> list[Site]:
    """Sites matching the attribute filters of ``query``, the latest-visit ``indicators`` (column:
    true/false) and ``bbox`` (the site's geometry intersects it, edges included)."""
    postgres = is_postgres(session.get_bind())
    where = _site_attribute_filters(query, postgres)
    for column, value in indicators.items():
        where.append(sa.exists().where(SiteIndicator.site_id == Site.id,
                                       getattr(SiteIndicator, column).is_(sa.true() if value else sa.false())))
    stmt = _paged(session, Site, actor).where(*where)
    if bbox is None:
        return _keyset(session, stmt, Site, after, limit)
    if postgres:
        from geoalchemy2 import Geometry

        geom = sa.literal_column("sites.geom", Geometry(srid=4326))
        return _keyset(session, stmt.where(sa.func.ST_Intersects(geom, sa.func.ST_MakeEnvelope(*bbox, 4326))),
                       Site, after, limit)
    return _sqlite_sites_in_box(session, stmt, bbox, after, limit)


def _site_attribute_filters(q: SiteQuery, postgres: bool) -> list:
    """The attribute filters of a site search, as ``sites.repository`` means them. Filters on other
    tables are ``EXISTS`` probes, so that a page streams from the id index and stops when full."""
    where = []
    if q.country:
        where.append(Site.country == q.country)
    if q.mineral:
        where.append(sa.exists().where(SiteMineral.site_id == Site.id, SiteMineral.mineral == q.mineral))
    if q.lifecycle_status:
        where.append(Site.lifecycle_status == q.lifecycle_status)
    if q.title_relation == "any_title":
        where.append(Site.title_relation.in_(("inside_artisanal_zone", "inside_title")))
    elif q.title_relation == "not_computed":
        where.append(Site.title_relation.is_(None))
    elif q.title_relation:
        where.append(Site.title_relation == q.title_relation)
    if q.search:
        where.append(sa.or_(_contains(Site.name, q.search, postgres), _contains(Site.code, q.search, postgres)))
    return where


def _sqlite_sites_in_box(session: Session, stmt: sa.Select, bbox: BBox, after: int | None, limit: int) -> list[Site]:
    """SQLite: the indexed bounding-box columns prefilter (exact for point sites); shapely decides
    for polygon sites. Batches of candidates are read in id order until the page is full."""
    import shapely

    min_lon, min_lat, max_lon, max_lat = bbox
    box = shapely.box(*bbox)
    stmt = stmt.where(Site.min_lat <= max_lat, Site.max_lat >= min_lat, Site.min_lon <= max_lon,
                      Site.max_lon >= min_lon)
    found: list[Site] = []
    while len(found) <= limit:
        batch = _keyset(session, stmt, Site, after, limit)
        for site in batch:
            if site.geometry_type == "Point" or site.geom_wkb is None \
                    or shapely.intersects(box, shapely.from_wkb(site.geom_wkb)):
                found.append(site)
        if len(batch) <= limit:
            break
        after = batch[-1].id
    return found[: limit + 1]


def list_visits(session: Session, actor, *, site_id: int | None, date_from: dt.date | None,
                date_to: dt.date | None, after: int | None, limit: int) -> list[SiteVisit]:
    stmt = _paged(session, SiteVisit, actor)
    if site_id is not None:
        stmt = stmt.where(SiteVisit.site_id == site_id)
    if date_from is not None:
        stmt = stmt.where(SiteVisit.visit_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(SiteVisit.visit_date <= date_to)
    return _keyset(session, stmt, SiteVisit, after, limit)


def list_cooperatives(session: Session, actor, *, country: str | None, q: str | None, after: int | None,
                      limit: int) -> list[Cooperative]:
    stmt = _paged(session, Cooperative, actor)
    if country is not None:
        stmt = stmt.where(Cooperative.country == country)
    if q:
        postgres = is_postgres(session.get_bind())
        stmt = stmt.where(sa.or_(_contains(Cooperative.external_id, q, postgres),
                                 _contains(Cooperative.name, q, postgres)))
    return _keyset(session, stmt, Cooperative, after, limit)


def list_people(session: Session, actor, *, q: str | None, search_names: bool, after: int | None,
                limit: int) -> list[Person]:
    """People; ``q`` matches the external id, and the name too only when ``search_names`` (a role that
    may not read names must not find people by them either)."""
    stmt = _paged(session, Person, actor)
    if q:
        postgres = is_postgres(session.get_bind())
        match = _contains(Person.external_id, q, postgres)
        if search_names:
            match = sa.or_(match, _contains(Person.full_name, q, postgres))
        stmt = stmt.where(match)
    return _keyset(session, stmt, Person, after, limit)


def list_memberships(session: Session, actor, *, person_id: int | None, cooperative_id: int | None,
                     after: int | None, limit: int) -> list[Membership]:
    stmt = _paged(session, Membership, actor)
    if person_id is not None:
        stmt = stmt.where(Membership.person_id == person_id)
    if cooperative_id is not None:
        stmt = stmt.where(Membership.cooperative_id == cooperative_id)
    return _keyset(session, stmt, Membership, after, limit)


def list_assignments(session: Session, actor, *, person_id: int | None, site_id: int | None,
                     after: int | None, limit: int) -> list[Assignment]:
    stmt = _paged(session, Assignment, actor)
    if person_id is not None:
        stmt = stmt.where(Assignment.person_id == person_id)
    if site_id is not None:
        stmt = stmt.where(Assignment.site_id == site_id)
    return _keyset(session, stmt, Assignment, after, limit)


def list_concessions(session: Session, actor, *, is_artisanal_zone: bool | None, title_type: str | None,
                     after: int | None, limit: int) -> list[Concession]:
    stmt = _paged(session, Concession, actor)
    if is_artisanal_zone is not None:
        stmt = stmt.where(Concession.is_artisanal_zone.is_(sa.true() if is_artisanal_zone else sa.false()))
    if title_type is not None:
        stmt = stmt.where(Concession.title_type == title_type)
    return _keyset(session, stmt, Concession, after, limit)


def list_import_batches(session: Session, actor, *, kind: str | None, after: int | None,
                        limit: int) -> list[ImportBatch]:
    stmt = _paged(session, ImportBatch, actor)
    if kind is not None:
        stmt = stmt.where(ImportBatch.kind == kind)
    return _keyset(session, stmt, ImportBatch, after, limit)


# --- Lookups for the records of a page --------------------------------------------------------------


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    wanted = sorted({i for i in ids if i is not None})
    for start in range(0, len(wanted), _IN_CHUNK):
        yield wanted[start:start + _IN_CHUNK]


def _names_by_id(session: Session, actor, column, ids: Iterable[int]) -> dict[int, str]:
    model = column.class_
    out: dict[int, str] = {}
    for chunk in _chunks(ids):
        for id_, name in session.execute(_scoped(model, actor, model.id, column).where(model.id.in_(chunk))):
            out[id_] = name
    return out


def site_codes(session: Session, actor, ids: Iterable[int]) -> dict[int, str]:
    return _names_by_id(session, actor, Site.code, ids)


def person_external_ids(session: Session, actor, ids: Iterable[int]) -> dict[int, str]:
    return _names_by_id(session, actor, Person.external_id, ids)


def cooperative_external_ids(session: Session, actor, ids: Iterable[int]) -> dict[int, str]:
    return _names_by_id(session, actor, Cooperative.external_id, ids)


def site_minerals(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    """The minerals of these sites (ids the caller found through the scoped queries), in stored order."""
    out: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        stmt = (sa.select(SiteMineral.site_id, SiteMineral.mineral).where(SiteMineral.site_id.in_(chunk))
                .order_by(SiteMineral.site_id, SiteMineral.position, SiteMineral.mineral))
        for site_id, mineral in session.execute(stmt):
            out.setdefault(site_id, []).append(mineral)
    return out


def site_indicators(session: Session, actor, ids: Iterable[int]) -> dict[int, SiteIndicator]:
    """The derived latest-visit indicators of these sites (those with visits)."""
    out: dict[int, SiteIndicator] = {}
    for chunk in _chunks(ids):
        stmt = sa.select(SiteIndicator).where(SiteIndicator.org_id == actor.org_id, SiteIndicator.site_id.in_(chunk))
        out.update((i.site_id, i) for i in session.scalars(stmt))
    return out


def concessions_exist(session: Session, actor) -> bool:
    return session.execute(_scoped(Concession, actor, Concession.id).limit(1)).first() is not None


def text_limits(resource: str) -> dict[str, int]:
    """The most characters each text column of ``resource``'s table holds (PostgreSQL enforces it)."""
    table = MODELS[resource].__table__
    return {c.name: c.type.length for c in table.columns
            if isinstance(c.type, sa.String) and getattr(c.type, "length", None)}
