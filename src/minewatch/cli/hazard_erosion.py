"""``minewatch hazard erosion``: RUSLE soil loss and InVEST-compatible sediment delivery from a DEM (issue 9)."""

from __future__ import annotations

import click

from minewatch.cli.common import command_group, echo_json, progress


@click.command("erosion")
@click.option("--dem", "dem_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="DEM (m), a GDAL-readable raster in a projected CRS with square cells.")
@click.option("--band", type=click.IntRange(min=1), default=1, show_default=True, help="Band of the DEM file.")
@click.option("--erosivity", metavar="R|RASTER", help="Rainfall erosivity R, a number or a raster on the DEM's grid.")
@click.option("--erosivity-units", type=click.Choice(["si", "us"]), default="si", show_default=True,
              help="si: MJ mm ha-1 h-1 yr-1; us: hundreds of ft tonf in acre-1 h-1 yr-1 (x 17.02).")
@click.option("--annual-mm", metavar="P|RASTER", help="Mean annual precipitation (mm): R by Renard & Freimund (1994).")
@click.option("--monthly-mm", metavar="M1,...,M12", help="12 mean monthly totals (mm): R by the modified Fournier "
              "index (Renard & Freimund 1994).")
@click.option("--erodibility", metavar="K|RASTER",
              help="Soil erodibility K, a number or a raster on the DEM's grid.")
@click.option("--erodibility-units", type=click.Choice(["si", "us"]), default="si", show_default=True,
              help="si: t ha h ha-1 MJ-1 mm-1; us: t acre h (hundreds acre ft tonf in)-1 (x 0.1317).")
@click.option("--sand", "sand_pct", type=float, metavar="%", help="Sand, % of the fine earth (K by Williams EPIC).")
@click.option("--silt", "silt_pct", type=float, metavar="%", help="Silt, %.")
@click.option("--clay", "clay_pct", type=float, metavar="%", help="Clay, %.")
@click.option("--organic-carbon", "organic_carbon_pct", type=float, metavar="%", help="Organic carbon, %.")
@click.option("--soil", metavar="CLASS", help="Soil texture class: not supported for K (the soil table has no "
              "texture fractions); use --sand/--silt/--clay/--organic-carbon.")
@click.option("--nomograph", metavar="SILT_VFS,CLAY,OM,S,P", help="K by the Wischmeier nomograph equation (AH537): "
              "silt + very fine sand %, clay %, organic matter %, structure code 1-4, permeability code 1-6.")
@click.option("--landcover", metavar="CLASS|RASTER", help="A C/P class (forest, plantation, shrub, grass, sparse, bare, "
              "mine spoil, tailings, pit, road, paved, water, or a synonym) or a raster of codes (then --legend or "
              "--biophysical).")
@click.option("--legend", metavar="CSV", type=click.Path(exists=True, dir_okay=False),
              help="Legend of the land cover raster: CSV code,class (classes of the C/P table).")
@click.option("--biophysical", metavar="CSV", type=click.Path(exists=True, dir_okay=False),
              help="InVEST biophysical table of the land cover raster: CSV lucode,usle_c,usle_p.")
@click.option("--ls-convention", type=click.Choice(["invest", "mccool"]), default="invest", show_default=True,
              help="invest: InVEST 3.20 ls.tif exactly; mccool: McCool S, Desmet & Govers L.")
@click.option("--sdr/--no-sdr", "sdr_outputs", default=True, show_default=True,
              help="Also the connectivity index, delivery ratio and sediment export.")
@click.option("--threshold-flow-accumulation", type=click.FloatRange(min=1), default=1000, show_default=True,
              help="Cells draining to a cell that make it a stream.")
@click.option("--watersheds", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="Catchment polygons (GeoPackage, shapefile...): totals per polygon, cells outside are nodata.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json.")
def erosion_cmd(dem_path: str, band: int, erosivity: str | None, erosivity_units: str, annual_mm: str | None,
                monthly_mm: str | None, erodibility: str | None, erodibility_units: str, sand_pct: float | None,
                silt_pct: float | None, clay_pct: float | None, organic_carbon_pct: float | None, soil: str | None,
                nomograph: str | None,
                landcover: str | None, legend: str | None, biophysical: str | None, ls_convention: str,
                sdr_outputs: bool, threshold_flow_accumulation: float, watersheds: str | None, out_dir: str,
                as_json: bool) -> None:
    """Soil loss A = R K LS C P (usle.tif, t/ha/yr), sediment delivery and export GeoTIFFs, summary.json and
    parameters.json. Give one rainfall route (R), one soil route (K) and the land cover (C, P).

    \b
    Example:
      minewatch hazard erosion --dem dem.tif --annual-mm 1400 --sand 30 --silt 45 --clay 25 \\
          --organic-carbon 1.2 --landcover "mine spoil" --out erosion/
      minewatch hazard erosion --dem dem.tif --erosivity r.tif --erodibility k.tif --landcover lulc.tif \\
          --biophysical biophysical.csv --watersheds catchments.gpkg --out sdr/
      minewatch hazard erosion --dem dem.tif --monthly-mm 20,30,80,150,200,120,60,50,90,160,110,40 \\
          --erodibility 0.3 --erodibility-units us --landcover cover.tif --legend cover.csv --out run/
    """
    import json

    from minewatch.geomodels.erosion.run import STAGES, run_erosion

    total = len(STAGES) - (0 if sdr_outputs else 1)
    with progress("erosion: read", total=total) as advance:
        paths = run_erosion(dem_path, out_dir, band=band, erosivity=erosivity, erosivity_units=erosivity_units,
                            annual_mm=annual_mm, monthly_mm=monthly_mm, erodibility=erodibility,
                            erodibility_units=erodibility_units, sand_pct=sand_pct, silt_pct=silt_pct,
                            clay_pct=clay_pct, organic_carbon_pct=organic_carbon_pct, soil=soil, landcover=landcover,
                            nomograph=nomograph,
                            legend=legend, biophysical=biophysical, ls_convention=ls_convention,
                            sdr_outputs=sdr_outputs, threshold_flow_accumulation=threshold_flow_accumulation,
                            watersheds=watersheds, on_stage=lambda stage, done, n: advance(1, description=f"erosion: {stage} done"))
    summary = json.loads(paths["summary"].read_text())
    for f in summary["findings"]:
        if f["severity"] == "warning" and f["code"] != "cover.provisional":
            click.echo(f"warning: {f['reason']}", err=True)
    provisional = [f["value"] for f in summary["findings"] if f["code"] == "cover.provisional"]
    if provisional:
        click.echo(f"note: C/P of {', '.join(provisional)} are provisional (sources in parameters.json)", err=True)
    if as_json:
        echo_json(summary)
        return
    r, k = summary["inputs"]["erosivity"], summary["inputs"]["erodibility"]
    r_text = f"{r['value']:.1f}" if "value" in r else f"raster {r.get('raster')}"
    k_text = f"{k['value']:.4g}" if "value" in k else f"raster {k.get('raster')}"
    click.echo(f"R {r_text} {r['units']} ({r['method']}); K {k_text} {k['units']} ({k['method']}); "
               f"LS {summary['ls_convention']}")
    for key in ("usle", "sed_export"):
        info = summary["outputs"].get(key)
        if info and info["valid_cells"]:
            click.echo(f"{key:11s} mean {info['mean']:.4g} t/ha/yr, max {info['max']:.4g}, "
                       f"total {info['total_t_yr']:.6g} t/yr over {info['valid_cells']} cells")
    for ws in summary["watershed_totals"] or []:
        export = "-" if ws["sed_export_t_yr"] is None else f"{ws['sed_export_t_yr']:.6g}"
        click.echo(f"watershed {ws['feature']}: usle {ws['usle_tot_t_yr']:.6g} t/yr, sed_export {export} t/yr")
    click.echo(f"outputs in {paths['summary'].parent} (summary.json, parameters.json)")


def register(cli: click.Group) -> None:
    """Add ``erosion`` to the ``hazard`` group."""
    group = command_group(cli, "hazard", "Slope stability hazards.")
    group.add_command(erosion_cmd)
