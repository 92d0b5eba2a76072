"""Pure rules of site search: the query value object, its validation, geodesic helpers, and the
stored geometry columns every writer of sites uses (:func:`site_geometry_columns`).

No I/O here: the repository turns a :class:`SiteQuery` into SQL (and, on SQLite, into an exact
refinement with shapely and pyproj); the CLI parses what people type with :func:`parse_lat_lon`,
:func:`parse_bbox` and :func:`parse_area`.

Coordinates are WGS84 degrees; boxes are ``(min_lon, min_lat, max_lon, max_lat)``; distances on the
WGS84 ellipsoid (geodesics, Karney's algorithm in both pyproj and PostGIS).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace

import shapely
import shapely.geometry
from shapely.errors import ShapelyError
from shapely.geometry.base import BaseGeometry

from minewatch.errors import InvalidInput
from minewatch.kit.vocab import LIFECYCLE_STATUS, MINERALS, fold

BBox = tuple[float, float, float, float]

TITLE_RELATIONS = ("inside_artisanal_zone", "inside_title", "outside")
"""Derived values of ``sites.title_relation``; ``None`` means not computed (no concessions loaded)."""

TITLE_RELATION_FILTERS = (*TITLE_RELATIONS, "any_title", "not_computed")
"""What ``SiteQuery.title_relation`` accepts: a relation, ``any_title`` (either of the two
"inside" values) or ``not_computed`` (NULL)."""

ORDERS = ("code", "name", "country", "distance", "workers")
"""``workers``: the workers counted at the latest visit, most first (sites without a count last), then code."""

INDICATORS = ("mercury_used", "children_seen", "armed_interference", "workers_count")
"""Columns of ``site_indicators`` (what the latest visit said) that maps colour sites by."""

INDICATOR_FILTERS = ("mercury_used", "children_seen", "armed_interference")
"""What ``SiteQuery.indicator`` accepts: the latest visit said yes to it."""

WORKER_CLASSES = (0, 50, 200, 500)
"""Lower bounds of the classes of ``workers_count`` on maps: 0-49, 50-199, 200-499, 500 and more."""

SITE_GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")
"""What ``sites.geometry_type`` may hold; site searches look for exactly these."""

MAX_NEAREST = 10_000
MAX_SEARCH_CHARS = 200

# WGS84 ellipsoid.
WGS84_A_M = 6_378_137.0
WGS84_F = 1 / 298.257223563
_E2 = WGS84_F * (2 - WGS84_F)
# The smallest meridian radius of curvature, a(1 - e^2), at the equator (m per radian of latitude).
_MERIDIAN_RADIUS_MIN_M = WGS84_A_M * (1 - _E2)
# Float safety for the conservative boxes: relative and absolute (degrees) slack.
_REL_SLACK = 1e-9
_ABS_SLACK_DEG = 1e-9


# --- Small value objects ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Near:
    """A query point and, for a radius search, its radius in kilometres."""

    lat: float
    lon: float
    km: float | None = None

    @property
    def radius_m(self) -> float | None:
        return None if self.km is None else self.km * 1000.0


@dataclass(frozen=True, slots=True)
class SiteRow:
    """One site in a search result; ``distance_km`` is set when a query point was given."""

    id: int
    code: str
    name: str | None
    country: str | None
    latitude: float
    longitude: float
    minerals: tuple[str, ...] = ()
    title_relation: str | None = None
    lifecycle_status: str | None = None
    distance_km: float | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["minerals"] = list(self.minerals)
        if self.distance_km is None:
            del data["distance_km"]
        else:
            data["distance_km"] = round(self.distance_km, 3)
        return data


@dataclass(frozen=True, slots=True)
class VisitSummary:
    """The facts of one field visit shown with a site (nothing about named people or children)."""

    visit_date: object
    source: str | None
    project: str | None
    team: str | None
    reached: bool | None
    workers_count: int | None
    mercury_used: bool | None
    cyanide_used: bool | None


@dataclass(frozen=True, slots=True)
class TitleLink:
    """A concession (mining title or zone) the site lies in."""

    title_type: str | None
    title_number: str | None
    holder: str | None
    is_artisanal_zone: bool
    status: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class SiteDetail:
    """A site with its minerals, latest visit, visit count and the titles it lies in."""

    site: SiteRow
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    admin4: str | None = None
    locality: str | None = None
    location_accuracy_m: float | None = None
    location_origin: str | None = None
    geometry_type: str | None = None
    mining_method: str | None = None
    legal_status: str | None = None
    source: str | None = None
    visit_count: int = 0
    latest_visit: VisitSummary | None = None
    titles: tuple[TitleLink, ...] = ()

    def as_dict(self) -> dict:
        data = self.site.as_dict()
        for name in ("admin1", "admin2", "admin3", "admin4", "locality", "location_accuracy_m",
                     "location_origin", "geometry_type", "mining_method", "legal_status", "source",
                     "visit_count"):
            data[name] = getattr(self, name)
        data["latest_visit"] = None if self.latest_visit is None else asdict(self.latest_visit)
        data["titles"] = [asdict(t) for t in self.titles]
        return data


@dataclass(frozen=True, slots=True)
class SiteIndicators:
    """What a site's latest visit said (``site_indicators``), and how many visits it had."""

    visit_date: object
    visit_count: int
    workers_count: int | None
    mercury_used: bool | None
    children_seen: bool | None
    armed_interference: bool | None


