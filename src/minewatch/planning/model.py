"""Pure rules of planting records: reading import rows, survival arithmetic, plan versus done, the timeline.

No I/O, no clock, no configuration: rows come in as ``(row_number, {column: text})`` (what
:func:`minewatch.adapters.tables.read_rows` yields), what the database knows comes in as plain
mappings, and every problem is returned as a :class:`~minewatch.kit.findings.Problem` naming the
row, the column as the file spells it, the value and what is wrong (STYLE.md rule 5).

Survival arithmetic
-------------------
survival rate
    :math:`s = N_{alive} / N_{planted}` of one planting at one check (a fraction in [0, 1]);
    per species, :math:`s = \\sum N_{alive} / \\sum N_{planted}` over the plantings that have a check
    (their latest one), so a large planting weighs more than a small one.
age at a check
    :math:`(t_{check} - t_{planted}) / 365.25` days, in Julian years.
flag
    ``below_expected`` when :math:`s` is below the species' expected survival (``survival_fraction``
    of species.csv, itself provisional where the table says so), ``ok`` otherwise, ``no_check`` when
    the planting was never checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

import shapely
from shapely.geometry.base import BaseGeometry

from minewatch.kit.findings import ParseProblem, Problem
from minewatch.kit.parsing import fold, parse_coordinate, parse_date, parse_float, parse_int, parse_text

DAYS_PER_YEAR = 365.25  # Julian year: the age of a planting in years
GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")
PLAN_STATUSES = ("proposed", "adopted", "superseded")
FLAGS = ("ok", "below_expected", "no_check")

# Column -> accepted header spellings (compared after :func:`header_key`), English first, then French and Spanish.
PLANTING_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "id", "planting_id", "identifiant", "identificador", "ref", "reference"),
    "site": ("site", "site_code", "code_site", "sitio", "codigo_sitio"),
    "species": ("species", "species_id", "espece", "especie"),
    "planted_on": ("planted_on", "planting_date", "date", "date_plantation", "plante_le", "fecha_plantacion",
                   "fecha"),
    "count": ("count", "seedlings", "plants", "nombre", "plants_nombre", "plants_count", "plantules", "cantidad",
              "plantulas", "plantones"),
    "area_ha": ("area_ha", "area", "surface_ha", "superficie_ha", "surface", "superficie"),
    "wkt": ("wkt", "geometry", "geometrie", "geometria"),
    "longitude": ("longitude", "lon", "lng", "long", "longitud"),
    "latitude": ("latitude", "lat", "latitud"),
    "plan": ("plan", "plan_id"),
    "notes": ("notes", "note", "remarques", "remarque", "notas", "observaciones", "comments"),
}
PLANTING_REQUIRED = ("external_id", "site", "species", "planted_on", "count")

SURVIVAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "id", "check_id", "identifiant", "identificador", "ref", "reference"),
    "planting": ("planting", "planting_id", "planting_external_id", "plantation", "plantacion"),
    "checked_on": ("checked_on", "check_date", "date", "date_controle", "controle_le", "fecha_control", "fecha"),
    "alive": ("alive", "alive_count", "survivors", "vivants", "vivos", "vivas"),
    "method": ("method", "methode", "metodo"),
    "notes": ("notes", "note", "remarques", "remarque", "notas", "observaciones", "comments"),
}
SURVIVAL_REQUIRED = ("external_id", "planting", "checked_on", "alive")

_MAX_ID = 120
_MAX_NOTES = 2000


def header_key(name: str) -> str:
    """A header as compared with the aliases: case and accents folded, spaces and dashes as ``_``.

    >>> header_key("Planted On"), header_key("Espèce")
    ('planted_on', 'espece')
    """
    return "_".join(fold(name).replace("-", " ").replace("/", " ").split())


def species_key(text: str) -> str:
    """A species as typed, in the form of a species id (``Acacia mangium`` -> ``acacia_mangium``)."""
    return header_key(text)


# --- import rows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedFile:
    """The rows of one import file that parsed, and every problem found (errors and warnings)."""

    columns: dict[str, str]  # canonical column -> the file's header
    rows: list
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def column(self, name: str) -> str:
        return self.columns.get(name, name)


def resolve_columns(header: Iterable[str], spec: Mapping[str, tuple[str, ...]],
                    required: Iterable[str]) -> tuple[dict[str, str], list[Problem]]:
    """{canonical column: file header} and the problems of the header (missing, ambiguous, ignored columns).

    >>> cols, probs = resolve_columns(["Site", "ESPÈCE", "x"], PLANTING_COLUMNS, ["site", "species", "count"])
    >>> cols, [(p.code, p.column) for p in probs]
    ({'site': 'Site', 'species': 'ESPÈCE'}, [('ignored_column', 'x'), ('missing_column', 'count')])
    """
    lookup = {alias: name for name, aliases in spec.items() for alias in aliases}
    columns: dict[str, str] = {}
    problems: list[Problem] = []
    for h in header:
        name = lookup.get(header_key(h))
        if name is None:
            problems.append(Problem("warning", "ignored_column", "not a column of this import; ignored", None, h))
        elif name in columns:
            problems.append(Problem("error", "ambiguous_column", f"both '{columns[name]}' and '{h}' mean "
                                    f"'{name}'; keep one", None, h))
        else:
            columns[name] = h
    for name in required:
        if name not in columns:
            problems.append(Problem("error", "missing_column", "this column is required (accepted names: "
                                    + ", ".join(spec[name]) + ")", None, name))
    return columns, problems


def _cell(raw: dict, columns: dict[str, str], name: str):
    col = columns.get(name)
    return None if col is None else raw.get(col)


def _value(problems: list[Problem], row: int, columns: dict[str, str], name: str, raw: dict, parse, **kw):
    text = _cell(raw, columns, name)
    try:
        return parse(text, **kw) if text is not None else None
    except ParseProblem as exc:
        problems.append(Problem("error", exc.code, exc.reason, row, columns.get(name, name), str(text)))
        return None


def _required(problems: list[Problem], row: int, columns: dict[str, str], name: str, raw: dict, value) -> None:
    if value is None and name in columns and not any(p.row == row and p.column == columns[name] for p in problems):
        problems.append(Problem("error", "empty_value", "a value is required", row, columns[name],
                                raw.get(columns[name])))


def _extra_cells(problems: list[Problem], row: int, raw: dict) -> None:
    extra = raw.get("__extra__")
    if extra:
        problems.append(Problem("error", "extra_cells", "more cells than the header has columns", row, None,
                                ", ".join(str(c) for c in extra if c)))


@dataclass(frozen=True)
class PlantingRow:
    """One row of a planting file, parsed (cross-checks with the database come after)."""

    row: int
    external_id: str
    site: str
    species: str  # as a species key (see species_key), checked against the species table later
    planted_on: dt.date
    count: int
    area_ha: float | None = None
    geometry: BaseGeometry | None = None
    plan_id: int | None = None
    notes: str | None = None

    def content(self) -> dict:
        """What is stored of the row, for comparing a re-import with the stored record."""
        return {"site": self.site, "species": self.species, "planted_on": self.planted_on.isoformat(),
                "count": self.count, "area_ha": self.area_ha, "plan_id": self.plan_id, "notes": self.notes,
                "geometry": None if self.geometry is None else shapely.to_wkb(self.geometry, hex=True,
                                                                              output_dimension=2)}


def _geometry(problems: list[Problem], row: int, columns: dict[str, str], raw: dict) -> BaseGeometry | None:
    wkt = parse_text(_cell(raw, columns, "wkt"))
    lon_text, lat_text = _cell(raw, columns, "longitude"), _cell(raw, columns, "latitude")
    if wkt is not None:
        if lon_text is not None or lat_text is not None:
            problems.append(Problem("error", "two_geometries", "give either a WKT geometry or longitude/latitude, "
                                    "not both", row, columns["wkt"], wkt))
            return None
        try:
            geom = shapely.from_wkt(wkt)
        except shapely.errors.GEOSException:
            problems.append(Problem("error", "bad_wkt", "not a WKT geometry (e.g. POINT (29.1 -1.5) or "
                                    "POLYGON ((...)))", row, columns["wkt"], wkt))
            return None
        if geom is None or geom.is_empty or geom.geom_type not in GEOMETRY_TYPES:
            kind = "empty" if geom is None or geom.is_empty else geom.geom_type
            problems.append(Problem("error", "bad_geometry_type", f"a planting is a point or a (multi)polygon, "
                                    f"not {kind}", row, columns["wkt"], wkt))
            return None
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
            problems.append(Problem("error", "not_wgs84", "coordinates must be longitude, latitude in degrees "
                                    "(EPSG:4326)", row, columns["wkt"], wkt[:80]))
            return None
        if not geom.is_valid:
            problems.append(Problem("error", "invalid_geometry", f"invalid geometry: "
                                    f"{shapely.is_valid_reason(geom)}", row, columns["wkt"], wkt[:80]))
            return None
        return geom
    if lon_text is None and lat_text is None:
        return None
    lon = _value(problems, row, columns, "longitude", raw, parse_coordinate, axis="lon")
    lat = _value(problems, row, columns, "latitude", raw, parse_coordinate, axis="lat")
    for name, text, value in (("longitude", lon_text, lon), ("latitude", lat_text, lat)):
        if text is None:
            problems.append(Problem("error", "half_a_point", "longitude and latitude go together; this one is "
                                    "missing", row, columns.get(name, name), None))
    if lon is None or lat is None:
        return None
    return shapely.Point(lon, lat)


def _required_and_unique(mine: list, row: int, columns, raw, seen: dict, values) -> None:
    """Problems for the empty required ``values`` ((column, value) pairs, external_id first) and for an
    external_id already on an earlier row of the file."""
    for name, value in values:
        _required(mine, row, columns, name, raw, value)
    ext = values[0][1]
    if ext is None:
        return
    if ext in seen:
        mine.append(Problem("error", "duplicate_id", f"the same external_id is on row {seen[ext]}", row,
                            columns["external_id"], ext))
    else:
        seen[ext] = row


def parse_planting_rows(header: Iterable[str], rows: Iterable[tuple[int, dict]]) -> ParsedFile:
    """Parse a planting file's rows; every problem of every row is kept (nothing stops at the first).

    >>> f = parse_planting_rows(["external_id", "site", "species", "planted_on", "count"],
    ...                         [(2, {"external_id": "P1", "site": "S", "species": "Vetiver",
    ...                               "planted_on": "2024-03-01", "count": "0"})])
    >>> [(p.row, p.column, p.value, p.code) for p in f.problems]
    [(2, 'count', '0', 'below_minimum')]
    """
    columns, problems = resolve_columns(header, PLANTING_COLUMNS, PLANTING_REQUIRED)
    out: list[PlantingRow] = []
    if any(p.is_error for p in problems):
        return ParsedFile(columns, out, problems)
    seen: dict[str, int] = {}
    for row, raw in rows:
        mine: list[Problem] = []
        _extra_cells(mine, row, raw)
        ext = _value(mine, row, columns, "external_id", raw, parse_text, max_len=_MAX_ID)
        site = _value(mine, row, columns, "site", raw, parse_text, max_len=64)
        species = _value(mine, row, columns, "species", raw, parse_text, max_len=_MAX_ID)
        planted_on = _value(mine, row, columns, "planted_on", raw, parse_date)
        count = _value(mine, row, columns, "count", raw, parse_int, min=1)
        area = _value(mine, row, columns, "area_ha", raw, parse_float, min=0)
        if area is not None and area <= 0:
            mine.append(Problem("error", "not_positive", "an area must be above 0 ha (leave it empty if unknown)",
                                row, columns["area_ha"], raw.get(columns["area_ha"])))
            area = None
        plan_id = _value(mine, row, columns, "plan", raw, parse_int, min=1)
        notes = _value(mine, row, columns, "notes", raw, parse_text, max_len=_MAX_NOTES)
        geometry = _geometry(mine, row, columns, raw)
        _required_and_unique(mine, row, columns, raw, seen, (("external_id", ext), ("site", site), ("species", species),
                                                             ("planted_on", planted_on), ("count", count)))
        problems.extend(mine)
        if not any(p.is_error for p in mine):
            out.append(PlantingRow(row, ext, site, species_key(species), planted_on, count, area, geometry,
                                   plan_id, notes))
    return ParsedFile(columns, out, problems)


def _settle(r, mine: list, stored: Mapping, parsed, new: list, problems: list) -> int:
    """File row ``r`` after its own checks (``mine``): 1 when it is stored already with the same values (a
    re-import), else 0, with the row added to ``new`` when it has no problem and its problems to ``problems``."""
    if not mine and r.external_id in stored:
        changed = _changed(r, stored[r.external_id], parsed)
        if changed is None:
            return 1
        mine.append(changed)
    problems.extend(mine)
    if not mine:
        new.append(r)
    return 0


def _changed(r, stored_content: Mapping, parsed) -> Problem | None:
    """None when the stored record of ``r``'s external_id has the same values (a re-import), else the error:
    a stored record is never overwritten."""
    diff = _differences(stored_content, r.content())
    if not diff:
        return None
    return Problem("error", "changed_record", "this external_id is stored with other values (" + "; ".join(diff)
                   + "); nothing is overwritten: give a correction a new external_id", r.row,
                   parsed.column("external_id"), r.external_id)


def check_plantings(parsed: ParsedFile, *, sites: Collection[str], species_ids: Collection[str],
                    plans: Mapping[int, str | None], stored: Mapping[str, dict]) -> tuple[list[PlantingRow], int,
                                                                                           list[Problem]]:
    """(rows to store, rows already stored unchanged, problems) of parsed planting rows.

    ``sites``: the organisation's site codes; ``plans``: {plan id: its site code or None (area plan)};
    ``stored``: {external_id: :meth:`PlantingRow.content` of the stored record}. A row whose external_id
    is stored with other values is an error (nothing is overwritten; a correction gets a new external_id).
    """
    new: list[PlantingRow] = []
    unchanged = 0
    problems: list[Problem] = []
    valid = sorted(species_ids)
    for r in parsed.rows:
        mine: list[Problem] = []
        if r.site not in sites:
            mine.append(Problem("error", "unknown_site", "no site with this code in your organisation", r.row,
                                parsed.column("site"), r.site))
        if r.species not in species_ids:
            mine.append(Problem("error", "unknown_species", "not a known species id; valid ids: " + ", ".join(valid),
                                r.row, parsed.column("species"), r.species))
        if r.plan_id is not None:
            if r.plan_id not in plans:
                mine.append(Problem("error", "unknown_plan", "no tree plan with this id in your organisation",
                                    r.row, parsed.column("plan"), str(r.plan_id)))
            elif plans[r.plan_id] is not None and plans[r.plan_id] != r.site:
                mine.append(Problem("error", "plan_of_another_site", f"this plan is for site {plans[r.plan_id]}, "
                                    f"not {r.site}", r.row, parsed.column("plan"), str(r.plan_id)))
        unchanged += _settle(r, mine, stored, parsed, new, problems)
    return new, unchanged, problems


def _differences(stored: dict, given: dict) -> list[str]:
    out = []
    for key in given:
        a, b = stored.get(key), given[key]
        if isinstance(a, float) and isinstance(b, float) and abs(a - b) <= 1e-9 * max(1.0, abs(a)):
            continue
        if a != b:
            if key == "geometry":
                out.append("geometry differs")
            else:
                out.append(f"{key} stored {a!r}, file {b!r}")
    return out


@dataclass(frozen=True)
class SurvivalRow:
    """One row of a survival-check file, parsed."""

    row: int
    external_id: str
    planting: str  # the planting's external_id
    checked_on: dt.date
    alive: int
    method: str | None = None
    notes: str | None = None

    def content(self) -> dict:
        return {"planting": self.planting, "checked_on": self.checked_on.isoformat(), "alive": self.alive,
                "method": self.method, "notes": self.notes}


def parse_survival_rows(header: Iterable[str], rows: Iterable[tuple[int, dict]]) -> ParsedFile:
    """Parse a survival-check file's rows; every problem of every row is kept."""
    columns, problems = resolve_columns(header, SURVIVAL_COLUMNS, SURVIVAL_REQUIRED)
    out: list[SurvivalRow] = []
    if any(p.is_error for p in problems):
        return ParsedFile(columns, out, problems)
    seen: dict[str, int] = {}
    for row, raw in rows:
        mine: list[Problem] = []
        _extra_cells(mine, row, raw)
        ext = _value(mine, row, columns, "external_id", raw, parse_text, max_len=_MAX_ID)
        planting = _value(mine, row, columns, "planting", raw, parse_text, max_len=_MAX_ID)
        checked_on = _value(mine, row, columns, "checked_on", raw, parse_date)
        alive = _value(mine, row, columns, "alive", raw, parse_int, min=0)
        method = _value(mine, row, columns, "method", raw, parse_text, max_len=60)
        notes = _value(mine, row, columns, "notes", raw, parse_text, max_len=_MAX_NOTES)
        _required_and_unique(mine, row, columns, raw, seen, (("external_id", ext), ("planting", planting),
                                                             ("checked_on", checked_on), ("alive", alive)))
        problems.extend(mine)
        if not any(p.is_error for p in mine):
            out.append(SurvivalRow(row, ext, planting, checked_on, alive, method, notes))
    return ParsedFile(columns, out, problems)


