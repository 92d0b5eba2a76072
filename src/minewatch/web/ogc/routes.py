"""OGC API - Features (Part 1: Core, GeoJSON, OpenAPI 3.0) under ``/ogc``, JSON only.

Anyone may read: without a token, the public fields of the sites of organisations that publish them
(``minewatch publish sites``); with ``Authorization: Bearer TOKEN`` (or a session), the reader's
organisation's sites and visits. What each reader sees is decided in :mod:`minewatch.sites.features`
and the queries are scoped in :mod:`minewatch.sites.repository_features`; these routes parse, call
one service and write JSON. Errors take OGC's exception shape (``{"code", "description"}``, see
:mod:`minewatch.web.errors`); an invalid query parameter is 400.

Left out of the REST API's OpenAPI document: this service has its own, ``/ogc/api``.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork, utcnow
from minewatch.sites import features as ogc
from minewatch.sites.features import GEOJSON, JSON, OPENAPI_JSON, OgcBadRequest
from minewatch.sites.service_features import describe_collection, find_features, get_feature, list_collections
from minewatch.web.deps import get_identity, get_uow
from minewatch.web.ogc.openapi import openapi_document

router = APIRouter(prefix="/ogc", include_in_schema=False)


def _json(document: dict, media_type: str = JSON) -> Response:
    return Response(orjson.dumps(document), media_type=media_type)


def _root(request: Request) -> str:
    """The absolute URL of ``/ogc`` as the client reached it (links are absolute)."""
    return str(request.base_url).rstrip("/") + "/ogc"


def _check_format(request: Request) -> None:
    f = request.query_params.get("f")
    if f is not None and f.strip().lower() != "json":
        raise OgcBadRequest(f"f {f!r}: this service answers JSON only (f=json)")


def _actor(identity: Identity | None):
    return None if identity is None else identity.actor


def _collection(request: Request, extent) -> dict:
    return ogc.collection_document(_root(request), extent.collection, bbox=extent.bbox, interval=extent.interval)


@router.get("")
def landing(request: Request):
    _check_format(request)
    return _json(ogc.landing_page(_root(request)))


@router.get("/api")
def api_definition(request: Request):
    import minewatch

    _check_format(request)
    return _json(openapi_document(_root(request), minewatch.__version__), OPENAPI_JSON)


@router.get("/conformance")
def conformance(request: Request):
    _check_format(request)
    return _json(ogc.conformance())


@router.get("/collections")
def collections(request: Request, identity: Identity | None = Depends(get_identity),
                uow: UnitOfWork = Depends(get_uow)):
    _check_format(request)
    extents = list_collections(uow, actor=_actor(identity))
    return _json(ogc.collections_document(_root(request), [_collection(request, e) for e in extents]))


@router.get("/collections/{collection_id}")
def collection(request: Request, collection_id: str, identity: Identity | None = Depends(get_identity),
               uow: UnitOfWork = Depends(get_uow)):
    _check_format(request)
    return _json(_collection(request, describe_collection(uow, actor=_actor(identity), collection_id=collection_id)))


@router.get("/collections/{collection_id}/items")
def items(request: Request, collection_id: str, identity: Identity | None = Depends(get_identity),
          uow: UnitOfWork = Depends(get_uow)):
    _check_format(request)
    actor = _actor(identity)
    kind = ogc.collection_for(collection_id, authenticated=actor is not None)
    query = ogc.parse_items_query(request.query_params, kind)
    page = find_features(uow, actor=actor, collection_id=kind.id, query=query)
    url = f"{_root(request)}/collections/{kind.id}"
    return _json(ogc.feature_collection(f"{url}/items", query, page.features, matched=page.matched, now=utcnow(),
                                        collection_url=url), GEOJSON)


@router.get("/collections/{collection_id}/items/{feature_id}")
def item(request: Request, collection_id: str, feature_id: str, identity: Identity | None = Depends(get_identity),
         uow: UnitOfWork = Depends(get_uow)):
    _check_format(request)
    fid = ogc.feature_id(feature_id)
    feature = get_feature(uow, actor=_actor(identity), collection_id=collection_id, feature_id=fid)
    url = f"{_root(request)}/collections/{collection_id}"
    return _json(ogc.feature_document(feature, url=f"{url}/items/{fid}", collection_url=url), GEOJSON)
