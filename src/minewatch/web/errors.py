"""Errors as responses, in one place: the error tree's ``http_status`` and ``code`` become

* ``/api/...``: ``{"error": {"code": ..., "message": ..., "details": [...]}}`` (one JSON shape);
* ``/ogc/...``: OGC API's exception ``{"code": ..., "description": ...}``;
* pages: an HTML page in the user's language; "not logged in" redirects to the login form.

Unexpected exceptions are logged with their traceback (no request body, no cookies) and answered
500 with the same shapes.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from minewatch.errors import MinewatchError, NotAuthenticated, TooManyAttempts

log = logging.getLogger("minewatch.web")

_STATUS_CODES = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
                 405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
                 415: "unsupported_media_type", 422: "invalid_input", 429: "too_many_attempts",
                 500: "internal_error"}


def _kind(request: Request) -> str:
    path = request.url.path
    if path == "/api" or path.startswith("/api/"):
        return "api"
    if path == "/ogc" or path.startswith("/ogc/"):
        return "ogc"
    return "page"


def error_response(request: Request, status: int, code: str, message: str, details: list | None = None,
                   headers: dict | None = None) -> Response:
    kind = _kind(request)
    if kind == "api":
        body = {"error": {"code": code, "message": message}}
        if details:
            body["error"]["details"] = details
        return JSONResponse(body, status_code=status, headers=headers)
    if kind == "ogc":
        return JSONResponse({"code": code, "description": message}, status_code=status, headers=headers)
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    from minewatch.web.templating import render

    return render(request, "error.html", {"status": status, "code": code, "message": message,
                                          "details": details or []}, status_code=status, headers=headers)


def _problem(e: dict) -> dict:
    """A pydantic error in the API's problem shape. The value is echoed only for query and path
    parameters: a body may hold a phone number or a name."""
    loc = [str(p) for p in e.get("loc", ())]
    where = loc[0] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else None
    value = e.get("input") if where in ("query", "path") and isinstance(e.get("input"), (str, int, float)) else None
    return {"field": ".".join(loc[1:] if where else loc) or None, "value": value, "code": e.get("type", "invalid"),
            "message": e.get("msg", ""), "location": ".".join(loc)}


def install(app: FastAPI) -> None:
    @app.exception_handler(MinewatchError)
    async def minewatch_error(request: Request, exc: MinewatchError):
        headers = None
        if isinstance(exc, TooManyAttempts):
            headers = {"Retry-After": str(exc.retry_after_s)}
        elif isinstance(exc, NotAuthenticated) and _kind(request) != "page":
            headers = {"WWW-Authenticate": 'Bearer realm="minewatch"'}
        details = None
        report = getattr(exc, "report", None)
        if report is not None:
            details = [p.as_dict() for p in report.problems[:1000]]
        if exc.http_status >= 500:
            log.error("%s on %s %s: %s", exc.code, request.method, request.url.path, exc.message)
        return error_response(request, exc.http_status, exc.code, exc.message, details, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        details = [_problem(e) for e in exc.errors()]
        message = "; ".join(f"{d['field'] or d['location']}: {d['message']}" for d in details[:5]) or "invalid request"
        return error_response(request, 422, "invalid_input", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(request, exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal_error", "an unexpected error happened; it was logged")
