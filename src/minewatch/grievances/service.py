"""Use cases of grievances: receive a report from any channel, check and add to it by case number and PIN,
and work the cases (list, show, assign, advance, worklist, open the child-labour case).

Reporter protection (issue 7 part 2): the phone is stored only as the vault's keyed hash (and an encrypted
copy when the reporter agrees to replies); the PIN only as an argon2id hash; the audit trail gets digests
keyed by the vault (or of non-personal fields only), never the phone or the text. Channels act as system
actors ``channel:<channel>`` (no user).

A child-labour report cannot open a case through ``cases.service.open_case`` at receipt: that needs a
``children.write`` actor and a named child (``child_missing``), which an anonymous SMS rarely gives. So the
report joins the one open grievance-sourced child case at the same site if there is exactly one; otherwise it
is marked ``pending_case`` and shown on the child-protection officer's worklist, who opens the case with
:func:`open_child_case` (which calls ``open_case`` with ``source_type="grievance"``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import asdict, dataclass, field

from minewatch.accounts.model import Actor, check_password, hash_password
from minewatch.adapters.db import UnitOfWork, utcnow
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import ConfigError, NotFound, PermissionDenied
from minewatch.grievances import model
from minewatch.grievances import repository as repo
from minewatch.grievances.errors import CaseOrPinNotFound, GrievanceInvalid, StageRefused
from minewatch.grievances.orm import Grievance, GrievanceEntry, GrievanceEscalation, GrievancePinCheck

ENTITY = "grievance"
MAX_TEXT = 4000
LANGUAGES = ("en", "fr", "es", "pt", "sw", "fil")


@dataclass(frozen=True)
class Submitted:
    """What the reporter is told."""

    case_number: str
    pin: str | None  # shown once, at creation; None on a retry
    created: bool  # False when this external_id was already received (idempotent retry)
    language: str


@dataclass(frozen=True)
class ReportView:
    case_number: str
    channel: str
    category: str
    annex_ii: str | None
    serious: bool
    site_code: str | None
    site_source: str
    language: str
    stage: str
    stage_since: dt.datetime
    received_at: dt.datetime
    due_on: dt.date | None
    days_overdue: int
    assignee: str | None
    public_answer: str | None
    anonymous: bool
    contact_for_replies: bool
    child_case_link: str | None
    child_case_id: int | None
    text: str | None  # None when the actor may not see this category's content
    text_hidden: bool
    additions: list[str] = field(default_factory=list)
    escalations: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class WorkItem:
    case_number: str
    kind: str  # overdue | escalation | pending_child_case
    category: str
    stage: str
    detail: str
    due_on: dt.date | None = None
    days_overdue: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def categories() -> tuple[str, ...]:
    return model.CATEGORIES


def category_for_keyword(text: str, language: str) -> str | None:
    return model.category_for_keyword(text, language)


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def _channel_actor(s, org_id: int, channel: str) -> Actor:
    org = repo.organisation(s, org_id)
    if org is None:
        raise NotFound(f"no organisation #{org_id}", code="organisation_not_found")
    return Actor(None, f"channel:{channel}", org.id, org.slug, "channel")


def _clean_text(text: str | None, what: str = "text") -> str:
    t = (text or "").strip()
    if not t:
        raise GrievanceInvalid(f"{what}: empty; say what happened", code="grievance_text_empty")
    if len(t) > MAX_TEXT:
        raise GrievanceInvalid(f"{what}: {len(t)} characters, more than {MAX_TEXT}", code="grievance_text_too_long")
    return t


def _safe_digest(g: Grievance) -> str:
    """A digest of the case's non-personal fields for the audit trail: the text, answer and phone are left
    out, since a plain SHA-256 of short personal text could be brute-forced back from the trail."""
    return digest({"case_number": g.case_number, "category": g.category, "stage": g.stage, "site_id": g.site_id,
                   "assignee_id": g.assignee_id, "child_case_id": g.child_case_id, "channel": g.channel,
                   "answered": g.public_answer is not None})


def _as_utc(value) -> dt.datetime:
    if value is None:
        return utcnow()
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    raise GrievanceInvalid(f"received_at: {value!r} is not a date and time")


def submit_report(uow: UnitOfWork, *, org_id: int, channel: str, category: str, text: str, language: str,
                  site_code: str | None = None, phone: str | None = None, consent_replies: bool = False,
                  anonymous: bool = True, external_id: str | None = None, received_at=None,
                  vault=None, policy: model.Policy = model.DEFAULT_POLICY, rng=None) -> Submitted:
    """Receive a report; a retry with the same (org, channel, external_id) returns the first one's number."""
    if channel not in model.CHANNELS:
        raise GrievanceInvalid(f"channel: {channel!r} is not one of: {', '.join(model.CHANNELS)}",
                               code="grievance_channel_invalid")
    if category not in model.CATEGORIES:
        raise GrievanceInvalid(f"category: {category!r} is not one of: {', '.join(model.CATEGORIES)}",
                               code="grievance_category_invalid")
    language = (language or "en").strip().lower() or "en"
    if len(language) > 8:
        raise GrievanceInvalid(f"language: {language!r} is not a language code", code="grievance_language_invalid")
    external_id = None if external_id is None else str(external_id).strip()[:128] or None
    s = uow.session
    if external_id is not None:
        first = repo.by_external_id(s, org_id, channel, external_id)
        if first is not None:
            return Submitted(first.case_number, None, False, first.language)
    text = _clean_text(text)
    if phone is not None and vault is None:
        raise ConfigError("a reporter's phone can only be stored through the key vault (none given)")
    actor = _channel_actor(s, org_id, channel)
    sites = repo.site_choices(s, org_id)
    if site_code:
        if site_code not in {c for c, _ in sites}:
            raise NotFound(f"site: no site {site_code} in this organisation", code="site_not_found")
        guess = model.SiteGuess(site_code, "chosen")
    else:
        guess = model.infer_site(text, sites)
    site = repo.site_by_code(s, org_id, guess.code) if guess.code else None

    rng = rng or secrets.SystemRandom()
    case_number = model.new_case_number(rng)
    while repo.case_number_taken(s, org_id, case_number):
        case_number = model.new_case_number(rng)
    pin = model.new_pin(rng)
    now = _as_utc(received_at)
    g = Grievance(org_id=org_id, case_number=case_number, channel=channel, external_id=external_id,
                  category=category, annex_ii=model.ANNEX_II.get(category), serious=model.is_serious(category, policy),
                  site_id=site.id if site else None, site_source=guess.how, language=language, text=text,
                  anonymous=bool(anonymous), consent_replies=bool(consent_replies and phone),
                  phone_hash=vault.lookup_hash(phone) if phone else None,
                  phone_encrypted=vault.encrypt(phone) if phone and consent_replies else None,
                  pin_hash=hash_password(pin), stage="received", stage_since=now, received_at=now)
    s.add(g)
    s.flush()
    log = AuditLog(s, actor, context=f"grievances submit ({channel})")
    log.record("created", ENTITY, g.case_number, before=None, after=_safe_digest(g))
    for role in model.escalation_roles(category, policy):
        s.add(GrievanceEscalation(org_id=org_id, grievance_id=g.id, role=role, created_at=now,
                                  reason=f"serious category {category} escalates at receipt"))
        log.record("escalated", ENTITY, g.case_number, before=None, after=digest({"role": role}))
    if category == "child_labour":
        _link_child_case(s, g, log)
    s.flush()
    log.flush()
    uow.commit()
    return Submitted(case_number, pin, True, language)