def check_survival(parsed: ParsedFile, *, plantings: Mapping[str, tuple[dt.date, int]],
                   stored: Mapping[str, dict]) -> tuple[list[SurvivalRow], int, list[Problem]]:
    """(rows to store, rows already stored unchanged, problems) of parsed survival rows.

    ``plantings``: {planting external_id: (planted_on, count)} of the organisation; a check must come on
    or after the planting date and count at most the seedlings planted.

    >>> f = parse_survival_rows(["external_id", "planting", "checked_on", "alive"],
    ...                         [(2, {"external_id": "C1", "planting": "P1", "checked_on": "2024-01-01",
    ...                               "alive": "120"})])
    >>> _, _, probs = check_survival(f, plantings={"P1": (dt.date(2024, 3, 1), 100)}, stored={})
    >>> [(p.row, p.column, p.value, p.code) for p in probs]
    [(2, 'checked_on', '2024-01-01', 'before_planting'), (2, 'alive', '120', 'more_than_planted')]
    """
    new: list[SurvivalRow] = []
    unchanged = 0
    problems: list[Problem] = []
    for r in parsed.rows:
        mine: list[Problem] = []
        planting = plantings.get(r.planting)
        if planting is None:
            mine.append(Problem("error", "unknown_planting", "no planting with this external_id in your "
                                "organisation (import the plantings first)", r.row, parsed.column("planting"),
                                r.planting))
        else:
            planted_on, count = planting
            if r.checked_on < planted_on:
                mine.append(Problem("error", "before_planting", f"a check cannot come before the planting "
                                    f"({planted_on.isoformat()})", r.row, parsed.column("checked_on"),
                                    r.checked_on.isoformat()))
            if r.alive > count:
                mine.append(Problem("error", "more_than_planted", f"more alive than the {count} seedlings planted",
                                    r.row, parsed.column("alive"), str(r.alive)))
        unchanged += _settle(r, mine, stored, parsed, new, problems)
    return new, unchanged, problems


