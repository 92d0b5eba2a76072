"""Record kinds of the registry that can be imported: sites, cooperatives, visits, concessions."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from minewatch.cooperatives.orm import Cooperative
from minewatch.kit.countries import bbox_of
from minewatch.kit.findings import ParseProblem, Problem
from minewatch.kit.parsing import check_lat_lon
from minewatch.registry.importing import Field, RecordKind, StoreContext, upsert
from minewatch.registry.profile import Profile
from minewatch.sites import geometry
from minewatch.sites.orm import Site, SiteMineral

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
        coop_ids = _cooperative_ids(ctx, {r["cooperative"] for _, r in rows if r.get("cooperative")})
        good = []
        for row_number, r in rows:
            coop = r.get("cooperative")
            if coop and coop not in coop_ids:
                failed[row_number] = [Problem("error", "unknown_cooperative",
                                              f"no cooperative {coop!r} in this organisation (import cooperatives first)",
                                              row_number, "cooperative", coop)]
                continue
            good.append({**r, "cooperative_id": coop_ids.get(coop) if coop else None})
        store_sites(ctx, good)
        return failed


def finish_site_location(record: dict, row: dict, row_number: int) -> list[Problem]:
    """Geometry from a GeoJSON feature, a WKT column or latitude/longitude; swapped lat/lon fixed by country."""
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
    record["_geom"] = geom
    return problems


def store_sites(ctx: StoreContext, records: list[dict]) -> dict[str, int]:
    """Upsert site records (mapped fields plus ``_geom``); keeps ``site_minerals`` in step. Returns {code: id}."""
    db_rows = []
    for r in records:
        row = {c: r.get(c) for c in SITE_COLUMNS}
        row["cooperative_id"] = r.get("cooperative_id")
        row.update(geometry.columns(r["_geom"]))
        row["_minerals"] = list(r.get("minerals") or [])
        db_rows.append(row)
    minerals = {row["code"]: row.pop("_minerals") for row in db_rows}
    ids, touched = upsert(ctx, Site, ("code",), db_rows, digest_extra=[minerals[r["code"]] for r in db_rows])
    touched_ids = {ids[k] for k in touched}
    if touched_ids:
        s = ctx.session
        s.execute(sa.delete(SiteMineral).where(SiteMineral.site_id.in_(sorted(touched_ids))))
        mineral_rows = [
            {"site_id": ids[(code,)], "mineral": m, "position": i}
            for code, ms in minerals.items() if ids[(code,)] in touched_ids for i, m in enumerate(ms)
        ]
        if mineral_rows:
            s.execute(sa.insert(SiteMineral), mineral_rows)
    return {k[0]: v for k, v in ids.items()}


def _cooperative_ids(ctx: StoreContext, refs: set[str]) -> dict[str, int]:
    if not refs:
        return {}
    rows = ctx.session.execute(
        sa.select(Cooperative.external_id, Cooperative.id).where(
            Cooperative.org_id == ctx.actor.org_id, Cooperative.external_id.in_(list(refs))))
    return dict(rows.tuples())
