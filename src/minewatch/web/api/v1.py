"""The REST API, version 1 (``/api/v1``): every registry resource, JSON only.

Each resource has a list (filters, cursor pagination: ``limit`` and ``cursor``, the next page's URL
also in a ``Link: <...>; rel="next"`` header), a get by numeric id, and (but import batches) a
create (POST) and an update (PATCH). There is no delete: audited records are never removed.
Routes parse, call one service of :mod:`minewatch.registry.records` and return its result; who may
do what is decided by ``require`` (the one gate) and the services. Errors have one shape,
:class:`~minewatch.web.api.schemas.ErrorOut` (web/errors.py writes it).

No ``from __future__ import annotations`` here: the route factory's annotations must be the
model classes themselves for FastAPI to read them.
"""

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.kit.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_ID, MAX_LIMIT, Page
from minewatch.registry import records
from minewatch.web.api import schemas as m
from minewatch.web.deps import get_uow, require

router = APIRouter(prefix="/api/v1")

READ = "registry.read"
_ERRORS = {
    400: "The body is not readable JSON",
    401: "Not logged in: send `Authorization: Bearer TOKEN` (or a session cookie)",
    403: "The role may not do this (or, with a session cookie, the X-CSRF-Token header is missing)",
    404: "No such record in your organisation",
    409: "A record with this natural key exists already",
    422: "Invalid values, filters or cursor: each problem names its field and value",
}
_LINK = {"Link": {"description": 'The next page: `<URL>; rel="next"` (absent on the last page)',
                  "schema": {"type": "string"}}}


def _errors(*statuses: int) -> dict:
    return {s: {"model": m.ErrorOut, "description": _ERRORS[s]} for s in statuses}


def _limit():
    return Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"rows per page, 1 to {MAX_LIMIT}")


def _cursor():
    return Query(None, max_length=MAX_CURSOR_CHARS, description="next_cursor of the previous page")


def _id_query(what: str):
    return Query(None, ge=1, le=MAX_ID, description=f"only records of this {what} (id)")


def _record_id(noun: str):
    return Path(ge=1, le=MAX_ID, description=f"the {noun}'s id")


def _page(request: Request, response: Response, page: Page) -> dict:
    if page.next_cursor is not None:
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=page.next_cursor)}>; rel="next"'
    return {"items": page.items, "next_cursor": page.next_cursor}


def _list(resource: str, uow: UnitOfWork, identity: Identity, filters: dict, limit: int, cursor: str | None) -> Page:
    return records.list_records(uow, actor=identity.actor, resource=resource, filters=filters, limit=limit,
                                cursor=cursor)


def _list_route(resource: str, page_model, summary: str):
    return router.get(f"/{resource}", response_model=page_model, tags=[resource], operation_id=f"list_{resource}",
                      summary=summary, responses={200: {"headers": _LINK}, **_errors(401, 403, 422)})


# --- Lists (each with its own filters) ------------------------------------------------------------


@_list_route("sites", m.SitePage, "List sites")
def list_sites(
    request: Request,
    response: Response,
    country: str | None = Query(None, description="ISO 3166-1 alpha-2 code, e.g. CD"),
    mineral: str | None = Query(None, description="a minerals vocabulary key or synonym, e.g. gold"),
    lifecycle_status: str | None = Query(None, description="a lifecycle status, e.g. active"),
    title_relation: str | None = Query(None, description="inside_artisanal_zone, inside_title, outside, any_title "
                                                         "or not_computed"),
    q: str | None = Query(None, description="text in the site's name or code"),
    bbox: str | None = Query(None, description="min_lon,min_lat,max_lon,max_lat (WGS84): the site's geometry "
                                               "intersects the box"),
    mercury_used: bool | None = Query(None, description="the latest visit saw mercury used (true) or not (false)"),
    children_seen: bool | None = Query(None, description="the latest visit saw children (true) or none (false)"),
    armed_interference: bool | None = Query(None, description="the latest visit saw armed interference or not"),
    limit: int = _limit(),
    cursor: str | None = _cursor(),
    identity: Identity = Depends(require(READ)),
    uow: UnitOfWork = Depends(get_uow),
):
    filters = {"country": country, "mineral": mineral, "lifecycle_status": lifecycle_status,
               "title_relation": title_relation, "q": q, "bbox": bbox, "mercury_used": mercury_used,
               "children_seen": children_seen, "armed_interference": armed_interference}
    return _page(request, response, _list("sites", uow, identity, filters, limit, cursor))


@_list_route("visits", m.VisitPage, "List field visits")
def list_visits(
    request: Request,
    response: Response,
    site_id: int | None = _id_query("site"),
    date_from: dt.date | None = Query(None, description="visits on or after this date"),
    date_to: dt.date | None = Query(None, description="visits on or before this date"),
    limit: int = _limit(),
    cursor: str | None = _cursor(),
    identity: Identity = Depends(require(READ)),
    uow: UnitOfWork = Depends(get_uow),
):
    filters = {"site_id": site_id, "date_from": date_from, "date_to": date_to}
    return _page(request, response, _list("visits", uow, identity, filters, limit, cursor))


