"""Record kinds of the registry that can be imported: sites, cooperatives, visits, concessions."""

from __future__ import annotations

import dataclasses

import shapely
import sqlalchemy as sa

from minewatch.adapters.db import insert_rows
from minewatch.cooperatives.orm import Cooperative
from minewatch.kit.countries import bbox_of
from minewatch.kit.findings import ParseProblem, Problem
from minewatch.kit.parsing import check_lat_lon
from minewatch.kit.vocab import VOCABULARIES
from minewatch.registry.importing import Field, RecordKind, StoreContext, ids_by_key, upsert
from minewatch.registry.profile import Profile
from minewatch.sites import geometry
from minewatch.sites.model import geometry_columns, site_geometry_columns, site_geometry_problem
from minewatch.sites.orm import Concession, Site, SiteMineral, SiteVisit

SITE_COLUMNS = (
    "code", "name", "country", "admin1", "admin2", "admin3", "admin4", "locality", "latitude", "longitude",
    "location_accuracy_m", "location_origin", "location_origin_raw", "minerals_raw", "mining_method",
    "mining_method_raw", "lifecycle_status", "legal_status", "source", "registered_on",
)


class SitesKind(RecordKind):
    name = "sites"
    entity_type = "site"
    fields = (
        Field("code", required=True, max_len=64, aliases=("site_code", "pcode", "site_id")),
        Field("name", max_len=200, aliases=("site_name",)),
        Field("country", "country", aliases=("country_code", "pays", "pais")),
        Field("admin1", max_len=120, aliases=("province", "region")),
        Field("admin2", max_len=120, aliases=("territoire", "district", "territory")),
        Field("admin3", max_len=120, aliases=("collectivite", "chiefdom")),
        Field("admin4", max_len=120, aliases=("groupement",)),
        Field("locality", max_len=120, aliases=("village",)),
        Field("latitude", "lat", aliases=("lat", "y")),
        Field("longitude", "lon", aliases=("lon", "lng", "long", "x")),
        Field("geometry", "text", aliases=("wkt", "geom")),
        Field("location_accuracy_m", "float", min=0, aliases=("accuracy", "gps_accuracy")),
        Field("location_origin", "vocab", vocab="location_origin"),
        Field("minerals", "vocab_list", vocab="minerals", aliases=("mineral", "minerais", "minerales")),
        Field("mining_method", "vocab", vocab="mining_methods", aliases=("method",)),
        Field("lifecycle_status", "vocab", vocab="lifecycle_status", aliases=("status",)),
        Field("legal_status", "vocab", vocab="legal_status"),
        Field("cooperative", max_len=120, aliases=("cooperative_id", "cooperative_code")),
        Field("source", max_len=120),
        Field("registered_on", "date", aliases=("date", "registration_date", "date_recorded", "recorded_on")),
    )

    def key(self, record: dict) -> tuple:
        return (record["code"],)

    def finish(self, record: dict, row: dict, row_number: int, profile: Profile) -> list[Problem]:
        return finish_site_location(record, row, row_number)

    def store(self, ctx: StoreContext, rows: list[tuple[int, dict]]) -> dict[int, list[Problem]]:
        failed: dict[int, list[Problem]] = {}
        coop_ids = ids_by_key(ctx, Cooperative.external_id, (r.get("cooperative") for _, r in rows))
        good = []
        for row_number, r in rows:
            coop = r.get("cooperative")
            if coop and coop not in coop_ids:
                failed[row_number] = [Problem("error", "unknown_cooperative",
                                              f"no cooperative {coop!r} in this organisation (import cooperatives first)",
                                              row_number, ctx.column("cooperative"), coop)]
                continue
            good.append({**r, "cooperative_id": coop_ids.get(coop) if coop else None})
        store_sites(ctx, good)
        return failed


