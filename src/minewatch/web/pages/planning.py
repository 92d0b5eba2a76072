"""Pages of tree planting (issue 10): a site's plan with its map, table and printable plan; the plan's
files; the site's plantings, survival, plan versus done and rehabilitation timeline.

* ``/sites/{code}/plan``: the site's latest plan (adopted first, else the latest proposed), or with
  ``?plan=ID`` another plan of the site; ``/plans/{plan_id}`` any plan (also of an area file);
  ``/plans`` the organisation's plans. Adopting is a POST form (``registry.write``, CSRF).
* ``/plans/{plan_id}/files/{name}``: only the names of :data:`PLAN_FILES`, looked up in that table and
  never joined as given, from the stored plan folder of the actor's organisation (another's is 404).
  ``plan.html`` is the printable plan rendered from the stored summary in the reader's language
  (``planning.report.render_printable``), its style sheet ``plan.css`` beside it (the app's CSP allows no
  inline style); serving rendered HTML (never a stored HTML file) keeps the page ours.
* ``/sites/{code}/plantings``: plantings, survival by planting and species, plan versus done, timeline.
  No person is named: the records hold none and the pages show no author e-mail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import Conflict, InvalidInput, NotFound
from minewatch.web.deps import get_uow, language_for, require
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

# The files of a plan folder (planning/tool.py writes them) the web serves: name -> media type.
PLAN_FILES: dict[str, str] = {
    "plan.html": "text/html; charset=utf-8",
    "map_plan.png": "image/png",
    "map_exposure.png": "image/png",
    "map_soil.png": "image/png",
    "map_sediment.png": "image/png",
    "plan.geojson": "application/geo+json",
    "plan.gpkg": "application/geopackage+sqlite3",
    "plan.tif": "image/tiff",
    "summary.json": "application/json",
}
PRINTABLE = "plan.html"
PRINTABLE_CSS = "plan.css"  # the printable plan's style sheet, served beside it
DOWNLOADS = ("plan.gpkg", "plan.geojson", "plan.tif")  # sent as attachments
LAYERS = ("exposure", "soil", "sediment")  # objectives, year columns and before/after maps, in this order
SPARK_WIDTH, SPARK_HEIGHT = 160, 36


# --- pure helpers ------------------------------------------------------------------------------------


def common_name(names: Mapping | None, lang: str, default: str) -> str:
    """The first common name in ``lang`` (else English, else ``default``) of ``;``-separated names.

    >>> common_name({"en": "mangium; black wattle", "fr": ""}, "fr", "acacia_mangium")
    'mangium'
    """
    names = names or {}
    text = names.get(lang) or names.get("en") or ""
    first = text.split(";")[0].strip()
    return first or default


def species_rows(summary: Mapping, lang: str) -> tuple[list[dict], dict]:
    """The plan's species (name in ``lang``, scientific name, seedlings, area, labour, cost, colour) and totals.

    Colours are those of the plan's PNG map and printable plan (``planning.report.option_colours``).
    """
    from minewatch.planning.report import option_colours

    by_species = list(summary.get("by_species") or [])
    colours = option_colours(len(by_species))
    rows = []
    for s, colour in zip(by_species, colours):
        sid = str(s.get("id"))
        rows.append({"id": sid, "name": common_name(s.get("names"), lang, sid),
                     "scientific_name": s.get("scientific_name") or "", "seedlings": s.get("seedlings") or 0,
                     "area_ha": s.get("area_ha") or 0.0, "labour_days": s.get("labour_days") or 0.0,
                     "cost_usd": s.get("cost_usd") or 0.0, "provisional": bool(s.get("provisional")),
                     "colour": colour})
    totals = {k: sum(r[k] for r in rows) for k in ("seedlings", "area_ha", "labour_days", "cost_usd")}
    return rows, totals


def year_columns(years: Sequence[Mapping]) -> list[str]:
    """The layers (of :data:`LAYERS`) that have a value in some year."""
    return [k for k in LAYERS if any(y.get(k) is not None for y in years)]


def sparkline(values: Sequence[float | None], width: int = SPARK_WIDTH, height: int = SPARK_HEIGHT,
              pad: float = 2.0) -> str:
    """SVG ``points`` of a line through ``values`` (None skipped), x evenly spaced, y scaled to the range.

    >>> sparkline([10, 5, 0], width=100, height=20, pad=0)
    '0,0 50,10 100,20'
    """
    pts = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if len(pts) < 2:
        return ""
    lo, hi = min(v for _, v in pts), max(v for _, v in pts)
    span = hi - lo or 1.0
    step = (width - 2 * pad) / (len(values) - 1)
    return " ".join(f"{pad + i * step:.4g},{pad + (hi - v) / span * (height - 2 * pad):.4g}" for i, v in pts)


def significant(value: float | None, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits in the page's language, no trailing zeros ('' for None).

    >>> significant(120.0), significant(0.012345), significant(98765.4), significant(None)
    ('120', '0.0123', '98,800', '')
    """
    if value is None:
        return ""
    from babel.numbers import format_decimal

    from minewatch.web import i18n

    rounded = float(f"{float(value):.{digits}g}")
    return format_decimal(rounded, format="#,##0.#########", locale=i18n.current_language())


