"""Use cases of water, sediment and soil quality: import a laboratory file, read measurements and points.

Import rules (those of the registry importers, minewatch/registry/importing.py): every cell is stored
or reported with row, column, value and reason; a bad cell (unreadable value or unit) stops the file and
nothing is stored, unless ``skip_bad`` stores the good cells and keeps the bad ones in the report; one
file is one transaction; ``dry_run`` stores nothing; re-importing a file changes nothing (samples are
matched on point code + medium + sampled_at + label, results on parameter + fraction, and only changed
values are updated and audited).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from minewatch.adapters.db import UnitOfWork, utcnow
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import ImportRejected, PermissionDenied
from minewatch.kit.findings import Problem
from minewatch.water import repository as repo
from minewatch.water.model import Measurement
from minewatch.water.orm import Result, Sample, SamplingPoint

BATCH_KIND = "water_results"


@dataclass
class WaterImportReport:
    file_name: str
    profile: str = ""
    dry_run: bool = False
    samples: int = 0
    results: int = 0
    censored: int = 0
    points_new: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    unmapped: list[dict] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def summary(self) -> str:
        verb = "would store" if self.dry_run else "stored"
        counts = Counter(p.severity for p in self.problems)
        return (f"{self.file_name} ({self.profile}): {self.samples:,} samples, {self.results:,} results "
                f"({self.censored:,} below detection); {verb} {self.inserted:,} new, {self.updated:,} changed, "
                f"{self.unchanged:,} unchanged; {self.points_new:,} new sampling points; "
                f"{counts['error']:,} errors, {counts['warning']:,} warnings; "
                f"{sum(1 for u in self.unmapped if u['cells']):,} unmapped labels with values")

    def as_dict(self) -> dict:
        return {"file": self.file_name, "profile": self.profile, "dry_run": self.dry_run, "samples": self.samples,
                "results": self.results, "censored": self.censored, "points_new": self.points_new,
                "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
                "batch_id": self.batch_id, "problems": [p.as_dict() for p in self.problems],
                "unmapped": self.unmapped}


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _result_content(r) -> dict:
    return {"value": str(r.value), "unit": r.unit, "censored": r.censored,
            "detection_limit": None if r.detection_limit is None else str(r.detection_limit),
            "qualifier": r.qualifier, "raw": r.raw[:120]}


def import_results(uow: UnitOfWork, *, actor, path: Path, profile: str | None = None, utm_zone: str | None = None,
                   medium: str | None = None, dry_run: bool = False, skip_bad: bool = False,
                   options: dict | None = None) -> WaterImportReport:
    """Import one laboratory file (long, wide, ita or pilcomayo layout); see the module docstring for the rules."""
    from minewatch.registry.orm import ImportBatch
    from minewatch.water.importing import parse_file

    _require(actor, "registry.write", "import water results")
    path = Path(path)
    parsed = parse_file(path, profile=profile, utm_zone=utm_zone, medium=medium, options=options)
    report = WaterImportReport(file_name=path.name, profile=parsed.profile, dry_run=dry_run,
                               problems=list(parsed.problems), unmapped=parsed.unmapped)
    report.samples = len(parsed.samples)
    report.results = sum(len(s.results) for s in parsed.samples)
    report.censored = sum(1 for s in parsed.samples for r in s.results if r.censored == "<")
    if report.errors and not skip_bad:
        raise ImportRejected(f"{path.name}: {len(report.errors):,} cells have errors; nothing was imported (fix them, "
                             f"or import the good cells with --skip-bad)", report=report)

    s = uow.session
    audit = AuditLog(s, actor, context=f"import water results {path.name}"[:200])
    keys = {(x.point.code, x.point.medium) for x in parsed.samples}
    points = repo.points_by_key(s, actor, keys)
    sites = repo.site_ids(s, actor, {x.point.site_code for x in parsed.samples if x.point.site_code})
    first_of: dict[tuple[str, str], object] = {}
    for x in parsed.samples:  # a point sampled twice in one file takes its details from its first sample
        first_of.setdefault((x.point.code, x.point.medium), x.point)
    for p in first_of.values():
        site_id = sites.get(p.site_code) if p.site_code else None
        if p.site_code and site_id is None:
            report.problems.append(Problem("warning", "unknown_site", f"no site {p.site_code!r} in the organisation: "
                                           "the point is stored without its site", None, "site", p.site_code))
        point = points.get((p.code, p.medium))
        given = {"name": p.name, "latitude": p.latitude, "longitude": p.longitude, "river": p.river,
                 "site_id": site_id, "notes": p.notes}
        if point is None:
            point = SamplingPoint(org_id=actor.org_id, code=p.code, medium=p.medium, position=p.position, **given)
            s.add(point)
            s.flush()
            points[(p.code, p.medium)] = point
            report.points_new += 1
            audit.record("created", "water_sampling_point", point.id, before=None,
                         after=digest({"code": p.code, "medium": p.medium, "position": p.position, **given}))
        else:
            changed = {k: v for k, v in given.items() if v is not None and getattr(point, k) != v}
            if p.position != "unspecified" and point.position != p.position:
                changed["position"] = p.position
            if changed:
                before = digest({k: getattr(point, k) for k in changed})
                for k, v in changed.items():
                    setattr(point, k, v)
                audit.record("updated", "water_sampling_point", point.id, before=before, after=digest(changed))

    point_ids = {p.id for p in points.values()}
    samples = repo.samples_of(s, actor, point_ids)
    new_samples = []
    for x in parsed.samples:
        point = points[(x.point.code, x.point.medium)]
        sample = samples.get((point.id, x.sampled_at, x.label))
        if sample is None:
            sample = Sample(org_id=actor.org_id, point_id=point.id, sampled_at=x.sampled_at, label=x.label,
                            sampled_by=(x.sampled_by or None) and x.sampled_by[:200], method=x.method, lab=x.lab
                            and x.lab[:200], custody_id=x.custody_id, source_file=path.name[:300])
            s.add(sample)
            new_samples.append(sample)
            samples[(point.id, x.sampled_at, x.label)] = sample
    s.flush()
    existing = repo.results_of(s, actor, {x.id for x in samples.values()})
    for x in parsed.samples:
        point = points[(x.point.code, x.point.medium)]
        sample = samples[(point.id, x.sampled_at, x.label)]
        changed = {}
        for r in x.results:
            content = _result_content(r)
            row = existing.get((sample.id, r.parameter, r.fraction))
            if row is None:
                s.add(Result(org_id=actor.org_id, sample_id=sample.id, parameter=r.parameter, fraction=r.fraction,
                             **content))
                report.inserted += 1
                changed[f"{r.parameter}/{r.fraction}"] = content
            elif {k: getattr(row, k) for k in content} != content:
                for k, v in content.items():
                    setattr(row, k, v)
                report.updated += 1
                changed[f"{r.parameter}/{r.fraction}"] = content
            else:
                report.unchanged += 1
        if changed:
            audit.record("created" if sample in new_samples else "updated", "water_sample", sample.id,
                         before=None, after=digest({"sampled_at": x.sampled_at.isoformat(), "point": point.code,
                                                    "label": x.label, "results": changed}))
    s.flush()
    if dry_run:
        uow.rollback()
        return report
    if report.inserted or report.updated or report.points_new:
        counts = {"samples": report.samples, "results": report.results, "censored": report.censored,
                  "inserted": report.inserted, "updated": report.updated, "unchanged": report.unchanged,
                  "errors": len(report.errors)}
        batch = ImportBatch(org_id=actor.org_id, kind=BATCH_KIND, file_name=path.name[:300],
                            file_sha256=_sha256(path), actor_email=actor.email, status="imported",
                            finished_at=utcnow(), counts=counts)
        s.add(batch)
        s.flush()
        report.batch_id = batch.id
        for sample in new_samples:
            sample.batch_id = batch.id
        audit.record("imported", "import_batch", batch.id, before=None, after=digest(counts))
    audit.flush()
    uow.commit()
    return report


def measurements(uow: UnitOfWork, *, actor, site_code: str | None = None, point_code: str | None = None,
                 parameter: str | None = None, since: dt.datetime | dt.date | None = None,
                 until: dt.datetime | dt.date | None = None) -> list[Measurement]:
    """The organisation's results as :class:`Measurement` (by point, parameter, time); dates bound whole days."""
    _require(actor, "registry.read", "read water results")
    if isinstance(since, dt.date) and not isinstance(since, dt.datetime):
        since = dt.datetime.combine(since, dt.time.min)
    if isinstance(until, dt.date) and not isinstance(until, dt.datetime):
        until = dt.datetime.combine(until, dt.time.max)
    rows = repo.measurements(uow.session, actor, site_code=site_code, point_code=point_code, parameter=parameter,
                             since=since, until=until)
    return [Measurement(parameter=r.parameter, value=Decimal(r.value), unit=r.unit, sampled_at=sampled_at,
                        medium=medium, fraction=r.fraction, censored=r.censored, qualifier=r.qualifier,
                        point_code=code, site_code=site, sample_ref=label or None, result_id=r.id)
            for r, sampled_at, label, code, medium, site in rows]


@dataclass(frozen=True)
class PointView:
    code: str
    medium: str
    name: str | None
    site_code: str | None
    latitude: float | None
    longitude: float | None
    position: str
    river: str | None
    samples: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def sampling_points(uow: UnitOfWork, *, actor, site_code: str | None = None) -> list[PointView]:
    """The organisation's sampling points with their site (or a site's points when ``site_code`` is given)."""
    _require(actor, "registry.read", "read sampling points")
    return [PointView(p.code, p.medium, p.name, site, p.latitude, p.longitude, p.position, p.river, n)
            for p, site, n in repo.points(uow.session, actor, site_code=site_code)]


def site_points(uow: UnitOfWork, *, actor, site_code: str) -> list[PointView]:
    """A site's sampling points."""
    return sampling_points(uow, actor=actor, site_code=site_code)
