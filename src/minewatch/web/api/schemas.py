"""The JSON shapes of the REST API (/api/v1): records out, records in, pages and the one error shape.

``...Out`` models are what a record looks like to a reader (people's names only for roles that may
read them, phones and identity documents never). ``...Create`` and ``...Update`` models are made
from the import kinds' own fields (:mod:`minewatch.registry.kinds`, :mod:`minewatch.people.importing`),
so the API takes exactly what an import file may hold; values are checked by the importers'
parsers, which accept JSON numbers and booleans as well as the texts field exports write.
"""

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from minewatch.kit.vocab import VOCABULARIES
from minewatch.registry.records import RESOURCES


# --- Errors ---------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    """One problem: the field (or query parameter) and value concerned, a stable code, a message."""

    model_config = ConfigDict(extra="allow")

    field: str | None = None
    value: Any = None
    code: str | None = None
    message: str | None = None


class ErrorBody(BaseModel):
    code: str = Field(description="stable machine code, e.g. invalid_input, not_found, permission_denied")
    message: str = Field(description="what went wrong, in plain English")
    details: list[ErrorDetail] | None = None


class ErrorOut(BaseModel):
    """Every error of the API has this shape."""

    error: ErrorBody


# --- Records out ----------------------------------------------------------------------------------


class _Out(BaseModel):
    id: int


class _Tracked(_Out):
    created_at: dt.datetime
    updated_at: dt.datetime


class SiteIndicatorOut(BaseModel):
    """What the site's latest visit said (derived from the visits; never typed)."""

    visit_id: int
    visit_date: dt.date
    visit_count: int
    workers_count: int | None = None
    mercury_used: bool | None = None
    children_seen: bool | None = None
    armed_interference: bool | None = None


class SiteOut(_Tracked):
    code: str
    name: str | None = None
    country: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    admin4: str | None = None
    locality: str | None = None
    latitude: float
    longitude: float
    geometry_type: str | None = None
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON geometry (WGS84)")
    location_accuracy_m: float | None = None
    location_origin: str | None = None
    location_origin_raw: str | None = None
    minerals: list[str] = Field(default_factory=list, description="minerals vocabulary keys")
    minerals_raw: list[str] | None = Field(None, description="the text of minerals stored as 'other'")
    mining_method: str | None = None
    mining_method_raw: str | None = None
    lifecycle_status: str | None = None
    legal_status: str | None = None
    cooperative_id: int | None = None
    cooperative: str | None = Field(None, description="the cooperative's external id")
    source: str | None = None
    registered_on: dt.date | None = None
    title_relation: str | None = Field(None, description="derived: inside_artisanal_zone, inside_title, outside, "
                                                         "or null when not computed")
    latest_visit: SiteIndicatorOut | None = None


class VisitOut(_Tracked):
    site_id: int
    site_code: str | None = None
    source: str
    source_visit_id: str
    visit_date: dt.date
    project: str | None = None
    team: str | None = None
    reached: bool | None = None
    not_reached_reason: str | None = None
    workers_count: int | None = None
    women_present: bool | None = None
    women_work: str | None = None
    children_under15_present: bool | None = None
    children_under15_working: bool | None = None
    children_under15_work: str | None = None
    children_15_17_present: bool | None = None
    children_15_17_working: bool | None = None
    mercury_used: bool | None = None
    cyanide_used: bool | None = None
    armed_presence: bool | None = None
    armed_interference: bool | None = None
    interference_taxation: bool | None = None
    interference_forced_labour: bool | None = None
    interference_pillage: bool | None = None
    interference_pit_ownership: bool | None = None
    interference_buying: bool | None = None
    armed_actors: list[dict[str, Any]] | None = None
    state_services: list[str] | None = None
    selling_points: list[str] | None = None
    final_destinations: list[str] | None = None
    minerals: list[str] | None = None
    mechanisation: str | None = None
    traceability: str | None = None
    qualification: str | None = None
    access_dry: str | None = None
    access_wet: str | None = None
    is_3t_mine: bool | None = None
    is_gold_mine: bool | None = None


class CooperativeOut(_Tracked):
    external_id: str
    name: str
    registration_number: str | None = None
    registration_status: str | None = None
    country: str | None = None
    contact: str | None = None


