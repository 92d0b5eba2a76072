"""Read laboratory files of water, sediment and soil results into samples and results (no database).

Three layouts, detected from the first rows or named with a profile:

===========  ==========================================================================================
profile      layout
===========  ==========================================================================================
long         one result a row: ``point``, ``sampled_at`` (or ``date`` and ``time``), ``parameter``,
             ``value``, ``unit``; optional ``fraction``, ``medium``, ``latitude``, ``longitude``,
             ``point_name``, ``site``, ``position``, ``river``, ``qualifier``, ``lab``, ``method``,
             ``sampled_by``, ``custody_id``
wide         one sample a row, one parameter a column with its unit in the header (``Pb (mg/l)``);
             the point, date/time and coordinates in their own columns
ita          ``wide`` as the Fundación I.T.A. (2006) Pilcomayo files are: ``Point No.``, ``Location``,
             ``Sampling Date`` DD-MM-YYYY, ``X (UTM)``/``Y (UTM)`` whose zone the file does not state
             (give it: ``utm_zone="20S"``), ``Sample Type`` (Sediment/Soil; the water file has none:
             river water, SOURCE.md); point codes ``ITA-<n>``
pilcomayo   transposed, as the Pilcomayo.net 2024 exports (``calidad_agua_*``/``calidad_sedimentos_*``):
             one parameter a row (label in column A, unit in column B), one sampling event a column;
             station, code, date, time, river and coordinates in the first rows. Station columns left
             blank inherit from the left (merged cells); in the sediment file the rows after
             ``Metales | Tamiz`` belong to the sieve fraction named in that row.
===========  ==========================================================================================

Values: ``<1``, ``< 0,5`` are censored below the detection limit (value = the limit, never zero);
``>1100`` above the range; a decimal comma is read; an empty cell is no result. ``ND`` without a
limit is reported and not stored. Units are read with :func:`minewatch.water.units.parse_unit` (the
species after the unit is kept); a unit that cannot be read, or a per-mass unit for water (per-volume for
soil), is a problem for that cell, not a guess. Coordinates: decimal degrees, DMS (``19° 28' 18.72"``,
written without hemisphere in the Pilcomayo files: the profile states S and W, the whole basin lies
there), UTM with a stated zone (pyproj). Rows or columns that name no parameter of the vocabulary are
reported (``unmapped``), never silently dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from minewatch.errors import InvalidInput
from minewatch.kit import parsing
from minewatch.kit.findings import ParseProblem, Problem
from minewatch.water.errors import WaterFileInvalid
from minewatch.water.model import MEDIA, POSITIONS, SOLID_MEDIA
from minewatch.water.units import parse_unit
from minewatch.water.vocabulary import Vocabulary, normalise, vocabulary

NO_DATA = {"sin datos", "s/d", "sd", "no data", "n/a", "na", "-", "--", "pas de donnees"}  # an empty cell, written out
PROFILES = ("long", "wide", "ita", "pilcomayo")
_CENSORED = re.compile(r"^(?P<op><=?|>=?|≤|≥)\s*(?P<num>.*)$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)?|\d{1,3}([.,]\d{3})+([.,]\d+)?|[.,]\d+)$")
_NOT_DETECTED = {"nd", "n.d.", "n/d", "<lod", "<ld", "<lq", "<loq", "<dl", "bdl", "nd.", "no detectado"}
_HEADER_UNIT = re.compile(r"^(?P<label>.*?)\s*\((?P<unit>[^()]*)\)\s*$")
_UTM_ZONE = re.compile(r"^\s*(?P<zone>\d{1,2})\s*(?P<hem>[NSns])\s*$")


@dataclass
class PointIn:
    code: str
    medium: str
    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    river: str | None = None
    site_code: str | None = None
    position: str = "unspecified"
    notes: str | None = None


@dataclass
class ResultIn:
    parameter: str
    fraction: str
    value: Decimal
    unit: str
    censored: str | None
    detection_limit: Decimal | None
    raw: str
    row: int
    column: str
    qualifier: str | None = None


@dataclass
class SampleIn:
    point: PointIn
    sampled_at: dt.datetime
    label: str = ""  # tells apart samples of one point and time (a sediment's sieve fraction)
    sampled_by: str | None = None
    method: str | None = None
    lab: str | None = None
    custody_id: str | None = None
    where: str = ""
    results: list[ResultIn] = field(default_factory=list)


@dataclass
class Parsed:
    profile: str
    samples: list[SampleIn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unmapped: list[dict] = field(default_factory=list)  # {"label", "unit", "where", "cells", "reason"}
    cells_read: int = 0


# ------------------------------------------------------------------------------------------------
# cells
# ------------------------------------------------------------------------------------------------

def parse_value(raw: str) -> tuple[Decimal, str | None]:
    """(value, censored) of a result cell; ``<0,5`` -> (Decimal('0.5'), '<'). ParseProblem if unreadable.

    >>> parse_value("< 0,5"), parse_value("12.30"), parse_value(">1100")
    ((Decimal('0.5'), '<'), (Decimal('12.30'), None), (Decimal('1100'), '>'))
    """
    text = " ".join((raw or "").split())
    if normalise(text) in NO_DATA:
        raise ParseProblem("no_data", "no data")
    if normalise(text).replace(" ", "") in _NOT_DETECTED:
        raise ParseProblem("no_detection_limit", "not detected, but the detection limit is not given: "
                                                 "a censored result needs its limit (write it as <0.5)")
    censored = None
    m = _CENSORED.match(text)
    if m:
        censored = "<" if m["op"] in ("<", "<=", "≤") else ">"
        text = m["num"].strip()
    if not _NUMBER.match(text):
        raise ParseProblem("not_a_number", f"{raw!r} is not a number nor a <limit")
    if "," in text and "." in text:
        text = text.replace(",", "") if text.index(",") < text.index(".") else text.replace(".", "").replace(",", ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")  # a decimal comma (labs writing Spanish or French)
    elif "," in text:
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ParseProblem("not_a_number", f"{raw!r} is not a number") from None
    if censored and value <= 0:
        raise ParseProblem("bad_detection_limit", f"{raw!r}: a detection limit must be above zero")
    return value, censored


def parse_utm_zone(text: str) -> tuple[int, bool]:
    """(zone number, south?) of ``20S``; InvalidInput otherwise."""
    m = _UTM_ZONE.match(text or "")
    if not m or not 1 <= int(m["zone"]) <= 60:
        raise WaterFileInvalid(f"UTM zone {text!r} is not a zone such as 20S or 35N")
    return int(m["zone"]), m["hem"].upper() == "S"


def utm_to_lonlat(x: float, y: float, zone: str) -> tuple[float, float]:
    """(longitude, latitude) WGS84 of a UTM WGS84 easting/northing in ``zone`` (``20S`` = EPSG:32720)."""
    from pyproj import Transformer

    number, south = parse_utm_zone(zone)
    epsg = (32700 if south else 32600) + number
    lon, lat = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True).transform(x, y)
    return lon, lat


def _coordinate(raw: str, axis: str, hemisphere: str | None) -> float:
    value = parsing.parse_coordinate(raw, axis=axis)
    if value is not None and value > 0 and hemisphere and not re.search(r"[NSEWnsewO]\s*$|^\s*[NSEWnsewO]", raw):
        # DMS written without hemisphere (Pilcomayo files): the profile states it
        value = -value if hemisphere in ("S", "W") else value
    return value


def _letter(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def read_grid(path: Path) -> list[list[str]]:
    """The cells of a CSV file as text (UTF-8 with or without BOM, else cp1252; delimiter sniffed)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first = text.splitlines()[0] if text else ""
    delimiter = max((",", ";", "\t"), key=first.count)
    return [[c.strip() for c in row] for row in csv.reader(text.splitlines(), delimiter=delimiter)]


