"""``minewatch pay check`` (findings on pay and price) and ``minewatch pay import`` (payments, sales)."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state


def echo_import(report, as_json: bool) -> None:
    if as_json:
        echo_json(report.as_dict())
        return
    click.echo(f"{report.file_name} ({report.kind}): {report.rows_read} row(s) read, {report.inserted} inserted, "
               f"{report.updated} updated, {report.unchanged} unchanged")
    for p in report.problems:
        click.echo("  " + p.describe())


@click.group("pay")
def pay_group() -> None:
    """Payments to miners and mineral sales: record them and check pay and price."""


@pay_group.command("check")
@click.option("--site", "site_code", metavar="CODE", help="Only this site's payments and sales.")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Check as of this date (default today).")
@click.option("--rate-window-days", type=click.IntRange(min=0), default=4, show_default=True,
              help="Use a rate or reference price published up to this many days before the date it is needed for.")
@click.option("--advance-months", type=click.FloatRange(min=0, min_open=True), default=3, show_default=True,
              help="Flag advances outstanding above this many months of earnings (provisional indicator).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as a JSON array.")
@pass_state
def check_cmd(state: CliState, site_code: str | None, on, rate_window_days: int, advance_months: float,
              as_json: bool) -> None:
    """Minimum wage, Fairmined minimum price and premium, advances and late pay, as findings.

    \b
    Example:
      minewatch pay check --site KAL-001 --on 2026-06-30 --json
    """
    from decimal import Decimal

    from minewatch.pay.model import PayRules
    from minewatch.pay.service import check_pay

    months = Decimal(str(advance_months))
    months = months.to_integral() if months == months.to_integral() else months  # 3.0 -> 3
    rules = PayRules(rate_window_days=rate_window_days, advance_months_threshold=months)
    actor = state.actor()
    with state.app.uow() as uow:
        findings = check_pay(uow, actor=actor, site_code=site_code, on=on.date() if on else None, rules=rules)
    if as_json:
        echo_json([f.as_dict() for f in findings])
        return
    if not findings:
        click.echo("no pay or sale records to check")
        return
    for f in findings:
        click.echo(f"{f.status:<14} {f.check:<17} {f.site_code or '-':<12} {f.subject_type} {f.subject}: {f.reason}")
    counts = {}
    for f in findings:
        counts[f.status] = counts.get(f.status, 0) + 1
    click.echo(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))


@pay_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(["payments", "sales"]), help="What the file holds (default: from the header).")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@pass_state
def import_cmd(state: CliState, path: str, kind: str | None, as_json: bool) -> None:
    """Record payments or sales from a CSV or XLSX file: all rows or none; importing again changes nothing."""
    from pathlib import Path

    from minewatch.pay.service import import_pay_records

    actor = state.actor()
    with state.app.uow() as uow:
        report = import_pay_records(uow, actor=actor, path=Path(path), kind=kind)
    echo_import(report, as_json)


def register(cli: click.Group) -> None:
    cli.add_command(pay_group)
