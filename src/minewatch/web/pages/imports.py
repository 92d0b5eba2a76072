"""The import page: upload a file, see the dry-run report (every problem), then import it.

``POST /imports`` keeps the upload and dry-runs it (registry/uploads.py), then redirects to the
upload's page, which shows the report and the choices: import now, import the good rows with the bad
ones quarantined (a CSV to download), or fix the file and upload it again. The same rules as the
CLI import apply (registry.service.import_file). Uploads need ``registry.write``; people kinds need
``people.write`` too.
"""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import InvalidInput, NotFound
from minewatch.registry import uploads
from minewatch.registry.uploads import UPLOAD_MAX_BYTES, UploadStore
from minewatch.web.deps import get_uow, require
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

PROBLEMS_SHOWN = 1000
# A multipart body is the file plus a little more (the other fields, boundaries).
_FORM_OVERHEAD_BYTES = 1024 * 1024


def _store(request: Request) -> UploadStore:
    return UploadStore(request.app.state.minewatch.settings.files_dir)


def _form(request: Request, identity: Identity, *, error: str | None = None, kind: str = "", status_code: int = 200):
    """The upload form; ``error`` is a message, or ``too_large`` / ``no_file`` (worded by the template)."""
    store = _store(request)
    return render(request, "import_new.html", {
        "kinds": uploads.importable_kinds(identity.actor), "kind": kind, "error": error,
        "profiles": store.saved_profiles(identity.actor), "max_mb": UPLOAD_MAX_BYTES // (1024 * 1024),
    }, status_code=status_code)


@router.get("/imports/new")
def import_form(request: Request, kind: str = "", identity: Identity = Depends(require("registry.write"))):
    return _form(request, identity, kind=kind)


@router.post("/imports")
def import_check(request: Request, file: UploadFile | None = File(None), kind: str = Form(""),
                 profile_file: UploadFile | None = File(None), saved_profile: str = Form(""),
                 keep_profile_as: str = Form(""), identity: Identity = Depends(require("registry.write")),
                 uow: UnitOfWork = Depends(get_uow)):
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > UPLOAD_MAX_BYTES + _FORM_OVERHEAD_BYTES:
        return _form(request, identity, kind=kind, error="too_large", status_code=413)
    if file is None or not file.filename:
        return _form(request, identity, kind=kind, error="no_file", status_code=422)
    profile = (profile_file.filename, profile_file.file) if profile_file is not None and profile_file.filename else None
    try:
        upload = uploads.check_upload(
            uow, actor=identity.actor, store=_store(request), kind_name=kind, file_name=file.filename,
            data=file.file, profile_file=profile, saved_profile=saved_profile or None,
            keep_profile_as=keep_profile_as or None, vault=request.app.state.minewatch.vault,
            max_bytes=UPLOAD_MAX_BYTES)
    except InvalidInput as exc:
        return _form(request, identity, kind=kind, error=exc.message, status_code=exc.http_status)
    except NotFound as exc:  # a saved profile that is gone
        return _form(request, identity, kind=kind, error=exc.message, status_code=422)
    return RedirectResponse(f"/imports/{upload.id}", status_code=303)


@router.get("/imports/{upload_id}")
def import_report(request: Request, upload_id: str, identity: Identity = Depends(require("registry.write"))):
    upload = uploads.show_upload(actor=identity.actor, store=_store(request), upload_id=upload_id)
    report = upload.result if upload.result is not None else upload.report
    problems = report.get("problems", [])
    return render(request, "import_report.html", {
        "upload": upload, "report": report, "problems": problems[:PROBLEMS_SHOWN],
        "more_problems": max(0, len(problems) - PROBLEMS_SHOWN) + report.get("problems_not_kept", 0),
        "file_errors": [p for p in problems if p["severity"] == "error" and p["row"] is None],
        "counts": sorted(report.get("problem_counts", {}).items()),
    })


@router.post("/imports/{upload_id}/commit")
def import_commit(request: Request, upload_id: str, quarantine: str = Form(""),
                  identity: Identity = Depends(require("registry.write")), uow: UnitOfWork = Depends(get_uow)):
    uploads.commit_upload(uow, actor=identity.actor, store=_store(request), upload_id=upload_id,
                          quarantine=quarantine == "yes", vault=request.app.state.minewatch.vault)
    return RedirectResponse(f"/imports/{upload_id}", status_code=303)


@router.post("/imports/{upload_id}/discard")
def import_discard(request: Request, upload_id: str, identity: Identity = Depends(require("registry.write"))):
    uploads.discard_upload(actor=identity.actor, store=_store(request), upload_id=upload_id)
    return RedirectResponse("/imports/new", status_code=303)


@router.get("/imports/{upload_id}/quarantine.csv")
def import_quarantine(request: Request, upload_id: str, identity: Identity = Depends(require("registry.write"))):
    upload = uploads.show_upload(actor=identity.actor, store=_store(request), upload_id=upload_id)
    if not upload.has_quarantine:
        raise NotFound("this import has no quarantined rows")
    stem = upload.file_name.rsplit(".", 1)[0]
    return FileResponse(upload.quarantine_path, media_type="text/csv",
                        filename=f"{stem}-quarantine.csv", headers={"Cache-Control": "no-store"})


def _cell(text: str | None) -> str:
    """A cell a spreadsheet will not run as a formula (values come from the uploaded file)."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/imports/{upload_id}/problems.csv")
def import_problems(request: Request, upload_id: str, identity: Identity = Depends(require("registry.write"))):
    """Every problem kept in the report, as CSV (for long reports)."""
    upload = uploads.show_upload(actor=identity.actor, store=_store(request), upload_id=upload_id)
    report = upload.result if upload.result is not None else upload.report
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["severity", "row", "column", "value", "reason", "code"])
    for p in report.get("problems", []):
        writer.writerow([p["severity"], p["row"] or "", _cell(p["column"]), _cell(p["value"]), p["reason"], p["code"]])
    stem = upload.file_name.rsplit(".", 1)[0]
    return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{stem}-problems.csv"',
                             "Cache-Control": "no-store"})