@dataclass(frozen=True, slots=True)
class VisitFacts(VisitSummary):
    """One visit in a site's timeline: its key observations (``None`` means not recorded)."""

    armed_presence: bool | None
    armed_interference: bool | None
    children_seen: bool | None


def children_seen(*answers: bool | None) -> bool | None:
    """True when any answer about children (present or working, under 15 or 15-17) is yes, False
    when every one is no, None when none was recorded (the rule of ``site_indicators``).

    >>> children_seen(None, True, False, None), children_seen(False, None, None, None), children_seen(None, None)
    (True, False, None)
    """
    if any(a is True for a in answers):
        return True
    if all(a is None for a in answers):
        return None
    return False


@dataclass(frozen=True, slots=True)
class AssignedPerson:
    """A person assigned to a site (shown only to roles that may read names)."""

    full_name: str | None
    external_id: str
    task: str
    valid_from: object
    valid_to: object


# --- The query --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteQuery:
    """Filters of a site search; all given filters must hold (AND).

    Spatial filters (the same meaning on SQLite and PostGIS):

    bbox       the site's geometry (point or polygon) intersects the box, edges included
    within     the site's geometry intersects the polygon (shapely geometry, WKT or GeoJSON text)
    near       ``(lat, lon, km)``: the geodesic distance from the point to the site's *point*
               (latitude/longitude) is at most ``km``; results carry ``distance_km``
    nearest_n  with ``near=(lat, lon)`` (``km`` optional, then a cap): the ``n`` sites whose points
               are closest, ties broken by code

    ``indicator`` (one of :data:`INDICATOR_FILTERS`) keeps the sites whose latest visit said yes to
    it. ``limit``/``offset`` page over the matches; ``order`` is code, name, country, distance or
    workers (default: distance when a point is given, else code). ``count_cap`` bounds the work of
    counting the matches: a total above it means "more than ``count_cap``" (pages of a very large
    registry need not visit every match to say how many there are). Invalid values raise
    :class:`~minewatch.errors.InvalidInput` naming every problem at once.
    """

    country: str | None = None
    mineral: str | None = None
    lifecycle_status: str | None = None
    title_relation: str | None = None
    indicator: str | None = None
    bbox: BBox | None = None
    near: Near | tuple | None = None
    within: BaseGeometry | str | None = None
    nearest_n: int | None = None
    search: str | None = None
    limit: int | None = None
    offset: int = 0
    order: str | None = None
    count_cap: int | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        norm = {
            "country": _country(self.country, problems),
            "mineral": _vocab_key(MINERALS, "mineral", self.mineral, problems),
            "lifecycle_status": _vocab_key(LIFECYCLE_STATUS, "lifecycle status", self.lifecycle_status, problems),
            "title_relation": _title_relation(self.title_relation, problems),
            "indicator": _indicator(self.indicator, problems),
            "bbox": _bbox(self.bbox, problems),
            "near": _near(self.near, self.nearest_n, problems),
            "within": _within(self.within, problems),
            "nearest_n": _nearest(self.nearest_n, problems),
            "search": _search(self.search, problems),
            "limit": _count("limit", self.limit, problems, minimum=0),
            "offset": _count("offset", self.offset, problems, minimum=0) or 0,
            "count_cap": _count("count cap", self.count_cap, problems, minimum=1),
        }
        order = self.order
        if order is not None and order not in ORDERS:
            problems.append(f"order {order!r} is not one of: {', '.join(ORDERS)}")
        if order == "distance" and norm["near"] is None:
            problems.append("order 'distance' needs a query point (near)")
        if problems:
            raise InvalidInput("; ".join(problems))
        for name, value in norm.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "order", order or ("distance" if norm["near"] is not None else "code"))

    @property
    def is_spatial(self) -> bool:
        return self.bbox is not None or self.within is not None or self.near is not None

    @property
    def paged(self) -> bool:
        return self.limit is not None or self.offset > 0

    def unpaged(self) -> "SiteQuery":
        """The same filters without limit/offset (for counts and summaries)."""
        return replace(self, limit=None, offset=0)


