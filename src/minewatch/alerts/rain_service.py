"""Use case of rainfall alerts (issue 8 part 6): check every site's rainfall and raise watches and warnings.

For each site of the organisation: its level (:func:`minewatch.hazards.service.site_levels`), its rainfall
series (:func:`minewatch.rain.service.site_series`, observed and forecast), the decision of
:mod:`minewatch.alerts.rainfall`, and, for a watch or a warning not yet raised in the period, the alert sent
through :func:`minewatch.alerts.service.send_alert` (consent, opt-outs, languages, outbox and delivery state
are handled there) with the key ``rain:<site>:<period>:<level>``, and one ``rain_alerts`` row with the reason.

Idempotent: a second run in the same period finds the row and raises nothing; a crash between the alert and
its row is healed by the next run (``send_alert`` finds the alert by its key and queues nothing twice).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass

from minewatch.adapters.db import UnitOfWork, utcnow
from minewatch.alerts import repository as repo
from minewatch.alerts.errors import AlertInvalid
from minewatch.alerts.orm import RainAlert
from minewatch.alerts.rainfall import (TEMPLATE_OF, RainPolicy, SiteOutcome, assess_rain, decide_site, period_start,
                                       should_raise)
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import NotFound, PermissionDenied

UTC = dt.timezone.utc
HISTORY_START = dt.datetime(1900, 1, 1, tzinfo=UTC)  # "the whole stored record" for the ARI95


@dataclass(frozen=True)
class CheckResult:
    at: dt.datetime
    dry_run: bool
    thresholds: list[str]
    min_level: str
    period_h: int
    sites: list[SiteOutcome]
    use_ari: bool = True

    @property
    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(o.decision.decision for o in self.sites).items()))

    @property
    def raised(self) -> int:
        return sum(o.raised for o in self.sites)

    def as_dict(self) -> dict:
        return {"at": self.at.isoformat(), "dry_run": self.dry_run, "thresholds": self.thresholds,
                "min_level": self.min_level, "period_h": self.period_h, "use_ari": self.use_ari,
                "counts": self.counts,
                "raised": self.raised, "sites": [o.as_dict() for o in self.sites]}


def policy_from_settings(settings, **overrides) -> RainPolicy:
    """The rain alert policy of the deployment (``MINEWATCH_RAIN_ALERT_*``); ``None`` overrides are ignored."""
    base = dict(thresholds=tuple(settings.rain_alert_thresholds), min_level=settings.rain_alert_min_level,
                near_fraction=settings.rain_alert_near_fraction, horizon_h=settings.rain_alert_horizon_h,
                max_age_h=settings.rain_alert_max_age_h, period_h=settings.rain_alert_period_h,
                use_ari=settings.rain_alert_use_ari,
                ari_min_history_days=settings.rain_alert_ari_min_history_days)
    base.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return RainPolicy(**base)
    except ValueError as exc:
        raise AlertInvalid(f"rain alert settings: {exc}", code="rain_policy_invalid") from exc


def _alert_key(code: str, start: dt.datetime, level: str) -> str:
    key = f"rain:{code}:{start:%Y%m%dT%H}Z:{level}"
    if len(key) > 80:  # a long site code: its digest keeps the key within alerts.request_key
        key = f"rain:{hashlib.sha256(code.encode('utf-8')).hexdigest()[:24]}:{start:%Y%m%dT%H}Z:{level}"
    return key


def check_rainfall(uow: UnitOfWork, *, actor, at: dt.datetime, vault, thresholds=None, min_level: str | None = None,
                   dry_run: bool = False, policy: RainPolicy | None = None, thresholds_path=None,
                   site_codes=None, now: dt.datetime | None = None, fallback_language: str = "en",
                   templates=None, max_distance_km: float | None = None, use_ari: bool | None = None) -> CheckResult:
    """Assess every site's rainfall at ``at`` and raise each new watch or warning once per site and period.

    With ``policy.use_ari`` (``use_ari`` overrides it) each assessed site's whole observed history up to
    ``at`` is read once more for the LHASA 1.1 antecedent rainfall index and its ARI95.
    """
    from minewatch.alerts.service import send_alert
    from minewatch.hazards.service import site_levels
    from minewatch.rain.service import site_series
    from minewatch.rain.thresholds import load_thresholds

    if not actor.may("grievances.write"):
        raise PermissionDenied(f"role '{actor.role}' may not check rainfall and send alerts")
    if at.tzinfo is None:
        raise AlertInvalid(f"--at {at.isoformat()}: give an offset or Z (UTC); a time without one is ambiguous",
                           code="rain_time_naive")
    at = at.astimezone(UTC)
    try:
        policy = dataclasses.replace(policy or RainPolicy(), **{k: v for k, v in (
            ("thresholds", tuple(thresholds) if thresholds else None), ("min_level", min_level),
            ("use_ari", use_ari)) if v is not None})
    except ValueError as exc:
        raise AlertInvalid(str(exc), code="rain_policy_invalid") from exc
    table = load_thresholds(thresholds_path)
    unknown = [n for n in policy.thresholds if n not in table]
    if unknown:
        raise AlertInvalid(f"threshold {', '.join(unknown)}: expected one of {', '.join(sorted(table))}",
                           code="rain_threshold_unknown")
    chosen = {n: table[n] for n in policy.thresholds}
    now = now or utcnow()
    s = uow.session
    sites = repo.org_sites(s, actor.org_id, list(site_codes) if site_codes else None)
    if site_codes:
        missing = sorted(set(site_codes) - {row.code for row in sites})
        if missing:
            raise NotFound(f"no site {', '.join(missing)} in organisation '{actor.org_slug}'", code="site_not_found")
    levels = site_levels(uow, actor=actor)
    start = at - dt.timedelta(hours=policy.lookback_h)
    end = at + dt.timedelta(hours=policy.horizon_h)
    period = period_start(at, policy.period_h)
    outcomes = []
    for site in sites:
        lv = levels.get(site.code)
        rain = None
        if lv is not None:
            series = site_series(uow, actor=actor, site_code=site.code, start_utc=start, end_utc=end,
                                 max_distance_km=max_distance_km)
            history = None
            if policy.use_ari:  # the whole record up to the check, for ARI95 (one more read per assessed site)
                history = [x for x in site_series(uow, actor=actor, site_code=site.code, start_utc=HISTORY_START,
                                                  end_utc=at, max_distance_km=max_distance_km)
                           if x.kind == "observed"]
            rain = assess_rain(series, chosen, at, policy, history=history)
        decision = decide_site(site.code, lv.level if lv else None, lv.source if lv else None, rain, policy)
        if decision.alert is None:
            outcomes.append(SiteOutcome(decision))
            continue
        already = repo.rain_levels(s, actor.org_id, site.id, period)
        if not should_raise(decision.alert, already):
            outcomes.append(SiteOutcome(decision, period, False, sorted(already)))
            continue
        sent = send_alert(uow, actor=actor, site_codes=[site.code], template=TEMPLATE_OF[decision.alert],
                          params={}, vault=vault, now=now, on=at.date(), fallback_language=fallback_language,
                          key=_alert_key(site.code, period, decision.alert), dry_run=dry_run, templates=templates)
        if not dry_run:
            _record(uow, actor, site.id, period, at, decision, sent.alert_id)
        outcomes.append(SiteOutcome(decision, period, True, sorted(already), sent.alert_id, sent.recipients,
                                    sent.queued))
    return CheckResult(at, dry_run, list(policy.thresholds), policy.min_level, policy.period_h, outcomes,
                       policy.use_ari)


def _record(uow: UnitOfWork, actor, site_id: int, period: dt.datetime, at: dt.datetime, decision, alert_id) -> None:
    """The rain_alerts row of a raised alert, audited; ``send_alert`` has committed the alert itself."""
    s = uow.session
    if repo.rain_alert(s, actor.org_id, site_id, period, decision.alert) is not None:
        return
    ev = decision.rain.decisive
    reason = decision.reason()
    row = RainAlert(org_id=actor.org_id, site_id=site_id, period_start=period, level=decision.alert,
                    threshold=ev.threshold, reason=reason, ratio=ev.ratio, duration_h=ev.duration_h,
                    intensity_mm_per_h=ev.intensity_mm_per_h, basis=ev.basis, checked_at=at, alert_id=alert_id)
    s.add(row)
    s.flush()
    audit = AuditLog(s, actor, context="alerts")
    audit.record("alerts.rain_raised", "rain_alert", row.id, before=None,
                 after=digest({"site_id": site_id, "period_start": period.isoformat(), "level": decision.alert,
                               "alert_id": alert_id, "reason": reason}))
    audit.flush()
    uow.commit()