def detect_profile(grid: list[list[str]]) -> str:
    """The layout of a file from its first rows; InvalidInput when it cannot be told."""
    if not grid:
        raise WaterFileInvalid("the file is empty")
    header = [normalise(c) for c in grid[0]]
    if header and header[0] in ("estacion", "station") and (len(header) < 2 or not header[1]):
        return "pilcomayo"
    if "parameter" in header and "value" in header:
        return "long"
    if "point no." in header and "x (utm)" in header:
        return "ita"
    voc = vocabulary()
    if any((m := _HEADER_UNIT.match(c)) and voc.match(m["label"]) for c in grid[0]):
        return "wide"
    raise WaterFileInvalid("cannot tell the file's layout (long, wide or transposed): name it with --profile "
                       f"({', '.join(PROFILES)})")


# ------------------------------------------------------------------------------------------------
# one result cell
# ------------------------------------------------------------------------------------------------

class _Cells:
    """Turns (label, unit, cell) into a ResultIn or a Problem, the same way for every layout."""

    def __init__(self, parsed: Parsed, voc: Vocabulary):
        self.parsed, self.voc = parsed, voc

    def problem(self, code: str, reason: str, row: int | None, column: str | None, value: str | None,
                severity: str = "error") -> None:
        self.parsed.problems.append(Problem(severity, code, reason, row, column, value))

    def result(self, key: str, fraction: str, unit: str, raw: str, medium: str, row: int, column: str,
               qualifier: str | None = None, unit_column: str | None = None) -> ResultIn | None:
        """The result of one cell; a problem about its unit names ``unit_column`` (where the unit is written)."""
        ucol = unit_column or column
        self.parsed.cells_read += 1
        param = self.voc[key]
        unit = " ".join((unit or "").split())
        try:
            value, censored = parse_value(raw)
        except ParseProblem as p:
            if p.code == "no_data":
                self.parsed.cells_read -= 1
                return None  # "SIN DATOS": an empty cell written out
            severity = "warning" if p.code == "no_detection_limit" else "error"
            self.problem(p.code, f"{key}: {p.reason}" + ("; not stored" if severity == "warning" else ""),
                         row, column, raw, severity)
            return None
        if param.is_concentration:
            if not unit:
                self.problem("no_unit", f"{key}: the result has no unit", row, ucol, raw)
                return None
            try:
                u = parse_unit(unit, medium=medium)
            except InvalidInput as exc:
                self.problem("unknown_unit", f"{key}: {exc.message}; not converted, not guessed", row, ucol, unit)
                return None
            solid = medium in SOLID_MEDIA
            if (u.per == "mass") != solid:
                self.problem("unit_medium_mismatch", f"{key}: unit {unit!r} is per {u.per} but the sample is "
                             f"{medium}", row, ucol, unit)
                return None
        elif not param.accepts_unit(unit):
            self.problem("unknown_unit", f"{key}: unit {unit!r} is not one of {', '.join(u for u in param.units if u)}"
                         "; not converted, not guessed", row, ucol, unit)
            return None
        return ResultIn(key, fraction, value, unit or param.default_unit, censored,
                        value if censored == "<" else None, raw, row, column, qualifier)

    def unmapped(self, label: str, unit: str, where: str, cells: int, reason: str | None = None) -> None:
        reason = reason or "names no parameter of the vocabulary (water/parameters.csv); not imported"
        self.parsed.unmapped.append({"label": label, "unit": unit, "where": where, "cells": cells, "reason": reason})
        if cells:
            self.problem("unmapped_parameter", f"{label!r}: {reason} ({cells} value(s))", None, None, label,
                         "warning")


