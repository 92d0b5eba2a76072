"""``minewatch hazard validate`` and ``hazard susceptibility``: the susceptibility model and its spatial
cross-validation on a landslide inventory (issue 8)."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, command_group, echo_json, pass_state, progress

_DEM = click.option("--dem", "dem_path", required=True, type=click.Path(exists=True, dir_okay=False),
                    help="DEM (m), any GDAL-readable raster in a projected CRS (metres).")
_BAND = click.option("--dem-band", "band", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Band of the DEM file holding elevation.")
_OUT = click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
_INV = dict(type=click.Path(exists=True, dir_okay=False),
            help="Landslides: CSV with x,y (+ presence column lslpts/presence/landslide), or GeoPackage/GeoJSON "
                 "points or polygons.")


def _inventory_options(f):
    for opt in reversed([
        click.option("--crs", help="CRS of a CSV's x,y (default: the DEM's), e.g. EPSG:32717."),
        click.option("--presence-column", help="Presence column (default: lslpts, presence or landslide)."),
        click.option("--absences", type=click.Choice(["given", "sampled"]), default="given", show_default=True,
                     help="Absences from the presence column, or background points sampled outside the landslides."),
        click.option("--background", type=click.IntRange(min=1), help="Background points (default: as many as "
                     "the landslides)."),
        click.option("--buffer-m", type=click.FloatRange(min=0), default=50.0, show_default=True,
                     help="No background point within this distance of a landslide."),
        click.option("--seed", type=int, default=0, show_default=True,
                     help="Seed of the folds (repetition r uses seed + r), background and Monte Carlo."),
    ]):
        f = opt(f)
    return f


@click.command("validate")
@click.option("--inventory", "inventory_path", required=True, **_INV)
@_DEM
@_BAND
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True)
@click.option("--repetitions", type=click.IntRange(min=1), default=100, show_default=True)
@_inventory_options
@_OUT
@click.option("--save", is_flag=True, help="Keep the report for the organisation's validation page.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json.")
@pass_state
def validate_cmd(state: CliState, inventory_path: str, dem_path: str, band: int, folds: int, repetitions: int,
                 crs: str | None, presence_column: str | None, absences: str, background: int | None,
                 buffer_m: float, seed: int, out_dir: str, save: bool, as_json: bool) -> None:
    """Spatial cross-validation (k-means folds) of the susceptibility model, slope alone and a logistic
    regression on the same folds: report.json, roc.png and model.json.

    \b
    Example:
      minewatch hazard validate --inventory lsl.csv --dem ta.tif --dem-band 4 --out val/
      minewatch hazard validate --inventory slides.gpkg --dem dem.tif --absences sampled --out val/ --save
    """
    import json

    from minewatch.geomodels.susceptibility import validate

    with progress("spatial CV repetitions", total=repetitions) as advance:
        paths = validate(inventory_path, dem_path, out_dir, band=band, folds=folds, repetitions=repetitions,
                         seed=seed, absences=absences, background=background, buffer_m=buffer_m, crs=crs,
                         presence_column=presence_column, on_repetition=lambda done, total: advance(1))
    report = json.loads(paths["report"].read_text())
    if save:
        from minewatch.hazards.service import save_validation

        actor = state.actor()
        saved = save_validation(actor=actor, files_dir=state.app.settings.files_dir, report_dir=paths["report"].parent)
        report["saved_to"] = str(saved)
    if as_json:
        echo_json(report)
        return
    click.echo(f"{report['points']} points ({report['presences']} landslides), {folds} folds x {repetitions} "
               f"repetitions")
    for name, m in report["models"].items():
        click.echo(f"{name:<15} AUC {m['auc_mean']:.3f} ± {m['auc_sd']:.3f}  ({m['n_folds']} folds)")
    click.echo(f"report {paths['report']}\nroc    {paths['roc']}\nmodel  {paths['model']}")
    if save:
        click.echo(f"saved  {report['saved_to']}")


@click.command("susceptibility")
@_DEM
@_BAND
@click.option("--model", "model_path", type=click.Path(exists=True, dir_okay=False),
              help="A model.json from 'hazard validate' (or give --inventory to fit one here).")
@click.option("--inventory", "inventory_path", **_INV)
@_inventory_options
@_OUT
def susceptibility_cmd(dem_path: str, band: int, model_path: str | None, inventory_path: str | None,
                       crs: str | None, presence_column: str | None, absences: str, background: int | None,
                       buffer_m: float, seed: int, out_dir: str) -> None:
    """Susceptibility map of a DEM: susceptibility.tif (0..1) and susceptibility_class.tif (0 low .. 3 very high).

    \b
    Example:
      minewatch hazard susceptibility --dem dem.tif --model val/model.json --out run/
      minewatch hazard susceptibility --dem ta.tif --dem-band 4 --inventory lsl.csv --out run/
    """
    from minewatch.errors import InvalidInput
    from minewatch.geomodels.susceptibility import tool, validate

    if (model_path is None) == (inventory_path is None):
        raise InvalidInput("give either --model FILE or --inventory FILE")
    if model_path:
        paths = tool(dem_path, out_dir, model_path=model_path, band=band, seed=seed)
    else:
        paths = validate(inventory_path, dem_path, out_dir, band=band, repetitions=1, seed=seed, absences=absences,
                         background=background, buffer_m=buffer_m, crs=crs, presence_column=presence_column,
                         apply=True)
    for name in ("susceptibility", "susceptibility_class", "model"):
        if name in paths:
            click.echo(f"{name:<21} {paths[name]}")


def register(cli: click.Group) -> None:
    """Add this module's commands to the ``hazard`` group."""
    group = command_group(cli, "hazard", "Slope stability hazards.")
    group.add_command(validate_cmd)
    group.add_command(susceptibility_cmd)
