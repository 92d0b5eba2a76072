"""``minewatch calc``: field calculators (factor of safety, SINMAP SI, rainfall threshold, LHASA ARI)."""

from __future__ import annotations

import json

import click

from minewatch.errors import InvalidInput


def _check(option: str, value: float, *, low: float | None = None, high: float | None = None,
           low_open: bool = False) -> None:
    bad = (low is not None and (value <= low if low_open else value < low)) or (high is not None and value > high)
    if bad or value != value:  # NaN
        lo = "" if low is None else (f"> {low:g}" if low_open else f">= {low:g}")
        hi = "" if high is None else f"<= {high:g}"
        raise InvalidInput(f"{option} {value:g} is out of range: it must be {' and '.join(p for p in (lo, hi) if p)}")


def _order(lo_opt: str, lo: float, hi_opt: str, hi: float) -> None:
    if lo > hi:
        raise InvalidInput(f"{lo_opt} {lo:g} is greater than {hi_opt} {hi:g}")


@click.group()
def calc() -> None:
    """Stability of one slope: factor of safety and SINMAP stability index (SI units, angles in degrees)."""


@calc.command("fs")
@click.option("--slope-deg", type=float, required=True, help="Slope angle (degrees).")
@click.option("--friction-deg", type=float, required=True, help="Effective friction angle (degrees).")
@click.option("--cohesion-pa", type=float, required=True, help="Effective soil cohesion (Pa).")
@click.option("--soil-depth-m", type=float, required=True, help="Soil thickness perpendicular to the slope (m).")
@click.option("--soil-density", "soil_density", type=float, required=True, metavar="KG_M3",
              help="Wet soil density (kg/m3).")
@click.option("--wetness", type=float, required=True, help="Relative wetness in [0, 1].")
@click.option("--density-ratio", type=float, default=0.5, show_default=True, help="rho_w / rho_s.")
@click.option("--root-cohesion-pa", type=float, default=0.0, show_default=True, help="Root cohesion (Pa).")
@click.option("--surcharge-pa", type=float, default=0.0, show_default=True,
              help="Vertical load per horizontal area, e.g. trees (Pa).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def calc_fs(slope_deg, friction_deg, cohesion_pa, soil_depth_m, soil_density, wetness, density_ratio,
            root_cohesion_pa, surcharge_pa, as_json) -> None:
    """Infinite-slope factor of safety (SINMAP form, Pack et al. 1998).

    \b
    Example:
      minewatch calc fs --slope-deg 35 --friction-deg 32 --cohesion-pa 2000 \\
        --soil-depth-m 1.5 --soil-density 2000 --wetness 0.8 --json
    """
    _check("--slope-deg", slope_deg, low=0.0, high=90.0, low_open=True)
    _check("--friction-deg", friction_deg, low=0.0, high=90.0)
    _check("--cohesion-pa", cohesion_pa, low=0.0)
    _check("--soil-depth-m", soil_depth_m, low=0.0, low_open=True)
    _check("--soil-density", soil_density, low=0.0, low_open=True)
    _check("--wetness", wetness, low=0.0, high=1.0)
    _check("--density-ratio", density_ratio, low=0.0, high=1.0)
    _check("--root-cohesion-pa", root_cohesion_pa, low=0.0)
    _check("--surcharge-pa", surcharge_pa, low=0.0)
    from minewatch.geomodels.slope_stability.kernels import factor_of_safety

    fs = float(factor_of_safety(slope_deg, friction_deg, cohesion_pa, soil_depth_m, soil_density, wetness,
                                density_ratio=density_ratio, root_cohesion_pa=root_cohesion_pa,
                                surcharge_pa=surcharge_pa))
    result = {"factor_of_safety": fs, "stable": fs > 1.0, "slope_deg": slope_deg, "friction_deg": friction_deg,
              "cohesion_pa": cohesion_pa, "root_cohesion_pa": root_cohesion_pa, "surcharge_pa": surcharge_pa,
              "soil_depth_m": soil_depth_m, "soil_density_kg_m3": soil_density, "wetness": wetness,
              "density_ratio": density_ratio}
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(f"factor of safety {fs:.3f} ({'stable' if fs > 1 else 'fails'}: FS {'>' if fs > 1 else '<='} 1)")


