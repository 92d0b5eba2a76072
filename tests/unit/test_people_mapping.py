"""People, memberships and assignments: pure mapping and checks (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from minewatch.errors import InvalidInput
from minewatch.kit.crypto import Vault
from minewatch.people.importing import (
    AssignmentsKind,
    MembershipsKind,
    PeopleKind,
    erasure_token,
    mask,
    person_digest,
    stored_person_digest,
)
from minewatch.people.orm import Person
from minewatch.people.service import check_reason
from minewatch.registry.importing import resolve_columns
from minewatch.registry.profile import Profile

TODAY = dt.date(2025, 6, 1)
VAULT = Vault(b"k" * 32)


def _map(kind, row: dict, profile: Profile | None = None):
    profile = profile or Profile()
    columns, file_problems, _ = resolve_columns(kind, list(row), profile)
    assert file_problems == []
    values = {name: row.get(col) for name, col in columns.items()}
    return kind.map_row(values, row, 2, profile, columns)


def person(profile: Profile | None = None, **cells):
    return _map(PeopleKind(today=TODAY), {"person_id": "P1", **cells}, profile)


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def test_a_full_row_maps_to_columns():
    record, problems = person(nom="  Amani   Bisimwa ", sexe="Femme", date_of_birth="15/11/1990",
                              langue="SW", phone="+243 81 234 5678", id_document_type="carte d'électeur",
                              id_document_number="0123456789", consent="oui", consent_date="2024-03-01",
                              consent_alerts="yes", consent_alerts_at="2024-03-01")
    assert problems == []
    assert record["external_id"] == "P1" and record["full_name"] == "Amani Bisimwa"
    assert record["sex"] == "female"
    assert (record["date_of_birth"], record["birth_year"], record["birth_precision"]) == (dt.date(1990, 11, 15), 1990, "exact")
    assert record["preferred_language"] == "sw"
    assert record["phone"] == "+243812345678"
    assert record["id_document_number"] == "0123456789"
    assert (record["consent_data"], record["consent_data_at"]) == (True, dt.date(2024, 3, 1))


@pytest.mark.parametrize("cells, expected", [
    ({"birth_year": "1980"}, (None, 1980, "year")),
    ({"birth_year": "1980", "approximate": "oui"}, (None, 1980, "estimated")),
    ({"birth_year": "1980", "approximate": "non"}, (None, 1980, "year")),
    ({}, (None, None, None)),
    ({"date_of_birth": "1980-02-03", "birth_year": "1980"}, (dt.date(1980, 2, 3), 1980, "exact")),
])
def test_birth_precision(cells, expected):
    record, problems = person(**cells)
    assert problems == []
    assert (record["date_of_birth"], record["birth_year"], record["birth_precision"]) == expected


def test_an_approximate_date_of_birth_is_kept_as_an_estimated_year():
    record, problems = person(date_of_birth="01/01/1975", approximate="yes")
    assert codes(problems) == ["date_of_birth_approximate"] and problems[0].severity == "warning"
    assert (record["date_of_birth"], record["birth_year"], record["birth_precision"]) == (None, 1975, "estimated")


@pytest.mark.parametrize("cells, code", [
    ({"date_of_birth": "1980-02-03", "birth_year": "1981"}, "birth_year_conflict"),
    ({"date_of_birth": "2025-06-02"}, "birth_in_future"),
    ({"birth_year": "2026"}, "birth_in_future"),
    ({"birth_year": "1914"}, "age_implausible"),
    ({"date_of_birth": "1914-06-01"}, "age_implausible"),
    ({"birth_year": "1899"}, "below_minimum"),
])
def test_impossible_births_are_errors(cells, code):
    _, problems = person(**cells)
    assert codes(problems) == [code] and problems[0].is_error


def test_exactly_110_years_old_is_accepted():
    record, problems = person(date_of_birth="1915-06-01")
    assert problems == [] and record["birth_year"] == 1915


def test_no_consent_to_store_data_is_an_error():
    _, problems = person(consent_data="non")
    assert codes(problems) == ["no_consent"]
    assert "no consent to store this person's data" in problems[0].reason


def test_a_consent_date_in_the_future_is_an_error():
    _, problems = person(consent_data="yes", consent_data_at="2030-01-01")
    assert codes(problems) == ["consent_date_in_future"]


def test_a_bad_phone_is_an_error_whose_value_is_masked():
    _, problems = person(phone="+243 81 2x4 5678")
    assert codes(problems) == ["phone_invalid"]
    assert problems[0].value == "+243 *********78"
    assert "2x4" not in problems[0].describe()


def test_a_local_phone_needs_the_profile_country_code_and_is_never_echoed():
    _, problems = person(phone="0812345678")
    assert codes(problems) == ["phone_without_country_code"]
    assert "812345" not in problems[0].describe()
    record, problems = person(Profile(options={"default_country_code": 243}), phone="0812 345 678")
    assert problems == [] and record["phone"] == "+243812345678"


def test_the_generic_mapper_never_sees_the_secrets():
    """A profile value map or a length rule of the generic mapper must not echo a phone or a document."""
    record, problems = person(id_document_number="X" * 61)
    assert codes(problems) == ["text_too_long"] and problems[0].value == "*" * 59 + "XX"
    assert record["id_document_number"] is None


@pytest.mark.parametrize("raw, stored", [("FR", "fr"), ("lua", "lua"), ("sw", "sw")])
def test_language_codes_are_lower_case(raw, stored):
    record, problems = person(language=raw)
    assert problems == [] and record["preferred_language"] == stored


@pytest.mark.parametrize("raw", ["French", "f", "fr-CD", "12"])
def test_a_language_must_be_an_iso_639_code(raw):
    _, problems = person(language=raw)
    assert codes(problems) == ["not_a_language_code"]


def test_an_unknown_sex_is_stored_as_unknown_not_other():
    record, problems = person(sex="2")
    assert record["sex"] == "unknown" and "sex_raw" not in record
    assert codes(problems) == ["sex_not_recognised"] and problems[0].severity == "warning"


def test_external_ids_of_erased_people_are_reserved():
    _, problems = _map(PeopleKind(today=TODAY), {"id": "erased-1234"})
    assert codes(problems) == ["reserved_external_id"]


def test_consent_to_alerts_without_a_phone_is_a_warning():
    _, problems = person(consent_alerts="oui")
    assert codes(problems) == ["alerts_without_phone"] and problems[0].severity == "warning"


def test_mask():
    assert mask("+243812345678") == "+2438******78"
    assert mask("0123456789", head=0) == "********89"
    assert mask("12345") == "*****"
    assert mask(None) is None


def _content(**changes) -> dict:
    content = {"external_id": "P1", "full_name": "Amani", "sex": "female", "date_of_birth": None,
               "birth_year": 1990, "birth_precision": "year", "preferred_language": "sw", "id_document_type": None,
               "consent_data": True, "consent_data_at": dt.date(2024, 3, 1), "consent_alerts": None,
               "consent_alerts_at": None, "phone_hash": VAULT.lookup_hash("+243812345678"),
               "phone_encrypted": VAULT.encrypt("+243812345678"), "id_document_encrypted": None,
               "__extra__": None}
    content.update(changes)
    return content


def test_the_person_digest_is_keyed_and_ignores_ciphertexts():
    d = person_digest(VAULT, _content())
    assert d == person_digest(VAULT, _content(phone_encrypted=VAULT.encrypt("+243812345678")))
    assert d != person_digest(VAULT, _content(full_name="Amani B"))
    assert d != person_digest(VAULT, _content(__extra__="0123"))
    assert d != person_digest(Vault(b"o" * 32), _content())


def test_a_stored_person_has_the_digest_its_import_gave():
    content = _content(id_document_encrypted=VAULT.encrypt("0123"), __extra__="0123")
    stored = Person(**{k: v for k, v in content.items() if k != "__extra__"})
    assert stored_person_digest(VAULT, stored) == person_digest(VAULT, content)


def test_the_erasure_token_is_keyed_and_per_organisation():
    token = erasure_token(VAULT, 1, "P1")
    assert token.startswith("erased-") and len(token) == len("erased-") + 36
    assert token == erasure_token(VAULT, 1, "P1")
    assert token != erasure_token(VAULT, 2, "P1") != erasure_token(Vault(b"o" * 32), 1, "P1")


@pytest.mark.parametrize("reason", ["Amani asked", "called from 0812 345 678", "P-00123 left", "BISIMWA"])
def test_a_forget_reason_must_not_identify_the_person(reason):
    with pytest.raises(InvalidInput):
        check_reason(reason, secrets=["Amani Bisimwa", "P-00123"])


def test_a_plain_forget_reason_is_kept():
    assert check_reason("  consent withdrawn   by phone ", secrets=["Amani Bisimwa", "P-00123"]) == \
        "consent withdrawn by phone"
    assert check_reason("asked at the meeting", secrets=["A", "P1"]) == "asked at the meeting"


def test_a_membership_without_role_is_a_member_and_periods_must_not_be_reversed():
    record, problems = _map(MembershipsKind(), {"person_id": "P1", "cooperative": "C1", "role": ""})
    assert problems == [] and record["role"] == "member"
    record, problems = _map(MembershipsKind(), {"person_id": "P1", "cooperative": "C1", "role": "Trésorière",
                                                "from": "2024-05-01", "to": "2024-04-30"})
    assert record["role"] == "treasurer"
    assert codes(problems) == ["period_reversed"]


def test_assignment_tasks_hours_and_periods():
    record, problems = _map(AssignmentsKind(), {"person": "P1", "site_code": "S1", "activité": "creuseur",
                                                "hours": "48"})
    assert problems == [] and (record["task"], record["hours_per_week"]) == ("digging", 48.0)
    record, problems = _map(AssignmentsKind(), {"person": "P1", "site": "S1", "task": "astrologie"})
    assert record["task"] == "other" and record["task_raw"] == "astrologie"
    assert codes(problems) == ["not_in_vocabulary"] and problems[0].severity == "warning"
    record, problems = _map(AssignmentsKind(), {"person": "P1", "site": "S1", "task": ""})
    assert record["task"] == "other" and codes(problems) == ["task_missing"]
    _, problems = _map(AssignmentsKind(), {"person": "P1", "site": "S1", "task": "digging", "hours": "113"})
    assert codes(problems) == ["above_maximum"]
