"""Use cases of alerts: send one to the people assigned at some sites, read who got it.

Recipients (issue 7 part 4): the people assigned at the sites on the date (valid_from <= date <=
valid_to, open ends count), not erased, who consented to alerts (``consent_alerts``), have a phone, and
whose phone did not opt out (``STOP``, USSD "alerts off": messaging's ``AlertOptOut``). Each gets the text
in their preferred language, else the organisation's fallback, else English.

Idempotency: an alert is found again by its ``request_key`` (the caller's ``key``, else a digest of
kind, texts, sites and date), and each message has the outbox ``dedup_key`` ``alert:<alert id>:<person
id>``, so sending the same alert again (a retry after a crash, a double click) queues nothing twice.
People sharing one phone (a family) get one message, not one each.

Privacy: the phone is decrypted only in memory to hand it to the outbox; alert tables keep person ids,
and the audit trail keeps digests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field

from minewatch.adapters.db import UnitOfWork, utcnow
from minewatch.alerts import repository as repo
from minewatch.alerts.errors import AlertInvalid
from minewatch.alerts.model import KINDS, MAX_SEGMENTS, AlertTemplates, language_for, render_texts
from minewatch.alerts.orm import Alert, AlertRecipient
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import NotFound, PermissionDenied
from minewatch.messaging import service as messaging

SKIP_REASONS = ("no_consent", "no_phone", "opted_out")


@dataclass(frozen=True)
class SendResult:
    alert_id: int | None  # None on a dry run
    created: bool  # False when the same request found an alert already sent
    dry_run: bool
    kind: str
    template: str | None
    on_date: dt.date
    site_codes: list[str]
    recipients: int
    by_language: dict[str, int]
    segments: dict[str, int]  # SMS segments of the text in each language
    skipped: dict[str, int]
    queued: int  # outbox messages queued by this call (0 on a retry of a complete send)
    texts: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {**asdict(self), "on_date": self.on_date.isoformat()}


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    template: str | None
    on_date: dt.date
    site_codes: list[str]
    created_at: dt.datetime
    created_by: str | None
    texts: dict[str, str]
    segments: dict[str, int]
    skipped: dict[str, int]
    counts: dict[str, int]  # recipients by status (queued, sent, delivered, failed)
    recipients: list[dict] = field(default_factory=list)  # person_id, language, status, outbox_id
    rain: list[dict] = field(default_factory=list)  # the rainfall watches/warnings that raised it (reason as data)

    def as_dict(self) -> dict:
        return {**asdict(self), "on_date": self.on_date.isoformat(), "created_at": self.created_at.isoformat()}


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def _templates(templates: AlertTemplates | None) -> AlertTemplates:
    if templates is not None:
        return templates
    from minewatch.alerts.templates import alert_templates

    return alert_templates()


def _request_key(kind: str, template: str | None, texts: dict[str, str], codes: list[str], on: dt.date) -> str:
    blob = json.dumps([kind, template, texts, codes, on.isoformat()], sort_keys=True, ensure_ascii=False)
    return "auto:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()[:40]


def send_alert(uow: UnitOfWork, *, actor, site_codes, template: str, params: dict[str, str] | None = None,
               languages_text: dict[str, str] | None = None, vault, now: dt.datetime | None = None,
               on: dt.date | None = None, fallback_language: str = "en", key: str | None = None,
               dry_run: bool = False, max_segments: int = MAX_SEGMENTS,
               templates: AlertTemplates | None = None) -> SendResult:
    """Queue the alert ``template`` (a kind of :data:`KINDS`; with ``languages_text`` the caller's own
    texts) for the people assigned at ``site_codes`` on ``on`` (default: today); a dry run writes nothing."""
    _require(actor, "grievances.write", "send alerts")
    codes = list(dict.fromkeys(c.strip() for c in site_codes if c and c.strip()))
    if not codes:
        raise AlertInvalid("give at least one site code", code="alert_no_site")
    if template not in KINDS:
        raise AlertInvalid(f"template {template!r}: expected one of {', '.join(KINDS)}", code="alert_kind_unknown")
    if key is not None and not (0 < len(key) <= 80):
        raise AlertInvalid(f"key {key[:90]!r}: expected 1 to 80 characters", code="alert_key_invalid")
    now = now or utcnow()
    on = on or now.date()
    s = uow.session
    sites = repo.sites_by_code(s, actor.org_id, codes)
    unknown = sorted(set(codes) - {row.code for row in sites})
    if unknown:
        raise NotFound(f"no site {', '.join(unknown)} in organisation '{actor.org_slug}'", code="site_not_found")
    texts = render_texts(_templates(templates), kind=template, params=dict(params or {}),
                         languages_text=languages_text, defaults={"sites": ", ".join(codes)},
                         max_segments=max_segments)
    people = repo.people_at(s, actor.org_id, [row.id for row in sites], on)
    opted_out = repo.opted_out_hashes(s, actor.org_id, [p.phone_hash for p in people if p.phone_hash])
    skipped = Counter({reason: 0 for reason in SKIP_REASONS})
    chosen = []  # (person, language)
    for p in people:
        if p.consent_alerts is not True:
            skipped["no_consent"] += 1
        elif not (p.phone_hash and p.phone_encrypted):
            skipped["no_phone"] += 1
        elif p.phone_hash in opted_out:
            skipped["opted_out"] += 1
        else:
            chosen.append((p, language_for(p.preferred_language, texts, fallback_language)))
    stored_template = None if languages_text else template
    result = dict(kind=template, template=stored_template, on_date=on, site_codes=codes, recipients=len(chosen),
                  by_language=dict(sorted(Counter(lang for _, lang in chosen).items())),
                  segments={lang: t.segments for lang, t in texts.items()}, skipped=dict(skipped),
                  texts={lang: t.text for lang, t in texts.items()})
    if dry_run:
        return SendResult(alert_id=None, created=False, dry_run=True, queued=0, **result)

    text_of = {lang: t.text for lang, t in texts.items()}
    request_key = key or _request_key(template, stored_template, text_of, sorted(codes), on)
    alert = repo.alert_by_key(s, actor.org_id, request_key)
    created = alert is None
    if created:
        alert = Alert(org_id=actor.org_id, request_key=request_key, kind=template, template=stored_template,
                      texts=text_of, segments=result["segments"], params=dict(params or {}), site_codes=codes,
                      on_date=on, skipped=dict(skipped), created_by_id=actor.user_id,
                      created_by_email=actor.email, created_at=now)
        s.add(alert)
        s.flush()
    else:
        alert.skipped = dict(skipped)
    done = {r.person_id for r, _ in repo.recipients(s, actor.org_id, alert.id)}
    shared: dict[tuple[str, str], object] = {}  # (phone hash, language) -> outbox message: one SMS a phone
    queued, added = 0, []
    for person, lang in chosen:
        if person.id in done:
            continue
        msg = shared.get((person.phone_hash, lang))
        if msg is None:
            msg = messaging.enqueue(uow, org_id=actor.org_id, phone=vault.decrypt(person.phone_encrypted),
                                    body=alert.texts[lang], language=lang, kind="alert",
                                    dedup_key=f"alert:{alert.id}:{person.id}", vault=vault, now=now)
            if msg is None:  # opted out since the query above
                continue
            shared[(person.phone_hash, lang)] = msg
            queued += 1
        s.add(AlertRecipient(org_id=actor.org_id, alert_id=alert.id, person_id=person.id, language=lang,
                             outbox_id=msg.id, status=msg.status))
        added.append(person.id)
    if created or added:
        audit = AuditLog(s, actor, context="alerts")
        audit.record("alerts.sent" if created else "alerts.resumed", "alert", alert.id,
                     before=None, after=digest({"kind": template, "template": stored_template, "texts": text_of,
                                                "site_codes": codes, "on": on.isoformat(),
                                                "people": sorted(added), "skipped": dict(skipped)}))
        audit.flush()
    uow.commit()
    return SendResult(alert_id=alert.id, created=created, dry_run=False, queued=queued, **result)


def alert_status(uow: UnitOfWork, *, actor, alert_id: int) -> AlertView:
    """One alert with each recipient's status read from the outbox (and mirrored onto the recipient rows)."""
    _require(actor, "grievances.read", "see alerts")
    s = uow.session
    alert = repo.alert_by_id(s, actor.org_id, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id} in organisation '{actor.org_slug}'", code="alert_not_found")
    rows, changed = [], False
    for rec, live in repo.recipients(s, actor.org_id, alert.id):
        if live is not None and live != rec.status:
            rec.status, changed = live, True
        rows.append({"person_id": rec.person_id, "language": rec.language, "status": rec.status,
                     "outbox_id": rec.outbox_id})
    view = _view(alert, dict(Counter(r["status"] for r in rows)), rows,
                 repo.rain_by_alert(s, actor.org_id, [alert.id]).get(alert.id, []))
    if changed:  # a status copy, not a change of a sensitive record: no audit entry
        uow.commit()
    return view


