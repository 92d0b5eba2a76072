"""``minewatch demo`` on a fresh clone (no shared data): the generated set goes through the real importer."""

from __future__ import annotations

import json

from click.testing import CliRunner


def test_demo_without_shared_data_loads_the_generated_set_and_is_idempotent(tmp_path):
    from minewatch.cli.main import cli

    env = {"MINEWATCH_HOME": str(tmp_path / "home"), "MINEWATCH_SHARED_DATA": str(tmp_path / "absent"),
           "MINEWATCH_DATABASE_URL": "", "MINEWATCH_DEBUG": "1"}
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--no-serve"], env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "a generated data set" in first.output
    assert "one-time password" in first.output
    second = runner.invoke(cli, ["demo", "--no-serve"], env=env, catch_exceptions=False)
    assert "0 new, 0 changed" in second.output and "one-time password" not in second.output
    stats = json.loads(runner.invoke(cli, ["db", "stats", "--json"], env=env).output)
    assert stats["sites"] == 60 and stats["visits"] > 60
    assert "intact" in runner.invoke(cli, ["audit", "verify"], env=env).output