def _label_match(voc: Vocabulary, label: str) -> tuple[str, str] | None | str:
    if "suspension" in normalise(label):
        return "suspended"
    return voc.match(label)


_SUSPENDED = ("suspended-solids content the file calculates from total and dissolved: derivable, "
              "not imported")


# ------------------------------------------------------------------------------------------------
# layouts
# ------------------------------------------------------------------------------------------------

_PILCOMAYO_META = {
    "estacion": "name", "station": "name", "codigo": "code", "code": "code", "fecha": "date", "date": "date",
    "hora": "time", "time": "time", "campana": "campaign", "responsable": "sampled_by",
    "institucion": "institution", "rio": "river", "cuenca": "basin", "latitud": "lat_dms", "longitud": "lon_dms",
    "latitud decimal": "lat", "longitud decimal": "lon", "distancia al margen": "distance",
}


def _parse_pilcomayo(grid, cells: _Cells, *, medium: str | None, hemisphere: tuple[str, str]) -> None:
    voc, parsed = cells.voc, cells.parsed
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    labels = [normalise(r[0]) for r in grid]
    if medium is None:
        medium = "sediment" if any(l in ("metales", "ph en pasta") for l in labels) or any(
            normalise(r[1]) == "tamiz" for r in grid) else "river"
    meta: dict[int, dict[str, str]] = {j: {} for j in range(2, width)}
    meta_rows = set()
    for i, label in enumerate(labels):
        name = _PILCOMAYO_META.get(label)
        if name and not grid[i][1]:
            meta_rows.add(i)
            last = ""
            for j in range(2, width):
                v = grid[i][j]
                # merged cells: a station's sub-columns are blank; the cell on the left holds the value
                meta[j][name] = v or (last if not grid[0][j] else "")
                last = meta[j][name]
    samples: dict[int, SampleIn] = {}
    sieve_samples: dict[int, SampleIn] = {}
    sieve_row = None
    for i, row in enumerate(grid):
        if i in meta_rows or not any(row):
            continue
        if normalise(row[1]) == "tamiz":
            sieve_row = i
            continue
        label, unit = row[0], row[1]
        values = [(j, row[j]) for j in range(2, width) if row[j]]
        if not label:
            if values:
                cells.problem("no_label", "values in a row without a parameter label", i + 1, "A", None)
            continue
        if not values and not unit:
            continue  # a section heading ("Nutrientes")
        m = _label_match(voc, label)
        if m is None or m == "suspended":
            cells.unmapped(label, unit, f"row {i + 1}", len(values), _SUSPENDED if m == "suspended" else None)
            continue
        key, fraction = m
        for j, raw in values:
            where = f"{_letter(j)}"
            sample = _pilcomayo_sample(j, meta[j], grid, sieve_row, medium, hemisphere, cells,
                                       sieve_samples if sieve_row is not None else samples)
            if sample is None:
                continue
            r = cells.result(key, fraction, unit, raw, medium, i + 1, where, unit_column="B")
            if r is not None:
                sample.results.append(r)
    parsed.samples.extend(s for s in (*samples.values(), *sieve_samples.values()) if s and s.results)


