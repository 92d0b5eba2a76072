"""Pages of landslide susceptibility: the validation report with its ROC curve and the map layer (issue 8).

Reports are kept as files, not in the database (no migration): ``minewatch hazard validate --save``
copies report.json, roc.png and model.json to ``settings.files_dir/<org slug>/validation/<UTC time>/``;
the page shows the organisation's latest one.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import NotFound
from minewatch.hazards.service import hazard_layer_susceptibility, latest_validation
from minewatch.web.deps import get_uow, require
from minewatch.web.responses import etag_json
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)
MODELS = ("susceptibility", "glm", "slope")


def _files_dir(request: Request):
    return request.app.state.minewatch.settings.files_dir


@router.get("/hazard/validation")
def validation_page(request: Request, identity: Identity = Depends(require("registry.read"))):
    """The organisation's latest susceptibility validation: AUCs of the model and baselines, ROC plot."""
    latest = latest_validation(actor=identity.actor, files_dir=_files_dir(request))
    report = latest["report"] if latest else None
    rows = [(name, report["models"][name]) for name in MODELS if name in report["models"]] if report else []
    return render(request, "susceptibility_validation.html",
                  {"report": report, "rows": rows, "has_roc": bool(latest and latest["roc_path"]),
                   "saved": latest["saved"] if latest else None})


@router.get("/hazard/validation/roc.png")
def validation_roc(request: Request, identity: Identity = Depends(require("registry.read"))):
    """The ROC plot of the organisation's latest validation (404 if none)."""
    latest = latest_validation(actor=identity.actor, files_dir=_files_dir(request))
    if not latest or latest["roc_path"] is None:
        raise NotFound("no validation report yet", code="validation_not_found")
    return FileResponse(latest["roc_path"], media_type="image/png", headers={"Cache-Control": "private, max-age=60"})


@router.get("/map/susceptibility.json")
def map_susceptibility(request: Request, identity: Identity = Depends(require("registry.read")),
                       uow: UnitOfWork = Depends(get_uow)):
    """Sites with a susceptibility level in the latest assessment:
    ``{"assessed_on", "columns": [code, susceptibility_level, susceptibility_mean], "rows"}``."""
    return etag_json(request, hazard_layer_susceptibility(uow, actor=identity.actor))
