"""``minewatch water``: import laboratory results of water, sediment and soil (screening and WQI below)."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state


@click.group("water")
def water() -> None:
    """Water, sediment and soil quality: samples, results, guideline screening, the CCME WQI."""


@water.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--profile", type=click.Choice(["long", "wide", "ita", "pilcomayo"]),
              help="The file's layout; detected from its first rows when not given.")
@click.option("--utm-zone", metavar="ZONE", help="Zone of UTM coordinates the file does not state, e.g. 20S.")
@click.option("--medium", type=click.Choice(["drinking_water", "river", "groundwater", "lake", "effluent", "sediment",
                                             "soil", "tailings"]),
              help="Medium of every sample when the file does not say.")
@click.option("--dry-run", is_flag=True, help="Check everything, store nothing.")
@click.option("--skip-bad", is_flag=True, help="Store the good cells and report the bad ones (default: store nothing).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_state
def import_cmd(state: CliState, file: str, profile: str | None, utm_zone: str | None, medium: str | None,
               dry_run: bool, skip_bad: bool, as_json: bool) -> None:
    """Import a results file: long (one result a row), wide (one sample a row), transposed (Pilcomayo).

    \b
    Values such as <0.5 are kept below the detection limit (the limit, never zero); a unit that cannot
    be read is reported with its row and column, never guessed.
    \b
    Example:
      minewatch water import calidad_agua_20250711060422.csv
      minewatch water import ITA_water_2006.csv --utm-zone 20S --json
    """
    from pathlib import Path

    from minewatch.water.service import import_results

    actor = state.actor()
    with state.app.uow() as uow:
        report = import_results(uow, actor=actor, path=Path(file), profile=profile, utm_zone=utm_zone, medium=medium,
                                dry_run=dry_run, skip_bad=skip_bad)
    if as_json:
        echo_json(report.as_dict())
        return
    click.echo(report.summary())
    for p in report.problems:
        click.echo("  " + p.describe())


def register(cli: click.Group) -> None:
    cli.add_command(water)


# --- screening (P2)


def _print_findings(findings, as_json: bool, gset) -> None:
    from minewatch.water.screening import summarise

    summary = summarise(findings)
    if as_json:
        echo_json({"guidelines": {"set": gset.name, "title": gset.title, "edition": gset.edition},
                   "summary": [{"parameter": p, "fraction": f, **c} for (p, f), c in sorted(summary.items())],
                   "findings": [f.as_dict() for f in findings]})
        return
    click.echo(f"{len(findings)} result(s) screened against {gset.name} ({gset.title}, {gset.edition})")
    for (p, f), c in sorted(summary.items()):
        if c["exceeds"] or c["within"]:
            click.echo(f"  {p:<14} {f:<11} exceeds {c['exceeds']:>4}  within {c['within']:>4}  "
                       f"not assessable {c['not_assessable']:>4}")
    for f in findings:
        if f.status == "exceeds":
            m = f.measurement
            drink = " (if used for drinking)" if f.if_used_for_drinking else ""
            click.echo(f"EXCEEDS {m.point_code or '-'} {m.sampled_at} {m.parameter} {m.fraction}: {f.message}{drink}")


@water.command("screen")
@click.option("--site", "site_code", metavar="CODE", help="Only this site's sampling points.")
@click.option("--point", "point_code", metavar="CODE", help="Only this sampling point.")
@click.option("--guidelines", "guideline_set", default="who-dw", show_default=True, metavar="SET",
              help="who-dw, ccme-soil-<agricultural|residential|commercial|industrial>, dutch-target, "
                   "dutch-intervention, or a CSV file shaped like the user template.")
@click.option("--json", "as_json", is_flag=True, help="Print every finding as JSON.")
@pass_state
def screen_cmd(state: CliState, site_code: str | None, point_code: str | None, guideline_set: str,
               as_json: bool) -> None:
    """Screen stored results against a guideline set: exceeds / within / not assessable, with the factor.

    \b
    River and ground water are screened against drinking-water values only "if used for drinking";
    total and dissolved results are screened separately; <DL is within only when DL <= guideline.
    \b
    Example:
      minewatch water screen --site BTA --guidelines who-dw
      minewatch water screen --guidelines ccme-soil-residential --json
    """
    from minewatch.water.guidelines import load_guideline_set
    from minewatch.water.screening import screen
    from minewatch.water.service import measurements

    gset = load_guideline_set(guideline_set)
    actor = state.actor()
    with state.app.uow() as uow:
        ms = measurements(uow, actor=actor, site_code=site_code, point_code=point_code)
    _print_findings(screen(ms, gset), as_json, gset)


@water.command("wqi")
@click.option("--objectives", "objectives_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CSV with columns parameter, unit, min, max.")
@click.option("--samples", "samples_file", type=click.Path(exists=True, dir_okay=False),
              help="CSV with columns sampled_at, parameter, value, unit (<0.05 = below detection); "
                   "without it the results come from the database.")
@click.option("--site", "site_code", metavar="CODE", help="Results of this site's points (database).")
@click.option("--point", "point_code", metavar="CODE", help="Results of this sampling point (database).")
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]), help="First day (inclusive).")
@click.option("--to", "until", type=click.DateTime(["%Y-%m-%d"]), help="Last day (inclusive).")
@click.option("--json", "as_json", is_flag=True, help="Print f1, f2, f3, wqi, category, variables, tests, ...")
@pass_state
def wqi_cmd(state: CliState, objectives_file: str, samples_file: str | None, site_code: str | None,
            point_code: str | None, since, until, as_json: bool) -> None:
    """The CCME Water Quality Index 1.0 over a period (at least 4 variables x 4 samples).

    \b
    A value equal to its objective meets it; the index is banded after rounding to an integer.
    \b
    Example:
      minewatch water wqi --objectives objectives.csv --samples results.csv --json
      minewatch water wqi --objectives objectives.csv --site BTA --from 2024-01-01 --to 2024-12-31
    """
    from pathlib import Path

    from minewatch.water.wqi import calculate, read_objectives, read_samples

    objectives = read_objectives(Path(objectives_file).read_text(encoding="utf-8-sig"), label=Path(objectives_file).name)
    if samples_file:
        ms = read_samples(Path(samples_file).read_text(encoding="utf-8-sig"), label=Path(samples_file).name)
        lo = since.date() if since else None
        hi = until.date() if until else None

        def day(m):
            return m.sampled_at.date() if hasattr(m.sampled_at, "date") else m.sampled_at

        ms = [m for m in ms if (lo is None or day(m) >= lo) and (hi is None or day(m) <= hi)]
    else:
        from minewatch.water.service import measurements

        actor = state.actor()
        with state.app.uow() as uow:
            ms = measurements(uow, actor=actor, site_code=site_code, point_code=point_code,
                              since=since.date() if since else None, until=until.date() if until else None)
    res = calculate(ms, objectives)
    if as_json:
        echo_json(res.as_dict())
        return
    click.echo(f"CCME WQI {res.wqi:.1f} ({res.wqi_rounded}, {res.category}): F1 {res.f1:.2f}, F2 {res.f2:.2f}, "
               f"F3 {res.f3:.2f}; {res.variables} variables, {res.tests} tests, {res.failed_tests} failed")
    if res.failed_variables:
        click.echo(f"failed variables: {', '.join(res.failed_variables)}")
    for e in res.excluded:
        click.echo(f"left out: {e['parameter']} {e['sampled_at'] or ''} {e['value'] or ''} - {e['reason']}")


@water.command("trend")
@click.option("--point", "point_code", required=True, metavar="CODE", help="Sampling point code.")
@click.option("--parameter", required=True, help="Parameter key, e.g. arsenic.")
@click.option("--fraction", type=click.Choice(["total", "dissolved", "unspecified"]),
              help="Needed when the point has results of more than one fraction.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="Write a .png or .svg time-series plot.")
@click.option("--unit", help="Plot in this unit (default: the guideline's unit).")
@click.option("--guidelines", "guideline_set", default="who-dw", show_default=True, help="Guideline lines on the plot.")
@click.option("--json", "as_json", is_flag=True, help="Print the test as JSON.")
@pass_state
def trend_cmd(state: CliState, point_code: str, parameter: str, fraction: str | None, plot_path: str | None,
              unit: str | None, guideline_set: str, as_json: bool) -> None:
    """Mann-Kendall trend test and Sen slope of one point x parameter (values below detection kept censored).

    \b
    Example:
      minewatch water trend --point BTA-050 --parameter arsenic --fraction total --plot arsenic.png
    """
    from pathlib import Path

    from minewatch.errors import InvalidInput
    from minewatch.water.guidelines import load_guideline_set
    from minewatch.water.plots import plot_series, to_one_unit
    from minewatch.water.service import measurements
    from minewatch.water.trends import mann_kendall

    actor = state.actor()
    with state.app.uow() as uow:
        ms = measurements(uow, actor=actor, point_code=point_code, parameter=parameter)
    fractions = sorted({m.fraction for m in ms})
    if fraction:
        ms = [m for m in ms if m.fraction == fraction]
    elif len(fractions) > 1:
        raise InvalidInput(f"{point_code} has {parameter} results of fractions {', '.join(fractions)}: "
                           f"choose one with --fraction")
    if not ms:
        raise InvalidInput(f"no {parameter} results at point {point_code}")
    gset = load_guideline_set(guideline_set)
    g = gset.find(parameter, ms[0].medium, ms[0].fraction)
    lines = [(gset.name, g)] if g is not None else []
    try:
        series = to_one_unit(ms, unit or (g.unit if g is not None else None))
    except InvalidInput:
        if unit:
            raise
        series = to_one_unit(ms)  # the guideline is in another kind of unit (per mass): plot without it
        lines = []
    res = mann_kendall(series.times, series.values, series.censored)
    out = None
    if plot_path:
        plot_series(ms, Path(plot_path), unit=series.unit, guidelines=lines)
        out = str(Path(plot_path))
    if as_json:
        echo_json({"point": point_code, "parameter": parameter, "fraction": ms[0].fraction, "unit": series.unit,
                   **res.as_dict(), "plot": out})
        return
    slope = "-" if res.sen_slope_per_year is None else f"{res.sen_slope_per_year:.4g} {series.unit}/year"
    click.echo(f"{point_code} {parameter} ({ms[0].fraction}), n={res.n} ({res.censored} censored): {res.trend}; "
               f"S={res.s}, Z={res.z:.3f}, p={res.p:.4f} ({res.p_method}); Sen slope {slope}"
               + (" (approximate: censored values)" if res.slope_approximate else ""))
    if out:
        click.echo(f"plot: {out}")


@water.command("compare")
@click.option("--site", "site_code", required=True, metavar="CODE", help="The site whose up- and downstream points to compare.")
@click.option("--guidelines", "guideline_set", default="who-dw", show_default=True, help="Set used for the exceedance shares.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def compare_cmd(state: CliState, site_code: str, guideline_set: str, as_json: bool) -> None:
    """Upstream vs downstream of a site per parameter: medians, shares exceeding, rank-sum test.

    \b
    Example:
      minewatch water compare --site KAL-001 --json
    """
    from minewatch.water.guidelines import load_guideline_set
    from minewatch.water.service import measurements, sampling_points
    from minewatch.water.trends import compare_site

    gset = load_guideline_set(guideline_set)
    actor = state.actor()
    with state.app.uow() as uow:
        points = sampling_points(uow, actor=actor, site_code=site_code)
        ms = measurements(uow, actor=actor, site_code=site_code)
    rows = compare_site(ms, {p.code: p.position for p in points}, gset)
    if as_json:
        echo_json({"site": site_code, "guidelines": gset.name, "parameters": [r.as_dict() for r in rows]})
        return
    if not rows:
        click.echo(f"{site_code}: no parameter measured at both an upstream and a downstream point")
    for r in rows:
        share = "-" if r.exceed_share_up is None or r.exceed_share_down is None else \
            f"{r.exceed_share_up:.0%} -> {r.exceed_share_down:.0%}"
        p = "-" if r.p is None else f"{r.p:.4f}"
        click.echo(f"{r.parameter:<32} median up {r.median_up or '-':>8} down {r.median_down or '-':>8}  "
                   f"exceeding {share:<12} rank-sum p {p}")
