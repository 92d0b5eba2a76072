"""The REST API (/api/v1) over real HTTP (TestClient), on SQLite and PostgreSQL: every resource's
list, get, create and update; the importers' rules and error shape; natural keys; audit events;
cursor paging; organisation scoping; need-to-know on people; bearer tokens and cookie + CSRF."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.web.conftest import csrf_of, login

PHONE = "+243812345678"
PHONE_DIGITS = "812345678"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """A client with one role's bearer token; remembers every response body it saw."""

    def __init__(self, web, org: str = "alpha", role: str = "coordinator", client=None):
        self.client = client or web.client()
        self.headers = bearer(web.token(org, role))
        self.bodies: list[str] = []

    def __call__(self, method: str, path: str, expect: int | None = None, **kwargs):
        r = self.client.request(method, f"/api/v1{path}", headers=self.headers, **kwargs)
        self.bodies.append(r.text)
        if expect is not None:
            assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r

    def get(self, path, expect=200, **kw):
        return self("GET", path, expect, **kw)

    def post(self, path, json, expect=201):
        return self("POST", path, expect, json=json)

    def patch(self, path, json, expect=200):
        return self("PATCH", path, expect, json=json)

    def all(self, path: str) -> list[dict]:
        """Every item of a list, following next_cursor."""
        items, sep = [], "&" if "?" in path else "?"
        r = self.get(f"{path}{sep}limit=500").json()
        items += r["items"]
        while r["next_cursor"]:
            r = self.get(f"{path}{sep}limit=500&cursor={r['next_cursor']}").json()
            items += r["items"]
        return items


def audit_count(web, entity_type: str | None = None, action: str | None = None) -> int:
    from minewatch.audit.orm import AuditEvent

    stmt = sa.select(sa.func.count()).select_from(AuditEvent)
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    with web.app.uow() as uow:
        return uow.session.scalar(stmt)


def details(r) -> dict[str, dict]:
    """The 422's problems by field."""
    body = r.json()["error"]
    assert body["code"] == "invalid_input" and body["message"]
    return {d["field"]: d for d in body["details"]}


def alpha_site(api, n: int = 1) -> dict:
    return next(s for s in api.all("/sites") if s["code"] == f"alpha{n:05d}")


# --- Sites ----------------------------------------------------------------------------------------


def test_site_create_get_update_list_with_audit(web):
    api = Api(web)
    created_before = audit_count(web, "sites", "created")
    r = api.post("/sites", {"code": "API-1", "name": "Mine du test", "latitude": "-3.25", "longitude": 28.5,
                            "country": "CD", "minerals": ["Or", "coltan"], "lifecycle_status": "active",
                            "location_accuracy_m": 12, "registered_on": "2024-03-31"})
    site = r.json()
    assert r.headers["location"] == f"/api/v1/sites/{site['id']}"
    assert (site["code"], site["latitude"], site["longitude"]) == ("API-1", -3.25, 28.5)
    assert site["minerals"] == ["gold", "coltan"] and site["lifecycle_status"] == "active"
    assert site["registered_on"] == "2024-03-31" and site["geometry"] == {"type": "Point", "coordinates": [28.5, -3.25]}
    assert audit_count(web, "sites", "created") == created_before + 1
    assert api.get(f"/sites/{site['id']}").json() == site

    updated_before = audit_count(web, "sites", "updated")
    changed = api.patch(f"/sites/{site['id']}", {"name": "Mine renommée", "lifecycle_status": None}).json()
    assert changed["name"] == "Mine renommée" and changed["lifecycle_status"] is None
    assert changed["minerals"] == ["gold", "coltan"] and changed["code"] == "API-1"  # the rest as stored
    assert audit_count(web, "sites", "updated") == updated_before + 1
    api.patch(f"/sites/{site['id']}", {"name": "Mine renommée"})  # nothing changes: nothing audited
    assert audit_count(web, "sites", "updated") == updated_before + 1

    # A polygon site, then moved to a point: the new point replaces the shape.
    square = {"type": "Polygon", "coordinates": [[[29, -2], [29.1, -2], [29.1, -1.9], [29, -1.9], [29, -2]]]}
    poly = api.post("/sites", {"code": "API-2", "geometry": square, "country": "CD"}).json()
    assert poly["geometry_type"] == "Polygon" and -2 < poly["latitude"] < -1.9
    assert api.patch(f"/sites/{poly['id']}", {"name": "still a polygon"}).json()["geometry_type"] == "Polygon"
    moved = api.patch(f"/sites/{poly['id']}", {"latitude": -1.5, "longitude": 29.5}).json()
    assert moved["geometry"] == {"type": "Point", "coordinates": [29.5, -1.5]}

    found = api.get("/sites?q=renomm").json()["items"]
    assert [s["id"] for s in found] == [site["id"]]
    assert api("POST", "/sites", json={"code": "API-1", "latitude": 1, "longitude": 2}).status_code == 409
    assert api("DELETE", f"/sites/{site['id']}").status_code == 405  # audited records are never deleted