def _link_child_case(s, g: Grievance, log: AuditLog) -> None:
    from minewatch.cases.model import OPEN_STAGES

    c = repo.open_grievance_child_case(s, g.org_id, g.site_id, OPEN_STAGES) if g.site_id else None
    if c is not None:
        g.child_case_id, g.child_case_link = c.id, "joined"
    else:
        g.child_case_link = "pending_case"
    log.record("child_case_joined" if c is not None else "child_case_pending", ENTITY, g.case_number, before=None,
               after=digest({"child_case_id": g.child_case_id}))


_DUMMY_PIN_HASH: list[str] = []


def _dummy_pin_hash() -> str:
    if not _DUMMY_PIN_HASH:
        _DUMMY_PIN_HASH.append(hash_password("not-a-pin"))
    return _DUMMY_PIN_HASH[0]


def _check_pin(uow, org_id: int, case_number: str, pin: str, *, now: dt.datetime | None = None) -> Grievance:
    """The case if the PIN is right and the case is not locked; every attempt is counted. Unknown case,
    wrong PIN and a locked case all raise the same CaseOrPinNotFound."""
    s = uow.session
    g = repo.by_case_number(s, org_id, model.normalise_case_number(case_number))
    if g is None:
        check_password(str(pin), _dummy_pin_hash())  # the same work as a wrong PIN: timing tells nothing
        raise CaseOrPinNotFound()
    now = now or utcnow()
    failures = repo.failed_checks_since(s, org_id, g.id, now - dt.timedelta(hours=1))
    right = check_password(str(pin or "").strip(), g.pin_hash)  # always run: a locked case takes as long
    ok = right and not model.pin_too_many(failures)
    s.add(GrievancePinCheck(org_id=org_id, grievance_id=g.id, checked_at=now, ok=ok))
    if not ok:
        uow.commit()  # the failed attempt counts even though the call fails
        raise CaseOrPinNotFound()
    s.flush()
    return g


