"""``minewatch plan trees``: where to plant what, under a budget, to make the ground hold (issue 10)."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state, progress


@click.group("plan")
def plan() -> None:
    """Plans: tree planting and rehabilitation."""


def _pairs(text: str | None, what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise click.BadParameter(f"{part!r}: write {what}=NUMBER, separated by commas")
    return out


@plan.command("trees")
@click.option("--site", "site_code", metavar="CODE", help="Plan for this site (its polygon, or a circle around its point).")
@click.option("--area", "area_file", type=click.Path(exists=True, dir_okay=False),
              help="Or plan for these polygons (GeoPackage, GeoJSON, shapefile...).")
@click.option("--budget", type=click.FloatRange(min=0), required=True, help="The budget, in --budget-unit.")
@click.option("--budget-unit", type=click.Choice(["usd", "seedlings", "days"]), default="usd", show_default=True,
              help="usd: seedlings (and labour with --day-rate); seedlings: number; days: person-days of labour.")
@click.option("--objective", type=click.Choice(["exposure", "soil", "sediment", "mix"]), default="exposure",
              show_default=True, help="exposure: expected people reached by slope failures; soil: soil loss on the "
              "area (t/yr); sediment: sediment export (t/yr); mix: a weighted sum of the three, each relative to today.")
@click.option("--weights", metavar="exposure=W,soil=W,sediment=W", help="Weights of --objective mix "
              "(default exposure=0.5,soil=0.25,sediment=0.25).")
@click.option("--species", metavar="ID,ID", help="Only these species (ids of the species table; default all).")
@click.option("--measures", metavar="ID,ID", help="Also offer these physical measures priced per hectare "
              "(bench_terrace, contour_trench; P factor and cost from the measures table; maintained).")
@click.option("--species-table", type=click.Path(exists=True, dir_okay=False),
              help="Your species CSV (same columns as the built-in table): adds to or replaces built-in rows.")
@click.option("--species-budget", metavar="ID=N,...", help="At most N seedlings of a species (what the nursery has).")
@click.option("--min-patch", "min_patch_m2", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Smallest patch of one species, m2 (0: no minimum).")
@click.option("--day-rate", "day_rate_usd", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Labour cost per person-day (USD), added to the USD cost.")
@click.option("--exclude", "exclusions_file", type=click.Path(exists=True, dir_okay=False),
              help="Polygons where nothing is planted: active pits, roads, water, land the community needs.")
@click.option("--landcover", metavar="CLASS|RASTER", help="Today's land cover when the landslide run assumed another "
              "(a class, e.g. bare, or a raster of codes on the run's grid with --landcover-legend).")
@click.option("--landcover-legend", type=click.Path(exists=True, dir_okay=False), help="CSV code,class.")
@click.option("--landslide", "landslide_dir", type=click.Path(exists=True, file_okay=False),
              help="A 'hazard landslide' run folder (default: the latest assessed).")
@click.option("--erosion", "erosion_dir", type=click.Path(exists=True, file_okay=False),
              help="A 'hazard erosion' run folder (default: the latest assessed).")
@click.option("--buffer-m", "buffer_m", type=click.FloatRange(min=0, min_open=True), default=250.0, show_default=True,
              help="Radius (m) of a point site's circle.")
@click.option("--reach-angle", "reach_angle_deg", type=click.FloatRange(0, 90, min_open=True, max_open=True),
              default=20.0, show_default=True, help="Angle of reach of a slide's runout (provisional).")
@click.option("--method", type=click.Choice(["auto", "milp", "heuristic"]), default="auto", show_default=True)
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds for the optimiser.")
@click.option("--gap", "mip_rel_gap", type=click.FloatRange(0, 1, max_open=True), default=0.01, show_default=True,
              help="Stop when the plan is proven within this fraction of the best.")
@click.option("--lang", type=click.Choice(["en", "fr", "es"]), default="en", show_default=True,
              help="Language of the maps and the printable plan.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json.")
@pass_state
def trees_cmd(state: CliState, site_code, area_file, budget, budget_unit, objective, weights, species, measures,
              species_table,
              species_budget, min_patch_m2, day_rate_usd, exclusions_file, landcover, landcover_legend, landslide_dir,
              erosion_dir, buffer_m, reach_angle_deg, method, time_limit_s, mip_rel_gap, lang, out_dir,
              as_json) -> None:
    """Where to plant which species so the ground holds best for the budget, with the proof of how good the
    plan is; writes plan.gpkg, plan.geojson, plan.tif, summary.json, maps (PNG) and plan.html (printable).

    \b
    Examples:
      minewatch plan trees --site HZ-DEMO-04 --budget 2000 --out plan/
      minewatch plan trees --site S-12 --budget 5000 --budget-unit seedlings --objective mix \\
          --species vetiver,acacia_mangium --min-patch 400 --exclude pits.gpkg --out plan/
      minewatch plan trees --area slope.geojson --budget 60 --budget-unit days --objective soil --out plan/
    """
    from pathlib import Path

    from minewatch.planning.site_plan import plan_for_site
    from minewatch.planning.tool import STAGES, PlanRequest

    if (site_code is None) == (area_file is None):
        raise click.UsageError("give --site CODE or --area FILE")
    request = PlanRequest(
        budget=budget, budget_unit=budget_unit, objective=objective, weights=_pairs(weights, "name") or None,
        species=[s.strip() for s in species.split(",") if s.strip()] if species else None,
        measures=[m.strip() for m in measures.split(",") if m.strip()] if measures else None,
        species_table=species_table,
        option_budgets={(k, "seedlings"): v for k, v in _pairs(species_budget, "species").items()},
        min_patch_m2=min_patch_m2, day_rate_usd=day_rate_usd, reach_angle_deg=reach_angle_deg, method=method,
        time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, landcover=landcover, landcover_legend=landcover_legend)
    actor = state.actor()
    app = state.app
    with progress("plan: read", total=len(STAGES)) as advance:
        with app.uow() as uow:
            summary = plan_for_site(uow, actor=actor, request=request, out_dir=Path(out_dir), site_code=site_code,
                                    area_file=area_file, exclusions_file=exclusions_file,
                                    landslide_dir=landslide_dir, erosion_dir=erosion_dir, buffer_m=buffer_m,
                                    lang=lang,
                                    on_stage=lambda name, done, n: advance(1, description=f"plan: {name} done"))
    recorded = None
    if site_code is not None:
        from minewatch.planning.service import record_plan

        with app.uow() as uow:
            recorded = record_plan(uow, actor=actor, site_code=site_code, plan_dir=Path(out_dir), summary=summary,
                                   files_dir=app.settings.files_dir)
    if as_json:
        echo_json(summary)
        return
    _print(summary, out_dir, recorded)


def _print(summary: dict, out_dir: str, recorded) -> None:
    obj = summary["objective"]
    if not summary["by_species"]:
        click.echo(f"no planting: {summary.get('reason') or 'nothing improves the objective within the budget'}")
        click.echo("hint: if the ground is bare today but the landslide run assumed a cover, give --landcover bare",
                   err=True)
    for s in summary["by_species"]:
        click.echo(f"{s['names'].get('en') or s['id']:<34} {s['seedlings']:>8,} seedlings  {s['area_ha']:>7.2f} ha  "
                   f"{s['labour_days']:>7.1f} days  USD {s['cost_usd']:>10,.2f}")
    click.echo(f"{'total':<34} {summary['seedlings']:>8,} seedlings  {summary['area_ha']:>7.2f} ha  "
               f"{summary['labour_days']:>7.1f} days  USD {summary['cost_usd']:>10,.2f}")
    share = summary.get("reduction_share")
    click.echo(f"{obj['name']} ({obj['units']}): today {summary['baseline']:.4g}, at maturity (year "
               f"{summary['maturity_year']}) {summary['expected']:.4g}"
               + (f", {share:.1%} less" if share is not None else ""))
    pf = summary.get("probability_of_failure")
    if pf and pf.get("planted_mean_today") is not None:
        click.echo(f"probability of failure on the planted ground: {pf['planted_mean_today']:.2f} today, "
                   f"{pf['planted_mean_at_maturity']:.2f} at maturity (whole area {pf['area_mean_today']:.2f} -> "
                   f"{pf['area_mean_at_maturity']:.2f})")
    click.echo(f"proven within {summary['gap']:.2%} of the best plan ({summary['status']}, {summary['method']}, "
               f"bound: {summary['bound_kind']}; {summary['gap_applies_to']})")
    if summary["provisional"]:
        click.echo(f"note: provisional values: {len(summary['provisional'])} (see summary.json 'provisional')", err=True)
    where = f"; stored as plan {recorded.id}" if recorded is not None and hasattr(recorded, "id") else ""
    click.echo(f"plan in {out_dir} (plan.gpkg, plan.tif, summary.json, plan.html){where}")


def register(cli: click.Group) -> None:
    cli.add_command(plan)
