"""Use cases of rainfall: import a station or gridded file, list the series, and the series of a site.

Import rules: the file is read by :func:`minewatch.rain.importing.read_rain` (errors reject it whole);
one file is one transaction. Series are matched on (key, kind) within the organisation. Re-importing a
file stores nothing twice (and says it was imported before); a file extending a series appends; a step
stored as missing that the file now gives is filled (counted); a value that differs from the stored one is
an error naming series, time and both values, and nothing is stored (no silent overwrite). A series must
keep its step and its clock. Gridded files: only the cell nearest to each of the organisation's sites (or
to ``site_code``) is stored, unless ``all_cells``. Every import is an import batch with an audit entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minewatch.adapters.db import UnitOfWork, insert_rows, utcnow
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import ImportRejected, NotFound, PermissionDenied
from minewatch.kit.findings import Problem
from minewatch.rain import repository as repo
from minewatch.rain.errors import RainInvalid
from minewatch.rain.importing import RainImportReport, read_rain
from minewatch.rain.model import DEFAULT_MAX_DISTANCE_KM, KINDS, RainSeries, distance_km

BATCH_KIND = "rain"
_CHUNK = 5000


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def _utc(t: np.datetime64) -> dt.datetime:
    return t.astype("datetime64[s]").item().replace(tzinfo=dt.timezone.utc)


def _np(t: dt.datetime) -> np.datetime64:
    return np.datetime64(t.astimezone(dt.timezone.utc).replace(tzinfo=None), "s")


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _nearest_cells(series: list[RainSeries], sites: list) -> dict[str, list[str]]:
    """{series key: [site codes]} of the cell nearest to each site."""
    lat = np.array([s.latitude for s in series], dtype=float)
    lon = np.array([s.longitude for s in series], dtype=float)
    chosen: dict[str, list[str]] = {}
    for _, code, la, lo in sites:
        i = int(np.argmin(distance_km(la, lo, lat, lon)))
        chosen.setdefault(series[i].key, []).append(code)
    return chosen


def import_rain(uow: UnitOfWork, *, actor, path, tz: str | None, units: str | None, repair: str | None = None,
                kind: str = "observed", site_code: str | None = None, fmt: str | None = None, step=None,
                all_cells: bool = False, progress: Callable[[int, int | None], None] | None = None,
                **column_options) -> RainImportReport:
    """Import one rainfall file (station CSV or gridded NetCDF); see the module docstring for the rules."""
    _require(actor, "registry.write", "import rainfall")
    path = Path(path)
    read = read_rain(path, tz=tz, units=units, repair=repair, fmt=fmt, kind=kind, step=step, **column_options)
    report = read.report
    s = uow.session
    site = None
    if site_code:
        site = repo.site(s, actor, site_code)
        if site is None:
            raise NotFound(f"no site {site_code!r} in the organisation")
    series = read.series
    links: dict[str, int] = {}
    if report.fmt == "netcdf" and not all_cells:
        sites = [site] if site else [x for x in repo.site_points(s, actor)]
        sites = [x for x in sites if x.latitude is not None and x.longitude is not None]
        chosen = _nearest_cells(series, sites) if series and sites else {}
        if not sites:
            report.problems.append(Problem("warning", "no_sites", "the organisation has no site with a point: no "
                                           "grid cell is near a site, none stored (use --all-cells to store all)"))
        report.series_skipped = sum(1 for x in series if x.key not in chosen)
        series = [x for x in series if x.key in chosen]
        if site:
            links = {key: site.id for key in chosen}
    elif site:
        if len(series) != 1:
            raise RainInvalid(f"--site links one series to the site; the file has {len(series)} (link one file "
                              "per station, or leave --site out: sites take the nearest series)")
        links = {series[0].key: site.id}

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    report.already_imported = repo.batch_with_hash(s, actor, sha) is not None
    audit = AuditLog(s, actor, context=f"import rainfall {path.name}"[:200])
    existing = repo.series_by_key(s, actor, {(x.key, x.kind) for x in series})
    total = sum(len(x) for x in series)
    if progress:
        progress(0, total)
    pending: list[dict] = []
    fills: list[tuple] = []
    for x in series:
        step_s = int(x.step.total_seconds())
        record = existing.get((x.key, x.kind))
        values = [None if np.isnan(v) else float(v) for v in x.depth_mm]
        if record is None:
            from minewatch.rain.orm import RainSeriesRecord

            record = RainSeriesRecord(org_id=actor.org_id, key=x.key[:120], name=(x.name or None) and x.name[:200],
                                      kind=x.kind, latitude=x.latitude, longitude=x.longitude, step_s=step_s,
                                      site_id=links.get(x.key), source_file=path.name[:300], source_sha256=sha,
                                      tz=tz, created_by=actor.email)
            s.add(record)
            s.flush()
            report.series_new += 1
            audit.record("created", "rain_series", record.id, before=None,
                         after=digest({"key": x.key, "kind": x.kind, "step_s": step_s, "site_id": record.site_id,
                                       "latitude": x.latitude, "longitude": x.longitude, "file": path.name}))
            pending.extend({"series_id": record.id, "start_utc": _utc(t), "depth_mm": v}
                           for t, v in zip(x.start_utc, values, strict=True))
            report.inserted += len(values)
        else:
            if record.step_s != step_s:
                report.problems.append(Problem("error", "step_differs", f"series {x.key} ({x.kind}) is stored with a "
                                               f"step of {record.step_s} s, the file has {step_s} s", None, None,
                                               x.key))
                continue
            if x.key in links and record.site_id != links[x.key]:
                audit.record("updated", "rain_series", record.id, before=digest({"site_id": record.site_id}),
                             after=digest({"site_id": links[x.key]}))
                record.site_id = links[x.key]
            stored = dict(repo.observations(s, actor, record.id, _utc(x.start_utc[0]),
                                            _utc(x.start_utc[-1]) + x.step))
            if stored:
                anchor = _np(next(iter(stored)))
                if (int((x.start_utc[0] - anchor) / np.timedelta64(1, "s")) % step_s) != 0:
                    report.problems.append(Problem("error", "off_clock", f"series {x.key}: the file's times are not "
                                                   f"on the stored series' {x.step} clock", None, None, x.key))
                    continue
            conflicts = 0
            for t, v in zip(x.start_utc, values, strict=True):
                when = _utc(t)
                if when not in stored:
                    pending.append({"series_id": record.id, "start_utc": when, "depth_mm": v})
                    report.inserted += 1
                    continue
                old = stored[when]
                if old is None and v is not None:
                    fills.append((record.id, when, v))
                elif old is not None and v is not None and not _same(old, v):
                    conflicts += 1
                    if conflicts <= 50:
                        report.problems.append(Problem(
                            "error", "conflicting_value", f"series {x.key}: {when:%Y-%m-%d %H:%M} UTC is stored as "
                            f"{old:g} mm, the file gives {v:g} mm; nothing is overwritten", None, None, f"{v:g}"))
                else:
                    report.unchanged += 1
            if conflicts > 50:
                report.problems.append(Problem("error", "conflicting_value",
                                               f"series {x.key}: {conflicts - 50:,} more conflicting values"))
    report.series_stored = len(series)
    if report.errors:
        raise ImportRejected(f"{path.name}: {len(report.errors):,} conflicts with the stored series; nothing was "
                             "imported", report=report)
    _store(uow, pending, fills, progress)
    report.filled = len(fills)
    _record_batch(uow, actor, audit, report, path, sha)
    audit.flush()
    uow.commit()
    return report


def _store(uow: UnitOfWork, pending: list[dict], fills: list[tuple], progress) -> None:
    import sqlalchemy as sa

    from minewatch.rain.orm import RainObservation

    s = uow.session
    for i in range(0, len(pending), _CHUNK):
        chunk = pending[i:i + _CHUNK]
        insert_rows(s, RainObservation.__table__, chunk)
        if progress:
            progress(len(chunk), None)
    t = RainObservation.__table__
    for series_id, when, v in fills:
        s.execute(sa.update(t).where(t.c.series_id == series_id, t.c.start_utc == when).values(depth_mm=v))


def _record_batch(uow: UnitOfWork, actor, audit: AuditLog, report: RainImportReport, path: Path, sha: str) -> None:
    from minewatch.registry.orm import ImportBatch

    counts = {"rows": report.rows, "series": report.series, "series_stored": report.series_stored,
              "series_new": report.series_new, "inserted": report.inserted, "unchanged": report.unchanged,
              "filled": report.filled, "repair": report.repair, "rows_repaired": report.rows_repaired,
              "tz": report.tz, "units": report.units, "kind": report.kind,
              "warnings": sum(1 for p in report.problems if not p.is_error)}
    batch = ImportBatch(org_id=actor.org_id, kind=BATCH_KIND, file_name=path.name[:300], file_sha256=sha,
                        actor_email=actor.email, status="imported" if report.inserted or report.filled else "unchanged",
                        finished_at=utcnow(), counts=counts)
    uow.session.add(batch)
    uow.session.flush()
    report.batch_id = batch.id
    audit.record("imported", "import_batch", batch.id, before=None, after=digest(counts))


# ------------------------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SeriesView:
    key: str
    name: str | None
    kind: str
    latitude: float | None
    longitude: float | None
    step_s: int
    site_code: str | None
    steps: int
    missing: int
    first_utc: dt.datetime | None
    last_utc: dt.datetime | None
    source_file: str | None
    tz: str | None

    def as_dict(self) -> dict:
        out = dict(self.__dict__)
        for k in ("first_utc", "last_utc"):
            out[k] = out[k] and out[k].isoformat()
        return out


def series_list(uow: UnitOfWork, *, actor) -> list[SeriesView]:
    """The organisation's rainfall series with their site, number of steps and time span."""
    _require(actor, "registry.read", "read rainfall")
    return [SeriesView(r.key, r.name, r.kind, r.latitude, r.longitude, r.step_s, code, int(n), int(missing),
                       first, last, r.source_file, r.tz)
            for r, code, n, missing, first, last in repo.series_list(uow.session, actor)]


