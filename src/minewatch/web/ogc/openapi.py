"""The OpenAPI 3.0 definition of the OGC API - Features service (``/ogc/api``, the landing page's
``service-desc``), written out rather than generated: clients such as GDAL read its paths and
parameters, and it describes exactly what :mod:`minewatch.web.ogc.routes` answers."""

from __future__ import annotations

from minewatch.sites.features import (
    COLLECTIONS,
    DEFAULT_LIMIT,
    GEOJSON,
    JSON,
    MAX_FEATURE_ID,
    MAX_LIMIT,
    MAX_OFFSET,
    OPENAPI_JSON,
    SITE_FIELDS,
    VISIT_FIELDS,
)

_STRING = {"type": "string", "nullable": True}
_BOOL = {"type": "boolean", "nullable": True}
_INT = {"type": "integer", "nullable": True}
_DATE = {"type": "string", "format": "date", "nullable": True}
_STRINGS = {"type": "array", "items": {"type": "string"}}

_PROPERTY_TYPES = {
    "code": {"type": "string"}, "site_code": {"type": "string"}, "name": _STRING, "country": _STRING,
    "admin1": _STRING, "admin2": _STRING, "locality": _STRING, "minerals": _STRINGS, "mining_method": _STRING,
    "lifecycle_status": _STRING, "legal_status": _STRING, "title_relation": _STRING,
    "latest_visit_date": _DATE, "visit_date": {"type": "string", "format": "date"}, "workers_count": _INT,
    "mercury_used": _BOOL, "cyanide_used": _BOOL, "armed_presence": _BOOL, "armed_interference": _BOOL,
    "source": _STRING, "project": _STRING, "reached": _BOOL,
    "qualification": _STRING,
}


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: dict, media: str = JSON) -> dict:
    return {"content": {media: {"schema": schema}}}


def _ok(description: str, schema: dict, media: str = JSON) -> dict:
    return {"description": description, **_json(schema, media)}


_ERRORS = {
    "400": _ref("responses", "InvalidParameter"),
    "401": _ref("responses", "NotAuthenticated"),
    "404": _ref("responses", "NotFound"),
    "500": _ref("responses", "ServerError"),
}


def _properties_schema(fields: tuple[str, ...]) -> dict:
    return {"type": "object", "properties": {f: _PROPERTY_TYPES[f] for f in fields}}


def _feature_schema(properties: dict) -> dict:
    return {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": _ref("schemas", "geometryGeoJSON"),
            "properties": properties,
            "links": {"type": "array", "items": _ref("schemas", "link")},
        },
    }


def _collection_paths(collection_id: str, fields: tuple[str, ...], temporal: bool) -> dict:
    feature = f"{collection_id}Feature"
    params = [_ref("parameters", "limit"), _ref("parameters", "offset"), _ref("parameters", "bbox"),
              _ref("parameters", "bbox-crs")]
    if temporal:
        params.append(_ref("parameters", "datetime"))
    params.append(_ref("parameters", "f"))
    return {
        f"/collections/{collection_id}/items": {"get": {
            "summary": f"The features of '{collection_id}', one page at a time",
            "operationId": f"get{collection_id.title()}Features",
            "tags": [collection_id],
            "parameters": params,
            "responses": {"200": _ok(
                "A page of features, with links to the next and previous pages",
                {"allOf": [_ref("schemas", "featureCollectionGeoJSON"),
                           {"type": "object", "properties": {
                               "features": {"type": "array", "items": _ref("schemas", feature)}}}]},
                GEOJSON), **_ERRORS},
        }},
        f"/collections/{collection_id}/items/{{featureId}}": {"get": {
            "summary": f"One feature of '{collection_id}'",
            "operationId": f"get{collection_id.title()}Feature",
            "tags": [collection_id],
            "parameters": [_ref("parameters", "featureId"), _ref("parameters", "f")],
            "responses": {"200": _ok("The feature", _ref("schemas", feature), GEOJSON), **_ERRORS},
        }},
    }


