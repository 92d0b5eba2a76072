"""``minewatch calc``: field calculators (factor of safety, SINMAP SI, rainfall threshold, LHASA ARI,
RUSLE LS, K and R)."""

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


def _numbers(option: str, text: str, *, count: int | None = None) -> list[float]:
    values = []
    for i, part in enumerate(text.split(","), start=1):
        try:
            v = float(part)
        except ValueError:
            raise InvalidInput(f"{option} value {i} ({part.strip()!r}) is not a number") from None
        if not (v >= 0 and v != float("inf")):
            raise InvalidInput(f"{option} value {i} ({part.strip()}) is out of range: it must be a finite number >= 0")
        values.append(v)
    if count is not None and len(values) != count:
        raise InvalidInput(f"{option} needs {count} values (one per month, January first), got {len(values)}")
    return values


def _warn(findings) -> None:
    for f in findings:
        click.echo(f"warning: {f.reason}", err=True)


_LS_SOURCES = {
    "mccool": "RUSLE: S of McCool et al. (1987), L = (lambda/22.13)^m, m = beta/(1+beta) (McCool et al. 1989); "
              "Renard et al. (1997) AH703 ch. 4",
    "usle": "USLE: LS = (lambda/22.13)^m (65.41 sin^2 + 4.56 sin + 0.065), m 0.2-0.5 by slope; "
            "Wischmeier & Smith (1978) AH537",
    "moore-burch": "Moore & Burch (1986): LS = 1.4 (As/22.13)^0.4 (sin/0.0896)^1.3, As taken as the slope length "
                   "(unit-width uniform slope)",
}