@calc.command("sinmap-si")
@click.option("--slope-deg", type=float, required=True, help="Slope angle (degrees).")
@click.option("--area-m", type=float, required=True, help="Specific catchment area a (m).")
@click.option("--c-min", type=float, required=True, help="Lower dimensionless cohesion.")
@click.option("--c-max", type=float, required=True, help="Upper dimensionless cohesion.")
@click.option("--phi-min", type=float, required=True, help="Lower friction angle (degrees).")
@click.option("--phi-max", type=float, required=True, help="Upper friction angle (degrees).")
@click.option("--tr-min", type=float, required=True, help="Lower T/R (m).")
@click.option("--tr-max", type=float, required=True, help="Upper T/R (m).")
@click.option("--density-ratio", type=float, default=0.5, show_default=True, help="rho_w / rho_s.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def calc_sinmap_si(slope_deg, area_m, c_min, c_max, phi_min, phi_max, tr_min, tr_max, density_ratio,
                   as_json) -> None:
    """SINMAP stability index and class (Pack, Tarboton & Goodwin 1998).

    \b
    Example:
      minewatch calc sinmap-si --slope-deg 35 --area-m 700 --c-min 0 --c-max 0.25 \\
        --phi-min 30 --phi-max 45 --tr-min 2000 --tr-max 3000 --json
    """
    _check("--slope-deg", slope_deg, low=0.0, high=90.0)
    _check("--area-m", area_m, low=0.0)
    _check("--c-min", c_min, low=0.0)
    _check("--c-max", c_max, low=0.0)
    _order("--c-min", c_min, "--c-max", c_max)
    _check("--phi-min", phi_min, low=0.0, high=90.0, low_open=True)
    _check("--phi-max", phi_max, low=0.0, high=90.0, low_open=True)
    _order("--phi-min", phi_min, "--phi-max", phi_max)
    _check("--tr-min", tr_min, low=0.0, low_open=True)
    _check("--tr-max", tr_max, low=0.0, low_open=True)
    _order("--tr-min", tr_min, "--tr-max", tr_max)
    _check("--density-ratio", density_ratio, low=0.0, high=1.0)
    from minewatch.geomodels.slope_stability.kernels import sinmap_class, sinmap_stability_index

    si, sat = sinmap_stability_index(slope_deg, area_m, c_min, c_max, phi_min, phi_max, tr_min, tr_max,
                                     density_ratio=density_ratio)
    si = float(si)
    cls = str(sinmap_class(si))
    result = {"stability_index": si, "stability_class": cls, "saturation_index": float(sat), "slope_deg": slope_deg,
              "area_m": area_m, "c_min": c_min, "c_max": c_max, "phi_min_deg": phi_min, "phi_max_deg": phi_max,
              "tr_min_m": tr_min, "tr_max_m": tr_max, "density_ratio": density_ratio}
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(f"stability index {si:.4f}: {cls.replace('_', ' ')}")


@calc.command("threshold")
@click.option("--name", required=True, help="Threshold name (caine1980, guzzetti2008, javier-kumar2018, ...).")
@click.option("--duration-h", type=float, required=True, help="Rainfall duration D (hours).")
@click.option("--thresholds", "thresholds_path", type=click.Path(exists=True, dir_okay=False),
              help="YAML or CSV file of user-defined regional thresholds.")
@click.option("--map-mm", type=float, help="Mean annual precipitation (mm), for thresholds normalised by MAP.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def calc_threshold(name, duration_h, thresholds_path, map_mm, as_json) -> None:
    """Landslide rainfall threshold intensity I = c + alpha * D^-beta at a duration (mm/h).

    \b
    Example:
      minewatch calc threshold --name caine1980 --duration-h 24 --json
    """
    _check("--duration-h", duration_h, low=0.0, low_open=True)
    if map_mm is not None:
        _check("--map-mm", map_mm, low=0.0, low_open=True)
    from minewatch.rain.thresholds import get_threshold

    t = get_threshold(name, path=thresholds_path)
    intensity = t.intensity(duration_h, map_mm=map_mm)
    result = {"name": t.name, "title": t.title, "duration_h": duration_h, "intensity_mm_per_h": intensity,
              "cumulative_mm": intensity * duration_h, "alpha": t.alpha, "beta": t.beta, "c": t.c,
              "d_min_h": t.d_min_h, "d_max_h": t.d_max_h, "normalised_by": t.normalised_by, "map_mm": map_mm,
              "source": t.source, "status": t.status}
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(f"{t.name}: {intensity:.3f} mm/h over {duration_h:g} h = {intensity * duration_h:.1f} mm "
                   f"({t.status})")


@calc.command("ari")
@click.option("--daily", required=True, metavar="MM,MM,...",
              help="Daily rainfall (mm), oldest day first, at least 7 days (the last 7 are used).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def calc_ari(daily, as_json) -> None:
    """LHASA 1.1 antecedent rainfall index: sum_k w_k P(t-k) / sum_k w_k, w_k = 1/(k+1)^2, k = 0..6 (mm/day).

    \b
    Example:
      minewatch calc ari --daily 0,0,5,12,30,8,40 --json
    """
    values = []
    for i, part in enumerate(daily.split(","), start=1):
        try:
            v = float(part)
        except ValueError:
            raise InvalidInput(f"--daily value {i} ({part.strip()!r}) is not a number") from None
        if not (v >= 0 and v != float("inf")):
            raise InvalidInput(f"--daily value {i} ({part.strip()}) is out of range: it must be a finite number >= 0")
        values.append(v)
    from minewatch.rain.thresholds import ARI_DAYS, ARI_WEIGHTS, ari

    index = ari(values)
    result = {"ari_mm_per_day": index, "days_used": ARI_DAYS, "daily_mm_used": values[-ARI_DAYS:],
              "weights_oldest_first": [float(w) for w in ARI_WEIGHTS[::-1]], "days_given": len(values)}
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(f"ARI {index:.2f} mm/day (last {ARI_DAYS} of {len(values)} days)")


def register(cli: click.Group) -> None:
    cli.add_command(calc)