def case_status(uow: UnitOfWork, *, org_id: int, case_number: str, pin: str, now: dt.datetime | None = None) -> dict:
    """Stage, last update and public answer of a case, for its reporter (case number and PIN)."""
    g = _check_pin(uow, org_id, case_number, pin, now=now)
    result = {"case_number": g.case_number, "stage": g.stage, "last_update": g.stage_since,
              "answer": g.public_answer, "language": g.language}
    uow.commit()
    return result


def add_information(uow: UnitOfWork, *, org_id: int, case_number: str, pin: str, text: str, channel: str,
                    external_id: str | None = None, now: dt.datetime | None = None) -> bool:
    """Add the reporter's new information to a case; False when this external_id was already added."""
    if channel not in model.CHANNELS:
        raise GrievanceInvalid(f"channel: {channel!r} is not one of: {', '.join(model.CHANNELS)}",
                               code="grievance_channel_invalid")
    s = uow.session
    external_id = None if external_id is None else str(external_id).strip()[:128] or None
    if external_id is not None and repo.entry_by_external_id(s, org_id, channel, external_id) is not None:
        return False
    text = _clean_text(text)
    g = _check_pin(uow, org_id, case_number, pin, now=now)
    e = GrievanceEntry(org_id=org_id, grievance_id=g.id, channel=channel, external_id=external_id, text=text)
    s.add(e)
    s.flush()
    log = AuditLog(s, _channel_actor(s, org_id, channel), context=f"grievances add information ({channel})")
    log.record("information_added", ENTITY, g.case_number, before=None, after=digest({"entry_id": e.id}))
    log.flush()
    uow.commit()
    return True


def reply_contact(uow: UnitOfWork, *, org_id: int, case_number: str, vault) -> str | None:
    """The reporter's phone, decrypted, for sending a reply; None unless the reporter consented."""
    g = repo.by_case_number(uow.session, org_id, model.normalise_case_number(case_number))
    if g is None or not g.consent_replies or g.phone_encrypted is None:
        return None
    return vault.decrypt(g.phone_encrypted)


# ---- the organisation's side -------------------------------------------------------------------------------

def _may_see_text(actor, category: str) -> bool:
    needed = model.RESTRICTED_CATEGORIES.get(category)
    return needed is None or actor.may(needed)


def _get(s, actor, case_number: str) -> Grievance:
    g = repo.by_case_number(s, actor.org_id, model.normalise_case_number(case_number))
    if g is None:
        raise NotFound(f"no case {case_number} in organisation '{actor.org_slug}'", code="grievance_not_found")
    return g


def _views(s, actor, rows: list[Grievance], today: dt.date, policy: model.Policy, *, full: bool = False):
    codes = repo.site_codes(s, actor.org_id, {g.site_id for g in rows if g.site_id})
    emails = repo.user_emails(s, actor.org_id, {g.assignee_id for g in rows if g.assignee_id})
    escs: dict[int, list[dict]] = {}
    if full and rows:
        for e in repo.escalations(s, actor.org_id, [g.id for g in rows]):
            escs.setdefault(e.grievance_id, []).append(
                {"role": e.role, "reason": e.reason, "created_at": e.created_at, "acknowledged_at": e.acknowledged_at})
    out = []
    for g in rows:
        visible = _may_see_text(actor, g.category)
        since = g.stage_since.date()
        additions = [e.text for e in repo.entries(s, actor.org_id, g.id)] if full and visible else []
        out.append(ReportView(
            g.case_number, g.channel, g.category, g.annex_ii, g.serious, codes.get(g.site_id), g.site_source,
            g.language, g.stage, g.stage_since, g.received_at, model.due_on(g.stage, since, policy),
            model.days_overdue(g.stage, since, today, policy), emails.get(g.assignee_id), g.public_answer,
            g.anonymous, g.consent_replies, g.child_case_link, g.child_case_id,
            g.text if visible else None, not visible, additions, escs.get(g.id, [])))
    return out


