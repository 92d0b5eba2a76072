"""``minewatch prices import``: reference prices, minimum wages and exchange rates."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, pass_state


@click.group("prices")
def prices_group() -> None:
    """Reference prices (LBMA, LME), minimum wages per country and exchange rates."""


@prices_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(["reference", "minimum-wage", "exchange-rate"]),
              help="What the file holds (default: told from the header).")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@pass_state
def import_cmd(state: CliState, path: str, kind: str | None, as_json: bool) -> None:
    """Import a CSV or XLSX file: all rows or none; importing again changes nothing.

    \b
    Columns:
      reference       commodity, date, price, currency, unit (ozt, kg, g, t), source
      minimum-wage    country, amount, currency, per (day|month), effective_from, source, status
      exchange-rate   date, base, quote, rate (quote per 1 base), source
    """
    from pathlib import Path

    from minewatch.cli.pay import echo_import
    from minewatch.pay.service import import_prices

    actor = state.actor()
    with state.app.uow() as uow:
        report = import_prices(uow, actor=actor, path=Path(path), kind=kind)
    echo_import(report, as_json)


def register(cli: click.Group) -> None:
    cli.add_command(prices_group)
