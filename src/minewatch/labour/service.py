"""Use case: check the registry for child labour (assignments of people to sites, and visit observations).

Every finding is returned, none is dropped:

* ``classification``: an assignment or a visit classified by :func:`minewatch.labour.model.classify`
  (``permitted``, ``light_work``, ``child_labour``, ``hazardous_child_labour``);
* ``unmapped_task``: a task named on a visit (or an assignment's task) that the task map or the task
  classes do not know, to be classified by hand and added to the map;
* ``age_unknown``: an assignment whose person has no date of birth or birth year;
* ``invalid_age``: an assignment whose person is born after the date checked.

Visits: a visit where the team did not reach the site (IPIS ``visit_onsite`` = 0) yields nothing; a
visit that saw children under 15 working (``childunder15`` = 1, or their work described) yields a
finding at the band "under 15" for the worst of the tasks listed (``childunder15work``), or for
"unspecified" work when none is listed. The check stores nothing and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field

from minewatch.adapters.db import UnitOfWork
from minewatch.errors import NotFound, PermissionDenied
from minewatch.labour import repository as repo
from minewatch.labour.model import CLASSIFICATIONS, AgeRange, RuleSet, age_range, classify, map_tasks, worst

# A birth year marked "estimated" (people.birth_precision) is taken as +/- this many years. A data
# assumption of this module, not a legal value: the youngest plausible age decides.
ESTIMATED_BIRTH_YEAR_SPREAD = 2
UNDER_15 = "under 15"
KINDS = ("classification", "unmapped_task", "age_unknown", "invalid_age")


@dataclass(frozen=True)
class LabourFinding:
    """One finding of the check, with ids only (never a name)."""

    kind: str
    site_code: str
    classification: str | None
    rule: str | None
    source_type: str  # assignment | visit
    source_id: int
    reason: str
    on_date: dt.date
    age_uncertain: bool | None = None
    age_min: int | None = None
    age_max: int | None = None
    age_band: str | None = None  # an observed band such as "under 15"
    person_id: int | None = None
    visit_date: dt.date | None = None
    visit_source: str | None = None
    visit_ref: str | None = None  # the source's visit id (IPIS ``vid``)
    task_classes: list[str] = field(default_factory=list)
    hazardous_tasks: list[str] = field(default_factory=list)
    unmapped_tasks: list[str] = field(default_factory=list)
    country: str | None = None
    provisional: bool = False

    def as_dict(self) -> dict:
        d = asdict(self)
        for key in ("on_date", "visit_date"):
            d[key] = d[key].isoformat() if d[key] else None
        return d


def check_labour(uow: UnitOfWork, *, actor, on: dt.date | None = None, site_code: str | None = None,
                 latest_only: bool = False, rules: RuleSet | None = None) -> list[LabourFinding]:
    """All child-labour findings of the organisation's assignments (current on ``on``, default today)
    and visits (each site's latest only, with ``latest_only``), optionally of one site."""
    if not actor.may("registry.read"):
        raise PermissionDenied(f"role '{actor.role}' may not read the registry")
    if rules is None:
        from minewatch.labour.rules import load

        rules = load()
    on = on or dt.date.today()
    s = uow.session
    if site_code is not None and not repo.site_exists(s, actor, site_code):
        raise NotFound(f"no site with code {site_code!r} in this organisation")
    findings = [f for row in repo.assignments_on(s, actor, on, site_code) for f in _assignment(row, on, rules)]
    visits = repo.visit_observations(s, actor, site_code)
    if latest_only:
        visits = _latest_per_site(visits)
    findings += [f for row in visits for f in _visit(row, on, rules)]
    return findings


def counts(findings: list[LabourFinding]) -> dict[str, int]:
    """Findings counted by classification (most severe first), then by the other kinds."""
    c = Counter(f.classification if f.kind == "classification" else f.kind for f in findings)
    order = [*reversed(CLASSIFICATIONS), *KINDS[1:]]
    return {k: c[k] for k in order if c.get(k)}


def _latest_per_site(visits: list) -> list:
    latest: dict[str, object] = {}
    for v in visits:
        key = (v.visit_date, _ref_order(v.source_visit_id), v.id)
        if v.site_code not in latest or key > latest[v.site_code][0]:
            latest[v.site_code] = (key, v)
    return [v for _, v in latest.values()]


def _ref_order(ref: str):
    return (0, int(ref), "") if ref.isdigit() else (1, 0, ref)


def _visit(v, on: dt.date, rules: RuleSet) -> list[LabourFinding]:
    if v.reached is False:
        return []  # the team did not reach the site: nothing was observed
    if not (v.children_under15_present is True or v.children_under15_working is True):
        return []
    classes, unmapped = map_tasks(v.children_under15_work, rules.task_map) if v.children_under15_working else ([], [])
    base = dict(site_code=v.site_code, source_type="visit", source_id=v.id, on_date=on, visit_date=v.visit_date,
                visit_source=v.source, visit_ref=v.source_visit_id, country=v.country)
    results = [classify(UNDER_15, c, v.visit_date, rules=rules, country=v.country)
               for c in (classes or ["unspecified"])]
    top = worst(results)
    reason = top.reason
    if v.children_under15_present is not True:
        reason += "; childunder15 is not 1 but the work of children under 15 is described"
    out = [LabourFinding(
        kind="classification", classification=top.classification, rule=top.rule, reason=reason,
        age_uncertain=top.age_uncertain, age_min=top.age.youngest, age_max=top.age.oldest, age_band=UNDER_15,
        task_classes=list(classes or ["unspecified"]),
        hazardous_tasks=[f.task_class for f in results if f.classification == "hazardous_child_labour"],
        unmapped_tasks=unmapped, provisional=top.provisional, **base)]
    for part in unmapped:
        out.append(LabourFinding(
            kind="unmapped_task", classification=None, rule="labour/rules/ipis_task_map.csv",
            reason=f"task {part!r} of children under 15 is not in the task map: classify it by hand and add it",
            unmapped_tasks=[part], **base))
    return out


def _assignment(a, on: dt.date, rules: RuleSet) -> list[LabourFinding]:
    base = dict(site_code=a.site_code, source_type="assignment", source_id=a.id, person_id=a.person_id,
                on_date=on, country=a.country)
    if a.date_of_birth is not None:
        age, spread = a.date_of_birth, 0
    elif a.birth_year is not None:
        age = ("year", a.birth_year)
        spread = ESTIMATED_BIRTH_YEAR_SPREAD if a.birth_precision == "estimated" else 0
    else:
        return [LabourFinding(kind="age_unknown", classification=None, rule=None,
                              reason="the person has no date of birth or birth year: the age cannot be checked",
                              **base)]
    ages: AgeRange = age_range(age, on, spread=spread)
    if ages.oldest < 0:
        return [LabourFinding(kind="invalid_age", classification=None, rule=None, age_min=ages.youngest,
                              age_max=ages.oldest, reason=f"the person is born after {on.isoformat()}", **base)]
    ages = AgeRange(max(ages.youngest, 0), ages.oldest)
    if a.task not in rules.task_classes:
        told = f"{a.task!r}" + (f" ({a.task_raw!r})" if a.task_raw else "")
        return [LabourFinding(kind="unmapped_task", classification=None, rule="labour/rules/task_classes.csv",
                              reason=f"task {told} is not a task class: classify it by hand",
                              age_uncertain=ages.uncertain, age_min=ages.youngest, age_max=ages.oldest,
                              unmapped_tasks=[a.task_raw or a.task], **base)]
    f = classify(ages, a.task, on, rules=rules, country=a.country)
    return [LabourFinding(
        kind="classification", classification=f.classification, rule=f.rule, reason=f.reason,
        age_uncertain=f.age_uncertain, age_min=f.age.youngest, age_max=f.age.oldest, task_classes=[a.task],
        hazardous_tasks=[a.task] if f.classification == "hazardous_child_labour" else [],
        provisional=f.provisional, **base)]