def list_reports(uow: UnitOfWork, *, actor, stage: str | None = None, overdue: bool = False,
                 today: dt.date | None = None, policy: model.Policy = model.DEFAULT_POLICY) -> list[ReportView]:
    """The organisation's cases (without their text), oldest first; ``overdue`` keeps those past target."""
    _require(actor, "grievances.read", "see grievances")
    if stage is not None and stage not in model.STAGES:
        raise GrievanceInvalid(f"stage: {stage!r} is not one of: {', '.join(model.STAGES)}",
                               code="grievance_stage_invalid")
    today = today or utcnow().date()
    views = _views(uow.session, actor, repo.list_cases(uow.session, actor, stage=stage), today, policy)
    views = [_without_text(v) for v in views]
    return [v for v in views if v.days_overdue > 0] if overdue else views


def _without_text(v: ReportView) -> ReportView:
    """A list row: no free text (it stays on the case page, where reading it is audited)."""
    from dataclasses import replace

    return replace(v, text=None)


def show_report(uow: UnitOfWork, *, actor, case_number: str, today: dt.date | None = None,
                policy: model.Policy = model.DEFAULT_POLICY) -> ReportView:
    """One case with its text (if the actor may see it), additions and escalations; the read is audited."""
    _require(actor, "grievances.read", "see grievances")
    s = uow.session
    g = _get(s, actor, case_number)
    view = _views(s, actor, [g], today or utcnow().date(), policy, full=True)[0]
    log = AuditLog(s, actor, context="grievances show")
    log.record("read", ENTITY, g.case_number, before=None, after=None)
    log.flush()
    uow.commit()
    return view


def assign(uow: UnitOfWork, *, actor, case_number: str, to_email: str) -> ReportView:
    """Give a case to a user of the organisation who may see grievances."""
    _require(actor, "grievances.write", "assign grievances")
    s = uow.session
    g = _get(s, actor, case_number)
    user = repo.user_by_email(s, actor.org_id, to_email)
    if user is None or not user.is_active:
        raise NotFound(f"--to: no active user {to_email!r} in organisation '{actor.org_slug}'", code="user_not_found")
    assignee = Actor(user.id, user.email, actor.org_id, actor.org_slug, user.role)
    if not assignee.may("grievances.read"):
        raise GrievanceInvalid(f"--to: {to_email} (role {user.role}) may not see grievances",
                               code="grievance_assignee_invalid")
    if g.category in model.RESTRICTED_CATEGORIES and not _may_see_text(assignee, g.category):
        raise GrievanceInvalid(f"--to: {to_email} (role {user.role}) may not see {g.category} reports",
                               code="grievance_assignee_invalid")
    before = _safe_digest(g)
    g.assignee_id = user.id
    s.flush()
    log = AuditLog(s, actor, context="grievances assign")
    log.record("assigned", ENTITY, g.case_number, before=before, after=_safe_digest(g))
    log.flush()
    view = _views(s, actor, [g], utcnow().date(), model.DEFAULT_POLICY)[0]
    uow.commit()
    return view


def advance(uow: UnitOfWork, *, actor, case_number: str, to_stage: str, answer: str | None = None,
            now: dt.datetime | None = None, policy: model.Policy = model.DEFAULT_POLICY) -> ReportView:
    """Move a case to its next stage; ``answer`` is the public answer its reporter sees with STATUS."""
    _require(actor, "grievances.write", "advance grievances")
    if to_stage not in model.STAGES:
        raise GrievanceInvalid(f"--to: {to_stage!r} is not one of: {', '.join(model.STAGES)}",
                               code="grievance_stage_invalid")
    s = uow.session
    g = _get(s, actor, case_number)
    if not model.can_move(g.stage, to_stage):
        allowed = ", ".join(model.TRANSITIONS.get(g.stage, ())) or "none"
        raise StageRefused(f"case {g.case_number} is {g.stage}: it can move to {allowed}, not {to_stage}")
    if g.category in model.RESTRICTED_CATEGORIES and not _may_see_text(actor, g.category) and answer:
        raise PermissionDenied(f"role '{actor.role}' may not answer {g.category} reports")
    now = _as_utc(now)
    before = _safe_digest(g)
    g.stage, g.stage_since = to_stage, now
    if answer is not None:
        g.public_answer = _clean_text(answer, "--answer")
    for e in repo.escalations(s, actor.org_id, [g.id], open_only=True, roles=[actor.role]):
        e.acknowledged_at = now
    s.flush()
    log = AuditLog(s, actor, context=f"grievances advance to {to_stage}")
    log.record("stage_changed", ENTITY, g.case_number, before=before, after=_safe_digest(g))
    log.flush()
    view = _views(s, actor, [g], now.date(), policy)[0]
    uow.commit()
    return view


