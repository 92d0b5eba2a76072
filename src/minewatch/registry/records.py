"""Use cases of single registry records (the REST API): list, get, create, update. Never delete.

One set of rules: a create is a one-row import of the record's kind (the same
:class:`~minewatch.registry.importing.RecordKind` the importers use: ``map_row`` checks every
value, ``store`` upserts with content digests and audit events, ``after`` refreshes derived data).
JSON values are turned into the cell text the parsers read (numbers as written, booleans yes/no,
lists joined with ``;``, ``null`` as an empty cell), so "3°12'S" and ``-3.2`` are both a latitude.

An update merges the stored record's values with the changed fields and goes through the same
check and store. Fields a kind cannot read back exactly are kept as stored unless the update
names them (a visit's lists, which the IPIS importer splits its own way), and columns no kind
reads are kept as stored (a visit's IPIS cells, a concession's source properties). A natural key
(site code, external ids, a membership's person/cooperative/role/start) names the record and
cannot change: that is refused (422) naming the field. After visits change, the sites' latest-visit
indicators are derived again; after concessions change, or a site is placed or moved, the sites'
relations to titles.

Need-to-know: a person's name and date of birth only for roles with ``people.read_names``; phone
numbers and identity documents never leave (``has_phone`` / ``has_id_document`` instead; a
refused phone is shown masked, as the importers show it). Every query is scoped to the actor's
organisation (:mod:`minewatch.registry.listing`), so another organisation's record is "not found".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from minewatch.adapters.db import UnitOfWork
from minewatch.audit.service import AuditLog
from minewatch.errors import ConfigError, Conflict, InvalidInput, NotFound, PermissionDenied
from minewatch.kit.findings import ParseProblem, Problem
from minewatch.kit.pagination import MAX_ID, Page, check_limit, decode_cursor, encode_cursor
from minewatch.kit.vocab import VOCABULARIES
from minewatch.registry import listing
from minewatch.registry.importing import ImportReport, RecordKind, StoreContext
from minewatch.registry.profile import Profile
from minewatch.sites.model import SiteQuery, parse_bbox

# Records made through the API say so where a kind defaults its source (visits, concessions).
API_PROFILE = Profile(name="api", options={"source": "api"})
ROW = 1  # the row number of the one-row "file" a create or update is


# --- Problems -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldProblem:
    """One reason a value was refused: which field, what value, a stable code, a plain message."""

    field: str | None
    value: Any
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "value": self.value, "code": self.code, "message": self.message}


class RecordRejected(InvalidInput):
    """Values of a record (or filters of a list) are invalid; ``problems`` says each (HTTP 422)."""

    def __init__(self, noun: str, problems: list[FieldProblem]):
        head = "; ".join(f"{p.field or noun}: {p.message}" for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"invalid {noun}: {head}{more}")
        self.problems = problems

    @property
    def report(self) -> RecordRejected:
        """web/errors.py answers ``report.problems`` as the error's details (as for ImportRejected)."""
        return self


def _from_problem(p: Problem) -> FieldProblem:
    return FieldProblem(p.column, p.value, p.code, p.reason)


# --- What each resource is ------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    name: str
    noun: str
    kind: Callable[[], RecordKind] | None = None  # None: read-only
    key_fields: tuple[str, ...] = ()
    # Fields a kind cannot read back exactly: kept as stored unless an update names them.
    fragile: tuple[str, ...] = ()
    # Columns not among the kind's fields, kept as stored by an update.
    kept: tuple[str, ...] = ()
    geometry: bool = False

    @property
    def writable(self) -> bool:
        return self.kind is not None


def _kinds():
    from minewatch.people.importing import AssignmentsKind, MembershipsKind, PeopleKind
    from minewatch.registry.kinds import ConcessionsKind, CooperativesKind, SitesKind, VisitsKind

    return SitesKind, VisitsKind, CooperativesKind, PeopleKind, MembershipsKind, AssignmentsKind, ConcessionsKind


