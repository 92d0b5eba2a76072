"""People, memberships and assignments: import, re-import, consent, and forgetting without a trace.

Runs on SQLite and, with MINEWATCH_TEST_POSTGRES_URL, on PostgreSQL (see tests/conftest.py).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import sqlalchemy as sa

NAME = "Espérance Kabuyaya"  # appears nowhere else, so finding its bytes means finding this person
PHONE = "+243 81 234 5678"
PHONE_DIGITS = "812345678"
DOCUMENT = "CE-77310042"

PEOPLE_CSV = f"""person_id,nom,sexe,date_of_birth,birth_year,approximate,langue,telephone,id_document_type,id_document_number,consent,consent_date,consent_alerts
P1,{NAME},F,12/03/1988,,,sw,{PHONE},carte d'électeur,{DOCUMENT},oui,2024-03-01,oui
P2,Amani Bisimwa,homme,,1979,oui,fr,0997 000 111,,,oui,2024-03-01,non
P3,Furaha Masika,femme,,2001,,ln,,,,oui,2024-03-02,
"""
COOPERATIVES_CSV = "external_id,name,country\nC1,Coopérative minière de Kamituga,CD\n"
SITES_CSV = "code,name,country,latitude,longitude\nS1,Kamituga,CD,-3.06,28.18\n"
MEMBERSHIPS_CSV = "person,cooperative,role,valid_from,valid_to\nP1,C1,présidente,2020-01-01,\nP2,C1,,,\n"
ASSIGNMENTS_CSV = "person,site,task,hours_per_week,valid_from\nP1,S1,creuseur,40,2023-05-01\nP3,S1,,12,\n"
PROFILE = "kind: people\noptions:\n  default_country_code: '243'\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _load(cli, tmp_path) -> dict[str, Path]:
    files = {name: _write(tmp_path, f"{name}.csv", text) for name, text in (
        ("cooperatives", COOPERATIVES_CSV), ("sites", SITES_CSV), ("people", PEOPLE_CSV),
        ("memberships", MEMBERSHIPS_CSV), ("assignments", ASSIGNMENTS_CSV))}
    profile = _write(tmp_path, "people.yaml", PROFILE)
    cli("import", "cooperatives", str(files["cooperatives"]))
    cli("import", "sites", str(files["sites"]))
    cli("import", "people", str(files["people"]), "--profile", str(profile))
    cli("import", "memberships", str(files["memberships"]))
    cli("import", "assignments", str(files["assignments"]))
    files["profile"] = profile
    return files


def _audit_count(app) -> int:
    with app.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one()


def _person_row(app, external_id: str) -> dict:
    with app.engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT * FROM people WHERE external_id = :e"), {"e": external_id}).mappings().one())


def _database_bytes(app) -> bytes:
    """The SQLite database file and its WAL, as they are on disk."""
    path = Path(app.engine.url.database)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_import_and_reimport_change_nothing(app, cli, tmp_path):
    files = _load(cli, tmp_path)
    stats = json.loads(cli("db", "stats", "--json").output)
    assert (stats["people"], stats["memberships"], stats["assignments"]) == (3, 2, 2)
    p1, p2 = _person_row(app, "P1"), _person_row(app, "P2")
    assert (p1["full_name"], p1["sex"], p1["birth_year"], p1["birth_precision"]) == (NAME, "female", 1988, "exact")
    assert (p2["birth_year"], p2["birth_precision"], p2["sex"]) == (1979, "estimated", "male")
    assert p1["phone_hash"] and p1["phone_encrypted"] and p1["id_document_encrypted"]
    assert app.vault.decrypt(p2["phone_encrypted"]) == "+243997000111"  # local number, profile country code

    before = _audit_count(app)
    for kind in ("people", "memberships", "assignments"):
        args = ("--profile", str(files["profile"])) if kind == "people" else ()
        out = cli("import", kind, str(files[kind]), *args).output
        assert "(0 new, 0 changed" in out, out
    assert _audit_count(app) == before + 3  # one batch event per file, nothing else
    assert _person_row(app, "P1")["phone_encrypted"] == p1["phone_encrypted"]


def test_a_changed_row_is_updated_audited_and_keeps_its_phone_ciphertext(app, cli, tmp_path):
    files = _load(cli, tmp_path)
    old = _person_row(app, "P1")
    _write(tmp_path, "people.csv", PEOPLE_CSV.replace(f"P1,{NAME},", "P1,Espérance K. Kabuyaya,"))
    out = cli("import", "people", str(files["people"]), "--profile", str(files["profile"])).output
    assert "(0 new, 1 changed, 2 unchanged)" in out
    new = _person_row(app, "P1")
    assert new["full_name"] == "Espérance K. Kabuyaya"
    assert new["phone_encrypted"] == old["phone_encrypted"] and new["content_digest"] != old["content_digest"]
    with app.engine.connect() as conn:
        ev = conn.execute(sa.text("SELECT * FROM audit_events WHERE action = 'updated' AND entity_type = 'people'")).mappings().one()
    assert (ev["entity_id"], ev["before_digest"], ev["after_digest"]) == (str(old["id"]), old["content_digest"], new["content_digest"])
    assert "intact" in cli("audit", "verify").output


def test_unknown_people_cooperatives_and_sites_are_named(app, cli, tmp_path):
    _load(cli, tmp_path)
    bad = _write(tmp_path, "m.csv", "person,cooperative\nP1,C1\nP9,C1\nP2,C7\n")
    res = cli("import", "memberships", str(bad), ok=False)
    assert res.exit_code == 6
    assert "ERROR row 3, column 'person' value 'P9': no person 'P9' in this organisation (import people first)" in res.output
    assert "ERROR row 4, column 'cooperative' value 'C7': no cooperative 'C7'" in res.output
    q = tmp_path / "q.csv"
    res = cli("import", "assignments", str(_write(tmp_path, "a.csv", "person,site,task\nP2,S1,washing\nP2,S9,washing\n")),
              "--quarantine", str(q))
    assert "1 new" in res.output and "1 quarantined" in res.output
    assert "no site 'S9'" in q.read_text(encoding="utf-8")


def test_bad_phones_are_masked_in_messages_and_quarantine_reasons(app, cli, tmp_path):
    path = _write(tmp_path, "p.csv", "id,name,phone\nP1,A,+243 81 999 77x6\nP2,B,0819997776\nP3,C,+243819997776\n")
    res = cli("import", "people", str(path), ok=False)
    assert res.exit_code == 6
    assert "99977" not in res.output and "+243 *********x6" in res.output
    q = tmp_path / "q.csv"
    cli("import", "people", str(path), "--quarantine", str(q))
    with open(q, encoding="utf-8") as fh:
        reasons = [r["_problems"] for r in csv.DictReader(fh)]
    assert len(reasons) == 2 and not any("99977" in r for r in reasons)


def test_no_consent_rows_are_refused(app, cli, tmp_path):
    path = _write(tmp_path, "p.csv", "id,name,consent\nP1,A,non\n")
    res = cli("import", "people", str(path), ok=False)
    assert "no consent to store this person's data" in res.output


def test_show_masks_the_phone_and_hides_names_from_roles_without_need(app, cli, tmp_path):
    _load(cli, tmp_path)
    shown = json.loads(cli("people", "show", "P1", "--json").output)
    assert shown["full_name"] == NAME and shown["phone"] == "+2438******78"
    assert shown["id_document_number"] == "*********42"
    assert [m["role"] for m in shown["memberships"]] == ["president"]
    assert [(a["site"], a["task"]) for a in shown["assignments"]] == [("S1", "digging")]
    text = cli("people", "show", "P1").output
    assert PHONE_DIGITS not in text and "+2438******78" in text
    cli("users", "add", "viewer@test.org", "--role", "viewer")
    hidden = json.loads(cli("--as", "viewer@test.org", "people", "show", "P1", "--json").output)
    assert hidden["full_name"] is None and hidden["date_of_birth"] is None and hidden["birth_year"] == 1988
    res = cli("--as", "viewer@test.org", "people", "forget", "P1", "--yes", ok=False)
    assert res.exit_code == 4


def test_consent_changes_are_audited_and_survive_an_older_file(app, cli, tmp_path):
    files = _load(cli, tmp_path)
    out = cli("people", "consent", "P1", "--alerts", "no").output
    assert "to receive alerts no" in out
    with app.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_events WHERE action = 'consent_changed'")).scalar_one() == 1
    out = cli("import", "people", str(files["people"]), "--profile", str(files["profile"])).output
    assert "(0 new, 0 changed, 3 unchanged)" in out and "later_consent_kept" in out
    assert _person_row(app, "P1")["consent_alerts"] in (False, 0)


def test_lookup_by_phone_finds_the_person_through_the_hash(app, actor, cli, tmp_path):
    from minewatch.people.service import lookup_by_phone

    _load(cli, tmp_path)
    with app.uow() as uow:
        found = lookup_by_phone(uow, actor=actor, phone="00243 81 234 56 78", vault=app.vault)
    assert [(p.external_id, p.full_name) for p in found] == [("P1", NAME)]


def test_forget_leaves_no_trace_and_is_audited(app, cli, tmp_path):
    files = _load(cli, tmp_path)
    p1 = _person_row(app, "P1")
    sqlite = app.engine.dialect.name == "sqlite"
    if sqlite:
        raw = _database_bytes(app)
        assert NAME.encode() in raw  # the test would find it if it were there
        assert PHONE_DIGITS.encode() not in raw and DOCUMENT.encode() not in raw  # never in clear
    before = _audit_count(app)

    out = cli("people", "forget", "P1", "--reason", "consent withdrawn by phone", "--yes").output
    assert f"person #{p1['id']} erased" in out
    assert ("scrubbed" if sqlite else "VACUUM people done") in out

    with app.engine.connect() as conn:
        row = dict(conn.execute(sa.text("SELECT * FROM people WHERE id = :i"), {"i": p1["id"]}).mappings().one())
        ev = conn.execute(sa.text("SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1")).mappings().one()
        audit_text = json.dumps([dict(r) for r in conn.execute(sa.text("SELECT * FROM audit_events")).mappings()],
                                default=str, ensure_ascii=False)
        kept = conn.execute(sa.text("SELECT count(*) FROM memberships WHERE person_id = :i"), {"i": p1["id"]}).scalar_one()
        named = conn.execute(sa.text("SELECT count(*) FROM people WHERE full_name LIKE '%Kabuyaya%' "
                                     "OR external_id = 'P1'")).scalar_one()
    assert row["external_id"].startswith("erased-") and row["erased_at"] is not None
    assert [row[c] for c in ("full_name", "date_of_birth", "preferred_language", "phone_hash", "phone_encrypted",
                             "id_document_type", "id_document_encrypted")] == [None] * 7
    assert (row["sex"], row["birth_year"], row["birth_precision"]) == ("female", 1988, "year")
    assert not row["consent_data"] and not row["consent_alerts"]
    assert kept == 1 and named == 0
    assert _audit_count(app) == before + 1
    assert (ev["action"], ev["entity_type"], ev["entity_id"]) == ("erased", "people", str(p1["id"]))
    assert (ev["before_digest"], ev["after_digest"]) == (p1["content_digest"], row["content_digest"])
    assert ev["context"] == "people forget: consent withdrawn by phone"
    assert "Kabuyaya" not in audit_text and PHONE_DIGITS not in audit_text
    assert "intact" in cli("audit", "verify").output

    if sqlite:
        raw = _database_bytes(app)
        for secret in (NAME, "Kabuyaya", "Espérance", "1988-03-12"):
            assert secret.encode() not in raw, secret

    # The person's own file, imported again, must not register them again.
    res = cli("import", "people", str(files["people"]), "--profile", str(files["profile"]), ok=False)
    assert res.exit_code == 6 and "asked to be forgotten" in res.output
    res = cli("people", "forget", f"#{p1['id']}", "--yes", ok=False)
    assert res.exit_code == 7


def test_forget_refuses_a_reason_that_names_the_person(app, cli, tmp_path):
    _load(cli, tmp_path)
    res = cli("people", "forget", "P1", "--reason", "Espérance called", "--yes", ok=False)
    assert res.exit_code == 5 and "must not name the person" in res.output
    assert _person_row(app, "P1")["full_name"] == NAME


def test_forget_asks_for_confirmation(app, cli, tmp_path):
    _load(cli, tmp_path)
    res = cli("people", "consent", "P2", "--data", "no", ok=False)  # CliRunner gives no input: aborted
    assert res.exit_code == 1 and "Erase person #" in res.output
    assert _person_row(app, "P2")["full_name"] == "Amani Bisimwa"


def test_surplus_cells_of_a_person_row_are_not_repeated_in_problems(app, cli, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("external_id,full_name\nP1,Amani Bahati,+243812345678\n", encoding="utf-8")
    res = cli("import", "people", str(path), ok=False)
    assert "more cell(s) than the header" in res.output
    assert "812345678" not in res.output
