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


def latest_visit_indicators(uow, *, actor) -> dict[str, dict[str, int]]:
    """For each indicator, how many sites' latest visit said yes / no / unknown."""
    s = uow.session
    ranked = (
        sa.select(
            SiteVisit.site_id,
            SiteVisit.children_under15_present,
            SiteVisit.mercury_used,
            SiteVisit.armed_interference,
            SiteVisit.women_present,
            sa.func.row_number().over(
                partition_by=SiteVisit.site_id, order_by=(SiteVisit.visit_date.desc(), SiteVisit.id.desc())
            ).label("rank"),
        )
        .where(SiteVisit.org_id == actor.org_id)
        .subquery()
    )
    out: dict[str, dict[str, int]] = {}
    for name in ("children_under15_present", "mercury_used", "armed_interference", "women_present"):
        col = ranked.c[name]
        rows = s.execute(sa.select(col, sa.func.count()).where(ranked.c.rank == 1).group_by(col)).all()
        tally = {"yes": 0, "no": 0, "unknown": 0}
        for value, n in rows:
            tally["unknown" if value is None else ("yes" if value else "no")] += n
        out[name] = tally
    return out


def title_relation_counts(uow, *, actor) -> dict[str, int]:
    rows = uow.session.execute(
        sa.select(Site.title_relation, sa.func.count()).where(Site.org_id == actor.org_id).group_by(Site.title_relation)
    ).all()
    return {(rel or "not_computed"): n for rel, n in rows}
