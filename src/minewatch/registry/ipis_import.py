"""The built-in IPIS format: one row per visit of an artisanal mining site in eastern DRC.

Rows are mapped by :func:`minewatch.registry.ipis.map_ipis_row`. Sites are keyed on ``pcode`` and
take their details from their latest visit (by date, then by visit id); visits are keyed on IPIS's
``vid``. The whole file is one chunk, because a site's latest visit may be anywhere in it.
"""

from __future__ import annotations

from minewatch.kit.findings import Problem
from minewatch.registry import ipis
from minewatch.registry.importing import RecordKind, StoreContext, upsert
from minewatch.registry.kinds import refresh_indicators, refresh_relations, store_sites, visit_row
from minewatch.registry.profile import Profile
from minewatch.sites import geometry
from minewatch.sites.orm import SiteVisit


class IpisKind(RecordKind):
    name = "ipis"
    entity_type = "site_visit"
    primary_table = "site_visits"
    chunk_size = 10_000_000

    def check_columns(self, header: list[str]) -> list[Problem]:
        return ipis.check_header(header)

    def map_row(self, values, row, row_number: int, profile: Profile, columns) -> tuple[dict, list[Problem]]:
        rec = ipis.map_ipis_row(row, row_number)
        return {"site": rec.site, "visit": rec.visit}, list(rec.problems)

    def key(self, record: dict) -> tuple:
        return (record["visit"]["source_visit_id"],)

    def store(self, ctx: StoreContext, rows: list[tuple[int, dict]]) -> dict[int, list[Problem]]:
        latest: dict[str, tuple] = {}
        for _, r in rows:
            v = r["visit"]
            order = (v["visit_date"], _vid_order(v["source_visit_id"]))
            code = r["site"]["code"]
            if code not in latest or order > latest[code][0]:
                latest[code] = (order, r["site"])
        sites = []
        for _, site in latest.values():
            sites.append({**site, "_geom": geometry.point(site["latitude"], site["longitude"])})
        site_ids = store_sites(ctx, sites)
        visits = []
        for _, r in rows:
            visit = visit_row(r["visit"], site_ids[r["visit"]["site_code"]])
            # The dataset is the source; IPIS's own 'source' column says whose team visited.
            visit["team"], visit["source"] = visit["source"], ipis.SOURCE
            visits.append(visit)
        upsert(ctx, SiteVisit, ("source", "source_visit_id"), visits)
        ctx.report.extra["sites"] = len(sites)
        ctx.report.extra["visits"] = len(visits)
        return {}

    def after(self, ctx: StoreContext) -> None:
        refresh_relations(ctx)
        refresh_indicators(ctx)


def _vid_order(vid: str):
    return (0, int(vid), "") if vid.isdigit() else (1, 0, vid)
