"""Shared fixtures: a fresh database per test on SQLite and, when available, on real PostgreSQL.

``db_url`` is parametrised over ``sqlite`` and ``postgres``. The PostgreSQL case needs
``MINEWATCH_TEST_POSTGRES_URL`` (``eval "$(.ci/postgres.sh start)"``); without it the case is
skipped with that reason. Under ``CI=true`` a skipped PostgreSQL test is turned into a failure,
except in ``make test`` before the PostgreSQL stage, which deselects them (see pytest_collection_modifyitems).
"""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

PG_ENV = "MINEWATCH_TEST_POSTGRES_URL"
IN_CI = os.environ.get("CI") == "true"
TEST_KEY = base64.b64encode(b"k" * 32).decode()


def pytest_configure(config):
    from minewatch.accounts.model import use_password_profile

    use_password_profile("CHEAPEST")  # argon2 at full cost would dominate the web tests' set-up


def pytest_collection_modifyitems(config, items):
    if IN_CI and not os.environ.get(PG_ENV):
        kept, dropped = [], []
        for item in items:
            (dropped if item.get_closest_marker("postgres") else kept).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and item.get_closest_marker("postgres"):
        report.outcome = "failed"
        report.longrepr = f"PostgreSQL test skipped under CI=true: {report.longrepr}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'minewatch.sqlite3'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: start one with eval \"$(.ci/postgres.sh start)\"")
    yield from _pg_schema_url(base)


def _pg_schema_url(base: str):
    import sqlalchemy as sa

    schema = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema},public"
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def pg_url(tmp_path):
    """A fresh PostgreSQL schema (for tests that compare SQLite and PostGIS side by side)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: start one with eval \"$(.ci/postgres.sh start)\"")
    yield from _pg_schema_url(base)


def make_settings(home: Path, url: str):
    from minewatch.config import Settings

    return Settings(home=home, database_url=url, secret_key=TEST_KEY)


@pytest.fixture
def app(db_url, tmp_path):
    """A migrated database with one organisation ('test-org') and its admin."""
    from minewatch.accounts.service import init_organisation
    from minewatch.bootstrap import bootstrap

    a = bootstrap(make_settings(tmp_path / "home", db_url))
    a.migrate()
    with a.uow() as uow:
        init_organisation(uow, name="Test Org", slug="test-org", admin_email="admin@test.org")
    yield a
    a.dispose()


@pytest.fixture
def actor(app):
    from minewatch.accounts.service import resolve_actor

    with app.uow() as uow:
        return resolve_actor(uow, org_slug=None, email=None)


def make_cli(home, url: str, secret_key: str = TEST_KEY):
    """Run the ``minewatch`` CLI against a database: ``run("sites", "list", "--json")``."""
    from minewatch.cli.main import cli as root

    env = {
        "MINEWATCH_HOME": str(home),
        "MINEWATCH_DATABASE_URL": url,
        "MINEWATCH_SECRET_KEY": secret_key,
        "MINEWATCH_ORG": "",
        "MINEWATCH_DEBUG": "1",  # a bug raises its traceback in tests
    }
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(root, list(args), env=env, catch_exceptions=False)
        if ok and result.exit_code != 0:
            raise AssertionError(f"minewatch {' '.join(args)} exited {result.exit_code}:\n{result.output}")
        return result

    return run


@pytest.fixture
def cli(app):
    """Run the ``minewatch`` CLI against the test database: ``cli("sites", "list", "--json")``."""
    return make_cli(app.settings.home, app.settings.sqlalchemy_url)