@calc.command("rusle-ls")
@click.option("--slope-pct", type=float, required=True, help="Slope steepness (percent, 100 x tan).")
@click.option("--length-m", type=float, required=True, help="Slope length, horizontal (m).")
@click.option("--method", type=click.Choice(["mccool", "usle", "moore-burch"]), default="mccool", show_default=True,
              help="LS equation.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def calc_rusle_ls(slope_pct, length_m, method, as_json) -> None:
    """Topographic factor LS of a uniform slope (dimensionless; 1 on the 22.13 m, 9 % unit plot).

    \b
    Example:
      minewatch calc rusle-ls --slope-pct 10 --length-m 30.48 --json
    """
    _check("--slope-pct", slope_pct, low=0.0, high=1000.0)
    _check("--length-m", length_m, low=0.0, high=10_000.0, low_open=True)
    import math

    from minewatch.geomodels.erosion import factors as f

    theta = math.atan(slope_pct / 100.0)
    if method == "mccool":
        m, s = float(f.rusle_m(theta)), float(f.mccool_s(theta))
        l_factor = (length_m / f.UNIT_PLOT_LENGTH_M) ** m
        ls = float(f.ls_rusle_1d(slope_pct, length_m))
    elif method == "usle":
        m = float(f.usle_m(slope_pct))
        sin = math.sin(theta)
        s = 65.41 * sin**2 + 4.56 * sin + 0.065
        l_factor = (length_m / f.UNIT_PLOT_LENGTH_M) ** m
        ls = float(f.ls_usle(slope_pct, length_m))
    else:
        m = 1.3
        s = (math.sin(theta) / f.UNIT_PLOT_SIN) ** 1.3
        l_factor = 1.4 * (length_m / f.UNIT_PLOT_LENGTH_M) ** 0.4
        ls = float(f.ls_moore_burch(length_m, theta))
    notes = []
    if length_m > 305.0:
        notes.append("slope length above 305 m (1000 ft): beyond the range AH703 recommends; "
                     "runoff usually concentrates before this")
    result = {"ls": ls, "m": m, "s": s, "l": l_factor, "slope_pct": slope_pct, "length_m": length_m,
              "method": method, "source": _LS_SOURCES[method], "warnings": notes}
    if as_json:
        click.echo(json.dumps(result))
    else:
        for n in notes:
            click.echo(f"warning: {n}", err=True)
        click.echo(f"LS {ls:.4f} ({method}: S {s:.4f}, L {l_factor:.4f}, m {m:.4f})")


@calc.command("k-factor")
@click.option("--sand", type=float, required=True, help="Sand, 0.05-2 mm (percent).")
@click.option("--silt", type=float, required=True, help="Silt, 0.002-0.05 mm (percent).")
@click.option("--clay", type=float, required=True, help="Clay, < 0.002 mm (percent).")
@click.option("--organic-carbon", "orgc", type=float, required=True, help="Organic carbon (percent).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def calc_k_factor(sand, silt, clay, orgc, as_json) -> None:
    """Soil erodibility K from texture and organic carbon (Williams 1995, EPIC), in SI and US units.

    \b
    Example:
      minewatch calc k-factor --sand 20 --silt 65 --clay 15 --organic-carbon 1.5 --json
    """
    for opt, v in (("--sand", sand), ("--silt", silt), ("--clay", clay)):
        _check(opt, v, low=0.0, high=100.0)
    _check("--organic-carbon", orgc, low=0.0, high=100.0)
    total = sand + silt + clay
    if abs(total - 100.0) > 1.0:
        raise InvalidInput(f"--sand + --silt + --clay = {total:g} %: the three fractions must add up to 100 % "
                           "(within 1 %)")
    if silt + clay <= 0:
        raise InvalidInput("--silt + --clay is 0: the EPIC clay-silt term (silt / (clay + silt))^0.3 is undefined")
    from minewatch.geomodels.erosion.factors import k_epic_williams

    k_us, k_si = k_epic_williams(sand, silt, clay, orgc)
    result = {"k_si": float(k_si), "k_si_unit": "t ha h ha-1 MJ-1 mm-1", "k_us": float(k_us),
              "k_us_unit": "t acre h (hundreds acre ft tonf in)-1", "sand_pct": sand, "silt_pct": silt,
              "clay_pct": clay, "organic_carbon_pct": orgc, "method": "epic-williams",
              "source": "Williams (1995) EPIC, as in reference/hazards.md 3.2; K_SI = 0.1317 K_US (AH703 App. A)"}
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(f"K {float(k_si):.5f} t ha h ha-1 MJ-1 mm-1 (SI) = {float(k_us):.4f} (US)")


@calc.command("erosivity")
@click.option("--annual-mm", type=float, help="Mean annual precipitation (mm).")
@click.option("--monthly-mm", metavar="M1,...,M12", help="Twelve mean monthly totals (mm), January first.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def calc_erosivity(annual_mm, monthly_mm, as_json) -> None:
    """Rainfall erosivity R from annual or monthly precipitation (Renard & Freimund 1994).

    \b
    Examples:
      minewatch calc erosivity --annual-mm 1200 --json
      minewatch calc erosivity --monthly-mm 20,30,60,120,200,250,300,280,220,120,50,20 --json
    """
    if (annual_mm is None) == (monthly_mm is None):
        raise InvalidInput("give exactly one of --annual-mm or --monthly-mm")
    from minewatch.geomodels.erosion import factors as f

    if annual_mm is not None:
        _check("--annual-mm", annual_mm, low=0.0, high=20_000.0)
        est = f.erosivity_renard_freimund_annual(annual_mm)
        inputs = {"annual_mm": annual_mm}
    else:
        months = _numbers("--monthly-mm", monthly_mm, count=12)
        est = f.erosivity_modified_fournier(months)
        inputs = {"monthly_mm": months, "annual_mm": sum(months), "fournier_mm": est.index_mm}
    result = {"r_si": est.r_si, "r_si_unit": "MJ mm ha-1 h-1 yr-1", "r_us": est.r_us,
              "r_us_unit": "hundreds ft tonf in acre-1 h-1 yr-1", "method": est.method, **inputs,
              "in_range": not est.findings, "range_provisional": f.RANGES_PROVISIONAL,
              "findings": [p.as_dict() for p in est.findings],
              "source": "Renard & Freimund (1994) J. Hydrol. 157:287-306, as in reference/hazards.md 3.1; "
                        "R_US = R_SI / 17.02 (AH703 App. A)"}
    if as_json:
        click.echo(json.dumps(result))
    else:
        _warn(est.findings)
        click.echo(f"R {est.r_si:.1f} MJ mm ha-1 h-1 yr-1 (SI) = {est.r_us:.1f} (US), {est.method}")


def register(cli: click.Group) -> None:
    cli.add_command(calc)
