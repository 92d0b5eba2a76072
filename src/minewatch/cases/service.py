"""Use cases of child labour cases (CLMRS): open, read, move, add actions and follow-ups, close,
reopen, the overdue worklist, programme indicators and the retention purge.

Child-safe data (issue 5 part 4): every function that shows or changes a case needs ``children.read``
or ``children.write`` (the child-protection officer); other roles get :func:`case_indicators` (counts,
``registry.read``). A case of another organisation is :class:`CaseNotFound` (404), never forbidden.
**Every read of a case is audited** (event ``read``) and every change (events ``created``,
``stage_changed``, ``action_added``, ``followup_added``, ``closed``, ``reopened``, ``purged``), with
the actor; the audit holds digests, never the child's identity.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import asdict, dataclass, field

from minewatch.adapters.db import UnitOfWork, utcnow
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.cases import model
from minewatch.cases import repository as repo
from minewatch.cases.errors import CaseNotFound, CaseStateConflict
from minewatch.cases.orm import CaseAction, CaseFollowUp, ChildCase
from minewatch.errors import Conflict, InvalidInput, NotFound, PermissionDenied

ENTITY = "child_case"
SEXES = {"f": "female", "female": "female", "m": "male", "male": "male", "other": "other"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
IDENTIFYING = ("child_name", "child_birth_date", "guardian_name", "household_location", "notes",
               "close_reason_text")


@dataclass(frozen=True)
class CaseView:
    """A case as the child-protection officer sees it (identity included)."""

    id: int
    stage: str
    source_type: str
    source_id: str | None
    site_code: str | None
    classification: str | None
    identified_on: dt.date
    person_id: int | None
    person_external_id: str | None
    child_name: str | None
    child_sex: str | None
    child_birth_date: dt.date | None
    child_birth_year: int | None
    guardian_name: str | None
    household_location: str | None
    notes: str | None
    episode: int
    next_followup_due: dt.date | None
    closed_on: dt.date | None
    close_reason: str | None
    close_reason_text: str | None
    purged_at: dt.datetime | None
    actions: list[dict] = field(default_factory=list)
    followups: list[dict] = field(default_factory=list)
    created: bool = False  # open_case: False when an identical open case already existed (a retry)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class WorklistItem:
    case_id: int
    site_code: str | None
    stage: str
    child_name: str | None
    next_followup_due: dt.date
    days_overdue: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PurgeResult:
    purged: list[int]
    before: dt.date
    storage: str = "none"  # wal_truncated | wal_busy (SQLite), vacuumed (PostgreSQL), none, purge_failed


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def _today(today: dt.date | None) -> dt.date:
    return today or utcnow().date()


def _case_digest(c: ChildCase) -> str:
    return digest({k: getattr(c, k) for k in (
        "person_id", "site_id", "source_type", "source_id", "classification", "stage", "identified_on",
        "child_name", "child_sex", "child_birth_date", "child_birth_year", "guardian_name", "household_location",
        "notes", "episode", "next_followup_due", "closed_on", "close_reason", "close_reason_text")})


def _get(s, actor, case_id, permission: str | None = None) -> ChildCase:
    """The organisation's case ``case_id``. Without ``permission`` the answer is the same as for a case
    that does not exist (404): a role that may not see cases cannot learn which ids exist (issue 5:
    a field officer or an auditor "cannot read a case (404)")."""
    try:
        cid = int(str(case_id).lstrip("#"))
    except ValueError:
        raise InvalidInput(f"case id {case_id!r} is not a number", code="case_id_invalid") from None
    c = repo.case_by_id(s, actor.org_id, cid) if permission is None or actor.may(permission) else None
    if c is None:
        raise CaseNotFound(f"no case #{cid} in organisation '{actor.org_slug}'")
    return c


def _view(s, actor, c: ChildCase, *, created: bool = False) -> CaseView:
    person = repo.person_by_id(s, actor.org_id, c.person_id) if c.person_id else None
    site = repo.site_codes(s, actor.org_id, [c.site_id]).get(c.site_id) if c.site_id else None
    actions = [{"id": a.id, "action": a.action, "planned_on": a.planned_on, "done_on": a.done_on,
                "provider": a.provider, "cost_amount": a.cost_amount, "cost_currency": a.cost_currency,
                "notes": a.notes, "recorded_by": a.actor_email} for a in repo.actions_of(s, actor.org_id, [c.id])]
    fus = [{"id": f.id, "followed_up_on": f.followed_up_on, "episode": f.episode, "followed_up_by": f.followed_up_by,
            "in_child_labour": f.in_child_labour, "in_school": f.in_school, "notes": f.notes}
           for f in repo.followups_of(s, actor.org_id, [c.id])]
    return CaseView(
        id=c.id, stage=c.stage, source_type=c.source_type, source_id=c.source_id, site_code=site,
        classification=c.classification, identified_on=c.identified_on, person_id=c.person_id,
        person_external_id=person.external_id if person else None,
        child_name=(person.full_name if person else None) or c.child_name,
        child_sex=(person.sex if person else None) or c.child_sex,
        child_birth_date=(person.date_of_birth if person else None) or c.child_birth_date,
        child_birth_year=(person.birth_year if person else None) or c.child_birth_year,
        guardian_name=c.guardian_name, household_location=c.household_location, notes=c.notes, episode=c.episode,
        next_followup_due=c.next_followup_due, closed_on=c.closed_on, close_reason=c.close_reason,
        close_reason_text=c.close_reason_text, purged_at=c.purged_at, actions=actions, followups=fus,
        created=created)


def _record(s, actor, action: str, c: ChildCase, before: str | None, context: str) -> None:
    c.content_digest = after = _case_digest(c)
    c.updated_at = utcnow()
    s.flush()
    log = AuditLog(s, actor, context=context)
    log.record(action, ENTITY, c.id, before=before, after=after)
    log.flush()


def _reschedule(s, actor, c: ChildCase, interval_days: int) -> None:
    if c.stage == "closed":
        c.next_followup_due = None
        return
    actions = repo.actions_of(s, actor.org_id, [c.id])
    fus = [f.followed_up_on for f in repo.followups_of(s, actor.org_id, [c.id]) if f.episode == c.episode]
    dates = [a.done_on or a.planned_on for a in actions]
    c.next_followup_due = model.next_followup_due(c.identified_on, dates, fus, interval_days=interval_days)


def _check_date(value, what: str, *, today: dt.date, not_before: dt.date | None = None) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(f"{what} {value!r} is not a date (YYYY-MM-DD)", code="date_invalid") from None
    if value > today:
        raise InvalidInput(f"{what} {value.isoformat()} is in the future", code="date_in_future")
    if not_before is not None and value < not_before:
        raise InvalidInput(f"{what} {value.isoformat()} is before the case was identified "
                           f"({not_before.isoformat()})", code="date_before_identification")
    return value


def _clean(text: str | None, what: str, max_len: int) -> str | None:
    text = " ".join((text or "").split()) or None
    if text is not None and len(text) > max_len:
        raise InvalidInput(f"{what} has {len(text)} characters; at most {max_len}", code="text_too_long")
    return text


def _child_fields(child: dict | None, today: dt.date) -> dict:
    child = dict(child or {})
    unknown = set(child) - {"name", "sex", "birth_date", "birth_year", "guardian", "household_location"}
    if unknown:
        raise InvalidInput(f"unknown child field(s): {', '.join(sorted(unknown))}", code="child_field_unknown")
    sex = child.get("sex")
    if sex is not None:
        if str(sex).strip().lower() not in SEXES:
            raise InvalidInput(f"child sex {sex!r} is not one of: female, male, other (or f, m)", code="sex_invalid")
        sex = SEXES[str(sex).strip().lower()]
    birth_date = _check_date(child.get("birth_date"), "child birth date", today=today)
    year = child.get("birth_year")
    if year is not None:
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise InvalidInput(f"child birth year {year!r} is not a year", code="birth_year_invalid") from None
        if not today.year - 25 <= year <= today.year:
            raise InvalidInput(f"child birth year {year} is not between {today.year - 25} and {today.year}",
                               code="birth_year_invalid")
    if birth_date is not None:
        if year is not None and year != birth_date.year:
            raise InvalidInput(f"child birth year {year} differs from the birth date {birth_date.isoformat()}",
                               code="birth_year_invalid")
        year = birth_date.year
    return {"child_name": _clean(child.get("name"), "child name", 200), "child_sex": sex,
            "child_birth_date": birth_date, "child_birth_year": year,
            "guardian_name": _clean(child.get("guardian"), "guardian name", 200),
            "household_location": _clean(child.get("household_location"), "household location", 300)}


def open_case(uow: UnitOfWork, *, actor, source_type: str, source_id: str | int | None = None,
              site_code: str | None = None, person: str | None = None, child: dict | None = None,
              identified_on: dt.date | None = None, classification: str | None = None, notes: str | None = None,
              today: dt.date | None = None,
              followup_interval_days: int = model.FOLLOWUP_INTERVAL_DAYS) -> CaseView:
    """Open a case for a child from a finding (``assignment`` or ``visit`` id), a grievance or another
    source; the child is a registered ``person`` (external id or ``#id``) or described by ``child``
    (name, sex, birth_date, birth_year, guardian, household_location). A retry with the same source and
    child returns the open case already made (``created`` False)."""
    _require(actor, "children.write", "open child labour cases")
    today = _today(today)
    if source_type not in model.SOURCE_TYPES:
        raise InvalidInput(f"source type {source_type!r} is not one of: {', '.join(model.SOURCE_TYPES)}",
                           code="source_type_invalid")
    if classification is not None and classification not in model.CLASSIFICATIONS:
        raise InvalidInput(f"classification {classification!r} is not one of: {', '.join(model.CLASSIFICATIONS)}",
                           code="classification_invalid")
    s = uow.session
    person_id = site_id = None
    source_date = None
    if source_type in ("assignment", "visit"):
        if source_id is None or not str(source_id).strip().isdigit():
            raise InvalidInput(f"a case from a {source_type} needs the {source_type} id (a number), got "
                               f"{source_id!r}", code="source_id_invalid")
        sid = int(str(source_id).strip())
        if source_type == "assignment":
            a = repo.assignment_by_id(s, actor.org_id, sid)
            if a is None:
                raise NotFound(f"no assignment #{sid} in organisation '{actor.org_slug}'",
                               code="assignment_not_found")
            person_id, site_id = a.person_id, a.site_id
        else:
            v = repo.visit_by_id(s, actor.org_id, sid)
            if v is None:
                raise NotFound(f"no visit #{sid} in organisation '{actor.org_slug}'", code="visit_not_found")
            site_id, source_date = v.site_id, v.visit_date
    source_id = None if source_id is None else str(source_id).strip()
    if person is not None:
        p = repo.person_by_ref(s, actor.org_id, str(person).strip())
        if p is None:
            raise NotFound(f"no person '{person}' in organisation '{actor.org_slug}'", code="person_not_found")
        if person_id is not None and p.id != person_id:
            raise InvalidInput(f"person '{person}' is not the person of assignment #{source_id}",
                               code="person_mismatch")
        person_id = p.id
    if site_code is not None:
        site = repo.site_by_code(s, actor.org_id, site_code)
        if site is None:
            raise NotFound(f"no site {site_code} in organisation '{actor.org_slug}'", code="site_not_found")
        if site_id is not None and site.id != site_id:
            raise InvalidInput(f"site {site_code} is not the site of {source_type} #{source_id}",
                               code="site_mismatch")
        site_id = site.id
    fields = _child_fields(child, today)
    if person_id is not None and fields["child_name"]:
        raise InvalidInput("give a registered person or the child's details, not both (the registry holds "
                           "the person's identity)", code="child_twice")
    if person_id is None and not fields["child_name"]:
        raise InvalidInput("say who the child is: a registered person (--person) or at least the child's name",
                           code="child_missing")
    identified_on = _check_date(identified_on or source_date or today, "identification date", today=today)

    for c in repo.open_cases_from(s, actor.org_id, source_type, source_id, person_id):
        if person_id is not None or (c.child_name, c.child_birth_date, c.child_birth_year) == (
                fields["child_name"], fields["child_birth_date"], fields["child_birth_year"]):
            view = _view(s, actor, c)
            log = AuditLog(s, actor, context="cases open (retry)")
            log.record("read", ENTITY, c.id, before=None, after=None)
            log.flush()
            uow.commit()
            return view
    if person_id is not None:
        existing = repo.open_case_of_person(s, actor.org_id, person_id)
        if existing is not None:
            raise Conflict(f"this child already has an open case #{existing.id}", code="case_exists")

    c = ChildCase(org_id=actor.org_id, person_id=person_id, site_id=site_id, source_type=source_type,
                  source_id=source_id, classification=classification, stage="identification",
                  identified_on=identified_on, notes=_clean(notes, "notes", 2000), episode=0, **fields)
    c.next_followup_due = model.next_followup_due(identified_on, [], [], interval_days=followup_interval_days)
    s.add(c)
    s.flush()
    _record(s, actor, "created", c, None, f"cases open from {source_type}")
    view = _view(s, actor, c, created=True)
    uow.commit()
    return view


def show_case(uow: UnitOfWork, *, actor, case_id) -> CaseView:
    """One case with its actions and follow-ups; the read is audited."""
    s = uow.session
    c = _get(s, actor, case_id, "children.read")
    view = _view(s, actor, c)
    log = AuditLog(s, actor, context="cases show")
    log.record("read", ENTITY, c.id, before=None, after=None)
    log.flush()
    uow.commit()
    return view


def list_cases(uow: UnitOfWork, *, actor, stage: str | None = None, site_code: str | None = None,
               open_only: bool = False) -> list[CaseView]:
    """The organisation's cases (filtered by stage, site); each case read is audited."""
    _require(actor, "children.read", "read child labour cases")
    if stage is not None and stage not in model.STAGES:
        raise InvalidInput(f"stage {stage!r} is not one of: {', '.join(model.STAGES)}", code="stage_invalid")
    s = uow.session
    site_id = None
    if site_code is not None:
        site = repo.site_by_code(s, actor.org_id, site_code)
        if site is None:
            raise NotFound(f"no site {site_code} in organisation '{actor.org_slug}'", code="site_not_found")
        site_id = site.id
    found = repo.cases(s, actor.org_id, stage=stage, site_id=site_id, open_only=open_only)
    views = [_view(s, actor, c) for c in found]
    if found:
        log = AuditLog(s, actor, context="cases list")
        for c in found:
            log.record("read", ENTITY, c.id, before=None, after=None)
        log.flush()
        uow.commit()
    return views


def move_case(uow: UnitOfWork, *, actor, case_id, to_stage: str) -> CaseView:
    """Move a case one stage forward (identification -> assessment -> remediation_plan -> follow_up);
    closing and reopening have their own functions."""
    s = uow.session
    c = _get(s, actor, case_id, "children.write")
    if to_stage not in model.STAGES:
        raise InvalidInput(f"stage {to_stage!r} is not one of: {', '.join(model.STAGES)}", code="stage_invalid")
    if to_stage == "closed" or c.stage == "closed":
        raise CaseStateConflict("use close_case / reopen_case ('minewatch cases close' / '--reopen') to close "
                                "or reopen a case")
    if not model.can_move(c.stage, to_stage):
        raise CaseStateConflict(f"case #{c.id} is at {c.stage}; it may move to "
                                f"{', '.join(model.TRANSITIONS[c.stage])} only", code="stage_transition_invalid")
    before = c.content_digest
    c.stage = to_stage
    _record(s, actor, "stage_changed", c, before, f"cases move to {to_stage}")
    view = _view(s, actor, c)
    uow.commit()
    return view


def add_action(uow: UnitOfWork, *, actor, case_id, action: str, planned_on: dt.date | None = None,
               done_on: dt.date | None = None, provider: str | None = None, cost_amount=None,
               cost_currency: str | None = None, notes: str | None = None, today: dt.date | None = None,
               followup_interval_days: int = model.FOLLOWUP_INTERVAL_DAYS) -> CaseView:
    """Add a remediation action from the controlled list; the case moves to remediation_plan if earlier."""
    today = _today(today)
    if action not in model.REMEDIATION_ACTIONS:
        raise InvalidInput(f"remediation action {action!r} is not one of: {', '.join(model.REMEDIATION_ACTIONS)}",
                           code="action_invalid")
    s = uow.session
    c = _get(s, actor, case_id, "children.write")
    if c.stage == "closed":
        raise CaseStateConflict(f"case #{c.id} is closed: reopen it first", code="case_closed")
    if planned_on is not None and not isinstance(planned_on, dt.date):
        try:
            planned_on = dt.date.fromisoformat(str(planned_on))
        except ValueError:
            raise InvalidInput(f"planned date {planned_on!r} is not a date (YYYY-MM-DD)", code="date_invalid") from None
    done_on = _check_date(done_on, "done date", today=today, not_before=c.identified_on)
    amount = None
    if cost_amount is not None:
        try:
            amount = round(float(str(cost_amount).replace(",", "")), 2)
        except ValueError:
            raise InvalidInput(f"cost {cost_amount!r} is not a number", code="cost_invalid") from None
        if amount < 0 or amount != amount:
            raise InvalidInput(f"cost {cost_amount!r} must be zero or more", code="cost_invalid")
        cost_currency = (cost_currency or "").strip().upper()
        if not _CURRENCY.match(cost_currency):
            raise InvalidInput(f"a cost needs its ISO 4217 currency (e.g. USD, CDF), got {cost_currency!r}",
                               code="currency_invalid")
    elif cost_currency:
        raise InvalidInput("a currency was given without a cost amount", code="cost_invalid")
    before = c.content_digest
    s.add(CaseAction(org_id=actor.org_id, case_id=c.id, action=action, planned_on=planned_on, done_on=done_on,
                     provider=_clean(provider, "provider", 200), cost_amount=amount,
                     cost_currency=cost_currency if amount is not None else None, notes=_clean(notes, "notes", 2000),
                     actor_email=actor.email))
    s.flush()
    c.stage = model.stage_after(c.stage, "action")
    _reschedule(s, actor, c, followup_interval_days)
    _record(s, actor, "action_added", c, before, f"cases add-action {action}")
    view = _view(s, actor, c)
    uow.commit()
    return view


def add_followup(uow: UnitOfWork, *, actor, case_id, followed_up_on: dt.date, in_child_labour: bool,
                 in_school: bool | None = None, followed_up_by: str | None = None, notes: str | None = None,
                 today: dt.date | None = None,
                 followup_interval_days: int = model.FOLLOWUP_INTERVAL_DAYS) -> CaseView:
    """Record a follow-up visit (is the child still in child labour? in school?); schedules the next."""
    today = _today(today)
    s = uow.session
    c = _get(s, actor, case_id, "children.write")
    if c.stage == "closed":
        raise CaseStateConflict(f"case #{c.id} is closed: reopen it first", code="case_closed")
    if model.STAGES.index(c.stage) < model.STAGES.index("remediation_plan"):
        raise CaseStateConflict(f"case #{c.id} is at {c.stage}: plan a remediation action before following up",
                                code="no_remediation_yet")
    if followed_up_on is None:
        raise InvalidInput("a follow-up needs its date", code="date_invalid")
    followed_up_on = _check_date(followed_up_on, "follow-up date", today=today, not_before=c.identified_on)
    if not isinstance(in_child_labour, bool):
        raise InvalidInput(f"in_child_labour must be yes or no, got {in_child_labour!r}", code="outcome_invalid")
    before = c.content_digest
    s.add(CaseFollowUp(org_id=actor.org_id, case_id=c.id, followed_up_on=followed_up_on, episode=c.episode,
                       followed_up_by=_clean(followed_up_by, "followed up by", 254) or actor.email,
                       in_child_labour=in_child_labour, in_school=in_school, notes=_clean(notes, "notes", 2000)))
    s.flush()
    c.stage = model.stage_after(c.stage, "followup")
    _reschedule(s, actor, c, followup_interval_days)
    _record(s, actor, "followup_added", c, before, "cases add-followup")
    view = _view(s, actor, c)
    uow.commit()
    return view


def close_case(uow: UnitOfWork, *, actor, case_id, reason: str | None = None, reason_text: str | None = None,
               on: dt.date | None = None, today: dt.date | None = None) -> CaseView:
    """Close a case: after two clean follow-ups (the latest clean too), or with a documented reason."""
    today = _today(today)
    s = uow.session
    c = _get(s, actor, case_id, "children.write")
    if c.stage == "closed":
        raise CaseStateConflict(f"case #{c.id} is closed already", code="case_closed")
    facts = [model.FollowUpFact(f.followed_up_on, f.in_child_labour, f.episode)
             for f in repo.followups_of(s, actor.org_id, [c.id])]
    reason_text = _clean(reason_text, "close reason text", 300)
    problem = model.closing_problem(facts, c.episode, reason, reason_text)
    if problem:
        raise CaseStateConflict(f"case #{c.id} cannot close: {problem}", code="case_cannot_close")
    before = c.content_digest
    c.stage = "closed"
    c.closed_on = _check_date(on or today, "closing date", today=today, not_before=c.identified_on)
    c.close_reason = reason or "followups_clean"
    c.close_reason_text = reason_text
    c.next_followup_due = None
    _record(s, actor, "closed", c, before, f"cases close: {c.close_reason}")
    view = _view(s, actor, c)
    uow.commit()
    return view


def reopen_case(uow: UnitOfWork, *, actor, case_id, reason: str, today: dt.date | None = None,
                followup_interval_days: int = model.FOLLOWUP_INTERVAL_DAYS) -> CaseView:
    """Reopen a closed case with a reason (kept in the audit trail, so it must not name the child);
    a new episode starts: follow-ups before it no longer count towards closing."""
    from minewatch.people.service import check_reason

    today = _today(today)
    s = uow.session
    c = _get(s, actor, case_id, "children.write")
    if c.stage != "closed":
        raise CaseStateConflict(f"case #{c.id} is open ({c.stage}): only a closed case is reopened",
                                code="case_open")
    if c.purged_at is not None:
        raise CaseStateConflict(f"case #{c.id} was purged: open a new case", code="case_purged")
    person = repo.person_by_id(s, actor.org_id, c.person_id) if c.person_id else None
    reason = check_reason(reason, secrets=[c.child_name, c.guardian_name, person.full_name if person else None,
                                           person.external_id if person else None])
    before = c.content_digest
    c.stage = model.REOPEN_STAGE
    c.episode += 1
    c.closed_on = c.close_reason = c.close_reason_text = None
    c.next_followup_due = today + dt.timedelta(days=followup_interval_days)
    _record(s, actor, "reopened", c, before, f"cases reopen: {reason}")
    view = _view(s, actor, c)
    uow.commit()
    return view


def worklist(uow: UnitOfWork, *, actor, today: dt.date | None = None) -> list[WorklistItem]:
    """Open cases whose next follow-up is overdue (due before today), most overdue first; reads audited."""
    _require(actor, "children.read", "read child labour cases")
    today = _today(today)
    s = uow.session
    due = repo.overdue(s, actor.org_id, today)
    codes = repo.site_codes(s, actor.org_id, sorted({c.site_id for c in due if c.site_id}))
    items = []
    for c in due:
        person = repo.person_by_id(s, actor.org_id, c.person_id) if c.person_id else None
        items.append(WorklistItem(c.id, codes.get(c.site_id), c.stage,
                                  (person.full_name if person else None) or c.child_name, c.next_followup_due,
                                  (today - c.next_followup_due).days))
    if due:
        log = AuditLog(s, actor, context="cases worklist")
        for c in due:
            log.record("read", ENTITY, c.id, before=None, after=None)
        log.flush()
        uow.commit()
    return items


def purge_closed_cases(uow: UnitOfWork, *, actor, older_than_days: int, today: dt.date | None = None) -> PurgeResult:
    """Blank the identifying fields of cases closed more than ``older_than_days`` ago (the child's name,
    birth date, guardian, household location, the link to the registry, and every free-text note of the
    case, its actions and follow-ups); keeps sex, birth year, site, dates, actions and outcomes for the
    anonymous statistics. Audited per case; then the old row versions are removed from the database
    files as for a person's erasure (people/service.py explains what that reaches on each database)."""
    _require(actor, "children.write", "purge child labour cases")
    if older_than_days is None or int(older_than_days) < 0:
        raise InvalidInput(f"older_than_days must be zero or more, got {older_than_days!r}", code="days_invalid")
    today = _today(today)
    before_day = today - dt.timedelta(days=int(older_than_days))
    s = uow.session
    found = repo.closed_before(s, actor.org_id, before_day)
    ids = [c.id for c in found]
    now = utcnow()
    for a in repo.actions_of(s, actor.org_id, ids):
        a.notes = None
    for f in repo.followups_of(s, actor.org_id, ids):
        f.notes = None
    log = AuditLog(s, actor, context=f"cases purge: closed before {before_day.isoformat()}")
    for c in found:
        before = c.content_digest
        for name in IDENTIFYING:
            setattr(c, name, None)
        c.person_id = None
        c.purged_at = now
        c.content_digest = _case_digest(c)
        c.updated_at = now
        log.record("purged", ENTITY, c.id, before=before, after=c.content_digest)
    s.flush()
    log.flush()
    uow.commit()
    storage = repo.purge_free_space(uow.bind) if ids else "none"
    return PurgeResult(ids, before_day, storage)


# --------------------------------------------------------------------------------------------- indicators

def _facts(s, actor, by: str, today: dt.date) -> list[model.CaseFact]:
    if by not in model.GROUPINGS:
        raise InvalidInput(f"group by {by!r}: one of {', '.join(model.GROUPINGS)}", code="grouping_invalid")
    first_action = repo.first_done_actions(s, actor.org_id)
    fus: dict[int, list[model.FollowUpFact]] = {}
    for case_id, on, in_cl in repo.followup_outcomes(s, actor.org_id):
        fus.setdefault(case_id, []).append(model.FollowUpFact(on, in_cl, 0))
    facts = []
    for row in repo.indicator_rows(s, actor.org_id):
        group = getattr(row, by) or f"(no {by})"
        overdue = row.stage != "closed" and row.next_followup_due is not None and row.next_followup_due < today
        facts.append(model.CaseFact(group, row.identified_on, first_action.get(row.id), tuple(fus.get(row.id, ())),
                                    overdue))
    return facts


def case_indicators(uow: UnitOfWork, *, actor, by: str = "site", period: str = "quarter",
                    today: dt.date | None = None, suppress: bool = False, k: int = model.MIN_CELL) -> dict:
    """Programme indicators computed from the cases (counts only, no identity; ``registry.read``):
    children identified, with at least one remediation action done, followed up and no longer in child
    labour at the first and second follow-up (with shares), median days from identification to the first
    action done, overdue follow-ups; by ``by`` (site, cooperative, district = the site's admin2, else
    admin1) and period of identification (month, quarter, year), with totals. ``suppress`` applies
    small-cell suppression with complementary suppression (model.suppress_table) for sharing outside
    the organisation."""
    _require(actor, "registry.read", "read the registry")
    if period not in model.PERIODS:
        raise InvalidInput(f"period {period!r}: one of {', '.join(model.PERIODS)}", code="period_invalid")
    today = _today(today)
    table = model.indicator_table(_facts(uow.session, actor, by, today), period)
    rows = model.suppressed_rows(table, k=k) if suppress else model.plain_rows(table)
    return {"by": by, "period": period, "as_of": today, "suppressed": suppress, "min_cell": k if suppress else None,
            "groups": table.groups, "periods": table.periods, "rows": rows}


CSV_COLUMNS = ("group", "period", *model.COUNT_MEASURES, *model.SHARES, "median_days_to_action")


def indicators_csv(uow: UnitOfWork, *, actor, by: str = "site", period: str = "quarter",
                   today: dt.date | None = None, k: int = model.MIN_CELL) -> str:
    """The indicators as CSV for sharing outside the organisation: always suppressed (empty cells)."""
    result = case_indicators(uow, actor=actor, by=by, period=period, today=today, suppress=True, k=k)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([by if c == "group" else c for c in CSV_COLUMNS])
    for r in result["rows"]:
        w.writerow(["" if r[c] is None else (f"{r[c]:.3f}" if isinstance(r[c], float) else r[c])
                    for c in CSV_COLUMNS])
    return out.getvalue()