# --- plan files --------------------------------------------------------------------------------------


def _plan_folder(request: Request, plan) -> Path | None:
    """The stored plan's folder inside files_dir, or None."""
    if not plan.files_path:
        return None
    files_dir = Path(request.app.state.minewatch.settings.files_dir).resolve()
    folder = (files_dir / plan.files_path).resolve()
    return folder if folder.is_relative_to(files_dir) and folder.is_dir() else None


def _present(folder: Path | None) -> set[str]:
    """The names of :data:`PLAN_FILES` found in the folder (the printable needs only the summary)."""
    if folder is None:
        return set()
    found = {name for name in PLAN_FILES if name != PRINTABLE and (folder / name).is_file()}
    return found | {PRINTABLE}


def _maps(summary: Mapping, present: set[str]) -> dict[str, str]:
    """{map name: file} of the summary's maps that are served and present (plan first, then the layers)."""
    listed = dict(((summary.get("files") or {}).get("maps")) or {})
    for key in ("plan", *LAYERS):
        listed.setdefault(key, f"map_{key}.png")
    return {k: v for k, v in listed.items() if v in PLAN_FILES and v in present and v.endswith(".png")}


def _printable(request: Request, plan, folder: Path | None) -> tuple[str, str]:
    """(plan.html, plan.css) rendered from the stored summary in the reader's language."""
    from minewatch.planning.report import render_printable

    return render_printable(plan.summary, maps=_maps(plan.summary, _present(folder)), lang=language_for(request))


@router.get("/plans/{plan_id}/files/{name}")
def plan_file(request: Request, plan_id: int, name: str, identity: Identity = Depends(require("registry.read")),
              uow: UnitOfWork = Depends(get_uow)):
    """One file of a stored plan: only :data:`PLAN_FILES` (and the printable's style sheet); else 404."""
    from minewatch.planning.service import get_plan

    plan = get_plan(uow, actor=identity.actor, plan_id=plan_id)  # 404 for another organisation's plan
    if name not in PLAN_FILES and name != PRINTABLE_CSS:
        raise NotFound(f"tree plan #{plan_id} has no file {name!r}", code="plan_file_not_found")
    folder = _plan_folder(request, plan)
    headers = {"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"}
    if name in (PRINTABLE, PRINTABLE_CSS):
        page, css = _printable(request, plan, folder)
        if name == PRINTABLE_CSS:
            return Response(css, media_type="text/css; charset=utf-8", headers=headers)
        return Response(page, media_type=PLAN_FILES[PRINTABLE], headers=headers)
    path = folder / name if folder is not None else None  # ``name`` is a key of PLAN_FILES: no path from the user
    if path is None or not path.is_file():
        raise NotFound(f"tree plan #{plan_id} has no file {name!r}", code="plan_file_not_found")
    filename = f"plan-{plan_id}{Path(name).suffix}" if name in DOWNLOADS else None
    return FileResponse(path, media_type=PLAN_FILES[name], filename=filename, headers=headers,
                        content_disposition_type="attachment" if filename else "inline")


# --- plan pages --------------------------------------------------------------------------------------


def _species_choices(lang: str) -> list[dict]:
    from minewatch.planning.species import load_species

    return [{"id": sp.id, "name": common_name(sp.names, lang, sp.id), "scientific_name": sp.scientific_name}
            for sp in load_species().values()]


def _plan_context(request: Request, identity: Identity, uow: UnitOfWork, plan, site, *, error: str | None = None,
                  form: Mapping | None = None) -> dict:
    from minewatch.planning.service import list_plans

    lang = language_for(request)
    summary = plan.summary if plan else {}
    folder = _plan_folder(request, plan) if plan else None
    present = _present(folder)
    rows, totals = species_rows(summary, lang)
    years = list(summary.get("years") or [])
    columns = year_columns(years)
    objective = dict(summary.get("objective") or {})
    objectives = dict(summary.get("objectives") or {})
    maps = _maps(summary, present)
    others = list_plans(uow, actor=identity.actor, site_code=site.code) if site is not None else []
    return {
        "site": site, "code": site.code if site is not None else None, "plan": plan, "summary": summary,
        "objective": objective, "species": rows, "totals": totals, "years": years, "year_columns": columns,
        "maturity_year": years[-1]["year"] if years else None,
        "lines": {k: sparkline([y.get(k) for y in years]) for k in columns},
        "spark": {"width": SPARK_WIDTH, "height": SPARK_HEIGHT},
        "objectives": objectives, "maps": maps, "layer_maps": [(k, v) for k, v in maps.items() if k != "plan"],
        "also": [k for k in LAYERS if k != objective.get("name") and objectives.get(k)],
        "files": [n for n in (PRINTABLE, "plan.gpkg", "plan.geojson", "plan.tif", "summary.json") if n in present],
        "geojson": "plan.geojson" in present,
        "colours": {r["id"]: r["colour"] for r in rows}, "names": {r["id"]: r["name"] for r in rows},
        "sig": significant, "others": others, "may_adopt": identity.actor.may("registry.write"), "error": error,
        "may_plan": identity.actor.may("registry.write"), "species_choices": _species_choices(lang),
        "form": {"budget": "", "budget_unit": "usd", "objective": "exposure", "species": [], "min_patch": 0,
                 "bare": False, **(form or {})},
        "tile_url": request.app.state.minewatch.settings.tile_url,
        "tile_attribution": request.app.state.minewatch.settings.tile_attribution,
    }


def _site_of(uow: UnitOfWork, identity: Identity, code: str | None):
    if code is None:
        return None
    from minewatch.sites.service import show_site

    return show_site(uow, actor=identity.actor, code=code).site


@router.get("/sites/{code}/plan")
def site_plan(request: Request, code: str, plan: str = "", identity: Identity = Depends(require("registry.read")),
              uow: UnitOfWork = Depends(get_uow)):
    from minewatch.planning.service import get_plan, latest_plan

    site = _site_of(uow, identity, code)  # 404 for another organisation's site
    if plan.strip():
        try:
            chosen = get_plan(uow, actor=identity.actor, plan_id=int(plan))
        except ValueError:
            raise InvalidInput(f"plan {plan!r} is not a plan number") from None
        if chosen.site_code != site.code:
            raise NotFound(f"site {code} has no tree plan #{plan}", code="plan_not_found")
    else:
        chosen = latest_plan(uow, actor=identity.actor, site_code=site.code)
    return render(request, "site_plan.html", _plan_context(request, identity, uow, chosen, site))


