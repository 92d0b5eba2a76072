"""Security headers on every response, long caching of versioned static files, and a limit on the
size of request bodies."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

# The largest request body read at all. Uploads have their own, smaller limit (registry/uploads.py,
# 50 MB), which the import page reports in words; past this one a request is refused unread.
MAX_REQUEST_BYTES = 64 * 1024 * 1024

# No inline scripts or styles: every script and style sheet is a file of minewatch's own.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")


def tile_source(tile_url: str | None) -> str:
    """The origin of a tile server for the CSP's ``img-src`` (``{s}`` subdomains as ``*``)."""
    if not tile_url:
        return ""
    u = urlsplit(tile_url)
    return f"{u.scheme}://{u.netloc.replace('{s}', '*')}"


class SecurityHeaders:
    """Pure ASGI middleware (no buffering of bodies). ``img_sources``: more origins for ``img-src``
    (a configured tile server)."""

    def __init__(self, app, *, img_sources: str = ""):
        self.app = app
        self.headers = list(HEADERS)
        if img_sources:
            csp = CSP.replace("img-src 'self' data: blob:", f"img-src 'self' data: blob: {img_sources}")
            self.headers[0] = (b"content-security-policy", csp.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        https = scope.get("scheme") == "https"
        static = scope["path"].startswith("/static/")
        versioned = static and b"v=" in scope.get("query_string", b"")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in dict(self.headers)]
                headers.extend(self.headers)
                if https:
                    headers.append(HSTS)
                if versioned and message["status"] == 200:
                    headers.append((b"cache-control", b"public, max-age=31536000, immutable"))
                elif not static and not any(h[0].lower() == b"cache-control" for h in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuses request bodies over ``max_bytes`` with 413 before they are read: by Content-Length, and
    for chunked bodies by counting while they stream (reading stops at the limit)."""

    def __init__(self, app, *, max_bytes: int = MAX_REQUEST_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await self._refuse(scope, send)
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope, send):
        mb = self.max_bytes // (1024 * 1024)
        message = f"the request is larger than {mb} MB: split the file"
        if scope["path"].startswith("/ogc"):
            body = json.dumps({"code": "too_large", "description": message}).encode()
        else:
            body = json.dumps({"error": {"code": "too_large", "message": message}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
