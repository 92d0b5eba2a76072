"""Use cases of tree plans and planting records: record and adopt plans, import plantings and survival
checks, and read a site's survival, plan versus done, rehabilitation timeline and actual cover.

Import rules (both files): one file is one transaction and all or nothing: any bad row rejects the
file with every row's problems (row, column, value, why) and stores nothing. Rows are matched on
``external_id`` within the organisation: a row stored with the same values is counted unchanged (a
re-imported file stores nothing new and says so); a row whose external_id is stored with other values
is an error (never an overwrite: a correction gets a new external_id). Sites, plans and plantings
must be the actor's organisation's. Every import is an import batch with audit entries.

Permissions: reading needs ``registry.read`` and writing ``registry.write`` (accounts.model.PERMISSIONS);
a site of another organisation is not found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import shapely

from minewatch.adapters.db import UnitOfWork, utcnow
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import ImportRejected, PermissionDenied
from minewatch.kit.findings import Problem
from minewatch.planning import model
from minewatch.planning import repository as repo
from minewatch.planning.errors import PlanningInvalid, PlanNotFound, PlanStateConflict
from minewatch.sites.errors import SiteNotFound

PLANTINGS_BATCH = "plantings"
SURVIVAL_BATCH = "survival_checks"


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def _site(s, actor, code: str):
    site = repo.site(s, actor, code)
    if site is None:
        raise SiteNotFound(f"no site {code!r} in the organisation")
    return site


def _species(species: dict | None) -> dict:
    if species is not None:
        return species
    from minewatch.planning.species import load_species

    return load_species()


# --- plans ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanView:
    id: int
    site_code: str | None
    area_name: str | None
    objective: str
    budget_value: float
    budget_unit: str
    status: str
    files_path: str | None
    created_at: dt.datetime
    created_by: str | None
    adopted_at: dt.datetime | None
    superseded_at: dt.datetime | None
    summary: dict

    @property
    def by_species(self) -> list[dict]:
        return list(self.summary.get("by_species") or [])

    def as_dict(self, *, with_summary: bool = False) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "summary"}
        for k in ("created_at", "adopted_at", "superseded_at"):
            out[k] = out[k] and out[k].isoformat()
        for k in ("seedlings", "cost_usd", "labour_days", "area_ha"):
            out[k] = self.summary.get(k)
        if with_summary:
            out["summary"] = self.summary
        return out


def _view(p, site_code: str | None) -> PlanView:
    return PlanView(p.id, site_code, p.area_name, p.objective, p.budget_value, p.budget_unit, p.status, p.files_path,
                    p.created_at, p.created_by, p.adopted_at, p.superseded_at, p.summary or {})


def _plan_digest(p) -> str:
    return digest({"site_id": p.site_id, "area_name": p.area_name, "objective": p.objective,
                   "budget_value": p.budget_value, "budget_unit": p.budget_unit, "status": p.status,
                   "files_path": p.files_path, "summary": p.summary})


def record_plan(uow: UnitOfWork, *, actor, site_code: str | None, plan_dir: Path, summary: dict,
                files_dir: Path) -> PlanView:
    """Store a plan made by ``plan trees``: copy its folder to files_dir/plans/<org>/<id>/ and keep its summary.

    The site's earlier proposed plans become superseded. ``site_code`` None takes the summary's site;
    a plan of an area file (no site) is stored without a site.
    """
    _require(actor, "registry.write", "record tree plans")
    problem = model.summary_problem(summary)
    if problem:
        raise PlanningInvalid(problem)
    plan_dir = Path(plan_dir)
    if not plan_dir.is_dir():
        raise PlanningInvalid(f"{plan_dir} is not a plan folder")
    code = site_code or summary.get("site")
    if site_code and summary.get("site") and summary["site"] != site_code:
        raise PlanningInvalid(f"the plan is for site {summary['site']!r}, not {site_code!r}")
    s = uow.session
    site = _site(s, actor, code) if code else None
    from minewatch.planning.orm import TreePlan

    audit = AuditLog(s, actor, context=f"record tree plan {plan_dir.name}"[:200])
    now = utcnow()
    if site is not None:
        for old in repo.plans(s, actor, site.id, statuses=("proposed",)):
            before = _plan_digest(old)
            old.status, old.superseded_at = "superseded", now
            audit.record("superseded", "tree_plan", old.id, before=before, after=_plan_digest(old))
    budget = summary["budget"]
    plan = TreePlan(org_id=actor.org_id, site_id=site.id if site else None,
                    area_name=(summary.get("area") or None) and str(summary["area"])[:300],
                    objective=str(summary["objective"]["name"])[:20], budget_value=float(budget["value"]),
                    budget_unit=str(budget["unit"])[:10], summary=summary, status="proposed", created_at=now,
                    created_by=actor.email)
    s.add(plan)
    s.flush()
    relative = Path("plans") / actor.org_slug / str(plan.id)
    target = Path(files_dir) / relative
    if target.exists():
        shutil.rmtree(target)  # left by a transaction that rolled back after copying
    try:
        shutil.copytree(plan_dir, target)
        plan.files_path = relative.as_posix()
        audit.record("created", "tree_plan", plan.id, before=None, after=_plan_digest(plan))
        audit.flush()
        uow.commit()
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return _view(plan, site.code if site else None)


def _plan_or_404(s, actor, plan_id: int):
    plan = repo.plan(s, actor, plan_id)
    if plan is None:
        raise PlanNotFound(f"no tree plan #{plan_id} in the organisation")
    return plan


def get_plan(uow: UnitOfWork, *, actor, plan_id: int) -> PlanView:
    """One plan of the organisation."""
    _require(actor, "registry.read", "read tree plans")
    s = uow.session
    plan = _plan_or_404(s, actor, plan_id)
    return _view(plan, repo.site_codes_by_id(s, actor, [plan.site_id]).get(plan.site_id))


def list_plans(uow: UnitOfWork, *, actor, site_code: str | None = None) -> list[PlanView]:
    """The organisation's plans (of one site), newest first."""
    _require(actor, "registry.read", "read tree plans")
    s = uow.session
    site = _site(s, actor, site_code) if site_code else None
    plans = repo.plans(s, actor, site.id if site else None, newest_first=True)
    codes = repo.site_codes_by_id(s, actor, [p.site_id for p in plans])
    return [_view(p, codes.get(p.site_id)) for p in plans]


