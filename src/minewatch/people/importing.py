"""Record kinds of people, their cooperative memberships and their work at sites.

How the importer protects people's data
---------------------------------------
* A phone number is normalised (profile option ``default_country_code`` for numbers written
  without one) and stored only as ``phone_hash`` (keyed HMAC, for lookup) and ``phone_encrypted``
  (AES-GCM, for sending alerts). An identity document number is stored only encrypted. Neither is
  ever echoed in clear by the importer: problems (and so the report and the quarantine reasons)
  show them masked, ``+2438******78``. The quarantine file still copies the row's own cells, as
  the input file has them.
* A person's content digest, kept in the row and in the append-only audit trail, is a keyed HMAC
  (:meth:`~minewatch.kit.crypto.Vault.keyed_digest`): a plain hash of a name and a birth year could
  be found again by trying names. Ciphertexts change at every encryption (random nonce), so the
  digest covers ``phone_hash`` and the document number instead, and a phone or document that did
  not change keeps its stored ciphertext: re-importing a file changes nothing.
* ``consent_data`` = no makes the row an error ("no consent to store this person's data"), rather
  than storing the person "anonymously": the external id alone links back to the source register,
  so such a record would not be anonymous, and a person who said no should not be in the registry
  at all. Someone already registered who withdraws consent is erased with ``minewatch people forget``.
* ``people forget`` replaces the external id with ``erased-<token>``, the token being a keyed HMAC
  of the old id (:func:`erasure_token`). An import meeting the old id again reports an error instead
  of registering again someone who asked to be forgotten (a suppression list that holds no data).
* A consent decision stored with a later date than the file's (alerts withdrawn by phone after the
  survey) is kept when an older file is imported again, with a warning.

Birth: a ``date_of_birth`` gives ``birth_precision`` "exact" and the ``birth_year``; a ``birth_year``
alone gives "year", or "estimated" when ``birth_year_estimated`` (column ``approximate``) says yes.
A date of birth marked approximate is kept as an estimated year only (a warning says so).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from functools import partial

from minewatch.errors import ConfigError
from minewatch.kit import parsing
from minewatch.kit.crypto import normalise_phone
from minewatch.kit.findings import ParseProblem, Problem
from minewatch.people import repository as repo
from minewatch.cooperatives.orm import Cooperative
from minewatch.people.orm import Assignment, Membership, Person
from minewatch.registry.importing import Field, RecordKind, StoreContext, ids_by_key, upsert
from minewatch.sites.orm import Site
from minewatch.registry.profile import Profile

MAX_AGE_YEARS = 110
MAX_HOURS_PER_WEEK = 112  # 16 hours a day, 7 days a week
ID_DOCUMENT_MAX_LEN = 60
ERASED_PREFIX = "erased-"
SECRET_FIELDS = ("phone", "id_document_number")

# The stored columns of a person besides the secrets; with phone_hash they make the digest.
PERSON_COLUMNS = (
    "external_id", "full_name", "sex", "date_of_birth", "birth_year", "birth_precision", "preferred_language",
    "id_document_type", "consent_data", "consent_data_at", "consent_alerts", "consent_alerts_at",
)
DIGESTED_COLUMNS = PERSON_COLUMNS + ("phone_hash",)
_DIGEST_ORDER = DIGESTED_COLUMNS + ("__extra__",)
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=dt.date.isoformat).encode
_CONSENTS = (("consent_data", "consent_data_at"), ("consent_alerts", "consent_alerts_at"))
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")

_PERSON_REF = ("person_id", "person_external_id", "miner_id", "member_id", "worker_id")
_PERIOD_FIELDS = (
    Field("valid_from", "date", aliases=("from", "since", "start_date", "date_from", "depuis", "desde")),
    Field("valid_to", "date", aliases=("to", "until", "end_date", "date_to", "jusqu_a", "hasta")),
)


# -- pure helpers -------------------------------------------------------------------------------

def mask(value: str | None, *, head: int = 5, tail: int = 2) -> str | None:
    """Hide the middle of a secret for messages; short values are hidden entirely.

    >>> mask("+243812345678")
    '+2438******78'
    >>> mask("0812")
    '****'
    """
    if value is None:
        return None
    if len(value) - head - tail < 4:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail:]


def person_digest(vault, content: dict) -> str:
    """The keyed digest of a person's content (upsert's ``digest_fn``): the digested columns and the
    document number (``__extra__``) in a fixed order; ciphertexts are left out."""
    return vault.keyed_digest(_encode_json([content[k] for k in _DIGEST_ORDER]))


def stored_person_digest(vault, person: Person) -> str:
    """The digest :func:`person_digest` gives a stored person: what an import of the same content gives."""
    content = {c: getattr(person, c) for c in DIGESTED_COLUMNS}
    content["__extra__"] = vault.decrypt(person.id_document_encrypted) if person.id_document_encrypted else None
    return person_digest(vault, content)


def erasure_token(vault, org_id: int, external_id: str) -> str:
    """``erased-<uuid>``: stands for an erased person's external id; only the key can link the two."""
    mac = vault.keyed_digest(f"erased-external-id\x00{org_id}\x00{external_id}")
    return ERASED_PREFIX + str(uuid.UUID(mac[:32]))