def list_alerts(uow: UnitOfWork, *, actor, limit: int = 50) -> list[AlertView]:
    """The organisation's latest alerts, newest first, with their recipients counted by status."""
    _require(actor, "grievances.read", "see alerts")
    s = uow.session
    found = repo.alerts(s, actor.org_id, limit)
    counts = repo.recipient_counts(s, actor.org_id, [a.id for a in found])
    rain = repo.rain_by_alert(s, actor.org_id, [a.id for a in found])
    return [_view(a, counts.get(a.id, {}), None, rain.get(a.id, [])) for a in found]


def _rain_dict(r) -> dict:
    return {"level": r.level, "period_start": r.period_start.isoformat(), "threshold": r.threshold,
            "basis": r.basis, "ratio": r.ratio, "duration_h": r.duration_h,
            "intensity_mm_per_h": r.intensity_mm_per_h, "checked_at": r.checked_at.isoformat(),
            "reason": dict(r.reason)}


def _view(a: Alert, counts: dict[str, int], rows: list[dict] | None = None, rain=()) -> AlertView:
    return AlertView(a.id, a.kind, a.template, a.on_date, list(a.site_codes), a.created_at, a.created_by_email,
                     dict(a.texts), dict(a.segments), dict(a.skipped), dict(sorted(counts.items())), rows or [],
                     [_rain_dict(r) for r in rain])
