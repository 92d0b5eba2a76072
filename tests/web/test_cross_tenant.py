"""Cross-tenant probe over the app's whole route table, and the anonymous gate of every route.

The routes are ENUMERATED from ``create_app(...)`` (every API route, page and mount), so a route
added later is probed without anyone writing a test for it:

* As a user of ``alpha`` (in a role allowed by the route's ``require(...)``), every route with path
  parameters is called with the ids and codes of ``beta``'s records: GET, and for POST, PUT, PATCH
  and DELETE routes the write too (session + CSRF token for pages, a bearer token for /api and
  /ogc, a body the route accepts). The answer must be 404, never 403 or a success. Routes without
  path parameters (lists, dashboards, map data) must not show any of ``beta``'s codes, names or
  e-mail addresses, nor, in a JSON list, any of ``beta``'s ids of that resource.
* Anonymously, every route except the public ones (``PUBLIC``) is refused: 401 under /api, a
  redirect to the login form for pages. OGC routes may be read anonymously, but nobody publishes
  here, so they show no record of either organisation.

A path parameter is filled from :data:`PATH_PARAMS` (its name -> the records that may fill it); a
parameter name the table does not know FAILS the probe, telling the developer to add it, and so does
a write whose body the probe cannot make acceptable (add a sample to :data:`BODY_SAMPLES`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.web.conftest import CHILDREN, ROLES, csrf_of, login

# --- What fills a path parameter ---------------------------------------------------------------------
# Name of a path parameter -> attributes of OrgRecords that may fill it. Every candidate whose type
# fits the parameter is probed (e.g. a str ``site_id`` is probed with the site's id and its code).
PATH_PARAMS: dict[str, tuple[str, ...]] = {
    "site_id": ("site_id", "site_code"),
    "visit_id": ("visit_id",),
    "person_id": ("person_id", "person_ref"),
    "cooperative_id": ("cooperative_id", "cooperative_ref"),
    "membership_id": ("membership_id",),
    "assignment_id": ("assignment_id",),
    "concession_id": ("concession_id", "concession_ref"),
    "batch_id": ("batch_id",),
    "import_id": ("batch_id",),
    "user_id": ("user_id",),
    "token_id": ("token_id",),
    "upload_id": ("upload_id",),
    "case_id": ("case_id",),
    "point_code": ("point_code",),  # a water sampling point (issue 6)
    "case_number": ("case_number",),  # a grievance (issue 7, /reports/{case_number})
    "org_slug": ("slug",),  # the public grievance routes (issue 7): PUBLIC below
    "alert_id": ("alert_id",),  # an alert sent to a site's people (issues 7 and 8, /alerts/{alert_id})
    "plan_id": ("plan_id",),  # a tree plan (issue 10, /plans/{plan_id})
    "name": ("plan_file",),  # a file of a tree plan (issue 10, /plans/{plan_id}/files/{name}): with the plan's id
}
# Generic names (``/api/v1/people/{id}``, ``/sites/{code}``) take the record of the collection named by
# the path segment before them.
GENERIC_PARAMS = ("id", "record_id", "code", "ref", "external_id")
COLLECTIONS: dict[str, tuple[str, ...]] = {
    "sites": ("site_id", "site_code"),
    "visits": ("visit_id",),
    "people": ("person_id", "person_ref", "person_name"),
    "cooperatives": ("cooperative_id", "cooperative_ref"),
    "memberships": ("membership_id",),
    "assignments": ("assignment_id",),
    "concessions": ("concession_id", "concession_ref"),
    "titles": ("concession_id", "concession_ref"),
    "batches": ("batch_id",),
    "import_batches": ("batch_id",),
    "imports": ("upload_id", "batch_id"),
    "users": ("user_id",),
    "tokens": ("token_id",),
    "cases": ("case_id",),
}
# OGC: ``collection_id`` names a collection (not a record: the route is a list), ``feature_id`` a
# record of that collection. The collections probed are those /ogc/collections lists.
NAMESPACE_PARAMS = ("collection_id",)
FEATURES: dict[str, tuple[str, ...]] = {
    "sites": ("site_id",),
    "visits": ("visit_id",),
}

# --- Bodies of writes --------------------------------------------------------------------------------
# A field of a write's body is filled from here by name (a callable gives a new value each time, for
# natural keys), else, if required, from its type. The probe needs the route to get past validation to
# the record lookup: a 422 answer fails the probe (add a sample here).
_serial = iter(range(1, 10**6))


def _unique(prefix: str):
    return lambda: f"{prefix}{next(_serial):05d}"


BODY_SAMPLES: dict[str, object] = {
    "role": "viewer", "email": "probe@alpha.test", "language": "fr", "active": "on", "name": "Probe",
    "display_name": "Probe", "kind": "sites", "country": "CD", "latitude": -3.0, "longitude": 28.0,
    "code": _unique("probe"), "external_id": _unique("probe-"), "source_visit_id": _unique("probe-visit-"),
    "visit_date": "2024-01-01", "current": "probe-password", "new": "probe-password-2",
    "confirm": "probe-password-2",
    # Child labour case forms (a valid value, so that the case lookup, not the value, answers).
    "action": "school_enrolment", "followed_up_on": "2024-01-01", "in_child_labour": "no", "to_stage": "assessment",
    "reason": "probe reason",
    "to_email": "coordinator@alpha.test",  # grievance assignment (issue 7)
}
# Routes whose gate any role passes but whose records only one role may see (the service answers 404
# to the others): probed as that role, else the probe would only ever meet "not found".
PROBE_ROLES: dict[str, str] = {"/cases": "child_protection_officer"}
PROBE_FILE = ("probe.csv", b"code,latitude,longitude\nprobe00001,-3.0,28.0\n", "text/csv")
# Fields of a JSON body that name another record -> the attribute of OrgRecords that fills them.
REFERENCE_FIELDS: dict[str, str] = {
    "site": "site_code", "site_code": "site_code", "site_id": "site_id", "person": "person_ref",
    "person_id": "person_id", "cooperative": "cooperative_ref", "cooperative_id": "cooperative_id",
    "concession": "concession_ref", "concession_id": "concession_id", "visit_id": "visit_id",
}

# Reachable without logging in (OGC: anonymous reads of published data, checked apart below).
PUBLIC = ("/login", "/healthz", "/static", "/language", "/ogc", "/api/v1/openapi.json",
          # Providers' webhooks (issue 7): no login, each authenticated by a Twilio signature or a secret URL
          # token (web/pages/hooks.py); their refusals are tested in tests/web/test_hooks.py.
          "/hooks",
          # Issue 7 (web/pages/grievances.py): the anonymous intake form and status check by case number and
          # PIN (/report/{org_slug}...), and the transparency page of organisations that publish
          # (/public/{org_slug}/grievances...): tested in tests/web/test_grievance_pages.py and test_transparency.py.
          "/report", "/public")
WEBHOOKS = "/hooks/"
# Public pages of an organisation named by its slug (issue 7): anyone may open any organisation's form, so
# another organisation's slug answering is by design; they show no record (tests/web/test_grievance_pages.py).
PUBLIC_BY_ORGANISATION = ("/report/", "/public/")


# --- The two organisations' records ------------------------------------------------------------------
@dataclass
class OrgRecords:
    """One record of each kind of an organisation, and strings that identify its records."""

    slug: str
    site_id: int
    site_code: str
    visit_id: int
    person_id: int
    person_ref: str
    person_name: str
    cooperative_id: int
    cooperative_ref: str
    membership_id: int
    assignment_id: int
    concession_id: int
    concession_ref: str
    batch_id: int
    user_id: int
    token_id: int
    upload_id: str
    case_id: int
    point_code: str
    markers: tuple[str, ...]  # codes, names, e-mail addresses, token prefixes: none may leak
    ids: dict[str, set[int]] = field(default_factory=dict)  # collection -> every id of the organisation
    case_number: str = ""  # a grievance's case number (issue 7)
    alert_id: int = 0  # an alert (issue 8, /alerts/{alert_id})
    plan_id: int = 0  # a tree plan (issue 10, /plans/{plan_id})
    plan_file: str = "summary.json"  # a file every stored plan has (/plans/{plan_id}/files/{name})


PERSON_NAMES = {"alpha": "Amani Alphonsine", "beta": "Zawadi Betamwana"}


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def seed(web, tmp_path, slug: str) -> None:
    """Cooperatives, people, memberships, assignments and a title for ``slug`` (sites come from the
    ``web`` fixture); the references start with the organisation's slug."""
    from minewatch.registry.service import import_file

    actor = web.actors[slug]
    site = f"{slug}00001"
    polygon = {"type": "Polygon", "coordinates": [[[28, -3], [28.2, -3], [28.2, -2.8], [28, -2.8], [28, -3]]]}
    files = [
        ("cooperatives", "csv", f"external_id,name,country\n{slug}-coop-1,Coopérative {slug},CD\n"),
        ("people", "csv", f"external_id,full_name,sex\n{slug}-person-1,{PERSON_NAMES[slug]},F\n"),
        ("memberships", "csv", f"person,cooperative,role\n{slug}-person-1,{slug}-coop-1,\n"),
        ("assignments", "csv", f"person,site,task,hours_per_week\n{slug}-person-1,{site},,20\n"),
        ("concessions", "geojson", json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": f"{slug}-title-1", "type": "PE", "parties": f"Holder {slug}"},
             "geometry": polygon}]})),
    ]
    for kind, suffix, text in files:
        path = _write(tmp_path / f"{slug}-{kind}.{suffix}", text)
        with web.app.uow() as uow:
            report = import_file(uow, actor=actor, kind_name=kind, path=path, vault=web.app.vault)
        assert not report.errors and report.rows_stored == 1, (kind, report.problems)
    from minewatch.grievances.service import submit_report  # a grievance (issue 7)

    with web.app.uow() as uow:
        submit_report(uow, org_id=actor.org_id, channel="web", category="pollution", text=f"grievance of {slug}",
                      language="en", site_code=site)
    _save_validation_report(web, tmp_path, slug)
    from minewatch.alerts.service import send_alert  # an alert to the site's people (issues 7 and 8)

    with web.app.uow() as uow:
        send_alert(uow, actor=actor, site_codes=[site], template="other", params={"message": f"notice of {slug}"},
                   vault=web.app.vault)
    from tests.web.test_planning_pages import make_plan  # a tree plan of the site (issue 10)

    make_plan(web, slug, tmp_path)