def _resources() -> dict[str, Resource]:
    sites, visits, coops, people, memberships, assignments, concessions = _kinds()
    return {r.name: r for r in (
        Resource("sites", "site", sites, ("code",), fragile=("minerals",), geometry=True),
        Resource("visits", "visit", visits, ("source", "source_visit_id"),
                 fragile=("state_services", "selling_points", "minerals"),
                 kept=("armed_actors", "final_destinations", "access_dry", "access_wet", "is_3t_mine",
                       "is_gold_mine", "raw")),
        Resource("cooperatives", "cooperative", coops, ("external_id",)),
        Resource("people", "person", people, ("external_id",)),
        Resource("memberships", "membership", memberships, ("person", "cooperative", "role", "valid_from")),
        Resource("assignments", "assignment", assignments, ("person", "site", "task", "valid_from")),
        Resource("concessions", "concession", concessions, ("source", "external_id"), kept=("properties",),
                 geometry=True),
        Resource("import_batches", "import batch"),
    )}


RESOURCES = _resources()


def _resource(name: str, *, write: bool = False) -> Resource:
    res = RESOURCES.get(name)
    if res is None:
        raise NotFound(f"no record type '{name}'")
    if write and not res.writable:
        raise PermissionDenied(f"{res.noun} records are read-only")
    return res


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing} ({permission})")


# --- Use cases ------------------------------------------------------------------------------------


def list_records(uow: UnitOfWork, *, actor, resource: str, filters: dict | None = None, limit: int | None = None,
                 cursor: str | None = None) -> Page[dict]:
    """One page of the actor's records of ``resource`` in id order, as the actor may see them."""
    res = _resource(resource)
    _require(actor, "registry.read", "read the registry")
    problems: list[FieldProblem] = []
    try:
        limit = check_limit(limit)
    except InvalidInput as exc:
        problems.append(FieldProblem("limit", limit, exc.code, exc.message))
        limit = 1
    after = None
    if cursor is not None:
        try:
            after = decode_cursor(resource, cursor, (int,))[0]
        except InvalidInput as exc:
            problems.append(FieldProblem("cursor", cursor, exc.code, exc.message))
    kwargs = _FILTERS[resource](actor, dict(filters or {}), problems)
    if problems:
        raise RecordRejected(f"{res.noun} list", problems)
    s = uow.session
    rows = _LISTERS[resource](s, actor, after=after, limit=limit, **kwargs)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(resource, (rows[-1].id,)) if more else None
    return Page(items=_views(s, actor, resource, rows), next_cursor=next_cursor)


def get_record(uow: UnitOfWork, *, actor, resource: str, record_id: int) -> dict:
    """One record of the actor's organisation, as the actor may see it; NotFound otherwise."""
    res = _resource(resource)
    _require(actor, "registry.read", "read the registry")
    return _views(uow.session, actor, resource, [_stored(uow.session, actor, res, record_id)])[0]


def create_record(uow: UnitOfWork, *, actor, resource: str, values: dict, vault=None) -> dict:
    """Check ``values`` as one row of the resource's import kind and store it (audited); commits.

    Conflict if a record with the same natural key exists (update it instead)."""
    res = _resource(resource, write=True)
    kind = res.kind()
    _require(actor, kind.permission, f"change {resource}")
    cells, row, problems = _cells(kind, values)
    record, found = kind.map_row(cells, row, ROW, API_PROFILE, {})
    problems += [_from_problem(p) for p in found if p.is_error]
    _raise_errors(res, problems or _too_long(res, record))
    s = uow.session
    existing = _find_by_key(s, actor, resource, record)
    if existing is not None:
        label = ", ".join(f"{f} {record.get(f)!r}" for f in res.key_fields if record.get(f) is not None)
        raise Conflict(f"a {res.noun} with {label} exists already (id {existing}): update it instead",
                       code="record_exists")
    _store(uow, actor, res, kind, record, vault, verb="create", moved=True)
    record_id = _find_by_key(s, actor, resource, record)
    uow.commit()
    return get_record(uow, actor=actor, resource=resource, record_id=record_id)


