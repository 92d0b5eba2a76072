"""Read a file of dated landslides (CSV) for threshold evaluation, with an explicit time zone.

Two layouts:

* ``id, time[, latitude, longitude]`` (``lat``/``lon`` also accepted): ISO 8601 times; a time without an
  offset needs the file's zone (``tz``, an IANA name such as ``Asia/Jakarta``).
* The layout of the Central Java inventory: ``ID, Lon, Lat, DD, MM, YYYY, TimeWIB``; the column name says
  the zone (WIB = Western Indonesia Time, UTC+7, no daylight saving), so ``tz`` must be empty or agree.

Every bad row raises :class:`RainInvalid` naming the file, row, column and value.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from minewatch.rain.errors import RainInvalid
from minewatch.rain.evaluation import LandslideEvent

_LOCAL_COLUMNS = {"timewib": dt.timezone(dt.timedelta(hours=7), "WIB"),
                  "timewita": dt.timezone(dt.timedelta(hours=8), "WITA"),
                  "timewit": dt.timezone(dt.timedelta(hours=9), "WIT")}


def _zone(tz: str | None) -> dt.tzinfo | None:
    if tz is None:
        return None
    if tz.upper() == "UTC":
        return dt.timezone.utc
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise RainInvalid(f"unknown time zone {tz!r}: give an IANA name such as Asia/Jakarta, or UTC",
                          code="rain_invalid") from None


def _float(path: Path, row: int, col: str, value: str) -> float | None:
    if value is None or value.strip() == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise RainInvalid(f"{path.name}: row {row}, column '{col}': {value!r} is not a number",
                          code="rain_invalid") from None


def read_events(path: str | Path, *, tz: str | None = None) -> list[LandslideEvent]:
    """Landslide events of a CSV file, times converted to UTC (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise RainInvalid(f"{path}: no such file", code="rain_invalid")
    zone = _zone(tz)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = {h.strip().lower(): h for h in (reader.fieldnames or [])}
        rows = list(reader)
    if not rows:
        raise RainInvalid(f"{path.name}: no events in the file", code="rain_invalid")
    local_col = next((c for c in _LOCAL_COLUMNS if c in header), None)
    id_col = header.get("id")
    if id_col is None:
        raise RainInvalid(f"{path.name}: no 'id' column (columns: {', '.join(header.values())})", code="rain_invalid")
    lat_col = header.get("latitude") or header.get("lat")
    lon_col = header.get("longitude") or header.get("lon")
    out: list[LandslideEvent] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=2):
        ev_id = (row.get(id_col) or "").strip()
        if not ev_id:
            raise RainInvalid(f"{path.name}: row {n}, column '{id_col}': empty event id", code="rain_invalid")
        if ev_id in seen:
            raise RainInvalid(f"{path.name}: row {n}, column '{id_col}': event id {ev_id!r} appears twice",
                              code="rain_invalid")
        seen.add(ev_id)
        if local_col:
            when = _local_row(path, n, row, header, local_col, tz)
        else:
            when = _iso_row(path, n, row, header, zone)
        utc = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
        lat = _float(path, n, lat_col, row.get(lat_col)) if lat_col else None
        lon = _float(path, n, lon_col, row.get(lon_col)) if lon_col else None
        if lat is not None and not -90 <= lat <= 90:
            raise RainInvalid(f"{path.name}: row {n}, column '{lat_col}': latitude {lat} is outside -90..90",
                              code="rain_invalid")
        if lon is not None and not -180 <= lon <= 180:
            raise RainInvalid(f"{path.name}: row {n}, column '{lon_col}': longitude {lon} is outside -180..180",
                              code="rain_invalid")
        out.append(LandslideEvent(ev_id, np.datetime64(utc, "s"), lat, lon))
    return out


def _local_row(path: Path, n: int, row: dict, header: dict, local_col: str, tz: str | None) -> dt.datetime:
    zone = _LOCAL_COLUMNS[local_col]
    if tz is not None:
        given = _zone(tz)
        probe = dt.datetime(2018, 1, 1)
        if given.utcoffset(probe) != zone.utcoffset(probe):
            raise RainInvalid(f"{path.name}: column '{header[local_col]}' gives {zone.tzname(None)} times "
                              f"(UTC{zone.utcoffset(None)}), which disagrees with --events-tz {tz}",
                              code="rain_invalid")
    parts = {}
    for key in ("yyyy", "mm", "dd"):
        col = header.get(key)
        if col is None:
            raise RainInvalid(f"{path.name}: no '{key.upper()}' column for the date", code="rain_invalid")
        try:
            parts[key] = int(row[col])
        except (TypeError, ValueError):
            raise RainInvalid(f"{path.name}: row {n}, column '{col}': {row.get(col)!r} is not a whole number",
                              code="rain_invalid") from None
    raw = (row.get(header[local_col]) or "").strip()
    try:
        hh, mm = (int(x) for x in raw.split(":"))
        return dt.datetime(parts["yyyy"], parts["mm"], parts["dd"], hh, mm, tzinfo=zone)
    except ValueError:
        raise RainInvalid(f"{path.name}: row {n}: date {parts['yyyy']}-{parts['mm']}-{parts['dd']} "
                          f"{raw!r} (column '{header[local_col]}') is not a valid date and HH:MM time",
                          code="rain_invalid") from None


def _iso_row(path: Path, n: int, row: dict, header: dict, zone: dt.tzinfo | None) -> dt.datetime:
    col = header.get("time") or header.get("datetime") or header.get("time_utc")
    if col is None:
        raise RainInvalid(f"{path.name}: no 'time' column (columns: {', '.join(header.values())})",
                          code="rain_invalid")
    raw = (row.get(col) or "").strip()
    try:
        when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise RainInvalid(f"{path.name}: row {n}, column '{col}': {raw!r} is not an ISO 8601 time",
                          code="rain_invalid") from None
    if when.tzinfo is None:
        if zone is None:
            raise RainInvalid(f"{path.name}: row {n}, column '{col}': the time {raw!r} has no UTC offset; give the "
                              "events' time zone with --events-tz", code="rain_tz_required")
        when = when.replace(tzinfo=zone)
    return when