# --- survival ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlantingFacts:
    """A stored planting, as the pure rules need it."""

    external_id: str
    species: str
    planted_on: dt.date
    count: int
    area_ha: float | None = None
    geometry_wkt: str | None = None
    plan_id: int | None = None
    id: int | None = None


@dataclass(frozen=True)
class CheckFacts:
    """A stored survival check."""

    planting: str  # planting external_id
    checked_on: dt.date
    alive: int
    external_id: str | None = None


def survival_rate(alive: int, planted: int) -> float:
    """Fraction of the seedlings planted alive at a check, :math:`N_{alive} / N_{planted}`.

    >>> survival_rate(850, 1000)
    0.85
    """
    if planted <= 0:
        raise ValueError("planted must be positive")
    if not 0 <= alive <= planted:
        raise ValueError(f"alive must be in [0, {planted}], got {alive}")
    return alive / planted


def age_years(planted_on: dt.date, on: dt.date) -> float:
    """Age of a planting on ``on`` in Julian years of 365.25 days.

    >>> age_years(dt.date(2020, 1, 1), dt.date(2024, 1, 1))
    4.0
    """
    return (on - planted_on).days / DAYS_PER_YEAR


def flag(rate: float | None, expected: float | None) -> str:
    """``no_check`` without a rate, ``below_expected`` when the rate is below the expected survival, else ``ok``.

    >>> flag(0.6, 0.8), flag(0.8, 0.8), flag(None, 0.8)
    ('below_expected', 'ok', 'no_check')
    """
    if rate is None:
        return "no_check"
    if expected is not None and rate < expected:
        return "below_expected"
    return "ok"


