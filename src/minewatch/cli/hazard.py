"""``minewatch hazard``: land hazards from a DEM (terrain now; flow and landslide commands join this group)."""

from __future__ import annotations

import click

from minewatch.cli.common import echo_json, progress


@click.group()
def hazard() -> None:
    """Slope stability hazards: terrain attributes, flow, landslide probability."""


@hazard.command("terrain")
@click.option("--dem", "dem_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="DEM, any GDAL-readable raster (projected metres or geographic degrees).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--band", type=click.IntRange(min=1), default=1, show_default=True, help="Band of the DEM file.")
@click.option("--method", type=click.Choice(["horn", "zevenbergen-thorne"]), default="horn", show_default=True,
              help="Slope/aspect stencil (curvatures are always Zevenbergen-Thorne).")
@click.option("--rows-per-block", type=click.IntRange(min=1), help="Process N rows at a time (rasters larger than memory).")
@click.option("--dask", "use_dask", is_flag=True, help="Run on a local Dask cluster (needs the 'dask' extra).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run on an existing Dask scheduler.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def terrain_cmd(dem_path: str, out_dir: str, band: int, method: str, rows_per_block: int | None, use_dask: bool,
                scheduler: str | None, as_json: bool) -> None:
    """Slope (deg), aspect (deg from north, -1 flat), plan and profile curvature (m-1) GeoTIFFs + summary.json.

    \b
    Example:
      minewatch hazard terrain --dem dem.tif --out terrain/ --method zevenbergen-thorne
      minewatch hazard terrain --dem ta.tif --band 4 --out ecuador/ --method zevenbergen-thorne
      minewatch hazard terrain --dem big.tif --out terrain/ --rows-per-block 2048
    """
    import json

    from minewatch.geomodels.terrain import tool

    with progress("terrain") as advance:
        def report(done: int, total: int) -> None:
            advance(1, total=total)

        paths = tool(dem_path, out_dir, method=method, rows_per_block=rows_per_block, dask=use_dask,
                     scheduler=scheduler, band=band, progress=report)
    summary = json.loads(paths["summary"].read_text())
    if as_json:
        echo_json(summary)
        return
    for name, info in summary["outputs"].items():
        mean = "-" if info["mean"] is None else f"{info['mean']:.4g}"
        click.echo(f"{name:18s} mean {mean:>10s}  {paths[name]}")
    click.echo(f"summary            {paths['summary']}")


def register(cli: click.Group) -> None:
    cli.add_command(hazard)
