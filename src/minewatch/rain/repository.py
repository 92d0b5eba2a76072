"""Queries of rainfall series and observations, every one scoped to the actor's organisation. Never commits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from minewatch.rain.orm import RainObservation, RainSeriesRecord
from minewatch.sites.orm import Site


def _series(actor) -> sa.Select:
    return sa.select(RainSeriesRecord).where(RainSeriesRecord.org_id == actor.org_id)


def series_by_key(s: Session, actor, keys: set[tuple[str, str]]) -> dict[tuple[str, str], RainSeriesRecord]:
    """{(key, kind): series} of the organisation among ``keys``."""
    names = sorted({k for k, _ in keys})
    out = {}
    for i in range(0, len(names), 500):
        stmt = _series(actor).where(RainSeriesRecord.key.in_(names[i:i + 500]))
        out.update({(r.key, r.kind): r for r in s.execute(stmt).scalars() if (r.key, r.kind) in keys})
    return out


def observations(s: Session, actor, series_id: int, start: dt.datetime | None = None,
                 end: dt.datetime | None = None) -> list[tuple[dt.datetime, float | None]]:
    """(start_utc, depth_mm) of one series of the organisation in [start, end), in time order."""
    stmt = (sa.select(RainObservation.start_utc, RainObservation.depth_mm)
            .join(RainSeriesRecord, RainSeriesRecord.id == RainObservation.series_id)
            .where(RainSeriesRecord.org_id == actor.org_id, RainObservation.series_id == series_id))
    if start is not None:
        stmt = stmt.where(RainObservation.start_utc >= start)
    if end is not None:
        stmt = stmt.where(RainObservation.start_utc < end)
    return [tuple(r) for r in s.execute(stmt.order_by(RainObservation.start_utc))]


def site(s: Session, actor, code: str):
    """(id, code, latitude, longitude) of the organisation's site ``code``, or None."""
    stmt = sa.select(Site.id, Site.code, Site.latitude, Site.longitude).where(Site.org_id == actor.org_id,
                                                                              Site.code == code)
    return s.execute(stmt).one_or_none()


def site_points(s: Session, actor) -> list:
    """(id, code, latitude, longitude) of the organisation's sites with a point."""
    stmt = (sa.select(Site.id, Site.code, Site.latitude, Site.longitude)
            .where(Site.org_id == actor.org_id, Site.latitude.is_not(None), Site.longitude.is_not(None)))
    return list(s.execute(stmt))


def linked_series(s: Session, actor, site_id: int) -> list[RainSeriesRecord]:
    stmt = _series(actor).where(RainSeriesRecord.site_id == site_id).order_by(RainSeriesRecord.kind,
                                                                              RainSeriesRecord.key)
    return list(s.execute(stmt).scalars())


def located_series(s: Session, actor, kind: str) -> list[RainSeriesRecord]:
    stmt = _series(actor).where(RainSeriesRecord.kind == kind, RainSeriesRecord.latitude.is_not(None),
                                RainSeriesRecord.longitude.is_not(None))
    return list(s.execute(stmt.order_by(RainSeriesRecord.key)).scalars())


def series_of_kind(s: Session, actor, kind: str) -> list[RainSeriesRecord]:
    return list(s.execute(_series(actor).where(RainSeriesRecord.kind == kind).order_by(RainSeriesRecord.key)).scalars())


def series_list(s: Session, actor) -> list:
    """(series, site code or None, steps, missing steps, first start, last start) of the organisation."""
    obs = (sa.select(RainObservation.series_id, sa.func.count().label("n"),
                     sa.func.count().filter(RainObservation.depth_mm.is_(None)).label("missing"),
                     sa.func.min(RainObservation.start_utc).label("first"),
                     sa.func.max(RainObservation.start_utc).label("last"))
           .join(RainSeriesRecord, RainSeriesRecord.id == RainObservation.series_id)
           .where(RainSeriesRecord.org_id == actor.org_id).group_by(RainObservation.series_id).subquery())
    stmt = (sa.select(RainSeriesRecord, Site.code, sa.func.coalesce(obs.c.n, 0), sa.func.coalesce(obs.c.missing, 0),
                      obs.c.first, obs.c.last)
            .outerjoin(Site, sa.and_(Site.id == RainSeriesRecord.site_id, Site.org_id == actor.org_id))
            .outerjoin(obs, obs.c.series_id == RainSeriesRecord.id)
            .where(RainSeriesRecord.org_id == actor.org_id)
            .order_by(RainSeriesRecord.kind, RainSeriesRecord.key))
    return list(s.execute(stmt))


def batch_with_hash(s: Session, actor, sha256: str):
    from minewatch.registry.orm import ImportBatch

    stmt = (sa.select(ImportBatch).where(ImportBatch.org_id == actor.org_id, ImportBatch.kind == "rain",
                                         ImportBatch.file_sha256 == sha256).order_by(ImportBatch.id.desc()).limit(1))
    return s.execute(stmt).scalar_one_or_none()