def test_values_are_checked_by_the_importers_rules(web):
    api = Api(web)
    r = api.post("/sites", {"code": "BAD-1", "latitude": "north", "longitude": 28.1, "country": "Atlantis",
                            "location_accuracy_m": -5}, expect=422)
    problems = details(r)
    assert problems["latitude"]["value"] == "north" and problems["latitude"]["code"] == "not_a_coordinate"
    assert problems["country"]["value"] == "Atlantis"
    assert problems["location_accuracy_m"]["code"] == "below_minimum"
    assert "latitude" in r.json()["error"]["message"]
    assert api.get("/sites?q=BAD-1").json()["items"] == []  # nothing stored

    r = api.post("/sites", {"code": "BAD-2", "name": "x\x00y", "latitude": 1, "longitude": 2}, expect=422)
    assert details(r)["name"]["code"] == "invalid_character"
    r = api.post("/sites", {"code": "BAD-3", "latitude": 1, "longitude": 2, "cooperative": "nope"}, expect=422)
    assert details(r)["cooperative"] == {"field": "cooperative", "value": "nope", "code": "unknown_cooperative",
                                         "message": details(r)["cooperative"]["message"]}
    r = api.post("/sites", {"code": "BAD-7", "latitude": 1, "longitude": 2, "mining_method": "m" * 121}, expect=422)
    assert details(r)["mining_method"]["code"] == "text_too_long"  # 'other' keeps the text: it must fit
    r = api.post("/visits", {"site_code": alpha_site(api)["code"], "visit_date": "2024-01-02", "team": "t" * 150},
                 expect=422)
    assert details(r)["source_visit_id"]["code"] == "text_too_long"  # the id made of site, date and team
    r = api.post("/sites", {"code": "BAD-4", "latitude": 1, "longitude": 2, "colour": "red"}, expect=422)
    assert "colour" in r.text  # unknown fields are refused, not ignored
    r = api.post("/sites", {"code": "BAD-5", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}},
                 expect=422)
    assert details(r)["geometry"]["code"] == "geometry_unreadable"
    r = api.post("/sites", {"code": "BAD-6", "geometry": {"type": "Point", "coordinates": []}}, expect=422)
    assert details(r)["geometry"]["code"] == "geometry_empty"

    site = alpha_site(api)
    r = api.patch(f"/sites/{site['id']}", {"code": "renamed"}, expect=422)
    assert details(r)["code"]["code"] == "natural_key_immutable" and details(r)["code"]["value"] == "renamed"
    r = api.patch(f"/sites/{site['id']}", {"latitude": 123}, expect=422)
    assert details(r)["latitude"]["value"] == "123"
    assert api.get(f"/sites/{site['id']}").json() == site  # unchanged


# --- Cooperatives, people, memberships, assignments --------------------------------------------


