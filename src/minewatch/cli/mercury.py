"""``minewatch mercury``: practices, gold production, Minamata worst practices, estimates and the baseline."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state

DATE = click.DateTime(formats=["%Y-%m-%d"])
_ratio_options = [
    click.option("--ratios", "ratios_path", type=click.Path(exists=True, dir_okay=False),
                 help="CSV of Hg:Au ratios (key, value, status, source, note) instead of the cited defaults."),
    click.option("--split", "split_path", type=click.Path(exists=True, dir_okay=False),
                 help="CSV of release shares (key air/land_water/..., value, status, source, note)."),
]


def ratio_options(f):
    for option in reversed(_ratio_options):
        f = option(f)
    return f


def _ratios(ratios_path, split_path):
    from pathlib import Path

    from minewatch.mercury.service import load_ratios

    return load_ratios(Path(ratios_path) if ratios_path else None, Path(split_path) if split_path else None)


@click.group("mercury")
def mercury_group() -> None:
    """Mercury use in gold processing and the Minamata Convention (Article 7, Annex C)."""


@mercury_group.command("estimate")
@click.option("--site", "site_code", metavar="CODE", help="Only this site.")
@ratio_options
@click.option("--json", "as_json", is_flag=True, help="Print sites, findings and ratios as JSON.")
@pass_state
def estimate_cmd(state: CliState, site_code: str | None, ratios_path, split_path, as_json: bool) -> None:
    """Worst-practice findings (Annex C 1(b)) and mercury use and release estimates per site and period.

    \b
    Mercury lost = gold produced (kg) x the Hg:Au ratio of the practice; the default ratios are
    provisional (standards.md section 5); every estimate lists its assumptions.
    \b
    Example:
      minewatch mercury estimate --site KAL-001 --json
    """
    from minewatch.mercury.service import estimate

    ratios = _ratios(ratios_path, split_path)
    actor = state.actor()
    with state.app.uow() as uow:
        result = estimate(uow, actor=actor, site_code=site_code, ratios=ratios)
    if as_json:
        echo_json(result)
        return
    if not result["sites"]:
        click.echo("no mercury practice or gold production recorded")
        return
    for f in result["worst_practice_findings"]:
        click.echo(f"WORST PRACTICE {f['site_code']:<12} {f['observed_on']} {f['paragraph']}: {f['text']} "
                   f"({f['source']}{' visit ' + str(f['visit_id']) if f['visit_id'] else ''})")
    for site in result["sites"]:
        for e in site["estimates"]:
            period = f"{e['period_start']}..{e['period_end']}" if e["period_start"] else "-"
            if e["status"] == "estimated" or e["status"] == "mercury_free":
                what = f"Hg {e['mercury_kg']} kg" + "".join(f", {k} {v} kg" for k, v in e["released_to_kg"].items())
            elif e["status"] == "range":
                what = f"Hg {e['mercury_kg_low']}..{e['mercury_kg_high']} kg"
            else:
                what = e["reason"]
            click.echo(f"{site['site_code']:<12} {period:<23} Au {e['gold_kg'] or '-':>8} kg  {e['status']:<14} {what}")
    provisional = [k for k, r in result["ratios"]["hg_au"].items() if r["provisional"]]
    if provisional:
        click.echo(f"provisional ratios (source not confirmed): {', '.join(provisional)}")


@mercury_group.command("baseline")
@click.option("--level", type=click.Choice(["site", "district", "province", "country"]), default="country",
              show_default=True, help="The level printed as a table (JSON has every level).")
@ratio_options
@click.option("--json", "as_json", is_flag=True, help="Print every level as JSON.")
@pass_state
def baseline_cmd(state: CliState, level: str, ratios_path, split_path, as_json: bool) -> None:
    """The National Action Plan baseline (Minamata Annex C paragraph 1(d)) per site, district, province, country.

    \b
    Example:
      minewatch mercury baseline --level province
    """
    from minewatch.mercury.service import baseline

    ratios = _ratios(ratios_path, split_path)
    actor = state.actor()
    with state.app.uow() as uow:
        result = baseline(uow, actor=actor, ratios=ratios)
    if as_json:
        echo_json(result)
        return
    click.echo(result["annex_c"])
    names = {"site": ("site_code",), "district": ("country", "admin1", "admin2"),
             "province": ("country", "admin1"), "country": ("country",)}[level]
    click.echo(f"{'/'.join(names):<40} {'sites':>6} {'Hg use':>6} {'no Hg':>6} {'Au kg':>9} {'Hg kg':>9} "
               f"{'Hg kg low..high':>19} {'years':<11} worst practices")
    for row in result["levels"][level]:
        label = "/".join(str(row[k] or "-") for k in names)
        years = f"{row['data_years'][0]}-{row['data_years'][-1]}" if row["data_years"] else "-"
        worst = "; ".join(f"{k.rsplit(' ', 1)[-1]} x{n}" for k, n in row["worst_practices"].items()) or "-"
        click.echo(f"{label[:40]:<40} {row['sites']:>6} {row['sites_using_mercury']:>6} "
                   f"{row['sites_mercury_free']:>6} {row['gold_kg']:>9} {row['mercury_kg_estimated']:>9} "
                   f"{row['mercury_kg_low'] + '..' + row['mercury_kg_high']:>19} {years:<11} {worst}")


@mercury_group.group("practice")
def practice_group() -> None:
    """Processing practices observed at sites."""


@practice_group.command("add")
@click.option("--site", "site_code", required=True, metavar="CODE")
@click.option("--practice", required=True, metavar="P",
              help="whole_ore_amalgamation, concentrate_amalgamation, retort, open_burning, residential_burning, "
                   "cyanidation_of_mercury_tailings, mercury_use, gravity_concentration, direct_smelting, "
                   "cyanidation_mercury_free, flotation, no_mercury")
@click.option("--observed-on", type=DATE, help="The date it was seen (default: the visit's date).")
@click.option("--visit", "visit_id", type=int, metavar="ID", help="The visit (its minewatch id) it was seen on.")
@click.option("--note", help="What was seen, in a few words.")
@pass_state
def practice_add_cmd(state: CliState, site_code: str, practice: str, observed_on, visit_id, note) -> None:
    """Record a practice seen at a site; adding the same one again changes nothing."""
    from minewatch.mercury.model import PRACTICES
    from minewatch.mercury.service import add_practice

    actor = state.actor()
    with state.app.uow() as uow:
        obs, created = add_practice(uow, actor=actor, site_code=site_code, practice=practice,
                                    observed_on=observed_on.date() if observed_on else None, visit_id=visit_id,
                                    note=note)
    p = PRACTICES[obs.practice]
    click.echo(f"{'recorded' if created else 'already recorded'}: {obs.site_code} {obs.observed_on} {p.label}"
               + (f" -> worst practice, {p.paragraph}" if p.paragraph else ""))


@mercury_group.group("production")
def production_group() -> None:
    """Gold produced per site and period (kg), for the estimates."""


@production_group.command("add")
@click.option("--site", "site_code", required=True, metavar="CODE")
@click.option("--from", "period_start", type=DATE, required=True, help="First day of the period.")
@click.option("--to", "period_end", type=DATE, required=True, help="Last day of the period.")
@click.option("--gold-kg", required=True, help="Gold produced over the period, kg (e.g. 1.25).")
@click.option("--source", required=True, help="Where the figure comes from (register, survey, estimate by ...).")
@pass_state
def production_add_cmd(state: CliState, site_code: str, period_start, period_end, gold_kg: str, source: str) -> None:
    """Record the gold produced at a site over a period; the same site and period again is an update."""
    from minewatch.mercury.service import add_production

    actor = state.actor()
    with state.app.uow() as uow:
        outcome = add_production(uow, actor=actor, site_code=site_code, period_start=period_start.date(),
                                 period_end=period_end.date(), gold_kg=gold_kg, source=source)
    click.echo(f"{outcome}: {site_code} {period_start.date()}..{period_end.date()} {gold_kg} kg")


@production_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@pass_state
def production_import_cmd(state: CliState, path: str) -> None:
    """Import a CSV (site_code, period_start, period_end, gold_kg, source): all rows or none."""
    from pathlib import Path

    from minewatch.mercury.service import import_production

    actor = state.actor()
    with state.app.uow() as uow:
        counts = import_production(uow, actor=actor, path=Path(path))
    click.echo(f"{Path(path).name}: {counts['inserted']} inserted, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged")


def register(cli: click.Group) -> None:
    cli.add_command(mercury_group)
