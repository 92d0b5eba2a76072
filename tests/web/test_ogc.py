"""OGC API - Features under /ogc: the documents, paging, bbox, datetime, errors, who sees what, and a
real client (GDAL's ``ogrinfo``) reading it over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess

import pytest

from tests.web.conftest import require_tool

CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
SENSITIVE = ("child", "women", "woman", "person", "people", "raw", "team", "phone", "holder")
PUBLIC_FIELDS = {"code", "name", "country", "admin1", "minerals", "mining_method", "lifecycle_status"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def site_ids(web, org: str) -> dict[str, int]:
    """code -> id of the organisation's sites, read from the database."""
    import sqlalchemy as sa

    from minewatch.sites.orm import Site

    with web.app.uow() as uow:
        rows = uow.session.execute(sa.select(Site.code, Site.id).where(Site.org_id == web.actors[org].org_id))
        return dict(rows.all())


def visits_of(web, org: str) -> list[tuple[int, dt.date]]:
    import sqlalchemy as sa

    from minewatch.sites.orm import SiteVisit

    with web.app.uow() as uow:
        return [tuple(r) for r in uow.session.execute(
            sa.select(SiteVisit.id, SiteVisit.visit_date).where(SiteVisit.org_id == web.actors[org].org_id))]


def follow(client, url: str, headers: dict | None = None) -> tuple[list[dict], list[dict]]:
    """Every feature of a paged items URL, following ``next`` links; also every page."""
    features, pages = [], []
    while url:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/geo+json")
        page = r.json()
        assert page["numberReturned"] == len(page["features"])
        pages.append(page)
        features.extend(page["features"])
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        assert len(nxt) <= 1
        url = nxt[0] if nxt else None
        assert len(pages) < 100, "paging does not end"
    return features, pages


def publish(web, org: str, on: bool = True):
    from minewatch.sites.publication import publish_sites

    with web.app.uow() as uow:
        return publish_sites(uow, actor=web.actors[org], publish=on)


def assert_ogc_error(r, status: int, *words: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"code", "description"} and body["code"], body
    for word in words:
        assert word in body["description"], body


# --- Documents --------------------------------------------------------------------------------------


def test_landing_conformance_api_and_collections(web):
    client = web.client()
    landing = client.get("/ogc")
    assert landing.status_code == 200 and landing.headers["content-type"] == "application/json"
    links = {link["rel"]: link for link in landing.json()["links"]}
    assert set(links) >= {"self", "service-desc", "conformance", "data"}
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert client.get("/ogc", params={"f": "json"}).json() == landing.json()
    for rel in ("service-desc", "conformance", "data"):
        assert client.get(links[rel]["href"]).status_code == 200

    conformance = client.get(links["conformance"]["href"]).json()["conformsTo"]
    assert {CONF + "core", CONF + "geojson", CONF + "oas30"} <= set(conformance)

    api = client.get(links["service-desc"]["href"])
    assert api.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    doc = api.json()
    assert doc["openapi"].startswith("3.0.") and doc["servers"][0]["url"] == "http://testserver/ogc"
    assert {"/", "/conformance", "/collections", "/collections/{collectionId}", "/collections/sites/items",
            "/collections/sites/items/{featureId}", "/collections/visits/items"} <= set(doc["paths"])
    params = {p["$ref"].rsplit("/", 1)[-1] for p in doc["paths"]["/collections/visits/items"]["get"]["parameters"]}
    assert {"bbox", "limit", "offset", "datetime"} <= params
    assert doc["components"]["parameters"]["limit"]["schema"] == {
        "type": "integer", "minimum": 1, "maximum": 10000, "default": 10}
    # The REST API's document does not list the OGC routes: they have their own.
    assert not [p for p in client.get("/api/v1/openapi.json").json().get("paths", {}) if p.startswith("/ogc")]

    anonymous = client.get("/ogc/collections").json()
    assert [c["id"] for c in anonymous["collections"]] == ["sites"]
    member = client.get("/ogc/collections", headers=bearer(web.token("alpha", "viewer"))).json()
    assert [c["id"] for c in member["collections"]] == ["sites", "visits"]
    sites = client.get("/ogc/collections/sites", headers=bearer(web.token("alpha", "viewer"))).json()
    assert sites == member["collections"][0]
    items = [link for link in sites["links"] if link["rel"] == "items"]
    assert items[0]["type"] == "application/geo+json" and items[0]["href"].endswith("/ogc/collections/sites/items")
    lons = [f["geometry"]["coordinates"][0] for f in client.get(
        items[0]["href"], params={"limit": 100}, headers=bearer(web.token("alpha"))).json()["features"]]
    bbox = sites["extent"]["spatial"]["bbox"][0]
    assert bbox[0] == min(lons) and bbox[2] == max(lons)
    visits = member["collections"][1]
    first, last = min(d for _, d in visits_of(web, "alpha")), max(d for _, d in visits_of(web, "alpha"))
    assert visits["extent"]["temporal"]["interval"] == [[f"{first}T00:00:00Z", f"{last}T23:59:59Z"]]
    assert_ogc_error(client.get("/ogc/collections/nothing"), 404)
    assert_ogc_error(client.get("/ogc/collections/visits"), 404)  # anonymous: no visits