class PersonOut(_Tracked):
    """A person as the reader may see them: the name and date of birth only for roles that may read
    names (``names_visible``); phone numbers and identity documents never, only whether there is one."""

    external_id: str
    names_visible: bool
    full_name: str | None = None
    sex: str | None = None
    date_of_birth: dt.date | None = None
    birth_year: int | None = None
    birth_precision: str | None = None
    preferred_language: str | None = None
    has_phone: bool
    id_document_type: str | None = None
    has_id_document: bool
    consent_data: bool | None = None
    consent_data_at: dt.date | None = None
    consent_alerts: bool | None = None
    consent_alerts_at: dt.date | None = None
    erased_at: dt.datetime | None = None


class MembershipOut(_Tracked):
    person_id: int
    person: str | None = Field(None, description="the person's external id")
    cooperative_id: int
    cooperative: str | None = Field(None, description="the cooperative's external id")
    role: str
    role_raw: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class AssignmentOut(_Tracked):
    person_id: int
    person: str | None = Field(None, description="the person's external id")
    site_id: int
    site: str | None = Field(None, description="the site's code")
    task: str
    task_raw: str | None = None
    hours_per_week: float | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class ConcessionOut(_Tracked):
    source: str
    external_id: str
    title_number: str | None = None
    holder: str | None = None
    title_type: str | None = None
    title_type_raw: str | None = None
    is_artisanal_zone: bool
    status: str | None = None
    date_granted: dt.date | None = None
    date_expires: dt.date | None = None
    title_date: dt.date | None = None
    geometry_type: str | None = None
    bbox: list[float] | None = Field(None, description="min_lon, min_lat, max_lon, max_lat")
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON geometry (WGS84)")
    properties: dict[str, Any] | None = Field(None, description="the source's own attributes")


class ImportBatchOut(_Out):
    kind: str
    file_name: str
    file_sha256: str
    actor_email: str | None = None
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: str
    counts: dict[str, Any] | None = None


def _page_model(name: str, item: type[BaseModel]) -> type[BaseModel]:
    return create_model(
        name,
        __doc__=f"One page of {item.__name__.removesuffix('Out').lower()} records in id order; pass "
                "``next_cursor`` as ``cursor`` for the next page (null on the last page).",
        items=(list[item], ...),
        next_cursor=(str | None, None),
    )


SitePage = _page_model("SitePage", SiteOut)
VisitPage = _page_model("VisitPage", VisitOut)
CooperativePage = _page_model("CooperativePage", CooperativeOut)
PersonPage = _page_model("PersonPage", PersonOut)
MembershipPage = _page_model("MembershipPage", MembershipOut)
AssignmentPage = _page_model("AssignmentPage", AssignmentOut)
ConcessionPage = _page_model("ConcessionPage", ConcessionOut)
ImportBatchPage = _page_model("ImportBatchPage", ImportBatchOut)


# --- Records in: made from the import kinds' fields ------------------------------------------------

_INPUT_TYPES: dict[str, Any] = {
    "text": str, "country": str, "vocab": str, "date": str, "json": str,
    "int": int | str, "float": int | float | str, "lat": int | float | str, "lon": int | float | str,
    "bool": bool | str,
    "list": list[str] | str, "vocab_list": list[str] | str,
}
_HINTS = {
    "int": "a whole number",
    "float": "a number",
    "lat": "latitude in decimal degrees (WGS84), or as written in the field (3°12'S)",
    "lon": "longitude in decimal degrees (WGS84), or as written in the field (28°05'E)",
    "bool": "true or false (yes/no, oui/non, 1/0 also read)",
    "date": "a date: 2024-03-31 (other forms are read day first)",
    "country": "ISO 3166-1 country code or name",
    "list": "a list of texts (or one text separated by ;)",
}
_SECRET_HINTS = {
    "phone": "write-only: stored encrypted, never returned (see has_phone)",
    "id_document_number": "write-only: stored encrypted, never returned (see has_id_document)",
}