def latest_plan(uow: UnitOfWork, *, actor, site_code: str) -> PlanView | None:
    """The site's latest adopted plan, else its latest plan; None without any."""
    _require(actor, "registry.read", "read tree plans")
    s = uow.session
    site = _site(s, actor, site_code)
    plan = _latest(s, actor, site.id)
    return _view(plan, site.code) if plan else None


def _latest(s, actor, site_id: int):
    adopted = repo.plans(s, actor, site_id, statuses=("adopted",), newest_first=True)
    if adopted:
        return adopted[0]
    every = repo.plans(s, actor, site_id, newest_first=True)
    return every[0] if every else None


def adopt_plan(uow: UnitOfWork, *, actor, plan_id: int) -> PlanView:
    """Adopt a plan; the site's other adopted or proposed plans become superseded."""
    _require(actor, "registry.write", "adopt tree plans")
    s = uow.session
    plan = _plan_or_404(s, actor, plan_id)
    if plan.status == "adopted":
        raise PlanStateConflict(f"tree plan #{plan_id} is already adopted")
    audit = AuditLog(s, actor, context=f"adopt tree plan {plan_id}")
    now = utcnow()
    if plan.site_id is not None:
        for other in repo.plans(s, actor, plan.site_id, statuses=("adopted", "proposed")):
            if other.id != plan.id:
                before = _plan_digest(other)
                other.status, other.superseded_at = "superseded", now
                audit.record("superseded", "tree_plan", other.id, before=before, after=_plan_digest(other))
    before = _plan_digest(plan)
    plan.status, plan.adopted_at, plan.superseded_at = "adopted", now, None
    audit.record("adopted", "tree_plan", plan.id, before=before, after=_plan_digest(plan))
    audit.flush()
    uow.commit()
    return _view(plan, repo.site_codes_by_id(s, actor, [plan.site_id]).get(plan.site_id))


# --- imports ----------------------------------------------------------------------------------------


