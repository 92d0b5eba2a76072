"""``minewatch export sites|visits``: the organisation's data as CSV, GeoJSON or GeoPackage."""

from __future__ import annotations

from pathlib import Path

import click

from minewatch.cli.common import CliState, pass_state, progress


@click.command("export")
@click.argument("kind", type=click.Choice(["sites", "visits"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "geojson", "gpkg"]),
              help="File format; default: from the --out file name (.csv, .geojson, .gpkg).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write.")
@click.option("--country", metavar="CC", help="Only sites in this country (ISO 3166-1 alpha-2).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@pass_state
def export_cmd(state: CliState, kind: str, fmt: str | None, out_path: Path, country: str | None,
               force: bool) -> None:
    """Export the organisation's sites (with their latest visit) or all visits.

    CSV is plain UTF-8 with a header row; GeoJSON follows RFC 7946 (longitude, latitude);
    GeoPackage has typed fields in EPSG:4326. Unknown values stay empty, never 0 or false.

    \b
    Example:
      minewatch export sites --format gpkg --out sites.gpkg
      minewatch export visits --out visits-cd.csv --country CD
    """
    from minewatch.registry.export import export, format_for

    fmt = fmt or format_for(out_path)
    if fmt is None:
        raise click.UsageError("give --format csv|geojson|gpkg (the --out file name does not say which)")
    actor = state.actor()
    with state.app.uow() as uow, progress(f"exporting {kind}") as advance:
        res = export(uow, actor=actor, kind=kind, fmt=fmt, out_path=out_path, country=country,
                     force=force, progress=advance)
    click.echo(f"exported {res.rows:,} {kind} to {res.path} ({res.fmt})")


def register(cli: click.Group) -> None:
    cli.add_command(export_cmd)
