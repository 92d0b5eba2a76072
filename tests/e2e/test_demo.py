"""``minewatch demo`` on a fresh clone (no shared data): the generated set goes through the real importer."""

from __future__ import annotations

import json
import re

import pytest

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
    assert stats["sites"] == 66 and stats["visits"] > 60  # 60 generated IPIS sites + 6 hazard demo sites
    assert "Landslide hazard on a generated hillside DEM" in first.output and "HZ-DEMO-01" in first.output
    # Issue 9: every demo site gets its soil loss from the erosion run on the same DEM
    soil = _soil_loss_lines(first.output)
    assert sorted(soil) == [f"HZ-DEMO-{i:02d}" for i in range(1, 7)], first.output
    # Issue 10: a tree planting plan for a demo site, with its maps and printable plan, within the budget
    _check_plan(first.output, tmp_path / "home")
    assert "intact" in runner.invoke(cli, ["audit", "verify"], env=env).output


_PLAN = re.compile(r"Tree planting plan for (HZ-DEMO-\d\d) \(plan (\d+), adopted\): ([\d,]+) seedlings on [\d.]+ ha, "
                   r"\d+ person-days, USD ([\d,.]+) of ([\d,]+)\. .*?: ([\d.]+) today, ([\d.]+) at maturity .*?"
                   r"proven within ([\d.]+)% of the best")


def _check_plan(out: str, home) -> None:
    """The demo's plan line: within budget, the hazard falls, the plan's files exist where the web serves them."""
    m = _PLAN.search(out)
    assert m, out
    cost, budget = float(m[4].replace(",", "")), float(m[5].replace(",", ""))
    assert 0 < cost <= budget
    assert float(m[7]) < float(m[6]) <= 63  # people exposed: each person once, at most the demo's 63 people
    assert float(m[8]) <= 1.0
    folder = home / "demo" / "plan"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["site"] == m[1] and summary["seedlings"] == int(m[3].replace(",", ""))
    stored = list((home / "files" / "plans").glob(f"*/{m[2]}"))
    assert len(stored) == 1
    for name in ("plan.gpkg", "plan.tif", "plan.html", "map_plan.png", "map_exposure.png"):
        assert (stored[0] / name).stat().st_size > 500, name


_SOIL_LOSS = re.compile(r"^\s+(HZ-DEMO-\d\d)\s+soil loss (low|moderate|high|very_high) mean ([\d,.]+) t/ha/yr, "
                        r"total ([\d,.]+) t/yr, sediment export ([\d,.]+) t/yr")