# --- Items: paging, bbox, datetime ------------------------------------------------------------------


def test_next_links_cover_every_feature_exactly_once(web):
    client = web.client()
    headers = bearer(web.token("alpha", "viewer"))
    features, pages = follow(client, "/ogc/collections/sites/items?limit=5", headers)
    ids = [f["id"] for f in features]
    assert sorted(ids) == sorted(site_ids(web, "alpha").values())  # all 12, none twice, none of beta's
    assert [p["numberReturned"] for p in pages] == [5, 5, 2]
    assert {p["numberMatched"] for p in pages} == {12}
    for page in pages:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", page["timeStamp"])
        rels = [link["rel"] for link in page["links"]]
        assert "self" in rels and ("prev" in rels) == (page is not pages[0])
    prev = next(link["href"] for link in pages[1]["links"] if link["rel"] == "prev")
    assert [f["id"] for f in client.get(prev, headers=headers).json()["features"]] == ids[:5]
    assert [f["id"] for f in client.get("/ogc/collections/sites/items?limit=4&offset=8",
                                        headers=headers).json()["features"]] == ids[8:]
    assert client.get("/ogc/collections/sites/items?offset=50", headers=headers).json()["features"] == []
    default = client.get("/ogc/collections/sites/items", headers=headers).json()
    assert default["numberReturned"] == 10 and default["numberMatched"] == 12

    visits, _ = follow(client, "/ogc/collections/visits/items?limit=7", headers)
    assert sorted(f["id"] for f in visits) == sorted(v for v, _ in visits_of(web, "alpha"))
    dates = [f["properties"]["visit_date"] for f in visits]
    assert dates == sorted(dates)  # in date order


@pytest.fixture(params=["few", "many"])
def box_paging(request, monkeypatch):
    """Both ways a box is paged: from the ids of few matches, or by a count and a walk in id order
    (made to happen with 12 sites by lowering the threshold)."""
    from minewatch.sites import repository_features

    if request.param == "many":
        monkeypatch.setattr(repository_features, "FEW_MATCHES", 0)
    return request.param