@router.post("/sites/{code}/plan")
def site_plan_make(request: Request, code: str, budget: str = Form(""), budget_unit: str = Form("usd"),
                   objective: str = Form("exposure"), species: list[str] = Form([]), min_patch: str = Form("0"),
                   bare: str = Form(""), identity: Identity = Depends(require("registry.write")),
                   uow: UnitOfWork = Depends(get_uow)):
    """Make a plan for the site from its latest hazard assessment (as ``plan trees --site``), record it and show it;
    a bad input re-shows the form with the error."""
    import tempfile

    from minewatch.planning.service import record_plan
    from minewatch.planning.site_plan import plan_for_site
    from minewatch.planning.tool import PlanRequest

    site = _site_of(uow, identity, code)  # 404 for another organisation's site
    form = {"budget": budget, "budget_unit": budget_unit, "objective": objective, "species": list(species),
            "min_patch": min_patch, "bare": bool(bare)}
    try:
        try:
            amount, patch = float(budget), float(min_patch or 0)
        except ValueError:
            raise InvalidInput(f"budget {budget!r} and smallest patch {min_patch!r} must be numbers") from None
        request_ = PlanRequest(budget=amount, budget_unit=budget_unit, objective=objective,
                               species=list(species) or None, min_patch_m2=patch, landcover="bare" if bare else None)
        settings = request.app.state.minewatch.settings
        with tempfile.TemporaryDirectory(prefix="minewatch-plan-") as tmp:
            summary = plan_for_site(uow, actor=identity.actor, request=request_, out_dir=Path(tmp) / "plan",
                                    site_code=site.code, lang=language_for(request))
            view = record_plan(uow, actor=identity.actor, site_code=site.code, plan_dir=Path(tmp) / "plan",
                               summary=summary, files_dir=settings.files_dir)
    except InvalidInput as exc:
        uow.rollback()
        from minewatch.planning.service import latest_plan

        context = _plan_context(request, identity, uow, latest_plan(uow, actor=identity.actor, site_code=site.code),
                                site, error=exc.message, form=form)
        return render(request, "site_plan.html", context, status_code=exc.http_status)
    return RedirectResponse(f"/sites/{_quote(site.code)}/plan?plan={view.id}", status_code=303)


@router.get("/plans/{plan_id}")
def plan_page(request: Request, plan_id: int, identity: Identity = Depends(require("registry.read")),
              uow: UnitOfWork = Depends(get_uow)):
    """One plan, of a site or of an area file."""
    from minewatch.planning.service import get_plan

    plan = get_plan(uow, actor=identity.actor, plan_id=plan_id)
    return render(request, "site_plan.html",
                  _plan_context(request, identity, uow, plan, _site_of(uow, identity, plan.site_code)))


@router.get("/plans")
def plans_page(request: Request, identity: Identity = Depends(require("registry.read")),
               uow: UnitOfWork = Depends(get_uow)):
    """The organisation's tree plans, newest first."""
    from minewatch.planning.service import list_plans

    return render(request, "plans.html", {"plans": list_plans(uow, actor=identity.actor)})


@router.post("/plans/{plan_id}/adopt")
def plan_adopt(request: Request, plan_id: int, identity: Identity = Depends(require("registry.write")),
               uow: UnitOfWork = Depends(get_uow)):
    """Adopt a plan (the service supersedes the site's others and audits); 303 to the plan's page."""
    from minewatch.planning.service import adopt_plan, get_plan

    try:
        plan = adopt_plan(uow, actor=identity.actor, plan_id=plan_id)
    except (InvalidInput, Conflict) as exc:  # PlanNotFound (404) goes on to the error page
        uow.rollback()
        plan = get_plan(uow, actor=identity.actor, plan_id=plan_id)
        context = _plan_context(request, identity, uow, plan, _site_of(uow, identity, plan.site_code),
                                error=exc.message)
        return render(request, "site_plan.html", context, status_code=exc.http_status)
    target = f"/sites/{_quote(plan.site_code)}/plan" if plan.site_code else f"/plans/{plan.id}"
    return RedirectResponse(target, status_code=303)


def _quote(code: str) -> str:
    from urllib.parse import quote

    return quote(code, safe="")


# --- plantings ---------------------------------------------------------------------------------------


@router.get("/sites/{code}/plantings")
def site_plantings(request: Request, code: str, identity: Identity = Depends(require("registry.read")),
                   uow: UnitOfWork = Depends(get_uow)):
    from minewatch.planning.service import plan_vs_done, survival, timeline
    from minewatch.planning.species import load_species

    actor = identity.actor
    site = _site_of(uow, identity, code)  # 404 for another organisation's site
    lang = language_for(request)
    table = load_species()
    names = {k: common_name(sp.names, lang, k) for k, sp in table.items()}
    scientific = {k: sp.scientific_name for k, sp in table.items()}
    events = timeline(uow, actor=actor, site_code=site.code, species=table)
    plantings = [e for e in events if e.kind == "planted"]
    return render(request, "site_plantings.html", {
        "site": site, "code": site.code, "plantings": plantings, "events": events,
        "survival": survival(uow, actor=actor, site_code=site.code, species=table),
        "done": plan_vs_done(uow, actor=actor, site_code=site.code),
        "names": names, "scientific": scientific,
    })