def finish_site_location(record: dict, row: dict, row_number: int) -> list[Problem]:
    """Geometry (a point or a (multi)polygon) from a GeoJSON feature, a WKT column or latitude/longitude;
    swapped lat/lon fixed by country."""
    problems: list[Problem] = []
    geom = None
    try:
        if row.get("__geometry__"):
            geom = geometry.from_geojson(row["__geometry__"])
        elif record.get("geometry"):
            geom = geometry.from_text(record["geometry"])
        if geom is not None:
            geometry.check_wgs84(geom)
    except ParseProblem as pp:
        return [Problem("error", pp.code, pp.reason, row_number, "geometry", str(record.get("geometry") or "")[:80])]
    lat, lon = record.get("latitude"), record.get("longitude")
    if geom is None:
        if lat is None or lon is None:
            missing = "latitude" if lat is None else "longitude"
            return [Problem("error", "location_missing",
                            "a site needs a location: latitude and longitude, or a geometry", row_number, missing)]
        lat2, lon2, warn = check_lat_lon(lat, lon, country=record.get("country"), bbox_of=bbox_of)
        if warn is not None:
            problems.append(dataclasses.replace(warn, row=row_number, column="latitude", value=f"{lat}, {lon}"))
        geom = geometry.point(lat2, lon2)
    if geom.geom_type == "Point":
        record["latitude"], record["longitude"] = geom.y, geom.x
    else:
        record["latitude"], record["longitude"] = geometry.representative_latlon(geom)
    reason = site_geometry_problem(geom, record["latitude"], record["longitude"])
    if reason is not None:
        return [Problem("error", "geometry_type_unsupported", reason, row_number, "geometry",
                        str(record.get("geometry") or "")[:80])]
    record["_geom"] = geom
    return problems


def store_sites(ctx: StoreContext, records: list[dict]) -> dict[str, int]:
    """Upsert site records (mapped fields plus ``_geom``); keeps ``site_minerals`` in step. Returns {code: id}."""
    db_rows = []
    for r in records:
        row = {c: r.get(c) for c in SITE_COLUMNS}
        row["cooperative_id"] = r.get("cooperative_id")
        row.update(site_geometry_columns(r["_geom"], r["latitude"], r["longitude"]))
        row["_minerals"] = list(r.get("minerals") or [])
        db_rows.append(row)
    minerals = {row["code"]: row.pop("_minerals") for row in db_rows}
    ids, touched = upsert(ctx, Site, ("code",), db_rows, digest_extra=[minerals[r["code"]] for r in db_rows])
    touched_ids = {ids[k] for k in touched}
    if touched_ids:
        s = ctx.session
        ordered = sorted(touched_ids)
        for start in range(0, len(ordered), 5000):  # well under the drivers' bound-parameter limits
            s.execute(sa.delete(SiteMineral).where(SiteMineral.site_id.in_(ordered[start:start + 5000])))
        mineral_rows = [
            {"site_id": ids[(code,)], "mineral": m, "position": i}
            for code, ms in minerals.items() if ids[(code,)] in touched_ids for i, m in enumerate(ms)
        ]
        if mineral_rows:
            insert_rows(s, SiteMineral.__table__, mineral_rows)
    return {k[0]: v for k, v in ids.items()}



class CooperativesKind(RecordKind):
    name = "cooperatives"
    entity_type = "cooperative"
    fields = (
        Field("external_id", required=True, max_len=120, aliases=("id", "code", "cooperative_id", "cooperative")),
        Field("name", required=True, max_len=200, aliases=("cooperative_name", "nom")),
        Field("registration_number", max_len=120, aliases=("registration", "rccm", "numero")),
        Field("registration_status", max_len=40),
        Field("country", "country", aliases=("pays", "pais")),
        Field("contact", max_len=300),
    )

    def key(self, record: dict) -> tuple:
        return (record["external_id"],)

    def store(self, ctx: StoreContext, rows: list[tuple[int, dict]]) -> dict[int, list[Problem]]:
        cols = ("external_id", "name", "registration_number", "registration_status", "country", "contact")
        upsert(ctx, Cooperative, ("external_id",), [{c: r.get(c) for c in cols} for _, r in rows])
        return {}


VISIT_COLUMNS = (
    "source", "source_visit_id", "visit_date", "project", "team", "reached", "not_reached_reason", "workers_count",
    "women_present", "women_work", "children_under15_present", "children_under15_working", "children_under15_work",
    "children_15_17_present", "children_15_17_working", "mercury_used", "cyanide_used", "armed_presence",
    "armed_interference", "interference_taxation", "interference_forced_labour", "interference_pillage",
    "interference_pit_ownership", "interference_buying", "armed_actors", "state_services", "selling_points",
    "final_destinations", "minerals", "mechanisation", "traceability", "qualification", "access_dry", "access_wet",
    "is_3t_mine", "is_gold_mine", "raw",
)