@dataclass(frozen=True)
class CheckPoint:
    checked_on: dt.date
    alive: int
    rate: float
    age_years: float

    def as_dict(self) -> dict:
        return {"checked_on": self.checked_on.isoformat(), "alive": self.alive, "rate": self.rate,
                "age_years": self.age_years}


@dataclass(frozen=True)
class PlantingSurvival:
    """Survival of one planting: its checks in date order and the latest one against the expected survival."""

    planting: str
    species: str
    planted_on: dt.date
    planted: int
    trend: tuple[CheckPoint, ...]
    expected: float | None
    flag: str

    @property
    def latest(self) -> CheckPoint | None:
        return self.trend[-1] if self.trend else None

    @property
    def alive(self) -> int | None:
        return self.latest.alive if self.latest else None

    @property
    def rate(self) -> float | None:
        return self.latest.rate if self.latest else None

    @property
    def age_years(self) -> float | None:
        return self.latest.age_years if self.latest else None

    def as_dict(self) -> dict:
        return {"planting": self.planting, "species": self.species, "planted_on": self.planted_on.isoformat(),
                "planted": self.planted, "alive": self.alive, "rate": self.rate, "age_years": self.age_years,
                "expected": self.expected, "flag": self.flag, "trend": [c.as_dict() for c in self.trend]}


