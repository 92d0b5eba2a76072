"""Pure rules of the OGC API - Features collections: which collections exist, which fields each
reader sees, the items query (``bbox``, ``datetime``, ``limit``, ``offset``) and the GeoJSON built
from repository rows. No I/O here (rows in, plain dicts out); :mod:`minewatch.sites.repository_features`
queries, :mod:`minewatch.web.ogc.routes` serves.

Need-to-know, decided here and nowhere else:

* ``sites`` for a reader of the organisation: the fields of :data:`SITE_FIELDS` (the site's
  description and the indicators of its latest visit); for anonymous readers only
  :data:`SITE_PUBLIC_FIELDS`, and only sites of organisations that publish them.
* ``visits``: readers of the organisation only, the fields of :data:`VISIT_FIELDS`.
* Nothing about people, children or women, and no raw import record, ever: :func:`check_field_names`
  refuses such a name, and every field list below is checked when this module is imported.

Coordinates are CRS84 (longitude, latitude, WGS84); a bbox is ``(min_lon, min_lat, max_lon, max_lat)``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from minewatch.errors import InvalidInput, NotFound

BBox = tuple[float, float, float, float]
DateRange = tuple[dt.date | None, dt.date | None]

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
)

SITE_PUBLIC_FIELDS = ("code", "name", "country", "admin1", "minerals", "mining_method", "lifecycle_status")
"""What anonymous readers see of a site of an organisation that publishes its sites."""

SITE_FIELDS = (
    "code", "name", "country", "admin1", "admin2", "locality", "minerals", "mining_method", "lifecycle_status",
    "legal_status", "title_relation",
    # The derived indicators of the site's latest visit (site_indicators), never children_seen.
    "latest_visit_date", "workers_count", "mercury_used", "armed_interference",
)
"""What readers of the organisation see of its sites."""

VISIT_FIELDS = (
    "site_code", "visit_date", "source", "project", "reached", "workers_count", "mercury_used", "cyanide_used",
    "armed_presence", "armed_interference", "minerals", "qualification",
)
"""What readers of the organisation see of a field visit (its point is the site's point)."""

_SENSITIVE_PARTS = ("child", "women", "woman", "person", "people", "raw", "team", "phone", "email", "holder")


class OgcBadRequest(InvalidInput):
    """A query parameter of an OGC API request is invalid (OGC API - Features wants HTTP 400)."""

    code = "invalid_parameter"
    http_status = 400


class CollectionNotFound(NotFound):
    code = "collection_not_found"


class FeatureNotFound(NotFound):
    code = "feature_not_found"


def check_field_names(names: Iterable[str]) -> tuple[str, ...]:
    """The names, unless one of them is about people, children, women or raw records (then ValueError)."""
    names = tuple(names)
    bad = [n for n in names if any(part in n.lower() for part in _SENSITIVE_PARTS)]
    if bad:
        raise ValueError(f"sensitive field(s) {bad} must never be served by the OGC API")
    return names


check_field_names((*SITE_PUBLIC_FIELDS, *SITE_FIELDS, *VISIT_FIELDS))


# --- Collections ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Collection:
    id: str
    title: str
    description: str
    public: bool  # anonymous readers may see it (their own view of it)
    temporal: bool  # has a time (``datetime`` filters it)


COLLECTIONS = (
    Collection("sites", "Mining sites",
               "Artisanal and small-scale mining sites: a point (or the site's polygon), the minerals, "
               "the method and status, and the indicators of the latest field visit. Anonymous readers see "
               "only the public fields of the sites of organisations that publish them.", True, False),
    Collection("visits", "Field visits",
               "Field visits to the sites (at the site's point): date, source, whether the site was reached, "
               "workers, mercury and cyanide use, armed presence and interference, minerals. Readers of "
               "the organisation only; filter by date with datetime.", False, True),
)


def visible_collections(*, authenticated: bool) -> tuple[Collection, ...]:
    return tuple(c for c in COLLECTIONS if authenticated or c.public)


def collection_for(collection_id: str, *, authenticated: bool) -> Collection:
    """The collection, or CollectionNotFound (also for a collection this reader may not see)."""
    for c in visible_collections(authenticated=authenticated):
        if c.id == collection_id:
            return c
    raise CollectionNotFound(f"no collection {collection_id!r}")


MAX_FEATURE_ID = 2**31 - 1
"""Ids are the records' INTEGER keys (32-bit on PostgreSQL): a larger number is no feature."""


def feature_id(text: str) -> int:
    """A feature id from the URL (a whole number from 1 to :data:`MAX_FEATURE_ID`), or FeatureNotFound."""
    if not text.isascii() or not text.isdigit() or len(text) > 10 or not 1 <= int(text) <= MAX_FEATURE_ID:
        raise FeatureNotFound(f"no feature {text[:40]!r}")
    return int(text)


# --- The items query --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemsQuery:
    """What ``/collections/{id}/items`` asks: the box (CRS84), the dates (inclusive; None is open),
    one page, and the parameters as given, for the links to the next and previous pages."""

    bbox: BBox | None = None
    dates: DateRange | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    echo: tuple[tuple[str, str], ...] = ()


def parse_items_query(params: Mapping[str, str], collection: Collection) -> ItemsQuery:
    """Read ``bbox``, ``bbox-crs``, ``datetime``, ``limit`` and ``offset``; every problem in one OgcBadRequest.

    Other parameters are ignored (OGC API - Features lets servers accept more than they use).
    """
    problems: list[str] = []
    bbox = _bbox(params.get("bbox"), problems)
    crs = params.get("bbox-crs")
    if crs is not None and crs.strip() not in (CRS84, ""):
        problems.append(f"bbox-crs {crs!r} is not offered; bbox is in {CRS84} (longitude, latitude)")
    dates = None
    if params.get("datetime") is not None:
        if collection.temporal:
            dates = parse_datetime(params["datetime"], problems)
        else:
            problems.append(f"datetime: the {collection.id} collection has no time to filter "
                            "(the visits collection has)")
    limit = _whole("limit", params.get("limit"), problems, minimum=1, maximum=MAX_LIMIT, default=DEFAULT_LIMIT)
    offset = _whole("offset", params.get("offset"), problems, minimum=0, maximum=MAX_OFFSET, default=0)
    if problems:
        raise OgcBadRequest("; ".join(problems))
    echo = tuple((k, params[k].strip()) for k in ("bbox", "bbox-crs", "datetime") if params.get(k))
    return ItemsQuery(bbox=bbox, dates=dates, limit=limit, offset=offset, echo=echo)


def _whole(name: str, text: str | None, problems: list[str], *, minimum: int, maximum: int, default: int) -> int:
    if text is None:
        return default
    value = text.strip()
    if not (value.isascii() and value.lstrip("+").isdigit()) or not minimum <= int(value) <= maximum:
        problems.append(f"{name} {text!r} must be a whole number from {minimum} to {maximum:,}")
        return default
    return int(value)


def _bbox(text: str | None, problems: list[str]) -> BBox | None:
    """``minLon,minLat,maxLon,maxLat`` in CRS84; edges may touch (a box of zero width is a line)."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(parts) == 6 and len(values) == 6:
        problems.append(f"bbox {text!r}: a 3D box (6 numbers) is not offered; give minLon,minLat,maxLon,maxLat")
        return None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        problems.append(f"bbox {text!r} must be four numbers: minLon,minLat,maxLon,maxLat (CRS84)")
        return None
    min_lon, min_lat, max_lon, max_lat = values
    found = []
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        found.append("longitudes must be from -180 to 180")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        found.append("latitudes must be from -90 to 90 (the order is minLon,minLat,maxLon,maxLat)")
    if not found and min_lat > max_lat:
        found.append("minLat is greater than maxLat")
    if not found and min_lon > max_lon:
        found.append("minLon is greater than maxLon: a box across the antimeridian is not supported; "
                     "ask for the two boxes either side of 180°")
    if found:
        problems.append(f"bbox {text!r}: " + "; ".join(found))
        return None
    return min_lon, min_lat, max_lon, max_lat


def parse_datetime(text: str, problems: list[str]) -> DateRange | None:
    """An RFC 3339 instant or interval (``start/end``, ``..`` or empty for an open end) as inclusive dates.

    Visits happen on a date (a whole day, UTC): an instant selects the visits of its day, an
    interval the visits of the days it touches.

    >>> parse_datetime("2018-02-12T23:20:50Z", [])
    (datetime.date(2018, 2, 12), datetime.date(2018, 2, 12))
    >>> parse_datetime("2019-01-01/..", [])
    (datetime.date(2019, 1, 1), None)
    """
    value = text.strip()
    if "/" in value:
        start_text, _, end_text = value.partition("/")
        start = _instant(start_text, problems, open_ok=True)
        end = _instant(end_text, problems, open_ok=True)
        if start is False or end is False:
            return None
        if start is not None and end is not None and start > end:
            problems.append(f"datetime {text!r}: the interval ends before it starts")
            return None
        return (start, end)
    day = _instant(value, problems, open_ok=False)
    return None if day is False else (day, day)


def _instant(text: str, problems: list[str], *, open_ok: bool):
    """The UTC date of an RFC 3339 date or date-time; None for an open end; False (and a problem) if invalid."""
    value = text.strip()
    if value in ("", "..") and open_ok:
        return None
    # GDAL writes a date as "2020-01-02T" (no time).
    candidate = value[:-1] if value.endswith(("T", "t")) and len(value) == 11 else value
    try:
        if len(candidate) == 10:
            return dt.date.fromisoformat(candidate)
        moment = dt.datetime.fromisoformat(candidate.replace("z", "Z"))
    except ValueError:
        problems.append(f"datetime {text!r} is not an RFC 3339 date or date-time (e.g. 2020-01-31 or "
                        "2020-01-31T00:00:00Z), nor an interval of two (start/end, with .. for an open end)")
        return False
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(dt.timezone.utc)
        except OverflowError:
            problems.append(f"datetime {text!r} is out of range (years 1 to 9999, UTC)")
            return False
    return moment.date()


# --- GeoJSON ----------------------------------------------------------------------------------------


def point_geometry(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def site_geometry(row: Mapping) -> dict:
    """A point site's point, or the polygon from its WKB (``geom_wkb`` is read only for polygons)."""
    wkb = row.get("geom_wkb")
    if row.get("geometry_type") in (None, "Point") or not wkb:
        lon = row["min_lon"] if row.get("min_lon") is not None else row["longitude"]
        lat = row["min_lat"] if row.get("min_lat") is not None else row["latitude"]
        return point_geometry(lon, lat)
    import shapely

    return shapely.geometry.mapping(shapely.from_wkb(bytes(wkb)))


_DATE_FIELDS = frozenset({"latest_visit_date", "visit_date"})


def _properties(values: Mapping, fields: tuple[str, ...]) -> dict:
    props = {name: values.get(name) for name in fields}
    for name in _DATE_FIELDS.intersection(props):
        if props[name] is not None:
            props[name] = props[name].isoformat()
    return props


def site_feature(row: Mapping, minerals: Iterable[str], *, public: bool) -> dict:
    """A site as a GeoJSON feature with the fields of :data:`SITE_PUBLIC_FIELDS` or :data:`SITE_FIELDS`."""
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": site_geometry(row),
        "properties": _properties({**row, "minerals": list(minerals)}, SITE_PUBLIC_FIELDS if public else SITE_FIELDS),
    }


