"""Migrations, accounts and the audit chain on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa


def test_migration_matches_the_orm(app):
    """Alembic's autogenerate finds nothing to add: migrations and ORM agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from minewatch.adapters.orm_all import metadata

    with app.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # PostGIS' generated columns and its own tables are not in the ORM on purpose.
    diff = [d for d in diff if not _is_postgis_extra(d)]
    assert diff == []


def _is_postgis_extra(d) -> bool:
    text = repr(d)
    return any(k in text for k in ("'geom'", "'geog'", "spatial_ref_sys", "ix_sites_geo", "ix_concessions_geo",
                                   "topology", "layer"))


def test_init_creates_org_admin_and_audit(app, actor, cli):
    assert actor.role == "admin" and actor.org_slug == "test-org"
    out = cli("audit", "verify").output
    assert "intact: 2 events" in out
    cli("users", "add", "fo@test.org", "--role", "field_officer")
    assert "intact: 3 events" in cli("audit", "verify").output


def test_tampering_with_one_audit_row_is_named(app, cli):
    cli("users", "add", "v@test.org", "--role", "viewer")
    with app.engine.begin() as conn:
        target = conn.execute(sa.text("SELECT id FROM audit_events WHERE seq = 2")).scalar_one()
        conn.execute(sa.text("UPDATE audit_events SET actor_email = 'mallory@evil.org' WHERE id = :i"), {"i": target})
    res = cli("audit", "verify", ok=False)
    assert res.exit_code == 8
    assert f"audit event id={target} (seq 2)" in res.output
    assert "changed after it was written" in res.output


def test_deleting_the_last_audit_row_is_detected(app, cli):
    with app.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)"))
    res = cli("audit", "verify", ok=False)
    assert res.exit_code == 8
    assert "deleted at the end" in res.output


def test_unknown_org_is_one_clear_line(app, cli):
    res = cli("--org", "nope", "db", "stats", ok=False)
    assert res.exit_code == 3
    assert res.output.strip() == "error: no organisation 'nope'; see 'minewatch init'"


def test_unreachable_database_is_one_line_not_a_traceback(tmp_path):
    from click.testing import CliRunner

    from minewatch.cli.main import cli as root

    res = CliRunner().invoke(root, ["db", "stats"], env={
        "MINEWATCH_HOME": str(tmp_path), "MINEWATCH_DATABASE_URL": "postgresql://u:p@127.0.0.1:1/none",
        "MINEWATCH_DEBUG": ""})
    assert res.exit_code == 9
    assert res.output.startswith("error: the database failed:")
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_commands_on_an_uninitialised_database_say_to_run_init(tmp_path):
    from tests.conftest import make_cli

    res = make_cli(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite3'}")("db", "stats", ok=False)
    assert res.exit_code == 2
    assert "run 'minewatch init' first" in res.output