def test_cooperatives_people_memberships_assignments(web):
    api = Api(web)
    coop = api.post("/cooperatives", {"external_id": "COOP-1", "name": "Coopérative Umoja", "country": "CD"}).json()
    assert api.get(f"/cooperatives/{coop['id']}").json()["name"] == "Coopérative Umoja"
    assert api.patch(f"/cooperatives/{coop['id']}", {"contact": "bureau de Walikale"}).json()["contact"] \
        == "bureau de Walikale"
    assert [c["id"] for c in api.get("/cooperatives?q=umoja&country=cd").json()["items"]] == [coop["id"]]

    person = api.post("/people", {"external_id": "P-1", "full_name": "Amani Bahati", "sex": "F",
                                  "birth_year": 1990, "phone": PHONE, "consent_data": True}).json()
    assert person["sex"] == "female" and person["has_phone"] is True and person["names_visible"] is True
    site = alpha_site(api)

    m = api.post("/memberships", {"person": "P-1", "cooperative": "COOP-1", "role": "trésorier",
                                  "valid_from": "2023-01-01"}).json()
    assert (m["person_id"], m["cooperative_id"], m["role"]) == (person["id"], coop["id"], "treasurer")
    assert api.get(f"/memberships/{m['id']}").json() == m
    ended = api.patch(f"/memberships/{m['id']}", {"valid_to": "2024-06-30"}).json()
    assert ended["valid_to"] == "2024-06-30" and ended["role"] == "treasurer"
    r = api.patch(f"/memberships/{m['id']}", {"role": "president"}, expect=422)
    assert details(r)["role"]["code"] == "natural_key_immutable"
    r = api.patch(f"/memberships/{m['id']}", {"valid_to": "2020-01-01"}, expect=422)
    assert details(r)["valid_to"]["code"] == "period_reversed"
    assert [x["id"] for x in api.get(f"/memberships?person_id={person['id']}").json()["items"]] == [m["id"]]
    assert api.get(f"/memberships?cooperative_id={coop['id']}&person_id=999999").json()["items"] == []

    a = api.post("/assignments", {"person": "P-1", "site": site["code"], "task": "lavage",
                                  "hours_per_week": "30"}).json()
    assert (a["site_id"], a["task"], a["hours_per_week"]) == (site["id"], "washing", 30.0)
    assert api.get(f"/assignments/{a['id']}").json() == a
    assert api.patch(f"/assignments/{a['id']}", {"hours_per_week": 20.5}).json()["hours_per_week"] == 20.5
    r = api.patch(f"/assignments/{a['id']}", {"hours_per_week": 200}, expect=422)
    assert details(r)["hours_per_week"]["code"] == "above_maximum"
    assert [x["id"] for x in api.get(f"/assignments?site_id={site['id']}").json()["items"]] == [a["id"]]
    r = api.post("/assignments", {"person": "P-404", "site": site["code"]}, expect=422)
    assert details(r)["person"]["code"] == "unknown_person"

    renamed = api.patch(f"/people/{person['id']}", {"full_name": "Amani B. Bahati", "phone": None}).json()
    assert renamed["full_name"] == "Amani B. Bahati" and renamed["has_phone"] is False
    assert renamed["birth_year"] == 1990 and renamed["consent_data"] is True
    r = api.patch(f"/people/{person['id']}", {"external_id": "P-2"}, expect=422)
    assert details(r)["external_id"]["code"] == "natural_key_immutable"
    assert audit_count(web, "people") == 2 and audit_count(web, "memberships") == 2
    assert audit_count(web, "assignments") == 2 and audit_count(web, "cooperatives") == 2


def test_people_names_are_need_to_know_and_phones_never_leave(web):
    coordinator = Api(web)
    person = coordinator.post("/people", {"external_id": "P-7", "full_name": "Furaha Mwamba", "phone": PHONE,
                                          "id_document_number": "CD-ID-7788990", "date_of_birth": "1985-04-02",
                                          "consent_data": "oui", "consent_alerts": "yes"}).json()
    assert person["full_name"] == "Furaha Mwamba" and person["date_of_birth"] == "1985-04-02"
    assert person["has_phone"] and person["has_id_document"]
    assert [p["id"] for p in coordinator.get("/people?q=furaha").json()["items"]] == [person["id"]]
    coordinator.patch(f"/people/{person['id']}", {"preferred_language": "SW"})
    r = coordinator.patch(f"/people/{person['id']}", {"phone": "+24381234567890123"}, expect=422)
    assert details(r)["phone"]["value"] == "+2438***********23"  # a bad phone is not echoed in clear

    for role in ("viewer", "auditor"):
        reader = Api(web, role=role)
        seen = reader.get(f"/people/{person['id']}").json()
        assert seen["names_visible"] is False and seen["full_name"] is None and seen["date_of_birth"] is None
        assert seen["external_id"] == "P-7" and seen["birth_year"] == 1985 and seen["has_phone"] is True
        assert reader.get("/people?q=furaha").json()["items"] == []  # no finding people by a name one may not see
        assert [p["id"] for p in reader.get("/people?q=P-7").json()["items"]] == [person["id"]]
        reader("PATCH", f"/people/{person['id']}", 403, json={"full_name": "x"})
        reader.bodies.extend(coordinator.bodies)
        for body in reader.bodies:
            assert PHONE_DIGITS not in body and "7788990" not in body