def _pilcomayo_sample(j, m, grid, sieve_row, medium, hemisphere, cells: _Cells, pool: dict) -> SampleIn | None:
    if j in pool:
        return pool[j]
    col = _letter(j)
    name, code = m.get("name") or None, m.get("code") or None
    if not (name or code) or not m.get("date"):
        cells.problem("no_sampling_event", "a value in a column without station and date", None, col, None)
        pool[j] = None
        return None
    try:
        sampled_at = parsing.parse_datetime(f"{m['date']} {m.get('time') or ''}".strip(), dayfirst=True)
    except ParseProblem as p:
        cells.problem(p.code, f"sampling date: {p.reason}", None, col, m.get("date"))
        pool[j] = None
        return None
    lat = lon = None
    try:
        if m.get("lat") and m.get("lon"):
            lat, lon = parsing.parse_coordinate(m["lat"], axis="lat"), parsing.parse_coordinate(m["lon"], axis="lon")
        elif m.get("lat_dms") and m.get("lon_dms"):
            lat = _coordinate(m["lat_dms"], "lat", hemisphere[0])
            lon = _coordinate(m["lon_dms"], "lon", hemisphere[1])
    except ParseProblem as p:
        cells.problem(p.code, f"coordinates: {p.reason}", None, col, f"{m.get('lat') or m.get('lat_dms')}")
    label = grid[sieve_row][j] if sieve_row is not None else ""
    point = PointIn(code=(code or name)[:64], medium=medium, name=name, latitude=lat, longitude=lon,
                    river=m.get("river") or None)
    who = " - ".join(v for v in (m.get("sampled_by"), m.get("institution")) if v) or None
    sample = SampleIn(point, sampled_at, label=label[:60], sampled_by=who and who[:200], where=f"column {col}")
    pool[j] = sample
    return sample