def update_record(uow: UnitOfWork, *, actor, resource: str, record_id: int, changes: dict, vault=None) -> dict:
    """Merge ``changes`` into the stored record, check it as the importers do and store it (audited,
    unless nothing changed); commits. A change of the natural key is refused."""
    res = _resource(resource, write=True)
    kind = res.kind()
    _require(actor, kind.permission, f"change {resource}")
    s = uow.session
    stored = _stored(s, actor, res, record_id)
    if getattr(stored, "erased_at", None) is not None:
        raise Conflict(f"{res.noun} {record_id} was erased on request and cannot be changed", code="person_erased")
    old = _STORED_CELLS[resource](s, actor, stored, vault)
    cells, row, problems = _cells(kind, changes)
    merged_cells = {**old.cells, **cells}
    merged_row = {**old.row, **row}
    if res.geometry and ("geometry" in changes or {"latitude", "longitude"} & set(changes)):
        merged_row = row  # the stored shape gives way to the new geometry or point
    before, _ = kind.map_row(old.cells, old.row, ROW, API_PROFILE, {})
    record, found = kind.map_row(merged_cells, merged_row, ROW, API_PROFILE, {})
    problems += [_from_problem(p) for p in found if p.is_error]
    for name in res.key_fields:
        if name in changes and record.get(name) != before.get(name):
            problems.append(FieldProblem(name, changes[name], "natural_key_immutable",
                                         f"'{name}' identifies the {res.noun} and cannot change "
                                         f"(it is {_shown(before.get(name))}): create a new {res.noun} instead"))
    _raise_errors(res, problems or _too_long(res, record))
    for name in res.fragile:
        if name not in changes:
            record.update(old.fragile.get(name, {}))
    record.update(old.kept)
    moved = bool({"geometry", "latitude", "longitude"} & set(changes))
    # A visit moved to another site: the site it leaves has its indicators derived again too.
    stale_sites = {stored.site_id} if resource == "visits" else set()
    _store(uow, actor, res, kind, record, vault, verb="update", moved=moved, stale_sites=stale_sites)
    uow.commit()
    return get_record(uow, actor=actor, resource=resource, record_id=record_id)


# --- Storing: the import pipeline for one row ----------------------------------------------------


def _store(uow: UnitOfWork, actor, res: Resource, kind: RecordKind, record: dict, vault, *, verb: str,
           moved: bool, stale_sites: set[int] = frozenset()) -> None:
    s = uow.session
    audit = AuditLog(s, actor, context=f"api {verb} {res.name}")
    report = ImportReport(kind=kind.name, file_name=f"api:{res.name}")
    ctx = StoreContext(session=s, actor=actor, audit=audit, report=report, profile=API_PROFILE, vault=vault,
                       primary_table=kind.primary_table)
    if stale_sites:
        ctx.cache["visit_site_ids"] = set(stale_sites)
    failed = kind.store(ctx, [(ROW, record)])
    if failed:
        uow.rollback()
        _raise_errors(res, [_from_problem(p) for ps in failed.values() for p in ps if p.is_error])
    kind.after(ctx)
    if res.name == "sites" and moved and listing.concessions_exist(s, actor):
        # Imports of sites leave this to "sites relate"; a site placed here is related at once.
        from minewatch.registry.kinds import refresh_relations

        refresh_relations(ctx)
    audit.flush()


def _too_long(res: Resource, record: dict) -> list[FieldProblem]:
    """Texts longer than their column holds: the text kept of a value stored as 'other', or a key made
    of other fields (a visit without an id is known by its site, date and team)."""
    problems = []
    for column, limit in listing.text_limits(res.name).items():
        value = record.get(column)
        if isinstance(value, str) and len(value) > limit:
            name = column.removesuffix("_raw")
            problems.append(FieldProblem(name, value[:80], "text_too_long",
                                         f"'{name}' is {len(value)} characters long; at most {limit} are stored"))
    return problems


def _raise_errors(res: Resource, problems: list[FieldProblem]) -> None:
    if problems:
        raise RecordRejected(res.noun, problems)


def _stored(s, actor, res: Resource, record_id: int):
    if isinstance(record_id, bool) or not isinstance(record_id, int) or not 1 <= record_id <= MAX_ID:
        raise NotFound(f"no {res.noun} {record_id!r} in organisation '{actor.org_slug}'")
    found = listing.get(s, actor, res.name, record_id)
    if found is None:
        raise NotFound(f"no {res.noun} {record_id} in organisation '{actor.org_slug}'",
                       code=f"{res.noun.replace(' ', '_')}_not_found")
    return found