def visit_feature(row: Mapping) -> dict:
    """A visit as a GeoJSON feature at its site's point, with the fields of :data:`VISIT_FIELDS`."""
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": point_geometry(row["longitude"], row["latitude"]),
        "properties": _properties(row, VISIT_FIELDS),
    }


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- Documents and links ----------------------------------------------------------------------------

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"


def link(href: str, rel: str, type_: str = JSON, title: str | None = None) -> dict:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def landing_page(root: str) -> dict:
    """``/ogc``: what this service is and where its parts are (``root`` is the absolute URL of /ogc)."""
    return {
        "title": "minewatch: OGC API - Features",
        "description": "Artisanal and small-scale mining sites and field visits (OGC API - Features, Part 1: "
                       "Core, GeoJSON, OpenAPI 3.0). Send an API token as 'Authorization: Bearer TOKEN' "
                       "to see your organisation's data.",
        "links": [
            link(root, "self", JSON, "This document"),
            link(f"{root}/api", "service-desc", OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
            link(f"{root}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{root}/collections", "data", JSON, "Collections"),
        ],
    }


def conformance() -> dict:
    return {"conformsTo": list(CONFORMANCE)}


def collection_document(root: str, collection: Collection, *, bbox: BBox | None,
                        interval: tuple[dt.date | None, dt.date | None] | None = None) -> dict:
    """One collection's description; ``bbox`` and ``interval`` are the extent of what the reader sees."""
    href = f"{root}/collections/{quote(collection.id)}"
    extent: dict = {"spatial": {"bbox": [list(bbox) if bbox else [-180.0, -90.0, 180.0, 90.0]], "crs": CRS84}}
    if collection.temporal:
        start, end = interval or (None, None)
        extent["temporal"] = {"interval": [[None if start is None else f"{start.isoformat()}T00:00:00Z",
                                            None if end is None else f"{end.isoformat()}T23:59:59Z"]],
                              "trs": GREGORIAN}
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [
            link(href, "self", JSON, collection.title),
            link(f"{href}/items", "items", GEOJSON, f"{collection.title} (GeoJSON)"),
        ],
    }