def test_bbox_selects_what_the_registry_search_selects(web, box_paging):
    from minewatch.sites.model import SiteQuery
    from minewatch.sites.service import find_sites

    client = web.client()
    headers = bearer(web.token("alpha"))
    everything = client.get("/ogc/collections/sites/items?limit=100", headers=headers).json()["features"]
    points = sorted(f["geometry"]["coordinates"] for f in everything)
    # A box through the middle of the sites, with one site exactly on its west edge and one on its north edge.
    west = points[3][0]
    north = sorted(p[1] for p in points)[8]
    box = (west, -90.0, 180.0, north)
    with web.app.uow() as uow:
        expected = {r.code for r in find_sites(uow, actor=web.actors["alpha"], query=SiteQuery(bbox=box)).rows}
    assert 2 < len(expected) < 12
    text = ",".join(repr(v) for v in box)
    found, pages = follow(client, f"/ogc/collections/sites/items?limit=2&bbox={text}", headers)
    assert {f["properties"]["code"] for f in found} == expected and len(found) == len(expected)
    assert {p["numberMatched"] for p in pages} == {len(expected)}
    assert all(f"bbox={text}" in link["href"] for p in pages for link in p["links"] if link["rel"] == "next")
    for f in found:
        lon, lat = f["geometry"]["coordinates"]
        assert west <= lon and lat <= north
    empty = client.get("/ogc/collections/sites/items?bbox=-10,-10,-9,-9", headers=headers).json()
    assert empty["features"] == [] and empty["numberMatched"] == 0

    visits, _ = follow(client, f"/ogc/collections/visits/items?limit=10&bbox={text}", headers)
    assert {f["properties"]["site_code"] for f in visits} == expected


def test_bbox_of_polygon_sites_is_exact(web, box_paging):
    """A polygon site is found when its polygon touches the box, not merely its bounding box."""
    import shapely
    import sqlalchemy as sa

    from minewatch.sites.model import site_geometry_columns
    from minewatch.sites.orm import Site

    triangle = shapely.Polygon([(10.0, 10.0), (12.0, 10.0), (10.0, 12.0)])  # the corner (12, 12) is empty
    square = shapely.box(12.5, 12.5, 12.8, 12.8)
    ids = {}
    with web.app.uow() as uow:
        for code, geometry, (lat, lon) in (("alpha-triangle", triangle, (10.5, 10.5)),
                                           ("alpha-square", square, (12.6, 12.6)),
                                           ("alpha-point", None, (12.9, 12.9))):
            ids[code] = uow.session.execute(sa.insert(Site).values(
                org_id=web.actors["alpha"].org_id, code=code, name=code, latitude=lat, longitude=lon,
                **site_geometry_columns(geometry, lat, lon)).returning(Site.id)).scalar_one()
        uow.commit()
    client = web.client()
    headers = bearer(web.token("alpha"))

    def codes(bbox: str) -> set[str]:
        page = client.get(f"/ogc/collections/sites/items?bbox={bbox}", headers=headers).json()
        assert page["numberMatched"] == len(page["features"])
        return {f["properties"]["code"] for f in page["features"]}

    # Inside the triangle's box, outside the triangle; the square and the point are inside.
    assert codes("11.5,11.5,13,13") == {"alpha-square", "alpha-point"}
    assert codes("11.5,11.5,12.6,12.6") == {"alpha-square"}  # a corner of the square
    assert codes("10.9,10.9,12,12") == {"alpha-triangle"}  # touches the hypotenuse
    assert codes("9,9,13,13") == {"alpha-triangle", "alpha-square", "alpha-point"}  # holds them whole
    one = client.get(f"/ogc/collections/sites/items/{ids['alpha-triangle']}", headers=headers).json()
    assert one["geometry"]["type"] == "Polygon" and len(one["geometry"]["coordinates"][0]) == 4