def birth_problems(record: dict, row_number: int, today: dt.date) -> list[Problem]:
    """Sets ``birth_precision`` (and the year from the date); errors when the birth fields disagree or
    are impossible; the approximate date warning."""
    dob, year, estimated = record.get("date_of_birth"), record.get("birth_year"), record.get("birth_year_estimated")
    problems: list[Problem] = []
    if dob is not None:
        if dob > today:
            return [Problem("error", "birth_in_future", f"the date of birth {dob.isoformat()} is in the future",
                            row_number, "date_of_birth", dob.isoformat())]
        if year is not None and year != dob.year:
            return [Problem("error", "birth_year_conflict",
                            f"the birth year {year} disagrees with the date of birth {dob.isoformat()}",
                            row_number, "birth_year", str(year))]
        year = record["birth_year"] = dob.year
        if estimated:
            record["date_of_birth"] = None
            problems.append(Problem("warning", "date_of_birth_approximate",
                                    "the date of birth is marked approximate: only the year is kept, as estimated",
                                    row_number, "date_of_birth", dob.isoformat()))
    if year is not None and year > today.year:
        return [Problem("error", "birth_in_future", f"the birth year {year} is in the future",
                        row_number, "birth_year", str(year))]
    if year is not None:
        age = today.year - year
        if record["date_of_birth"] is not None and (today.month, today.day) < (dob.month, dob.day):
            age -= 1
        if age > MAX_AGE_YEARS:
            return [Problem("error", "age_implausible",
                            f"born in {year}, the person would be {age} years old (more than {MAX_AGE_YEARS})",
                            row_number, "birth_year" if record["date_of_birth"] is None else "date_of_birth",
                            str(year))]
    if record["date_of_birth"] is not None:
        record["birth_precision"] = "exact"
    elif year is not None:
        record["birth_precision"] = "estimated" if estimated else "year"
    else:
        record["birth_precision"] = None
    return problems


def consent_problems(record: dict, row_number: int, today: dt.date) -> list[Problem]:
    if record.get("consent_data") is False:
        return [Problem("error", "no_consent",
                        "no consent to store this person's data: remove the row (if the person is registered "
                        "already, erase them with 'minewatch people forget')", row_number, "consent_data")]
    problems = []
    for _, at in _CONSENTS:
        if record.get(at) is not None and record[at] > today:
            problems.append(Problem("error", "consent_date_in_future",
                                    f"the consent date {record[at].isoformat()} is in the future",
                                    row_number, at, record[at].isoformat()))
    return problems


def period_problems(record: dict, row_number: int) -> list[Problem]:
    start, end = record.get("valid_from"), record.get("valid_to")
    if start is not None and end is not None and end < start:
        return [Problem("error", "period_reversed",
                        f"valid_to {end.isoformat()} is before valid_from {start.isoformat()}",
                        row_number, "valid_to", end.isoformat())]
    return []


def _vault(ctx: StoreContext):
    if ctx.vault is None:
        raise ConfigError("importing people needs the key vault (phones and documents are encrypted)")
    return ctx.vault


# -- people -------------------------------------------------------------------------------------

