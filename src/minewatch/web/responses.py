"""JSON documents for the map layers: revalidated with an ETag, so an unchanged layer costs a 304."""

from __future__ import annotations

import hashlib

import orjson
from fastapi import Request, Response


def etag_json(request: Request, data) -> Response:
    """JSON with an ETag: an unchanged document is answered 304 with no body (revalidated each time)."""
    body = orjson.dumps(data)
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Cookie, Authorization"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
