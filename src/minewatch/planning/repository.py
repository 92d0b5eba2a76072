"""Queries of tree plans, plantings and survival checks, each scoped to the actor's organisation. Never commits."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.hazards.orm import HazardAssessment, SiteHazard
from minewatch.planning.orm import Planting, SurvivalCheck, TreePlan
from minewatch.sites.orm import Site

_IN_CHUNK = 500


def _chunks(values: Iterable) -> Iterable[list]:
    values = sorted(set(values))
    for i in range(0, len(values), _IN_CHUNK):
        yield values[i:i + _IN_CHUNK]


def _plans(actor) -> sa.Select:
    return sa.select(TreePlan).where(TreePlan.org_id == actor.org_id)


def _plantings(actor) -> sa.Select:
    return sa.select(Planting).where(Planting.org_id == actor.org_id)


# --- sites ------------------------------------------------------------------------------------------


def site(s: Session, actor, code: str) -> Site | None:
    """The organisation's site ``code``, or None (another organisation's site is None too)."""
    return s.execute(sa.select(Site).where(Site.org_id == actor.org_id, Site.code == code)).scalar_one_or_none()


def site_ids(s: Session, actor, codes: Iterable[str]) -> dict[str, int]:
    """{code: id} of the organisation's sites among ``codes``."""
    out: dict[str, int] = {}
    for chunk in _chunks(codes):
        stmt = sa.select(Site.code, Site.id).where(Site.org_id == actor.org_id, Site.code.in_(chunk))
        out.update({code: i for code, i in s.execute(stmt)})
    return out


def site_codes_by_id(s: Session, actor, ids: Iterable[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in _chunks(i for i in ids if i is not None):
        stmt = sa.select(Site.id, Site.code).where(Site.org_id == actor.org_id, Site.id.in_(chunk))
        out.update({k: v for k, v in s.execute(stmt)})
    return out


# --- plans ------------------------------------------------------------------------------------------


def plan(s: Session, actor, plan_id: int) -> TreePlan | None:
    return s.execute(_plans(actor).where(TreePlan.id == plan_id)).scalar_one_or_none()


def plan_sites(s: Session, actor, ids: Iterable[int]) -> dict[int, str | None]:
    """{plan id: its site code, or None for an area plan} of the organisation's plans among ``ids``."""
    out: dict[int, str | None] = {}
    for chunk in _chunks(ids):
        stmt = (sa.select(TreePlan.id, Site.code).outerjoin(Site, Site.id == TreePlan.site_id)
                .where(TreePlan.org_id == actor.org_id, TreePlan.id.in_(chunk)))
        out.update({k: v for k, v in s.execute(stmt)})
    return out


def plans(s: Session, actor, site_id: int | None = None, statuses: Iterable[str] | None = None,
          *, newest_first: bool = False) -> list[TreePlan]:
    """The organisation's plans (of one site when ``site_id``), oldest first unless ``newest_first``."""
    stmt = _plans(actor)
    if site_id is not None:
        stmt = stmt.where(TreePlan.site_id == site_id)
    if statuses is not None:
        stmt = stmt.where(TreePlan.status.in_(list(statuses)))
    order = (TreePlan.created_at.desc(), TreePlan.id.desc()) if newest_first else (TreePlan.created_at, TreePlan.id)
    return list(s.execute(stmt.order_by(*order)).scalars())


# --- plantings and checks ---------------------------------------------------------------------------


def plantings_by_external_id(s: Session, actor, external_ids: Iterable[str]) -> dict[str, Planting]:
    out: dict[str, Planting] = {}
    for chunk in _chunks(external_ids):
        out.update({p.external_id: p for p in s.execute(_plantings(actor).where(Planting.external_id.in_(chunk)))
                    .scalars()})
    return out


def site_plantings(s: Session, actor, site_id: int) -> list[Planting]:
    """A site's plantings in planting order."""
    stmt = _plantings(actor).where(Planting.site_id == site_id).order_by(Planting.planted_on, Planting.external_id)
    return list(s.execute(stmt).scalars())


def checks_by_external_id(s: Session, actor, external_ids: Iterable[str]) -> dict[str, tuple[SurvivalCheck, str]]:
    """{check external_id: (check, its planting's external_id)}."""
    out: dict[str, tuple[SurvivalCheck, str]] = {}
    for chunk in _chunks(external_ids):
        stmt = (sa.select(SurvivalCheck, Planting.external_id).join(Planting, Planting.id == SurvivalCheck.planting_id)
                .where(SurvivalCheck.org_id == actor.org_id, SurvivalCheck.external_id.in_(chunk)))
        out.update({c.external_id: (c, ext) for c, ext in s.execute(stmt)})
    return out


def site_checks(s: Session, actor, site_id: int) -> list[tuple[SurvivalCheck, str]]:
    """(check, planting external_id) of a site's plantings, in date order."""
    stmt = (sa.select(SurvivalCheck, Planting.external_id).join(Planting, Planting.id == SurvivalCheck.planting_id)
            .where(SurvivalCheck.org_id == actor.org_id, Planting.org_id == actor.org_id,
                   Planting.site_id == site_id)
            .order_by(SurvivalCheck.checked_on, SurvivalCheck.external_id))
    return [(c, ext) for c, ext in s.execute(stmt)]


# --- hazard assessments of a site -------------------------------------------------------------------


def site_hazard_history(s: Session, actor, site_id: int) -> list:
    """Every assessment row of a site: (assessment id, kind, assessed_on, level, susceptibility_level,
    erosion_level, covered, pfail_max, soil_loss_t_yr), oldest first."""
    stmt = (sa.select(HazardAssessment.id, HazardAssessment.kind, HazardAssessment.assessed_on, SiteHazard.level,
                      SiteHazard.susceptibility_level, SiteHazard.erosion_level, SiteHazard.covered,
                      SiteHazard.pfail_max, SiteHazard.soil_loss_t_yr)
            .join(SiteHazard, SiteHazard.assessment_id == HazardAssessment.id)
            .where(HazardAssessment.org_id == actor.org_id, SiteHazard.org_id == actor.org_id,
                   SiteHazard.site_id == site_id)
            .order_by(HazardAssessment.assessed_on, HazardAssessment.id))
    return list(s.execute(stmt))


def batch_with_hash(s: Session, actor, kind: str, sha256: str):
    from minewatch.registry.orm import ImportBatch

    stmt = (sa.select(ImportBatch).where(ImportBatch.org_id == actor.org_id, ImportBatch.kind == kind,
                                         ImportBatch.file_sha256 == sha256).order_by(ImportBatch.id.desc()).limit(1))
    return s.execute(stmt).scalar_one_or_none()
