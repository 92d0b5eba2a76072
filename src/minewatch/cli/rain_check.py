"""``minewatch rain check``: rainfall over threshold at susceptible sites -> alerts."""

from __future__ import annotations

import datetime as dt

import click

from minewatch.cli.common import CliState, echo_json, pass_state

LEVELS = ("low", "moderate", "high", "very_high")  # hazards.model.LEVELS (kept light at import)


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


def _line(o: dict) -> str:
    r = o["reason"]
    if o["decision"] in ("watch", "warning", "none") and r.get("threshold"):
        why = (f"{r['threshold']} {r['basis']} ratio {_num(r['ratio'], '.2f')} over {_num(r['duration_h'], 'g')} h "
               f"({_num(r['intensity_mm_per_h'], '.1f')} mm/h vs {_num(r['threshold_mm_per_h'], '.1f')})")
        if r.get("rule"):
            why += f" [{r['rule']}]"
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
@click.option("--json", "as_json", is_flag=True)
@pass_state
def check_cmd(state: CliState, at: str | None, thresholds: tuple[str, ...], min_level: str | None,
              sites: tuple[str, ...], dry_run: bool, as_json: bool) -> None:
    """Judge each site's rainfall against the thresholds and raise a watch or warning at most once a period.

    \b
    One line per site: level, decision (warning, watch, none, not_assessable, below_level, no_level), reason,
    and the recipients queued. Meant for cron, e.g. every hour:
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
                                fallback_language=org_language(app.settings, actor.org_slug))
    if as_json:
        echo_json(result.as_dict())
        return
    d = result.as_dict()
    click.echo(f"{'dry run: ' if result.dry_run else ''}rain check at {d['at']} "
               f"(thresholds {', '.join(result.thresholds)}, level >= {result.min_level}, "
               f"period {result.period_h} h): {result.raised} raised")
    for o in d["sites"]:
        click.echo(_line(o))


def add(group: click.Group) -> None:
    """Add this module's commands to the ``rain`` group."""
    group.add_command(check_cmd)
