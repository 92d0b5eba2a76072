"""Queries of sampling points, samples and results, every one scoped to the actor's organisation. Never commits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.sites.orm import Site
from minewatch.water.orm import Result, Sample, SamplingPoint


def points_by_key(s: Session, actor, keys: set[tuple[str, str]]) -> dict[tuple[str, str], SamplingPoint]:
    """{(code, medium): point} of the organisation among ``keys``."""
    codes = {c for c, _ in keys}
    if not codes:
        return {}
    rows = s.execute(sa.select(SamplingPoint).where(SamplingPoint.org_id == actor.org_id,
                                                    SamplingPoint.code.in_(codes))).scalars()
    return {(p.code, p.medium): p for p in rows if (p.code, p.medium) in keys}


def site_ids(s: Session, actor, codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    stmt = sa.select(Site.code, Site.id).where(Site.org_id == actor.org_id, Site.code.in_(codes))
    return dict(s.execute(stmt).all())


def samples_of(s: Session, actor, point_ids: set[int]) -> dict[tuple[int, dt.datetime, str], Sample]:
    if not point_ids:
        return {}
    rows = s.execute(sa.select(Sample).where(Sample.org_id == actor.org_id, Sample.point_id.in_(point_ids))).scalars()
    return {(x.point_id, x.sampled_at, x.label): x for x in rows}


def results_of(s: Session, actor, sample_ids: set[int]) -> dict[tuple[int, str, str], Result]:
    if not sample_ids:
        return {}
    out = {}
    ids = sorted(sample_ids)
    for i in range(0, len(ids), 500):
        stmt = sa.select(Result).where(Result.org_id == actor.org_id, Result.sample_id.in_(ids[i:i + 500]))
        out.update({(r.sample_id, r.parameter, r.fraction): r for r in s.execute(stmt).scalars()})
    return out


def measurements(s: Session, actor, *, site_code=None, point_code=None, parameter=None, since=None, until=None):
    """Rows (Result, Sample.sampled_at, Sample.label, SamplingPoint.code, .medium, Site.code) in time order."""
    stmt = (sa.select(Result, Sample.sampled_at, Sample.label, SamplingPoint.code, SamplingPoint.medium, Site.code)
            .join(Sample, Sample.id == Result.sample_id)
            .join(SamplingPoint, SamplingPoint.id == Sample.point_id)
            .outerjoin(Site, sa.and_(Site.id == SamplingPoint.site_id, Site.org_id == actor.org_id))
            .where(Result.org_id == actor.org_id, Sample.org_id == actor.org_id,
                   SamplingPoint.org_id == actor.org_id))
    if site_code is not None:
        stmt = stmt.where(Site.code == site_code)
    if point_code is not None:
        stmt = stmt.where(SamplingPoint.code == point_code)
    if parameter is not None:
        stmt = stmt.where(Result.parameter == parameter)
    if since is not None:
        stmt = stmt.where(Sample.sampled_at >= since)
    if until is not None:
        stmt = stmt.where(Sample.sampled_at <= until)
    return list(s.execute(stmt.order_by(SamplingPoint.code, Result.parameter, Sample.sampled_at, Result.id)))


def points(s: Session, actor, *, site_code: str | None = None) -> list:
    """(SamplingPoint, site code or None, number of samples) of the organisation, by code and medium."""
    n = (sa.select(Sample.point_id, sa.func.count(Sample.id).label("n")).where(Sample.org_id == actor.org_id)
         .group_by(Sample.point_id).subquery())
    stmt = (sa.select(SamplingPoint, Site.code, sa.func.coalesce(n.c.n, 0))
            .outerjoin(Site, sa.and_(Site.id == SamplingPoint.site_id, Site.org_id == actor.org_id))
            .outerjoin(n, n.c.point_id == SamplingPoint.id)
            .where(SamplingPoint.org_id == actor.org_id))
    if site_code is not None:
        stmt = stmt.where(Site.code == site_code)
    return list(s.execute(stmt.order_by(SamplingPoint.code, SamplingPoint.medium)))


def batch_with_hash(s: Session, actor, sha256: str):
    from minewatch.registry.orm import ImportBatch

    stmt = (sa.select(ImportBatch).where(ImportBatch.org_id == actor.org_id, ImportBatch.kind == "water_results",
                                         ImportBatch.file_sha256 == sha256).order_by(ImportBatch.id.desc()).limit(1))
    return s.execute(stmt).scalar_one_or_none()