def _save_validation_report(web, tmp_path, slug: str) -> None:
    """A saved susceptibility validation report (issue 8), so that /hazard/validation/roc.png has one to
    show; its numbers are sample values: the report's computation is tested in test_hazard_validate.py."""
    from minewatch.geomodels.susceptibility.tool import plot_roc
    from minewatch.hazards.service import save_validation

    fpr = [i / 10 for i in range(11)]
    models = ("susceptibility", "glm", "slope")
    report = {"folds": 5, "repetitions": 1, "seed": 0, "points": 20, "presences": 10,
              "models": {m: {"auc_mean": 0.7, "auc_sd": 0.05, "n_folds": 5} for m in models},
              "roc": {"fpr": fpr, **{m: fpr for m in models}}}
    out = tmp_path / f"{slug}-validation"
    out.mkdir()
    (out / "report.json").write_text(json.dumps(report), encoding="utf-8")
    plot_roc(report, out / "roc.png")
    save_validation(actor=web.actors[slug], files_dir=web.app.settings.files_dir, report_dir=out)


def upload_through_the_web(web, slug: str) -> str:
    """An upload of ``slug`` made through the import page, as its admin: its id."""
    client = web.client()
    login(client, web.email(slug))
    form = client.get("/imports/new")
    assert form.status_code == 200, form.status_code
    r = client.post("/imports", data={"kind": "sites", "csrf_token": csrf_of(form.text)},
                    files={"file": (f"{slug}-upload.csv", f"code,latitude,longitude\n{slug}-up-1,-3.0,28.0\n",
                                    "text/csv")})
    assert r.status_code == 303, (r.status_code, r.text[:500])
    return r.headers["location"].rstrip("/").rsplit("/", 1)[-1]


