"""``minewatch calc rusle-ls | k-factor | erosivity``: JSON keys, published figures and clear range errors."""

import json

import click
import pytest
from click.testing import CliRunner

from minewatch.errors import InvalidInput


@pytest.fixture
def run():
    from minewatch.cli.calc import register

    group = click.Group()
    register(group)
    return lambda *args: CliRunner().invoke(group, ["calc", *args])


def _json(res) -> dict:
    assert res.exit_code == 0, (res.output, res.exception)
    return json.loads(res.stdout)


def test_rusle_ls_mccool_reproduces_ah703_table_4_3(run):
    # AH703 (Renard et al. 1997) Table 4-3, moderate rill/interrill ratio, via iwr.msu.edu/rusle/lstable.htm:
    # 10 % slope, 100 ft (30.48 m) -> LS 1.38; 4 % slope, 400 ft -> 0.86
    out = _json(run("rusle-ls", "--slope-pct", "10", "--length-m", "30.48", "--json"))
    assert round(out["ls"], 2) == 1.38 and out["method"] == "mccool"
    assert out["ls"] == pytest.approx(out["s"] * out["l"], rel=1e-12) and "McCool" in out["source"]
    assert round(_json(run("rusle-ls", "--slope-pct", "4", "--length-m", "121.92", "--json"))["ls"], 2) == 0.86


def test_rusle_ls_other_methods(run):
    usle = _json(run("rusle-ls", "--slope-pct", "9", "--length-m", "22.13", "--method", "usle", "--json"))
    assert usle["ls"] == pytest.approx(1.0, abs=2e-3) and usle["m"] == 0.5  # AH537 unit plot
    mb = _json(run("rusle-ls", "--slope-pct", "10", "--length-m", "30.48", "--method", "moore-burch", "--json"))
    assert mb["ls"] == pytest.approx(mb["s"] * mb["l"], rel=1e-12) and mb["method"] == "moore-burch"
    long = _json(run("rusle-ls", "--slope-pct", "10", "--length-m", "400", "--json"))
    assert long["warnings"] and "305 m" in long["warnings"][0]
    text = run("rusle-ls", "--slope-pct", "10", "--length-m", "30.48")
    assert text.exit_code == 0 and text.stdout.startswith("LS 1.38")


def test_k_factor_json(run):
    out = _json(run("k-factor", "--sand", "20", "--silt", "65", "--clay", "15", "--organic-carbon", "1.5",
                    "--json"))
    from minewatch.geomodels.erosion.factors import k_epic_williams

    k_us, k_si = k_epic_williams(20.0, 65.0, 15.0, 1.5)
    assert out["k_si"] == pytest.approx(k_si, rel=1e-12) and out["k_us"] == pytest.approx(k_us, rel=1e-12)
    assert out["k_si"] == pytest.approx(0.1317 * out["k_us"], rel=1e-12)
    assert out["k_si_unit"] == "t ha h ha-1 MJ-1 mm-1"


def test_erosivity_annual_and_monthly(run):
    out = _json(run("erosivity", "--annual-mm", "1200", "--json"))
    # Renard & Freimund (1994) upper branch, derived: 587.8 - 1.219 P + 0.004105 P^2
    assert out["r_si"] == pytest.approx(587.8 - 1.219 * 1200 + 0.004105 * 1200**2, rel=1e-12)
    assert out["r_us"] == pytest.approx(out["r_si"] / 17.02) and out["in_range"] and out["findings"] == []
    wet = _json(run("erosivity", "--annual-mm", "2500", "--json"))
    assert not wet["in_range"] and wet["findings"][0]["severity"] == "warning" and wet["range_provisional"]
    text = run("erosivity", "--annual-mm", "2500")
    assert text.exit_code == 0 and "warning: annual precipitation 2500 mm is above" in text.stderr
    months = "20,30,60,120,200,250,300,280,220,120,50,20"
    m = _json(run("erosivity", "--monthly-mm", months, "--json"))
    assert m["method"] == "renard-freimund-fournier" and m["annual_mm"] == 1670.0
    assert m["fournier_mm"] == pytest.approx(sum(float(p) ** 2 for p in months.split(",")) / 1670.0)


@pytest.mark.parametrize(("args", "message"), [
    (["rusle-ls", "--slope-pct", "-1", "--length-m", "30"], "--slope-pct -1 is out of range"),
    (["rusle-ls", "--slope-pct", "10", "--length-m", "0"], "--length-m 0 is out of range"),
    (["k-factor", "--sand", "20", "--silt", "65", "--clay", "35", "--organic-carbon", "1"], "must add up to 100"),
    (["k-factor", "--sand", "120", "--silt", "0", "--clay", "0", "--organic-carbon", "1"], "--sand 120 is out"),
    (["erosivity"], "exactly one of --annual-mm or --monthly-mm"),
    (["erosivity", "--annual-mm", "900", "--monthly-mm", "1"], "exactly one of"),
    (["erosivity", "--monthly-mm", "10,20"], "needs 12 values"),
    (["erosivity", "--monthly-mm", "10,20,x,1,1,1,1,1,1,1,1,1"], "value 3 ('x') is not a number"),
    (["erosivity", "--annual-mm", "-5"], "--annual-mm -5 is out of range"),
])
def test_bad_input_is_one_clear_line(run, args, message):
    res = run(*args)
    assert isinstance(res.exception, InvalidInput)
    assert message in str(res.exception) and "\n" not in str(res.exception)