class PeopleKind(RecordKind):
    """People registered by the organisation: miners, members, workers. Keyed on ``external_id``."""

    personal_data = True
    name = "people"
    entity_type = "person"
    permission = "people.write"
    fields = (
        Field("external_id", required=True, max_len=120, aliases=("person_id", "id", "miner_id")),
        Field("full_name", max_len=200, aliases=("name", "nom", "nombre", "nome", "names", "noms")),
        Field("sex", "vocab", vocab="sex", aliases=("sexe", "sexo", "gender", "genre")),
        Field("date_of_birth", "date", aliases=("dob", "birth_date", "date_naissance", "date_de_naissance",
                                               "fecha_nacimiento", "data_nascimento")),
        Field("birth_year", "int", min=1900, aliases=("year_of_birth", "annee_naissance", "anio_nacimiento")),
        Field("birth_year_estimated", "bool", aliases=("approximate", "birth_year_approximate", "approximatif")),
        Field("preferred_language", aliases=("language", "langue", "idioma", "lingua")),
        # Secrets: parsed by map_row below, never by the generic mapper (whose problems echo the cell).
        Field("phone", aliases=("phone_number", "telephone", "téléphone", "tel", "telefono", "mobile")),
        Field("id_document_type", max_len=40, aliases=("document_type", "type_piece", "piece_identite_type")),
        Field("id_document_number", aliases=("document_number", "numero_piece", "id_number")),
        Field("consent_data", "bool", aliases=("consent", "consentement", "consentimiento")),
        Field("consent_data_at", "date", aliases=("consent_date", "date_consentement")),
        Field("consent_alerts", "bool", aliases=("consent_sms", "alerts")),
        Field("consent_alerts_at", "date", aliases=("consent_alerts_date",)),
    )

    def __init__(self, *, today: dt.date | None = None):
        self.today = today or dt.date.today()

    def key(self, record: dict) -> tuple:
        return (record["external_id"],)

    def map_row(self, values, row, row_number, profile: Profile, columns):
        secrets = {f: values.get(f) for f in SECRET_FIELDS}
        record, problems = super().map_row({**values, **dict.fromkeys(SECRET_FIELDS)}, row, row_number,
                                           profile, columns)
        if record.get("sex_raw") is not None:
            # "other" in this vocabulary is a sex of its own: text it does not know becomes "unknown".
            problems = [p for p in problems if not (p.code == "not_in_vocabulary" and p.column == columns.get("sex"))]
        problems.extend(self._secrets(record, secrets, row_number, profile, columns))
        problems.extend(self._field_checks(record, row_number, columns))
        return record, problems

    def finish(self, record: dict, row: dict, row_number: int, profile: Profile) -> list[Problem]:
        return birth_problems(record, row_number, self.today) + consent_problems(record, row_number, self.today)

    def _secrets(self, record, secrets, row_number, profile, columns) -> list[Problem]:
        problems = []
        phone = parsing.parse_text(secrets["phone"])
        record["phone"] = None
        if phone is not None:
            country = profile.options.get("default_country_code")
            try:
                record["phone"] = normalise_phone(phone, default_country_code=str(country) if country else None)
            except ParseProblem as pp:
                problems.append(Problem("error", pp.code, pp.reason, row_number, columns.get("phone", "phone"),
                                        mask(phone)))
        number = parsing.parse_text(secrets["id_document_number"])
        record["id_document_number"] = number
        if number is not None and len(number) > ID_DOCUMENT_MAX_LEN:
            record["id_document_number"] = None
            problems.append(Problem("error", "text_too_long",
                                    f"an identity document number has at most {ID_DOCUMENT_MAX_LEN} characters",
                                    row_number, columns.get("id_document_number", "id_document_number"),
                                    mask(number, head=0)))
        if record.get("consent_alerts") and record["phone"] is None and phone is None:
            problems.append(Problem("warning", "alerts_without_phone",
                                    "consent to alerts is given but there is no phone number to send them to",
                                    row_number, columns.get("phone", "phone")))
        return problems

    def _field_checks(self, record, row_number, columns) -> list[Problem]:
        problems = []
        ext = record.get("external_id")
        if ext is not None and ext.startswith(ERASED_PREFIX):
            problems.append(Problem("error", "reserved_external_id",
                                    f"external ids starting with '{ERASED_PREFIX}' are reserved for erased people",
                                    row_number, columns.get("external_id"), ext))
        if record.pop("sex_raw", None) is not None:
            record["sex"] = "unknown"
            problems.append(Problem("warning", "sex_not_recognised",
                                    "not a known way of writing female, male or other: stored as 'unknown' "
                                    "(map your codes under 'values' in a profile)",
                                    row_number, columns.get("sex", "sex")))
        lang = record.get("preferred_language")
        if lang is not None:
            lang = record["preferred_language"] = lang.lower()
            if not _LANGUAGE_CODE.fullmatch(lang):
                record["preferred_language"] = None
                problems.append(Problem("error", "not_a_language_code",
                                        f"'{lang}' is not an ISO 639 language code: write 2 or 3 letters such as "
                                        "fr, sw, ln or lua (or map your values in a profile)",
                                        row_number, columns.get("preferred_language"), lang))
        return problems

    def store(self, ctx: StoreContext, rows: list[tuple[int, dict]]) -> dict[int, list[Problem]]:
        vault = _vault(ctx)
        s, org_id = ctx.session, ctx.actor.org_id
        if "people_before" not in ctx.cache:  # an organisation's first import has nothing stored to look up
            ctx.cache["people_before"] = repo.any_people(s, org_id)
        stored = {}
        if ctx.cache["people_before"]:
            stored = repo.stored_people(s, org_id, (r["external_id"] for _, r in rows))
        forgotten = self._forgotten(ctx, vault, [r["external_id"] for _, r in rows if r["external_id"] not in stored])
        failed: dict[int, list[Problem]] = {}
        db_rows, documents = [], []
        lookup_hash, encrypt, decrypt = vault.lookup_hash, vault.encrypt, vault.decrypt
        for row_number, r in rows:
            ext = r["external_id"]
            if ext in forgotten:
                failed[row_number] = [Problem(
                    "error", "person_forgotten",
                    "this person asked to be forgotten and was erased: remove the row (if they consent "
                    "again, register them under a new id)", row_number, "external_id", ext)]
                continue
            old = stored.get(ext)
            row = {c: r[c] for c in PERSON_COLUMNS}
            phone, number = r["phone"], r["id_document_number"]
            if phone is None:
                row["phone_hash"] = row["phone_encrypted"] = None
            else:
                row["phone_hash"] = h = lookup_hash(phone)
                row["phone_encrypted"] = (old.phone_encrypted if old is not None and old.phone_hash == h
                                          and old.phone_encrypted is not None else encrypt(phone))
            if number is None:
                row["id_document_encrypted"] = None
            elif old is not None and old.id_document_encrypted is not None \
                    and decrypt(old.id_document_encrypted) == number:
                row["id_document_encrypted"] = old.id_document_encrypted
            else:
                row["id_document_encrypted"] = encrypt(number)
            if old is not None:
                self._keep_later_consents(ctx, row, old, row_number)
            db_rows.append(row)
            documents.append(number)
        if db_rows:
            upsert(ctx, Person, ("external_id",), db_rows, digest_fn=partial(person_digest, vault),
                   digest_extra=documents)
        return failed

    def _forgotten(self, ctx: StoreContext, vault, new_ids: list[str]) -> set[str]:
        """Which of these new external ids belong to people erased earlier."""
        if "people_any_erased" not in ctx.cache:
            ctx.cache["people_any_erased"] = repo.any_erased(ctx.session, ctx.actor.org_id)
        if not new_ids or not ctx.cache["people_any_erased"]:
            return set()
        tokens = {erasure_token(vault, ctx.actor.org_id, e): e for e in new_ids}
        return {tokens[t] for t in repo.external_ids_present(ctx.session, ctx.actor.org_id, tokens)}

    @staticmethod
    def _keep_later_consents(ctx: StoreContext, row: dict, old, row_number: int) -> None:
        for flag, at in _CONSENTS:
            old_at = getattr(old, at)
            if old_at is None or (row[at] is not None and row[at] >= old_at):
                continue
            if row[flag] != getattr(old, flag) or row[at] != old_at:
                row[flag], row[at] = getattr(old, flag), old_at
                ctx.report.add(Problem("warning", "later_consent_kept",
                                       f"'{flag}' recorded on {old_at.isoformat()} is later than the file's: "
                                       "the stored decision is kept", row_number, flag))