def collections_document(root: str, documents: list[dict]) -> dict:
    return {"links": [link(f"{root}/collections", "self", JSON, "Collections")], "collections": documents}


def feature_collection(url: str, query: ItemsQuery, features: list[dict], *, matched: int,
                       now: dt.datetime, collection_url: str) -> dict:
    """A page of features with ``numberMatched``, ``numberReturned``, ``timeStamp`` and the links to
    this page, the next and the previous ones (the query's own parameters, another offset)."""

    def page(offset: int) -> str:
        params = [*query.echo, ("limit", str(query.limit))]
        if offset:
            params.append(("offset", str(offset)))
        return f"{url}?{urlencode(params, safe=',/:')}"

    links = [link(page(query.offset), "self", GEOJSON, "This page"),
             link(collection_url, "collection", JSON, "The collection")]
    if query.offset + len(features) < matched:
        links.append(link(page(query.offset + query.limit), "next", GEOJSON, "Next page"))
    if query.offset > 0:
        links.append(link(page(max(0, query.offset - query.limit)), "prev", GEOJSON, "Previous page"))
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": rfc3339(now),
        "links": links,
    }


def feature_document(feature: dict, *, url: str, collection_url: str) -> dict:
    return {**feature, "links": [link(url, "self", GEOJSON, "This feature"),
                                 link(collection_url, "collection", JSON, "The collection")]}