def records_of(web, slug: str) -> OrgRecords:
    from minewatch.accounts.orm import ApiToken, Organisation, User
    from minewatch.alerts.orm import Alert
    from minewatch.cases.orm import ChildCase
    from minewatch.cooperatives.orm import Cooperative
    from minewatch.grievances.orm import Grievance
    from minewatch.people.orm import Assignment, Membership, Person
    from minewatch.planning.orm import TreePlan
    from minewatch.registry.orm import ImportBatch
    from minewatch.sites.orm import Concession, Site, SiteVisit
    from minewatch.water.orm import SamplingPoint

    web.token(slug, "admin", name=f"{slug}-token")
    with web.app.engine.connect() as conn:
        org_id = conn.scalar(sa.select(Organisation.id).where(Organisation.slug == slug))

        def ids(model) -> set[int]:
            return set(conn.scalars(sa.select(model.id).where(model.org_id == org_id)))

        def first(*columns):
            return conn.execute(sa.select(*columns).where(columns[0].table.c.org_id == org_id)
                                .order_by(columns[0])).first()

        site = first(Site.id, Site.code)
        person = first(Person.id, Person.external_id)
        coop = first(Cooperative.id, Cooperative.external_id)
        title = first(Concession.id, Concession.external_id)
        user = first(User.id, User.email)
        token = first(ApiToken.id, ApiToken.prefix)
        all_ids = {"sites": ids(Site), "visits": ids(SiteVisit), "people": ids(Person), "cooperatives": ids(Cooperative),
                   "memberships": ids(Membership), "assignments": ids(Assignment), "concessions": ids(Concession),
                   "titles": ids(Concession), "batches": ids(ImportBatch), "import_batches": ids(ImportBatch),
                   "users": ids(User), "tokens": ids(ApiToken), "cases": ids(ChildCase)}
        codes = list(conn.scalars(sa.select(Site.code).where(Site.org_id == org_id)))
        emails = list(conn.scalars(sa.select(User.email).where(User.org_id == org_id)))
        prefixes = list(conn.scalars(sa.select(ApiToken.prefix).where(ApiToken.org_id == org_id)))
        points = list(conn.scalars(sa.select(SamplingPoint.code).where(SamplingPoint.org_id == org_id)
                                   .order_by(SamplingPoint.code)))
        case_number = conn.scalar(sa.select(sa.func.min(Grievance.case_number)).where(Grievance.org_id == org_id))
        alert_id = conn.scalar(sa.select(sa.func.min(Alert.id)).where(Alert.org_id == org_id))
        plan_id = conn.scalar(sa.select(sa.func.min(TreePlan.id)).where(TreePlan.org_id == org_id))
    assert alert_id is not None, f"{slug} has no alert"
    assert plan_id is not None, f"{slug} has no tree plan"
    assert all(all_ids.values()) and points, f"{slug} lacks a record of some kind: {all_ids}, points {points}"
    return OrgRecords(
        slug=slug, site_id=site.id, site_code=site.code, visit_id=min(all_ids["visits"]),
        person_id=person.id, person_ref=person.external_id, person_name=PERSON_NAMES[slug], cooperative_id=coop.id,
        cooperative_ref=coop.external_id, membership_id=min(all_ids["memberships"]),
        assignment_id=min(all_ids["assignments"]), concession_id=title.id, concession_ref=title.external_id,
        batch_id=min(all_ids["batches"]), user_id=user.id, token_id=token.id,
        upload_id=upload_through_the_web(web, slug), case_id=min(all_ids["cases"]), point_code=points[0],
        markers=(*codes, *emails, *prefixes, *points, person.external_id, PERSON_NAMES[slug], coop.external_id,
                 title.external_id, f"Holder {slug}", f"{slug}-upload.csv", f"{slug}-up-1", f"{slug}-token",
                 CHILDREN[slug]["name"], CHILDREN[slug]["guardian"], case_number),
        ids=all_ids, case_number=case_number, alert_id=alert_id, plan_id=plan_id,
    )


@pytest.fixture
def tenants(web, tmp_path):
    """(alpha's records, beta's records), each organisation with a record of every kind."""
    for slug in ("alpha", "beta"):
        seed(web, tmp_path, slug)
    return records_of(web, "alpha"), records_of(web, "beta")


# --- The route table ---------------------------------------------------------------------------------
@dataclass
class Endpoint:
    path: str  # path format with the prefixes: /api/v1/sites/{site_id}
    methods: tuple[str, ...]
    route: object  # the route (or FastAPI's route context), for its dependant
    kind: str  # "route" | "static"

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)(?::\w+)?}", self.path)

    @property
    def zone(self) -> str:
        for zone in ("api", "ogc"):
            if self.path == f"/{zone}" or self.path.startswith(f"/{zone}/"):
                return zone
        return "page"


def _contexts(routes):
    """The routes of a router, with included routers expanded (FastAPI >= 0.137 keeps them lazily:
    ``app.routes`` then holds one node per included router, not its routes)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI < 0.137.2: included routes are copied into app.routes
        return list(routes)
    return list(iter_route_contexts(routes))


def endpoints(api) -> list[Endpoint]:
    """Every endpoint of the app, mounts' sub-routes included; fails on a route it cannot probe."""
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    found: list[Endpoint] = []

    def walk(routes, prefix: str):
        for ctx in _contexts(routes):
            original = getattr(ctx, "original_route", ctx)
            if isinstance(original, Mount):
                path = prefix + (getattr(ctx, "path", None) or original.path)
                if isinstance(original.app, StaticFiles):
                    found.append(Endpoint(path, ("GET",), ctx, "static"))
                elif getattr(original, "routes", None):
                    walk(original.routes, path)
                else:
                    pytest.fail(f"mount {path} has no route table the probe can read: teach "
                                f"tests/web/test_cross_tenant.py how to probe it")
            elif isinstance(original, Route):  # APIRoute is a Route
                methods = tuple(sorted(set(ctx.methods or ()) - {"HEAD", "OPTIONS"}))
                found.append(Endpoint(prefix + ctx.path_format, methods, ctx, "route"))
            else:
                pytest.fail(f"route {original!r} is of a kind the probe does not know: teach "
                            f"tests/web/test_cross_tenant.py how to probe it")

    walk(api.routes, "")
    paths = {e.path for e in found}
    # The enumeration must see the routes of included routers (it would see nothing on a FastAPI
    # whose app.routes changed shape again, and a probe of nothing passes).
    assert {"/login", "/admin/users/{user_id}", "/account/tokens/{token_id}/revoke"} <= paths, sorted(paths)
    return found


def _dependencies(dependant):
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def required_permission(endpoint: Endpoint) -> str | None:
    """The permission of the route's ``require(...)`` gate (None: any logged-in user)."""
    dependant = getattr(endpoint.route, "dependant", None)
    if dependant is None:
        return None
    for sub in _dependencies(dependant):
        if hasattr(sub.call, "permission"):
            return sub.call.permission
    return None


def role_of(endpoint: Endpoint) -> str:
    """The role that probes ``endpoint``: PROBE_ROLES by path prefix, else one holding its gate's permission."""
    for prefix, role in PROBE_ROLES.items():
        if endpoint.path == prefix or endpoint.path.startswith(prefix + "/"):
            return role
    return role_for(required_permission(endpoint))


def role_for(permission: str | None) -> str:
    from minewatch.accounts.model import PERMISSIONS

    if permission is None or permission in PERMISSIONS["admin"]:
        return "admin"
    for role in ROLES:
        if permission in PERMISSIONS[role]:
            return role
    pytest.fail(f"no role holds the permission {permission!r}")


# --- Filling path parameters -------------------------------------------------------------------------
def _param_types(endpoint: Endpoint) -> dict[str, type]:
    types = {}
    dependant = getattr(endpoint.route, "dependant", None)
    if dependant is not None:
        for f in dependant.path_params:
            annotation = f.field_info.annotation
            types[f.alias or f.name] = int if annotation is int else str
    for name, convertor in (getattr(endpoint.route, "param_convertors", None) or {}).items():
        if type(convertor).__name__ == "IntegerConvertor":
            types[name] = int
    return types