class VisitsKind(RecordKind):
    """Field visits to known sites. Observations not recorded stay unknown (empty), never 0 or 'no'."""

    name = "visits"
    entity_type = "site_visit"
    fields = (
        Field("source_visit_id", max_len=120, aliases=("visit_id", "vid", "id", "instanceid", "_uuid")),
        Field("site_code", required=True, max_len=64, aliases=("site", "code", "pcode", "site_id")),
        Field("visit_date", "date", required=True, aliases=("date", "visited_on", "today")),
        Field("source", max_len=120),
        Field("project", max_len=200),
        Field("team", max_len=200, aliases=("enumerator", "field_team")),
        Field("reached", "bool", aliases=("visit_onsite", "on_site")),
        Field("not_reached_reason", max_len=300),
        Field("workers_count", "int", min=0, max=1_000_000, aliases=("workers", "workers_numb", "miners")),
        Field("women_present", "bool", aliases=("women",)),
        Field("women_work", max_len=300),
        Field("children_under15_present", "bool", aliases=("childunder15", "children_under_15")),
        Field("children_under15_working", "bool"),
        Field("children_under15_work", max_len=300, aliases=("childunder15work",)),
        Field("children_15_17_present", "bool"),
        Field("children_15_17_working", "bool"),
        Field("mercury_used", "bool", aliases=("mercury",)),
        Field("cyanide_used", "bool", aliases=("cyanide",)),
        Field("armed_presence", "bool", aliases=("presence", "armed_actors_present")),
        Field("armed_interference", "bool", aliases=("interference",)),
        Field("interference_taxation", "bool"),
        Field("interference_forced_labour", "bool"),
        Field("interference_pillage", "bool"),
        Field("interference_pit_ownership", "bool"),
        Field("interference_buying", "bool"),
        Field("state_services", "list"),
        Field("selling_points", "list"),
        Field("minerals", "vocab_list", vocab="minerals", aliases=("mineral",)),
        Field("mechanisation", max_len=40),
        Field("traceability", max_len=200),
        Field("qualification", "vocab", vocab="qualification"),
    )

    def finish(self, record: dict, row: dict, row_number: int, profile: Profile) -> list[Problem]:
        problems = []
        record["source"] = record.get("source") or profile.options.get("source") or "import"
        if not record.get("source_visit_id"):
            # No id in the file: the visit is known by its site, date and team.
            record["source_visit_id"] = f"{record['site_code']}/{record['visit_date'].isoformat()}/{record.get('team') or ''}"
            if len(record["source_visit_id"]) > 120:
                return [Problem("error", "text_too_long",
                                "without a visit id, a visit is known by its site code, date and team, which "
                                "together have more than 120 characters here: give each visit an id",
                                row_number, "source_visit_id")]
        if record.get("children_under15_working") and record.get("children_under15_present") is False:
            problems.append(Problem("warning", "inconsistent_children",
                                    "children under 15 recorded as working but not present", row_number,
                                    "children_under15_present"))
        if record.get("reached") is False and record.get("workers_count"):
            problems.append(Problem("warning", "not_reached_with_observations",
                                    "the site was not reached but workers were counted", row_number, "workers_count"))
        return problems

    def key(self, record: dict) -> tuple:
        return (record["source"], record["source_visit_id"])

    def store(self, ctx: StoreContext, rows: list[tuple[int, dict]]) -> dict[int, list[Problem]]:
        site_ids = ids_by_key(ctx, Site.code, (r["site_code"] for _, r in rows))
        failed: dict[int, list[Problem]] = {}
        records = []
        for row_number, r in rows:
            site_id = site_ids.get(r["site_code"])
            if site_id is None:
                failed[row_number] = [Problem("error", "unknown_site",
                                              f"no site {r['site_code']!r} in this organisation (import sites first)",
                                              row_number, ctx.column("site_code"), r["site_code"])]
                continue
            records.append(visit_row(r, site_id))
        if records:
            upsert(ctx, SiteVisit, ("source", "source_visit_id"), records)
            ctx.cache.setdefault("visit_site_ids", set()).update(r["site_id"] for r in records)
        return failed

    def after(self, ctx: StoreContext) -> None:
        refresh_indicators(ctx)


def visit_row(record: dict, site_id: int) -> dict:
    row = {c: record.get(c) for c in VISIT_COLUMNS}
    for c in ("armed_actors", "state_services", "selling_points", "final_destinations", "minerals"):
        if row[c] == []:
            row[c] = None
    row["site_id"] = site_id
    return row


ARTISANAL_ZONE_TYPES = VOCABULARIES["title_types"].keys_where("is_artisanal_zone")
CONCESSION_COLUMNS = ("source", "external_id", "title_number", "holder", "title_type", "title_type_raw",
                      "is_artisanal_zone", "status", "date_granted", "date_expires", "title_date", "properties")