def test_visits_keep_the_site_indicators_current(web):
    api = Api(web)
    site = alpha_site(api, 3)
    before = site["latest_visit"]
    r = api.post("/visits", {"site_code": site["code"], "visit_date": "2030-05-01", "team": "API team",
                             "mercury_used": True, "workers_count": "120", "children_under15_present": "non",
                             "state_services": ["SAEMAPE", "Police des mines"]})
    visit = r.json()
    assert visit["source"] == "api" and visit["source_visit_id"] == f"{site['code']}/2030-05-01/API team"
    assert visit["state_services"] == ["SAEMAPE", "Police des mines"] and visit["workers_count"] == 120
    assert api.get(f"/visits/{visit['id']}").json() == visit
    latest = api.get(f"/sites/{site['id']}").json()["latest_visit"]
    assert latest["visit_id"] == visit["id"] and latest["mercury_used"] is True and latest["workers_count"] == 120
    assert latest["visit_count"] == (before["visit_count"] if before else 0) + 1
    assert site["id"] in {s["id"] for s in api.all("/sites?mercury_used=true")}
    assert site["id"] not in {s["id"] for s in api.all("/sites?mercury_used=false")}

    changed = api.patch(f"/visits/{visit['id']}", {"mercury_used": False}).json()
    assert changed["state_services"] == ["SAEMAPE", "Police des mines"]  # untouched fields as stored
    assert api.get(f"/sites/{site['id']}").json()["latest_visit"]["mercury_used"] is False
    assert site["id"] in {s["id"] for s in api.all("/sites?mercury_used=false")}

    # An imported visit keeps what the API does not edit (IPIS lists, armed actors, raw cells).
    imported = api.get(f"/visits?site_id={site['id']}&date_to=2029-12-31").json()["items"][0]
    again = api.patch(f"/visits/{imported['id']}", {"team": "renamed team"}).json()
    assert {k: v for k, v in again.items() if k not in ("team", "updated_at")} == \
        {k: v for k, v in imported.items() if k not in ("team", "updated_at")}
    r = api.patch(f"/visits/{visit['id']}", {"source_visit_id": "other"}, expect=422)
    assert details(r)["source_visit_id"]["code"] == "natural_key_immutable"
    r = api.get("/visits?date_from=2031-01-01&date_to=2030-01-01", expect=422)
    assert details(r)["date_to"]["code"] == "invalid_filter"
    on_date = api.get("/visits?date_from=2030-05-01&date_to=2030-05-01").json()["items"]
    assert [v["id"] for v in on_date] == [visit["id"]]

    # Moved to another site: both sites' indicators follow (the one it left falls back to its own).
    other = alpha_site(api, 4)
    api.patch(f"/visits/{visit['id']}", {"site_code": other["code"]})
    assert api.get(f"/sites/{other['id']}").json()["latest_visit"]["visit_id"] == visit["id"]
    left = api.get(f"/sites/{site['id']}").json()["latest_visit"]
    assert (left and left["visit_id"]) != visit["id"]
    assert (left["visit_count"] if left else 0) == (before["visit_count"] if before else 0)


def test_concessions_relate_the_sites_inside(web):
    api = Api(web)
    site = alpha_site(api, 2)
    lon, lat = site["longitude"], site["latitude"]
    around = {"type": "Polygon", "coordinates": [[[lon - .01, lat - .01], [lon + .01, lat - .01],
                                                  [lon + .01, lat + .01], [lon - .01, lat + .01],
                                                  [lon - .01, lat - .01]]]}
    zone = api.post("/concessions", {"external_id": "ZEA-1", "title_type": "ZEA", "holder": "État",
                                     "geometry": around, "date_granted": "2019-02-01"}).json()
    assert zone["is_artisanal_zone"] is True and zone["source"] == "api" and zone["geometry_type"] == "Polygon"
    assert api.get(f"/concessions/{zone['id']}").json() == zone
    assert api.get(f"/sites/{site['id']}").json()["title_relation"] == "inside_artisanal_zone"
    assert [c["id"] for c in api.get("/concessions?is_artisanal_zone=true").json()["items"]] == [zone["id"]]
    assert api.get("/concessions?title_type=PE").json()["items"] == []

    far = "POLYGON((10 10, 10.1 10, 10.1 10.1, 10 10.1, 10 10))"
    moved = api.patch(f"/concessions/{zone['id']}", {"geometry": far, "holder": "Province"}).json()
    assert moved["bbox"] == [10.0, 10.0, 10.1, 10.1] and moved["holder"] == "Province"
    assert api.get(f"/sites/{site['id']}").json()["title_relation"] == "outside"
    placed = api.post("/sites", {"code": "IN-ZONE", "latitude": 10.05, "longitude": 10.05}).json()
    assert placed["title_relation"] == "inside_artisanal_zone"  # a new site is related at once
    assert site["id"] in {s["id"] for s in api.all("/sites?title_relation=outside")}
    r = api.patch(f"/concessions/{zone['id']}", {"geometry": "POINT(1 1)"}, expect=422)
    assert details(r)["geometry"]["code"] == "not_a_polygon"