# -- memberships and assignments ----------------------------------------------------------------

class MembershipsKind(RecordKind):
    """Who is a member of which cooperative, in which role, when. A blank role means 'member'."""

    name = "memberships"
    entity_type = "membership"
    permission = "people.write"
    fields = (
        Field("person", required=True, max_len=120, aliases=_PERSON_REF),
        Field("cooperative", required=True, max_len=120,
              aliases=("cooperative_id", "cooperative_code", "cooperative_external_id", "coop")),
        Field("role", "vocab", vocab="membership_roles", aliases=("function", "fonction", "position", "cargo")),
        *_PERIOD_FIELDS,
    )

    def key(self, record: dict) -> tuple:
        return (record["person"], record["cooperative"], record.get("role") or "member", record.get("valid_from"))

    def finish(self, record: dict, row: dict, row_number: int, profile: Profile) -> list[Problem]:
        if record.get("role") is None:
            record["role"] = "member"
        return period_problems(record, row_number)

    def store(self, ctx: StoreContext, rows: list[tuple[int, dict]]) -> dict[int, list[Problem]]:
        people = ids_by_key(ctx, Person.external_id, (r["person"] for _, r in rows))
        coops = ids_by_key(ctx, Cooperative.external_id, (r["cooperative"] for _, r in rows))
        failed: dict[int, list[Problem]] = {}
        db_rows = []
        for row_number, r in rows:
            problems = _unknown(ctx, row_number, ("person", r["person"], people), ("cooperative", r["cooperative"], coops))
            if problems:
                failed[row_number] = problems
                continue
            db_rows.append({"person_id": people[r["person"]], "cooperative_id": coops[r["cooperative"]],
                            "role": r["role"], "role_raw": r.get("role_raw"),
                            "valid_from": r["valid_from"], "valid_to": r["valid_to"]})
        if db_rows:
            upsert(ctx, Membership, ("person_id", "cooperative_id", "role", "valid_from"), db_rows)
        return failed