def worklist(uow: UnitOfWork, *, actor, today: dt.date | None = None,
             policy: model.Policy = model.DEFAULT_POLICY) -> list[WorkItem]:
    """What needs doing: open escalations to the actor's role, overdue cases, and (for the child-protection
    role) child-labour reports whose case is still to be opened."""
    _require(actor, "grievances.read", "see grievances")
    s = uow.session
    today = today or utcnow().date()
    rows = repo.list_cases(s, actor, stages=model.OPEN_STAGES + ("resolved", "closed"))
    by_id = {g.id: g for g in rows}
    items = []
    for e in repo.escalations(s, actor.org_id, open_only=True, roles=[actor.role]):
        g = by_id.get(e.grievance_id)
        if g is not None:
            items.append(WorkItem(g.case_number, "escalation", g.category, g.stage, f"to {e.role}: {e.reason}"))
    for g in rows:
        n = model.days_overdue(g.stage, g.stage_since.date(), today, policy)
        if n > 0:
            items.append(WorkItem(g.case_number, "overdue", g.category, g.stage,
                                  f"{g.stage} for longer than {policy.sla_days[g.stage]} days",
                                  model.due_on(g.stage, g.stage_since.date(), policy), n))
    if actor.may("children.write"):
        for g in rows:
            if g.child_case_link == "pending_case":
                items.append(WorkItem(g.case_number, "pending_child_case", g.category, g.stage,
                                      "open its child labour case (a report names no child: find out who)"))
    order = {"escalation": 0, "pending_child_case": 1, "overdue": 2}
    return sorted(items, key=lambda i: (order[i.kind], -i.days_overdue, i.case_number))


def open_child_case(uow: UnitOfWork, *, actor, case_number: str, child: dict | None = None, person: str | None = None,
                    today: dt.date | None = None):
    """Open the child-labour case of a pending report through ``cases.service.open_case`` and link it."""
    from minewatch.cases.service import open_case

    _require(actor, "children.write", "open child labour cases")
    s = uow.session
    g = _get(s, actor, case_number)
    if g.category != "child_labour":
        raise GrievanceInvalid(f"case {g.case_number} is a {g.category} report, not child labour",
                               code="grievance_not_child_labour")
    site_code = repo.site_codes(s, actor.org_id, {g.site_id}).get(g.site_id) if g.site_id else None
    case_id, before = g.id, _safe_digest(g)
    view = open_case(uow, actor=actor, source_type="grievance", source_id=g.case_number, site_code=site_code,
                     person=person, child=child, today=today)  # commits
    g = s.get(Grievance, case_id)
    g.child_case_id, g.child_case_link = view.id, "opened"
    s.flush()
    log = AuditLog(s, actor, context="grievances open child case")
    log.record("child_case_opened", ENTITY, g.case_number, before=before, after=_safe_digest(g))
    log.flush()
    uow.commit()
    return view


# ---- the case page's history (issue 7 web pages, added by the web increment) ---------------------------------

def case_history(uow: UnitOfWork, *, actor, case_number: str) -> list[dict]:
    """What happened to a case and who did it, from the audit trail (reads are left out): ``at``, ``by``
    (a user's e-mail, or ``channel:<channel>``), ``action`` and, for a stage change, ``stage``."""
    _require(actor, "grievances.read", "see grievances")
    g = _get(uow.session, actor, case_number)
    out = []
    for at, by, action, context in repo.history_events(uow.session, actor.org_id, g.case_number):
        stage = context.rsplit(" ", 1)[-1] if action == "stage_changed" and context else None
        out.append({"at": at, "by": by, "action": action, "stage": stage})
    return out