def _describe(f) -> str:
    parts = []
    if f.type in ("vocab", "vocab_list"):
        keys = ", ".join(VOCABULARIES[f.vocab].keys)
        many = "one or more of" if f.type == "vocab_list" else "one of"
        rest = "'unknown'" if f.vocab == "sex" else "'other', the text kept"
        parts.append(f"{many}: {keys} (synonyms in en/fr/es are read; other text is stored as {rest})")
    elif f.name == "geometry":
        parts.append("a GeoJSON geometry object, or WKT/GeoJSON text (WGS84)")
    elif f.type in _HINTS:
        parts.append(_HINTS[f.type])
    if f.name in _SECRET_HINTS:
        parts.append(_SECRET_HINTS[f.name])
    if f.max_len:
        parts.append(f"at most {f.max_len} characters")
    if f.min is not None or f.max is not None:
        bounds = [f"≥ {f.min:g}" if f.min is not None else "", f"≤ {f.max:g}" if f.max is not None else ""]
        parts.append(" and ".join(b for b in bounds if b))
    if f.help:
        parts.append(f.help)
    return "; ".join(parts)


_SQUARE = {"type": "Polygon", "coordinates": [[[28.1, -2.6], [28.2, -2.6], [28.2, -2.5], [28.1, -2.5], [28.1, -2.6]]]}
_EXAMPLES: dict[str, tuple[dict, dict]] = {  # (create, update)
    "sites": ({"code": "CD-SK-0001", "name": "Kadumwa", "country": "CD", "latitude": -2.5042, "longitude": 28.1523,
               "minerals": ["gold", "cassiterite"], "lifecycle_status": "active", "registered_on": "2024-03-31"},
              {"name": "Kadumwa II", "lifecycle_status": "closed"}),
    "visits": ({"site_code": "CD-SK-0001", "visit_date": "2024-05-02", "team": "Team 3", "reached": True,
                "workers_count": 120, "mercury_used": True, "children_under15_present": False},
               {"workers_count": 150}),
    "cooperatives": ({"external_id": "COOP-017", "name": "Coopérative minière Umoja", "country": "CD"},
                     {"contact": "Bureau de Walikale"}),
    "people": ({"external_id": "M-00042", "full_name": "Amani Bahati", "sex": "female", "birth_year": 1990,
                "phone": "+243812345678", "consent_data": True, "consent_data_at": "2024-05-02"},
               {"preferred_language": "sw"}),
    "memberships": ({"person": "M-00042", "cooperative": "COOP-017", "role": "member", "valid_from": "2023-01-01"},
                    {"valid_to": "2024-12-31"}),
    "assignments": ({"person": "M-00042", "site": "CD-SK-0001", "task": "washing", "hours_per_week": 30},
                    {"hours_per_week": 24}),
    "concessions": ({"external_id": "PE 1234", "title_type": "PE", "holder": "Société minière X",
                     "date_granted": "2019-02-01", "geometry": _SQUARE},
                    {"status": "expired"}),
}


def _input_model(name: str, resource: str, *, partial: bool) -> type[BaseModel]:
    res = RESOURCES[resource]
    fields: dict[str, Any] = {}
    for f in res.kind().fields:
        annotation = dict[str, Any] | str if f.name == "geometry" else _INPUT_TYPES[f.type]
        description = _describe(f) or None
        if f.required and not partial:
            fields[f.name] = (annotation, Field(..., description=description))
        else:
            fields[f.name] = (annotation | None, Field(None, description=description))
    if partial:
        doc = (f"The fields of a {res.noun} to change; the others keep their stored values, null empties a "
               f"field. {', '.join(res.key_fields)} identify the {res.noun} and cannot change.")
    else:
        doc = f"A new {res.noun}, checked by the same rules as an import of {resource}."
    example = _EXAMPLES[resource][1 if partial else 0]
    config = ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})
    return create_model(name, __config__=config, __doc__=doc, **fields)


SiteCreate = _input_model("SiteCreate", "sites", partial=False)
SiteUpdate = _input_model("SiteUpdate", "sites", partial=True)
VisitCreate = _input_model("VisitCreate", "visits", partial=False)
VisitUpdate = _input_model("VisitUpdate", "visits", partial=True)
CooperativeCreate = _input_model("CooperativeCreate", "cooperatives", partial=False)
CooperativeUpdate = _input_model("CooperativeUpdate", "cooperatives", partial=True)
PersonCreate = _input_model("PersonCreate", "people", partial=False)
PersonUpdate = _input_model("PersonUpdate", "people", partial=True)
MembershipCreate = _input_model("MembershipCreate", "memberships", partial=False)
MembershipUpdate = _input_model("MembershipUpdate", "memberships", partial=True)
AssignmentCreate = _input_model("AssignmentCreate", "assignments", partial=False)
AssignmentUpdate = _input_model("AssignmentUpdate", "assignments", partial=True)
ConcessionCreate = _input_model("ConcessionCreate", "concessions", partial=False)
ConcessionUpdate = _input_model("ConcessionUpdate", "concessions", partial=True)


