"""Backup and restore across SQLite and PostgreSQL: same counts, same rows, an intact audit chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import struct
import zipfile

import pytest
import sqlalchemy as sa

PHONE = "+243812345678"
ORGS = ("test-org", "second-org")


def seed(app, actor) -> None:
    """Two organisations with sites (point and polygon), visits, a cooperative, a person with an
    encrypted phone, memberships, a concession, an import batch, audit events and a stored file."""
    import shapely

    from minewatch.accounts.service import add_user, init_organisation
    from minewatch.audit.model import digest
    from minewatch.audit.service import AuditLog
    from minewatch.cooperatives.orm import Cooperative
    from minewatch.people.orm import Assignment, Membership, Person
    from minewatch.registry.orm import ImportBatch
    from minewatch.sites.orm import Concession, Site, SiteConcession, SiteMineral, SiteVisit

    with app.uow() as uow:
        init_organisation(uow, name="Second Org", slug="second-org", admin_email="admin@second.org",
                          allow_more=True)
    with app.uow() as uow:
        add_user(uow, actor=actor, email="fo@test.org", role="field_officer", display_name="Agent de terrain")

    polygon = shapely.Polygon([(28.80, -2.50), (28.81, -2.50), (28.81, -2.49), (28.80, -2.49), (28.80, -2.50)])
    org = actor.org_id
    with app.uow() as uow:
        s = uow.session
        coop = Cooperative(org_id=org, external_id="COOP-1", name="Coopérative minière de Nyabibwe", country="CD")
        s.add(coop)
        s.flush()
        kal = Site(org_id=org, code="KAL-001", name="Kalimbi – Nyabibwe", country="CD", latitude=-2.123456789012345,
                   longitude=28.87654321, cooperative_id=coop.id, minerals_raw=["Cassitérite", "Or"],
                   geom_wkb=shapely.to_wkb(shapely.Point(28.87654321, -2.123456789012345)), geometry_type="Point")
        kam = Site(org_id=org, code="KAM-002", name="Kamituga", country="CD", latitude=-2.495, longitude=28.805,
                   geom_wkb=shapely.to_wkb(polygon), geometry_type="Polygon", min_lon=28.80, min_lat=-2.50,
                   max_lon=28.81, max_lat=-2.49, minerals_raw=None)  # explicit None: stored as JSON null
        s.add_all([kal, kam])
        s.flush()
        s.add_all([SiteMineral(site_id=kal.id, mineral="cassiterite", position=0),
                   SiteMineral(site_id=kal.id, mineral="gold", position=1)])
        s.add_all([
            SiteVisit(org_id=org, site_id=kal.id, source="ipis", source_visit_id="v1", visit_date=dt.date(2021, 3, 5),
                      workers_count=80, women_present=False, mercury_used=None, armed_actors=["FARDC"],
                      raw={"q": "Présence armée", "n": 1.5}),
            SiteVisit(org_id=org, site_id=kam.id, source="ipis", source_visit_id="v2",
                      visit_date=dt.date(2022, 6, 1)),  # armed_actors unset: SQL NULL
        ])
        con = Concession(org_id=org, source="cadastre", external_id="PE 123", holder="Société Minière",
                         is_artisanal_zone=True, date_granted=dt.date(2010, 1, 2), properties={"code": "PE 123"},
                         geom_wkb=shapely.to_wkb(polygon.buffer(0.01)), geometry_type="Polygon")
        s.add(con)
        s.flush()
        s.add(SiteConcession(site_id=kam.id, concession_id=con.id))
        person = Person(org_id=org, external_id="P-1", full_name="Espérance Mukeshimana", sex="female",
                        birth_year=1990, phone_hash=app.vault.lookup_hash(PHONE),
                        phone_encrypted=app.vault.encrypt(PHONE), consent_data=True,
                        consent_data_at=dt.date(2024, 1, 15),
                        # microseconds and a non-UTC offset must survive as the same instant
                        erased_at=dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2))))
        s.add(person)
        s.flush()
        s.add(Membership(org_id=org, person_id=person.id, cooperative_id=coop.id, role="member",
                         valid_from=dt.date(2023, 1, 1)))
        s.add(Assignment(org_id=org, person_id=person.id, site_id=kal.id, task="digging", hours_per_week=37.5))
        s.add(ImportBatch(org_id=org, kind="ipis", file_name="ipis.csv", file_sha256="0" * 64, status="done",
                          counts={"sites": 2}, finished_at=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)))
        log = AuditLog(s, actor, context="test seed")
        log.record("created", "site", kal.id, before=None, after=digest({"code": "KAL-001"}))
        log.record("created", "person", person.id, before=None, after=digest({"id": "P-1"}))
        log.flush()
        uow.commit()

    photos = app.settings.files_dir / "photos"
    photos.mkdir(parents=True)
    (photos / "kalimbi puits.jpg").write_bytes(bytes(range(256)) * 10)


def dump(engine) -> dict[str, list[dict]]:
    """Every table's rows in primary-key order (volatile tables left out, as backups leave them);
    JSON columns also as their stored text."""
    from minewatch.adapters.orm_all import metadata

    out = {}
    with engine.connect() as conn:
        for t in metadata.sorted_tables:
            if t.info.get("volatile"):
                continue
            texts = [sa.cast(c, sa.Text).label(f"{c.name}__text") for c in t.c if isinstance(c.type, sa.JSON)]
            cols = list(t.c) + texts
            out[t.name] = [dict(r._mapping) for r in conn.execute(sa.select(*cols).order_by(*t.primary_key.columns))]
    return out


def cli_for(app, home, url):
    """The ``minewatch`` CLI against another database (the restore target)."""
    from tests.conftest import make_cli

    return make_cli(home, url, app.settings.secret_key)


def round_trip(app, actor, cli, tmp_path, target_url) -> None:
    from minewatch.adapters.db import make_engine

    seed(app, actor)
    stats = {org: cli("--org", org, "db", "stats", "--json").output for org in ORGS}
    rows = dump(app.engine)
    # SQL NULL, a JSON list and a stored JSON null must all come back as they were.
    assert [r["armed_actors__text"] for r in rows["site_visits"]] == ['["FARDC"]', None]
    assert [r["minerals_raw__text"] for r in rows["sites"]] == ['["Cassitérite","Or"]', "null"]

    zip_path = tmp_path / "backup.zip"
    out = cli("--org", "test-org", "backup", "--out", str(zip_path)).output
    assert "the secret key is not in the backup" in out
    assert zip_path.stat().st_mode & 0o777 == 0o600  # personal data: readable by its owner only
    sha = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    assert f"sha256 {sha}" in out
    with zipfile.ZipFile(zip_path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert "secret.key" not in " ".join(zf.namelist())
    from minewatch.adapters.db import head_revision

    assert manifest["schema_revision"] == head_revision(app.engine) and manifest["format_version"] == 1
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == {k: len(v) for k, v in rows.items()}
    sites_cols = next(t["columns"] for t in manifest["tables"] if t["name"] == "sites")
    assert "geom_wkb" in sites_cols and "geom" not in sites_cols and "geog" not in sites_cols

    target_home = tmp_path / "restored"
    target = cli_for(app, target_home, target_url)
    out = target("restore", str(zip_path)).output
    assert "events verified" in out and "the secret key is not in the backup" in out

    for org in ORGS:
        assert target("--org", org, "db", "stats", "--json").output == stats[org]
        assert "intact" in target("--org", org, "audit", "verify").output
    engine = make_engine(target_url)
    try:
        assert dump(engine) == rows
        with engine.connect() as conn:
            blob = conn.execute(sa.text("SELECT phone_encrypted FROM people")).scalar_one()
        assert app.vault.decrypt(bytes(blob)) == PHONE
    finally:
        engine.dispose()
    restored_file = target_home / "files" / "photos" / "kalimbi puits.jpg"
    assert restored_file.read_bytes() == bytes(range(256)) * 10
    # Ids go on after the restored ones (PostgreSQL sequences were moved past them).
    target("--org", "test-org", "users", "add", "new@test.org", "--role", "viewer")
    assert "intact" in target("--org", "test-org", "audit", "verify").output

    # The source recorded the backup (after its snapshot), and its chain still holds.
    with app.engine.connect() as conn:
        ev = conn.execute(sa.text("SELECT entity_type, entity_id FROM audit_events WHERE action = 'backed_up'")).one()
    assert tuple(ev) == ("database", sha)
    assert "intact" in cli("--org", "test-org", "audit", "verify").output


def test_round_trip_into_sqlite(app, actor, cli, tmp_path):
    round_trip(app, actor, cli, tmp_path, f"sqlite:///{tmp_path / 'restored.sqlite3'}")


@pytest.mark.postgres
def test_round_trip_into_postgres(app, actor, cli, tmp_path, pg_url):
    round_trip(app, actor, cli, tmp_path, pg_url)


def _rewrite(src, dst, *, change: str | None = None, drop: str | None = None) -> None:
    """Copy a zip, altering one member's bytes (a valid zip, a wrong SHA-256) or leaving one out."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == drop:
                continue
            if info.filename == change:
                data = data.replace("Espérance".encode(), b"Esperanza")
            zout.writestr(info, data)