_WIDE_META = {
    "point": "code", "point no.": "code", "point no": "code", "code": "code", "point code": "code",
    "station": "code", "codigo": "code", "estacion": "name", "location": "name", "name": "name",
    "point name": "name", "lugar": "name", "municipality": "municipality", "date": "date", "sampling date": "date",
    "fecha": "date", "time": "time", "sampling time": "time", "hora": "time", "sampled_at": "sampled_at",
    "sampled at": "sampled_at", "x (utm)": "x", "y (utm)": "y", "easting": "x", "northing": "y",
    "latitude": "lat", "lat": "lat", "latitud": "lat", "longitude": "lon", "lon": "lon", "long": "lon",
    "longitud": "lon", "elevation (m)": "elevation", "elevation": "elevation", "sample type": "medium",
    "medium": "medium", "river": "river", "rio": "river", "site": "site", "lab": "lab", "method": "method",
    "sampled_by": "sampled_by", "sampled by": "sampled_by", "custody_id": "custody_id", "position": "position",
}
_MEDIUM_WORDS = {"sediment": "sediment", "sedimento": "sediment", "soil": "soil", "suelo": "soil",
                 "water": "river", "river": "river", "agua": "river", "tailings": "tailings", "relave": "tailings",
                 **{m: m for m in MEDIA}, "drinking water": "drinking_water", "groundwater": "groundwater"}


def _medium_of(text: str | None, default: str | None) -> str | None:
    if not text:
        return default
    return _MEDIUM_WORDS.get(normalise(text).replace("_", " ")) or _MEDIUM_WORDS.get(normalise(text))


def _place(meta: dict, cells: _Cells, row: int, *, utm_zone: str | None, hemisphere) -> tuple:
    lat = lon = None
    try:
        if meta.get("x") and meta.get("y"):
            if not utm_zone:
                raise WaterFileInvalid("the file gives UTM coordinates (X, Y) without their zone: give it, e.g. "
                                   "--utm-zone 20S")
            x, y = parsing.parse_float(meta["x"]), parsing.parse_float(meta["y"])
            lon, lat = utm_to_lonlat(x, y, utm_zone)
        elif meta.get("lat") and meta.get("lon"):
            lat = _coordinate(meta["lat"], "lat", hemisphere[0] if hemisphere else None)
            lon = _coordinate(meta["lon"], "lon", hemisphere[1] if hemisphere else None)
    except ParseProblem as p:
        cells.problem(p.code, f"coordinates: {p.reason}", row, None, meta.get("lat") or meta.get("x"))
    return lat, lon


def _sampled_at(meta: dict, cells: _Cells, row: int, dayfirst: bool = True) -> dt.datetime | None:
    text = meta.get("sampled_at") or " ".join(v for v in (meta.get("date"), meta.get("time")) if v)
    if not text:
        cells.problem("no_date", "the sampling date is missing", row, "date", None)
        return None
    try:
        return parsing.parse_datetime(text, dayfirst=dayfirst)
    except ParseProblem as p:
        cells.problem(p.code, f"sampling date: {p.reason}", row, "date", text)
        return None


def _point(meta: dict, medium: str, lat, lon, prefix: str = "") -> PointIn:
    code = meta.get("code") or meta.get("name")
    notes = f"municipality: {meta['municipality']}" if meta.get("municipality") else None
    position = normalise(meta.get("position") or "unspecified").replace(" ", "_")
    return PointIn(code=f"{prefix}{code}"[:64], medium=medium, name=meta.get("name"), latitude=lat, longitude=lon,
                   river=meta.get("river"), site_code=meta.get("site"),
                   position=position if position in POSITIONS else "unspecified", notes=notes)