# --- Child labour programme indicators (issue 5; read-only, counts only) --------------------------


class ChildLabourIndicatorRow(BaseModel):
    """One (group, period) cell; ``group`` or ``period`` ``total`` for the margins. A count is null when
    suppressed; a share is null when suppressed or without a denominator."""

    group: str = Field(description="the site code, cooperative or district; 'total' for the column totals")
    period: str = Field(description="2026-03, 2026-Q1 or 2026 (of identification); 'total' for the row totals")
    children_identified: int | None
    with_action: int | None = Field(description="children with at least one remediation action done")
    followed_up_1: int | None
    clean_at_1: int | None = Field(description="children not in child labour at the first follow-up")
    followed_up_2: int | None
    clean_at_2: int | None = Field(description="children not in child labour at the second follow-up")
    overdue_followups: int | None
    share_with_action: float | None
    share_clean_at_1: float | None
    share_clean_at_2: float | None
    median_days_to_action: float | None = Field(description="median days from identification to the first "
                                                            "action done")
    suppressed: list[str] = Field(description="the counts of this cell that are suppressed")


class ChildLabourIndicatorsOut(BaseModel):
    """Programme indicators computed from the cases, with small-cell suppression (counts below
    ``min_cell`` children, and complementary cells): the API is a channel for sharing outside the
    organisation, so it is always suppressed. No child's identity is in it."""

    by: str
    period: str
    as_of: dt.date
    suppressed: bool
    min_cell: int | None
    groups: list[str]
    periods: list[str]
    rows: list[ChildLabourIndicatorRow]


# --- Findings of child labour and of pay (issue 5; read-only) -------------------------------------


class ChildLabourFindingOut(BaseModel):
    """One finding of ``minewatch labour check``: ids only, never a name. ``person_id`` is given only to
    roles that may read children's records (``children.read``), null for everyone else."""

    kind: str = Field(description="classification, unmapped_task, age_unknown or invalid_age")
    site_code: str
    classification: str | None = Field(description="permitted, light_work, child_labour or hazardous_child_labour")
    rule: str | None = Field(description="the rule cited (ILO C138, C182, R190 or a country override)")
    source_type: str = Field(description="assignment or visit")
    source_id: int
    reason: str
    on_date: dt.date
    age_uncertain: bool | None = None
    age_min: int | None = None
    age_max: int | None = None
    age_band: str | None = None
    person_id: int | None = None
    visit_date: dt.date | None = None
    visit_source: str | None = None
    visit_ref: str | None = None
    task_classes: list[str] = []
    hazardous_tasks: list[str] = []
    unmapped_tasks: list[str] = []
    country: str | None = None
    provisional: bool = False


class ChildLabourFindingsOut(BaseModel):
    counts: dict[str, int] = Field(description="findings of the site and source type by classification (or kind)")
    items: list[ChildLabourFindingOut] = Field(description="the findings that also match the classification")


class PayFindingOut(BaseModel):
    """One finding of ``minewatch pay check``, with its numbers as exact decimals written as strings."""

    check: str = Field(description="minimum_wage, fairmined_price, fairmined_premium, advances or late_payment")
    status: str = Field(description="breach, ok, info or not_assessable")
    site_code: str | None
    subject_type: str = Field(description="payment, pay_period, sale or person")
    subject: str = Field(description="external id(s) of the payment(s), sale or person")
    person: str | None = Field(description="the person's external id")
    on: dt.date | None
    currency: str | None
    numbers: dict[str, str]
    reason: str
    rule: str = Field(description="the rule applied and the reference (price, wage) used, with its source")


class PayFindingsOut(BaseModel):
    counts: dict[str, int] = Field(description="findings of the site on the date by status")
    items: list[PayFindingOut] = Field(description="the findings that also match status and check")