def _country(value, problems: list[str]) -> str | None:
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if len(text) != 2 or not text.isascii() or not text.isalpha():
        problems.append(f"country {text!r} must be a two-letter ISO 3166-1 code, e.g. CD")
        return None
    return text.upper()


def _vocab_key(vocab, label: str, value, problems: list[str]) -> str | None:
    if value is None or not str(value).strip():
        return None
    term = vocab.normalize(str(value))
    if term.key == "other" and fold(str(value)) not in ("other", "autre", "autres"):
        problems.append(f"unknown {label} {value!r}; known: {', '.join(vocab.keys)}")
        return None
    return term.key


def _title_relation(value, problems: list[str]) -> str | None:
    if value is None or not str(value).strip():
        return None
    key = str(value).strip().lower().replace("-", "_")
    if key not in TITLE_RELATION_FILTERS:
        problems.append(f"title relation {value!r} is not one of: {', '.join(TITLE_RELATION_FILTERS)}")
        return None
    return key


def _indicator(value, problems: list[str]) -> str | None:
    if value is None or not str(value).strip():
        return None
    key = str(value).strip().lower().replace("-", "_")
    if key not in INDICATOR_FILTERS:
        problems.append(f"indicator {value!r} is not one of: {', '.join(INDICATOR_FILTERS)}")
        return None
    return key


def indicator_class(indicator: str, value) -> str:
    """The map class of an indicator's value: ``yes``/``no``/``unknown`` for the yes/no indicators,
    ``unknown`` or ``w0``..``w3`` (the :data:`WORKER_CLASSES`) for ``workers_count``.

    >>> indicator_class("mercury_used", True), indicator_class("workers_count", 120)
    ('yes', 'w1')
    """
    if value is None:
        return "unknown"
    if indicator == "workers_count":
        return f"w{sum(1 for bound in WORKER_CLASSES[1:] if value >= bound)}"
    return "yes" if value else "no"


