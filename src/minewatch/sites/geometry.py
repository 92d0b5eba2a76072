"""Site and concession geometry as read from import files: WKT or GeoJSON, checked to be WGS84.

The stored columns (WKB + bounding box) come from :func:`minewatch.sites.model.geometry_columns`
(concessions) and :func:`~minewatch.sites.model.site_geometry_columns` (sites).
"""

from __future__ import annotations

import json

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from minewatch.kit.findings import ParseProblem


def point(lat: float, lon: float) -> Point:
    return Point(lon, lat)


def from_text(text: str) -> BaseGeometry:
    """A geometry from WKT or GeoJSON text."""
    t = text.strip()
    try:
        geom = shape(json.loads(t)) if t.startswith("{") else shapely.from_wkt(t)
    except (ValueError, shapely.errors.GEOSException, KeyError, TypeError, AttributeError) as exc:
        raise ParseProblem("geometry_unreadable", f"not a WKT or GeoJSON geometry ({exc})") from exc
    return geom


def from_geojson(obj: dict) -> BaseGeometry:
    try:
        return shape(obj)
    except (ValueError, KeyError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        raise ParseProblem("geometry_unreadable", f"not a GeoJSON geometry ({exc})") from exc


def check_wgs84(geom: BaseGeometry) -> None:
    if geom.is_empty:
        raise ParseProblem("geometry_empty", "the geometry is empty")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ParseProblem("geometry_not_wgs84",
                           "coordinates are outside longitude -180..180 / latitude -90..90: is it in WGS84 (EPSG:4326)?")


def representative_latlon(geom: BaseGeometry) -> tuple[float, float]:
    p = geom if geom.geom_type == "Point" else geom.representative_point()
    return p.y, p.x
