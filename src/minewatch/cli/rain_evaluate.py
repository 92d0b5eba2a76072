"""``minewatch rain evaluate``: which dated landslides a threshold would have caught."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state


def _window(events) -> tuple:
    """From 30 days before the first event to a day after the last (UTC), the rainfall an evaluation reads."""
    import datetime as dt

    first = min(e.time_utc for e in events).astype("datetime64[s]").item()
    last = max(e.time_utc for e in events).astype("datetime64[s]").item()
    return ((first - dt.timedelta(days=30)).replace(tzinfo=dt.timezone.utc),
            (last + dt.timedelta(days=1)).replace(tzinfo=dt.timezone.utc))


@click.command("evaluate")
@click.option("--events", "events_path", type=click.Path(exists=True, dir_okay=False), required=True,
              help="CSV of dated landslides: id,time[,latitude,longitude] or the ID,Lon,Lat,DD,MM,YYYY,TimeWIB layout.")
@click.option("--events-tz", metavar="ZONE", help="Time zone of event times without an offset (IANA name or UTC).")
@click.option("--threshold", "names", multiple=True, required=True, metavar="NAME",
              help="Threshold name (repeat for several; 'builtin' for every built-in one).")
@click.option("--thresholds", "thresholds_path", type=click.Path(exists=True, dir_okay=False),
              help="YAML or CSV file of user-defined regional thresholds.")
@click.option("--rain", "rain_path", type=click.Path(exists=True, dir_okay=False),
              help="Rainfall file (CSV or NetCDF, read as 'rain import' reads it) [the stored rainfall: "
                   "the series keyed by the event's id, else the nearest within MINEWATCH_RAIN_MAX_DISTANCE_KM].")
@click.option("--tz", help="Time zone of rainfall times without an offset (IANA name or UTC).")
@click.option("--units", help="Units of the rainfall values in a CSV: mm, mm/h, in, in/h.")
@click.option("--repair", type=click.Choice(["clock-from-row-order"]),
              help="Rebuild a 12-hour clock without AM/PM from row order (see docs/rainfall.md).")
@click.option("--format", "fmt", type=click.Choice(["csv", "netcdf"]), help="Rainfall file format.")
@click.option("--site", "site_code", metavar="CODE",
              help="Use the stored rainfall series of this site (instead of --rain).")
@click.option("--map-mm", type=float, help="Mean annual precipitation (mm), for thresholds normalised by MAP.")
@click.option("--catch-window-h", type=float, default=24.0, show_default=True,
              help="An alarm on within this many hours before an event catches it.")
@click.option("--false-alarm-window-h", type=float, default=24.0, show_default=True,
              help="An alarm episode not followed by an event within this many hours is a false alarm.")
@click.option("--merge-gap-h", type=float, default=6.0, show_default=True,
              help="Alarm runs separated by less than this many hours are one episode.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Directory for the table (CSV, markdown) and one plot per threshold.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary and the per-event rows as JSON.")
@pass_state
def evaluate_cmd(state: CliState, events_path, events_tz, names, thresholds_path, rain_path, tz, units, repair, fmt,
                 site_code, map_mm, catch_window_h, false_alarm_window_h, merge_gap_h, out_dir, as_json) -> None:
    """Evaluate thresholds against dated landslides: caught events, lead times, false alarms.

    \b
    Example (Central Java: IMERG half-hourly mm/h in UTC, written with a 12-hour clock):
      minewatch rain evaluate --events idn_nhr_ls_3308_magelang_2018_p_example.csv \\
        --rain landslide_rainfall.csv --tz UTC --units mm/h --repair clock-from-row-order \\
        --threshold builtin --out evaluation/
    """
    import csv
    from pathlib import Path

    from minewatch.errors import InvalidInput
    from minewatch.rain import evaluation as ev
    from minewatch.rain.events import read_events
    from minewatch.rain.evaluation_plots import plot_evaluation
    from minewatch.rain.thresholds import builtin_thresholds, load_thresholds

    if rain_path is not None and site_code is not None:
        raise InvalidInput("give the rainfall as --rain FILE or as --site CODE, not both (neither: the stored "
                           "rainfall, matched to each event by series key or nearest location)")
    if map_mm is not None and not (map_mm > 0):
        raise InvalidInput(f"--map-mm {map_mm:g} is out of range: it must be > 0")
    known = load_thresholds(thresholds_path)
    wanted: list[str] = []
    for name in names:
        for n in (sorted(builtin_thresholds()) if name == "builtin" else [name]):
            if n not in known:
                raise InvalidInput(f"unknown threshold {n!r}; known: {', '.join(sorted(known))}")
            if n not in wanted:
                wanted.append(n)
    events = read_events(events_path, tz=events_tz)
    if rain_path is not None:
        from minewatch.rain.importing import read_rain

        read = read_rain(rain_path, tz=tz, units=units, repair=repair, fmt=fmt)
        series_of = ev.match_series(events, read.series)
    elif site_code is None:  # the organisation's stored rainfall, by series key or nearest location
        from minewatch.rain.service import stored_series

        start, end = _window(events)
        with state.app.uow() as uow:
            stored = stored_series(uow, actor=state.actor(), start_utc=start, end_utc=end)
        if not stored:
            raise InvalidInput(f"no stored observed rainfall between {start:%Y-%m-%d} and {end:%Y-%m-%d}: import it "
                               "with 'minewatch rain import', or give --rain FILE")
        series_of = ev.match_series(events, stored, max_distance_km=state.app.settings.rain_max_distance_km)
    else:
        from minewatch.rain.service import site_series

        start, end = _window(events)
        with state.app.uow() as uow:
            stored = [s for s in site_series(uow, actor=state.actor(), site_code=site_code, start_utc=start,
                                             end_utc=end, max_distance_km=state.app.settings.rain_max_distance_km)
                      if s.kind == "observed"]
        if not stored:
            raise InvalidInput(f"site {site_code!r} has no stored observed rainfall between {start:%Y-%m-%d} "
                               f"and {end:%Y-%m-%d}")
        series_of = {e.id: stored[0] for e in events}
    skipped = [n for n in wanted if known[n].normalised_by == "MAP" and map_mm is None]
    if skipped and len(skipped) == len(wanted):
        raise InvalidInput(f"threshold {skipped[0]!r} is normalised by mean annual precipitation: give --map-mm")
    results = []
    for n in wanted:
        if n in skipped:
            continue
        results.append(ev.evaluate(events, series_of, known[n], map_mm=map_mm, catch_window_h=catch_window_h,
                                   false_alarm_window_h=false_alarm_window_h, merge_gap_h=merge_gap_h))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = ev.table_rows(results)
    with (out / "evaluation.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summaries = [r.summary() for r in results]
    with (out / "summary.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(summaries[0]))
        writer.writeheader()
        writer.writerows(summaries)
    notes = "".join(f"\nNot evaluated: {n} (normalised by MAP; give --map-mm).\n" for n in skipped)
    (out / "evaluation.md").write_text(
        "# Rainfall threshold evaluation\n\n" + ev.summary_markdown(results) + notes + "\n"
        + ev.events_markdown(results), encoding="utf-8")
    plots = {}
    for r in results:
        plots[r.threshold] = str(plot_evaluation(r, known[r.threshold], out / f"{r.threshold}.png", map_mm=map_mm))
    if as_json:
        echo_json({"summary": summaries, "events": rows, "plots": plots, "not_evaluated": skipped,
                   "out": str(out)})
        return
    click.echo(ev.summary_markdown(results), nl=False)
    for n in skipped:
        click.echo(f"not evaluated: {n} (normalised by MAP; give --map-mm)")
    click.echo(f"wrote {out / 'evaluation.csv'}, {out / 'evaluation.md'} and {len(plots)} plot(s) in {out}")


def add(group: click.Group) -> None:
    """Add this module's commands to the ``rain`` group."""
    group.add_command(evaluate_cmd)