def _finite(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _lat_lon_problems(lat, lon, what: str) -> list[str]:
    out = []
    if lat is None or not -90.0 <= lat <= 90.0:
        out.append(f"{what} latitude must be a number from -90 to 90")
    if lon is None or not -180.0 <= lon <= 180.0:
        out.append(f"{what} longitude must be a number from -180 to 180")
    return out


def _bbox(value, problems: list[str]) -> BBox | None:
    if value is None:
        return None
    try:
        parts = [_finite(v) for v in value]
    except TypeError:
        parts = []
    if len(parts) != 4 or any(p is None for p in parts):
        problems.append("bbox must be four numbers: min_lon, min_lat, max_lon, max_lat")
        return None
    min_lon, min_lat, max_lon, max_lat = parts
    found = _lat_lon_problems(min_lat, min_lon, "bbox minimum") + _lat_lon_problems(max_lat, max_lon, "bbox maximum")
    if not found:
        if min_lon > max_lon:
            found.append(
                f"bbox min_lon {min_lon:g} > max_lon {max_lon:g}: the order is MINLON,MINLAT,MAXLON,MAXLAT, and "
                "a box across the antimeridian (180°) is not supported; split it into two boxes, one each side of 180°"
            )
        elif min_lon == max_lon:
            found.append("bbox min_lon must be less than max_lon")
        if min_lat >= max_lat:
            found.append("bbox min_lat must be less than max_lat (order: min_lon, min_lat, max_lon, max_lat)")
    problems.extend(found)
    return None if found else (min_lon, min_lat, max_lon, max_lat)


def _near(value, nearest_n, problems: list[str]) -> Near | None:
    if value is None:
        if nearest_n is not None:
            problems.append("nearest needs a query point (near lat, lon)")
        return None
    if isinstance(value, Near):
        lat, lon, km = value.lat, value.lon, value.km
    else:
        items = list(value)
        if len(items) not in (2, 3):
            problems.append("near must be (lat, lon, km), or (lat, lon) with nearest")
            return None
        lat, lon, km = (*items, None)[:3]
    lat_f, lon_f = _finite(lat), _finite(lon)
    found = _lat_lon_problems(lat_f, lon_f, "near")
    km_f = None
    if km is not None:
        km_f = _finite(km)
        if km_f is None or km_f <= 0:
            found.append(f"near radius must be a number of kilometres greater than 0 (got {km!r})")
    elif nearest_n is None:
        found.append("near needs a radius in km (or use nearest N)")
    problems.extend(found)
    return None if found else Near(lat_f, lon_f, km_f)


def _within(value, problems: list[str]) -> BaseGeometry | None:
    if value is None:
        return None
    try:
        geom = value if isinstance(value, BaseGeometry) else parse_area(value)
        return _clean_area(geom)
    except InvalidInput as exc:
        problems.append(exc.message)
        return None


def _nearest(value, problems: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_NEAREST:
        problems.append(f"nearest must be a whole number from 1 to {MAX_NEAREST:,}")
        return None
    return value


def _search(value, problems: list[str]) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    if len(text) > MAX_SEARCH_CHARS:
        problems.append(f"search text is longer than {MAX_SEARCH_CHARS} characters")
        return None
    return text or None


def _count(name: str, value, problems: list[str], *, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        problems.append(f"{name} must be a whole number ≥ {minimum}")
        return None
    return value


# --- Areas (the ``within`` polygon) -----------------------------------------------------------------


def parse_area(text: str | dict) -> BaseGeometry:
    """A polygon from WKT (``POLYGON((lon lat, ...))``) or GeoJSON (geometry, Feature, FeatureCollection).

    Polygon features of a collection are united. Raises InvalidInput for anything else.
    """
    if isinstance(text, dict):
        return _clean_area(_from_geojson(text))
    stripped = str(text).strip()
    if not stripped:
        raise InvalidInput("the area is empty: give a WKT polygon or a GeoJSON polygon")
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"the area is not valid GeoJSON: {exc.msg} (line {exc.lineno})") from exc
        return _clean_area(_from_geojson(data))
    try:
        geom = shapely.from_wkt(stripped)
    except ShapelyError as exc:
        raise InvalidInput(f"the area is neither WKT nor GeoJSON: {str(exc).splitlines()[0]}") from exc
    return _clean_area(geom)


def _from_geojson(data) -> BaseGeometry:
    if not isinstance(data, dict):
        raise InvalidInput("the GeoJSON area must be an object (geometry, Feature or FeatureCollection)")
    kind = data.get("type")
    try:
        if kind == "FeatureCollection":
            parts = [shapely.geometry.shape(f["geometry"]) for f in data.get("features", []) if f.get("geometry")]
            if not parts:
                raise InvalidInput("the GeoJSON FeatureCollection has no geometries")
            return shapely.union_all([_polygonal(p) for p in parts])
        if kind == "Feature":
            if not data.get("geometry"):
                raise InvalidInput("the GeoJSON Feature has no geometry")
            return shapely.geometry.shape(data["geometry"])
        return shapely.geometry.shape(data)
    except (KeyError, TypeError, ValueError, AttributeError, ShapelyError) as exc:
        raise InvalidInput(f"the GeoJSON area could not be read: {exc}") from exc


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal part of a geometry (make_valid may add lines or points at self-intersections)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        return shapely.union_all(polys) if polys else shapely.Polygon()
    return shapely.Polygon()


def _clean_area(geom: BaseGeometry) -> BaseGeometry:
    """A valid, non-empty (multi)polygon inside lon -180..180, lat -90..90; invalid rings are repaired."""
    if geom is None or geom.is_empty:
        raise InvalidInput("the area is empty")
    if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        raise InvalidInput(f"the area must be a polygon or multipolygon, not a {geom.geom_type}")
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    geom = _polygonal(geom)
    if geom.is_empty:
        raise InvalidInput("the area has no surface (a polygon with zero area?)")
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        raise InvalidInput(
            "the area's coordinates must be longitude -180..180 and latitude -90..90, in lon/lat order (WGS84); "
            "areas across the antimeridian are not supported"
        )
    return geom


# --- Parsing what people type -----------------------------------------------------------------------


def _numbers(text: str, n: int, what: str) -> list[float]:
    parts = [p.strip() for p in str(text).replace(";", ",").split(",")]
    values = [_finite(p) for p in parts]
    if len(parts) != n or any(v is None for v in values):
        raise InvalidInput(f"{what}: expected {n} numbers separated by commas, got {text!r}")
    return values


def parse_lat_lon(text: str) -> tuple[float, float]:
    """``"-2.5,28.8"`` -> ``(-2.5, 28.8)``: latitude first, decimal degrees.

    >>> parse_lat_lon(" -2.5, 28.8 ")
    (-2.5, 28.8)
    """
    lat, lon = _numbers(text, 2, "a point is LAT,LON")
    problems = _lat_lon_problems(lat, lon, "the")
    if problems:
        hint = " (did you write LON,LAT? the order is LAT,LON)" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
        raise InvalidInput("; ".join(problems) + hint)
    return lat, lon


def parse_bbox(text: str) -> BBox:
    """``"28,-3,29.5,-1.5"`` -> ``(28.0, -3.0, 29.5, -1.5)``: MINLON,MINLAT,MAXLON,MAXLAT."""
    values = _numbers(text, 4, "a bbox is MINLON,MINLAT,MAXLON,MAXLAT")
    problems: list[str] = []
    box = _bbox(values, problems)
    if problems:
        raise InvalidInput("; ".join(problems))
    return box


# --- Geodesic helpers -------------------------------------------------------------------------------


def geodesic_bbox(lat: float, lon: float, km: float) -> BBox:
    """A box that surely holds every point within ``km`` (geodesic, WGS84) of ``(lat, lon)``.

    On the ellipsoid ``ds² = M(φ)² dφ² + (N(φ) cos φ)² dλ²`` with meridian radius ``M ≥ a(1 - e²)``
    and parallel radius ``N cos φ ≥ a cos φ``. So a path of length ``d`` changes latitude by at most
    ``d / (a(1 - e²))`` and, staying inside that latitude band, longitude by at most
    ``d / (a cos φ_max)``. The box covers all longitudes when the band reaches a pole or the circle
    reaches the antimeridian (a wrapped box is not needed by any caller). Latitudes are clamped to ±90.

    >>> geodesic_bbox(0.0, 0.0, 111.0)  # doctest: +ELLIPSIS
    (-0.99..., -1.00..., 0.99..., 1.00...)
    >>> geodesic_bbox(89.9, 10.0, 50.0)[0::2]
    (-180.0, 180.0)
    """
    if not (math.isfinite(lat) and math.isfinite(lon) and math.isfinite(km)) or km < 0:
        raise InvalidInput("geodesic_bbox needs a finite point and a radius ≥ 0 km")
    d_m = km * 1000.0 * (1 + _REL_SLACK)
    dlat = math.degrees(d_m / _MERIDIAN_RADIUS_MIN_M) + _ABS_SLACK_DEG
    min_lat, max_lat = lat - dlat, lat + dlat
    phi_max = max(abs(min_lat), abs(max_lat))
    min_lat, max_lat = max(min_lat, -90.0), min(max_lat, 90.0)
    if phi_max >= 90.0:
        return (-180.0, min_lat, 180.0, max_lat)
    dlon = math.degrees(d_m / (WGS84_A_M * math.cos(math.radians(phi_max)))) + _ABS_SLACK_DEG
    if dlon >= 180.0 or lon - dlon < -180.0 or lon + dlon > 180.0:
        return (-180.0, min_lat, 180.0, max_lat)
    return (lon - dlon, min_lat, lon + dlon, max_lat)


def round_distance_m(metres: float) -> float:
    """Distances rounded to 10 nm, as PostGIS does for geography (so ties sort alike on both databases)."""
    return round(metres * 1e8) / 1e8


# --- Storage helpers and the title rule -------------------------------------------------------------


def geometry_columns(geometry: BaseGeometry) -> dict:
    """The stored columns of a site's or a concession's geometry: ``geom_wkb`` (2D), ``geometry_type``
    and the bounding box ``min_lon``, ``min_lat``, ``max_lon``, ``max_lat``."""
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    return {
        "geom_wkb": shapely.to_wkb(geometry, output_dimension=2),
        "geometry_type": geometry.geom_type,
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
    }


def site_geometry_problem(geometry: BaseGeometry | None, latitude: float, longitude: float) -> str | None:
    """Why a site at ``(latitude, longitude)`` cannot have ``geometry``, or None (no geometry is fine).

    Searches need a point or a (multi)polygon (:data:`SITE_GEOMETRY_TYPES`), and the site's point
    inside the geometry's bounding box: radius searches look for the point through the indexed box.
    A point site's geometry *is* its point.
    """
    if geometry is None or geometry.is_empty:
        return None
    kind = geometry.geom_type
    if kind not in SITE_GEOMETRY_TYPES:
        return f"a site's geometry must be a point or a (multi)polygon, not a {kind}"
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if kind == "Point" and (min_lon, min_lat) != (longitude, latitude):
        return (f"the site's point geometry ({min_lat:g}, {min_lon:g}) differs from its latitude/longitude "
                f"({latitude:g}, {longitude:g})")
    if not (min_lon <= longitude <= max_lon and min_lat <= latitude <= max_lat):
        return f"the site's point ({latitude:g}, {longitude:g}) lies outside the bounding box of its polygon"
    return None


def site_geometry_columns(geometry: BaseGeometry | None, latitude: float, longitude: float) -> dict:
    """The stored geometry columns of a site (see :func:`geometry_columns`); every writer of sites uses it.

    Without a geometry the point is the geometry. Raises InvalidInput with
    :func:`site_geometry_problem`'s reason for a geometry that searches could not find.
    """
    if geometry is None or geometry.is_empty:
        geometry = shapely.Point(longitude, latitude)
    problem = site_geometry_problem(geometry, latitude, longitude)
    if problem is not None:
        raise InvalidInput(problem)
    return geometry_columns(geometry)


def repair_polygons(geometries) -> tuple[list[BaseGeometry | None], int]:
    """Invalid polygons made valid (``shapely.make_valid``); returns the geometries and how many were invalid."""
    out, invalid = [], 0
    for geom in geometries:
        if geom is not None and not geom.is_valid:
            geom = shapely.make_valid(geom)
            invalid += 1
        out.append(geom)
    return out, invalid


def intersecting_pairs(site_geoms, concession_geoms) -> list[tuple[int, int]]:
    """Index pairs ``(site_index, concession_index)`` whose geometries intersect (edges included).

    An STRtree over the sites is queried with each concession, so GEOS prepares the (large) concession
    polygons once and tests the candidate sites against them.
    """
    import numpy as np

    tree = shapely.STRtree(np.asarray(site_geoms, dtype=object))
    conc_idx, site_idx = tree.query(np.asarray(concession_geoms, dtype=object), predicate="intersects")
    return sorted(zip(site_idx.tolist(), conc_idx.tolist()))


def title_relation(*, in_artisanal_zone: bool, in_other_title: bool, org_has_concessions: bool) -> str | None:
    """Where a site stands with respect to mining titles (an artisanal zone wins over other titles).

    >>> title_relation(in_artisanal_zone=True, in_other_title=True, org_has_concessions=True)
    'inside_artisanal_zone'
    >>> title_relation(in_artisanal_zone=False, in_other_title=False, org_has_concessions=False) is None
    True
    """
    if not org_has_concessions:
        return None
    if in_artisanal_zone:
        return "inside_artisanal_zone"
    if in_other_title:
        return "inside_title"
    return "outside"