def _find_by_key(s, actor, resource: str, record: dict) -> int | None:
    """The id of the stored record with the natural key of ``record`` (None if there is none)."""
    find = listing.find_id
    if resource == "sites":
        return find(s, actor, "sites", code=record["code"])
    if resource in ("cooperatives", "people"):
        return find(s, actor, resource, external_id=record["external_id"])
    if resource == "visits":
        return find(s, actor, "visits", source=record["source"], source_visit_id=record["source_visit_id"])
    if resource == "concessions":
        return find(s, actor, "concessions", source=record["source"], external_id=record["external_id"])
    person_id = find(s, actor, "people", external_id=record["person"])
    if resource == "memberships":
        coop_id = find(s, actor, "cooperatives", external_id=record["cooperative"])
        if person_id is None or coop_id is None:
            return None
        return find(s, actor, "memberships", person_id=person_id, cooperative_id=coop_id, role=record["role"],
                    valid_from=record["valid_from"])
    site_id = find(s, actor, "sites", code=record["site"])
    if person_id is None or site_id is None:
        return None
    return find(s, actor, "assignments", person_id=person_id, site_id=site_id, task=record["task"],
                valid_from=record["valid_from"])


# --- JSON values as cells -------------------------------------------------------------------------

_SECRET_FIELDS = frozenset({"phone", "id_document_number"})


class _Refused(Exception):
    def __init__(self, code: str, message: str):
        self.code, self.message = code, message


def _cells(kind: RecordKind, values: dict) -> tuple[dict[str, str | None], dict, list[FieldProblem]]:
    """The cell text of each given field (for ``map_row``), row extras (a GeoJSON geometry), problems."""
    fields = {f.name: f for f in kind.fields}
    cells: dict[str, str | None] = {}
    row: dict = {}
    problems: list[FieldProblem] = []
    for name, value in values.items():
        f = fields.get(name)
        shown = None if name in _SECRET_FIELDS else value
        if f is None:
            problems.append(FieldProblem(name, None, "unknown_field",
                                         f"'{name}' is not a field of {kind.name}: use "
                                         f"{', '.join(fields)}"))
            continue
        try:
            if name == "geometry" and value is not None:
                cells[name], extra = _geometry_cell(value)
                row.update(extra)
            else:
                cells[name] = _cell(f.type, value)
        except _Refused as bad:
            problems.append(FieldProblem(name, shown, bad.code, bad.message))
    return cells, row, problems


