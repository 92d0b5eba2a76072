"""Pages of slope hazard: the dashboard's hazard and erosion layers, a site's hazard map (PNG) and the field calculator.

The calculator is two GET forms (work without JavaScript): the infinite-slope factor of safety and the
SINMAP stability index, validated exactly as ``minewatch calc`` validates its options (same checks,
named by the form's field names). Bad input shows the form again with the error, status 422.
"""

from __future__ import annotations

import math
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.cli.calc import _check, _order
from minewatch.errors import InvalidInput, NotFound
from minewatch.hazards.service import hazard_layer, hazard_layer_erosion, latest_site_hazards
from minewatch.web.deps import get_uow, require
from minewatch.web.responses import etag_json
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

# Form fields of each calculator: (name, default shown in an empty form, required).
FS_FIELDS = (("slope_deg", "", True), ("friction_deg", "", True), ("cohesion_pa", "", True),
             ("soil_depth_m", "", True), ("soil_density", "", True), ("wetness", "", True),
             ("root_cohesion_pa", "0", False), ("density_ratio", "0.5", False))
SI_FIELDS = (("slope_deg", "", True), ("area_m", "", True), ("c_min", "", True), ("c_max", "", True),
             ("phi_min", "", True), ("phi_max", "", True), ("tr_min", "", True), ("tr_max", "", True),
             ("density_ratio", "0.5", False))
FORMS = {"fs": FS_FIELDS, "si": SI_FIELDS}


@router.get("/map/hazard.json")
def map_hazard(request: Request, identity: Identity = Depends(require("registry.read")),
               uow: UnitOfWork = Depends(get_uow)):
    """The dashboard's hazard layer: the latest landslide assessment's rated sites
    (``{"assessed_on", "columns": [code, level, pfail_max, people_exposed], "rows"}``); the map places
    them by code on the sites of ``/map/sites.json``."""
    return etag_json(request, hazard_layer(uow, actor=identity.actor))


@router.get("/map/erosion.json")
def map_erosion(request: Request, identity: Identity = Depends(require("registry.read")),
                uow: UnitOfWork = Depends(get_uow)):
    """The dashboard's erosion layer: the latest erosion run's sites with a soil-loss level
    (``{"assessed_on", "columns": [code, erosion_level, soil_loss_mean_t_ha_yr, sed_export_t_yr], "rows"}``)."""
    return etag_json(request, hazard_layer_erosion(uow, actor=identity.actor))


@router.get("/sites/{code}/hazard.png")
def site_hazard_map(request: Request, code: str, identity: Identity = Depends(require("registry.read")),
                    uow: UnitOfWork = Depends(get_uow)):
    """The PNG map of the site's latest hazard assessment (404 if none, or another organisation's site)."""
    files_dir = Path(request.app.state.minewatch.settings.files_dir).resolve()
    assessment = latest_site_hazards(uow, actor=identity.actor, code=code)
    view = assessment.sites[0] if assessment and assessment.sites else None
    if view is None or not view.map_path:
        raise NotFound(f"no hazard map for site {code}", code="hazard_map_not_found")
    path = (files_dir / view.map_path).resolve()
    if not path.is_relative_to(files_dir) or not path.is_file():
        raise NotFound(f"no hazard map for site {code}", code="hazard_map_not_found")
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


def _numbers(fields, params) -> dict[str, float]:
    """The form's values as floats (defaults for empty optional fields); InvalidInput names a bad one."""
    values = {}
    for name, default, required in fields:
        raw = (params.get(name) or "").strip() or ("" if required else default)
        if raw == "":
            raise InvalidInput(f"{name} is required")
        text = raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw  # a decimal comma: 1,5
        try:
            values[name] = float(text)
        except ValueError:
            raise InvalidInput(f"{name} {raw!r} is not a number") from None
        if not math.isfinite(values[name]):
            raise InvalidInput(f"{name} {raw!r} is not a finite number")
    return values


def factor_of_safety_result(v: dict[str, float]) -> dict:
    """Validate like ``minewatch calc fs`` and compute the infinite-slope factor of safety."""
    _check("slope_deg", v["slope_deg"], low=0.0, high=90.0, low_open=True)
    _check("friction_deg", v["friction_deg"], low=0.0, high=90.0)
    _check("cohesion_pa", v["cohesion_pa"], low=0.0)
    _check("soil_depth_m", v["soil_depth_m"], low=0.0, low_open=True)
    _check("soil_density", v["soil_density"], low=0.0, low_open=True)
    _check("wetness", v["wetness"], low=0.0, high=1.0)
    _check("density_ratio", v["density_ratio"], low=0.0, high=1.0)
    _check("root_cohesion_pa", v["root_cohesion_pa"], low=0.0)
    from minewatch.geomodels.slope_stability.kernels import factor_of_safety

    fs = float(factor_of_safety(v["slope_deg"], v["friction_deg"], v["cohesion_pa"], v["soil_depth_m"],
                                v["soil_density"], v["wetness"], density_ratio=v["density_ratio"],
                                root_cohesion_pa=v["root_cohesion_pa"]))
    return {"factor_of_safety": fs, "stable": fs > 1.0}


def stability_index_result(v: dict[str, float]) -> dict:
    """Validate like ``minewatch calc sinmap-si`` and compute the SINMAP stability index and class."""
    _check("slope_deg", v["slope_deg"], low=0.0, high=90.0)
    _check("area_m", v["area_m"], low=0.0)
    _check("c_min", v["c_min"], low=0.0)
    _check("c_max", v["c_max"], low=0.0)
    _order("c_min", v["c_min"], "c_max", v["c_max"])
    _check("phi_min", v["phi_min"], low=0.0, high=90.0, low_open=True)
    _check("phi_max", v["phi_max"], low=0.0, high=90.0, low_open=True)
    _order("phi_min", v["phi_min"], "phi_max", v["phi_max"])
    _check("tr_min", v["tr_min"], low=0.0, low_open=True)
    _check("tr_max", v["tr_max"], low=0.0, low_open=True)
    _order("tr_min", v["tr_min"], "tr_max", v["tr_max"])
    _check("density_ratio", v["density_ratio"], low=0.0, high=1.0)
    from minewatch.geomodels.slope_stability.kernels import sinmap_class, sinmap_stability_index

    si, sat = sinmap_stability_index(v["slope_deg"], v["area_m"], v["c_min"], v["c_max"], v["phi_min"],
                                     v["phi_max"], v["tr_min"], v["tr_max"], density_ratio=v["density_ratio"])
    si = float(si)
    return {"stability_index": si, "stability_class": str(sinmap_class(si)), "saturation_index": float(sat)}


@router.get("/calc")
def calculator(request: Request, form: str = "", identity: Identity = Depends(require("registry.read"))):
    params = request.query_params
    shown = {key: {name: params.get(name, default) if form == key else default for name, default, _ in fields}
             for key, fields in FORMS.items()}
    results: dict = {}
    error = None
    if form in FORMS:
        try:
            values = _numbers(FORMS[form], params)
            results[form] = factor_of_safety_result(values) if form == "fs" else stability_index_result(values)
        except InvalidInput as exc:
            error = exc.message
    return render(request, "calc.html", {"form": form, "shown": shown, "results": results, "error": error},
                  status_code=422 if error else 200)