def planting_survival(planting: PlantingFacts, checks: Iterable[CheckFacts], expected: float | None
                      ) -> PlantingSurvival:
    """The survival of one planting from its checks (any order; same-day checks keep the last given)."""
    by_day: dict[dt.date, CheckFacts] = {}
    for c in checks:
        by_day[c.checked_on] = c
    trend = tuple(CheckPoint(day, c.alive, survival_rate(c.alive, planting.count),
                             age_years(planting.planted_on, day)) for day, c in sorted(by_day.items()))
    rate = trend[-1].rate if trend else None
    return PlantingSurvival(planting.external_id, planting.species, planting.planted_on, planting.count, trend,
                            expected, flag(rate, expected))


@dataclass(frozen=True)
class SpeciesSurvival:
    """Survival of one species at a site, over its plantings' latest checks (weighted by seedlings)."""

    species: str
    plantings: int
    planted: int
    checked_planted: int  # seedlings of the plantings that have a check
    alive: int | None
    rate: float | None
    age_years: float | None  # seedling-weighted mean age at the latest checks
    expected: float | None
    flag: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def species_survival(items: Iterable[PlantingSurvival]) -> list[SpeciesSurvival]:
    """Per species (sorted by id): sum of alive at each planting's latest check over the seedlings of those plantings.

    >>> a = PlantingSurvival("P1", "vetiver", dt.date(2020, 1, 1), 100,
    ...                      (CheckPoint(dt.date(2021, 1, 1), 90, 0.9, 1.0),), 0.8, "ok")
    >>> b = PlantingSurvival("P2", "vetiver", dt.date(2020, 1, 1), 300,
    ...                      (CheckPoint(dt.date(2022, 1, 1), 150, 0.5, 2.0),), 0.8, "below_expected")
    >>> s = species_survival([a, b])[0]
    >>> s.alive, s.checked_planted, s.rate, s.age_years, s.flag
    (240, 400, 0.6, 1.75, 'below_expected')
    """
    groups: dict[str, list[PlantingSurvival]] = {}
    for it in items:
        groups.setdefault(it.species, []).append(it)
    out = []
    for species, group in sorted(groups.items()):
        checked = [g for g in group if g.latest is not None]
        planted = sum(g.planted for g in group)
        checked_planted = sum(g.planted for g in checked)
        alive = sum(g.alive for g in checked) if checked else None
        rate = alive / checked_planted if checked else None
        age = sum(g.age_years * g.planted for g in checked) / checked_planted if checked else None
        expected = group[0].expected
        out.append(SpeciesSurvival(species, len(group), planted, checked_planted, alive, rate, age, expected,
                                   flag(rate, expected)))
    return out


