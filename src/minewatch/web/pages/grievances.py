"""Pages of grievances (issue 7 parts 6 and 7): the organisation's worklist and case page, the public
anonymous intake form and status check, and the public transparency page with its CSV and GeoJSON.

* ``/reports`` and ``/reports/{case_number}`` need ``grievances.read``; another organisation's case is 404
  (the repository is scoped). The list never shows free text or a phone; the case page shows the text
  only if the service gives it (child-labour content only with ``children.read``). Forms need
  ``grievances.write`` (assign, advance) or ``children.write`` (open the child case).
* ``/report/{org_slug}`` (GET, POST) and ``/report/{org_slug}/status``: public, no login. CSRF is the
  app's double-submit cookie (``deps.check_csrf`` with no identity). Spam: a honeypot field (``website``,
  hidden from people) and a per-IP limit (:data:`RATE_LIMIT` reports per :data:`RATE_WINDOW`, in memory per
  process). The case number and PIN are shown once, on the answer to the POST.
* ``/public/{org_slug}/grievances`` (+ ``.csv``, ``.geojson``): only for organisations that publish
  (``minewatch publish grievances``, see grievances/transparency.py); counts suppressed under 5 with complementary
  suppression.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import Conflict, InvalidInput, NotFound
from minewatch.grievances import model
from minewatch.grievances import service as grievances
from minewatch.grievances import transparency
from minewatch.grievances.errors import CaseOrPinNotFound
from minewatch.web.deps import get_app, get_uow, require
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

READ, WRITE = "grievances.read", "grievances.write"
RATE_LIMIT = 5  # reports per IP per window: a person reports a few times, a script many
RATE_WINDOW = 3600.0  # seconds
HONEYPOT = "website"
# The languages a report may be answered in (grievances.service.LANGUAGES), each named in itself.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "pt": "Português", "sw": "Kiswahili",
                  "fil": "Filipino"}
_hits_lock = threading.Lock()


def _rate_ok(request: Request, ip: str, now: float | None = None) -> bool:
    """Fewer than RATE_LIMIT reports from ``ip`` in the last RATE_WINDOW seconds (kept per app, in memory)."""
    now = time.monotonic() if now is None else now
    with _hits_lock:
        hits = getattr(request.app.state, "grievance_report_hits", None)
        if hits is None:
            hits = request.app.state.grievance_report_hits = collections.defaultdict(collections.deque)
        q = hits[ip]
        while q and now - q[0] > RATE_WINDOW:
            q.popleft()
        if len(q) >= RATE_LIMIT:
            return False
        q.append(now)
        return True


# --- The organisation's side ----------------------------------------------------------------------------


@router.get("/reports")
def worklist_page(request: Request, stage: str = "", category: str = "", site: str = "", overdue: str = "",
                  identity: Identity = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow)):
    actor = identity.actor
    today = dt.date.today()
    error = None
    try:
        if category and category not in model.CATEGORIES:
            raise InvalidInput(f"category {category!r}: one of {', '.join(model.CATEGORIES)}",
                               code="grievance_category_invalid")
        rows = grievances.list_reports(uow, actor=actor, stage=stage.strip() or None, overdue=bool(overdue),
                                       today=today)
        items = grievances.worklist(uow, actor=actor, today=today)
    except InvalidInput as exc:
        uow.rollback()
        error, rows, items = exc.message, [], []
    if not stage:
        rows = [r for r in rows if r.stage in model.OPEN_STAGES]
    if category:
        rows = [r for r in rows if r.category == category]
    if site.strip():
        rows = [r for r in rows if (r.site_code or "").lower() == site.strip().lower()]
    rows.sort(key=lambda r: (-r.days_overdue, r.received_at))
    escalations = [i for i in items if i.kind in ("escalation", "pending_child_case")]
    return render(request, "grievance_worklist.html", {
        "rows": rows, "items": escalations, "today": today, "stage": stage, "category": category, "site": site,
        "overdue": overdue, "stages": model.STAGES, "categories": model.CATEGORIES, "error": error,
    }, status_code=422 if error else 200)


def _case_page(request: Request, identity: Identity, uow: UnitOfWork, case_number: str, *,
               error: str | None = None, status_code: int = 200):
    view = grievances.show_report(uow, actor=identity.actor, case_number=case_number)
    actor = identity.actor
    return render(request, "grievance_case.html", {
        "c": view, "error": error, "today": dt.date.today(), "may_write": actor.may(WRITE),
        "history": grievances.case_history(uow, actor=actor, case_number=view.case_number),
        "may_open_child": actor.may("children.write") and view.category == "child_labour"
                          and view.child_case_link == "pending_case",
        "next_stages": model.TRANSITIONS.get(view.stage, ()), "annex_label": model.ANNEX_II_LABELS.get(view.annex_ii),
        "sla_days": model.DEFAULT_SLA_DAYS.get(view.stage),
    }, status_code=422 if error else status_code)


@router.get("/reports/{case_number}")
def case_page(request: Request, case_number: str, identity: Identity = Depends(require(READ)),
              uow: UnitOfWork = Depends(get_uow)):
    return _case_page(request, identity, uow, case_number)


def _change(request, identity, uow, case_number, call):
    try:
        call()
    except (InvalidInput, Conflict) as exc:  # NotFound (404) and PermissionDenied (403) go to the error page
        uow.rollback()
        return _case_page(request, identity, uow, case_number, error=exc.message)
    return RedirectResponse(f"/reports/{case_number}", status_code=303)


@router.post("/reports/{case_number}/assign")
def case_assign(request: Request, case_number: str, to_email: str = Form(""),
                identity: Identity = Depends(require(WRITE)), uow: UnitOfWork = Depends(get_uow)):
    return _change(request, identity, uow, case_number, lambda: grievances.assign(
        uow, actor=identity.actor, case_number=case_number, to_email=to_email.strip()))


@router.post("/reports/{case_number}/stage")
def case_advance(request: Request, case_number: str, to_stage: str = Form(""), answer: str = Form(""),
                 identity: Identity = Depends(require(WRITE)), uow: UnitOfWork = Depends(get_uow)):
    return _change(request, identity, uow, case_number, lambda: grievances.advance(
        uow, actor=identity.actor, case_number=case_number, to_stage=to_stage.strip(),
        answer=answer.strip() or None))


@router.post("/reports/{case_number}/child-case")
def case_open_child(request: Request, case_number: str, person: str = Form(""), name: str = Form(""),
                    sex: str = Form(""), birth_year: str = Form(""),
                    identity: Identity = Depends(require("children.write")), uow: UnitOfWork = Depends(get_uow)):
    child = {k: v.strip() for k, v in (("name", name), ("sex", sex), ("birth_year", birth_year)) if v.strip()}
    try:
        view = grievances.open_child_case(uow, actor=identity.actor, case_number=case_number,
                                          person=person.strip() or None, child=child or None)
    except (InvalidInput, Conflict) as exc:
        uow.rollback()
        return _case_page(request, identity, uow, case_number, error=exc.message)
    return RedirectResponse(f"/cases/{view.id}", status_code=303)


# --- The public intake form and status check ---------------------------------------------------------------


def _org(uow: UnitOfWork, org_slug: str):
    org = transparency.organisation_by_slug(uow.session, org_slug)
    if org is None:
        raise NotFound(f"no organisation '{org_slug}'", code="organisation_not_found")
    return org


def _form(request, uow, org, values: dict, *, error: str | None = None, status_code: int = 200):
    return render(request, "public_report.html", {
        "org": org, "v": values, "error": error, "categories": model.CATEGORIES,
        "sites": transparency.site_codes(uow.session, org.id), "languages": {c: LANGUAGE_NAMES.get(c, c) for c in grievances.LANGUAGES},
    }, status_code=422 if error and status_code == 200 else status_code)


EMPTY_FORM = {"category": "", "site": "", "text": "", "language": "", "phone": "", "consent": ""}


@router.get("/report/{org_slug}")
def report_form(request: Request, org_slug: str, uow: UnitOfWork = Depends(get_uow)):
    return _form(request, uow, _org(uow, org_slug), dict(EMPTY_FORM))


@router.post("/report/{org_slug}")
def report_submit(request: Request, org_slug: str, category: str = Form(""), site: str = Form(""),
                  text: str = Form(""), language: str = Form(""), phone: str = Form(""), consent: str = Form(""),
                  website: str = Form(""), uow: UnitOfWork = Depends(get_uow)):
    org = _org(uow, org_slug)
    values = {"category": category, "site": site, "text": text, "language": language, "phone": "",
              "consent": consent}  # the phone is never echoed back into a page
    if website.strip():  # the honeypot: people do not see the field, scripts fill it; nothing is stored
        return _form(request, uow, org, dict(EMPTY_FORM), error="the report could not be received",
                     status_code=400)
    ip = request.client.host if request.client else "unknown"
    if not _rate_ok(request, ip):
        return _form(request, uow, org, values, error="too many reports from this connection: try again later",
                     status_code=429)
    try:
        done = grievances.submit_report(
            uow, org_id=org.id, channel="web", category=category.strip(), text=text,
            language=language.strip() or "en", site_code=site.strip() or None, phone=phone.strip() or None,
            consent_replies=bool(consent) and bool(phone.strip()), anonymous=True, vault=get_app(request).vault)
    except (InvalidInput, NotFound) as exc:
        uow.rollback()
        return _form(request, uow, org, values, error=exc.message)
    return render(request, "public_report_done.html", {"org": org, "done": done},
                  headers={"Cache-Control": "no-store"})


@router.get("/report/{org_slug}/status")
def report_status(request: Request, org_slug: str, case_number: str = "", pin: str = "",
                  uow: UnitOfWork = Depends(get_uow)):
    org = _org(uow, org_slug)
    status, error = None, None
    if case_number.strip() or pin.strip():
        try:
            status = grievances.case_status(uow, org_id=org.id, case_number=case_number.strip(), pin=pin.strip())
        except CaseOrPinNotFound as exc:
            error = exc.message
    return render(request, "public_status.html", {"org": org, "status": status, "error": error,
                                                  "case_number": case_number},
                  status_code=404 if error else 200, headers={"Cache-Control": "no-store"})


# --- The public transparency page ----------------------------------------------------------------------------


def _figures(uow: UnitOfWork, org_slug: str) -> dict:
    result = transparency.public_figures(uow, org_slug)
    if result is None:  # unknown, or does not publish: the same answer
        raise NotFound(f"no published grievance figures for '{org_slug}'", code="not_published")
    return result


@router.get("/public/{org_slug}/grievances")
def transparency_page(request: Request, org_slug: str, uow: UnitOfWork = Depends(get_uow)):
    return render(request, "public_grievances.html", {"r": _figures(uow, org_slug), "total": transparency.TOTAL,
                                                      "no_district": transparency.NO_DISTRICT})


@router.get("/public/{org_slug}/grievances.csv")
def transparency_csv(org_slug: str, uow: UnitOfWork = Depends(get_uow)):
    return Response(transparency.as_csv(_figures(uow, org_slug)), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="grievances-{org_slug}.csv"'})


@router.get("/public/{org_slug}/grievances.geojson")
def transparency_geojson(org_slug: str, uow: UnitOfWork = Depends(get_uow)):
    return Response(transparency.as_geojson(_figures(uow, org_slug)), media_type="application/geo+json")

