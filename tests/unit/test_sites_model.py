"""Pure rules of site search: query validation, parsing, the geodesic box and the title rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Geod

from minewatch.errors import InvalidInput
from minewatch.sites.model import (
    Near,
    SiteQuery,
    SiteRow,
    geodesic_bbox,
    geometry_columns,
    intersecting_pairs,
    parse_area,
    parse_bbox,
    parse_lat_lon,
    repair_polygons,
    round_distance_m,
    site_geometry_columns,
    site_geometry_problem,
    title_relation,
)

GEOD = Geod(ellps="WGS84")


def _error(**kwargs) -> str:
    with pytest.raises(InvalidInput) as info:
        SiteQuery(**kwargs)
    return info.value.message


# --- SiteQuery ---------------------------------------------------------------------------------------


def test_defaults_and_normalisation():
    q = SiteQuery(country=" cd ", mineral="Or", lifecycle_status="Actif", title_relation="any-title",
                  search="  Kamituga   centre ", near=(-2.5, 28.8, 25))
    assert q.country == "CD"
    assert q.mineral == "gold"
    assert q.lifecycle_status == "active"
    assert q.title_relation == "any_title"
    assert q.search == "Kamituga centre"
    assert q.near == Near(-2.5, 28.8, 25.0)
    assert q.order == "distance" and q.is_spatial
    assert SiteQuery().order == "code" and not SiteQuery().is_spatial


@pytest.mark.parametrize("kwargs, expected", [
    ({"near": (91, 0, 5)}, "near latitude must be a number from -90 to 90"),
    ({"near": (0, -180.5, 5)}, "near longitude must be a number from -180 to 180"),
    ({"near": (0, 0, 0)}, "near radius must be a number of kilometres greater than 0"),
    ({"near": (0, 0, -3)}, "greater than 0"),
    ({"near": (0, 0, float("nan"))}, "greater than 0"),
    ({"near": (0, 0)}, "near needs a radius in km (or use nearest N)"),
    ({"nearest_n": 5}, "nearest needs a query point"),
    ({"near": (0, 0), "nearest_n": 0}, "nearest must be a whole number from 1 to"),
    ({"bbox": (29, -3, 28, -2)}, "across the antimeridian (180°) is not supported"),
    ({"bbox": (170, -3, -170, 3)}, "split it into two boxes"),
    ({"bbox": (28, -2, 29, -3)}, "bbox min_lat must be less than max_lat"),
    ({"bbox": (28, -3, 28, -2)}, "bbox min_lon must be less than max_lon"),
    ({"bbox": (28, -95, 29, -2)}, "bbox minimum latitude must be a number from -90 to 90"),
    ({"bbox": (28, -3, 29)}, "bbox must be four numbers"),
    ({"country": "COD"}, "two-letter ISO 3166-1 code"),
    ({"mineral": "kryptonite"}, "unknown mineral 'kryptonite'; known: gold, cassiterite"),
    ({"title_relation": "inside"}, "title relation 'inside' is not one of"),
    ({"order": "distance"}, "order 'distance' needs a query point"),
    ({"order": "size"}, "order 'size' is not one of"),
    ({"limit": -1}, "limit must be a whole number ≥ 0"),
    ({"within": "POINT (28 -2)"}, "the area must be a polygon or multipolygon, not a Point"),
    ({"within": "POLYGON ((190 0, 191 0, 191 1, 190 0))"}, "longitude -180..180 and latitude -90..90"),
])
def test_invalid_queries_say_why(kwargs, expected):
    assert expected in _error(**kwargs)


def test_every_problem_is_named_at_once():
    message = _error(near=(95, 0, -1), country="Congo")
    assert "near latitude" in message and "greater than 0" in message and "two-letter" in message


def test_within_accepts_wkt_geojson_and_repairs_a_bowtie():
    square = SiteQuery(within="POLYGON ((28 -3, 29 -3, 29 -2, 28 -2, 28 -3))").within
    assert square.geom_type == "Polygon" and square.area == pytest.approx(1.0)
    feature = '{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[28,-3],[29,-3],[29,-2],[28,-3]]]}}'
    assert SiteQuery(within=feature).within.area == pytest.approx(0.5)
    bowtie = SiteQuery(within="POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))").within
    assert bowtie.is_valid and bowtie.area == pytest.approx(0.5)


def test_parse_area_reads_a_feature_collection_as_one_area():
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[5, 5], [6, 5], [6, 6], [5, 5]]]}},
    ]}
    area = parse_area(fc)
    assert area.geom_type == "MultiPolygon" and area.area == pytest.approx(1.0)
    with pytest.raises(InvalidInput, match="not valid GeoJSON"):
        parse_area("{nope")
    with pytest.raises(InvalidInput, match="neither WKT nor GeoJSON"):
        parse_area("circle around Bukavu")


def test_unpaged_keeps_filters():
    q = SiteQuery(country="CD", limit=10, offset=20)
    assert q.paged and not q.unpaged().paged and q.unpaged().country == "CD"


# --- Parsing what people type ------------------------------------------------------------------------


def test_parse_lat_lon_and_bbox():
    assert parse_lat_lon("-2.5,28.8") == (-2.5, 28.8)
    assert parse_bbox("28, -3, 29.5, -1.5") == (28.0, -3.0, 29.5, -1.5)
    with pytest.raises(InvalidInput, match="the order is LAT,LON"):
        parse_lat_lon("128.8,-2.5")
    with pytest.raises(InvalidInput, match="expected 2 numbers"):
        parse_lat_lon("-2.5")
    with pytest.raises(InvalidInput, match="antimeridian"):
        parse_bbox("179,-1,-179,1")


# --- The conservative geodesic box --------------------------------------------------------------------


@pytest.mark.parametrize("lat", [-89.5, -80.0, -45.0, -2.5, 0.0, 30.0, 60.0, 79.9, 89.99])
@pytest.mark.parametrize("km", [0.001, 1.0, 25.0, 400.0, 3000.0])
def test_geodesic_bbox_holds_every_point_of_the_circle(lat, km):
    lon = 28.8
    box = geodesic_bbox(lat, lon, km)
    az = np.linspace(0, 360, 721)
    # Points exactly on the circle, and (for a tight box) just inside it.
    lons, lats, _ = GEOD.fwd(np.full(az.size, lon), np.full(az.size, lat), az, np.full(az.size, km * 1000.0))
    lons = (np.asarray(lons) + 180.0) % 360.0 - 180.0
    inside_lon = (box[0] <= lons) & (lons <= box[2])
    assert np.all((box[1] <= lats) & (lats <= box[3]))
    assert np.all(inside_lon)


def test_geodesic_bbox_is_tight_enough_to_be_useful():
    min_lon, min_lat, max_lon, max_lat = geodesic_bbox(-2.5, 28.8, 25.0)
    # 25 km is about 0.226° of latitude at the equator; the box is within 1 % of the true extent.
    assert max_lat - (-2.5) == pytest.approx(25_000 / 110_574.3, rel=0.01)
    assert max_lon - 28.8 == pytest.approx(25_000 / (6_378_137 * math.cos(math.radians(-2.5 - 0.226)) * math.pi / 180), rel=0.01)


def test_geodesic_bbox_at_the_poles_and_antimeridian_covers_all_longitudes():
    assert geodesic_bbox(89.9, 10.0, 50.0) == (-180.0, geodesic_bbox(89.9, 10.0, 50.0)[1], 180.0, 90.0)
    assert geodesic_bbox(-89.99, 0.0, 5.0)[1] == -90.0
    assert geodesic_bbox(0.0, 179.9, 50.0)[0::2] == (-180.0, 180.0)
    assert geodesic_bbox(0.0, 0.0, 30_000.0) == (-180.0, -90.0, 180.0, 90.0)
    with pytest.raises(InvalidInput):
        geodesic_bbox(float("nan"), 0.0, 1.0)


def test_distances_round_like_postgis():
    assert round_distance_m(1234.567890123456) == 1234.56789012


# --- Storage helpers and the title rule ----------------------------------------------------------------


def test_site_geometry_columns_for_points_and_polygons():
    point = site_geometry_columns(None, -2.5, 28.8)
    assert point["geometry_type"] == "Point"
    assert (point["min_lon"], point["min_lat"], point["max_lon"], point["max_lat"]) == (28.8, -2.5, 28.8, -2.5)
    assert shapely.from_wkb(point["geom_wkb"]).equals(shapely.Point(28.8, -2.5))
    poly = shapely.box(28.7, -2.55, 28.9, -2.45)
    cols = site_geometry_columns(poly, -2.5, 28.8)
    assert cols["geometry_type"] == "Polygon" and cols["min_lat"] == -2.55 and cols["max_lon"] == 28.9


def test_a_site_may_be_as_large_as_it_is():
    # An alluvial working along 1.5° of a river, and a rehabilitation area in two parts.
    river = shapely.box(28.0, -4.0, 28.1, -2.5)
    cols = site_geometry_columns(river, -2.55, 28.05)
    assert (cols["min_lat"], cols["max_lat"]) == (-4.0, -2.5)
    parts = shapely.MultiPolygon([shapely.box(27.0, -6.0, 27.2, -5.9), shapely.box(27.0, -4.6, 27.2, -4.5)])
    assert site_geometry_columns(parts, -5.95, 27.1)["geometry_type"] == "MultiPolygon"


def test_geometry_columns_store_2d_wkb_and_the_box():
    cols = geometry_columns(shapely.Polygon([(28, -3, 1000), (29, -3, 1000), (29, -2, 1200), (28, -3, 1000)]))
    assert cols["geometry_type"] == "Polygon"
    assert (cols["min_lon"], cols["min_lat"], cols["max_lon"], cols["max_lat"]) == (28, -3, 29, -2)
    assert not shapely.has_z(shapely.from_wkb(cols["geom_wkb"]))


@pytest.mark.parametrize("geometry, lat, lon, expected", [
    (shapely.box(28.7, -2.6, 28.9, -2.4), -3.0, 28.8, "outside the bounding box"),
    (shapely.Point(28.0, -2.0), -2.5, 28.2, "differs from its latitude/longitude"),
    (shapely.LineString([(28, -2), (28.1, -2)]), -2.0, 28.0, "not a LineString"),
    (shapely.MultiPoint([(28, -2), (28.1, -2)]), -2.0, 28.0, "not a MultiPoint"),
])
def test_site_geometry_columns_refuses_what_searches_cannot_find(geometry, lat, lon, expected):
    assert expected in site_geometry_problem(geometry, lat, lon)
    with pytest.raises(InvalidInput, match=expected.replace("(", r"\(").replace(")", r"\)")):
        site_geometry_columns(geometry, lat, lon)


def test_site_geometry_problem_accepts_no_geometry_and_a_point_inside_the_box():
    assert site_geometry_problem(None, -2.5, 28.8) is None
    assert site_geometry_problem(shapely.Point(28.8, -2.5), -2.5, 28.8) is None
    # The point need only lie in the polygon's bounding box (a representative point lies in the polygon).
    assert site_geometry_problem(shapely.Polygon([(28, -3), (29, -3), (29, -2)]), -2.1, 28.1) is None


def test_title_relation_rule():
    assert title_relation(in_artisanal_zone=True, in_other_title=False, org_has_concessions=True) == "inside_artisanal_zone"
    assert title_relation(in_artisanal_zone=False, in_other_title=True, org_has_concessions=True) == "inside_title"
    assert title_relation(in_artisanal_zone=False, in_other_title=False, org_has_concessions=True) == "outside"
    assert title_relation(in_artisanal_zone=False, in_other_title=False, org_has_concessions=False) is None


def test_intersecting_pairs_and_repair():
    bowtie = shapely.from_wkt("POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))")
    fixed, invalid = repair_polygons([shapely.box(0, 0, 1, 1), bowtie, None])
    assert invalid == 1 and fixed[1].is_valid and fixed[2] is None
    sites = [shapely.Point(0.5, 0.5), shapely.Point(1.5, 1.0), shapely.Point(5, 5), shapely.Point(1, 1)]
    # Site 3 lies on the edge of the square and on the bowtie's crossing: edges count.
    assert intersecting_pairs(sites, fixed) == [(0, 0), (0, 1), (1, 1), (3, 0), (3, 1)]


def test_site_row_as_dict_omits_absent_distance():
    row = SiteRow(1, "S1", "Site", "CD", -2.5, 28.8, ("gold",), None, "active")
    assert "distance_km" not in row.as_dict() and row.as_dict()["minerals"] == ["gold"]
    assert SiteRow(1, "S1", None, None, 0, 0, distance_km=1.23456789).as_dict()["distance_km"] == 1.235