def _parse_wide(grid, cells: _Cells, *, medium: str | None, utm_zone: str | None, prefix: str = "",
                hemisphere=None) -> None:
    voc = cells.voc
    header = grid[0]
    meta_cols, param_cols = {}, {}
    for j, h in enumerate(header):
        name = _WIDE_META.get(normalise(h))
        if name:
            meta_cols[j] = name
            continue
        m = _HEADER_UNIT.match(h)
        label, unit = (m["label"], m["unit"]) if m else (h, "")
        match = _label_match(voc, label) if label else None
        if match is None or match == "suspended":
            n = sum(1 for r in grid[1:] if j < len(r) and r[j])
            cells.unmapped(h, unit, f"column {_letter(j)}", n, _SUSPENDED if match == "suspended" else None)
            continue
        param_cols[j] = (match, unit, h)
    if "code" not in meta_cols.values() and "name" not in meta_cols.values():
        raise WaterFileInvalid("the file has no sampling point column (point, code, station or location)")
    for i, row in enumerate(grid[1:], start=2):
        if not any(row):
            continue
        meta = {name: row[j] for j, name in meta_cols.items() if j < len(row) and row[j]}
        med = _medium_of(meta.get("medium"), medium)
        if med is None:
            cells.problem("unknown_medium", f"medium {meta.get('medium')!r} is not one of {', '.join(MEDIA)}"
                          if meta.get("medium") else "no medium: give --medium", i, "medium", meta.get("medium"))
            continue
        if not (meta.get("code") or meta.get("name")):
            cells.problem("no_point", "the sampling point is missing", i, None, None)
            continue
        sampled_at = _sampled_at(meta, cells, i)
        lat, lon = _place(meta, cells, i, utm_zone=utm_zone, hemisphere=hemisphere)
        if sampled_at is None:
            continue
        sample = SampleIn(_point(meta, med, lat, lon, prefix), sampled_at, lab=meta.get("lab"),
                          method=meta.get("method"), sampled_by=meta.get("sampled_by"),
                          custody_id=meta.get("custody_id"), where=f"row {i}")
        for j, ((key, fraction), unit, h) in param_cols.items():
            raw = row[j] if j < len(row) else ""
            if raw:
                r = cells.result(key, fraction, unit, raw, med, i, h)
                if r is not None:
                    sample.results.append(r)
        if sample.results:
            cells.parsed.samples.append(sample)


_LONG_EXTRA = {"parameter": "parameter", "value": "value", "unit": "unit", "fraction": "fraction",
               "qualifier": "qualifier", "point_name": "name", "point name": "name"}


def _parse_long(grid, cells: _Cells, *, medium: str | None, utm_zone: str | None, hemisphere=None) -> None:
    voc = cells.voc
    header = [normalise(h) for h in grid[0]]
    cols = {}
    for j, h in enumerate(header):
        name = _LONG_EXTRA.get(h) or _WIDE_META.get(h)
        if name:
            cols.setdefault(name, j)
    for need in ("parameter", "value", "unit"):
        if need not in cols:
            raise WaterFileInvalid(f"a long file needs a {need!r} column")
    samples: dict[tuple, SampleIn] = {}
    for i, row in enumerate(grid[1:], start=2):
        if not any(row):
            continue
        meta = {name: row[j] for name, j in cols.items() if j < len(row) and row[j]}
        label, raw = meta.get("parameter", ""), meta.get("value", "")
        if not raw:
            continue
        match = _label_match(voc, label) if label else None
        if match is None or match == "suspended":
            cells.unmapped(label, meta.get("unit", ""), f"row {i}", 1, _SUSPENDED if match == "suspended" else None)
            continue
        key, fraction = match
        if meta.get("fraction"):
            f = normalise(meta["fraction"])
            fraction = {"dissolved": "dissolved", "disuelto": "dissolved", "dissous": "dissolved", "total": "total",
                        "unspecified": "unspecified"}.get(f)
            if fraction is None:
                cells.problem("unknown_fraction", "fraction must be total, dissolved or unspecified", i,
                              "fraction", meta["fraction"])
                continue
        med = _medium_of(meta.get("medium"), medium)
        if med is None:
            cells.problem("unknown_medium", "no medium or an unknown one: give --medium", i, "medium",
                          meta.get("medium"))
            continue
        if not (meta.get("code") or meta.get("name")):
            cells.problem("no_point", "the sampling point is missing", i, "point", None)
            continue
        sampled_at = _sampled_at(meta, cells, i)
        if sampled_at is None:
            continue
        point_key = (meta.get("code") or meta.get("name"), med, sampled_at)
        sample = samples.get(point_key)
        if sample is None:
            lat, lon = _place(meta, cells, i, utm_zone=utm_zone, hemisphere=hemisphere)
            sample = samples[point_key] = SampleIn(
                _point(meta, med, lat, lon), sampled_at, lab=meta.get("lab"), method=meta.get("method"),
                sampled_by=meta.get("sampled_by"), custody_id=meta.get("custody_id"), where=f"row {i}")
        r = cells.result(key, fraction, meta.get("unit", ""), raw, med, i, grid[0][cols["value"]],
                         qualifier=meta.get("qualifier"), unit_column=grid[0][cols["unit"]])
        if r is not None:
            sample.results.append(r)
    cells.parsed.samples.extend(s for s in samples.values() if s.results)