def test_datetime_filters_visits_by_day_and_interval(web):
    client = web.client()
    headers = bearer(web.token("alpha"))
    visits = visits_of(web, "alpha")
    days = sorted({d for _, d in visits})
    day, low, high = days[len(days) // 2], days[3], days[-4]

    def ids(value: str) -> set[int]:
        features, _ = follow(client, f"/ogc/collections/visits/items?limit=10&datetime={value}", headers)
        return {f["id"] for f in features}

    assert ids(day.isoformat()) == {v for v, d in visits if d == day}
    assert ids(f"{day}T23:59:59Z") == {v for v, d in visits if d == day}
    assert ids(f"{day}T") == {v for v, d in visits if d == day}  # GDAL writes a date so
    assert ids(f"{low}/{high}") == {v for v, d in visits if low <= d <= high}
    assert ids(f"{low}T12:00:00Z/{high}T00:00:00Z") == {v for v, d in visits if low <= d <= high}
    assert ids(f"../{low}") == {v for v, d in visits if d <= low}
    assert ids(f"{high}/..") == {v for v, d in visits if d >= high}
    assert ids(f"/{low}") == {v for v, d in visits if d <= low}
    assert ids("../..") == {v for v, _ in visits}
    assert ids("1990-01-01/1990-12-31") == set()
    for bad in ("yesterday", "2020-13-01", f"{high}/{low}", "2020-01-01/2020-02-30", "0001-01-01T00:00:00+01:00"):
        assert_ogc_error(client.get("/ogc/collections/visits/items", params={"datetime": bad}, headers=headers),
                         400, "datetime")
    assert_ogc_error(client.get("/ogc/collections/sites/items?datetime=2020-01-01", headers=headers),
                     400, "datetime")


def test_invalid_parameters_are_400_with_the_ogc_exception(web):
    client = web.client()
    headers = bearer(web.token("alpha"))
    url = "/ogc/collections/sites/items"
    for params, word in (({"limit": "0"}, "limit"), ({"limit": "10001"}, "limit"), ({"limit": "ten"}, "limit"),
                         ({"limit": "-5"}, "limit"), ({"offset": "-1"}, "offset"), ({"offset": "1.5"}, "offset"),
                         ({"bbox": "1,2,3"}, "bbox"), ({"bbox": "1,2,3,4,5,6"}, "3D"),
                         ({"bbox": "a,b,c,d"}, "bbox"), ({"bbox": "28,-1,27,1"}, "antimeridian"),
                         ({"bbox": "27,1,28,-1"}, "minLat"), ({"bbox": "27,-95,28,1"}, "latitudes"),
                         ({"bbox": "27,-1,28,1", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/3857"},
                          "bbox-crs"),
                         ({"f": "html"}, "JSON only")):
        r = client.get(url, params=params, headers=headers)
        assert_ogc_error(r, 400, word)
        assert r.json()["code"] == "invalid_parameter"
    both = client.get(url, params={"limit": "0", "offset": "x"}, headers=headers)
    assert_ogc_error(both, 400, "limit", "offset")  # every problem at once
    assert client.get(url, params={"limit": "10000", "f": "json"}, headers=headers).status_code == 200
    assert_ogc_error(client.get("/ogc/collections/sites/items/abc", headers=headers), 404)
    assert_ogc_error(client.get("/ogc/collections/sites/items/0", headers=headers), 404)
    assert_ogc_error(client.get(f"/ogc/collections/sites/items/{2**31}", headers=headers), 404)  # not an INTEGER
    assert_ogc_error(client.get(url, headers=bearer("mwt_not-a-token")), 401)


# --- Who sees what ----------------------------------------------------------------------------------


def test_anonymous_readers_see_public_fields_of_publishing_organisations_only(web):
    import sqlalchemy as sa

    from minewatch.accounts.model import Actor
    from minewatch.audit.orm import AuditEvent
    from minewatch.errors import PermissionDenied
    from minewatch.sites.publication import publish_sites

    client = web.client()
    nothing = client.get("/ogc/collections/sites/items").json()
    assert nothing["features"] == [] and nothing["numberMatched"] == 0

    result = publish(web, "beta")
    assert result.published and result.changed and result.sites == 12
    assert not publish(web, "beta").changed  # already published: nothing to audit
    features, _ = follow(client, "/ogc/collections/sites/items?limit=5")
    beta, alpha = site_ids(web, "beta"), site_ids(web, "alpha")
    assert sorted(f["id"] for f in features) == sorted(beta.values())
    assert all(set(f["properties"]) == PUBLIC_FIELDS for f in features)
    one = client.get(f"/ogc/collections/sites/items/{beta['beta00001']}")
    assert one.status_code == 200 and set(one.json()["properties"]) == PUBLIC_FIELDS
    assert_ogc_error(client.get(f"/ogc/collections/sites/items/{alpha['alpha00001']}"), 404)
    assert_ogc_error(client.get("/ogc/collections/visits/items"), 404)
    # A member of alpha still sees alpha's own sites (all fields), never beta's published ones.
    member, _ = follow(client, "/ogc/collections/sites/items?limit=50", bearer(web.token("alpha", "viewer")))
    assert sorted(f["id"] for f in member) == sorted(alpha.values())
    assert "latest_visit_date" in member[0]["properties"]

    viewer = Actor(None, web.email("beta", "viewer"), web.actors["beta"].org_id, "beta", "viewer")
    with web.app.uow() as uow, pytest.raises(PermissionDenied):
        publish_sites(uow, actor=viewer, publish=False)
    assert not publish(web, "beta", False).published
    assert client.get("/ogc/collections/sites/items").json()["numberMatched"] == 0
    with web.app.uow() as uow:
        actions = uow.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.org_id == web.actors["beta"].org_id, AuditEvent.entity_type == "organisation",
            AuditEvent.action.in_(("published", "unpublished")))
            .order_by(AuditEvent.seq)).all()
    assert actions == ["published", "unpublished"]