@dataclass
class RecordsImportReport:
    """What one planting or survival file did: rows read, stored, unchanged, and every problem."""

    kind: str  # plantings | survival_checks
    file_name: str
    rows: int = 0
    inserted: int = 0
    unchanged: int = 0
    already_imported: bool = False
    batch_id: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def summary(self) -> str:
        what = "plantings" if self.kind == PLANTINGS_BATCH else "survival checks"
        if self.inserted == 0 and self.unchanged:
            again = " (this file was imported before)" if self.already_imported else ""
            return f"{self.file_name}: nothing new; {self.unchanged} {what} already stored{again}"
        return f"{self.file_name}: {self.inserted} {what} stored, {self.unchanged} already stored ({self.rows} rows)"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "file_name": self.file_name, "rows": self.rows, "inserted": self.inserted,
                "unchanged": self.unchanged, "already_imported": self.already_imported, "batch_id": self.batch_id,
                "problems": [p.as_dict() for p in self.problems]}


def _read(path: Path, parse) -> tuple[model.ParsedFile, int]:
    from minewatch.adapters.tables import read_rows

    rows: list[tuple[int, dict]] = []
    with read_rows(path) as reader:
        header = list(reader.columns)
        rows.extend(reader)
    return parse(header, rows), len(rows)


def _reject(report: RecordsImportReport, path: Path) -> None:
    rows = sorted({p.row for p in report.errors if p.row is not None})
    where = f"{len(rows)} of {report.rows} rows have errors" if rows else "the file's columns are wrong"
    raise ImportRejected(f"{path.name}: {where}; nothing was imported", report=report)


def _finish(uow: UnitOfWork, actor, audit: AuditLog, report: RecordsImportReport, path: Path, sha: str) -> None:
    from minewatch.registry.orm import ImportBatch

    counts = {"rows": report.rows, "inserted": report.inserted, "unchanged": report.unchanged,
              "warnings": sum(1 for p in report.problems if not p.is_error)}
    batch = ImportBatch(org_id=actor.org_id, kind=report.kind, file_name=path.name[:300], file_sha256=sha,
                        actor_email=actor.email, status="imported" if report.inserted else "unchanged",
                        finished_at=utcnow(), counts=counts)
    uow.session.add(batch)
    uow.session.flush()
    report.batch_id = batch.id
    audit.record("imported", "import_batch", batch.id, before=None, after=digest(counts))
    audit.flush()
    uow.commit()


def _stored_planting_content(p, site_code: str) -> dict:
    return {"site": site_code, "species": p.species_id, "planted_on": p.planted_on.isoformat(), "count": p.count,
            "area_ha": p.area_ha, "plan_id": p.plan_id, "notes": p.notes,
            "geometry": None if p.geom_wkb is None else shapely.to_wkb(shapely.from_wkb(p.geom_wkb), hex=True,
                                                                        output_dimension=2)}