class ConcessionsKind(RecordKind):
    """Mining titles and zones (polygons), e.g. a national mining cadastre's GeoJSON.

    A title split over several features with the same details is stored once, its parcels merged
    into one multipolygon. Sites' relation to titles is derived again after the import.
    """

    name = "concessions"
    entity_type = "concession"
    chunk_size = 1_000_000  # parcels of one title may be anywhere in the file
    merge_fields = ("_geom", "geometry")
    fields = (
        Field("external_id", required=True, max_len=120, aliases=("name", "title_number", "code", "numero")),
        Field("holder", aliases=("parties", "holder_name", "titulaire")),
        Field("title_type", "vocab", vocab="title_types", max_len=60, aliases=("type",)),
        Field("status", max_len=120, aliases=("statut", "estado")),
        Field("date_granted", "date", aliases=("date_octroi", "granted")),
        Field("date_expires", "date", aliases=("date_expiration", "expires")),
        Field("title_date", "date", aliases=("date_de1", "date")),
        Field("geometry", "text", aliases=("wkt", "geom")),
        Field("source", max_len=120),
    )

    def finish(self, record: dict, row: dict, row_number: int, profile: Profile) -> list[Problem]:
        record["source"] = record.get("source") or profile.options.get("source") or "cadastre"
        record["title_number"] = record["external_id"]
        try:
            if row.get("__geometry__"):
                geom = geometry.from_geojson(row["__geometry__"])
            elif record.get("geometry"):
                geom = geometry.from_text(record["geometry"])
            else:
                return [Problem("error", "geometry_missing", "a concession needs a polygon", row_number, "geometry")]
            geometry.check_wgs84(geom)
        except ParseProblem as pp:
            return [Problem("error", pp.code, pp.reason, row_number, "geometry")]
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            return [Problem("error", "not_a_polygon", f"a concession must be a polygon, not a {geom.geom_type}",
                            row_number, "geometry")]
        problems = []
        if not geom.is_valid:
            problems.append(Problem("warning", "invalid_polygon",
                                    f"the polygon is invalid ({shapely.is_valid_reason(geom)}): repaired with make_valid",
                                    row_number, "geometry"))
            geom = shapely.make_valid(geom)
        record["_geom"] = geom
        record["is_artisanal_zone"] = record.get("title_type") in ARTISANAL_ZONE_TYPES
        record["properties"] = {k: v for k, v in row.items() if not k.startswith("__") and v is not None}
        return problems

    def key(self, record: dict) -> tuple:
        return (record["source"], record["external_id"])

    def store(self, ctx: StoreContext, rows: list[tuple[int, dict]]) -> dict[int, list[Problem]]:
        merged: dict[tuple, dict] = {}
        for _, r in rows:
            k = self.key(r)
            if k in merged:
                merged[k]["_geom"] = shapely.union(merged[k]["_geom"], r["_geom"])
            else:
                merged[k] = dict(r)
        records = []
        for r in merged.values():
            row = {c: r.get(c) for c in CONCESSION_COLUMNS}
            row.update(geometry_columns(r["_geom"]))
            records.append(row)
        upsert(ctx, Concession, ("source", "external_id"), records)
        return {}

    def after(self, ctx: StoreContext) -> None:
        refresh_relations(ctx)


def refresh_relations(ctx: StoreContext) -> None:
    """Derive sites' relation to titles again (inside an artisanal zone, inside a title, outside)."""
    from minewatch.sites.service import refresh_title_relations_in

    ctx.report.extra["title_relations"] = refresh_title_relations_in(ctx.session, ctx.actor, ctx.audit)


# Up to this many sites whose visits were stored, only their indicators are derived again; past it,
# the whole organisation's (one pass is then cheaper than many IN lists).
INDICATOR_REFRESH_PER_SITE = 5000


def refresh_indicators(ctx: StoreContext) -> None:
    """Derive the latest-visit indicators (mercury, children, armed interference, workers) again, of
    the sites whose visits were stored (``ctx.cache["visit_site_ids"]``) or of all sites."""
    from minewatch.sites.repository import refresh_indicators as refresh

    site_ids = ctx.cache.get("visit_site_ids")
    if site_ids is not None and len(site_ids) <= INDICATOR_REFRESH_PER_SITE:
        ctx.report.extra["sites_with_indicators"] = refresh(ctx.session, ctx.actor, sorted(site_ids))
    else:
        ctx.report.extra["sites_with_indicators"] = refresh(ctx.session, ctx.actor)
