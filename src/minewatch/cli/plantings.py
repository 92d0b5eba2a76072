"""``minewatch plantings``: import planting records and survival checks; a site's survival, plan versus done,
rehabilitation timeline; list and adopt tree plans."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state


def _pct(x) -> str:
    return "-" if x is None else f"{x:.0%}"


@click.group("plantings")
def plantings() -> None:
    """Tree planting records and their follow-up (survival, plan versus done, timeline)."""


@plantings.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--survival", is_flag=True, help="The file holds survival checks, not plantings.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_state
def import_cmd(state: CliState, file: str, survival: bool, as_json: bool) -> None:
    """Import plantings (or survival checks with --survival) from a CSV or XLSX file: all rows or none.

    \b
    Planting columns: external_id, site, species, planted_on, count, [area_ha], [wkt | longitude, latitude],
    [plan], [notes]. Survival columns: external_id, planting, checked_on, alive, [method], [notes].
    Re-importing a file stores nothing twice; a stored external_id with other values is an error.
    \b
    Example:
      minewatch plantings import plantings_2025.csv
      minewatch plantings import visits_2026.xlsx --survival
    """
    from pathlib import Path

    from minewatch.planning.service import import_plantings, import_survival

    actor = state.actor()
    with state.app.uow() as uow:
        run = import_survival if survival else import_plantings
        report = run(uow, actor=actor, path=Path(file))
    if as_json:
        echo_json(report.as_dict())
        return
    click.echo(report.summary())
    for p in report.problems:
        click.echo("  " + p.describe())


@plantings.command("survival")
@click.option("--site", "site_code", required=True, metavar="CODE")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def survival_cmd(state: CliState, site_code: str, as_json: bool) -> None:
    """Survival of a site's plantings at their latest check, against each species' expected survival.

    \b
    Example:
      minewatch plantings survival --site KAL-001
    """
    from minewatch.planning.service import survival

    actor = state.actor()
    with state.app.uow() as uow:
        report = survival(uow, actor=actor, site_code=site_code)
    if as_json:
        echo_json(report.as_dict())
        return
    if not report.plantings:
        click.echo(f"no plantings at {site_code} (import some with: minewatch plantings import FILE)")
        return
    click.echo(f"{'planting':<16} {'species':<24} {'planted':>8} {'alive':>7} {'rate':>5} {'expected':>8}  flag")
    for p in report.plantings:
        click.echo(f"{p.planting:<16} {p.species:<24} {p.planted:>8,} {'-' if p.alive is None else f'{p.alive:,}':>7} "
                   f"{_pct(p.rate):>5} {_pct(p.expected):>8}  {p.flag}")
    click.echo("by species:")
    for x in report.species:
        click.echo(f"  {x.species:<24} {x.planted:>8,} planted {'-' if x.alive is None else f'{x.alive:,}':>7} alive "
                   f"{_pct(x.rate):>5} (expected {_pct(x.expected)})  {x.flag}")


@plantings.command("plan-vs-done")
@click.option("--site", "site_code", required=True, metavar="CODE")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def plan_vs_done_cmd(state: CliState, site_code: str, as_json: bool) -> None:
    """Seedlings and area per species: the site's adopted (else latest) plan against what was planted."""
    from minewatch.planning.service import plan_vs_done

    actor = state.actor()
    with state.app.uow() as uow:
        view = plan_vs_done(uow, actor=actor, site_code=site_code)
    if as_json:
        echo_json(view.as_dict())
        return
    click.echo(f"plan #{view.plan.id} ({view.plan.status})" if view.plan else f"no tree plan recorded for {site_code}")
    click.echo(f"{'species':<24} {'planned':>9} {'planted':>9} {'done':>5} {'plan ha':>8} {'planted ha':>10}")
    for r in view.rows:
        name = r.species if r.in_plan else f"{r.species} (not in plan)"
        click.echo(f"{name:<24} {r.planned_seedlings:>9,} {r.planted_seedlings:>9,} {_pct(r.seedlings_done_share):>5} "
                   f"{r.planned_area_ha:>8.2f} {r.planted_area_ha:>10.2f}")


