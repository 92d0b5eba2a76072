"""Pages of the registry: the site list (search, filters, sorting, pages) and one site's page.

Both work without JavaScript (GET forms and links); the site page's small map is the only script.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import InvalidInput
from minewatch.hazards.service import latest_site_erosion, latest_site_hazards
from minewatch.kit.vocab import LIFECYCLE_STATUS, MINERALS, VOCABULARIES
from minewatch.sites.model import INDICATOR_FILTERS, SiteQuery
from minewatch.sites.service import find_sites, site_list_extras, site_overview
from minewatch.web import i18n
from minewatch.web.deps import get_uow, require
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# Counting stops here: beyond it the list says "more than 5,000" (a filter narrows it down) and
# pages on with "Next", so that a page of a very large registry never visits every match.
COUNT_CAP = 5_000
SORTS = ("code", "name", "country", "workers")
# Query-string names of the list's filters (short, stable: people bookmark and share these links).
FILTERS = ("q", "country", "mineral", "status", "indicator", "sort")


def vocab_label(vocabulary: str, key: str | None) -> str:
    """The label of a vocabulary key in the page's language (the key itself when unknown)."""
    if not key:
        return ""
    vocab = VOCABULARIES[vocabulary]
    return vocab.label(key, i18n.current_language()) if key in vocab else key


# --- The site list --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListParams:
    """What the list's GET form sent, as typed (shown back in the form)."""

    q: str = ""
    country: str = ""
    mineral: str = ""
    status: str = ""
    indicator: str = ""
    sort: str = "code"
    page: int = 1

    def query(self) -> SiteQuery:
        """The search; InvalidInput names each wrong field and value."""
        problems = []
        if self.sort not in SORTS:
            problems.append(f"sort {self.sort!r} is not one of: {', '.join(SORTS)}")
        if self.page < 1:
            problems.append(f"page {self.page} must be 1 or more")
        if problems:
            raise InvalidInput("; ".join(problems))
        return SiteQuery(search=self.q or None, country=self.country or None, mineral=self.mineral or None,
                         lifecycle_status=self.status or None, indicator=self.indicator or None,
                         order=self.sort, limit=PAGE_SIZE, offset=(self.page - 1) * PAGE_SIZE,
                         count_cap=COUNT_CAP)

    def link(self, **changes) -> str:
        """``/sites?...`` with these parameters (empty ones left out) and ``changes``."""
        values = {name: getattr(self, name) for name in (*FILTERS, "page")} | changes
        if values.get("sort") == "code":
            values["sort"] = ""
        if values.get("page") == 1:
            values["page"] = ""
        pairs = [(k, v) for k, v in values.items() if v not in ("", None)]
        return "/sites" + ("?" + urlencode(pairs) if pairs else "")


def _page_number(raw: str | None) -> int:
    if raw is None or raw.strip() == "":
        return 1
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"page {raw!r} must be a whole number") from None


def _site_list(uow: UnitOfWork, actor, params: ListParams) -> dict:
    """One page of matching sites with their latest-visit indicators, the total and the filter choices."""
    result = find_sites(uow, actor=actor, query=params.query())
    return {"rows": result.rows, "total": result.total,
            **site_list_extras(uow, actor=actor, site_ids=[r.id for r in result.rows])}


@router.get("/sites")
def site_list(request: Request, q: str = "", country: str = "", mineral: str = "", status: str = "",
              indicator: str = "", sort: str = "code", page: str | None = None,
              identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    error = None
    try:
        params = ListParams(q=q.strip(), country=country.strip(), mineral=mineral.strip(), status=status.strip(),
                            indicator=indicator.strip(), sort=sort.strip() or "code", page=_page_number(page))
        data = _site_list(uow, identity.actor, params)
    except InvalidInput as exc:
        error = exc.message
        params = ListParams(q=q, country=country, mineral=mineral, status=status, indicator=indicator,
                            sort=sort if sort in SORTS else "code")
        data = {"rows": [], "total": 0, **site_list_extras(uow, actor=identity.actor, site_ids=[])}
    more = data["total"] > COUNT_CAP  # "more than COUNT_CAP": the count stopped there
    pages = max(1, math.ceil(min(data["total"], COUNT_CAP) / PAGE_SIZE))
    if more:  # pages go on past the counted ones
        pages = max(pages, params.page)
    has_next = params.page < pages or (more and len(data["rows"]) == PAGE_SIZE)
    return render(request, "sites.html", {
        **data, "params": params, "error": error, "pages": pages, "page_links": _page_links(params.page, pages),
        "more": more, "count_cap": COUNT_CAP, "has_next": has_next, "page_size": PAGE_SIZE,
        "first_row": (params.page - 1) * PAGE_SIZE + 1, "sorts": SORTS, "indicator_filters": INDICATOR_FILTERS,
        "minerals": MINERALS.keys, "statuses": LIFECYCLE_STATUS.keys, "vocab": vocab_label,
    }, status_code=422 if error else 200)


def _page_links(page: int, pages: int) -> list[int | None]:
    """Page numbers to link: the first, the last and two either side of the current (None = a gap)."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


# --- One site ---------------------------------------------------------------------------------------------


def _shape_geojson(wkb: bytes | None) -> str | None:
    """The site's polygon as compact GeoJSON text for the map (simplified to ~1 m, 6 decimals)."""
    if wkb is None:
        return None
    import shapely

    geom = shapely.simplify(shapely.from_wkb(wkb), 0.00001, preserve_topology=True)
    rounded = shapely.set_precision(geom, 0.000001)
    return shapely.to_geojson(geom if rounded.is_empty else rounded)


@router.get("/sites/{code}")
def site_page(request: Request, code: str, identity: Identity = Depends(require("registry.read")),
              uow: UnitOfWork = Depends(get_uow)):
    settings = request.app.state.minewatch.settings
    data = site_overview(uow, actor=identity.actor, code=code, today=dt.date.today())
    data["shape"] = _shape_geojson(data.pop("shape_wkb"))
    data["hazard"] = (latest_site_hazards(uow, actor=identity.actor, code=code)
                      or latest_site_erosion(uow, actor=identity.actor, code=code))  # erosion-only assessments
    return render(request, "site.html", {**data, "vocab": vocab_label, "tile_url": settings.tile_url,
                                         "tile_attribution": settings.tile_attribution})