def test_feature_ids_of_another_organisation_are_not_found(web):
    client = web.client()
    alpha_site, beta_site = site_ids(web, "alpha")["alpha00001"], site_ids(web, "beta")["beta00001"]
    alpha_visit, beta_visit = visits_of(web, "alpha")[0][0], visits_of(web, "beta")[0][0]
    alpha = bearer(web.token("alpha", "viewer"))
    ok = client.get(f"/ogc/collections/sites/items/{alpha_site}", headers=alpha)
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("application/geo+json")
    assert ok.json()["properties"]["code"] == "alpha00001" and ok.json()["id"] == alpha_site
    assert {link["rel"] for link in ok.json()["links"]} == {"self", "collection"}
    assert client.get(f"/ogc/collections/visits/items/{alpha_visit}", headers=alpha).status_code == 200
    assert_ogc_error(client.get(f"/ogc/collections/sites/items/{beta_site}", headers=alpha), 404)
    assert_ogc_error(client.get(f"/ogc/collections/visits/items/{beta_visit}", headers=alpha), 404)
    publish(web, "beta")  # published sites are public, but still not a member's of another organisation
    assert_ogc_error(client.get(f"/ogc/collections/sites/items/{beta_site}", headers=alpha), 404)
    beta = bearer(web.token("beta"))
    assert_ogc_error(client.get(f"/ogc/collections/sites/items/{alpha_site}", headers=beta), 404)
    assert_ogc_error(client.get(f"/ogc/collections/visits/items/{alpha_visit}", headers=beta), 404)
    assert_ogc_error(client.get(f"/ogc/collections/sites/items/{beta_visit + 10_000}", headers=beta), 404)