def parse_file(path: Path, *, profile: str | None = None, utm_zone: str | None = None,
               medium: str | None = None, options: dict | None = None) -> Parsed:
    """Read one file into samples, results, problems and unmapped labels; nothing is stored.

    InvalidInput when the file as a whole cannot be read (layout unknown, UTM without a zone, ...).
    """
    options = dict(options or {})
    if medium is not None and medium not in MEDIA:
        raise WaterFileInvalid(f"medium {medium!r} is not one of {', '.join(MEDIA)}")
    if utm_zone:
        parse_utm_zone(utm_zone)
    grid = read_grid(Path(path))
    name = profile or detect_profile(grid)
    if name not in PROFILES:
        raise WaterFileInvalid(f"profile {name!r} is not one of {', '.join(PROFILES)}")
    parsed = Parsed(profile=name)
    cells = _Cells(parsed, vocabulary())
    utm_zone = utm_zone or options.get("utm_zone")
    if name == "pilcomayo":
        # The Pilcomayo basin lies wholly south of the equator and west of Greenwich (SOURCE.md: lat
        # -25.8 to -19.1, lon -66.3 to -57.5), and the files write DMS without a hemisphere.
        hemisphere = tuple(options.get("hemisphere", ("S", "W")))
        _parse_pilcomayo(grid, cells, medium=medium, hemisphere=hemisphere)
    elif name == "ita":
        # The I.T.A. water file has no Sample Type column: its samples are river water (SOURCE.md).
        _parse_wide(grid, cells, medium=medium or "river", utm_zone=utm_zone, prefix=options.get("prefix", "ITA-"))
    elif name == "wide":
        _parse_wide(grid, cells, medium=medium, utm_zone=utm_zone, hemisphere=options.get("hemisphere"))
    else:
        _parse_long(grid, cells, medium=medium, utm_zone=utm_zone, hemisphere=options.get("hemisphere"))
    _check_duplicates(parsed)
    return parsed


def _check_duplicates(parsed: Parsed) -> None:
    """Two results of one parameter and fraction in one sample: the same value is kept once (warning),
    different values are an error (which one is true cannot be told)."""
    merged: dict[tuple, SampleIn] = {}
    for s in parsed.samples:
        key = (s.point.code, s.point.medium, s.sampled_at, s.label)
        if key in merged:
            merged[key].results.extend(s.results)
        else:
            merged[key] = s
    for s in merged.values():
        seen: dict[tuple, ResultIn] = {}
        kept = []
        for r in s.results:
            k = (r.parameter, r.fraction)
            first = seen.get(k)
            if first is None:
                seen[k] = r
                kept.append(r)
            elif (first.value, first.censored, first.unit) == (r.value, r.censored, r.unit):
                parsed.problems.append(Problem("warning", "duplicate_result", f"{r.parameter} ({r.fraction}) repeats "
                                               f"row {first.row} column {first.column} with the same value; kept once",
                                               r.row, r.column, r.raw))
            else:
                parsed.problems.append(Problem("error", "conflicting_result", f"{r.parameter} ({r.fraction}) is also "
                                               f"given as {first.raw!r} at row {first.row} column {first.column} for "
                                               f"the same sample", r.row, r.column, r.raw))
        s.results[:] = kept
    parsed.samples[:] = list(merged.values())