# --- plan versus done --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanDone:
    """One species: what the plan asked for against what was planted."""

    species: str
    in_plan: bool
    planned_seedlings: int
    planned_area_ha: float
    planted_seedlings: int
    planted_area_ha: float
    plantings: int
    plantings_without_area: int

    @property
    def seedlings_done_share(self) -> float | None:
        return self.planted_seedlings / self.planned_seedlings if self.planned_seedlings else None

    @property
    def area_done_share(self) -> float | None:
        return self.planted_area_ha / self.planned_area_ha if self.planned_area_ha else None

    def as_dict(self) -> dict:
        return {**self.__dict__, "seedlings_done_share": self.seedlings_done_share,
                "area_done_share": self.area_done_share}


def plan_vs_done(by_species: Iterable[Mapping], plantings: Iterable[PlantingFacts]) -> list[PlanDone]:
    """Planned seedlings and area per species (summary.json ``by_species``) against the plantings given.

    The plan's species come first in the plan's order, then species planted that the plan did not have.
    A planting without an area adds its seedlings but not an area (counted in ``plantings_without_area``).

    >>> rows = plan_vs_done([{"id": "vetiver", "seedlings": 1000, "area_ha": 2.0}],
    ...                     [PlantingFacts("P1", "vetiver", dt.date(2024, 1, 1), 600, 1.5),
    ...                      PlantingFacts("P2", "bamboo", dt.date(2024, 1, 1), 50, None)])
    >>> [(r.species, r.in_plan, r.planted_seedlings, r.seedlings_done_share) for r in rows]
    [('vetiver', True, 600, 0.6), ('bamboo', False, 50, None)]
    """
    planned: dict[str, list[float]] = {}
    for s in by_species:
        p = planned.setdefault(str(s["id"]), [0, 0.0])
        p[0] += int(s.get("seedlings") or 0)
        p[1] += float(s.get("area_ha") or 0.0)
    done: dict[str, list] = {}
    for pl in plantings:
        d = done.setdefault(pl.species, [0, 0.0, 0, 0])
        d[0] += pl.count
        d[2] += 1
        if pl.area_ha is None:
            d[3] += 1
        else:
            d[1] += pl.area_ha
    out = []
    for species, (seedlings, area) in planned.items():
        d = done.get(species, [0, 0.0, 0, 0])
        out.append(PlanDone(species, True, int(seedlings), area, d[0], d[1], d[2], d[3]))
    for species in sorted(set(done) - set(planned)):
        d = done[species]
        out.append(PlanDone(species, False, 0, 0.0, d[0], d[1], d[2], d[3]))
    return out


