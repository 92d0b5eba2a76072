"""The dashboard: a map of the organisation's sites coloured by an indicator, with counts and a table.

The page itself is light HTML; the map (Leaflet, served by minewatch) draws every site as one canvas
layer from one compact JSON document (:func:`map_sites`: column names and rows, not one feature per
site), the concessions, if any, from one simplified GeoJSON, and the latest landslide assessment's site
levels (:func:`minewatch.web.pages.hazard.map_hazard`) as rings around the sites, and the latest erosion
run's soil-loss levels (:func:`minewatch.web.pages.hazard.map_erosion`). Choosing the indicator is a GET
form, so the counts and the table work without JavaScript.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, Request

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import InvalidInput
from minewatch.hazards.service import erosion_overview, hazard_overview
from minewatch.sites import service
from minewatch.sites.repository import MAP_COLUMNS
from minewatch.sites.service import dashboard_summary
from minewatch.sites.model import INDICATORS, WORKER_CLASSES
from minewatch.web.deps import get_uow, require
from minewatch.web.responses import etag_json
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

DEFAULT_INDICATOR = "mercury_used"
TOP_SITES = 15
TOP_HAZARD_SITES = 10
# Classes of each indicator, in legend order (see sites.model.indicator_class); "none": never visited.
CLASSES = {
    "workers_count": ("w3", "w2", "w1", "w0", "unknown", "none"),
    **{name: ("yes", "no", "unknown", "none") for name in INDICATORS if name != "workers_count"},
}
_COORD_DECIMALS = 5  # about 1 m
_TITLE_TOLERANCE_DEG = 0.001  # about 100 m: outlines for a regional map, not a cadastre
_TITLE_DECIMALS = 4


@router.get("/")
def dashboard(request: Request, indicator: str = DEFAULT_INDICATOR,
              identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    indicator = indicator.strip() or DEFAULT_INDICATOR
    if indicator not in INDICATORS:
        raise InvalidInput(f"indicator {indicator!r} is not one of: {', '.join(INDICATORS)}")
    settings = request.app.state.minewatch.settings
    return render(request, "dashboard.html", {
        **dashboard_summary(uow, actor=identity.actor, indicator=indicator, classes=CLASSES[indicator],
                            top_n=TOP_SITES),
        "hazard": hazard_overview(uow, actor=identity.actor, top_n=TOP_HAZARD_SITES),
        "erosion": erosion_overview(uow, actor=identity.actor),
        "indicator": indicator, "indicators": INDICATORS,
        "worker_classes": ",".join(str(b) for b in WORKER_CLASSES),
        "tile_url": settings.tile_url, "tile_attribution": settings.tile_attribution,
    })


@router.get("/map/sites.json")
def map_sites(request: Request, identity: Identity = Depends(require("registry.read")),
              uow: UnitOfWork = Depends(get_uow)):
    """Every site of the organisation for the map: ``{"columns": [...], "rows": [[...], ...]}``.

    Coordinates are rounded to 5 decimals (about 1 m); yes/no indicators are 1, 0 or null.
    """
    rows = []
    points = service.map_points(uow, actor=identity.actor)
    for code, name, lat, lon, visited, mercury, children, armed, workers in points:
        rows.append([code, name, round(lat, _COORD_DECIMALS), round(lon, _COORD_DECIMALS),
                     visited.isoformat() if visited else None, _bit(mercury), _bit(children), _bit(armed), workers])
    return etag_json(request, {"columns": list(MAP_COLUMNS), "rows": rows})


def _bit(value: bool | None) -> int | None:
    return None if value is None else int(value)


@router.get("/map/titles.json")
def map_titles(request: Request, identity: Identity = Depends(require("registry.read")),
               uow: UnitOfWork = Depends(get_uow)):
    """The organisation's concessions as simplified GeoJSON (outlines for the map, about 100 m)."""
    import numpy as np
    import shapely

    features = []
    for row in service.title_outlines(uow, actor=identity.actor):
        geom = shapely.simplify(shapely.from_wkb(row.geom_wkb), _TITLE_TOLERANCE_DEG, preserve_topology=True)
        geom = shapely.transform(geom, lambda xy: np.round(xy, _TITLE_DECIMALS))
        if geom.is_empty:
            continue
        features.append({"type": "Feature", "geometry": orjson.loads(shapely.to_geojson(geom)),
                         "properties": {"t": row.title_number, "k": row.title_type, "z": int(row.is_artisanal_zone)}})
    return etag_json(request, {"type": "FeatureCollection", "features": features})
