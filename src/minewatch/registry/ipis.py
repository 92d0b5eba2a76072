"""Map one row of IPIS's open data on artisanal mining sites in eastern DR Congo to a site and a visit.

The file is IPIS's ``cod_mines_curated_all_opendata_p_ipis`` layer as CSV: one row per visit (85
columns, mostly French values), many visits per site (``pcode``). This module is pure: the caller
reads the file (``csv.DictReader``) and hands rows in, and gets back plain dicts keyed by database
column names plus every :class:`~minewatch.kit.findings.Problem` found, each naming the IPIS column.

Rules kept here, in one place:

- A blank cell gives ``None``; an unknown is never turned into ``0`` or ``False``.
- A value that cannot be read (date, number, coordinate, 1/0 flag) is an *error*; the field is
  left ``None``. A missing ``pcode``, ``vid``, ``visit_date`` or coordinate is an error too.
- Values kept with a doubt are *warnings*: unknown minerals (stored as ``"other"``, raw text kept in
  ``minerals_raw``), contradictions between columns, ``geom`` disagreeing with the coordinates.
- ``armed_actors`` has one dict per armed-group slot (1..3) that names a group, gives a group type
  other than "Aucun", or records an activity (flag = 1). 1/0 flags become booleans; ``"dontknow"``
  becomes ``None``.
- ``interference_*`` aggregate the actors: ``True`` if any actor does it; ``False`` if armed
  presence is 0, or interference is 0, or every listed actor answered 0; otherwise ``None``.
  ``interference_taxation`` counts ``taxation``, ``commerce_taxation`` and ``entrance_taxation``;
  its ``False`` needs the main ``taxation`` answer (the other two were added to the questionnaire later).
- ``children_under15_working``: ``True`` when ``childunder15work`` describes work, ``False`` when it
  says there is none or ``childunder15`` is 0, ``None`` when it says "don't know" or nothing is known.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from minewatch.kit.findings import ParseProblem, Problem
from minewatch.kit.parsing import (
    BBox,
    check_lat_lon,
    parse_bool,
    parse_coordinate,
    parse_date,
    parse_float,
    parse_int,
    parse_text,
)
from minewatch.kit.vocab import (
    LOCATION_ORIGIN,
    MINERALS,
    NON_ANSWERS,
    QUALIFICATION,
    TASKS,
    Term,
)

__all__ = ["IPIS_COLUMNS", "REQUIRED_COLUMNS", "SOURCE", "IpisRecord", "check_header", "map_ipis_row"]

SOURCE = "IPIS"
COUNTRY = "CD"
# DR Congo's extent (min_lon, min_lat, max_lon, max_lat), as in minewatch/kit/country_bboxes.csv
# (Natural Earth); kept here so this module reads no files. check_lat_lon adds its own margin.
DRC_BBOX: BBox = (12.210, -13.459, 31.281, 5.376)
# geom and longitude/latitude are the same point written twice; more than this apart is a doubt.
GEOM_TOLERANCE_DEG = 1e-6

ARMED_GROUP_FLAGS = (
    "taxation",
    "commerce_taxation",
    "entrance_taxation",
    "monopoly",
    "buying_minerals",
    "digging",
    "forced_labour",
    "pillaging",
    "pit_ownership",
)
_MINERAL_COLUMNS = ("mineral", "selling_points_mineral", "final_destination_mineral")
_ARMED_GROUP_COLUMNS = ("armed_group", "type_armed_group", "frequency_armed_group") + tuple(
    f"{flag}_armed_group" for flag in ARMED_GROUP_FLAGS
)
_STATE_SERVICE_COLUMNS = ("state_service1", "state_service2", "state_service3", "state_service4")
_SELLING_POINT_COLUMNS = tuple(f"selling_points_mineral{n}" for n in (1, 2, 3))
_FINAL_DESTINATION_COLUMNS = tuple(f"final_destination_mineral{n}" for n in (1, 2, 3))
# The columns of armed-group slot n: name, type, frequency and {flag: column}.
_ARMED_GROUP_SLOTS = tuple(
    (
        f"armed_group{n}",
        f"type_armed_group{n}",
        f"frequency_armed_group{n}",
        {flag: f"{flag}_armed_group{n}" for flag in ARMED_GROUP_FLAGS},
    )
    for n in (1, 2, 3)
)

IPIS_COLUMNS: tuple[str, ...] = (
    "FID", "vid", "cid", "id", "source", "project", "pcode", "name", "visit_date", "visit_onsite",
    "visit_onsite_novisitreason", "geom", "longitude", "latitude", "location_origin", "province",
    "province_old", "territoire", "collectivite", "groupement", "village", "workers_numb", "access_dry",
    "access_wet", "is_3t_mine", "is_gold_mine",
    *(f"{c}{n}" for n in (1, 2, 3) for c in _MINERAL_COLUMNS),
    "mercury", "presence", "interference",
    *(f"{c}{n}" for n in (1, 2, 3) for c in _ARMED_GROUP_COLUMNS),
    "mechanisation", "state_service1", "state_service2", "state_service3", "state_service4", "traceability",
    "qualification", "childunder15", "childunder15work", "women", "womenwork",
)  # fmt: skip
REQUIRED_COLUMNS: tuple[str, ...] = ("vid", "pcode", "visit_date", "longitude", "latitude")

# The interference columns of the visit and the actor flags that feed each.
_INTERFERENCE = {
    "interference_taxation": ("taxation", "commerce_taxation", "entrance_taxation"),
    "interference_forced_labour": ("forced_labour",),
    "interference_pillage": ("pillaging",),
    "interference_pit_ownership": ("pit_ownership",),
    "interference_buying": ("buying_minerals",),
}
_THREE_T = MINERALS.keys_where("is_3t")
_POINT = re.compile(r"\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*", re.IGNORECASE)
# "GPS (village Kiloza)", "GPS (IPIS 2009)", "Approximation(groupment Bamunguba Sud)"
_QUALIFIED = re.compile(r"(?P<head>[^()]*?)\s*\((?P<qualifier>[^()]*)\)\s*")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


@dataclass(frozen=True, slots=True)
class IpisRecord:
    """One IPIS row as a site, a visit and the problems found in it."""

    site: dict[str, Any]
    visit: dict[str, Any]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def ok(self) -> bool:
        """True when the row can be stored (warnings allowed)."""
        return not self.errors


def check_header(columns: Iterable[str]) -> list[Problem]:
    """Compare a header with :data:`IPIS_COLUMNS`: missing required columns are errors."""
    names = [c.strip() if c else "" for c in columns]
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            reason = "the column appears twice in the header"
            problems.append(Problem("error", "duplicate_column", reason, column=name))
        seen.add(name)
    for name in IPIS_COLUMNS:
        if name in seen:
            continue
        if name in REQUIRED_COLUMNS:
            reason = "required IPIS column is missing"
            problems.append(Problem("error", "missing_column", reason, column=name))
        else:
            reason = "IPIS column is missing; its values are taken as blank"
            problems.append(Problem("warning", "missing_column", reason, column=name))
    expected = set(IPIS_COLUMNS)
    for name in names:
        if name not in expected:
            reason = "not an IPIS column (or renamed); it is ignored but kept in the raw values"
            problems.append(Problem("warning", "unexpected_column", reason, column=name or None))
    return problems


def map_ipis_row(
    row: Mapping[str | None, str | None],
    row_number: int,
    *,
    bbox_of: Callable[[str], BBox | None] | None = None,
) -> IpisRecord:
    """Map one IPIS row (a ``csv.DictReader`` dict) to a site dict, a visit dict and its problems.

    ``bbox_of`` (e.g. ``minewatch.kit.countries.bbox_of``) gives the box the coordinates are
    checked against; by default :data:`DRC_BBOX`.
    """
    cells = _Cells(row, row_number)
    if row.get(None):  # csv.DictReader puts cells beyond the header under the key None
        reason = "the row has more cells than the header: its quoting is probably broken"
        cells.error("extra_cells", reason, None)

    code = cells.required_text("pcode")
    latitude, longitude = _coordinates(cells, bbox_of or _drc_bbox)
    origin_raw = cells.text("location_origin")
    minerals, minerals_raw = _minerals(cells)
    site = {
        "code": code,
        "name": cells.text("name"),
        "country": COUNTRY,
        "admin1": cells.text("province"),
        "admin2": cells.text("territoire"),
        "admin3": cells.text("collectivite"),
        "admin4": cells.text("groupement"),
        "locality": cells.text("village"),
        "latitude": latitude,
        "longitude": longitude,
        "location_origin": _location_origin(cells, origin_raw),
        "location_origin_raw": origin_raw,
        "minerals": minerals,
        "minerals_raw": minerals_raw,
        "mining_method": None,  # IPIS does not record it
        "lifecycle_status": None,  # the importer decides, from the latest visit
        "source": SOURCE,
    }

    reached = cells.flag("visit_onsite")
    not_reached_reason = cells.text("visit_onsite_novisitreason")
    if reached is True and not_reached_reason is not None:
        reason = "the site is marked as reached but a reason for not reaching it is given; kept as reached"
        cells.warn("reached_with_reason", reason, "visit_onsite_novisitreason", not_reached_reason)

    presence = cells.flag("presence")
    interference = cells.flag("interference")
    actors = _armed_actors(cells)
    _check_armed(cells, presence, interference, actors)

    women_present = cells.flag("women")
    women_work = cells.text("womenwork")
    if women_present is False and _describes_work(women_work):
        reason = "women = 0 but the work women do is described"
        cells.warn("women_work_without_presence", reason, "womenwork", women_work)

    children_present = cells.flag("childunder15")
    children_work = cells.text("childunder15work")
    children_working = _children_working(children_present, children_work)
    if children_working and children_present is not True:
        state = "blank" if children_present is None else "0"
        reason = f"childunder15 is {state} but the work children under 15 do is described"
        cells.warn("children_work_without_presence", reason, "childunder15work", children_work)

    mercury = cells.flag("mercury")
    if mercury is False:
        for column, text in (("childunder15work", children_work), ("womenwork", women_work)):
            if any(t.key == "amalgamation" for t in TASKS.normalize_many(text)):
                cells.warn("mercury_conflict", "mercury = 0 but this column lists mercury use", column, text)

    is_3t_mine = cells.flag("is_3t_mine")
    is_gold_mine = cells.flag("is_gold_mine")
    _check_mine_flags(cells, minerals, is_3t_mine, is_gold_mine)

    visit = {
        "source_visit_id": cells.required_text("vid"),
        "site_code": code,
        "visit_date": cells.date("visit_date"),
        "source": cells.text("source"),
        "project": cells.text("project"),
        "team": None,
        "reached": reached,
        "not_reached_reason": not_reached_reason,
        "workers_count": cells.count("workers_numb"),
        "women_present": women_present,
        "women_work": women_work,
        "children_under15_present": children_present,
        "children_under15_work": children_work,
        "children_under15_working": children_working,
        "children_15_17_present": None,  # IPIS does not record 15-17 year olds
        "children_15_17_working": None,
        "mercury_used": mercury,
        "cyanide_used": None,
        "armed_presence": presence,
        "armed_interference": interference,
        "armed_actors": actors,
        **{
            column: _interference(actors, presence, interference, flags)
            for column, flags in _INTERFERENCE.items()
        },
        "state_services": _unique(cells.text(column) for column in _STATE_SERVICE_COLUMNS),
        "selling_points": _places(cells, _SELLING_POINT_COLUMNS),
        "final_destinations": _places(cells, _FINAL_DESTINATION_COLUMNS),
        "minerals": list(minerals),
        "mechanisation": cells.text("mechanisation"),
        "traceability": cells.text("traceability"),
        "qualification": _qualification(cells),
        "access_dry": cells.text("access_dry"),
        "access_wet": cells.text("access_wet"),
        "is_3t_mine": is_3t_mine,
        "is_gold_mine": is_gold_mine,
        "raw": {k: v for k, v in row.items() if v and isinstance(v, str) and isinstance(k, str) and v.strip()},
    }
    return IpisRecord(site=site, visit=visit, problems=cells.problems)


# The parsers are pure and IPIS repeats the same cells over thousands of rows (1/0 flags, places,
# dates, workers), so each distinct cell is parsed once. lru_cache keeps no exceptions: a value that
# cannot be read is parsed, and reported, every time. Coordinates are nearly all distinct: not cached.
_memo = functools.lru_cache(maxsize=16_384)
_parse_text = _memo(parse_text)
_parse_int = _memo(parse_int)
_parse_date = _memo(parse_date)


@_memo
def _parse_flag(raw: str) -> bool | None:
    """A 1/0 answer; "don't know" gives None."""
    answer = NON_ANSWERS.normalize(parse_text(raw))
    if answer is not None and answer.key == "unknown":
        return None
    return parse_bool(raw)


class _Cells:
    """Reads typed values out of one row and records a Problem for each value it cannot read."""

    def __init__(self, row: Mapping[str | None, str | None], row_number: int):
        self.row = row
        self.row_number = row_number
        self.problems: list[Problem] = []

    def warn(self, code: str, reason: str, column: str | None, value: str | None = None) -> None:
        self.problems.append(Problem("warning", code, reason, self.row_number, column, value))

    def error(self, code: str, reason: str, column: str | None, value: str | None = None) -> None:
        self.problems.append(Problem("error", code, reason, self.row_number, column, value))

    def _parse(self, column: str, parser, **options):
        raw = self.row.get(column)
        if raw is None:  # every parser reads a missing cell as blank
            return None
        try:
            return parser(raw, **options)
        except ParseProblem as problem:
            self.error(problem.code, problem.reason, column, raw)
            return None

    def text(self, column: str) -> str | None:
        raw = self.row.get(column)
        return None if raw is None else _parse_text(raw)  # without a max_len, parse_text never fails

    def blank(self, columns: Iterable[str]) -> bool:
        """True when none of these cells holds anything."""
        return not any(map(self.row.get, columns))

    def required_text(self, column: str) -> str | None:
        value = self.text(column)
        if value is None:
            self.error("required", "this value is required and is blank", column)
        return value

    def flag(self, column: str) -> bool | None:
        """A 1/0 answer; "don't know" gives None without a problem."""
        return self._parse(column, _parse_flag)

    def count(self, column: str) -> int | None:
        return self._parse(column, _parse_int, min=0)

    def date(self, column: str) -> date | None:
        value = self._parse(column, _parse_date, dayfirst=True)
        if value is None and not self.problems_for(column):
            self.error("required", "this value is required and is blank", column)
        return value

    def coordinate(self, column: str, axis: str) -> float | None:
        return self._parse(column, parse_coordinate, axis=axis)

    def problems_for(self, column: str) -> list[Problem]:
        return [p for p in self.problems if p.column == column]


def _coordinates(
    cells: _Cells, bbox_of: Callable[[str], BBox | None]
) -> tuple[float | None, float | None]:
    latitude = cells.coordinate("latitude", "lat")
    longitude = cells.coordinate("longitude", "lon")
    point = _geom_point(cells)
    if point is not None and latitude is not None and longitude is not None:
        geom_lon, geom_lat = point
        if abs(geom_lon - longitude) > GEOM_TOLERANCE_DEG or abs(geom_lat - latitude) > GEOM_TOLERANCE_DEG:
            reason = (
                f"geom is POINT ({geom_lon:g} {geom_lat:g}) but longitude/latitude say "
                f"({longitude:g} {latitude:g}); longitude/latitude are kept"
            )
            cells.warn("geom_mismatch", reason, "geom", cells.row.get("geom"))
    for column, value in (("latitude", latitude), ("longitude", longitude)):
        if value is None and not cells.problems_for(column):
            if point is None:
                cells.error("required", "this value is required and is blank", column)
                continue
            reason = "blank; taken from the geom column"
            cells.warn("coordinate_from_geom", reason, column)
            if column == "latitude":
                latitude = point[1]
            else:
                longitude = point[0]
    if latitude is None or longitude is None:
        return latitude, longitude
    latitude, longitude, warning = check_lat_lon(latitude, longitude, country=COUNTRY, bbox_of=bbox_of)
    if warning is not None:
        cells.problems.append(replace(warning, row=cells.row_number, column="latitude"))
    return latitude, longitude


def _drc_bbox(country: str) -> BBox | None:
    return DRC_BBOX if country == COUNTRY else None


def _geom_point(cells: _Cells) -> tuple[float, float] | None:
    """The (lon, lat) of the WKT ``geom``; a warning if it is there but unreadable."""
    raw = cells.row.get("geom")
    if raw is None or not raw.strip():
        return None
    match = _POINT.fullmatch(raw)
    try:
        point = (parse_float(match[1]), parse_float(match[2])) if match else None
    except ParseProblem:
        point = None
    if point is None or not all(v is not None and math.isfinite(v) for v in point):
        cells.warn("geom_unreadable", "geom is not a WKT POINT (lon lat); ignored", "geom", raw)
        return None
    return point  # type: ignore[return-value]


def _location_origin(cells: _Cells, raw: str | None) -> str | None:
    """The LOCATION_ORIGIN key of IPIS's ``location_origin``.

    A qualifier in brackets that names a place ("village Kiloza", "4 km du site") means the point is
    that place, not the site: an approximation. One that names a source and year ("IPIS 2009")
    keeps the method.
    """
    if raw is None:
        return None
    term = LOCATION_ORIGIN.normalize(raw)
    if term is not None and term.matched:
        return term.key
    match = _QUALIFIED.fullmatch(raw)
    head = LOCATION_ORIGIN.normalize(match["head"]) if match else None
    if head is None or not head.matched:
        reason = "not a known location origin (GPS, Approximation, Numérisation, ...); stored as 'other'"
        cells.warn("location_origin_unknown", reason, "location_origin", raw)
        return "other"
    qualifier = match["qualifier"]
    if _YEAR.search(qualifier):
        return head.key
    return "approximation"


def _minerals(cells: _Cells) -> tuple[list[str], list[str]]:
    """Mineral keys of mineral1..3 in order without repeats, and the raw values that are "other"."""
    keys: list[str] = []
    unknown: list[str] = []
    for column in ("mineral1", "mineral2", "mineral3"):
        raw = cells.text(column)
        if raw is None:
            continue
        if (answer := NON_ANSWERS.normalize(raw)) is not None and answer.matched:
            reason = f"IPIS recorded the mineral as {answer.key!r}: no mineral is stored for this column"
            cells.warn("mineral_not_known", reason, column, raw)
            continue
        for term in MINERALS.normalize_many(raw):
            if not term.matched:
                unknown.append(term.raw)
                reason = "not in the minerals vocabulary; stored as 'other'"
                cells.warn("mineral_unknown", reason, column, term.raw)
            if term.key not in keys:
                keys.append(term.key)
    return keys, unknown


def _check_mine_flags(cells: _Cells, minerals: list[str], is_3t: bool | None, is_gold: bool | None) -> None:
    has_gold = "gold" in minerals
    has_3t = bool(_THREE_T.intersection(minerals))
    for column, flag, has in (("is_gold_mine", is_gold, has_gold), ("is_3t_mine", is_3t, has_3t)):
        if (flag is True and minerals and not has) or (flag is False and has):
            reason = f"{column} disagrees with mineral1..3"
            cells.warn("mine_flag_conflict", reason, column, cells.row.get(column))


def _armed_actors(cells: _Cells) -> list[dict[str, Any]]:
    actors = []
    for name_column, type_column, frequency_column, flag_columns in _ARMED_GROUP_SLOTS:
        if cells.blank((name_column, type_column, frequency_column, *flag_columns.values())):
            continue  # most rows leave the second and third slots empty
        name = _real_answer(cells.text(name_column))
        kind = _real_answer(cells.text(type_column))
        frequency = cells.text(frequency_column)
        flags = {flag: cells.flag(column) for flag, column in flag_columns.items()}
        if name is None and kind is None and True not in flags.values():
            if frequency is not None:
                reason = "a frequency is given for a slot that names no armed group; ignored"
                cells.warn("armed_group_detail_ignored", reason, frequency_column, frequency)
            continue
        actors.append({"name": name, "type": kind, "frequency": frequency, **flags})
    return actors


def _check_armed(cells: _Cells, presence: bool | None, interference: bool | None, actors: list[dict]) -> None:
    if actors and presence is not True:
        state = "blank" if presence is None else "0"
        reason = f"presence is {state} but {len(actors)} armed group(s) are described"
        cells.warn("armed_actor_without_presence", reason, "presence", cells.row.get("presence"))
    if presence is True and not actors:
        reason = "presence = 1 but no armed group is described"
        cells.warn("armed_presence_without_actor", reason, "presence", "1")
    if interference is True and presence is False:
        reason = "interference = 1 but presence = 0"
        cells.warn("armed_interference_without_presence", reason, "interference", "1")
    if interference is False and any(a[f] is True for a in actors for f in ARMED_GROUP_FLAGS):
        reason = "interference = 0 but an armed group is recorded taxing, digging, pillaging or similar"
        cells.warn("armed_interference_conflict", reason, "interference", "0")


def _interference(
    actors: list[dict[str, Any]], presence: bool | None, interference: bool | None, flags: tuple[str, ...]
) -> bool | None:
    if any(actor[flag] is True for actor in actors for flag in flags):
        return True
    if presence is False or interference is False:
        return False
    if actors and all(actor[flags[0]] is False for actor in actors):
        return False
    return None


def _children_working(present: bool | None, work: str | None) -> bool | None:
    if work is not None:
        answer = NON_ANSWERS.normalize(work)
        if answer is not None and answer.matched:
            return False if answer.key == "none" else None
        return True
    return False if present is False else None


def _describes_work(text: str | None) -> bool:
    answer = NON_ANSWERS.normalize(text)
    return answer is not None and not answer.matched


def _real_answer(text: str | None) -> str | None:
    """The text, or None when it is blank or a non-answer such as "Aucun" or "inconnu"."""
    answer = NON_ANSWERS.normalize(text)
    return None if answer is None or answer.matched else text


def _qualification(cells: _Cells) -> str | None:
    term: Term | None = QUALIFICATION.normalize(cells.text("qualification"))
    if term is None:
        return None
    if not term.matched:
        reason = "not a qualification colour (Vert, Jaune, Rouge, Bleu); stored as 'other'"
        cells.warn("qualification_unknown", reason, "qualification", term.raw)
    return term.key


def _places(cells: _Cells, columns: tuple[str, ...]) -> list[str]:
    """Place names in these columns, split on commas, in order without repeats."""
    return _unique(place.strip() for column in columns for place in (cells.text(column) or "").split(","))


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen
