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


def test_demo_serves_the_web_app_and_the_printed_login_works(tmp_path):
    """What `make demo` does, as a real process: load, then serve; the printed URL and login work."""
    import os
    import re
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MINEWATCH_HOME": str(tmp_path / "home"), "MINEWATCH_SHARED_DATA": str(tmp_path / "absent"),
           "MINEWATCH_DATABASE_URL": "", "PYTHONUNBUFFERED": "1"}
    exe = Path(sys.executable).parent / "minewatch"
    proc = subprocess.Popen([str(exe), "demo", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        out, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            out.append(line)
            if "password " in line and line.strip().startswith("password"):
                break
        text = "".join(out)
        url = re.search(r"open\s+(http://\S+)", text).group(1)
        email = re.search(r"log in as (\S+)", text).group(1)
        password = re.search(r"password\s+(\S+)", text.split("log in as")[1]).group(1)
        assert url == f"http://127.0.0.1:{port}/"
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(200):  # the server starts right after printing
                try:
                    page = client.get("/login")
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            r = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
            assert r.status_code == 303, r.text
            home = client.get("/")
            assert home.status_code == 200 and 'id="map"' in home.text
            points = client.get("/map/sites.json").json()
            assert len(points["rows"]) == 60  # the generated demo's sites, all on the map
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