@plantings.command("timeline")
@click.option("--site", "site_code", required=True, metavar="CODE")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def timeline_cmd(state: CliState, site_code: str, as_json: bool) -> None:
    """A site's rehabilitation in date order: registration, hazard assessments, plans, plantings, checks."""
    from minewatch.planning.service import timeline

    actor = state.actor()
    with state.app.uow() as uow:
        events = timeline(uow, actor=actor, site_code=site_code)
    if as_json:
        echo_json([e.as_dict() for e in events])
        return
    if not events:
        click.echo(f"nothing recorded for {site_code}")
    for e in events:
        click.echo(f"{e.date:%Y-%m-%d}  {e.text()}")


@plantings.command("hazard")
@click.option("--site", "site_code", required=True, metavar="CODE")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date (default today).")
@click.option("--landcover", metavar="CLASS|RASTER", help="The cover around the plantings today when the landslide "
              "run assumed another (e.g. bare), as for 'plan trees'.")
@click.option("--landcover-legend", type=click.Path(exists=True, dir_okay=False), help="CSV code,class.")
@click.option("--landslide", "landslide_dir", type=click.Path(exists=True, file_okay=False),
              help="A 'hazard landslide' run folder (default: the latest assessed).")
@click.option("--erosion", "erosion_dir", type=click.Path(exists=True, file_okay=False),
              help="A 'hazard erosion' run folder (default: the latest assessed).")
@click.option("--buffer-m", "buffer_m", type=click.FloatRange(min=0, min_open=True), default=250.0, show_default=True)
@click.option("--lang", type=click.Choice(["en", "fr", "es"]), default="en", show_default=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True)
@pass_state
def hazard_cmd(state: CliState, site_code: str, on, landcover, landcover_legend, landslide_dir, erosion_dir,
               buffer_m: float, lang: str, out_dir: str, as_json: bool) -> None:
    """The site's hazard recomputed with its plantings as they stand (age, measured survival), against the same
    ground without them and with the survivors at maturity; writes summary.json, cover.tif and maps."""
    from minewatch.planning.site_plan import assess_site_plantings

    actor = state.actor()
    with state.app.uow() as uow:
        summary = assess_site_plantings(uow, actor=actor, site_code=site_code, out_dir=out_dir,
                                        on=on.date() if on else None, landslide_dir=landslide_dir,
                                        erosion_dir=erosion_dir, landcover=landcover,
                                        landcover_legend=landcover_legend, buffer_m=buffer_m, lang=lang)
    if as_json:
        echo_json(summary)
        return
    for name, v in summary["objectives"].items():
        if v is not None:
            click.echo(f"{name:<9} without plantings {v['without_plantings']:.4g}, now {v['now']:.4g}, at maturity "
                       f"{v['at_maturity']:.4g} {v['units']}")
    for p in summary["plantings"]:
        click.echo(f"  {p['planting']}: {p['species']} {p['count']:,} planted, {p['area_ha']:.2f} ha mapped, "
                   f"{p['age_years']:.1f} yr, survival {p['survival']:.0%} ({p['survival_source']})")
    for u in summary["unmapped"]:
        click.echo(f"  {u['planting']}: not mapped: {u['reason']}", err=True)
    click.echo(f"maps and summary.json in {out_dir}")


@plantings.command("plans")
@click.option("--site", "site_code", metavar="CODE", help="Only this site's plans.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def plans_cmd(state: CliState, site_code: str | None, as_json: bool) -> None:
    """The organisation's recorded tree plans, newest first."""
    from minewatch.planning.service import list_plans

    actor = state.actor()
    with state.app.uow() as uow:
        views = list_plans(uow, actor=actor, site_code=site_code)
    if as_json:
        echo_json([v.as_dict() for v in views])
        return
    if not views:
        click.echo("no tree plans recorded")
    for v in views:
        click.echo(f"#{v.id:<5} {v.site_code or v.area_name or '-':<16} {v.status:<10} {v.objective:<9} "
                   f"budget {v.budget_value:g} {v.budget_unit}  {v.created_at:%Y-%m-%d}  {v.files_path or ''}")


@plantings.command("adopt")
@click.argument("plan_id", type=int)
@pass_state
def adopt_cmd(state: CliState, plan_id: int) -> None:
    """Adopt a tree plan; the site's other plans become superseded."""
    from minewatch.planning.service import adopt_plan

    actor = state.actor()
    with state.app.uow() as uow:
        view = adopt_plan(uow, actor=actor, plan_id=plan_id)
    click.echo(f"tree plan #{view.id} adopted for {view.site_code or view.area_name or 'its area'}")


def register(cli: click.Group) -> None:
    cli.add_command(plantings)
