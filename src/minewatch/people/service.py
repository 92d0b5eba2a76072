"""Use cases of people: show one, find by phone, change consent, forget (erase) on request.

Forgetting keeps what anonymous counts need and nothing that names the person:

=====================  =================================================================
kept                   sex, birth year (precision "exact" becomes "year"), memberships,
                       assignments, created_at, the audit events (digests only)
removed                name, date of birth, preferred language, phone hash and ciphertext,
                       identity document type and ciphertext
replaced               external id -> ``erased-<token>``, a keyed HMAC of the old id, so that
                       an import meeting the old id again refuses it (people/importing.py)
set                    ``erased_at``; both consents false, dated the day of erasure
=====================  =================================================================

What "no trace" means on each database, once :func:`forget_person` has returned:

* SQLite: ``secure_delete`` is on (adapters/db.py), so the space the old row version and its
  index entries occupied is overwritten with zeros when the transaction commits; the WAL, which
  still holds page images from before the erasure, is then checkpointed into the database and
  truncated to zero bytes. The database and WAL files no longer contain the old values (the
  integration tests grep the raw bytes). Copies made before (backups, file-system snapshots) and
  blocks the file system or SSD remapped are out of reach of any database.
* PostgreSQL: an UPDATE leaves the old row version as a dead tuple; ``VACUUM people`` runs after
  the commit (it cannot run inside a transaction) and makes it unreachable and its space reusable.
  The bytes may stay in the table's free space until overwritten, and in WAL segments, replicas
  and base backups until those are recycled; ``VACUUM FULL people`` (exclusive lock, rewrites the
  table) removes them from the table files. Backups must have a retention period.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

from minewatch.adapters.db import UnitOfWork, utcnow
from minewatch.audit.service import AuditLog
from minewatch.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minewatch.kit.crypto import normalise_phone
from minewatch.kit.findings import ParseProblem
from minewatch.kit.parsing import fold
from minewatch.people import repository as repo
from minewatch.people.importing import erasure_token, mask, stored_person_digest
from minewatch.people.orm import Person

REASON_MAX_LEN = 150
_DIGIT_RUN = re.compile(r"\d[\d\s().+-]{5,}\d")  # six digits or more, perhaps spaced: a phone or document


@dataclass(frozen=True)
class PersonView:
    """A person as the actor may see them: names and exact birth dates only with ``people.read_names``,
    phone and document numbers always masked."""

    id: int
    external_id: str
    names_visible: bool
    full_name: str | None
    sex: str | None
    date_of_birth: dt.date | None
    birth_year: int | None
    birth_precision: str | None
    preferred_language: str | None
    phone: str | None
    id_document_type: str | None
    id_document_number: str | None
    consent_data: bool | None
    consent_data_at: dt.date | None
    consent_alerts: bool | None
    consent_alerts_at: dt.date | None
    erased_at: dt.datetime | None
    memberships: list[dict] = field(default_factory=list)
    assignments: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ForgetResult:
    person_id: int
    erased_at: dt.datetime
    storage: str  # wal_truncated | wal_busy (SQLite), vacuumed (PostgreSQL)


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def _find(s, actor, ref: str) -> Person:
    """A person by external id, by id, or by ``#id``; an id that is also someone's external id is refused."""
    ref = str(ref).strip()
    if ref.startswith("#") and ref[1:].isdigit():
        person = repo.person_by_id(s, actor.org_id, int(ref[1:]))
    else:
        by_external = repo.person_by_external_id(s, actor.org_id, ref) if ref else None
        by_id = repo.person_by_id(s, actor.org_id, int(ref)) if ref.isdigit() else None
        if by_external is not None and by_id is not None and by_external.id != by_id.id:
            raise InvalidInput(f"'{ref}' is the external id of person #{by_external.id} and the id of another "
                               f"person: write #{ref} for the id", code="person_ambiguous")
        person = by_external or by_id
    if person is None:
        raise NotFound(f"no person '{ref}' in organisation '{actor.org_slug}'", code="person_not_found")
    return person


def _view(s, actor, person: Person, vault) -> PersonView:
    names = actor.may("people.read_names")
    phone = vault.decrypt(person.phone_encrypted) if person.phone_encrypted else None
    number = vault.decrypt(person.id_document_encrypted) if names and person.id_document_encrypted else None
    return PersonView(
        id=person.id, external_id=person.external_id, names_visible=names,
        full_name=person.full_name if names else None, sex=person.sex,
        date_of_birth=person.date_of_birth if names else None, birth_year=person.birth_year,
        birth_precision=person.birth_precision, preferred_language=person.preferred_language,
        phone=mask(phone), id_document_type=person.id_document_type, id_document_number=mask(number, head=0),
        consent_data=person.consent_data, consent_data_at=person.consent_data_at,
        consent_alerts=person.consent_alerts, consent_alerts_at=person.consent_alerts_at,
        erased_at=person.erased_at,
        memberships=repo.memberships_of(s, actor.org_id, person.id),
        assignments=repo.assignments_of(s, actor.org_id, person.id),
    )