@_list_route("cooperatives", m.CooperativePage, "List cooperatives")
def list_cooperatives(
    request: Request,
    response: Response,
    country: str | None = Query(None, description="ISO 3166-1 alpha-2 code"),
    q: str | None = Query(None, description="text in the external id or name"),
    limit: int = _limit(),
    cursor: str | None = _cursor(),
    identity: Identity = Depends(require(READ)),
    uow: UnitOfWork = Depends(get_uow),
):
    filters = {"country": country, "q": q}
    return _page(request, response, _list("cooperatives", uow, identity, filters, limit, cursor))


@_list_route("people", m.PersonPage, "List people")
def list_people(
    request: Request,
    response: Response,
    q: str | None = Query(None, description="text in the external id (and in the name, for roles that may "
                                            "read names)"),
    limit: int = _limit(),
    cursor: str | None = _cursor(),
    identity: Identity = Depends(require(READ)),
    uow: UnitOfWork = Depends(get_uow),
):
    return _page(request, response, _list("people", uow, identity, {"q": q}, limit, cursor))


@_list_route("memberships", m.MembershipPage, "List cooperative memberships")
def list_memberships(
    request: Request,
    response: Response,
    person_id: int | None = _id_query("person"),
    cooperative_id: int | None = _id_query("cooperative"),
    limit: int = _limit(),
    cursor: str | None = _cursor(),
    identity: Identity = Depends(require(READ)),
    uow: UnitOfWork = Depends(get_uow),
):
    filters = {"person_id": person_id, "cooperative_id": cooperative_id}
    return _page(request, response, _list("memberships", uow, identity, filters, limit, cursor))


@_list_route("assignments", m.AssignmentPage, "List people's work at sites")
def list_assignments(
    request: Request,
    response: Response,
    person_id: int | None = _id_query("person"),
    site_id: int | None = _id_query("site"),
    limit: int = _limit(),
    cursor: str | None = _cursor(),
    identity: Identity = Depends(require(READ)),
    uow: UnitOfWork = Depends(get_uow),
):
    filters = {"person_id": person_id, "site_id": site_id}
    return _page(request, response, _list("assignments", uow, identity, filters, limit, cursor))


@_list_route("concessions", m.ConcessionPage, "List mining titles and zones")
def list_concessions(
    request: Request,
    response: Response,
    is_artisanal_zone: bool | None = Query(None, description="artisanal zones (true) or other titles (false)"),
    title_type: str | None = Query(None, description="a title type vocabulary key, e.g. PE"),
    limit: int = _limit(),
    cursor: str | None = _cursor(),
    identity: Identity = Depends(require(READ)),
    uow: UnitOfWork = Depends(get_uow),
):
    filters = {"is_artisanal_zone": is_artisanal_zone, "title_type": title_type}
    return _page(request, response, _list("concessions", uow, identity, filters, limit, cursor))


@_list_route("import_batches", m.ImportBatchPage, "List import batches (files taken in)")
def list_import_batches(
    request: Request,
    response: Response,
    kind: str | None = Query(None, description="the kind imported, e.g. sites"),
    limit: int = _limit(),
    cursor: str | None = _cursor(),
    identity: Identity = Depends(require(READ)),
    uow: UnitOfWork = Depends(get_uow),
):
    return _page(request, response, _list("import_batches", uow, identity, {"kind": kind}, limit, cursor))


# --- Get, create, update (the same for every resource) --------------------------------------------


def _record_routes(resource: str, noun: str, out, create=None, update=None) -> None:
    """GET /{resource}/{id}; with ``create``/``update`` models also POST /{resource} and PATCH /{resource}/{id}."""
    path = f"/{resource}/{{record_id}}"

    @router.get(path, response_model=out, tags=[resource], operation_id=f"get_{noun}", summary=f"Get one {noun}",
                responses=_errors(401, 403, 404, 422))
    def get_one(record_id: int = _record_id(noun), identity: Identity = Depends(require(READ)),
                uow: UnitOfWork = Depends(get_uow)):
        return records.get_record(uow, actor=identity.actor, resource=resource, record_id=record_id)

    if create is None:
        return
    write = records.RESOURCES[resource].kind().permission

    def vault_for(request: Request):
        return request.app.state.minewatch.vault if resource == "people" else None

    @router.post(f"/{resource}", response_model=out, status_code=201, tags=[resource],
                 operation_id=f"create_{noun}", summary=f"Create a {noun}",
                 responses={201: {"headers": {"Location": {"description": f"the new {noun}'s URL",
                                                           "schema": {"type": "string"}}}},
                            **_errors(400, 401, 403, 409, 422)})
    def create_one(request: Request, response: Response, body: create,
                   identity: Identity = Depends(require(write)), uow: UnitOfWork = Depends(get_uow)):
        created = records.create_record(uow, actor=identity.actor, resource=resource,
                                        values=body.model_dump(exclude_unset=True), vault=vault_for(request))
        response.headers["Location"] = f"{router.prefix}/{resource}/{created['id']}"
        return created

    @router.patch(path, response_model=out, tags=[resource], operation_id=f"update_{noun}",
                  summary=f"Change a {noun}", responses=_errors(400, 401, 403, 404, 409, 422))
    def update_one(request: Request, body: update, record_id: int = _record_id(noun),
                   identity: Identity = Depends(require(write)), uow: UnitOfWork = Depends(get_uow)):
        return records.update_record(uow, actor=identity.actor, resource=resource, record_id=record_id,
                                     changes=body.model_dump(exclude_unset=True), vault=vault_for(request))