def openapi_document(root: str, version: str) -> dict:
    """The definition for the service at ``root`` (the absolute URL of ``/ogc``)."""
    link = {
        "type": "object", "required": ["href", "rel"],
        "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
                       "title": {"type": "string"}},
    }
    links = {"type": "array", "items": _ref("schemas", "link")}
    schemas = {
        "link": link,
        "exception": {"type": "object", "required": ["code"],
                      "properties": {"code": {"type": "string"}, "description": {"type": "string"}}},
        "landingPage": {"type": "object", "required": ["links"],
                        "properties": {"title": {"type": "string"}, "description": {"type": "string"},
                                       "links": links}},
        "confClasses": {"type": "object", "required": ["conformsTo"],
                        "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}}},
        "extent": {"type": "object", "properties": {
            "spatial": {"type": "object", "properties": {
                "bbox": {"type": "array", "items": {"type": "array", "minItems": 4, "maxItems": 4,
                                                    "items": {"type": "number"}}},
                "crs": {"type": "string"}}},
            "temporal": {"type": "object", "properties": {
                "interval": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2,
                                                        "items": {"type": "string", "nullable": True}}},
                "trs": {"type": "string"}}}}},
        "collection": {"type": "object", "required": ["id", "links"],
                       "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                      "description": {"type": "string"}, "links": links,
                                      "extent": _ref("schemas", "extent"), "itemType": {"type": "string"},
                                      "crs": {"type": "array", "items": {"type": "string"}}}},
        "collections": {"type": "object", "required": ["links", "collections"],
                        "properties": {"links": links,
                                       "collections": {"type": "array", "items": _ref("schemas", "collection")}}},
        "geometryGeoJSON": {"type": "object", "required": ["type", "coordinates"], "properties": {
            "type": {"type": "string", "enum": ["Point", "Polygon", "MultiPolygon"]},
            "coordinates": {"type": "array", "items": {}}}},
        "featureCollectionGeoJSON": {
            "type": "object", "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": {"type": "object"}},
                "links": links,
                "timeStamp": {"type": "string", "format": "date-time"},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
            },
        },
        # A site as anonymous readers see it is the same object with fewer properties.
        "sitesFeature": _feature_schema(_properties_schema(SITE_FIELDS)),
        "visitsFeature": _feature_schema(_properties_schema(VISIT_FIELDS)),
    }
    parameters = {
        "limit": {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
                  "description": f"How many features a page holds (default {DEFAULT_LIMIT}).",
                  "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
        "offset": {"name": "offset", "in": "query", "required": False, "style": "form", "explode": False,
                   "description": "How many matching features to skip (the next links carry it).",
                   "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}},
        "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
                 "description": "Only features whose geometry intersects the box minLon,minLat,maxLon,maxLat "
                                "(CRS84).",
                 "schema": {"type": "array", "minItems": 4, "maxItems": 4,
                            "items": {"type": "number", "minimum": -180, "maximum": 180}}},
        "bbox-crs": {"name": "bbox-crs", "in": "query", "required": False, "style": "form", "explode": False,
                     "description": "The box's CRS: only CRS84 is offered.",
                     "schema": {"type": "string", "format": "uri",
                                "enum": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]}},
        "datetime": {"name": "datetime", "in": "query", "required": False, "style": "form", "explode": False,
                     "description": "Visits of a day (RFC 3339 date or date-time) or of an interval "
                                    "start/end, with '..' for an open end.",
                     "schema": {"type": "string"}},
        "f": {"name": "f", "in": "query", "required": False, "style": "form", "explode": False,
              "description": "The format: JSON only.", "schema": {"type": "string", "enum": ["json"]}},
        "collectionId": {"name": "collectionId", "in": "path", "required": True,
                         "schema": {"type": "string", "enum": [c.id for c in COLLECTIONS]}},
        "featureId": {"name": "featureId", "in": "path", "required": True,
                      "schema": {"type": "integer", "minimum": 1, "maximum": MAX_FEATURE_ID}},
    }
    exception = _json(_ref("schemas", "exception"))
    responses = {
        "InvalidParameter": {"description": "A query parameter is invalid", **exception},
        "NotAuthenticated": {"description": "The API token is unknown or revoked", **exception},
        "NotFound": {"description": "No such collection or feature (for this reader)", **exception},
        "ServerError": {"description": "An unexpected error (logged)", **exception},
    }
    paths = {
        "/": {"get": {"summary": "Landing page", "operationId": "getLandingPage", "tags": ["Capabilities"],
                      "parameters": [_ref("parameters", "f")],
                      "responses": {"200": _ok("Links to the API definition, conformance and collections",
                                               _ref("schemas", "landingPage")), "500": _ERRORS["500"]}}},
        "/api": {"get": {"summary": "This API definition", "operationId": "getApi", "tags": ["Capabilities"],
                         "parameters": [_ref("parameters", "f")],
                         "responses": {"200": _ok("OpenAPI 3.0 document", {"type": "object"}, OPENAPI_JSON),
                                       "500": _ERRORS["500"]}}},
        "/conformance": {"get": {"summary": "Conformance classes", "operationId": "getConformance",
                                 "tags": ["Capabilities"], "parameters": [_ref("parameters", "f")],
                                 "responses": {"200": _ok("The conformance classes",
                                                          _ref("schemas", "confClasses")), "500": _ERRORS["500"]}}},
        "/collections": {"get": {"summary": "Collections", "operationId": "getCollections",
                                 "tags": ["Capabilities"], "parameters": [_ref("parameters", "f")],
                                 "responses": {"200": _ok("The collections this reader may see",
                                                          _ref("schemas", "collections")), **_ERRORS}}},
        "/collections/{collectionId}": {"get": {
            "summary": "One collection", "operationId": "describeCollection", "tags": ["Capabilities"],
            "parameters": [_ref("parameters", "collectionId"), _ref("parameters", "f")],
            "responses": {"200": _ok("The collection", _ref("schemas", "collection")), **_ERRORS}}},
    }
    for c in COLLECTIONS:
        paths.update(_collection_paths(c.id, SITE_FIELDS if c.id == "sites" else VISIT_FIELDS, c.temporal))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "minewatch OGC API - Features",
            "version": version,
            "description": "Mining sites and field visits. Anonymous readers see the public fields of the sites "
                           "of organisations that publish them; an API token (Authorization: Bearer TOKEN) "
                           "shows the reader's organisation: its sites and visits.",
            "license": {"name": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": root}],
        "security": [{}, {"bearerAuth": []}],
        "tags": [{"name": "Capabilities"}, *({"name": c.id, "description": c.title} for c in COLLECTIONS)],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "parameters": parameters,
            "schemas": schemas,
            "responses": responses,
        },
    }