def import_plantings(uow: UnitOfWork, *, actor, path: Path, species: dict | None = None) -> RecordsImportReport:
    """Import a planting file (CSV or XLSX); see the module docstring for the rules."""
    _require(actor, "registry.write", "import plantings")
    path = Path(path)
    parsed, n = _read(path, model.parse_planting_rows)
    report = RecordsImportReport(PLANTINGS_BATCH, path.name, rows=n, problems=list(parsed.problems))
    if parsed.errors:
        _reject(report, path)
    s = uow.session
    rows = parsed.rows
    sites = repo.site_ids(s, actor, {r.site for r in rows})
    plans = repo.plan_sites(s, actor, {r.plan_id for r in rows if r.plan_id is not None})
    stored_records = repo.plantings_by_external_id(s, actor, {r.external_id for r in rows})
    codes = repo.site_codes_by_id(s, actor, {p.site_id for p in stored_records.values()})
    stored = {ext: _stored_planting_content(p, codes.get(p.site_id)) for ext, p in stored_records.items()}
    new, report.unchanged, problems = model.check_plantings(parsed, sites=sites, species_ids=_species(species),
                                                            plans=plans, stored=stored)
    report.problems.extend(problems)
    if report.errors:
        _reject(report, path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    report.already_imported = repo.batch_with_hash(s, actor, PLANTINGS_BATCH, sha) is not None
    from minewatch.planning.orm import Planting
    from minewatch.sites.model import geometry_columns

    audit = AuditLog(s, actor, context=f"import plantings {path.name}"[:200])
    for r in new:
        content = r.content()
        geo = geometry_columns(r.geometry) if r.geometry is not None else {}
        record = Planting(org_id=actor.org_id, site_id=sites[r.site], plan_id=r.plan_id, external_id=r.external_id,
                          species_id=r.species, planted_on=r.planted_on, count=r.count, area_ha=r.area_ha,
                          notes=r.notes, created_by=actor.email, content_digest=digest(content), **geo)
        s.add(record)
        s.flush()
        audit.record("created", "planting", record.id, before=None, after=record.content_digest)
    report.inserted = len(new)
    _finish(uow, actor, audit, report, path, sha)
    return report


def import_survival(uow: UnitOfWork, *, actor, path: Path) -> RecordsImportReport:
    """Import a survival-check file (CSV or XLSX); see the module docstring for the rules."""
    _require(actor, "registry.write", "import survival checks")
    path = Path(path)
    parsed, n = _read(path, model.parse_survival_rows)
    report = RecordsImportReport(SURVIVAL_BATCH, path.name, rows=n, problems=list(parsed.problems))
    if parsed.errors:
        _reject(report, path)
    s = uow.session
    rows = parsed.rows
    plantings = repo.plantings_by_external_id(s, actor, {r.planting for r in rows})
    stored = {ext: {"planting": pext, "checked_on": c.checked_on.isoformat(), "alive": c.alive, "method": c.method,
                    "notes": c.notes}
              for ext, (c, pext) in repo.checks_by_external_id(s, actor, {r.external_id for r in rows}).items()}
    new, report.unchanged, problems = model.check_survival(
        parsed, plantings={ext: (p.planted_on, p.count) for ext, p in plantings.items()}, stored=stored)
    report.problems.extend(problems)
    if report.errors:
        _reject(report, path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    report.already_imported = repo.batch_with_hash(s, actor, SURVIVAL_BATCH, sha) is not None
    from minewatch.planning.orm import SurvivalCheck

    audit = AuditLog(s, actor, context=f"import survival checks {path.name}"[:200])
    for r in new:
        record = SurvivalCheck(org_id=actor.org_id, planting_id=plantings[r.planting].id, external_id=r.external_id,
                               checked_on=r.checked_on, alive=r.alive, method=r.method, notes=r.notes,
                               created_by=actor.email, content_digest=digest(r.content()))
        s.add(record)
        s.flush()
        audit.record("created", "survival_check", record.id, before=None, after=record.content_digest)
    report.inserted = len(new)
    _finish(uow, actor, audit, report, path, sha)
    return report


# --- reading a site ---------------------------------------------------------------------------------


def _facts(p) -> model.PlantingFacts:
    wkt = None if p.geom_wkb is None else shapely.to_wkt(shapely.from_wkb(p.geom_wkb), rounding_precision=-1)
    return model.PlantingFacts(p.external_id, p.species_id, p.planted_on, p.count, p.area_ha, wkt, p.plan_id, p.id)


def _site_records(s, actor, site_code: str):
    site = _site(s, actor, site_code)
    plantings = repo.site_plantings(s, actor, site.id)
    checks = [model.CheckFacts(pext, c.checked_on, c.alive, c.external_id) for c, pext in repo.site_checks(s, actor,
                                                                                                        site.id)]
    return site, plantings, checks


@dataclass(frozen=True)
class SurvivalReport:
    site_code: str
    plantings: list[model.PlantingSurvival]
    species: list[model.SpeciesSurvival]

    def as_dict(self) -> dict:
        return {"site": self.site_code, "plantings": [p.as_dict() for p in self.plantings],
                "species": [x.as_dict() for x in self.species]}


def survival(uow: UnitOfWork, *, actor, site_code: str, species: dict | None = None) -> SurvivalReport:
    """Per planting and per species of a site: planted, latest alive, rate, age, expected, flag and trend."""
    _require(actor, "registry.read", "read plantings")
    table = _species(species)
    site, plantings, checks = _site_records(uow.session, actor, site_code)
    by_planting: dict[str, list[model.CheckFacts]] = {}
    for c in checks:
        by_planting.setdefault(c.planting, []).append(c)
    items = []
    for p in plantings:
        sp = table.get(p.species_id)
        items.append(model.planting_survival(_facts(p), by_planting.get(p.external_id, []),
                                             sp.survival_fraction if sp else None))
    return SurvivalReport(site.code, items, model.species_survival(items))


@dataclass(frozen=True)
class PlanVsDone:
    site_code: str
    plan: PlanView | None
    rows: list[model.PlanDone]

    def as_dict(self) -> dict:
        return {"site": self.site_code, "plan": self.plan.as_dict() if self.plan else None,
                "species": [r.as_dict() for r in self.rows]}


def plan_vs_done(uow: UnitOfWork, *, actor, site_code: str) -> PlanVsDone:
    """Per species of the site's latest adopted (else latest) plan: planned against planted seedlings and area.

    Counted as done: the site's plantings linked to that plan and those linked to no plan (plantings
    linked to another plan are left out). Without a plan, every planting is a species not in the plan.
    """
    _require(actor, "registry.read", "read plantings")
    s = uow.session
    site, plantings, _ = _site_records(s, actor, site_code)
    plan = _latest(s, actor, site.id)
    plan_id = plan.id if plan else None
    done = [_facts(p) for p in plantings if p.plan_id is None or p.plan_id == plan_id]
    by_species = (plan.summary or {}).get("by_species") or [] if plan else []
    return PlanVsDone(site.code, _view(plan, site.code) if plan else None, model.plan_vs_done(by_species, done))


def timeline(uow: UnitOfWork, *, actor, site_code: str, species: dict | None = None) -> list[model.TimelineEvent]:
    """A site's rehabilitation in date order: registration (``registered_on``), hazard assessments, plans,
    plantings, survival checks and closure; [] for a site with none of them. A closed site has no closure
    date in the registry: its event is dated at the site record's last change and says so."""
    _require(actor, "registry.read", "read plantings")
    s = uow.session
    site, plantings, checks = _site_records(s, actor, site_code)
    E = model.TimelineEvent
    events: list[model.TimelineEvent] = []
    if site.registered_on is not None:  # the registry's date; the record's own created_at is only an import time
        events.append(E(site.registered_on, "site_registered", {"code": site.code, "name": site.name}))
    for row in repo.site_hazard_history(s, actor, site.id):
        events.append(E(row.assessed_on, "hazard_assessed", {
            "assessment_id": row.id, "assessment_kind": row.kind, "covered": row.covered, "level": row.level,
            "susceptibility_level": row.susceptibility_level, "erosion_level": row.erosion_level,
            "pfail_max": row.pfail_max, "soil_loss_t_yr": row.soil_loss_t_yr}))
    for plan in repo.plans(s, actor, site.id):
        values = {"plan_id": plan.id, "objective": plan.objective, "status": plan.status,
                  "budget_value": plan.budget_value, "budget_unit": plan.budget_unit,
                  "seedlings": (plan.summary or {}).get("seedlings")}
        events.append(E(plan.created_at.date(), "plan_proposed", values))
        if plan.adopted_at is not None:
            events.append(E(plan.adopted_at.date(), "plan_adopted", values))
        if plan.superseded_at is not None:
            events.append(E(plan.superseded_at.date(), "plan_superseded", values))
    counts = {}
    for p in plantings:
        counts[p.external_id] = (p.count, p.species_id)
        events.append(E(p.planted_on, "planted", {"planting": p.external_id, "species": p.species_id,
                                                  "count": p.count, "area_ha": p.area_ha, "plan_id": p.plan_id}))
    for c in checks:
        planted, sp = counts[c.planting]
        events.append(E(c.checked_on, "survival_checked", {
            "check": c.external_id, "planting": c.planting, "species": sp, "alive": c.alive, "planted": planted,
            "rate": model.survival_rate(c.alive, planted)}))
    if site.lifecycle_status == "closed":
        when = (site.updated_at or site.created_at).date()
        events.append(E(when, "site_closed", {"code": site.code, "lifecycle_status": "closed",
                                              "date_source": "record_updated"}))
    return model.assemble_timeline(events)


def cover_from_plantings(uow: UnitOfWork, *, actor, site_code: str, on: dt.date,
                         species: dict | None = None) -> list[model.CoverInput]:
    """The site's plantings standing on ``on`` as cover: geometry (WKT, EPSG:4326, or None), species, age,
    survival rate (latest check on or before ``on``, else the species' expected survival) and count."""
    _require(actor, "registry.read", "read plantings")
    table = _species(species)
    _, plantings, checks = _site_records(uow.session, actor, site_code)
    expected = {k: v.survival_fraction for k, v in table.items()}
    return model.cover_inputs([_facts(p) for p in plantings], checks, expected, on)