_record_routes("sites", "site", m.SiteOut, m.SiteCreate, m.SiteUpdate)
_record_routes("visits", "visit", m.VisitOut, m.VisitCreate, m.VisitUpdate)
_record_routes("cooperatives", "cooperative", m.CooperativeOut, m.CooperativeCreate, m.CooperativeUpdate)
_record_routes("people", "person", m.PersonOut, m.PersonCreate, m.PersonUpdate)
_record_routes("memberships", "membership", m.MembershipOut, m.MembershipCreate, m.MembershipUpdate)
_record_routes("assignments", "assignment", m.AssignmentOut, m.AssignmentCreate, m.AssignmentUpdate)
_record_routes("concessions", "concession", m.ConcessionOut, m.ConcessionCreate, m.ConcessionUpdate)
_record_routes("import_batches", "import_batch", m.ImportBatchOut)


# --- Child labour programme indicators (issue 5) ----------------------------------------------------


@router.get("/indicators/child-labour", response_model=m.ChildLabourIndicatorsOut, tags=["indicators"],
            operation_id="child_labour_indicators", summary="Child labour programme indicators (suppressed)",
            responses=_errors(401, 403, 422))
def child_labour_indicators(
    by: Literal["site", "cooperative", "district"] = Query("site", description="group the children by"),
    period: Literal["month", "quarter", "year"] = Query("quarter", description="period of identification"),
    identity: Identity = Depends(require(READ)),
    uow: UnitOfWork = Depends(get_uow),
):
    """Counts of children identified, remediated and followed up, by group and period, from
    ``cases.service.case_indicators`` with suppression always on (aggregates below 5 children, with
    complementary suppression: issue 5, child-safe data)."""
    from minewatch.cases.service import case_indicators

    return case_indicators(uow, actor=identity.actor, by=by, period=period, today=dt.date.today(), suppress=True)


# --- Findings of child labour and of pay (issue 5; read-only, the same services as the pages) -----


@router.get("/findings/child-labour", response_model=m.ChildLabourFindingsOut, tags=["findings"],
            operation_id="child_labour_findings", summary="Child labour findings (ids only)",
            responses=_errors(401, 403, 404, 422))
def child_labour_findings(
    site: str | None = Query(None, max_length=100, description="only this site (code); 404 if unknown"),
    classification: Literal["hazardous_child_labour", "child_labour", "light_work", "permitted", "unmapped_task",
                            "age_unknown", "invalid_age"] | None = Query(None, description="only this finding"),
    source_type: Literal["assignment", "visit"] | None = Query(None, description="only assignments or visits"),
    on: dt.date | None = Query(None, description="assignments current on this date (default today)"),
    latest_only: bool = Query(True, description="only each site's latest visit (false: every visit)"),
    identity: Identity = Depends(require(READ)),
    uow: UnitOfWork = Depends(get_uow),
):
    """``labour.service.check_labour``: every assignment and visit classified by the ILO age and task rules."""
    from minewatch.web.pages.labour import labour_findings

    counts, found = labour_findings(uow, identity.actor, site=site, classification=classification,
                                    source_type=source_type, on=on, latest_only=latest_only)
    names_ids = identity.actor.may("children.read")
    return {"counts": counts,
            "items": [f.as_dict() | ({} if names_ids else {"person_id": None}) for f in found]}


@router.get("/findings/pay", response_model=m.PayFindingsOut, tags=["findings"], operation_id="pay_findings",
            summary="Pay and price findings", responses=_errors(401, 403, 404, 422))
def pay_findings(
    site: str | None = Query(None, max_length=100, description="only this site's payments and sales (code)"),
    status: Literal["breach", "not_assessable", "info", "ok"] | None = Query(None, description="only this status"),
    check: Literal["minimum_wage", "fairmined_price", "fairmined_premium", "advances",
                   "late_payment"] | None = Query(None, description="only this check"),
    on: dt.date | None = Query(None, description="checked as of this date (default today)"),
    identity: Identity = Depends(require("pay.read")),
    uow: UnitOfWork = Depends(get_uow),
):
    """``pay.service.check_pay``: minimum wage, Fairmined price and premium, advances and late pay."""
    from collections import Counter

    from minewatch.web.pages.pay import pay_findings as findings

    found, shown = findings(uow, identity.actor, site=site, status=status, check=check, on=on)
    return {"counts": dict(Counter(f.status for f in found)), "items": [f.as_dict() for f in shown]}
