"""``minewatch alerts``: send an alert to the miners of some sites by SMS, and follow its delivery."""

from __future__ import annotations

import click

from minewatch.alerts.model import KINDS  # pure and small: fine at import
from minewatch.cli.common import CliState, echo_json, pass_state


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{value!r}: expected key=value", param_hint=option)
        out[key.strip()] = val.strip()
    return out


@click.group("alerts")
def alerts() -> None:
    """Alerts to miners by SMS (landslide warnings and watches, water and mercury advisories, meetings)."""


@alerts.command("send")
@click.option("--sites", "sites", required=True, metavar="A,B", help="Codes of the sites, comma-separated.")
@click.option("--template", type=click.Choice(KINDS), required=True, help="Kind of alert (templates.yaml).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A value for the text, e.g. source='the Kalimbi river' (repeatable).")
@click.option("--text", "texts", multiple=True, metavar="LANG=TEXT",
              help="Your own text in one language instead of the template (repeatable; {sites} is filled).")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), help="Date assignments are read at [today].")
@click.option("--key", help="Idempotency key: the same key never sends twice [a digest of the request].")
@click.option("--dry-run", is_flag=True, help="Count the recipients by language; queue nothing.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def send_cmd(state: CliState, sites: str, template: str, params: tuple[str, ...], texts: tuple[str, ...], on,
             key: str | None, dry_run: bool, as_json: bool) -> None:
    """Queue the alert for everyone assigned at the sites who has a phone, consented and did not reply STOP.

    \b
    Example:
      minewatch alerts send --sites KAL-001,NYA-002 --template landslide_warning --dry-run
      minewatch alerts send --sites KAL-001 --template water_advisory --param source="the river"
    The messages leave with 'minewatch sms send' (the outbox).
    """
    from minewatch.alerts.service import send_alert
    from minewatch.messaging.service import org_language

    actor = state.actor()
    app = state.app
    with app.uow() as uow:
        result = send_alert(uow, actor=actor, site_codes=sites.split(","), template=template,
                            params=_pairs(params, "--param"), languages_text=_pairs(texts, "--text") or None,
                            vault=app.vault, on=on.date() if on else None, key=key, dry_run=dry_run,
                            fallback_language=org_language(app.settings, actor.org_slug))
    if as_json:
        echo_json(result.as_dict())
        return
    head = "dry run: would send" if result.dry_run else (
        f"alert #{result.alert_id}: {'queued' if result.created else 'already sent; queued'} {result.queued} of")
    click.echo(f"{head} {result.recipients} recipient(s) at {', '.join(result.site_codes)} on {result.on_date}")
    for lang, n in result.by_language.items():
        click.echo(f"  {lang:<4} {n:>5}  ({result.segments[lang]} SMS segment(s))")
    click.echo("  skipped: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.skipped.items()))


@alerts.command("show")
@click.argument("alert_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def show_cmd(state: CliState, alert_id: int, as_json: bool) -> None:
    """One alert: its texts and each recipient's delivery status."""
    from minewatch.alerts.service import alert_status

    actor = state.actor()
    with state.app.uow() as uow:
        view = alert_status(uow, actor=actor, alert_id=alert_id)
    if as_json:
        echo_json(view.as_dict())
        return
    click.echo(f"alert #{view.id} {view.kind} at {', '.join(view.site_codes)} on {view.on_date} "
               f"by {view.created_by or '-'}")
    click.echo("  " + (", ".join(f"{k} {v}" for k, v in view.counts.items()) or "no recipients"))
    for r in view.recipients:
        click.echo(f"  person {r['person_id']:>6}  {r['language']:<4} {r['status']}")


@alerts.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_cmd(state: CliState, limit: int, as_json: bool) -> None:
    """The latest alerts, newest first, with recipients counted by status."""
    from minewatch.alerts.service import list_alerts

    actor = state.actor()
    with state.app.uow() as uow:
        views = list_alerts(uow, actor=actor, limit=limit)
    if as_json:
        echo_json([v.as_dict() for v in views])
        return
    for v in views:
        counts = ", ".join(f"{k} {n}" for k, n in v.counts.items()) or "no recipients"
        rain = "; ".join(f"rain {r['basis']} {r['threshold']} ratio {r['ratio']:.2f}" for r in v.rain
                         if r["ratio"] is not None)
        click.echo(f"#{v.id:<5} {v.on_date} {v.kind:<18} {','.join(v.site_codes):<20} {counts}"
                   + (f"  ({rain})" if rain else ""))


def register(cli: click.Group) -> None:
    cli.add_command(alerts)