# --- Lists: paging and filters --------------------------------------------------------------------


def test_cursor_paging_covers_every_row_once(web):
    api = Api(web)
    seen, pages = [], 0
    r = api.get("/sites?limit=5")
    while True:
        pages += 1
        body = r.json()
        seen += [s["id"] for s in body["items"]]
        if body["next_cursor"] is None:
            assert "link" not in r.headers
            break
        link = r.headers["link"]
        assert link.endswith('>; rel="next"') and f"cursor={body['next_cursor']}" in link
        r = api.get(link[link.index("/api/v1") + len("/api/v1"):link.index(">")])
    everything = api.all("/sites")
    assert pages == 3 and len(seen) == len(set(seen)) == len(everything) == 12
    assert seen == sorted(seen) == [s["id"] for s in everything]

    cursor = api.get("/sites?limit=5").json()["next_cursor"]
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    for bad in (tampered, "not-a-cursor!", "e30"):
        r = api.get(f"/sites?cursor={bad}", expect=422)
        assert r.json()["error"]["details"][0]["field"] == "cursor"
    r = api.get(f"/visits?cursor={cursor}", expect=422)  # a cursor of another list
    assert "does not belong to the visits list" in r.json()["error"]["message"]
    api.get("/sites?limit=0", expect=422)
    api.get("/sites?limit=501", expect=422)


def test_site_filters(web):
    api = Api(web)
    sites = api.all("/sites")
    one = sites[0]
    box = f"{one['longitude'] - 0.001},{one['latitude'] - 0.001},{one['longitude'] + 0.001},{one['latitude'] + 0.001}"
    assert one["id"] in [s["id"] for s in api.get(f"/sites?bbox={box}").json()["items"]]
    assert all(abs(s["latitude"] - one["latitude"]) <= 0.001 for s in api.all(f"/sites?bbox={box}"))
    assert {s["id"] for s in api.all("/sites?country=cd")} == {s["id"] for s in sites if s["country"] == "CD"}
    gold = {s["id"] for s in sites if "gold" in s["minerals"]}
    assert gold and {s["id"] for s in api.all("/sites?mineral=or")} == gold
    r = api.get("/sites?bbox=1,2,3&mineral=kryptonite&country=XYZ", expect=422)
    assert set(details(r)) == {"bbox", "mineral", "country"}
    api.get("/sites?mercury_used=maybe", expect=422)


# --- Organisations, roles, authentication --------------------------------------------------------


def test_other_organisations_records_are_not_found(web):
    alpha, beta = Api(web, "alpha"), Api(web, "beta")
    beta.post("/cooperatives", {"external_id": "B-COOP", "name": "Beta coop"})
    beta.post("/people", {"external_id": "B-P", "full_name": "Beta person"})
    beta.post("/memberships", {"person": "B-P", "cooperative": "B-COOP"})
    beta_site = beta.all("/sites")[0]
    beta.post("/assignments", {"person": "B-P", "site": beta_site["code"], "task": "digging"})
    beta.post("/concessions", {"external_id": "B-T", "geometry": "POLYGON((1 1, 2 1, 2 2, 1 2, 1 1))"})
    for resource in ("sites", "visits", "cooperatives", "people", "memberships", "assignments", "concessions",
                     "import_batches"):
        theirs = beta.all(f"/{resource}")
        assert theirs, resource
        mine = {x["id"] for x in alpha.all(f"/{resource}")}
        for record in theirs[:3]:
            assert record["id"] not in mine
            r = alpha.get(f"/{resource}/{record['id']}", expect=404)
            assert r.json()["error"]["code"].endswith("not_found")
            if resource != "import_batches":
                alpha("PATCH", f"/{resource}/{record['id']}", 404, json={})
    assert alpha.get(f"/visits?site_id={beta_site['id']}").json()["items"] == []
    assert alpha.get(f"/assignments?site_id={beta_site['id']}").json()["items"] == []
    r = alpha("POST", "/visits", 422, json={"site_code": beta_site["code"], "visit_date": "2024-01-01"})
    assert details(r)["site_code"]["code"] == "unknown_site"