def _to_series(record, rows: list[tuple[dt.datetime, float | None]]) -> RainSeries:
    step = np.timedelta64(record.step_s, "s")
    times = np.array([_np(t) for t, _ in rows], dtype="datetime64[s]")
    n = int((times[-1] - times[0]) // step) + 1
    start = times[0] + np.arange(n) * step
    depth = np.full(n, np.nan)
    depth[((times - times[0]) // step).astype(int)] = [np.nan if v is None else v for _, v in rows]
    return RainSeries(key=record.key, start_utc=start, depth_mm=depth, step=dt.timedelta(seconds=record.step_s),
                      latitude=record.latitude, longitude=record.longitude, name=record.name, kind=record.kind,
                      source=record.source_file)


def site_series(uow: UnitOfWork, *, actor, site_code: str, start_utc: dt.datetime, end_utc: dt.datetime,
                max_distance_km: float | None = None) -> list[RainSeries]:
    """The stored series representing a site in [start_utc, end_utc), observed and forecast; [] if none.

    Per kind: the series linked to the site at import (``--site``), else the nearest series with a
    location within ``max_distance_km`` (default ``Settings.rain_max_distance_km``, 10 km, provisional)
    of the site's point. A series with no step in the window is left out; missing steps inside are NaN.
    """
    _require(actor, "registry.read", "read rainfall")
    for name, t in (("start_utc", start_utc), ("end_utc", end_utc)):
        if t.tzinfo is None:
            raise RainInvalid(f"{name} must be an aware UTC datetime")
    limit = DEFAULT_MAX_DISTANCE_KM if max_distance_km is None else float(max_distance_km)
    s = uow.session
    site = repo.site(s, actor, site_code)
    if site is None:
        raise NotFound(f"no site {site_code!r} in the organisation")
    linked = repo.linked_series(s, actor, site.id)
    chosen = []
    for kind in KINDS:
        mine = [r for r in linked if r.kind == kind]
        if not mine and site.latitude is not None and site.longitude is not None:
            near = repo.located_series(s, actor, kind)
            if near:
                d = distance_km(site.latitude, site.longitude, np.array([r.latitude for r in near]),
                                np.array([r.longitude for r in near]))
                i = int(np.argmin(d))
                if d[i] <= limit:
                    mine = [near[i]]
        chosen.extend(mine)
    out = []
    for record in chosen:
        rows = repo.observations(s, actor, record.id, start_utc, end_utc)
        if rows:
            out.append(_to_series(record, rows))
    return out


def stored_series(uow: UnitOfWork, *, actor, start_utc: dt.datetime, end_utc: dt.datetime,
                  kind: str = "observed") -> list[RainSeries]:
    """Every stored series of ``kind`` of the organisation, clipped to [start_utc, end_utc); those with no
    step in the window are left out."""
    _require(actor, "registry.read", "read rainfall")
    for name, t in (("start_utc", start_utc), ("end_utc", end_utc)):
        if t.tzinfo is None:
            raise RainInvalid(f"{name} must be an aware UTC datetime")
    s = uow.session
    out = []
    for record in repo.series_of_kind(s, actor, kind):
        rows = repo.observations(s, actor, record.id, start_utc, end_utc)
        if rows:
            out.append(_to_series(record, rows))
    return out
