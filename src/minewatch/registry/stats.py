"""Counts of records per type, for ``db stats``."""

from __future__ import annotations

import sqlalchemy as sa

from minewatch.accounts.orm import User
from minewatch.audit.orm import AuditEvent
from minewatch.cooperatives.orm import Cooperative
from minewatch.people.orm import Assignment, Membership, Person
from minewatch.registry.orm import ImportBatch
from minewatch.sites.orm import Concession, Site, SiteVisit

COUNTED = {
    "sites": Site,
    "visits": SiteVisit,
    "people": Person,
    "cooperatives": Cooperative,
    "memberships": Membership,
    "assignments": Assignment,
    "concessions": Concession,
    "users": User,
    "import_batches": ImportBatch,
    "audit_events": AuditEvent,
}


def record_counts(uow, *, actor) -> dict[str, int]:
    s = uow.session
    return {
        name: s.scalar(sa.select(sa.func.count()).select_from(model).where(model.org_id == actor.org_id))
        for name, model in COUNTED.items()
    }
