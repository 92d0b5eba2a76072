"""Use cases of the OGC API - Features collections: list and describe them, page through their
features, fetch one. ``actor`` is None for an anonymous reader, who sees the public fields of the
sites of organisations that publish them (see :mod:`minewatch.sites.features`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from minewatch.adapters.db import UnitOfWork
from minewatch.errors import PermissionDenied
from minewatch.sites import repository_features as repo
from minewatch.sites.features import (
    BBox,
    Collection,
    FeatureNotFound,
    ItemsQuery,
    collection_for,
    site_feature,
    visible_collections,
    visit_feature,
)


@dataclass(frozen=True)
class CollectionExtent:
    collection: Collection
    bbox: BBox | None
    interval: tuple[dt.date | None, dt.date | None] | None = None


@dataclass(frozen=True)
class FeaturePage:
    features: list[dict]
    matched: int


def _reader(actor):
    if actor is not None and not actor.may("registry.read"):
        raise PermissionDenied(f"role '{actor.role}' may not read the registry")
    return actor


def _extents(uow: UnitOfWork, actor, collections) -> list[CollectionExtent]:
    """Each collection's extent: the box around the sites the reader sees (visits lie at their sites),
    and for visits the first and last dates."""
    bbox = repo.site_extent(uow.session, actor)
    return [CollectionExtent(c, bbox, repo.visit_interval(uow.session, actor) if c.temporal else None)
            for c in collections]


def list_collections(uow: UnitOfWork, *, actor) -> list[CollectionExtent]:
    """The collections the reader may see, with the extent of what they see in each."""
    actor = _reader(actor)
    return _extents(uow, actor, visible_collections(authenticated=actor is not None))


def describe_collection(uow: UnitOfWork, *, actor, collection_id: str) -> CollectionExtent:
    actor = _reader(actor)
    return _extents(uow, actor, [collection_for(collection_id, authenticated=actor is not None)])[0]


def find_features(uow: UnitOfWork, *, actor, collection_id: str, query: ItemsQuery) -> FeaturePage:
    """One page of the collection's features matching ``query`` and how many match in all."""
    actor = _reader(actor)
    collection = collection_for(collection_id, authenticated=actor is not None)
    s = uow.session
    if collection.id == "sites":
        public = actor is None
        rows, minerals, matched = repo.site_page(s, actor, bbox=query.bbox, limit=query.limit,
                                                 offset=query.offset, public=public)
        return FeaturePage([site_feature(r, minerals.get(r["id"], ()), public=public) for r in rows], matched)
    rows, matched = repo.visit_page(s, actor, bbox=query.bbox, dates=query.dates, limit=query.limit,
                                    offset=query.offset)
    return FeaturePage([visit_feature(r) for r in rows], matched)


def get_feature(uow: UnitOfWork, *, actor, collection_id: str, feature_id: int) -> dict:
    """One feature the reader may see, or FeatureNotFound (also for another organisation's)."""
    actor = _reader(actor)
    collection = collection_for(collection_id, authenticated=actor is not None)
    if collection.id == "sites":
        found = repo.site_by_id(uow.session, actor, feature_id, public=actor is None)
        if found is not None:
            return site_feature(found[0], found[1], public=actor is None)
    else:
        row = repo.visit_by_id(uow.session, actor, feature_id)
        if row is not None:
            return visit_feature(row)
    raise FeatureNotFound(f"no feature {feature_id} in collection {collection.id!r}")
