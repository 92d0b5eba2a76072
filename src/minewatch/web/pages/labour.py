"""The child-labour findings page (``/labour``): :func:`minewatch.labour.service.check_labour` as a table.

Ids only, never a name: a finding about an assignment shows "person #id" to roles with ``children.read``
and nothing that identifies the person to anyone else. The child-protection officer (``children.write``)
gets an "Open a case" button on each finding of child labour, with the fields the cases pages pass to
:func:`minewatch.cases.service.open_case` (``source_type``, ``source_id``, ``site``, ``classification``):
for an assignment a POST to ``/cases`` (the child is the assignment's registered person), for a visit a
GET of ``/cases/new`` (a visit saw children but names none: the officer says who the child is first).
A GET form filters the findings (works without JavaScript); a bad filter value is named on the page
(422) and a site the organisation does not have answers 404.

:func:`labour_findings` is shared with ``GET /api/v1/findings/child-labour``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import InvalidInput, NotFound
from minewatch.labour.model import CLASSIFICATIONS
from minewatch.labour.service import KINDS, check_labour, counts
from minewatch.web.deps import get_uow, require
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 200
# What the "classification" filter may be: the four classifications (most severe first), then the
# findings that are not a classification (a task to classify by hand, an age that cannot be checked).
FINDING_KEYS = (*reversed(CLASSIFICATIONS), *KINDS[1:])
SOURCE_TYPES = ("assignment", "visit")
VISIT_SCOPES = ("latest", "all")
# Classifications a case can be opened for (cases.model.CLASSIFICATIONS).
CASE_CLASSIFICATIONS = ("child_labour", "hazardous_child_labour")


def finding_key(f) -> str:
    """The classification of a classified finding, else its kind (``unmapped_task``...)."""
    return f.classification if f.kind == "classification" else f.kind


def parse_date(name: str, raw: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` filter value; InvalidInput names the field and the value."""
    if raw is None or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"{name} {raw.strip()!r} is not a date: write YYYY-MM-DD") from None


def check_choice(name: str, value: str, options: tuple[str, ...]) -> None:
    if value and value not in options:
        raise InvalidInput(f"{name} {value!r} is not one of: {', '.join(options)}")


@dataclass(frozen=True)
class LabourFilters:
    """The filters as typed (shown back in the form)."""

    site: str = ""
    classification: str = ""
    source_type: str = ""
    on: str = ""
    visits: str = "latest"
    page: int = 1

    def link(self, **changes) -> str:
        """``/labour?...`` with these filters (defaults left out) and ``changes``."""
        values = {"site": self.site, "classification": self.classification, "source_type": self.source_type,
                  "on": self.on, "visits": self.visits, "page": self.page} | changes
        if values["visits"] == "latest":
            values["visits"] = ""
        if values["page"] == 1:
            values["page"] = ""
        pairs = [(k, v) for k, v in values.items() if v not in ("", None)]
        return "/labour" + ("?" + urlencode(pairs) if pairs else "")


def labour_findings(uow: UnitOfWork, actor, *, site: str | None = None, classification: str | None = None,
                    source_type: str | None = None, on: dt.date | None = None,
                    latest_only: bool = True) -> tuple[dict[str, int], list]:
    """(counts by classification of the findings of the site and source type, the findings that also
    match ``classification``), from the one check of the labour service."""
    check_choice("classification", classification or "", FINDING_KEYS)
    check_choice("source_type", source_type or "", SOURCE_TYPES)
    found = check_labour(uow, actor=actor, on=on, site_code=site or None, latest_only=latest_only)
    if source_type:
        found = [f for f in found if f.source_type == source_type]
    shown = [f for f in found if not classification or finding_key(f) == classification]
    order = {k: i for i, k in enumerate(FINDING_KEYS)}
    shown.sort(key=lambda f: (order[finding_key(f)], f.site_code, f.source_type, f.source_id))
    return counts(found), shown


def _page_number(raw: str | None) -> int:
    if raw is None or not raw.strip():
        return 1
    if not raw.strip().isdigit() or int(raw) < 1:
        raise InvalidInput(f"page {raw!r} must be a whole number, 1 or more")
    return int(raw)


@router.get("/labour")
def labour_page(request: Request, site: str = "", classification: str = "", source_type: str = "", on: str = "",
                visits: str = "latest", page: str | None = None,
                identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    actor = identity.actor
    filters = LabourFilters(site=site.strip(), classification=classification.strip(),
                            source_type=source_type.strip(), on=on.strip(), visits=visits.strip() or "latest")
    error, status = None, 200
    tallies, findings = {}, []
    try:
        check_choice("visits", filters.visits, VISIT_SCOPES)
        number = _page_number(page)
        filters = replace(filters, page=number)
        tallies, findings = labour_findings(
            uow, actor, site=filters.site, classification=filters.classification or None,
            source_type=filters.source_type or None, on=parse_date("on", filters.on),
            latest_only=filters.visits == "latest")
    except InvalidInput as exc:
        error, status = exc.message, 422
    except NotFound as exc:  # a site code the organisation does not have
        error, status = exc.message, 404
    pages = max(1, math.ceil(len(findings) / PAGE_SIZE))
    start = (filters.page - 1) * PAGE_SIZE
    return render(request, "labour.html", {
        "filters": filters, "error": error, "counts": tallies, "total": sum(tallies.values()),
        "matching": len(findings), "rows": findings[start:start + PAGE_SIZE], "first_row": start + 1,
        "pages": pages, "finding_keys": FINDING_KEYS, "source_types": SOURCE_TYPES,
        "case_classifications": CASE_CLASSIFICATIONS, "finding_key": finding_key,
        "show_person": actor.may("children.read"), "may_open_cases": actor.may("children.write"),
    }, status_code=status)
