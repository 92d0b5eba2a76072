"""Pages of child labour cases (CLMRS, issue 5 parts 2-4): the worklist, one case and its forms, and the
programme indicators (page, CSV and PDF).

Who sees what (child-safe data, issue 5 part 4), decided by ``cases.service``:

* ``/cases`` and ``/cases/{case_id}`` are the child-protection officer's (``children.read``). Every
  other role of the organisation gets, on ``/cases``, a page with the programme's counts and a link
  to the indicators (a collection: saying "cases exist, they are the officer's" reveals nothing),
  and on ``/cases/{case_id}`` and its forms **404, exactly as for a case that does not exist** (the
  service's ``CaseNotFound``), so no role can learn which case ids exist. Every read is audited by
  the service.
* The forms (open, action, follow-up, stage, close, reopen) need ``children.write``; each POST calls
  one service, then redirects (303) to the case; a refused value shows the page again with the
  error (422).
* ``/labour/indicators`` (``registry.read``): inside the organisation the page shows the counts
  unsuppressed and marks the cells that the shared version suppresses (below 5 children, and the
  complementary cells); ``?view=shared`` shows the shared version itself. The CSV and the PDF are
  the reports to share: always suppressed (``indicators_csv`` / ``case_indicators(suppress=True)``),
  and so is the API (``/api/v1/indicators/child-labour``). None of them holds a child's identity:
  they are computed from counts only.
"""

from __future__ import annotations

import datetime as dt
import io

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.cases import model
from minewatch.cases import service as cases
from minewatch.cases.errors import CaseNotFound
from minewatch.errors import Conflict, InvalidInput, NotFound
from minewatch.web.deps import get_uow, require
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

READ = "registry.read"  # the routes' gate; who may see a case is the service's answer (404 otherwise)
VIEWS = ("internal", "shared")


def _gate(identity: Identity, case_id, permission: str) -> None:
    """A role without ``permission`` meets a case form as a missing case (404), before any value is
    checked: a refused value (422) would tell it that the route exists for it."""
    if not identity.actor.may(permission):
        raise CaseNotFound(f"no case #{str(case_id).lstrip('#')} in organisation '{identity.actor.org_slug}'")


def _to_case(case_id: int) -> RedirectResponse:
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


def _yes_no(value: str, what: str, *, required: bool) -> bool | None:
    v = (value or "").strip().lower()
    if v in ("yes", "true", "1", "on"):
        return True
    if v in ("no", "false", "0", "off"):
        return False
    if v in ("", "unknown") and not required:
        return None
    raise InvalidInput(f"{what} {value!r}: answer yes or no", code="outcome_invalid")


# --- The worklist -------------------------------------------------------------------------------------


@router.get("/cases")
def worklist_page(request: Request, stage: str = "", site: str = "",
                  identity: Identity = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow)):
    actor = identity.actor
    today = dt.date.today()
    if not actor.may("children.read"):
        rows = cases.case_indicators(uow, actor=actor, by="site", period="year", today=today)["rows"]
        totals = next((r for r in rows if _key(r) == (model.TOTAL, model.TOTAL)), None)
        return render(request, "cases_worklist.html", {"officer": False, "totals": totals})
    error = None
    try:
        views = cases.list_cases(uow, actor=actor, stage=stage.strip() or None, site_code=site.strip() or None,
                                 open_only=not stage.strip())
    except (InvalidInput, NotFound) as exc:
        uow.rollback()
        error, views = exc.message, []
    rows = sorted(views, key=lambda v: (not (v.next_followup_due and v.next_followup_due < today),
                                        v.next_followup_due or dt.date.max, v.id))
    return render(request, "cases_worklist.html", {
        "officer": True, "rows": rows, "today": today, "stage": stage, "site": site, "stages": model.STAGES,
        "error": error, "may_write": actor.may("children.write"),
    }, status_code=422 if error else 200)


# --- Opening a case -----------------------------------------------------------------------------------

