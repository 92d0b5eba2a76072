"""Pages of water, sediment and soil quality (issue 6, part 7): the organisation's sampling points with an
import form, one sampling point (results, screening findings, trend tests, a plot) and a site's water and
soil summary.

Every number comes from the same services as ``minewatch water ...`` (``water.service`` reads and imports,
``water.screening``, ``water.trends``, ``water.plots``); the pages only choose and group. Only the built-in
guideline sets may be named in a query (``load_guideline_set`` would also read a CSV path: not from the web).
Pages work without JavaScript; plots are PNG or SVG images drawn by ``water.plots`` in ONE unit.
"""

from __future__ import annotations

import re
import tempfile
from collections import defaultdict
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import ImportRejected, InvalidInput, NotFound
from minewatch.web.deps import get_uow, require
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

DRINKING_SET = "who-dw"
POSITIONS_SHOWN = ("upstream", "at_site", "downstream", "unspecified")
MIN_TREND = 3  # mann_kendall's own minimum (minewatch.water.trends)
PROBLEMS_SHOWN = 1000


def _sets():
    from minewatch.water.guidelines import available_sets

    return available_sets()


def _landuses() -> tuple[str, ...]:
    from minewatch.water.guidelines import LANDUSES

    return LANDUSES


def guideline_set(name: str, allowed: tuple[str, ...] | None = None):
    """A built-in guideline set by name; InvalidInput names a wrong one (never a file path from the web)."""
    allowed = allowed or _sets()
    if name not in allowed:
        raise InvalidInput(f"guidelines {name!r} is not one of: {', '.join(allowed)}")
    from minewatch.water.guidelines import load_guideline_set

    return load_guideline_set(name)


def _points_of(uow: UnitOfWork, actor, code: str) -> list:
    """The point(s) with this code (one per medium); NotFound when the organisation has none."""
    from minewatch.water.service import sampling_points

    points = [p for p in sampling_points(uow, actor=actor) if p.code == code]
    if not points:
        raise NotFound(f"no sampling point {code!r} in organisation '{actor.org_slug}'",
                       code="sampling_point_not_found")
    return points


def latest_by_point(measurements) -> dict[tuple[str, str], list]:
    """{(point code, medium): the measurements of its latest sample time}."""
    last: dict[tuple[str, str], object] = {}
    for m in measurements:
        key = (m.point_code, m.medium)
        if key not in last or m.sampled_at > last[key]:
            last[key] = m.sampled_at
    out: dict[tuple[str, str], list] = defaultdict(list)
    for m in measurements:
        if last[(m.point_code, m.medium)] == m.sampled_at:
            out[(m.point_code, m.medium)].append(m)
    return out


# --- The list of sampling points, and the import form -------------------------------------------------


def _list_context(uow: UnitOfWork, actor, site: str, medium: str) -> dict:
    from minewatch.water.model import MEDIA
    from minewatch.water.screening import screen
    from minewatch.water.service import measurements, sampling_points

    problems = []
    if medium and medium not in MEDIA:
        problems.append(f"medium {medium!r} is not one of: {', '.join(MEDIA)}")
    if problems:
        raise InvalidInput("; ".join(problems))
    points = sampling_points(uow, actor=actor, site_code=site or None)
    if medium:
        points = [p for p in points if p.medium == medium]
    gset = guideline_set(DRINKING_SET)
    latest = latest_by_point(measurements(uow, actor=actor, site_code=site or None))
    rows = []
    for p in points:
        ms = latest.get((p.code, p.medium), [])
        exceed = sum(1 for f in screen(ms, gset) if f.status == "exceeds")
        rows.append({"point": p, "latest": ms[0].sampled_at if ms else None, "exceedances": exceed})
    return {"rows": rows}


def _site_choices(uow: UnitOfWork, actor) -> list[str]:
    from minewatch.water.service import sampling_points

    return sorted({p.site_code for p in sampling_points(uow, actor=actor) if p.site_code})


def _import_choices() -> dict:
    from minewatch.water.importing import PROFILES
    from minewatch.water.model import MEDIA

    return {"profiles": PROFILES, "media": MEDIA}