def person_names(uow: UnitOfWork, *, actor, external_ids) -> dict[str, str | None]:
    """Names of the organisation's people by external id, for roles that may read names (pages that list
    people by their external id, e.g. pay findings, add the name with this)."""
    _require(actor, "people.read_names", "read people's names")
    return repo.names_by_external_id(uow.session, actor.org_id, external_ids)


def show_person(uow: UnitOfWork, *, actor, person_id_or_external_id: str, vault) -> PersonView:
    """One person with their memberships and assignments, as the actor may see them."""
    _require(actor, "registry.read", "read the registry")
    s = uow.session
    return _view(s, actor, _find(s, actor, person_id_or_external_id), vault)


def lookup_by_phone(uow: UnitOfWork, *, actor, phone: str, vault,
                    default_country_code: str | None = None) -> list[PersonView]:
    """The people with this phone number (a family may share one), found through the keyed hash."""
    _require(actor, "people.read_names", "look people up by phone")
    try:
        number = normalise_phone(phone, default_country_code=default_country_code)
    except ParseProblem as pp:
        raise InvalidInput(f"not a phone number: {pp.reason}", code=pp.code) from None
    s = uow.session
    return [_view(s, actor, p, vault) for p in repo.people_by_phone_hash(s, actor.org_id, vault.lookup_hash(number))]


def set_consent(uow: UnitOfWork, *, actor, person_id_or_external_id: str, vault, data: bool | None = None,
                alerts: bool | None = None, on: dt.date | None = None) -> PersonView:
    """Record a person's consent to keep their data and to receive alerts, dated ``on`` (today)."""
    _require(actor, "people.write", "change people's records")
    if data is False:
        raise InvalidInput("withdrawing consent to keep a person's data erases them: use 'minewatch people "
                           "forget' (forget_person)", code="consent_withdrawal_is_erasure")
    if data is None and alerts is None:
        raise InvalidInput("say which consent changes: data, alerts or both")
    s = uow.session
    person = _find(s, actor, person_id_or_external_id)
    if person.erased_at is not None:
        raise Conflict(f"person #{person.id} was erased; their consent cannot be given again", code="person_erased")
    on = on or dt.date.today()
    changed = False
    for name, value in (("consent_data", data), ("consent_alerts", alerts)):
        if value is not None and getattr(person, name) is not value:
            setattr(person, name, value)
            setattr(person, name + "_at", on)
            changed = True
    if not changed:
        return _view(s, actor, person, vault)
    before = person.content_digest
    person.content_digest = stored_person_digest(vault, person)
    person.updated_at = utcnow()
    s.flush()
    log = AuditLog(s, actor, context="people consent")
    log.record("consent_changed", "people", person.id, before=before, after=person.content_digest)
    log.flush()
    view = _view(s, actor, person, vault)
    uow.commit()
    return view


def check_reason(reason: str, *, secrets: list[str]) -> str:
    """The reason kept in the audit trail must not name the person: no word of the name, no
    external id, no run of six digits or more (a phone, a document)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("give a reason (kept in the audit trail), e.g. 'consent withdrawn by phone'")
    if len(reason) > REASON_MAX_LEN:
        raise InvalidInput(f"the reason has {len(reason)} characters; at most {REASON_MAX_LEN} are kept")
    folded = fold(reason)
    words = set(re.findall(r"\w+", folded))
    for secret in filter(None, secrets):
        whole = fold(secret)
        if {w for w in re.findall(r"\w+", whole) if len(w) >= 3} & words or (len(whole) >= 4 and whole in folded):
            raise InvalidInput("the reason must not name the person (it is kept in the audit trail): "
                               "describe the request, e.g. 'consent withdrawn by phone'", code="reason_identifies")
    if _DIGIT_RUN.search(reason):
        raise InvalidInput("the reason must not contain phone or document numbers (it is kept in the audit trail)",
                           code="reason_identifies")
    return reason


def forget_person(uow: UnitOfWork, *, actor, person_id_or_external_id: str, reason: str, vault,
                  now: dt.datetime | None = None) -> ForgetResult:
    """Erase what identifies a person (consent withdrawn), keep what anonymous counts need, audit it,
    then purge the old row versions from the database files (see the module docstring)."""
    _require(actor, "people.forget", "erase people")
    s = uow.session
    person = _find(s, actor, person_id_or_external_id)
    if person.erased_at is not None:
        raise Conflict(f"person #{person.id} was erased already", code="person_erased")
    reason = check_reason(reason, secrets=[person.full_name, person.external_id])
    now = now or utcnow()
    before = person.content_digest
    person.external_id = erasure_token(vault, actor.org_id, person.external_id)
    person.full_name = person.date_of_birth = person.preferred_language = None
    if person.birth_precision == "exact":
        person.birth_precision = "year"
    person.phone_hash = person.phone_encrypted = None
    person.id_document_type = person.id_document_encrypted = None
    person.consent_data = person.consent_alerts = False
    person.consent_data_at = person.consent_alerts_at = now.date()
    person.erased_at = now
    person.content_digest = after = stored_person_digest(vault, person)
    person.updated_at = now
    s.flush()
    log = AuditLog(s, actor, context=f"people forget: {reason}")
    log.record("erased", "people", person.id, before=before, after=after)
    log.flush()
    uow.commit()
    return ForgetResult(person.id, now, repo.purge_free_space(uow.bind))
