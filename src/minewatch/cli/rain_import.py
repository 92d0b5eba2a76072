"""``minewatch rain import``: station CSV and gridded NetCDF rainfall; ``minewatch rain series``: the list."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state, progress


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "netcdf"]), help="Default: from the file name.")
@click.option("--tz", metavar="ZONE", help="Zone of times written without a UTC offset: an IANA name "
                                           "(Asia/Jakarta) or UTC. Required for such CSV times; NetCDF: CF's UTC.")
@click.option("--units", type=click.Choice(["mm", "mm/h", "in", "in/h"]),
              help="Units of a CSV's values: a depth per step, or the mean intensity over the step.")
@click.option("--step", metavar="S", help="The step (30min, 1h, 1d); default: the most common difference.")
@click.option("--repair", type=click.Choice(["clock-from-row-order"]),
              help="Rebuild times written with a 12-hour clock without AM/PM from row order (checked per row).")
@click.option("--kind", type=click.Choice(["observed", "forecast"]), default="observed", show_default=True)
@click.option("--site", "site_code", metavar="CODE", help="Link the series (or the nearest grid cell) to this site.")
@click.option("--series-column", metavar="C")
@click.option("--time-column", metavar="C")
@click.option("--value-column", metavar="C")
@click.option("--lat-column", metavar="C")
@click.option("--lon-column", metavar="C")
@click.option("--time-format", metavar="FMT", help="strftime format of the times (default ISO 8601).")
@click.option("--variable", metavar="V", help="NetCDF variable (default: the only gridded one).")
@click.option("--all-cells", is_flag=True, help="NetCDF: store every cell, not only those nearest the sites.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_state
def import_cmd(state: CliState, file: str, fmt, tz, units, step, repair, kind, site_code, series_column, time_column,
               value_column, lat_column, lon_column, time_format, variable, all_cells, as_json) -> None:
    """Import rainfall: a station CSV (one value a row) or a gridded NetCDF file (IMERG-like).

    \b
    Gaps, unsorted rows and empty cells are reported; duplicated or ambiguous timestamps, bad values
    and conflicts with stored values reject the whole file (nothing is merged, filled or overwritten).
    \b
    Example:
      minewatch rain import landslide_rainfall.csv --tz UTC --units mm/h --repair clock-from-row-order
      minewatch rain import 3B-HHR.MS.MRG.3IMERG.nc --variable precipitationCal
    """
    from pathlib import Path

    from minewatch.rain.service import import_rain

    columns = {"series_column": series_column, "time_column": time_column, "value_column": value_column,
               "lat_column": lat_column, "lon_column": lon_column, "time_format": time_format, "variable": variable}
    columns = {k: v for k, v in columns.items() if v is not None}
    actor = state.actor()
    with progress(f"rain {Path(file).name}") as advance, state.app.uow() as uow:
        report = import_rain(uow, actor=actor, path=Path(file), tz=tz, units=units, repair=repair, kind=kind,
                             site_code=site_code, fmt=fmt, step=step, all_cells=all_cells,
                             progress=lambda n, total=None: advance(n, total), **columns)
    if as_json:
        echo_json(report.as_dict())
        return
    click.echo(report.summary())
    for p in report.problems:
        click.echo("  " + p.describe())


@click.command("series")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@pass_state
def series_cmd(state: CliState, as_json: bool) -> None:
    """List the organisation's rainfall series (station, grid cell or record) and their span."""
    from minewatch.rain.service import series_list

    actor = state.actor()
    with state.app.uow() as uow:
        views = series_list(uow, actor=actor)
    if as_json:
        echo_json([v.as_dict() for v in views])
        return
    if not views:
        click.echo("no rainfall series (import one with: minewatch rain import FILE)")
        return
    for v in views:
        span = f"{v.first_utc:%Y-%m-%d %H:%M} .. {v.last_utc:%Y-%m-%d %H:%M} UTC" if v.first_utc else "no steps"
        where = f"{v.latitude:.4f},{v.longitude:.4f}" if v.latitude is not None else "-"
        click.echo(f"{v.kind:<9} {v.key:<24} step {v.step_s // 60:>4} min  {v.steps:>7,} steps ({v.missing:,} missing)"
                   f"  {span}  at {where}  site {v.site_code or '-'}")


def add(group: click.Group) -> None:
    """Add this module's commands to the ``rain`` group."""
    group.add_command(import_cmd)
    group.add_command(series_cmd)