def test_damaged_backup_is_refused_before_anything_is_written(app, actor, cli, tmp_path):
    seed(app, actor)
    good = tmp_path / "good.zip"
    cli("--org", "test-org", "backup", "--out", str(good))

    altered = tmp_path / "altered.zip"
    _rewrite(good, altered, change="tables/people.jsonl")
    flipped = tmp_path / "flipped.zip"
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("tables/site_visits.jsonl")
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    data[info.header_offset + 30 + name_len + extra_len + info.compress_size // 2] ^= 0xFF  # its compressed bytes
    flipped.write_bytes(bytes(data))
    missing = tmp_path / "missing.zip"
    _rewrite(good, missing, drop="tables/sites.jsonl")
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("not a zip")

    cases = [
        (altered, "tables/people.jsonl in altered.zip does not match its SHA-256"),
        (flipped, "tables/site_visits.jsonl in flipped.zip is damaged"),
        (missing, "tables/sites.jsonl is missing"),
        (not_zip, "notes.zip is not a readable minewatch backup"),
    ]
    for i, (path, message) in enumerate(cases):
        home, db = tmp_path / f"target{i}", tmp_path / f"target{i}.sqlite3"
        res = cli_for(app, home, f"sqlite:///{db}")("restore", str(path), ok=False)
        assert res.exit_code == 8, res.output
        assert message in res.output
        assert not db.exists() or not sa.inspect(sa.create_engine(f"sqlite:///{db}")).get_table_names()
        assert not (home / "files").exists()


def test_restore_needs_an_empty_database_and_backup_an_admin(app, actor, cli, tmp_path):
    zip_path = tmp_path / "b.zip"
    cli("backup", "--out", str(zip_path))
    res = cli("restore", str(zip_path), ok=False)
    assert res.exit_code == 7
    assert "restore needs an empty database: table 'organisations' has rows" in res.output

    res = cli("backup", "--out", str(zip_path), ok=False)
    assert res.exit_code == 7 and "already exists; use --force" in res.output
    cli("backup", "--out", str(zip_path), "--force")

    cli("users", "add", "co@test.org", "--role", "coordinator")
    res = cli("--as", "co@test.org", "backup", "--out", str(tmp_path / "c.zip"), ok=False)
    assert res.exit_code == 4 and "only an admin" in res.output
    assert not (tmp_path / "c.zip").exists()


def test_backup_reads_one_snapshot(app, actor, tmp_path):
    """A site written while the backup runs is not half in it: the backup is the state at its start."""
    from minewatch.registry.backup import create_backup
    from minewatch.sites.orm import Site

    seed(app, actor)
    written = []

    def write_meanwhile(n=1, total=None):
        if not written:  # the snapshot is open and counted; another connection commits a site
            with app.engine.begin() as conn:
                conn.execute(sa.insert(Site), {"org_id": actor.org_id, "code": "LATE-1", "latitude": 0.0,
                                               "longitude": 0.0, "created_at": dt.datetime.now(dt.timezone.utc),
                                               "updated_at": dt.datetime.now(dt.timezone.utc)})
            written.append(True)

    res = create_backup(app.engine, actor=actor, out_path=tmp_path / "b.zip", files_dir=app.settings.files_dir,
                        progress=write_meanwhile)
    assert written and res.tables["sites"] == 2
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        assert b"LATE-1" not in zf.read("tables/sites.jsonl")
    with app.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sites")).scalar() == 3