NEW_FIELDS = ("source_type", "source_id", "site", "person", "name", "sex", "birth_date", "birth_year", "guardian",
              "household_location", "identified_on", "classification", "notes")


def _new_form(request: Request, values: dict, error: str | None = None):
    return render(request, "case_new.html", {"v": values, "error": error, "source_types": model.SOURCE_TYPES,
                                             "classifications": model.CLASSIFICATIONS},
                  status_code=422 if error else 200)


@router.get("/cases/new")
def case_new_page(request: Request, identity: Identity = Depends(require("children.write"))):
    """The form; a labour finding links here with ``?source_type=visit&source_id=12&site=CODE``."""
    q = request.query_params
    return _new_form(request, {f: q.get(f, "") for f in NEW_FIELDS})


@router.post("/cases")
def case_open(request: Request, source_type: str = Form("other"), source_id: str = Form(""), site: str = Form(""),
              person: str = Form(""), name: str = Form(""), sex: str = Form(""), birth_date: str = Form(""),
              birth_year: str = Form(""), guardian: str = Form(""), household_location: str = Form(""),
              identified_on: str = Form(""), classification: str = Form(""), notes: str = Form(""),
              identity: Identity = Depends(require("children.write")), uow: UnitOfWork = Depends(get_uow)):
    values = {"source_type": source_type, "source_id": source_id, "site": site, "person": person, "name": name,
              "sex": sex, "birth_date": birth_date, "birth_year": birth_year, "guardian": guardian,
              "household_location": household_location, "identified_on": identified_on,
              "classification": classification, "notes": notes}
    child = {k: v.strip() for k, v in (("name", name), ("sex", sex), ("birth_date", birth_date),
                                       ("birth_year", birth_year), ("guardian", guardian),
                                       ("household_location", household_location)) if v.strip()}
    try:
        if identified_on.strip():
            try:
                day = dt.date.fromisoformat(identified_on.strip())
            except ValueError:
                raise InvalidInput(f"identification date {identified_on!r} is not a date (YYYY-MM-DD)",
                                   code="date_invalid") from None
        else:
            day = None
        view = cases.open_case(uow, actor=identity.actor, source_type=source_type.strip(),
                               source_id=source_id.strip() or None, site_code=site.strip() or None,
                               person=person.strip() or None, child=child or None, identified_on=day,
                               classification=classification.strip() or None, notes=notes or None)
    except (InvalidInput, NotFound, Conflict) as exc:
        uow.rollback()
        return _new_form(request, values, exc.message)
    return _to_case(view.id)


# --- One case -----------------------------------------------------------------------------------------


def _case_page(request: Request, identity: Identity, uow: UnitOfWork, case_id, *, error: str | None = None,
               form: str | None = None):
    view = cases.show_case(uow, actor=identity.actor, case_id=case_id)
    facts = [model.FollowUpFact(f["followed_up_on"], f["in_child_labour"], f["episode"]) for f in view.followups]
    closing = model.closing_problem(facts, view.episode, None) if view.stage != "closed" else None
    return render(request, "case.html", {
        "c": view, "error": error, "form": form, "closing_problem": closing, "today": dt.date.today(),
        "may_write": identity.actor.may("children.write"), "actions": model.REMEDIATION_ACTIONS,
        "close_reasons": model.CLOSE_REASONS, "next_stages": [s for s in model.TRANSITIONS.get(view.stage, ())
                                                               if s != "closed" and view.stage != "closed"],
        "episode_followups": [f for f in view.followups if f["episode"] == view.episode],
    }, status_code=422 if error else 200)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, identity: Identity = Depends(require(READ)),
              uow: UnitOfWork = Depends(get_uow)):
    return _case_page(request, identity, uow, case_id)


def _change(request: Request, identity: Identity, uow: UnitOfWork, case_id: int, form: str, call):
    """Run one service call on the case; 303 to the case, or the case page with the error (422)."""
    _gate(identity, case_id, "children.write")
    try:
        call()
    except (InvalidInput, Conflict) as exc:  # CaseNotFound (404) goes on to the error page
        uow.rollback()
        return _case_page(request, identity, uow, case_id, error=exc.message, form=form)
    return _to_case(case_id)


@router.post("/cases/{case_id}/actions")
def case_add_action(request: Request, case_id: int, action: str = Form(""), planned_on: str = Form(""),
                    done_on: str = Form(""), provider: str = Form(""), cost_amount: str = Form(""),
                    cost_currency: str = Form(""), notes: str = Form(""),
                    identity: Identity = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow)):
    return _change(request, identity, uow, case_id, "action", lambda: cases.add_action(
        uow, actor=identity.actor, case_id=case_id, action=action.strip(), planned_on=planned_on.strip() or None,
        done_on=done_on.strip() or None, provider=provider or None, cost_amount=cost_amount.strip() or None,
        cost_currency=cost_currency.strip() or None, notes=notes or None))


@router.post("/cases/{case_id}/followups")
def case_add_followup(request: Request, case_id: int, followed_up_on: str = Form(""), in_child_labour: str = Form(""),
                      in_school: str = Form(""), followed_up_by: str = Form(""), notes: str = Form(""),
                      identity: Identity = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow)):
    def call():
        cases.add_followup(uow, actor=identity.actor, case_id=case_id, followed_up_on=followed_up_on.strip() or None,
                           in_child_labour=_yes_no(in_child_labour, "still in child labour", required=True),
                           in_school=_yes_no(in_school, "in school", required=False),
                           followed_up_by=followed_up_by or None, notes=notes or None)
    return _change(request, identity, uow, case_id, "followup", call)


@router.post("/cases/{case_id}/stage")
def case_move(request: Request, case_id: int, to_stage: str = Form(""),
              identity: Identity = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow)):
    return _change(request, identity, uow, case_id, "stage", lambda: cases.move_case(
        uow, actor=identity.actor, case_id=case_id, to_stage=to_stage.strip()))


@router.post("/cases/{case_id}/close")
def case_close(request: Request, case_id: int, reason: str = Form(""), reason_text: str = Form(""),
               identity: Identity = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow)):
    return _change(request, identity, uow, case_id, "close", lambda: cases.close_case(
        uow, actor=identity.actor, case_id=case_id, reason=reason.strip() or None, reason_text=reason_text or None))


@router.post("/cases/{case_id}/reopen")
def case_reopen(request: Request, case_id: int, reason: str = Form(""),
                identity: Identity = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow)):
    return _change(request, identity, uow, case_id, "reopen", lambda: cases.reopen_case(
        uow, actor=identity.actor, case_id=case_id, reason=reason))


# --- Programme indicators -----------------------------------------------------------------------------


def _key(row: dict) -> tuple[str, str]:
    return row["group"], row["period"]


@router.get("/labour/indicators")
def indicators_page(request: Request, by: str = "site", period: str = "quarter", view: str = "internal",
                    identity: Identity = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow)):
    today = dt.date.today()
    error = None
    plain, shared = [], {}
    try:
        if view not in VIEWS:
            raise InvalidInput(f"view {view!r}: one of {', '.join(VIEWS)}", code="view_invalid")
        plain = cases.case_indicators(uow, actor=identity.actor, by=by, period=period, today=today)["rows"]
        result = cases.case_indicators(uow, actor=identity.actor, by=by, period=period, today=today, suppress=True)
        shared = {_key(r): r for r in result["rows"]}
    except InvalidInput as exc:
        error = exc.message
    rows = [shared[_key(r)] for r in plain] if view == "shared" else plain
    rows = [r for r in rows if not _empty(r) or model.TOTAL in _key(r)]  # cells without any child left out
    return render(request, "indicators.html", {
        "rows": rows, "shared": shared, "view": view, "by": by, "period": period, "error": error, "today": today,
        "groupings": model.GROUPINGS, "periods": model.PERIODS, "min_cell": model.MIN_CELL, "total": model.TOTAL,
        "any_suppressed": any(r["suppressed"] for r in shared.values()),
    }, status_code=422 if error else 200)


@router.get("/labour/indicators.csv")
def indicators_csv(by: str = "site", period: str = "quarter", identity: Identity = Depends(require(READ)),
                   uow: UnitOfWork = Depends(get_uow)):
    text = cases.indicators_csv(uow, actor=identity.actor, by=by, period=period, today=dt.date.today())
    name = f"child-labour-indicators-{identity.actor.org_slug}-{by}-{period}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


PDF_COLUMNS = (("group", None), ("period", "Period"), ("children_identified", "Identified"),
               ("with_action", "With action"), ("share_with_action", "Share"), ("followed_up_1", "Follow-up 1"),
               ("share_clean_at_1", "Out at 1"), ("followed_up_2", "Follow-up 2"), ("share_clean_at_2", "Out at 2"),
               ("median_days_to_action", "Median days"), ("overdue_followups", "Overdue"))
PDF_ROWS_PER_PAGE = 32


def _cell(key: str, value) -> str:
    if value is None:
        return "-"  # suppressed, or no denominator
    if key in model.SHARES:
        return f"{value:.0%}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _empty(row: dict) -> bool:
    """A (group, period) cell with no child at all (every count 0, none suppressed): left out of the
    tables, which says no more than the zero would."""
    return all(row[m] == 0 for m in model.COUNT_MEASURES)


def indicators_pdf_bytes(result: dict, *, organisation: str) -> bytes:
    """The suppressed indicators as a small PDF (title, organisation, date, the table, the rule), with
    matplotlib's PdfPages; TrueType text (``pdf.fonttype`` 42), so the words are searchable."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    by = result["by"]
    rows = [r for r in result["rows"] if not _empty(r) or model.TOTAL in _key(r)]
    header = [by.title() if key == "group" else label for key, label in PDF_COLUMNS]
    body = [[_cell(key, r[key]) for key, _ in PDF_COLUMNS] for r in rows]
    pages = [body[i:i + PDF_ROWS_PER_PAGE] for i in range(0, len(body), PDF_ROWS_PER_PAGE)] or [[]]
    buf = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42, "font.size": 7}):
        with PdfPages(buf, metadata={"Title": "Child labour programme indicators", "Creator": "minewatch"}) as pdf:
            for n, chunk in enumerate(pages, 1):
                fig = Figure(figsize=(11.69, 8.27))  # A4 landscape
                fig.text(0.05, 0.95, "Child labour programme indicators (CLMRS)", fontsize=14, weight="bold")
                fig.text(0.05, 0.915, f"Organisation: {organisation}   As of: {result['as_of'].isoformat()}   "
                                      f"By {by} and {result['period']} of identification   Page {n} of {len(pages)}",
                         fontsize=9)
                fig.text(0.05, 0.03, f"Counts below {result['min_cell']} children are suppressed ('-'), with "
                                     "complementary suppression so that a suppressed cell cannot be recovered "
                                     "from the totals (issue 5, child-safe data). Computed from the case records.",
                         fontsize=7)
                ax = fig.add_axes((0.05, 0.07, 0.9, 0.82))
                ax.axis("off")
                if chunk:
                    table = ax.table(cellText=chunk, colLabels=header, loc="upper left", cellLoc="right")
                    table.auto_set_font_size(False)
                    table.set_fontsize(7)
                else:
                    ax.text(0, 1, "No case recorded.", va="top")
                pdf.savefig(fig)
    return buf.getvalue()


@router.get("/labour/indicators.pdf")
def indicators_pdf(by: str = "site", period: str = "quarter", identity: Identity = Depends(require(READ)),
                   uow: UnitOfWork = Depends(get_uow)):
    result = cases.case_indicators(uow, actor=identity.actor, by=by, period=period, today=dt.date.today(),
                                   suppress=True)
    name = f"child-labour-indicators-{identity.actor.org_slug}-{by}-{period}.pdf"
    return Response(indicators_pdf_bytes(result, organisation=identity.actor.org_slug), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
