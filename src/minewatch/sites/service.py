"""Use cases of sites: search, show one, and recompute the derived title relations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from minewatch.adapters.db import UnitOfWork, is_postgres
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import PermissionDenied
from minewatch.sites import repository as repo
from minewatch.sites.model import (
    TITLE_RELATIONS,
    SiteDetail,
    SiteQuery,
    SiteRow,
    intersecting_pairs,
    repair_polygons,
    title_relation,
)


@dataclass(frozen=True)
class SiteSearch:
    """One page of matching sites and how many match in all."""

    rows: list[SiteRow]
    total: int


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def find_sites(uow: UnitOfWork, *, actor, query: SiteQuery) -> SiteSearch:
    """The sites matching ``query`` (one page) and the number of all matches."""
    _require(actor, "registry.read", "read the registry")
    rows, total = repo.search_page(uow.session, actor, query)
    return SiteSearch(rows, total)


def summarise_title_relations(uow: UnitOfWork, *, actor, query: SiteQuery) -> dict[str, int]:
    """How many matching sites lie in an artisanal zone, in another title, outside, or are not computed."""
    _require(actor, "registry.read", "read the registry")
    return repo.title_relation_summary(uow.session, actor, query)


def show_site(uow: UnitOfWork, *, actor, code: str) -> SiteDetail:
    """One site with its minerals, latest visit, visit count and titles."""
    _require(actor, "registry.read", "read the registry")
    return repo.get_by_code(uow.session, actor, code.strip())


def refresh_title_relations(uow: UnitOfWork, *, actor, context: str = "sites relate") -> dict[str, int]:
    """Recompute the organisation's site–title links and title relations, audited; commits."""
    log = AuditLog(uow.session, actor, context=context)
    counts = refresh_title_relations_in(uow.session, actor, log)
    log.flush()
    uow.commit()
    return counts


def refresh_title_relations_in(session, actor, audit: AuditLog) -> dict[str, int]:
    """The work of :func:`refresh_title_relations` inside a caller's transaction (imports); no commit.

    A site in any artisanal zone is ``inside_artisanal_zone``, else in any other concession
    ``inside_title``, else ``outside``; with no concessions at all every relation is left NULL, and
    a site without a geometry stays NULL. Invalid concession polygons are repaired for the
    computation (not in storage) and counted. Each site whose relation changes gets one event on
    ``audit`` (action ``derived``).
    """
    _require(actor, "registry.write", "change the registry")
    s = session
    if is_postgres(s.get_bind()):
        links, invalid = repo.relink_site_concessions_postgis(s, actor)
    else:
        links, invalid = _relink_with_shapely(s, actor)
    n_concessions = repo.concession_count(s, actor)
    changes, relations = [], Counter()
    for fact in repo.title_facts(s, actor):
        new = (
            title_relation(in_artisanal_zone=fact.n_zones > 0, in_other_title=fact.n_titles > 0,
                           org_has_concessions=n_concessions > 0)
            if fact.has_geometry else None
        )
        relations[new] += 1
        if new != fact.title_relation:
            changes.append((fact.id, fact.code, fact.title_relation, new))
    repo.set_title_relations(s, actor, [(site_id, new) for site_id, _, _, new in changes])
    for site_id, code, old, new in changes:
        audit.record("derived", "site", site_id,
                     before=digest({"code": code, "title_relation": old}),
                     after=digest({"code": code, "title_relation": new}))
    return {
        "sites": sum(relations.values()),
        "concessions": n_concessions,
        "invalid_concessions": invalid,
        "links": links,
        **{key: relations.get(key, 0) for key in TITLE_RELATIONS},
        "not_computed": relations.get(None, 0),
        "changed": len(changes),
    }


def _relink_with_shapely(session, actor) -> tuple[int, int]:
    """SQLite: an STRtree join in Python, then the links replace the stored ones."""
    import shapely

    concessions = repo.concession_shapes(session, actor)
    if not concessions:  # nothing to link: the sites' shapes need not be read
        return repo.replace_site_concessions(session, actor, []), 0
    sites = repo.site_shapes(session, actor)
    conc_geoms, invalid = repair_polygons(shapely.from_wkb([wkb for _, wkb in concessions]))
    site_geoms = shapely.from_wkb([wkb for _, wkb in sites])
    pairs = intersecting_pairs(site_geoms, conc_geoms) if sites else []
    links = [(sites[i][0], concessions[j][0]) for i, j in pairs]
    return repo.replace_site_concessions(session, actor, links), invalid


# --- What the web pages show -------------------------------------------------------------------------


def dashboard_summary(uow: UnitOfWork, *, actor, indicator: str, classes: tuple[str, ...], top_n: int) -> dict:
    """Sites counted by the classes of ``indicator``, the ``top_n`` sites by workers, and whether
    the organisation has mining titles (for the map's layer)."""
    _require(actor, "registry.read", "read the registry")
    s = uow.session
    counts = repo.indicator_counts(s, actor, indicator)
    return {"counts": [(cls, counts.get(cls, 0)) for cls in classes], "total": sum(counts.values()),
            "top": repo.top_sites_by_workers(s, actor, top_n), "has_titles": repo.concession_count(s, actor) > 0}


def map_points(uow: UnitOfWork, *, actor) -> list:
    """Every site's point, name and latest-visit indicators, for the map (columns: ``repo.MAP_COLUMNS``)."""
    _require(actor, "registry.read", "read the registry")
    return repo.map_points(uow.session, actor)


def title_outlines(uow: UnitOfWork, *, actor) -> list:
    """The organisation's concessions (number, type, artisanal zone, WKB) for the map."""
    _require(actor, "registry.read", "read the registry")
    return repo.concession_outlines(uow.session, actor)


def site_list_extras(uow: UnitOfWork, *, actor, site_ids: list[int]) -> dict:
    """What a page of the site list shows beside the sites: their indicators and the countries to filter on."""
    _require(actor, "registry.read", "read the registry")
    return {"indicators": repo.indicators_of(uow.session, actor, site_ids) if site_ids else {},
            "countries": repo.countries_in_use(uow.session, actor)}


def site_overview(uow: UnitOfWork, *, actor, code: str, today) -> dict:
    """A site with its visits (newest first), the people working there and its shape (WKB, or None
    for a point). People are counted by task; their names only for roles that may read names."""
    detail = show_site(uow, actor=actor, code=code)
    s = uow.session
    site_id = detail.site.id
    return {
        "detail": detail,
        "visits": repo.visits_of(s, actor, site_id),
        "people_counts": repo.assignment_counts(s, actor, site_id, today),
        "people": repo.assigned_people(s, actor, site_id, today) if actor.may("people.read_names") else None,
        "shape_wkb": repo.site_shape(s, actor, site_id),
    }