# --- the rehabilitation timeline ---------------------------------------------------------------------

TIMELINE_KINDS = ("site_registered", "hazard_assessed", "plan_proposed", "plan_adopted", "plan_superseded",
                  "planted", "survival_checked", "site_closed")


@dataclass(frozen=True)
class TimelineEvent:
    """One dated event of a site's rehabilitation; ``values`` hold the facts, :meth:`text` a short English line."""

    date: dt.date
    kind: str
    values: dict = field(default_factory=dict)

    def text(self) -> str:
        v = self.values
        if self.kind == "site_registered":
            return f"site {v.get('code')} registered"
        if self.kind == "site_closed":
            return f"site {v.get('code')} recorded as closed"
        if self.kind == "hazard_assessed":
            levels = ", ".join(f"{k} {v[k]}" for k in ("level", "susceptibility_level", "erosion_level") if v.get(k))
            return f"hazard assessment #{v.get('assessment_id')} ({v.get('assessment_kind')}): {levels or 'no level'}"
        if self.kind.startswith("plan_"):
            return f"tree plan #{v.get('plan_id')} {self.kind[5:]} ({v.get('objective')}, " \
                   f"{v.get('seedlings')} seedlings)"
        if self.kind == "planted":
            area = f" on {v['area_ha']:g} ha" if v.get("area_ha") else ""
            return f"{v.get('count')} {v.get('species')} planted{area} ({v.get('planting')})"
        if self.kind == "survival_checked":
            return f"{v.get('alive')} of {v.get('planted')} {v.get('species')} alive " \
                   f"({v.get('rate', 0):.0%}) in {v.get('planting')}"
        return self.kind

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "kind": self.kind, "values": self.values, "text": self.text()}


