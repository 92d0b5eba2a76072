"""Read rainfall files (no database): station CSV in long layout and gridded NetCDF, into :class:`RainSeries`.

Station CSV (one value a row)
    Columns, named with options or recognised by name (case-insensitive):

    ==========  ============================================================  ====================
    option      recognised names                                              required
    ==========  ============================================================  ====================
    time        time, datetime, date_time, timestamp, date, start, start_utc  yes
    value       value, rain, rainfall, precipitation, precip, depth, depth_mm yes
    series      series, series_id, station, station_id, coord_id, id, key     no (one series)
    lat / lon   lat, latitude / lon, long, lng, longitude                     no
    ==========  ============================================================  ====================

    Times are ISO 8601 (``2018-01-22 13:30``, ``2018-01-22T13:30+07:00``, ``...Z``) unless ``time_format``
    (strftime) is given. A time with a UTC offset is honoured; one without needs ``tz`` (an IANA zone or
    ``UTC``): there is no default zone. Units are explicit: ``mm`` (depth per step), ``mm/h`` (mean
    intensity over the step: depth = value x step in hours), ``in``, ``in/h``. The step is the most common
    difference between a series' times, or ``step`` (``30min``).

Gridded NetCDF (engine h5netcdf, CF time decoding)
    The variable named ``variable`` or the only data variable with time, latitude and longitude
    dimensions, in either order (IMERG writes (time, lon, lat)). Units from the variable's ``units``
    attribute (``mm/hr``, ``mm``, ``kg m-2 s-1``...; ``units`` only when the attribute is missing). CF time
    units without a zone are UTC (CF conventions 4.4) unless ``tz`` names the zone; with an offset
    (``hours since 2018-01-01 00:00 +07:00``) they are honoured. The time coordinate is the start of each
    step, or its CF ``bounds`` lower bound. Each cell is a series keyed ``"lat,lon"`` (its centre);
    a fill value is a missing step.

Findings, never silent repairs: gaps (ranges and counts; kept missing), unsorted rows (sorted), empty value
cells (kept missing) are warnings; duplicated, ambiguous or non-existent (daylight saving) timestamps, times
off the step's clock, unreadable, negative or NaN values are errors and the whole file is rejected
(:class:`ImportRejected` with the report). ``repair="clock-from-row-order"`` rebuilds the times of files
written with a 12-hour clock without AM/PM from row order (:func:`minewatch.rain.quality.rebuild_clock`),
checking each row against what it wrote.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from minewatch.errors import ImportRejected
from minewatch.kit.findings import Problem
from minewatch.rain import quality
from minewatch.rain.errors import RainInvalid
from minewatch.rain.model import CSV_UNITS, KINDS, REPAIRS, RainSeries, parse_step, to_depth_mm, unit_factor

FORMATS = ("csv", "netcdf")
COLUMN_NAMES = {
    "time": ("time", "datetime", "date_time", "timestamp", "date", "start", "start_utc", "time_utc"),
    "value": ("value", "rain", "rainfall", "precipitation", "precip", "depth", "depth_mm"),
    "series": ("series", "series_id", "station", "station_id", "coord_id", "id", "key"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "long", "lng", "longitude"),
}
_OFFSET = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
_LAT_DIMS = ("lat", "latitude", "y")
_LON_DIMS = ("lon", "longitude", "x")
_LISTED = 50
_LABELS = {"duplicate_time": "duplicated timestamps", "ambiguous_time": "ambiguous local times (daylight saving)",
           "nonexistent_time": "local times that do not exist (daylight saving)", "bad_value": "bad values",
           "bad_time": "unreadable times", "off_clock": "times off the step's clock",
           "repair_disagrees": "rows whose written time disagrees with the repair"}  # values listed one by one in a finding; the rest are counted


@dataclass
class RainImportReport:
    """What an import read, found and (for the service) stored."""

    file_name: str
    fmt: str = ""
    kind: str = "observed"
    tz: str | None = None
    units: str | None = None
    rows: int = 0
    series: int = 0
    steps: int = 0
    missing_steps: int = 0
    repair: str | None = None
    rows_repaired: int = 0
    problems: list[Problem] = field(default_factory=list)
    # filled by minewatch.rain.service.import_rain
    series_stored: int = 0
    series_new: int = 0
    series_skipped: int = 0  # grid cells not near any site
    inserted: int = 0
    unchanged: int = 0
    filled: int = 0  # steps stored as missing that the file now gives
    already_imported: bool = False
    batch_id: int | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def summary(self) -> str:
        counts = Counter(p.severity for p in self.problems)
        repair = (f"; repair {self.repair} applied, {self.rows_repaired:,} row times rebuilt" if self.repair else "")
        stored = (f"; stored {self.inserted:,} new steps, {self.unchanged:,} unchanged, {self.filled:,} filled "
                  f"in {self.series_stored:,} series ({self.series_new:,} new)") if self.series_stored else ""
        skipped = f"; {self.series_skipped:,} grid cells not near a site not stored" if self.series_skipped else ""
        again = "; this file was imported before: nothing new" if self.already_imported and not self.inserted else ""
        return (f"{self.file_name} ({self.fmt}, {self.kind}): {self.rows:,} rows, {self.series:,} series, "
                f"{self.steps:,} steps ({self.missing_steps:,} missing){repair}{stored}{skipped}{again}; "
                f"{counts['error']:,} errors, {counts['warning']:,} warnings")

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "problems"}
        out["file"] = out.pop("file_name")
        out["problems"] = [p.as_dict() for p in self.problems]
        return out


@dataclass
class RainRead:
    """The series of a file and its findings (warnings only: errors raise ImportRejected)."""

    series: list[RainSeries]
    findings: list[Problem]
    report: RainImportReport


def _reject(report: RainImportReport) -> None:
    errors = Counter(p.code for p in report.errors)
    what = ", ".join(f"{n:,} {_LABELS.get(code, code.replace('_', ' '))}" for code, n in errors.most_common())
    hint = ""
    if errors.get("duplicate_time") and not report.repair:
        hint = (" If the file was written with a 12-hour clock without AM/PM, --repair clock-from-row-order "
                "rebuilds its times from row order (see docs/rainfall.md).")
    raise ImportRejected(f"{report.file_name}: {what}; nothing was imported.{hint}", report=report)


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".nc", ".nc4", ".netcdf", ".h5", ".hdf5", ".cdf"):
        return "netcdf"
    raise RainInvalid(f"{path.name}: cannot tell the format from the name; give --format csv or netcdf")


def read_rain(path, *, tz: str | None, units: str | None, repair: str | None = None, fmt: str | None = None,
              kind: str = "observed", step: str | dt.timedelta | None = None, **column_options) -> RainRead:
    """Read a station CSV or a gridded NetCDF file; see the module docstring for every rule.

    ``column_options``: series_column, time_column, value_column, lat_column, lon_column, time_format (CSV);
    variable (NetCDF).
    """
    path = Path(path)
    if not path.is_file():
        raise RainInvalid(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise RainInvalid(f"format {fmt!r} is not one of: {', '.join(FORMATS)}")
    if kind not in KINDS:
        raise RainInvalid(f"kind {kind!r} is not one of: {', '.join(KINDS)}")
    if repair is not None and repair not in REPAIRS:
        raise RainInvalid(f"repair {repair!r} is not one of: {', '.join(REPAIRS)}")
    if tz is not None:
        quality.zone(tz)
    if isinstance(step, str):
        try:
            step = parse_step(step)
        except ValueError as exc:
            raise RainInvalid(str(exc)) from None
    report = RainImportReport(file_name=path.name, fmt=fmt, kind=kind, tz=tz, units=units, repair=repair)
    if fmt == "csv":
        allowed = {"series_column", "time_column", "value_column", "lat_column", "lon_column", "time_format", "name"}
        _check_options(column_options, allowed)
        series = _read_csv(path, report, tz=tz, units=units, repair=repair, kind=kind, step=step, **column_options)
    else:
        _check_options(column_options, {"variable"})
        if repair:
            raise RainInvalid("the repair clock-from-row-order is for CSV files written with a 12-hour clock")
        series = _read_netcdf(path, report, tz=tz, units=units, kind=kind, step=step, **column_options)
    if report.errors:
        _reject(report)
    report.series = len(series)
    report.steps = sum(len(s) for s in series)
    report.missing_steps = sum(int(np.isnan(s.depth_mm).sum()) for s in series)
    return RainRead(series=series, findings=list(report.problems), report=report)


def _check_options(options: dict, allowed: set[str]) -> None:
    extra = {k for k, v in options.items() if v is not None} - allowed
    if extra:
        raise RainInvalid(f"option(s) {', '.join(sorted(extra))} do not apply to this format")


# ------------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------------

def _read_table(path: Path):
    import pandas as pd

    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first = text.splitlines()[0] if text.strip() else ""
    if not first:
        raise RainInvalid(f"{path.name}: the file is empty")
    delimiter = max((",", ";", "\t"), key=first.count)
    import io

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=delimiter, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise RainInvalid(f"{path.name}: not a readable CSV table ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, delimiter


def _column(frame, given: str | None, role: str, required: bool) -> str | None:
    columns = list(frame.columns)
    if given:
        if given not in columns:
            raise RainInvalid(f"no column {given!r} in the file (columns: {', '.join(columns)})")
        return given
    lower = {c.lower(): c for c in columns}
    for name in COLUMN_NAMES[role]:
        if name in lower:
            return lower[name]
    if required:
        raise RainInvalid(f"no {role} column recognised among {', '.join(columns)}: name it with "
                          f"--{role}-column (recognised: {', '.join(COLUMN_NAMES[role])})")
    return None


def _parse_times(raw: np.ndarray, rows: np.ndarray, column: str, time_format: str | None, report
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(times, has_offset): UTC for cells with an offset, the written wall clock for the others; NaT if bad."""
    import pandas as pd

    text = pd.Series(raw).str.strip()
    has_offset = text.str.contains(_OFFSET).to_numpy(dtype=bool)
    out = np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[s]")
    fmt = time_format or "ISO8601"
    if (~has_offset).any():
        naive = pd.to_datetime(text[~has_offset], format=fmt, errors="coerce")
        out[~has_offset] = naive.to_numpy(dtype="datetime64[s]")
    if has_offset.any():
        aware = pd.to_datetime(text[has_offset], format=fmt, errors="coerce", utc=True)
        out[has_offset] = aware.dt.tz_localize(None).to_numpy(dtype="datetime64[s]")
    bad = np.flatnonzero(np.isnat(out))
    for i in bad[:_LISTED]:
        expected = f"the format {time_format!r}" if time_format else "an ISO 8601 time such as 2018-01-22 13:30"
        report.problems.append(Problem("error", "bad_time", f"not {expected}", int(rows[i]), column, raw[i]))
    if len(bad) > _LISTED:
        report.problems.append(Problem("error", "bad_time", f"{len(bad) - _LISTED:,} more unreadable times",
                                       None, column, None))
    return out, has_offset


