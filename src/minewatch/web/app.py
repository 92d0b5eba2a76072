"""``create_app``: the ASGI app of minewatch (FastAPI), built once from an :class:`~minewatch.bootstrap.App`."""

from __future__ import annotations

import importlib

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from minewatch.bootstrap import App, bootstrap
from minewatch.config import Settings, load_settings
from minewatch.web import errors
from minewatch.web.deps import check_csrf
from minewatch.web.security import BodyLimit, SecurityHeaders, tile_source

# Modules with a ``router`` (an APIRouter), included in this order.
ROUTERS = (
    "minewatch.web.pages.auth",
    "minewatch.web.pages.admin",
    "minewatch.web.pages.dashboard",
    "minewatch.web.pages.sites",
    "minewatch.web.pages.imports",
    "minewatch.web.pages.hazard",
    "minewatch.web.pages.labour",
    "minewatch.web.pages.cases",
    "minewatch.web.pages.pay",
    "minewatch.web.pages.water",
    "minewatch.web.pages.mercury",
    "minewatch.web.pages.grievances",
    "minewatch.web.pages.rain",
    "minewatch.web.pages.alerts",
    "minewatch.web.pages.susceptibility",
    "minewatch.web.pages.planning",
    "minewatch.web.pages.hooks",  # providers' webhooks: no login, no CSRF (they authenticate themselves)
    "minewatch.web.ogc.routes",
    "minewatch.web.api.v1",
)


def create_app(app: App | None = None, *, settings: Settings | None = None) -> FastAPI:
    """The web app for ``app`` (or for ``settings``, or the environment's settings)."""
    import minewatch

    mw = app or bootstrap(settings or load_settings())
    api = FastAPI(
        title="minewatch",
        version=minewatch.__version__,
        description="Registry of artisanal and small-scale mining sites: REST API (/api/v1) and "
                    "OGC API - Features (/ogc).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI would load scripts from a CDN: not offline, not under our CSP
        redoc_url=None,
        dependencies=[Depends(check_csrf)],
    )
    api.state.minewatch = mw
    errors.install(api)
    for name in ROUTERS:
        api.include_router(importlib.import_module(name).router)
    api.mount("/static", StaticFiles(packages=[("minewatch.web", "static")]), name="static")
    api.add_middleware(GZipMiddleware, minimum_size=800)
    api.add_middleware(BodyLimit)
    api.add_middleware(SecurityHeaders, img_sources=tile_source(mw.settings.tile_url))
    return api