def test_roles_tokens_and_cookies_with_csrf(web):
    anonymous = web.client()
    r = anonymous.get("/api/v1/sites")
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert anonymous.get("/api/v1/sites", headers=bearer("mwt_not-a-token")).status_code == 401

    viewer = Api(web, role="viewer")
    assert viewer.get("/sites").json()["items"]
    r = viewer("POST", "/cooperatives", 403, json={"external_id": "V-1", "name": "no"})
    assert r.json()["error"]["code"] == "permission_denied"
    cpo = Api(web, role="child_protection_officer")  # reads names, may not write people
    cpo("POST", "/people", 403, json={"external_id": "C-1"})
    field_officer = Api(web, role="field_officer")
    field_officer.post("/people", {"external_id": "F-1", "full_name": "Field entry"})

    browser = web.client()
    login(browser, web.email("alpha", "coordinator"))
    assert browser.get("/api/v1/cooperatives").status_code == 200  # reads need no token
    r = browser.post("/api/v1/cooperatives", json={"external_id": "K-1", "name": "Cookie coop"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    token = csrf_of(browser.get("/account/tokens").text)
    r = browser.post("/api/v1/cooperatives", json={"external_id": "K-1", "name": "Cookie coop"},
                     headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    r = browser.patch(f"/api/v1/cooperatives/{r.json()['id']}", json={"name": "Cookie co-op"},
                      headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403


def test_import_batches_are_read_only(web):
    api = Api(web)
    batches = api.get("/import_batches").json()["items"]
    # The world imports an IPIS file and, since issue 6, a water results file (tests/web/conftest.py).
    assert sorted(b["kind"] for b in batches) == ["ipis", "water_results"]
    batches = [b for b in batches if b["kind"] == "ipis"]
    assert batches[0]["counts"]["rows_stored"] > 0
    assert api.get(f"/import_batches/{batches[0]['id']}").json() == batches[0]
    assert api.get("/import_batches?kind=people").json()["items"] == []
    assert api("POST", "/import_batches", json={}).status_code == 405
    assert api("PATCH", f"/import_batches/{batches[0]['id']}", json={}).status_code == 405


# --- The OpenAPI document -----------------------------------------------------------------------------


@pytest.fixture
def api_doc(tmp_path):
    from fastapi.testclient import TestClient

    from minewatch.bootstrap import bootstrap
    from minewatch.web.app import create_app
    from tests.conftest import make_settings

    app = bootstrap(make_settings(tmp_path / "home", f"sqlite:///{tmp_path / 'doc.sqlite3'}"))
    return TestClient(create_app(app)).get("/api/v1/openapi.json").json()


def test_openapi_documents_every_route_and_its_errors(api_doc):
    ops = {(method.upper(), path): op for path, item in api_doc["paths"].items() if path.startswith("/api/v1/")
           for method, op in item.items()}
    resources = ("sites", "visits", "cooperatives", "people", "memberships", "assignments", "concessions")
    expected = {("GET", f"/api/v1/{r}") for r in (*resources, "import_batches")}
    expected |= {("GET", f"/api/v1/{r}/{{record_id}}") for r in (*resources, "import_batches")}
    expected |= {("POST", f"/api/v1/{r}") for r in resources}
    expected |= {("PATCH", f"/api/v1/{r}/{{record_id}}") for r in resources}
    expected |= {("GET", "/api/v1/indicators/child-labour")}  # issue 5: read-only, suppressed counts
    expected |= {("GET", "/api/v1/findings/child-labour"), ("GET", "/api/v1/findings/pay")}  # issue 5: read-only
    assert set(ops) == expected
    error_ref = "#/components/schemas/ErrorOut"
    for (method, path), op in ops.items():
        wanted = {"401", "403", "422"} | ({"404"} if "{record_id}" in path else set()) \
            | ({"409"} if method in ("POST", "PATCH") else set())
        assert wanted <= set(op["responses"]), (method, path)
        for status in wanted:
            assert op["responses"][status]["content"]["application/json"]["schema"]["$ref"] == error_ref
    schemas = api_doc["components"]["schemas"]
    assert "SiteOut" in schemas and "SiteCreate" in schemas and "SiteUpdate" in schemas
    assert "phone" not in schemas["PersonOut"]["properties"] and "has_phone" in schemas["PersonOut"]["properties"]
    assert "phone" in schemas["PersonCreate"]["properties"]
    assert schemas["SiteCreate"]["required"] == ["code"]
