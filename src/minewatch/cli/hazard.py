"""``minewatch hazard``: land hazards from a DEM (terrain, landslide; more commands join this group)."""

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


def _class_option(option: str, value: str | None, legend: str | None, kind: str) -> None:
    """Check a --soil/--landcover value (a class name, or a raster with its legend); InvalidInput names the option."""
    from pathlib import Path

    from minewatch.errors import InvalidInput
    from minewatch.geomodels import parameters as P

    table = P.load_soil_table() if kind == "soil" else P.load_landcover_table()
    if legend is not None:
        if value is None:
            raise InvalidInput(f"{option}-legend {legend} given without a {option} raster")
        if not Path(value).is_file():
            raise InvalidInput(f"{option} {value}: no such raster file "
                               f"(a legend was given, so {option} must be a raster)")
        try:
            codes = P.read_legend(legend)
            for code, name in codes.items():
                table.get(name)
        except InvalidInput as exc:
            raise InvalidInput(f"{option}-legend {legend}: {exc}") from None
        return
    if value is None:
        return
    if Path(value).suffix and Path(value).is_file():
        raise InvalidInput(f"{option} {value} is a raster: give its legend with {option}-legend CSV "
                           "(columns code,class)")
    try:
        table.get(value)
    except InvalidInput as exc:
        raise InvalidInput(f"{option} {value!r}: {exc}") from None


def _recharge_option(text: str) -> tuple[float, float]:
    from minewatch.errors import InvalidInput

    try:
        vals = [float(v) for v in text.split(",")]
    except ValueError:
        vals = []
    if len(vals) == 1:
        vals = vals * 2
    if len(vals) != 2 or not all(v == v and v >= 0 and v != float("inf") for v in vals) or vals[0] > vals[1]:
        raise InvalidInput(f"--recharge-mm-day {text!r}: give R or MIN,MAX in mm/day, 0 <= MIN <= MAX")
    return vals[0], vals[1]


@hazard.command("landslide")
@click.option("--dem", "dem_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="DEM, any GDAL-readable raster (projected metres or geographic degrees).")
@click.option("--band", type=click.IntRange(min=1), default=1, show_default=True, help="Band of the DEM file.")
@click.option("--soil", metavar="CLASS|RASTER", help="Soil texture class (USDA name or synonym; default loam) "
              "or a raster of class codes on the DEM's grid (then --soil-legend).")
@click.option("--soil-legend", metavar="CSV", type=click.Path(exists=True, dir_okay=False),
              help="Legend of the soil raster: CSV with columns code,class.")
@click.option("--landcover", metavar="CLASS|RASTER", help="Land cover class (bare, pit, spoil heap, tailings, grass, "
              "vetiver, young plantation, plantation, forest...; default bare) or a raster of codes "
              "(then --landcover-legend).")
@click.option("--landcover-legend", metavar="CSV", type=click.Path(exists=True, dir_okay=False),
              help="Legend of the land cover raster: CSV with columns code,class.")
@click.option("--iterations", type=int, default=250, show_default=True,
              help="Monte Carlo draws per cell; 0 gives the deterministic factor of safety only.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same rasters).")
@click.option("--preset", type=click.Choice(["landlab"]), help="Landlab 2.11 LandslideProbability distributions.")
@click.option("--recharge-mm-day", "recharge", default="20,120", show_default=True, metavar="R|MIN,MAX",
              help="Steady recharge (mm/day); MIN,MAX is sampled uniformly, one draw per iteration for all cells.")
@click.option("--soil-thickness-m", type=float, default=1.5, show_default=True,
              help="Soil thickness perpendicular to the slope (m); the default is provisional.")
@click.option("--routing", type=click.Choice(["dinf", "d8"]), default="dinf", show_default=True,
              help="Flow routing for the specific catchment area (D-infinity as SINMAP, or D8 as Landlab).")
@click.option("--sca", metavar="RASTER", help="Specific catchment area (m) on the DEM's grid, e.g. "
              "specific_catchment_area.tif of an earlier run, instead of routing flow here (the one step that "
              "holds the whole DEM in memory).")
@click.option("--rows-per-block", type=click.IntRange(min=1), help="Process N rows at a time (default: about "
              "2 million cells); results are the same for every block size.")
@click.option("--dask", "use_dask", is_flag=True, help="Run the blocks on a local Dask cluster (needs the 'dask' "
              "extra).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run the blocks on an existing Dask scheduler.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def landslide_cmd(dem_path: str, band: int, soil: str | None, soil_legend: str | None, landcover: str | None,
                  landcover_legend: str | None, iterations: int, seed: int, preset: str | None, recharge: str,
                  soil_thickness_m: float, routing: str, sca: str | None, rows_per_block: int | None,
                  use_dask: bool, scheduler: str | None, out_dir: str, as_json: bool) -> None:
    """Factor of safety, probability of failure and saturation, wetness GeoTIFFs + parameters.json + summary.json.

    \b
    Example:
      minewatch hazard landslide --dem dem.tif --soil "clay loam" --landcover forest --out slide/
      minewatch hazard landslide --dem dem.tif --soil soils.tif --soil-legend soils.csv \\
          --landcover cover.tif --landcover-legend cover.csv --iterations 500 --seed 7 --out slide/
      minewatch hazard landslide --dem dem.tif --preset landlab --recharge-mm-day 20,120 --out ll/
      minewatch hazard landslide --dem huge.tif --sca huge_sca.tif --iterations 0 --rows-per-block 256 --out big/
    """
    import json

    from minewatch.errors import InvalidInput
    from minewatch.geomodels.landslide import run_landslide

    if iterations < 0:
        raise InvalidInput(f"--iterations {iterations}: must be 0 (no Monte Carlo) or more")
    if not soil_thickness_m > 0 or soil_thickness_m == float("inf"):
        raise InvalidInput(f"--soil-thickness-m {soil_thickness_m:g}: must be a positive number of metres")
    _class_option("--soil", soil, soil_legend, "soil")
    _class_option("--landcover", landcover, landcover_legend, "landcover")
    rech = _recharge_option(recharge)

    with progress("landslide") as advance:
        def report(done: int, total: int) -> None:
            advance(1, total=total)

        paths = run_landslide(dem_path, out_dir, soil=soil, soil_legend=soil_legend, landcover=landcover,
                              landcover_legend=landcover_legend, iterations=iterations, seed=seed, preset=preset,
                              recharge_mm_day=rech, soil_thickness_m=soil_thickness_m, routing=routing, sca=sca,
                              band=band, rows_per_block=rows_per_block, dask=use_dask, scheduler=scheduler,
                              on_progress=report)
    summary = json.loads(paths["summary"].read_text())
    if as_json:
        echo_json(summary)
        return
    pf = summary["probability_of_failure"]
    share = summary["share_fs_below_1"]

    def fmt(x, spec=".3f"):
        return "-" if x is None else format(x, spec)

    click.echo(f"cells {summary['cells_with_values']} of {summary['cells']}; FS < 1 on "
               f"{fmt(None if share is None else 100 * share, '.1f')}%; "
               f"P(failure) mean {fmt(pf['mean'])} max {fmt(pf['max'])}")
    for name, path in paths.items():
        click.echo(f"{name:26s} {path}")


def register(cli: click.Group) -> None:
    cli.add_command(hazard)