def _parse_values(raw: np.ndarray, rows: np.ndarray, column: str, decimal_comma: bool, report
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(values, empty): floats (NaN where empty or bad); bad, NaN, infinite or negative values are errors."""
    import pandas as pd

    text = pd.Series(raw).str.strip()
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    empty = (text == "").to_numpy()
    values = pd.to_numeric(text.where(~empty, None), errors="coerce").to_numpy(dtype=float, copy=True)
    listed = 0
    for i in np.flatnonzero(~empty & ~np.isfinite(values) | (values < 0)):
        lowered = str(raw[i]).strip().lower()
        if lowered in ("nan", "-nan"):
            why = "NaN is not a value: leave the cell empty for a missing step"
        elif np.isinf(values[i]):
            why = "an infinite rainfall is not a value"
        elif np.isnan(values[i]):
            why = "not a number"
        else:
            why = "rainfall cannot be negative"
        listed += 1
        if listed <= _LISTED:
            report.problems.append(Problem("error", "bad_value", why, int(rows[i]), column, raw[i]))
    if listed > _LISTED:
        report.problems.append(Problem("error", "bad_value", f"{listed - _LISTED:,} more bad values", None, column,
                                       None))
    values[~np.isfinite(values) | (values < 0)] = np.nan
    return values, empty


def _coords(raw: np.ndarray, rows: np.ndarray, column: str, axis: str, report) -> np.ndarray:
    import pandas as pd

    text = pd.Series(raw).str.strip()
    values = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(dtype=float)
    limit = 90 if axis == "lat" else 180
    for i in np.flatnonzero((text != "").to_numpy() & ~(np.abs(values) <= limit))[:_LISTED]:
        report.problems.append(Problem("error", "bad_coordinate", f"not a {axis}itude in decimal degrees",
                                       int(rows[i]), column, raw[i]))
    return values


def _read_csv(path: Path, report: RainImportReport, *, tz, units, repair, kind, step, series_column=None,
              time_column=None, value_column=None, lat_column=None, lon_column=None, time_format=None, name=None
              ) -> list[RainSeries]:
    if units is None:
        raise RainInvalid(f"give the units of the values ({', '.join(CSV_UNITS)}): a rainfall CSV does not say",
                          code="rain_units_required")
    if units not in CSV_UNITS:
        raise RainInvalid(f"units {units!r} is not one of: {', '.join(CSV_UNITS)}")
    frame, delimiter = _read_table(path)
    tcol = _column(frame, time_column, "time", True)
    vcol = _column(frame, value_column, "value", True)
    scol = _column(frame, series_column, "series", False)
    lat_col = _column(frame, lat_column, "lat", False)
    lon_col = _column(frame, lon_column, "lon", False)
    n = len(frame)
    report.rows = n
    if not n:
        raise RainInvalid(f"{path.name}: the file has a header but no rows")
    rows = np.arange(n) + 2  # line numbers: the header is row 1
    raw_t = frame[tcol].to_numpy(dtype=object)
    times, has_offset = _parse_times(raw_t, rows, tcol, time_format, report)
    values, empty = _parse_values(frame[vcol].to_numpy(dtype=object), rows, vcol, delimiter == ";", report)
    lat = _coords(frame[lat_col].to_numpy(dtype=object), rows, lat_col, "lat", report) if lat_col else None
    lon = _coords(frame[lon_col].to_numpy(dtype=object), rows, lon_col, "lon", report) if lon_col else None
    keys = (frame[scol].str.strip().to_numpy(dtype=object) if scol
            else np.full(n, name or path.stem, dtype=object))
    if scol:
        for i in np.flatnonzero(keys == "")[:_LISTED]:
            report.problems.append(Problem("error", "no_series", "the row names no series", int(rows[i]), scol, ""))
    if (~has_offset & ~np.isnat(times)).any() and tz is None:
        i = int(np.flatnonzero(~has_offset & ~np.isnat(times))[0])
        raise RainInvalid(f"row {rows[i]}, column '{tcol}': the time {raw_t[i]!r} has no UTC offset: give the "
                          "file's time zone with --tz (an IANA name such as Asia/Jakarta, or UTC)",
                          code="rain_tz_required")
    if repair and has_offset.any():
        i = int(np.flatnonzero(has_offset)[0])
        raise RainInvalid(f"row {rows[i]}: times written with a UTC offset are not a 12-hour clock without AM/PM; "
                          "the repair clock-from-row-order does not apply")

    out = []
    order_keys = list(dict.fromkeys(k for k in keys if k != ""))
    for key in order_keys:
        idx = np.flatnonzero(keys == key)
        r, raw = rows[idx], [raw_t[i] for i in idx]
        t = times[idx]
        before = len(report.errors)
        s_step = step
        if repair:
            s_step = s_step or quality.most_common_step(t)
            if s_step is None:
                report.problems.append(Problem("error", "too_short", f"series {key}: one row, no step to rebuild",
                                               int(r[0]), tcol, raw[0]))
                continue
            t, changed, problems = quality.rebuild_clock(str(key), t, s_step, r, raw, tcol)
            report.problems.extend(problems)
            report.rows_repaired += changed
            if problems:
                continue
        local = ~has_offset[idx] & ~np.isnat(t)
        if local.any():
            utc, problems = quality.localise(t[local], tz, r[local], [x for x, k in zip(raw, local) if k], tcol)
            t = t.copy()
            t[local] = utc
            report.problems.extend(problems)
        report.problems.extend(quality.duplicates(str(key), t, r, raw, tcol))
        report.problems.extend(quality.unsorted(str(key), t, r, raw, tcol))
        e = empty[idx]
        if e.any():
            listed = ", ".join(str(int(x)) for x in r[e][:20]) + (" ..." if e.sum() > 20 else "")
            report.problems.append(Problem("warning", "empty_value", f"series {key}: {int(e.sum()):,} empty value "
                                           f"cell(s), kept as missing steps (rows {listed})", int(r[e][0]), vcol, ""))
        if len(report.errors) > before:
            continue
        order = np.argsort(t, kind="stable")
        t, v, r, raw = t[order], values[idx][order], r[order], [raw[i] for i in order]
        s_step = s_step or quality.most_common_step(t)
        if s_step is None:
            report.problems.append(Problem("error", "too_short", f"series {key}: one row: give --step", int(r[0]),
                                           tcol, raw[0]))
            continue
        grid, depth_values, problems = quality.regularise(str(key), t, v, s_step, r, raw, tcol)
        report.problems.extend(problems)
        if any(p.is_error for p in problems):
            continue
        la = lo = None
        if lat is not None and lon is not None:
            la, lo = _one_location(str(key), lat[idx], lon[idx], rows[idx], lat_col, report)
        out.append(RainSeries(key=str(key), start_utc=grid, depth_mm=to_depth_mm(depth_values, units,
                                                                                 s_step.total_seconds() / 3600),
                              step=s_step, latitude=la, longitude=lo, name=name if not scol else None,
                              kind=kind, source=path.name))
    return out


def _one_location(key: str, lat: np.ndarray, lon: np.ndarray, rows: np.ndarray, column: str, report
                  ) -> tuple[float | None, float | None]:
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        return None, None
    la, lo = float(lat[ok][0]), float(lon[ok][0])
    other = np.flatnonzero(ok & ((np.abs(lat - la) > 1e-9) | (np.abs(lon - lo) > 1e-9)))
    if len(other):
        i = other[0]
        report.problems.append(Problem("error", "moving_series", f"series {key} is at {la}, {lo} in its first row and "
                                       f"at {lat[i]}, {lon[i]} here: one series, one place", int(rows[i]), column,
                                       str(lat[i])))
    return la, lo


# ------------------------------------------------------------------------------------------------
# NetCDF
# ------------------------------------------------------------------------------------------------

def _dim(names, choices: tuple[str, ...]) -> str | None:
    lower = {str(n).lower(): n for n in names}
    return next((lower[c] for c in choices if c in lower), None)


def _read_netcdf(path: Path, report: RainImportReport, *, tz, units, kind, step, variable=None) -> list[RainSeries]:
    import xarray as xr

    try:
        ds = xr.open_dataset(path, engine="h5netcdf", decode_times=True)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's
        raise RainInvalid(f"{path.name}: not a readable NetCDF file ({type(exc).__name__}: {exc})") from None
    with ds:
        candidates = [v for v, da in ds.data_vars.items() if "time" in da.dims and len(da.dims) == 3
                      and _dim(da.dims, _LAT_DIMS) and _dim(da.dims, _LON_DIMS)]
        if variable is None:
            if len(candidates) != 1:
                raise RainInvalid(f"{path.name}: {len(candidates)} gridded variables ({', '.join(map(str, candidates))}"
                                  "): name one with --variable")
            variable = candidates[0]
        if variable not in ds.data_vars:
            raise RainInvalid(f"{path.name}: no variable {variable!r} (variables: {', '.join(map(str, ds.data_vars))})")
        if variable not in candidates:
            raise RainInvalid(f"{path.name}: {variable!r} is not a (time, lat, lon) grid")
        da = ds[variable]
        lat_dim, lon_dim = _dim(da.dims, _LAT_DIMS), _dim(da.dims, _LON_DIMS)
        unit_attr = da.attrs.get("units")
        if unit_attr and units and unit_attr != units:
            raise RainInvalid(f"{variable} says its units are {unit_attr!r}, --units says {units!r}: leave --units out")
        unit = unit_attr or units
        if not unit:
            raise RainInvalid(f"{variable} has no units attribute: give --units", code="rain_units_required")
        try:
            unit_factor(unit)
        except ValueError as exc:
            raise RainInvalid(f"{variable}: {exc}") from None
        report.units = unit
        time_var = ds["time"]
        bounds = time_var.attrs.get("bounds") or time_var.encoding.get("bounds")
        if bounds and bounds in ds:
            starts = ds[bounds].values[:, 0]
        else:
            starts = time_var.values
        if not np.issubdtype(np.asarray(starts).dtype, np.datetime64):
            raise RainInvalid(f"{path.name}: the times are not on the standard calendar (CF decoding gave "
                              f"{type(np.asarray(starts).flat[0]).__name__}); convert them first")
        times = np.asarray(starts).astype("datetime64[s]")
        time_units = str(time_var.encoding.get("units", ""))
        has_offset = bool(re.search(r"(Z|UTC|[+-]\d{1,2}(:?\d{2})?)\s*$", time_units.strip(), re.IGNORECASE)
                          and re.search(r"\d{1,2}:\d{2}", time_units))
        grid = da.transpose("time", lat_dim, lon_dim)
        data = np.asarray(grid.values, dtype=float)
        lats = np.asarray(grid[lat_dim].values, dtype=float)
        lons = np.asarray(grid[lon_dim].values, dtype=float)
    report.rows = int(data.size)
    rows = np.arange(len(times)) + 1  # time index (1-based) stands for the row
    raw = [str(np.datetime_as_string(x, unit="m")) if not np.isnat(x) else "NaT" for x in times]
    if tz and not has_offset:
        times, problems = quality.localise(times, tz, rows, raw, "time")
        report.problems.extend(problems)
    negative = np.argwhere(data < 0)
    for ti, yi, xi in negative[:_LISTED]:
        report.problems.append(Problem("error", "bad_value", f"{variable} at {raw[ti]} cell {lats[yi]:g},{lons[xi]:g}:"
                                       " rainfall cannot be negative", int(ti) + 1, variable, repr(data[ti, yi, xi])))
    if len(negative) > _LISTED:
        report.problems.append(Problem("error", "bad_value", f"{len(negative) - _LISTED:,} more negative values",
                                       None, variable, None))
    report.problems.extend(quality.duplicates("all cells", times, rows, raw, "time"))
    report.problems.extend(quality.unsorted("all cells", times, rows, raw, "time"))
    if report.errors:
        return []
    order = np.argsort(times, kind="stable")
    times, data, rows, raw = times[order], data[order], rows[order], [raw[i] for i in order]
    step = step or quality.most_common_step(times)
    if step is None:
        raise RainInvalid(f"{path.name}: one time step only: give --step")
    start, _, problems = quality.regularise("all cells", times, np.zeros(len(times)), step, rows, raw, "time")
    report.problems.extend(problems)
    if any(p.is_error for p in problems):
        return []
    index = ((times - times[0]) // np.timedelta64(int(step.total_seconds()), "s")).astype(int)
    filled = np.full((len(start),) + data.shape[1:], np.nan)
    filled[index] = data
    missing = int(np.isnan(data).sum())
    if missing:
        cells = int(np.isnan(data).any(axis=0).sum())
        report.problems.append(Problem("warning", "missing_values", f"{missing:,} missing value(s) (fill value) in "
                                       f"{cells:,} cell(s), kept missing", None, variable, None))
    step_h = step.total_seconds() / 3600
    out = []
    for yi, la in enumerate(lats):
        for xi, lo in enumerate(lons):
            key = f"{round(float(la), 5):g},{round(float(lo), 5):g}"
            out.append(RainSeries(key=key, start_utc=start, depth_mm=to_depth_mm(filled[:, yi, xi], unit, step_h),
                                  step=step, latitude=float(la), longitude=float(lo), name=f"{variable} {key}",
                                  kind=kind, source=path.name))
    return out
