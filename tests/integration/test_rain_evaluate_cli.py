"""``minewatch rain evaluate`` on the Central Java file, and the ``calc threshold`` / ``calc ari`` calculators.

Expected calculator values are derived in the test from the cited equations: Caine (1980) I = 14.82 D^-0.39
(provisional coefficients, hazards.md 5.1), Javier & Kumar (2018) I = 6.46 D^-0.28 (abstract), LHASA 1.1
ARI weights w = 1/seq(7, 1)^2 oldest first (nasa/LHASA API.r lines 17-19, 25).
"""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from tests.shared_data import shared_data_path


@pytest.fixture
def run(tmp_path):
    from minewatch.cli.main import cli as root

    env = {"MINEWATCH_HOME": str(tmp_path / "home"), "MINEWATCH_DEBUG": "1"}

    def _run(*args, ok=True):
        result = CliRunner().invoke(root, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return _run


@pytest.mark.shared_data
def test_rain_evaluate_central_java(run, tmp_path):
    folder = shared_data_path("central-java-landslide-rainfall")
    out = tmp_path / "eval"
    args = ["rain", "evaluate", "--events", str(folder / "idn_nhr_ls_3308_magelang_2018_p_example.csv"),
            "--rain", str(folder / "landslide_rainfall.csv"), "--tz", "UTC", "--units", "mm/h",
            "--threshold", "builtin", "--out", str(out)]
    refused = run(*args[:10], "--threshold", "caine1980", "--out", str(out), ok=False)
    assert refused.exit_code != 0 and "clock-from-row-order" in refused.output
    result = run(*args[:8], "--repair", "clock-from-row-order", *args[8:], "--json")
    data = json.loads(result.output)
    summary = {s["threshold"]: s for s in data["summary"]}
    assert set(summary) == {"caine1980", "guzzetti2008", "javier-kumar2018"}
    assert data["not_evaluated"] == ["javier-kumar2018-map"]
    assert (summary["guzzetti2008"]["caught"], summary["guzzetti2008"]["false_alarms"]) == (8, 11)
    assert summary["caine1980"]["caught"] == 0 and summary["javier-kumar2018"]["caught"] == 0
    with (out / "evaluation.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 30
    md = (out / "evaluation.md").read_text()
    assert "| guzzetti2008 | 10 | 8 | 2 | 0 |" in md
    for name in summary:
        png = out / f"{name}.png"
        assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.shared_data
def test_rain_evaluate_map_threshold_needs_map(run, tmp_path):
    folder = shared_data_path("central-java-landslide-rainfall")
    base = ["rain", "evaluate", "--events", str(folder / "idn_nhr_ls_3308_magelang_2018_p_example.csv"),
            "--rain", str(folder / "landslide_rainfall.csv"), "--tz", "UTC", "--units", "mm/h",
            "--repair", "clock-from-row-order", "--threshold", "javier-kumar2018-map", "--out", str(tmp_path / "o")]
    r = run(*base, ok=False)
    assert r.exit_code != 0 and "--map-mm" in r.output
    # with MAP = 6.46 / 0.002 = 3230 mm the normalised threshold equals the plain one: same table (derived)
    a = json.loads(run(*base, "--map-mm", "3230", "--json").output)["summary"][0]
    b = json.loads(run(*base[:-3], "javier-kumar2018", "--out", str(tmp_path / "p"), "--json").output)["summary"][0]
    assert (a["caught"], a["false_alarms"], a["alarm_hours"]) == (b["caught"], b["false_alarms"], b["alarm_hours"])


def test_calc_threshold_json(run):
    data = json.loads(run("calc", "threshold", "--name", "caine1980", "--duration-h", "24", "--json").output)
    assert data["intensity_mm_per_h"] == pytest.approx(14.82 * 24 ** -0.39)
    assert data["cumulative_mm"] == pytest.approx(14.82 * 24 ** 0.61)
    assert data["name"] == "caine1980" and data["duration_h"] == 24.0 and data["status"] == "provisional"
    assert "Geografiska Annaler" in data["source"]
    jk = json.loads(run("calc", "threshold", "--name", "javier-kumar2018", "--duration-h", "48", "--json").output)
    assert jk["intensity_mm_per_h"] == pytest.approx(6.46 * 48 ** -0.28) and jk["status"] == "published"


@pytest.mark.parametrize(("args", "message"), [
    (["--name", "javier-kumar2018", "--duration-h", "12"], "outside the valid range"),
    (["--name", "caine1980", "--duration-h", "-1"], "--duration-h -1 is out of range"),
    (["--name", "nope", "--duration-h", "1"], "unknown threshold 'nope'"),
    (["--name", "javier-kumar2018-map", "--duration-h", "48"], "mean annual precipitation"),
])
def test_calc_threshold_errors(run, args, message):
    r = run("calc", "threshold", *args, ok=False)
    assert r.exit_code != 0 and message in r.output


def test_calc_threshold_user_file(run, tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("name,title,alpha,beta,d_min_h,d_max_h,source\nlocal,Local,8,0.5,1,72,Survey 2025\n")
    data = json.loads(run("calc", "threshold", "--name", "local", "--duration-h", "16", "--thresholds", str(p),
                          "--json").output)
    assert data["intensity_mm_per_h"] == pytest.approx(2.0)


def test_calc_ari_json(run):
    daily = [3.0, 0.0, 7.0, 1.0, 12.0, 25.0, 40.0]
    w = [1 / 49, 1 / 36, 1 / 25, 1 / 16, 1 / 9, 1 / 4, 1.0]  # oldest first, API.r
    data = json.loads(run("calc", "ari", "--daily", ",".join(map(str, daily)), "--json").output)
    assert data["ari_mm_per_day"] == pytest.approx(sum(a * b for a, b in zip(w, daily, strict=True)) / sum(w))
    assert data["days_used"] == 7
    longer = json.loads(run("calc", "ari", "--daily", "500," + ",".join(map(str, daily)), "--json").output)
    assert longer["ari_mm_per_day"] == pytest.approx(data["ari_mm_per_day"]) and longer["days_given"] == 8


@pytest.mark.parametrize(("daily", "message"), [
    ("1,2,3", "needs 7 daily values"),
    ("1,2,x,4,5,6,7", "value 3 ('x') is not a number"),
    ("1,2,-3,4,5,6,7", "value 3 (-3) is out of range"),
    ("1,2,nan,4,5,6,7", "value 3 (nan) is out of range"),
])
def test_calc_ari_errors(run, daily, message):
    r = run("calc", "ari", "--daily", daily, ok=False)
    assert r.exit_code != 0 and message in r.output