def path_cases(endpoint: Endpoint, records: OrgRecords, collections: list[str]) -> list[tuple[dict, bool]]:
    """Every way to fill the endpoint's path parameters from ``records``: ``[(values, names_a_record)]``."""
    types = _param_types(endpoint)
    segments = endpoint.path.strip("/").split("/")
    cases: list[tuple[dict, bool]] = [({}, False)]
    for name in endpoint.params:
        before = next((s for s in reversed(segments[:segments.index(f"{{{name}}}")]) if "{" not in s), "")
        wanted = types.get(name, str)
        grown = []
        for values, is_record in cases:
            if name in NAMESPACE_PARAMS:
                options = [(c, False) for c in collections]
            else:
                attrs = _record_attributes(endpoint, name, before, values)
                options = [(getattr(records, a), True) for a in attrs]
            for value, names_record in options:
                if wanted is int and not isinstance(value, int):
                    continue
                grown.append(({**values, name: value}, is_record or names_record))
        if len(grown) == 0:
            pytest.fail(f"{endpoint.path}: no value of {records.slug}'s records fits the {wanted.__name__} "
                        f"parameter {name!r}: adjust PATH_PARAMS in tests/web/test_cross_tenant.py")
        cases = grown
    return cases


def _record_attributes(endpoint: Endpoint, name: str, before: str, values: dict) -> tuple[str, ...]:
    if name == "feature_id":
        collection = values.get("collection_id")
        if collection not in FEATURES:
            pytest.fail(f"{endpoint.path}: OGC collection {collection!r} is not in FEATURES of "
                        f"tests/web/test_cross_tenant.py: add which records its features are")
        return FEATURES[collection]
    if name in PATH_PARAMS:
        return PATH_PARAMS[name]
    if name in GENERIC_PARAMS:
        if before not in COLLECTIONS:
            pytest.fail(f"{endpoint.path}: the probe does not know which records {{{name}}} after /{before}/ "
                        f"names: add {before!r} to COLLECTIONS in tests/web/test_cross_tenant.py")
        return COLLECTIONS[before]
    pytest.fail(f"{endpoint.path}: unknown path parameter {{{name}}}: add it to PATH_PARAMS in "
                f"tests/web/test_cross_tenant.py (which record of an organisation fills it), so that the "
                f"cross-tenant probe covers this route")


def fill(endpoint: Endpoint, values: dict) -> str:
    path = endpoint.path
    for name, value in values.items():
        path = re.sub(r"{%s(?::\w+)?}" % name, quote(str(value), safe=""), path)
    return path


# --- Bodies of writes --------------------------------------------------------------------------------
def _sample(name: str | None):
    value = BODY_SAMPLES[name]
    return value() if callable(value) else value