def assemble_timeline(events: Iterable[TimelineEvent]) -> list[TimelineEvent]:
    """Events in date order; on the same day in the order of :data:`TIMELINE_KINDS` (then as given).

    >>> ev = assemble_timeline([TimelineEvent(dt.date(2024, 5, 1), "planted"),
    ...                         TimelineEvent(dt.date(2024, 5, 1), "plan_adopted"),
    ...                         TimelineEvent(dt.date(2023, 1, 1), "site_registered")])
    >>> [e.kind for e in ev]
    ['site_registered', 'plan_adopted', 'planted']
    """
    order = {k: i for i, k in enumerate(TIMELINE_KINDS)}
    indexed = list(enumerate(events))
    indexed.sort(key=lambda ie: (ie[1].date, order.get(ie[1].kind, len(order)), ie[0]))
    return [e for _, e in indexed]


# --- the actual cover, for recomputing the hazard ----------------------------------------------------


@dataclass(frozen=True)
class CoverInput:
    """One planting as cover on a date: where, what, how old, how much of it lives, how many were planted."""

    geometry_wkt: str | None  # EPSG:4326
    species: str
    age_years: float
    survival_rate: float | None
    survival_source: str  # "check" (latest check on or before the date), "expected" (species table) or "none"
    count: int
    external_id: str = ""
    area_ha: float | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def cover_inputs(plantings: Iterable[PlantingFacts], checks: Iterable[CheckFacts],
                 expected: Mapping[str, float], on: dt.date) -> list[CoverInput]:
    """The plantings standing on ``on`` (planted on or before it) with their age and survival rate.

    The rate is the latest check on or before ``on``; without one, the species' expected survival.

    >>> p = PlantingFacts("P1", "vetiver", dt.date(2020, 1, 1), 100, geometry_wkt="POINT (29 -1)")
    >>> c = [CheckFacts("P1", dt.date(2021, 1, 1), 70), CheckFacts("P1", dt.date(2030, 1, 1), 10)]
    >>> cover_inputs([p], c, {"vetiver": 0.8}, dt.date(2024, 1, 1))[0].survival_rate
    0.7
    """
    latest: dict[str, CheckFacts] = {}
    for c in checks:
        if c.checked_on <= on and (c.planting not in latest or c.checked_on >= latest[c.planting].checked_on):
            latest[c.planting] = c
    out = []
    for p in plantings:
        if p.planted_on > on:
            continue
        c = latest.get(p.external_id)
        if c is not None:
            rate, source = survival_rate(c.alive, p.count), "check"
        elif p.species in expected:
            rate, source = expected[p.species], "expected"
        else:
            rate, source = None, "none"
        out.append(CoverInput(p.geometry_wkt, p.species, age_years(p.planted_on, on), rate, source, p.count,
                              p.external_id, p.area_ha))
    return out


def summary_problem(summary: Mapping) -> str | None:
    """Why a plan's summary.json cannot be recorded, or None (the keys a stored plan needs)."""
    if not isinstance(summary, Mapping):
        return "summary.json must hold a JSON object"
    objective = summary.get("objective")
    if not isinstance(objective, Mapping) or not objective.get("name"):
        return "summary.json has no objective name"
    budget = summary.get("budget")
    if not isinstance(budget, Mapping) or budget.get("value") is None or not budget.get("unit"):
        return "summary.json has no budget value and unit"
    by_species = summary.get("by_species")
    if not isinstance(by_species, list) or any(not isinstance(s, Mapping) or "id" not in s for s in by_species):
        return "summary.json has no by_species list with species ids"
    return None
