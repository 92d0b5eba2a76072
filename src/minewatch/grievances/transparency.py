"""The public transparency figures of an organisation's grievance mechanism (issue 7 part 7).

UNGP 31(e) *transparent*: "keeping parties to a grievance informed about its progress, and providing
sufficient information about the mechanism's performance to build confidence in its effectiveness"
(standards.md section 8.2). Published only by organisations that chose to publish them
(``organisations.publishes_grievances``, ``minewatch publish grievances``), a choice apart from
publishing their sites.

What is published is counts only, computed here from the cases' category, stage, dates and the site's
district (admin2): no free text, no identity, no phone, no site code, no exact location.

* Small counts (1-4, below :data:`minewatch.cases.model.MIN_CELL`) are suppressed with complementary
  suppression (:func:`minewatch.cases.model.suppress_table`, reused, not rewritten), so a suppressed cell
  cannot be recovered from the row and column totals. Each two-way table (category x month, district x
  month) is suppressed with its margins.
* Median days to resolution, share resolved and share of stages left on time are published only when
  they rest on at least MIN_CELL cases (else None, shown as suppressed).
* Map points: district polygons are not available, so each district is one point, the centroid of its
  sites rounded to 0.1 degree (about 11 km), with the district's suppressed total.

The queries live here (scoped to one organisation, read only) rather than in repository.py, in their own
section, so the public side stays apart from the organisation's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import statistics
from dataclasses import dataclass

import sqlalchemy as sa

from minewatch.accounts.orm import Organisation
from minewatch.cases.model import MIN_CELL, suppress_table
from minewatch.grievances import model
from minewatch.grievances.orm import Grievance
from minewatch.sites.orm import Site

TOTAL = "total"
NO_DISTRICT = "unknown"  # a report whose site is unknown, or whose site has no district
RESOLVED_STAGES = ("resolved", "closed")


@dataclass(frozen=True)
class Fact:
    """One case reduced to what the public figures need (no text, no identity)."""

    category: str
    district: str
    month: str  # YYYY-MM of receipt
    stage: str
    received_on: dt.date
    stage_since: dt.date
    lat: float | None
    lon: float | None


# ---- queries (one organisation, read only) -----------------------------------------------------------------

def published_organisation(s, slug: str) -> Organisation | None:
    """The organisation with this slug if it publishes its grievance statistics (``publishes_grievances``,
    ``minewatch publish grievances``), else None (the page is 404)."""
    org = s.execute(sa.select(Organisation).where(Organisation.slug == slug)).scalar_one_or_none()
    return org if org is not None and org.publishes_grievances else None


def organisation_by_slug(s, slug: str) -> Organisation | None:
    return s.execute(sa.select(Organisation).where(Organisation.slug == slug)).scalar_one_or_none()


def site_codes(s, org_id: int) -> list[str]:
    return sorted(c for (c,) in s.execute(sa.select(Site.code).where(Site.org_id == org_id)))


def facts(s, org_id: int) -> list[Fact]:
    stmt = (sa.select(Grievance.category, Grievance.stage, Grievance.received_at, Grievance.stage_since,
                      Site.admin2, Site.latitude, Site.longitude)
            .outerjoin(Site, sa.and_(Site.id == Grievance.site_id, Site.org_id == org_id))
            .where(Grievance.org_id == org_id).order_by(Grievance.id))
    out = []
    for category, stage, received, since, admin2, lat, lon in s.execute(stmt):
        out.append(Fact(category, (admin2 or "").strip() or NO_DISTRICT, received.strftime("%Y-%m"), stage,
                        received.date(), since.date(), lat, lon))
    return out


# ---- pure aggregation ----------------------------------------------------------------------------------------

def two_way(facts: list[Fact], row_of, col_of, *, k: int = MIN_CELL) -> dict:
    """A rows x months table with its margins, suppressed: ``{"rows": [...], "cols": [...], "cells": {(r, c):
    int | None}}`` (None = suppressed), margins under the key ``TOTAL``."""
    rows = sorted({row_of(f) for f in facts})
    cols = sorted({col_of(f) for f in facts})
    inner = [[sum(1 for f in facts if row_of(f) == r and col_of(f) == c) for c in cols] for r in rows]
    mask = suppress_table(inner, k=k)
    full = [row + [sum(row)] for row in inner]
    full.append([sum(inner[i][j] for i in range(len(rows))) for j in range(len(cols))] + [len(facts)])
    names_r, names_c = rows + [TOTAL], cols + [TOTAL]
    cells = {}
    if rows and cols:
        for i, r in enumerate(names_r):
            for j, c in enumerate(names_c):
                cells[(r, c)] = None if mask[i][j] else full[i][j]
    else:
        cells[(TOTAL, TOTAL)] = 0
    return {"rows": rows, "cols": cols, "cells": cells}


def _resolution_days(f: Fact) -> int | None:
    return (f.stage_since - f.received_on).days if f.stage in RESOLVED_STAGES else None


def performance(facts: list[Fact], today: dt.date, policy: model.Policy = model.DEFAULT_POLICY,
                *, k: int = MIN_CELL) -> dict:
    """Median days from receipt to resolution, share resolved, and the share of open cases within their
    stage's target today (UNGP 31(c) indicative time frames: the organisation's policy, model.DEFAULT_SLA_DAYS).
    A figure resting on fewer than ``k`` cases is None (suppressed)."""
    days = [d for f in facts if (d := _resolution_days(f)) is not None]
    timed = [f for f in facts if f.stage in policy.sla_days]
    on_time = [f for f in timed if model.days_overdue(f.stage, f.stage_since, today, policy) == 0]
    return {
        "cases": len(facts) if len(facts) == 0 or len(facts) >= k else None,
        "median_days_to_resolution": statistics.median(days) if len(days) >= k else None,
        "share_resolved": len(days) / len(facts) if len(facts) >= k else None,
        "share_on_time": len(on_time) / len(timed) if len(timed) >= k else None,
        "open_with_target": len(timed) if len(timed) == 0 or len(timed) >= k else None,
    }


def district_points(facts: list[Fact], by_district: dict) -> list[dict]:
    """One point per district: its sites' centroid rounded to 0.1 degree, with its suppressed total."""
    out = []
    for d in by_district["rows"]:
        if d == NO_DISTRICT:
            continue
        pts = [(f.lat, f.lon) for f in facts if f.district == d and f.lat is not None and f.lon is not None]
        if not pts:
            continue
        lat = round(sum(p[0] for p in pts) / len(pts), 1)
        lon = round(sum(p[1] for p in pts) / len(pts), 1)
        out.append({"district": d, "lat": lat, "lon": lon, "cases": by_district["cells"][(d, TOTAL)]})
    return out


def figures(facts_: list[Fact], today: dt.date, *, k: int = MIN_CELL) -> dict:
    by_category = two_way(facts_, lambda f: f.category, lambda f: f.month, k=k)
    by_district = two_way(facts_, lambda f: f.district, lambda f: f.month, k=k)
    return {"as_of": today, "min_cell": k, "by_category": by_category, "by_district": by_district,
            "performance": performance(facts_, today, k=k), "points": district_points(facts_, by_district)}


def public_figures(uow, org_slug: str, today: dt.date | None = None) -> dict | None:
    """The figures of a publishing organisation (None if it does not publish or does not exist)."""
    s = uow.session
    org = published_organisation(s, org_slug)
    if org is None:
        return None
    result = figures(facts(s, org.id), today or dt.date.today())
    result["organisation"] = org.name
    result["slug"] = org.slug
    return result


def as_csv(result: dict) -> str:
    """Long CSV: table, group, month, cases ('' = suppressed); then the performance figures."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["table", "group", "month", "cases"])
    for name in ("by_category", "by_district"):
        t = result[name]
        for (r, c), v in t["cells"].items():
            w.writerow([name, r, c, "" if v is None else v])
    for key, v in result["performance"].items():
        w.writerow(["performance", key, TOTAL, "" if v is None else (round(v, 4) if isinstance(v, float) else v)])
    return buf.getvalue()


def as_geojson(result: dict) -> str:
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                 "properties": {"district": p["district"], "cases": p["cases"],
                                "suppressed": p["cases"] is None}} for p in result["points"]]
    return json.dumps({"type": "FeatureCollection", "features": features,
                       "properties": {"min_cell": result["min_cell"], "as_of": result["as_of"].isoformat(),
                                      "location": "district centroid of its sites, rounded to 0.1 degree"}})
