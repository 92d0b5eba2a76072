"""Publishing: an organisation chooses what anonymous readers see, each choice apart: the public fields
of its sites through the OGC API without a token (:data:`minewatch.sites.features.SITE_PUBLIC_FIELDS`),
and its grievance statistics at /public/SLUG/grievances (suppressed, no text, no identity)."""

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
    published: bool
    changed: bool
    sites: int


def publish_sites(uow: UnitOfWork, *, actor, publish: bool) -> Publication:
    """Start (or with ``publish=False`` stop) publishing the organisation's sites; admins only.
    Audited when it changes; commits."""
    return _set(uow, actor, "publishes_sites", "sites", publish)


def publish_grievances(uow: UnitOfWork, *, actor, publish: bool) -> Publication:
    """Start (or stop) publishing the organisation's grievance statistics; admins only. Audited when it
    changes; commits."""
    return _set(uow, actor, "publishes_grievances", "grievances", publish)


def _set(uow: UnitOfWork, actor, flag: str, what: str, publish: bool) -> Publication:
    if not actor.may("users.manage"):
        raise PermissionDenied(f"role '{actor.role}' may not publish the organisation's {what} (admins only)")
    s = uow.session
    org = repo.publishing_organisation(s, actor.org_id)
    if org is None:
        raise NotFound(f"no organisation '{actor.org_slug}'")
    before = bool(getattr(org, flag))
    changed = before != publish
    if changed:
        setattr(org, flag, publish)
        log = AuditLog(s, actor, context=f"publish {what}" + ("" if publish else " --stop"))
        log.record("published" if publish else "unpublished", "organisation", org.id,
                   before=digest({flag: before}), after=digest({flag: publish}))
        log.flush()
    sites = repo.published_site_count(s, org.id)
    uow.commit()
    return Publication(org.slug, publish, changed, sites)