class AssignmentsKind(RecordKind):
    """Who works at which site, at which task, how many hours a week, when."""

    name = "assignments"
    entity_type = "assignment"
    permission = "people.write"
    fields = (
        Field("person", required=True, max_len=120, aliases=_PERSON_REF),
        Field("site", required=True, max_len=64, aliases=("site_code", "pcode", "site_id")),
        Field("task", "vocab", vocab="tasks",
              aliases=("activity", "activite", "activité", "travail", "tarea", "work")),
        Field("hours_per_week", "float", min=0, max=MAX_HOURS_PER_WEEK, aliases=("hours", "heures", "horas")),
        *_PERIOD_FIELDS,
    )

    def key(self, record: dict) -> tuple:
        return (record["person"], record["site"], record.get("task") or "other", record.get("valid_from"))

    def finish(self, record: dict, row: dict, row_number: int, profile: Profile) -> list[Problem]:
        problems = period_problems(record, row_number)
        if record.get("task") is None:
            record["task"] = "other"
            problems.append(Problem("warning", "task_missing", "no task given: stored as 'other'", row_number, "task"))
        return problems

    def store(self, ctx: StoreContext, rows: list[tuple[int, dict]]) -> dict[int, list[Problem]]:
        people = ids_by_key(ctx, Person.external_id, (r["person"] for _, r in rows))
        sites = ids_by_key(ctx, Site.code, (r["site"] for _, r in rows))
        failed: dict[int, list[Problem]] = {}
        db_rows = []
        for row_number, r in rows:
            problems = _unknown(ctx, row_number, ("person", r["person"], people), ("site", r["site"], sites))
            if problems:
                failed[row_number] = problems
                continue
            db_rows.append({"person_id": people[r["person"]], "site_id": sites[r["site"]], "task": r["task"],
                            "task_raw": r.get("task_raw"), "hours_per_week": r["hours_per_week"],
                            "valid_from": r["valid_from"], "valid_to": r["valid_to"]})
        if db_rows:
            upsert(ctx, Assignment, ("person_id", "site_id", "task", "valid_from"), db_rows)
        return failed


_IMPORT_FIRST = {"person": "people", "cooperative": "cooperatives", "site": "sites"}


def _unknown(ctx: StoreContext, row_number: int, *refs: tuple[str, str, dict]) -> list[Problem]:
    return [Problem("error", f"unknown_{what}",
                    f"no {what} {value!r} in this organisation (import {_IMPORT_FIRST[what]} first)",
                    row_number, ctx.column(what), value)
            for what, value, known in refs if value not in known]