def test_no_children_or_people_fields_anywhere(web):
    import sqlalchemy as sa

    from minewatch.sites.orm import SiteIndicator

    with web.app.uow() as uow:  # there is something to leak
        assert uow.session.scalar(sa.select(sa.func.count()).where(SiteIndicator.children_seen.is_(True))) > 0
    publish(web, "alpha")
    client = web.client()
    seen: set[str] = set()
    readers = [None] + [bearer(web.token("alpha", role)) for role in ("admin", "child_protection_officer")]
    for headers in readers:
        for collection in ("sites", "visits"):
            r = client.get(f"/ogc/collections/{collection}/items?limit=10000", headers=headers)
            if headers is None and collection == "visits":
                assert r.status_code == 404
                continue
            for feature in r.json()["features"]:
                seen.update(feature["properties"])
                one = client.get(f"/ogc/collections/{collection}/items/{feature['id']}", headers=headers).json()
                seen.update(one["properties"])
                assert set(feature) <= {"type", "id", "geometry", "properties", "links"}
    assert "code" in seen and "workers_count" in seen
    assert [name for name in seen if any(part in name.lower() for part in SENSITIVE)] == []
    schemas = client.get("/ogc/api").json()["components"]["schemas"]
    for name in ("sitesFeature", "visitsFeature"):
        props = schemas[name]["properties"]["properties"]["properties"]
        assert [p for p in props if any(part in p.lower() for part in SENSITIVE)] == []


def test_publish_sites_cli(web):
    from tests.conftest import make_cli

    run = make_cli(web.app.settings.home, web.app.settings.sqlalchemy_url)
    out = run("--org", "alpha", "publish", "sites").output
    assert "sites of 'alpha' are published: 12 site(s)" in out and "code, name, country" in out
    assert web.client().get("/ogc/collections/sites/items").json()["numberMatched"] == 12
    assert "(unchanged)" in run("--org", "alpha", "publish", "sites").output
    denied = run("--org", "alpha", "--as", web.email("alpha", "coordinator"), "publish", "sites", "--stop", ok=False)
    assert denied.exit_code == 4 and "admins only" in denied.output
    assert "are not published" in run("--org", "alpha", "publish", "sites", "--stop").output
    assert web.client().get("/ogc/collections/sites/items").json()["numberMatched"] == 0

    # grievance statistics are a choice of their own (issue 7): publishing sites did not publish them
    assert web.client().get("/public/alpha/grievances").status_code == 404
    out = run("--org", "alpha", "publish", "grievances").output
    assert "grievance statistics of 'alpha' are published: /public/alpha/grievances" in out
    assert web.client().get("/public/alpha/grievances").status_code == 200
    assert "(unchanged)" in run("--org", "alpha", "publish", "grievances").output
    assert "are not published" in run("--org", "alpha", "publish", "grievances", "--stop").output
    assert web.client().get("/public/alpha/grievances").status_code == 404


# --- A real client: GDAL's ogrinfo over HTTP ---------------------------------------------------------


def require_gdal() -> None:
    require_tool("gdal", shutil.which("ogrinfo") is not None, "GDAL's ogrinfo is not installed (apt install gdal-bin)")