def _cell(field_type: str, value: Any) -> str | None:
    """The text a file's cell would hold for this JSON value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ("yes" if value else "no") if field_type == "bool" else ("true" if value else "false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Refused("not_a_number", f"{value!r} is not a finite number")
        return repr(value)
    if isinstance(value, str):
        return _checked_text(value)
    if isinstance(value, (list, tuple)):
        if field_type not in ("list", "vocab_list"):
            raise _Refused("not_a_single_value", "give one value here, not a list")
        parts = []
        for item in value:
            if isinstance(item, (list, tuple, dict)):
                raise _Refused("not_a_list_of_values", "give a list of texts")
            text = _cell("text", item)
            if text:
                parts.append(text)
        return "; ".join(parts) or None
    raise _Refused("not_a_value", "give a text, a number, true/false or null here")


def _checked_text(text: str) -> str:
    if "\x00" in text:
        raise _Refused("invalid_character", "the text contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Refused("invalid_character", "the text is not valid Unicode (a lone surrogate)") from None
    return text


def _geometry_cell(value: Any) -> tuple[str | None, dict]:
    """A geometry given as a GeoJSON object (stored as the row's ``__geometry__``) or as WKT/GeoJSON
    text; read once here so that any unreadable input is a problem, whatever shapely raises."""
    from shapely.errors import ShapelyError

    from minewatch.sites import geometry

    try:
        if isinstance(value, dict):
            geometry.from_geojson(value)
            return None, {"__geometry__": value}
        if isinstance(value, str):
            text = _checked_text(value)
            geometry.from_text(text)
            return text, {}
    except ParseProblem as pp:
        raise _Refused(pp.code, pp.reason) from None
    except (ShapelyError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise _Refused("geometry_unreadable", f"not a WKT or GeoJSON geometry ({type(exc).__name__})") from None
    raise _Refused("geometry_unreadable", "give a GeoJSON geometry object or WKT text")


def _shown(value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if value is not None else "empty"


# --- Stored records as cells (for updates) ---------------------------------------------------------


@dataclass
class _StoredCells:
    cells: dict[str, str | None]
    row: dict = field(default_factory=dict)
    fragile: dict[str, dict] = field(default_factory=dict)
    kept: dict[str, Any] = field(default_factory=dict)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _vocab(key: str | None, raw: str | None) -> str | None:
    """The cell that reads back as this vocabulary key (the text kept for 'other')."""
    return raw if key == "other" and raw else key


def _geojson(wkb: bytes | None) -> dict | None:
    if wkb is None:
        return None
    import shapely
    import shapely.geometry

    return _listed(shapely.geometry.mapping(shapely.from_wkb(wkb)))


def _listed(value):
    if isinstance(value, (list, tuple)):
        return [_listed(v) for v in value]
    if isinstance(value, dict):
        return {k: _listed(v) for k, v in value.items()}
    return value


_SITE_TEXT = ("code", "name", "country", "admin1", "admin2", "admin3", "admin4", "locality", "location_accuracy_m",
              "lifecycle_status", "legal_status", "source", "registered_on")


def _site_cells(s, actor, site, vault) -> _StoredCells:
    cells = {c: _text(getattr(site, c)) for c in _SITE_TEXT}
    cells["location_origin"] = _vocab(site.location_origin, site.location_origin_raw)
    cells["mining_method"] = _vocab(site.mining_method, site.mining_method_raw)
    cells["latitude"], cells["longitude"] = _text(site.latitude), _text(site.longitude)
    cells["cooperative"] = listing.cooperative_external_ids(s, actor, [site.cooperative_id]).get(site.cooperative_id)
    row = {}
    if site.geometry_type not in (None, "Point"):
        row["__geometry__"] = _geojson(site.geom_wkb)
    minerals = listing.site_minerals(s, [site.id]).get(site.id, [])
    return _StoredCells(cells, row, fragile={"minerals": {"minerals": minerals, "minerals_raw": site.minerals_raw}})


_VISIT_TEXT = (
    "source_visit_id", "visit_date", "source", "project", "team", "reached", "not_reached_reason", "workers_count",
    "women_present", "women_work", "children_under15_present", "children_under15_working", "children_under15_work",
    "children_15_17_present", "children_15_17_working", "mercury_used", "cyanide_used", "armed_presence",
    "armed_interference", "interference_taxation", "interference_forced_labour", "interference_pillage",
    "interference_pit_ownership", "interference_buying", "mechanisation", "traceability", "qualification",
)


def _visit_cells(s, actor, visit, vault) -> _StoredCells:
    cells = {c: _text(getattr(visit, c)) for c in _VISIT_TEXT}
    cells["site_code"] = listing.site_codes(s, actor, [visit.site_id]).get(visit.site_id)
    res = RESOURCES["visits"]
    return _StoredCells(cells, fragile={f: {f: getattr(visit, f) or []} for f in res.fragile},
                        kept={c: getattr(visit, c) for c in res.kept})


def _cooperative_cells(s, actor, coop, vault) -> _StoredCells:
    return _StoredCells({c: _text(getattr(coop, c)) for c in (
        "external_id", "name", "registration_number", "registration_status", "country", "contact")})


def _person_cells(s, actor, person, vault) -> _StoredCells:
    if vault is None:
        raise ConfigError("changing people needs the key vault (phones and documents are encrypted)")
    cells = {c: _text(getattr(person, c)) for c in (
        "external_id", "full_name", "sex", "date_of_birth", "birth_year", "preferred_language", "id_document_type",
        "consent_data", "consent_data_at", "consent_alerts", "consent_alerts_at")}
    cells["birth_year_estimated"] = "yes" if person.birth_precision == "estimated" else None
    cells["phone"] = vault.decrypt(person.phone_encrypted) if person.phone_encrypted else None
    cells["id_document_number"] = vault.decrypt(person.id_document_encrypted) if person.id_document_encrypted else None
    return _StoredCells(cells)


def _membership_cells(s, actor, m, vault) -> _StoredCells:
    return _StoredCells({
        "person": listing.person_external_ids(s, actor, [m.person_id]).get(m.person_id),
        "cooperative": listing.cooperative_external_ids(s, actor, [m.cooperative_id]).get(m.cooperative_id),
        "role": _vocab(m.role, m.role_raw), "valid_from": _text(m.valid_from), "valid_to": _text(m.valid_to),
    })


def _assignment_cells(s, actor, a, vault) -> _StoredCells:
    return _StoredCells({
        "person": listing.person_external_ids(s, actor, [a.person_id]).get(a.person_id),
        "site": listing.site_codes(s, actor, [a.site_id]).get(a.site_id),
        "task": _vocab(a.task, a.task_raw), "hours_per_week": _text(a.hours_per_week),
        "valid_from": _text(a.valid_from), "valid_to": _text(a.valid_to),
    })


def _concession_cells(s, actor, c, vault) -> _StoredCells:
    cells = {n: _text(getattr(c, n)) for n in (
        "external_id", "holder", "status", "date_granted", "date_expires", "title_date", "source")}
    cells["title_type"] = _vocab(c.title_type, c.title_type_raw)
    return _StoredCells(cells, row={"__geometry__": _geojson(c.geom_wkb)}, kept={"properties": c.properties})


_STORED_CELLS = {
    "sites": _site_cells, "visits": _visit_cells, "cooperatives": _cooperative_cells, "people": _person_cells,
    "memberships": _membership_cells, "assignments": _assignment_cells, "concessions": _concession_cells,
}


# --- Filters --------------------------------------------------------------------------------------


def _id_filter(name: str, filters: dict, problems: list[FieldProblem]) -> int | None:
    value = filters.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        problems.append(FieldProblem(name, value, "invalid_filter",
                                     f"{name} must be a record id (a whole number ≥ 1)"))
        return None
    return value


def _text_filter(name: str, filters: dict, problems: list[FieldProblem], *, max_len: int = 200) -> str | None:
    value = filters.get(name)
    if value is None:
        return None
    try:
        text = " ".join(_checked_text(str(value)).split())
    except _Refused as bad:
        problems.append(FieldProblem(name, None, bad.code, bad.message))
        return None
    if len(text) > max_len:
        problems.append(FieldProblem(name, value, "invalid_filter", f"{name} is longer than {max_len} characters"))
        return None
    return text or None


def _bool_filter(name: str, filters: dict, problems: list[FieldProblem]) -> bool | None:
    value = filters.get(name)
    if value is None or isinstance(value, bool):
        return value
    problems.append(FieldProblem(name, value, "invalid_filter", f"{name} must be true or false"))
    return None


_SITE_FILTERS = (("country", "country"), ("mineral", "mineral"), ("lifecycle_status", "lifecycle_status"),
                 ("title_relation", "title_relation"), ("q", "search"))


def _site_filters(actor, filters: dict, problems: list[FieldProblem]) -> dict:
    query: dict[str, Any] = {}
    for name, attribute in _SITE_FILTERS:
        text = _text_filter(name, filters, problems)
        if text is None:
            continue
        try:  # SiteQuery's own rules, one filter at a time so that a problem names its filter
            query[attribute] = getattr(SiteQuery(**{attribute: text}), attribute)
        except InvalidInput as exc:
            problems.append(FieldProblem(name, text, "invalid_filter", exc.message))
    bbox = None
    text = _text_filter("bbox", filters, problems)
    if text is not None:
        try:
            bbox = SiteQuery(bbox=parse_bbox(text)).bbox
        except InvalidInput as exc:
            problems.append(FieldProblem("bbox", text, "invalid_filter", exc.message))
    indicators = {}
    for name in listing.INDICATOR_COLUMNS:
        value = _bool_filter(name, filters, problems)
        if value is not None:
            indicators[name] = value
    return {"query": SiteQuery(**query), "indicators": indicators, "bbox": bbox}


def _visit_filters(actor, filters: dict, problems: list[FieldProblem]) -> dict:
    date_from, date_to = filters.get("date_from"), filters.get("date_to")
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and not isinstance(value, dt.date):
            problems.append(FieldProblem(name, str(value), "invalid_filter", f"{name} must be a date (YYYY-MM-DD)"))
    if isinstance(date_from, dt.date) and isinstance(date_to, dt.date) and date_from > date_to:
        problems.append(FieldProblem("date_to", date_to.isoformat(), "invalid_filter",
                                     f"date_to {date_to.isoformat()} is before date_from {date_from.isoformat()}"))
    return {"site_id": _id_filter("site_id", filters, problems), "date_from": date_from, "date_to": date_to}


def _cooperative_filters(actor, filters: dict, problems: list[FieldProblem]) -> dict:
    country = _text_filter("country", filters, problems)
    if country is not None:
        try:
            country = SiteQuery(country=country).country
        except InvalidInput as exc:
            problems.append(FieldProblem("country", country, "invalid_filter", exc.message))
    return {"country": country, "q": _text_filter("q", filters, problems)}


def _people_filters(actor, filters: dict, problems: list[FieldProblem]) -> dict:
    return {"q": _text_filter("q", filters, problems), "search_names": actor.may("people.read_names")}


def _membership_filters(actor, filters: dict, problems: list[FieldProblem]) -> dict:
    return {"person_id": _id_filter("person_id", filters, problems),
            "cooperative_id": _id_filter("cooperative_id", filters, problems)}


def _assignment_filters(actor, filters: dict, problems: list[FieldProblem]) -> dict:
    return {"person_id": _id_filter("person_id", filters, problems),
            "site_id": _id_filter("site_id", filters, problems)}


def _concession_filters(actor, filters: dict, problems: list[FieldProblem]) -> dict:
    title_type = _text_filter("title_type", filters, problems)
    if title_type is not None:
        vocab = VOCABULARIES["title_types"]
        term = vocab.normalize(title_type)
        if term is None or not term.matched:
            problems.append(FieldProblem("title_type", title_type, "invalid_filter",
                                         f"unknown title type; known: {', '.join(vocab.keys)}"))
            title_type = None
        else:
            title_type = term.key
    return {"is_artisanal_zone": _bool_filter("is_artisanal_zone", filters, problems), "title_type": title_type}


def _import_batch_filters(actor, filters: dict, problems: list[FieldProblem]) -> dict:
    return {"kind": _text_filter("kind", filters, problems, max_len=30)}


_FILTERS = {
    "sites": _site_filters, "visits": _visit_filters, "cooperatives": _cooperative_filters,
    "people": _people_filters, "memberships": _membership_filters, "assignments": _assignment_filters,
    "concessions": _concession_filters, "import_batches": _import_batch_filters,
}
_LISTERS = {
    "sites": listing.list_sites, "visits": listing.list_visits, "cooperatives": listing.list_cooperatives,
    "people": listing.list_people, "memberships": listing.list_memberships,
    "assignments": listing.list_assignments, "concessions": listing.list_concessions,
    "import_batches": listing.list_import_batches,
}


# --- Views: records as the actor may see them ------------------------------------------------------


def _views(s, actor, resource: str, rows: list) -> list[dict]:
    return _VIEWS[resource](s, actor, rows) if rows else []


def _columns(obj, names) -> dict:
    return {n: getattr(obj, n) for n in names}


_TRACKED = ("created_at", "updated_at")


def _site_geometry(site) -> dict | None:
    if site.geometry_type == "Point" or site.geom_wkb is None:
        return {"type": "Point", "coordinates": [site.longitude, site.latitude]}
    return _geojson(site.geom_wkb)


def _site_views(s, actor, sites: list) -> list[dict]:
    ids = [x.id for x in sites]
    minerals = listing.site_minerals(s, ids)
    coops = listing.cooperative_external_ids(s, actor, (x.cooperative_id for x in sites))
    indicators = listing.site_indicators(s, actor, ids)
    out = []
    for x in sites:
        view = _columns(x, ("id", "code", "name", "country", "admin1", "admin2", "admin3", "admin4", "locality",
                            "latitude", "longitude", "geometry_type", "location_accuracy_m", "location_origin",
                            "location_origin_raw", "minerals_raw", "mining_method", "mining_method_raw",
                            "lifecycle_status", "legal_status", "cooperative_id", "source", "registered_on",
                            "title_relation", *_TRACKED))
        view["geometry"] = _site_geometry(x)
        view["minerals"] = minerals.get(x.id, [])
        view["cooperative"] = coops.get(x.cooperative_id)
        ind = indicators.get(x.id)
        view["latest_visit"] = None if ind is None else _columns(ind, (
            "visit_id", "visit_date", "visit_count", "workers_count", "mercury_used", "children_seen",
            "armed_interference"))
        out.append(view)
    return out


_VISIT_VIEW = ("id", "site_id", *(c for c in _VISIT_TEXT), "state_services", "selling_points", "minerals",
               "armed_actors", "final_destinations", "access_dry", "access_wet", "is_3t_mine", "is_gold_mine",
               *_TRACKED)


def _visit_views(s, actor, visits: list) -> list[dict]:
    codes = listing.site_codes(s, actor, (v.site_id for v in visits))
    return [{**_columns(v, _VISIT_VIEW), "site_code": codes.get(v.site_id)} for v in visits]


def _cooperative_views(s, actor, coops: list) -> list[dict]:
    return [_columns(c, ("id", "external_id", "name", "registration_number", "registration_status", "country",
                         "contact", *_TRACKED)) for c in coops]


def _person_views(s, actor, people: list) -> list[dict]:
    names = actor.may("people.read_names")
    out = []
    for p in people:
        view = _columns(p, ("id", "external_id", "sex", "birth_year", "birth_precision", "preferred_language",
                            "id_document_type", "consent_data", "consent_data_at", "consent_alerts",
                            "consent_alerts_at", "erased_at", *_TRACKED))
        view["names_visible"] = names
        view["full_name"] = p.full_name if names else None
        view["date_of_birth"] = p.date_of_birth if names else None
        view["has_phone"] = p.phone_hash is not None
        view["has_id_document"] = p.id_document_encrypted is not None
        out.append(view)
    return out


def _membership_views(s, actor, rows: list) -> list[dict]:
    people = listing.person_external_ids(s, actor, (m.person_id for m in rows))
    coops = listing.cooperative_external_ids(s, actor, (m.cooperative_id for m in rows))
    return [{**_columns(m, ("id", "person_id", "cooperative_id", "role", "role_raw", "valid_from", "valid_to",
                            *_TRACKED)),
             "person": people.get(m.person_id), "cooperative": coops.get(m.cooperative_id)} for m in rows]


def _assignment_views(s, actor, rows: list) -> list[dict]:
    people = listing.person_external_ids(s, actor, (a.person_id for a in rows))
    sites = listing.site_codes(s, actor, (a.site_id for a in rows))
    return [{**_columns(a, ("id", "person_id", "site_id", "task", "task_raw", "hours_per_week", "valid_from",
                            "valid_to", *_TRACKED)),
             "person": people.get(a.person_id), "site": sites.get(a.site_id)} for a in rows]


def _concession_views(s, actor, rows: list) -> list[dict]:
    out = []
    for c in rows:
        view = _columns(c, ("id", "source", "external_id", "title_number", "holder", "title_type", "title_type_raw",
                            "is_artisanal_zone", "status", "date_granted", "date_expires", "title_date",
                            "geometry_type", "properties", *_TRACKED))
        view["bbox"] = None if c.min_lon is None else [c.min_lon, c.min_lat, c.max_lon, c.max_lat]
        view["geometry"] = _geojson(c.geom_wkb)
        out.append(view)
    return out


def _import_batch_views(s, actor, rows: list) -> list[dict]:
    return [_columns(b, ("id", "kind", "file_name", "file_sha256", "actor_email", "started_at", "finished_at",
                         "status", "counts")) for b in rows]


_VIEWS = {
    "sites": _site_views, "visits": _visit_views, "cooperatives": _cooperative_views, "people": _person_views,
    "memberships": _membership_views, "assignments": _assignment_views, "concessions": _concession_views,
    "import_batches": _import_batch_views,
}
