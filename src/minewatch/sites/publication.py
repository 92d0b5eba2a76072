"""Publishing: an organisation chooses whether anonymous readers (the OGC API without a token) see
the public fields of its sites (:data:`minewatch.sites.features.SITE_PUBLIC_FIELDS`)."""

from __future__ import annotations

from dataclasses import dataclass

from minewatch.adapters.db import UnitOfWork
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import NotFound, PermissionDenied
from minewatch.sites import repository_features as repo


@dataclass(frozen=True)
class Publication:
    org_slug: str
    publishes_sites: bool
    changed: bool
    sites: int


def publish_sites(uow: UnitOfWork, *, actor, publish: bool) -> Publication:
    """Start (or with ``publish=False`` stop) publishing the organisation's sites; admins only.
    Audited when it changes; commits."""
    if not actor.may("users.manage"):
        raise PermissionDenied(f"role '{actor.role}' may not publish the organisation's sites (admins only)")
    s = uow.session
    org = repo.publishing_organisation(s, actor.org_id)
    if org is None:
        raise NotFound(f"no organisation '{actor.org_slug}'")
    before = bool(org.publishes_sites)
    changed = before != publish
    if changed:
        org.publishes_sites = publish
        log = AuditLog(s, actor, context="publish sites" + ("" if publish else " --stop"))
        log.record("published" if publish else "unpublished", "organisation", org.id,
                   before=digest({"publishes_sites": before}), after=digest({"publishes_sites": publish}))
        log.flush()
    sites = repo.published_site_count(s, org.id)
    uow.commit()
    return Publication(org.slug, publish, changed, sites)