def ogrinfo(*args: str, token: str | None = None) -> str:
    """Run GDAL's ogrinfo (plain http on loopback, one minute at most); its standard output."""
    config = ["--config", "CPL_DEBUG", "OFF", "--config", "GDAL_HTTP_TIMEOUT", "30"]
    if token:
        config += ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"]
    done = subprocess.run(["ogrinfo", *config, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "ERROR" not in done.stderr, done.stderr
    return done.stdout


def feature_count(text: str) -> int:
    return int(re.search(r"^Feature Count: (\d+)$", text, re.M).group(1))


def cli_sites(web, org: str, *args: str) -> list[dict]:
    from tests.conftest import make_cli

    run = make_cli(web.app.settings.home, web.app.settings.sqlalchemy_url)
    return json.loads(run("--org", org, "sites", "list", "--json", *args).output)


@pytest.mark.gdal
def test_ogrinfo_counts_pages_and_filters_like_the_registry(web, live):
    require_gdal()
    token = web.token("alpha", "viewer")
    source = f"OAPIF:{live.url}/ogc"
    layers = ogrinfo("-ro", source, token=token)
    assert re.search(r"^1: sites\b", layers, re.M) and re.search(r"^2: visits\b", layers, re.M)

    listed = cli_sites(web, "alpha")
    summary = ogrinfo("-ro", "-so", source, "sites", token=token)
    assert feature_count(summary) == len(listed) == 12
    assert "Geometry: Point" in summary

    # Five features a page: ogrinfo must follow the next links to read all twelve.
    every = ogrinfo("-ro", "-al", "-q", "-oo", "PAGE_SIZE=5", source, "sites", token=token)
    fids = [int(n) for n in re.findall(r"^OGRFeature\(sites\):(\d+)$", every, re.M)]
    assert sorted(fids) == sorted(row["id"] for row in listed)
    assert sorted(re.findall(r"^  code \(String\) = (\S+)$", every, re.M)) == sorted(r["code"] for r in listed)

    lons = sorted(r["longitude"] for r in listed)
    lats = sorted(r["latitude"] for r in listed)
    # A box through the sites, its edges halfway between two sites (GDAL rewrites the numbers it sends).
    box = ((lons[1] + lons[2]) / 2, (lats[1] + lats[2]) / 2, (lons[-3] + lons[-2]) / 2, (lats[-4] + lats[-3]) / 2)
    in_box = cli_sites(web, "alpha", "--bbox", ",".join(map(str, box)))
    assert 0 < len(in_box) < 12
    spatial = ogrinfo("-ro", "-al", "-q", "-oo", "PAGE_SIZE=2", "-spat", *map(str, box), source, "sites",
                      token=token)
    codes = re.findall(r"^  code \(String\) = (\S+)$", spatial, re.M)
    assert sorted(codes) == sorted(r["code"] for r in in_box)
    assert feature_count(ogrinfo("-ro", "-so", "-spat", *map(str, box), source, "sites", token=token)) == len(in_box)

    # A date condition reaches the server as datetime=START/.. (GDAL writes the date as "2020-01-01T").
    days = sorted(d for _, d in visits_of(web, "alpha"))
    since = days[len(days) // 2]
    recent = ogrinfo("-ro", "-al", "-q", source, "visits", "-where", f"visit_date >= '{since}'", token=token)
    assert len(re.findall(r"^OGRFeature\(visits\):\d+$", recent, re.M)) == len([d for d in days if d >= since])


@pytest.mark.gdal
def test_ogrinfo_anonymous_sees_only_published_public_fields(web, live):
    require_gdal()
    source = f"OAPIF:{live.url}/ogc"
    publish(web, "beta")
    layers = ogrinfo("-ro", source)
    assert re.search(r"^1: sites\b", layers, re.M) and "visits" not in layers
    summary = ogrinfo("-ro", "-so", source, "sites")
    assert feature_count(summary) == len(cli_sites(web, "beta")) == 12
    fields = set(re.findall(r"^(\w+): (?:String|StringList|Integer|Integer64|Real|Date)\b", summary, re.M))
    assert fields == PUBLIC_FIELDS
    codes = re.findall(r"^  code \(String\) = (\S+)$", ogrinfo("-ro", "-al", "-q", source, "sites"), re.M)
    assert sorted(codes) == sorted(site_ids(web, "beta"))


def test_the_api_definition_holds_under_fuzzing(web):
    """Schemathesis generates requests from /ogc/api: no 5xx, every response matches its schema,
    invalid parameters are refused. (Not checked: that every schema-valid request succeeds, since
    OGC's own parameter schemas cannot say that a bbox's minimum is below its maximum.)"""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    from minewatch.web.app import create_app

    schema = schemathesis.openapi.from_asgi("/ogc/api", create_app(web.app))
    headers = bearer(web.token("alpha", "viewer"))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {"GET /collections/sites/items", "GET /collections/sites/items/{featureId}",
            "GET /collections/visits/items", "GET /collections/{collectionId}"} <= {op.label for op in operations}
    for operation in operations:
        @settings(max_examples=15, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=headers)
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

        check()