def sample_of_schema(schema: dict, defs: dict | None = None, name: str | None = None, *, optional: bool = True):
    """A small instance of a JSON schema: the required properties, and (``optional``) those with a sample."""
    defs = defs if defs is not None else schema.get("$defs", {})
    if name in BODY_SAMPLES:
        return _sample(name)
    if "$ref" in schema:
        return sample_of_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, name, optional=optional)
    if schema.get("examples"):
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return sample_of_schema(options[0], defs, name, optional=optional)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props, required = schema.get("properties", {}), set(schema.get("required", ()))
        return {k: sample_of_schema(v, defs, k) for k, v in props.items()
                if k in required or (optional and k in BODY_SAMPLES)}
    if kind == "array":
        return [sample_of_schema(schema.get("items", {}), defs) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    if kind == "string":
        return {"date": "2024-01-01", "date-time": "2024-01-01T00:00:00Z",
                "email": "probe@alpha.test"}.get(schema.get("format"), "probe".ljust(schema.get("minLength", 0), "x"))
    return None


def _schema_of(annotation) -> dict:
    from pydantic import TypeAdapter

    return TypeAdapter(annotation).json_schema()


def json_body_schema(endpoint: Endpoint) -> dict | None:
    """The JSON schema of the route's JSON body (None: no JSON body)."""
    from fastapi import params

    dependant = getattr(endpoint.route, "dependant", None)
    if dependant is None or not dependant.body_params:
        return None
    fields = dependant.body_params
    if any(isinstance(f.field_info, (params.Form, params.File)) for f in fields):
        return None
    if len(fields) == 1 and not getattr(endpoint.route, "_embed_body_fields", False):
        return _schema_of(fields[0].field_info.annotation)
    return {"type": "object", "required": [f.alias for f in fields if f.field_info.is_required()],
            "properties": {f.alias: _schema_of(f.field_info.annotation) for f in fields}}


def body_of(endpoint: Endpoint, method: str) -> dict:
    """Keyword arguments of a request: ``json=...`` or ``data=..., files=...``; nothing for a GET. A PATCH
    sends the required fields only (partial updates refuse changes of natural keys)."""
    dependant = getattr(endpoint.route, "dependant", None)
    if method == "GET" or dependant is None or not dependant.body_params:
        return {}
    schema = json_body_schema(endpoint)
    if schema is not None:
        return {"json": sample_of_schema(schema, optional=method != "PATCH")}
    from fastapi import UploadFile

    data, files = {}, {}
    for f in dependant.body_params:
        if f.alias in BODY_SAMPLES:
            data[f.alias] = str(_sample(f.alias))
        elif "UploadFile" in repr(f.field_info.annotation) or f.field_info.annotation is UploadFile:
            files[f.alias] = PROBE_FILE
        elif f.field_info.is_required():
            value = sample_of_schema(_schema_of(f.field_info.annotation))
            data[f.alias] = "on" if value is True else str(value)
    return {"data": data, "files": files} if files else {"data": data}


# --- Who calls ---------------------------------------------------------------------------------------
class Caller:
    """Requests as a user of an organisation (one session and one token per role), or anonymously
    (``slug=None``, with a visitor's double-submit CSRF token, so that the gate is what answers)."""

    def __init__(self, web, api, slug: str | None):
        from fastapi.testclient import TestClient

        self.web, self.slug = web, slug
        self._client = lambda: TestClient(api, follow_redirects=False)
        self.sessions: dict[str, tuple[object, str]] = {}
        self.tokens: dict[str, str] = {}
        self.visitor = None

    def _session(self, role: str):
        if role not in self.sessions:
            client = self._client()
            r = login(client, self.web.email(self.slug, role))
            assert r.status_code == 303 and r.headers["location"] != "/account/password", (role, r.status_code)
            self.sessions[role] = (client, csrf_of(client.get("/account/tokens").text))
        return self.sessions[role]

    def _visitor(self):
        if self.visitor is None:
            client = self._client()
            self.visitor = (client, csrf_of(client.get("/login").text))
        return self.visitor

    def request(self, endpoint: Endpoint, method: str, path: str, role: str = "admin", **kwargs):
        if self.slug is None or endpoint.zone in ("api", "ogc"):
            client, csrf = self._visitor()
            headers = {"X-CSRF-Token": csrf} if method != "GET" else {}
            if self.slug is not None:  # scripts and GIS clients: a bearer token (no CSRF token needed)
                if role not in self.tokens:
                    self.tokens[role] = self.web.token(self.slug, role, name=f"probe-{role}")
                headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        else:
            client, csrf = self._session(role)
            headers = {"X-CSRF-Token": csrf} if method != "GET" else {}
        return client.request(method, path, headers=headers, **kwargs)


def ogc_collections(caller: Caller, found: list[Endpoint]) -> list[str]:
    """The collections /ogc/collections lists to ``caller`` (none when there is no OGC API)."""
    listing = next((e for e in found if e.path == "/ogc/collections"), None)
    if listing is None:
        return []
    r = caller.request(listing, "GET", "/ogc/collections")
    assert r.status_code == 200, r.text[:500]
    return [c["id"] for c in r.json()["collections"]]


# --- Checks ------------------------------------------------------------------------------------------
def leaks(text: str, records: OrgRecords, *, sent: tuple = ()) -> list[str]:
    """Strings of ``records`` in ``text`` (but those the request itself sent, which pages may echo)."""
    return [m for m in records.markers if m in text and not any(m in str(v) for v in sent)]


def _items(document):
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in ("items", "features", "data", "results", "rows"):
            if isinstance(document.get(key), list):
                return document[key]
    return None


def leaked_ids(response, endpoint: Endpoint, values: dict, records: OrgRecords) -> list[int]:
    """Ids of ``records`` in a JSON list (of the OGC collection, or of the path's last segment)."""
    if "json" not in response.headers.get("content-type", ""):
        return []
    collection = values.get("collection_id") or endpoint.path.rstrip("/").rsplit("/", 1)[-1]
    theirs = records.ids.get(collection)
    items = _items(response.json())
    if not theirs or not items:
        return []
    return [i for i in (item.get("id") for item in items if isinstance(item, dict)) if i in theirs]


def _show(r) -> str:
    return f"{r.status_code} {r.text[:300]!r}"


def query_cases(endpoint: Endpoint, records: OrgRecords) -> list[tuple[str, object]]:
    """Query parameters of a list that name records (``?site_id=``, from PATH_PARAMS) and, in JSON
    lists, text search (``?q=``: the codes and names of the listed collection), with ``records``' values.
    (A page echoes its search box, so a page's ``q`` cannot tell a leak from the echo.)"""
    dependant = getattr(endpoint.route, "dependant", None)
    cases = []
    for param in dependant.query_params if dependant is not None else ():
        wanted = int if param.field_info.annotation in (int, int | None) else str
        if param.alias in PATH_PARAMS:
            attrs = PATH_PARAMS[param.alias]
        elif param.alias == "q" and endpoint.zone != "page":
            attrs = COLLECTIONS.get(endpoint.path.rstrip("/").rsplit("/", 1)[-1], ("site_code",))
            wanted = str
        else:
            continue
        for attr in attrs:
            value = getattr(records, attr)
            if wanted is str and isinstance(value, str) or wanted is int and isinstance(value, int):
                cases.append((param.alias, value))
    return cases


def probe(web, api, mine: OrgRecords, theirs: OrgRecords) -> tuple[list[str], int]:
    """Call every route as ``mine``'s users with ``theirs``' ids; returns (failures, requests made)."""
    found = endpoints(api)
    caller = Caller(web, api, mine.slug)
    collections = ogc_collections(caller, found)
    failures: list[str] = []
    made = 0
    for endpoint in found:
        if endpoint.kind == "static" or endpoint.path.startswith((WEBHOOKS, *PUBLIC_BY_ORGANISATION)):  # see PUBLIC
            continue
        role = role_of(endpoint)
        for values, names_a_record in path_cases(endpoint, theirs, collections):
            path = fill(endpoint, values)
            for method in endpoint.methods:
                if not names_a_record and method != "GET":
                    continue  # creations: see test_writes_cannot_point_at_another_organisations_records
                made += 1
                r = caller.request(endpoint, method, path, role, **body_of(endpoint, method))
                where = f"{method} {path} (as {role} of {mine.slug}; route {endpoint.path})"
                if names_a_record:
                    if r.status_code == 422:
                        failures.append(f"{where}: 422, so the probe never reached the record lookup: its body "
                                        f"was refused: add samples to BODY_SAMPLES: {_show(r)}")
                    elif r.status_code != 404:
                        failures.append(f"{where}: {theirs.slug}'s record answered {_show(r)}, not 404")
                    continue
                failures += _check_list(r, where, endpoint, values, mine, theirs)
                # Filters naming records (?site_id=...) and text search, with the other's values.
                for (param, value), (_, own) in zip(query_cases(endpoint, theirs), query_cases(endpoint, mine)):
                    made += 2
                    r = caller.request(endpoint, "GET", path, role, params={param: value})
                    failures += _check_list(r, f"{where} ?{param}={value}", endpoint, values, mine, theirs,
                                            sent=(value,), filtered=True)
                    # The same filter with one's own record finds it: the empty answer above meant something.
                    r = caller.request(endpoint, "GET", path, role, params={param: own})
                    if "json" in r.headers.get("content-type", "") and not _items(r.json()):
                        failures.append(f"{where} ?{param}={own}: finds nothing of {mine.slug}'s own either "
                                        f"({_show(r)}): the probe of this filter is blind")
    return failures, made


def _check_list(r, where, endpoint, values, mine, theirs, *, sent=(), filtered=False) -> list[str]:
    if filtered and r.status_code in (404, 422):
        return []  # "no such site" is as good as an empty list
    if r.status_code >= 400:
        return [f"{where}: {_show(r)}"]
    if r.status_code != 200:
        return []
    failures = []
    leaked = leaks(r.text, theirs, sent=sent)
    if leaked:
        failures.append(f"{where}: shows {theirs.slug}'s {leaked[:5]}")
    ids = leaked_ids(r, endpoint, values, theirs)
    if ids:
        failures.append(f"{where}: lists {theirs.slug}'s ids {ids[:5]}")
    if filtered and "json" in r.headers.get("content-type", "") and _items(r.json()):
        failures.append(f"{where}: filtering on {theirs.slug}'s record listed {len(_items(r.json()))} items")
    if not filtered and endpoint.path in ("/sites", "/admin/users", "/api/v1/sites") and not leaks(r.text, mine):
        failures.append(f"{where}: shows none of {mine.slug}'s own records either (is the probe blind?)")
    return failures


def test_no_route_reveals_another_organisations_records(web, tenants):
    from minewatch.web.app import create_app

    alpha, beta = tenants
    failures, made = probe(web, create_app(web.app), alpha, beta)
    assert not failures, "cross-tenant probe:\n  " + "\n  ".join(failures)
    assert made >= 20, f"only {made} requests: is the route table being read?"


def test_the_probe_catches_a_leaky_route_and_asks_about_unknown_parameters(web, tenants):
    """The guard of the probe: routes that forget the organisation are reported, and a parameter name
    the probe cannot fill stops it with instructions."""
    from fastapi import Depends
    from fastapi.responses import HTMLResponse

    from minewatch.sites.orm import Site
    from minewatch.web.app import create_app
    from minewatch.web.deps import require

    alpha, beta = tenants
    api = create_app(web.app)

    def every_code() -> list[str]:
        with web.app.engine.connect() as conn:
            return list(conn.scalars(sa.select(Site.code)))

    @api.get("/api/v1/leaky/{site_id}")
    def leaky_record(site_id: int, identity=Depends(require("registry.read"))):
        with web.app.engine.connect() as conn:  # forgets the organisation
            return {"code": conn.scalar(sa.select(Site.code).where(Site.id == site_id))}

    @api.get("/leaky-list", response_class=HTMLResponse)
    def leaky_list(identity=Depends(require("registry.read"))):
        return "<ul>" + "".join(f"<li>{c}</li>" for c in every_code()) + "</ul>"

    @api.get("/api/v1/open")
    def no_gate():
        return {"codes": []}

    failures, _ = probe(web, api, alpha, beta)
    assert any(f.startswith(f"GET /api/v1/leaky/{beta.site_id} ") and "not 404" in f for f in failures), failures
    assert any(f.startswith("GET /leaky-list ") and beta.site_code in f for f in failures), failures
    anonymous_failures = probe_anonymous(web, api, alpha, beta)
    assert any(f.startswith("anonymous GET /api/v1/open ") for f in anonymous_failures), anonymous_failures

    @api.get("/widgets/{widget_id}")
    def widget(widget_id: int):
        return {}

    with pytest.raises(pytest.fail.Exception, match=r"unknown path parameter \{widget_id\}.*PATH_PARAMS"):
        probe(web, api, alpha, beta)


def test_writes_cannot_point_at_another_organisations_records(web, tenants):
    """A body naming another organisation's record (``{"site_code": "beta00001"}``) is refused (404 or
    422), while the same body naming one's own record is accepted: every JSON write is tried with every
    field of :data:`REFERENCE_FIELDS` it has."""
    from minewatch.web.app import create_app

    alpha, beta = tenants
    api = create_app(web.app)
    caller = Caller(web, api, "alpha")
    failures: list[str] = []
    tried = 0
    for endpoint in endpoints(api):
        for method in set(endpoint.methods) & {"POST", "PUT", "PATCH"}:
            schema = json_body_schema(endpoint)
            if schema is None:
                continue
            props = set(_resolve(schema).get("properties", {}))
            references = sorted(props & set(REFERENCE_FIELDS))
            if not references:
                continue
            # The route's own record (if any) is alpha's: only the body points elsewhere.
            cases = [v for v, names_record in path_cases(endpoint, alpha, []) if names_record or not endpoint.params]
            path = fill(endpoint, cases[0]) if cases else endpoint.path
            role = role_for(required_permission(endpoint))
            for name in references:
                base = sample_of_schema(schema, optional=method != "PATCH")
                own = {**base, **{k: getattr(alpha, REFERENCE_FIELDS[k]) for k in references if k in base}}
                tried += 1
                where = f"{method} {path} with {name}"
                r = caller.request(endpoint, method, path, role, json={**own, name: getattr(beta, REFERENCE_FIELDS[name])})
                if r.status_code not in (404, 422):
                    failures.append(f"{where} = beta's {getattr(beta, REFERENCE_FIELDS[name])!r}: {_show(r)}, "
                                    f"expected 404 or 422")
                elif leaks(r.text, beta, sent=(getattr(beta, REFERENCE_FIELDS[name]),)):
                    failures.append(f"{where}: the refusal shows beta's {leaks(r.text, beta)[:5]}")
                own[name] = getattr(alpha, REFERENCE_FIELDS[name])
                r = caller.request(endpoint, method, path, role, json=own)
                if not (200 <= r.status_code < 300 or r.status_code == 409):
                    failures.append(f"{where} = alpha's own {own[name]!r} is refused ({_show(r)}): the probe's body "
                                    f"is not valid, so its refusal above proves nothing: add samples to "
                                    f"BODY_SAMPLES ({json.dumps(own)[:200]})")
    assert not failures, "writes pointing at another organisation's records:\n  " + "\n  ".join(failures)
    paths = {e.path for e in endpoints(api)}
    if "/api/v1/visits" in paths:
        assert tried >= 5, f"only {tried} writes tried: are the API's bodies being read?"


def _resolve(schema: dict) -> dict:
    if "$ref" in schema:
        return _resolve(schema.get("$defs", {})[schema["$ref"].rsplit("/", 1)[-1]] | {"$defs": schema.get("$defs", {})})
    return schema


def probe_anonymous(web, api, alpha: OrgRecords, beta: OrgRecords) -> list[str]:
    """Every non-public route, called without logging in (with alpha's ids, so that a route missing its
    gate would answer): 401 under /api, a redirect to /login for pages. OGC: nobody publishes here, so
    anonymous readers see no record of either organisation."""
    found = endpoints(api)
    visitor = Caller(web, api, None)
    collections = ogc_collections(Caller(web, api, "alpha"), found)
    failures: list[str] = []
    for endpoint in found:
        public = any(endpoint.path == p or endpoint.path.startswith(p + "/") for p in PUBLIC)
        if endpoint.kind == "static" or (public and endpoint.zone != "ogc"):
            continue
        for values, names_a_record in path_cases(endpoint, alpha, collections):
            path = fill(endpoint, values)
            for method in endpoint.methods:
                r = visitor.request(endpoint, method, path, **body_of(endpoint, method))
                where = f"anonymous {method} {path} (route {endpoint.path})"
                if endpoint.zone == "ogc":
                    if names_a_record and r.status_code not in (401, 404):
                        failures.append(f"{where}: {_show(r)}, expected 404")
                    elif r.status_code == 200:
                        shown = [*leaks(r.text, alpha), *leaks(r.text, beta), *leaked_ids(r, endpoint, values, alpha),
                                 *leaked_ids(r, endpoint, values, beta)]
                        if shown:
                            failures.append(f"{where}: shows unpublished records {shown[:5]}")
                elif endpoint.zone == "api":
                    if r.status_code != 401:
                        failures.append(f"{where}: {_show(r)}, expected 401")
                elif not (r.status_code in (302, 303, 307) and r.headers["location"].startswith("/login")):
                    failures.append(f"{where}: {_show(r)}, expected a redirect to /login")
    return failures


def test_every_route_but_the_public_ones_refuses_anonymous_visitors(web, tenants):
    from minewatch.web.app import create_app

    alpha, beta = tenants
    failures = probe_anonymous(web, create_app(web.app), alpha, beta)
    assert not failures, "routes open to anonymous visitors:\n  " + "\n  ".join(failures)
