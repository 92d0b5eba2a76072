"""``minewatch rain check``: rainfall over threshold at susceptible sites -> alerts."""

from __future__ import annotations

import datetime as dt

import click

from minewatch.cli.common import CliState, echo_json, pass_state

LEVELS = ("low", "moderate", "high", "very_high")  # hazards.model.LEVELS (kept light at import)
ARI_RULE = "lhasa-ari"  # alerts.rainfall.ARI_RULE (kept light at import)


def _time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected an ISO time, e.g. 2026-11-27T06:00Z or 2026-11-27T09:00+03:00",
                                 param_hint="--at") from None
    if t.tzinfo is None:
        raise click.BadParameter(f"{value!r}: give an offset (+03:00) or Z for UTC", param_hint="--at")
    return t


def _num(x, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def _ari(a: dict) -> str:
    sums = ", ".join(f"{k} {_num(v, '.0f')}" for k, v in (a.get("antecedent_mm") or {}).items())
    return (f"ARI {_num(a['ari_mm_per_day'], '.1f')} mm/day vs ARI95 {_num(a['ari95_mm_per_day'], '.1f')} mm/day "
            f"over {a['history_days']} days" + (f" (sums mm: {sums})" if sums else ""))


def _line(o: dict) -> str:
    r = o["reason"]
    if o["decision"] in ("watch", "warning", "none") and r.get("threshold") == ARI_RULE:
        why = f"{ARI_RULE} {r['basis']} on {r['series']}: {_ari(r)} [{r['rule']}]"
    elif o["decision"] in ("watch", "warning", "none") and r.get("threshold"):
        why = (f"{r['threshold']} {r['basis']} ratio {_num(r['ratio'], '.2f')} over {_num(r['duration_h'], 'g')} h "
               f"({_num(r['intensity_mm_per_h'], '.1f')} mm/h vs {_num(r['threshold_mm_per_h'], '.1f')})")
        if r.get("rule"):
            why += f" [{r['rule']}]"
        if r.get("ari"):
            why += f"; {_ari(r['ari'])}"
    elif o["decision"] == "below_level":
        why = f"below the level set (rain: {r.get('rain') or '-'})"
    elif o["decision"] == "no_level":
        why = "no landslide level for this site: not alerted"
    else:
        why = "; ".join(r.get("notes") or []) or "-"
    if o["alert"]:
        sent = (f"raised, alert #{o['alert_id']}, {o['queued']} queued for {o['recipients']} recipient(s)"
                if o["raised"] and o["alert_id"] else
                f"would raise for {o['recipients']} recipient(s)" if o["raised"] else
                f"already raised this period ({', '.join(o['already'])})")
        why += f"; {sent}"
    return f"{o['site']:<16} {o['level'] or '-':<10} {o['decision']:<15} {why}"


@click.command("check")
@click.option("--at", "at", metavar="TIME", help="Time of the check, ISO with an offset or Z [now].")
@click.option("--threshold", "thresholds", multiple=True, metavar="NAME",
              help="Threshold to judge (repeatable) [MINEWATCH_RAIN_ALERT_THRESHOLDS, caine1980].")
@click.option("--min-level", type=click.Choice(LEVELS), help="Lowest site level alerted [MINEWATCH_RAIN_ALERT_MIN_LEVEL, high].")
@click.option("--site", "sites", multiple=True, metavar="CODE", help="Check only these sites (repeatable) [all].")
@click.option("--dry-run", is_flag=True, help="Decide and count recipients; write and queue nothing.")
@click.option("--no-ari", is_flag=True,
              help="Ignore the LHASA 1.1 antecedent rainfall index (ARI > ARI95 -> watch) "
                   "[MINEWATCH_RAIN_ALERT_USE_ARI, on].")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def check_cmd(state: CliState, at: str | None, thresholds: tuple[str, ...], min_level: str | None,
              sites: tuple[str, ...], dry_run: bool, no_ari: bool, as_json: bool) -> None:
    """Judge each site's rainfall against the thresholds and raise a watch or warning at most once a period.

    \b
    One line per site: level, decision (warning, watch, none, not_assessable, below_level), reason, and the
    recipients queued; the sites without a landslide level (no_level) are counted in one line. Besides the intensity-duration thresholds, a site whose LHASA 1.1 antecedent
    rainfall index exceeds its own 95th percentile (ARI95, over at least a year of daily history) gets a
    watch (see docs/rainfall.md). Meant for cron, e.g. every hour:
      15 * * * *  minewatch rain check >> /var/log/minewatch-rain.log 2>&1
    then 'minewatch sms send' sends the outbox. Running it again in the same period raises nothing twice.
    """
    from minewatch.alerts.rain_service import check_rainfall, policy_from_settings
    from minewatch.adapters.db import utcnow
    from minewatch.messaging.service import org_language

    actor = state.actor()
    app = state.app
    policy = policy_from_settings(app.settings)
    with app.uow() as uow:
        result = check_rainfall(uow, actor=actor, at=_time(at) or utcnow(), vault=app.vault,
                                thresholds=list(thresholds) or None, min_level=min_level, dry_run=dry_run,
                                policy=policy, thresholds_path=app.settings.rain_thresholds_file,
                                site_codes=list(sites) or None, max_distance_km=app.settings.rain_max_distance_km,
                                fallback_language=org_language(app.settings, actor.org_slug),
                                use_ari=False if no_ari else None)
    if as_json:
        echo_json(result.as_dict())
        return
    d = result.as_dict()
    click.echo(f"{'dry run: ' if result.dry_run else ''}rain check at {d['at']} "
               f"(thresholds {', '.join(result.thresholds)}, level >= {result.min_level}, "
               f"period {result.period_h} h, ARI {'on' if result.use_ari else 'off'}): {result.raised} raised")
    unrated = [o["site"] for o in d["sites"] if o["decision"] == "no_level"]
    for o in d["sites"]:
        if o["decision"] != "no_level" or sites:
            click.echo(_line(o))
    if unrated and not sites:  # an organisation may have thousands of sites that no landslide run covers
        shown = ", ".join(unrated[:5]) + (", ..." if len(unrated) > 5 else "")
        click.echo(f"{len(unrated):,} site(s) without a landslide level, not alerted ({shown}); "
                   "'minewatch hazard sites' gives them one, or --site CODE shows each")


def add(group: click.Group) -> None:
    """Add this module's commands to the ``rain`` group."""
    group.add_command(check_cmd)