@router.get("/water")
def water_list(request: Request, site: str = "", medium: str = "",
               identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    from minewatch.water.model import MEDIA

    error = None
    site, medium = site.strip(), medium.strip()
    try:
        data = _list_context(uow, identity.actor, site, medium)
    except InvalidInput as exc:
        error, data = exc.message, {"rows": []}
    return render(request, "water_list.html", {
        **data, "error": error, "site": site, "medium": medium, "sites": _site_choices(uow, identity.actor),
        "media": MEDIA, "may_import": identity.actor.may("registry.write"), **_import_choices(),
    }, status_code=422 if error else 200)


def _safe_name(name: str) -> str:
    """The upload's file name without directories or odd characters (it names the samples' source)."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .") or "upload.csv"
    return base[:200]


@router.post("/water/import")
def water_import(request: Request, file: UploadFile | None = File(None), profile: str = Form(""),
                 utm_zone: str = Form(""), medium: str = Form(""), dry_run: str = Form(""),
                 identity: Identity = Depends(require("registry.write")), uow: UnitOfWork = Depends(get_uow)):
    """Check (dry run) or import a laboratory file with ``water.service.import_results``: the same rules as
    ``minewatch water import`` (every bad cell named; nothing stored when a cell is bad)."""
    from minewatch.registry.uploads import UPLOAD_MAX_BYTES
    from minewatch.water.service import import_results

    choices = _import_choices()
    shown = {"profile": profile, "utm_zone": utm_zone, "medium": medium, "dry_run": dry_run == "yes"}
    report, error, status = None, None, 200
    try:
        if file is None or not file.filename:
            raise InvalidInput("choose a file to import")
        if profile and profile not in choices["profiles"]:
            raise InvalidInput(f"profile {profile!r} is not one of: {', '.join(choices['profiles'])}")
        if medium and medium not in choices["media"]:
            raise InvalidInput(f"medium {medium!r} is not one of: {', '.join(choices['media'])}")
        data = file.file.read(UPLOAD_MAX_BYTES + 1)
        if len(data) > UPLOAD_MAX_BYTES:
            raise InvalidInput(f"the file is larger than {UPLOAD_MAX_BYTES // (1024 * 1024)} MB")
        with tempfile.TemporaryDirectory(prefix="minewatch-water-") as tmp:
            path = Path(tmp) / _safe_name(file.filename)
            path.write_bytes(data)
            try:
                report = import_results(uow, actor=identity.actor, path=path, profile=profile or None,
                                        utm_zone=utm_zone.strip() or None, medium=medium or None,
                                        dry_run=dry_run == "yes")
            except ImportRejected as exc:
                report, error, status = exc.report, exc.message, 422
    except InvalidInput as exc:
        error, status = exc.message, exc.http_status
    problems = list(report.problems) if report is not None else []
    return render(request, "water_import.html", {
        **choices, "shown": shown, "report": report, "error": error, "rejected": status >= 400,
        "problems": problems[:PROBLEMS_SHOWN], "more_problems": max(0, len(problems) - PROBLEMS_SHOWN),
    }, status_code=status)


# --- One sampling point ---------------------------------------------------------------------------------


def _fraction_series(ms) -> dict[tuple[str, str], list]:
    out: dict[tuple[str, str], list] = defaultdict(list)
    for m in ms:
        out[(m.parameter, m.fraction)].append(m)
    return dict(sorted(out.items()))


def series_trend(ms, gset) -> dict:
    """The Mann-Kendall test and Sen slope of one series, in one unit (the guideline's when it converts, as
    ``minewatch water trend`` does), or why it is not computed."""
    from minewatch.water.plots import to_one_unit
    from minewatch.water.trends import mann_kendall

    g = gset.find(ms[0].parameter, ms[0].medium, ms[0].fraction)
    try:
        try:
            series = to_one_unit(ms, g.unit if g is not None else None)
        except InvalidInput:
            series = to_one_unit(ms)
        if len(ms) < MIN_TREND:
            return {"unit": series.unit, "result": None, "reason": "too_few"}
        return {"unit": series.unit, "result": mann_kendall(series.times, series.values, series.censored),
                "reason": None}
    except InvalidInput as exc:
        return {"unit": None, "result": None, "reason": exc.message}


@router.get("/water/points/{point_code}")
def water_point(request: Request, point_code: str, guidelines: str = DRINKING_SET,
                identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    from minewatch.water.screening import screen
    from minewatch.water.service import measurements

    points = _points_of(uow, identity.actor, point_code)
    error = None
    try:
        gset = guideline_set(guidelines)
    except InvalidInput as exc:
        error, gset = exc.message, guideline_set(DRINKING_SET)
    ms = measurements(uow, actor=identity.actor, point_code=point_code)
    ms = sorted(ms, key=lambda m: (m.sampled_at, m.parameter, m.fraction))
    findings = screen(ms, gset)
    series = _fraction_series(ms)
    trends = [{"parameter": p, "fraction": f, "n": len(s), **series_trend(s, gset)} for (p, f), s in series.items()]
    used = {}
    for f in findings:
        if f.guideline is not None:
            used[(f.guideline.parameter, f.guideline.fraction)] = f.guideline
    # Plots shown as images: the series the chosen set has a guideline for (the others are linked from the
    # trends table: a point of a full laboratory panel has dozens of parameters).
    shown = [(p, f) for (p, f), s in series.items() if gset.find(p, s[0].medium, f) is not None]
    return render(request, "water_point.html", {
        "code": point_code, "points": points, "measurements": ms, "findings": findings, "trends": trends,
        "series": shown, "all_series": list(series), "gset": gset, "sets": _sets(), "guidelines": guidelines, "error": error,
        "used_guidelines": [used[k] for k in sorted(used)],
        "exceeds": sum(1 for f in findings if f.status == "exceeds"),
    }, status_code=422 if error else 200)


def _plot(request: Request, uow: UnitOfWork, actor, point_code: str, parameter: str, fraction: str, guidelines: str,
          unit: str, suffix: str) -> Response:
    from minewatch.water.plots import plot_series
    from minewatch.water.service import measurements

    _points_of(uow, actor, point_code)  # 404 before anything else: another organisation's point is not found
    parameter, fraction, unit = parameter.strip(), fraction.strip(), unit.strip()
    if not parameter:
        raise InvalidInput("parameter is required, e.g. ?parameter=arsenic")
    gset = guideline_set(guidelines)
    ms = measurements(uow, actor=actor, point_code=point_code, parameter=parameter)
    if not ms:
        raise NotFound(f"no {parameter!r} results at sampling point {point_code!r}", code="no_results")
    fractions = sorted({m.fraction for m in ms})
    if fraction:
        ms = [m for m in ms if m.fraction == fraction]
        if not ms:
            raise InvalidInput(f"fraction {fraction!r}: {point_code} has {parameter} results of "
                               f"{', '.join(fractions)} only")
    elif len(fractions) > 1:
        raise InvalidInput(f"{point_code} has {parameter} results of fractions {', '.join(fractions)}: "
                           f"choose one with ?fraction=")
    g = gset.find(parameter, ms[0].medium, ms[0].fraction)
    lines = [(gset.name, g)] if g is not None else []
    with tempfile.TemporaryDirectory(prefix="minewatch-plot-") as tmp:
        path = Path(tmp) / f"plot{suffix}"
        try:
            plot_series(ms, path, unit=unit or None, guidelines=lines)
        except InvalidInput:
            if unit or not lines:
                raise
            plot_series(ms, path, guidelines=[])  # the guideline is per mass, the results per volume (or so)
        body = path.read_bytes()
    media = "image/png" if suffix == ".png" else "image/svg+xml"
    return Response(body, media_type=media, headers={"Cache-Control": "private, max-age=300",
                                                     "X-Content-Type-Options": "nosniff"})


@router.get("/water/points/{point_code}/plot.png")
def water_point_plot_png(request: Request, point_code: str, parameter: str = "", fraction: str = "",
                         guidelines: str = DRINKING_SET, unit: str = "",
                         identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    """The time series of one parameter at the point, in one unit, with the guideline line (PNG)."""
    return _plot(request, uow, identity.actor, point_code, parameter, fraction, guidelines, unit, ".png")


@router.get("/water/points/{point_code}/plot.svg")
def water_point_plot_svg(request: Request, point_code: str, parameter: str = "", fraction: str = "",
                         guidelines: str = DRINKING_SET, unit: str = "",
                         identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    """The same plot as SVG."""
    return _plot(request, uow, identity.actor, point_code, parameter, fraction, guidelines, unit, ".svg")


# --- A site's water and soil ----------------------------------------------------------------------------


@router.get("/sites/{code}/water")
def site_water(request: Request, code: str, landuse: str = "residential",
               identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    from minewatch.sites.service import show_site
    from minewatch.water.model import SOLID_MEDIA
    from minewatch.water.screening import screen, summarise
    from minewatch.water.service import measurements, site_points
    from minewatch.water.trends import compare_site

    actor = identity.actor
    site = show_site(uow, actor=actor, code=code)  # SiteNotFound (404) for another organisation's site
    error = None
    if landuse not in _landuses():
        error, landuse = f"landuse {landuse!r} is not one of: {', '.join(_landuses())}", "residential"
    points = site_points(uow, actor=actor, site_code=code)
    groups = {pos: [p for p in points if p.position == pos] for pos in POSITIONS_SHOWN}
    ms = measurements(uow, actor=actor, site_code=code)
    water = [m for m in ms if m.medium not in SOLID_MEDIA]
    solid = [m for m in ms if m.medium in SOLID_MEDIA]
    who = guideline_set(DRINKING_SET)
    latest = latest_by_point(water)
    latest_findings = screen([m for key in sorted(latest) for m in latest[key]], who)
    latest_summary = sorted(summarise(latest_findings).items())
    comparison = compare_site(water, {p.code: p.position for p in points if p.medium not in SOLID_MEDIA}, who)
    soil_set = guideline_set(f"ccme-soil-{landuse}")
    soil_findings = screen(sorted(solid, key=lambda m: (m.point_code, m.sampled_at, m.parameter)), soil_set)
    return render(request, "water_site.html", {
        "site": site.site, "code": code, "groups": groups, "points": points,
        "latest_summary": latest_summary, "latest_findings": latest_findings, "who": who,
        "comparison": comparison, "soil_set": soil_set, "soil_findings": soil_findings, "landuse": landuse,
        "landuses": _landuses(), "error": error,
    }, status_code=422 if error else 200)