def _soil_loss_lines(out: str) -> dict[str, tuple[str, float, float, float]]:
    """{site: (level, mean t/ha/yr, total t/yr, sediment export t/yr)} from the demo's soil-loss lines."""
    found = {}
    for line in out.splitlines():
        m = _SOIL_LOSS.match(line)
        if m:
            mean, total, export = (float(g.replace(",", "")) for g in m.groups()[2:])
            assert mean > 0 and total > 0 and 0 <= export <= total, line
            found[m[1]] = (m[2], mean, total, export)
    return found


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
            assert len(points["rows"]) == 66  # the generated demo's 60 IPIS sites and 6 hazard demo sites
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.shared_data
def test_demo_with_the_real_data_assesses_demo_sites_on_the_ecuador_dem(tmp_path):
    """`make demo` with ../shared/data: the IPIS registry, the CAMI titles and a landslide run on the
    real Ecuador DEM whose six demo sites get a level, a reason, their people and a map each."""
    from minewatch.cli.main import cli

    from tests.shared_data import shared_data_path

    data = shared_data_path("ecuador-landslides-terrain", "ta.tif").parents[1]
    env = {"MINEWATCH_HOME": str(tmp_path / "home"), "MINEWATCH_SHARED_DATA": str(data),
           "MINEWATCH_DATABASE_URL": "", "MINEWATCH_DEBUG": "1"}
    runner = CliRunner()
    out = runner.invoke(cli, ["demo", "--no-serve"], env=env, catch_exceptions=False).output
    assert "3,415 sites" in out  # 3,409 IPIS sites and the 6 hazard demo sites
    assert "Landslide hazard on the 10 m DEM of southern Ecuador" in out
    sites = [line.split() for line in out.splitlines() if line.strip().startswith("HZ-DEMO-")]
    lines = [parts for parts in sites if parts[1] not in ("level", "soil")]  # the hazard assessment's lines
    assert len(lines) == 6
    assert all(parts[1] in ("low", "moderate", "high", "very_high") for parts in lines)
    assert [int(parts[2]) for parts in lines] == [14, 3, 8, 22, 5, 11]  # the demo's people at each site
    maps = sorted((tmp_path / "home" / "files" / "hazard").glob("*/HZ-DEMO-*.png"))
    assert len(maps) == 6 and all(m.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for m in maps)
    # Issue 9: each demo site's soil loss, mine spoil (C 0.8) within 250 m of it on the real DEM
    assert "Soil erosion (RUSLE and InVEST-compatible sediment delivery) on the same DEM" in out
    soil = _soil_loss_lines(out)
    assert sorted(soil) == [f"HZ-DEMO-{i:02d}" for i in range(1, 7)], out
    again = runner.invoke(cli, ["hazard", "sites", "--site", "HZ-DEMO-06", "--run",
                                str(tmp_path / "home" / "demo" / "hazard" / "landslide"),
                                "--json"], env=env, catch_exceptions=False)
    assert again.exit_code == 0 and "HZ-DEMO-06" in again.output
    shown = json.loads(again.output)["sites"][0]
    assert shown["soil_loss_mean_t_ha_yr"] is None  # this rerun had no erosion run, and says so
    page_view = runner.invoke(cli, ["hazard", "sites", "--site", "HZ-DEMO-06", "--json"], env=env,
                              catch_exceptions=False)
    stored = json.loads(page_view.output)["sites"][0]  # the latest erosion run's figures, as the site page shows
    assert stored["erosion_level"] == soil["HZ-DEMO-06"][0]
    assert round(stored["soil_loss_mean_t_ha_yr"], 1) == soil["HZ-DEMO-06"][1]

    # Issue 8: the susceptibility model's spatial CV beats the logistic regression and slope alone, and the
    # replayed storm warns only the sites of high susceptibility, once, to the people who agreed to alerts.
    aucs = re.search(r"ROC AUC (0\.\d+) for the susceptibility model, (0\.\d+) for a logistic regression on "
                     r"terrain, (0\.\d+) for slope alone", out)
    assert aucs and float(aucs[1]) > float(aucs[2]) > float(aucs[3]), out
    rain = {parts[0]: parts for parts in sites if parts[1] == "level"}
    assert len(rain) == 6 and "REPLAYED over the demo sites" in out
    people = dict(zip([f"HZ-DEMO-{i:02d}" for i in range(1, 7)], [14, 3, 8, 22, 5, 11]))
    first_person = dict(zip(people, [1, 15, 18, 26, 48, 53]))  # HZ-P-0001.. in site order; every fifth declines
    warned = [code for code, parts in rain.items() if parts[2] in ("high", "very_high")]
    assert warned, out
    for code, parts in rain.items():
        if code in warned:
            consenting = sum(1 for n in range(first_person[code], first_person[code] + people[code]) if n % 5)
            assert parts[3:8] == ["warning:", "alert", "to", str(consenting), "people,"], parts
        else:
            assert parts[3:] == ["below", "level"], parts
    rerun = runner.invoke(cli, ["demo", "--no-serve"], env=env, catch_exceptions=False).output
    assert all(f"{code}  level" in rerun and "already raised today" in rerun for code in warned), rerun
    _check_plan(out, tmp_path / "home")
    listed = runner.invoke(cli, ["alerts", "list"], env=env, catch_exceptions=False).output
    assert [line for line in listed.splitlines() if "landslide_warning" in line].__len__() == len(warned), listed
