"""``minewatch hazard sites``: the landslide hazard of each registered site from a run folder."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, command_group, echo_json, pass_state


@click.command("sites")
@click.option("--run", "run_dir", type=click.Path(exists=True, file_okay=False),
              help="Folder of a 'hazard landslide' run to assess; without it, show the latest assessment.")
@click.option("--erosion", "erosion_dir", type=click.Path(exists=True, file_okay=False),
              help="Folder of a 'hazard erosion' run (usle.tif, sed_export.tif, stream.tif): adds each site's "
                   "soil loss; alone, an erosion-only assessment.")
@click.option("--site", "site_codes", multiple=True, metavar="CODE", help="Only this site (repeatable).")
@click.option("--buffer-m", type=click.FloatRange(min=0, min_open=True), default=250.0, show_default=True,
              help="Radius around point sites (m); polygon sites use their polygon.")
@click.option("--json", "as_json", is_flag=True, help="Print the assessment as JSON.")
@pass_state
def sites_cmd(state: CliState, run_dir: str | None, erosion_dir: str | None, site_codes: tuple[str, ...],
              buffer_m: float, as_json: bool) -> None:
    """Hazard level, reason, people exposed, share FS < 1, max/mean probability of failure and map per site;
    with --erosion, soil loss (mean t/ha/yr, total t/yr), sediment export (t/yr) and soil-loss level.

    \b
    The run folder holds probability_of_failure.tif and factor_of_safety.tif (or their soil__ names),
    optionally contributing_area.tif (m2), parameters.json and summary.json. Soil-loss levels: < 10,
    10-50, 50-200, >= 200 t/ha/yr (provisional, FAO 1979 bands as cited); stream cells count 0.
    \b
    Example:
      minewatch hazard sites --run landslide/ --buffer-m 300
      minewatch hazard sites --run landslide/ --erosion erosion/
      minewatch hazard sites --site KAL-001 --json
    """
    from pathlib import Path

    from minewatch.hazards.service import assess_sites, latest_site_erosion, latest_site_hazards

    actor = state.actor()
    files_dir = state.app.settings.files_dir
    with state.app.uow() as uow:
        if run_dir or erosion_dir:
            result = assess_sites(uow, actor=actor, run_dir=Path(run_dir) if run_dir else None, files_dir=files_dir,
                                  site_codes=list(site_codes) or None, buffer_m=buffer_m,
                                  erosion_dir=Path(erosion_dir) if erosion_dir else None)
        else:
            code = site_codes[0] if len(site_codes) == 1 else None
            result = latest_site_hazards(uow, actor=actor, code=code) or latest_site_erosion(uow, actor=actor,
                                                                                             code=code)
            if result is not None and len(site_codes) > 1:
                wanted = set(site_codes)
                result.sites[:] = [v for v in result.sites if v.code in wanted]
    if result is None:
        click.echo("no hazard assessment yet: run 'minewatch hazard sites --run DIR'")
        return
    rows = [{**v.as_dict(), "map_path": str(files_dir / v.map_path) if v.map_path else None} for v in result.sites]
    if as_json:
        echo_json({"assessment_id": result.id, "assessed_on": result.assessed_on, "created_at": result.created_at,
                   "code_version": result.code_version, "inputs": result.inputs, "sites": rows})
        return
    click.echo(f"assessment #{result.id} ({result.kind}, {result.assessed_on}), {len(rows)} site(s)")
    for r in rows:
        if result.kind == "erosion":
            click.echo(f"{r['code']:<14} people {r['people_exposed']:>4}")
        elif not r["covered"]:
            click.echo(f"{r['code']:<14} not covered by the rasters")
        else:
            share = "-" if r["share_fs_below_1"] is None else f"{r['share_fs_below_1']:.1%}"
            click.echo(f"{r['code']:<14} {r['level']:<9} people {r['people_exposed']:>4}  FS<1 {share:>6}  "
                       f"pfail max {r['pfail_max']:.2f} mean {r['pfail_mean']:.2f}  {r['reason']}")
            click.echo(f"{'':<14} map {r['map_path']}")
        if r["erosion_assessed_on"] is not None:
            click.echo(f"{'':<14} {soil_loss_line(r)}")


def soil_loss_line(r: dict) -> str:
    """One line of a site's soil loss (a SiteHazardView as a dict), as ``hazard sites`` and the demo print it."""
    if r["soil_loss_mean_t_ha_yr"] is None:
        return "soil loss: not covered by the erosion run"
    export = "-" if r["sed_export_t_yr"] is None else f"{r['sed_export_t_yr']:,.1f}"
    stream = r["erosion_stream_area_m2"]
    streams = f", stream cells {stream / r['erosion_area_m2']:.0%} (no soil loss)" if stream else ""
    return (f"soil loss {r['erosion_level']} mean {r['soil_loss_mean_t_ha_yr']:,.1f} t/ha/yr, total "
            f"{r['soil_loss_t_yr']:,.1f} t/yr, sediment export {export} t/yr{streams}")


def register(cli: click.Group) -> None:
    group = command_group(cli, "hazard", "Slope stability hazards.")
    group.add_command(sites_cmd)
