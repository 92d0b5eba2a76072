"""Screening stored results against WHO drinking-water values; `water screen`, `water wqi`, `water trend`.

Acceptance (issue 6): the Pilcomayo 2024 water samples imported through the water service (every <LOD
kept censored), screened against WHO drinking-water values, report the arsenic, lead and mercury
exceedances. Choices this test states:

* **fraction**: total and dissolved results are screened separately, each against the WHO value (which
  is for total concentrations: standards.md 6.1); counts are per (parameter, fraction);
* **censored**: a ``<DL`` cell is within when DL <= the guideline and not assessable when DL > the
  guideline; a value equal to the guideline is within (it does not exceed it);
* **guideline values** (WHO GDWQ 4th ed. incl. 1st and 2nd addenda, 2022; standards.md 6.1):
  arsenic 10 ug/L, lead 10 ug/L, mercury 6 ug/L (inorganic Hg; total Hg screened against it);
* the river water is screened "if used for drinking".

The expected counts are computed below from the raw file with the csv module only.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from minewatch.water.guidelines import load_guideline_set
from minewatch.water.screening import screen, summarise
from minewatch.water.service import import_results, measurements
from tests.shared_data import shared_data_path

DATA = "pilcomayo-mining-water-quality"
WATER_2024 = "calidad_agua_20250711060422.csv"
WHO_UG_L = {"arsenic": Decimal("10"), "lead": Decimal("10"), "mercury": Decimal("6")}
ROWS = {("Arsenico total", "arsenic", "total"), ("Arsenico disuelto", "arsenic", "dissolved"),
        ("Plomo total", "lead", "total"), ("Plomo disuelto", "lead", "dissolved"),
        ("Mercurio total", "mercury", "total"), ("Mercurio disuelto", "mercury", "dissolved")}
DEVON = Path(__file__).resolve().parents[1] / "fixtures" / "water_wqi" / "ccme_devon_1997.csv"


def _expected_from_raw(path: Path) -> dict[tuple[str, str], dict[str, int]]:
    """Counts per (parameter, fraction) straight from the file: csv module, no minewatch code."""
    out = {(p, f): {"exceeds": 0, "within": 0, "not_assessable": 0} for _, p, f in ROWS}
    labels = {label: (p, f) for label, p, f in ROWS}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            if not row or row[0].strip() not in labels:
                continue
            assert row[1].strip().lower().startswith("ug/l"), row[:2]  # every one of these rows is in ug/L
            key = labels[row[0].strip()]
            gv = WHO_UG_L[key[0]]
            for cell in row[2:]:
                cell = cell.strip().replace(" ", "").replace(",", ".")
                if not cell:
                    continue
                if cell.startswith("<"):
                    out[key]["within" if Decimal(cell[1:]) <= gv else "not_assessable"] += 1
                else:
                    out[key]["exceeds" if Decimal(cell) > gv else "within"] += 1
    return out


@pytest.mark.shared_data
def test_pilcomayo_2024_who_screening_counts(app, actor):
    path = shared_data_path(DATA, WATER_2024)
    expected = _expected_from_raw(path)
    # What the csv reading gives for this file (2025-07-11 export), for the record:
    # arsenic total 32 exceed / 17 within, dissolved 2 / 47; lead total 45 / 4, dissolved 42 / 7;
    # mercury total 8 / 41 (one value of exactly 6 ug/L is within), dissolved 0 / 49 (<1 and <5 ug/L
    # limits are at or under 6 ug/L, so no result is not assessable).
    assert expected[("mercury", "total")] == {"exceeds": 8, "within": 41, "not_assessable": 0}
    with app.uow() as uow:
        report = import_results(uow, actor=actor, path=path)
    assert not report.errors
    with app.uow() as uow:
        ms = measurements(uow, actor=actor)
    findings = screen([m for m in ms if m.parameter in WHO_UG_L], load_guideline_set("who-dw"))
    got = summarise(findings)
    assert {k: got.get(k) for k in expected} == expected
    # the file does report exceedances of all three (e.g. Colavi BC7-113 total arsenic 607 ug/L = 60.7 x)
    for p in WHO_UG_L:
        assert expected[(p, "total")]["exceeds"] > 0
    colavi = [f for f in findings if f.measurement.point_code == "BC7-113" and f.measurement.parameter == "arsenic"
              and f.measurement.fraction == "total" and f.measurement.value == Decimal("607")]
    assert colavi and colavi[0].status == "exceeds" and colavi[0].factor == Decimal("60.7")
    assert colavi[0].if_used_for_drinking and any("if used for drinking" in n for n in colavi[0].notes)
    assert colavi[0].guideline.maximum == Decimal("0.01") and colavi[0].guideline.unit == "mg/L"
    # a <DL above the guideline says nothing: e.g. dissolved cadmium "<50" ug/L vs WHO 3 ug/L
    cd = screen([m for m in ms if m.parameter == "cadmium" and m.censored == "<" and m.value == 50],
                load_guideline_set("who-dw"))
    assert cd and {f.reason for f in cd} == {"detection_limit_above_guideline"}


@pytest.mark.shared_data
def test_screen_command_json(app, actor, cli):
    path = shared_data_path(DATA, WATER_2024)
    cli("water", "import", str(path))
    out = json.loads(cli("water", "screen", "--point", "BC7-113", "--json").output)
    assert out["guidelines"]["set"] == "who-dw"
    arsenic = [f for f in out["findings"] if f["parameter"] == "arsenic" and f["value"] == "607"]
    assert arsenic[0]["status"] == "exceeds" and arsenic[0]["factor"] == 60.7
    assert arsenic[0]["guideline"]["source"].startswith("https://") and arsenic[0]["guideline"]["provisional"]
    text = cli("water", "screen", "--point", "BC7-113").output
    assert "EXCEEDS BC7-113" in text and "(if used for drinking)" in text
    bad = cli("water", "screen", "--guidelines", "who-nope", ok=False)
    assert bad.exit_code == 5 and "unknown guideline set 'who-nope'" in bad.output


def _devon_csvs(tmp_path: Path) -> tuple[Path, Path]:
    """The CCME User's Manual example (Devon 1997) as the objectives and samples files of `water wqi`."""
    objectives, samples = {}, []
    with DEVON.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            objectives[r["Variable"]] = (r["Units"], r["LowerLimit"], r["UpperLimit"])
            if r["Value"]:
                v = f"<{r['DetectionLimit']}" if r["Value"] == "0" and r["DetectionLimit"] else r["Value"]
                samples.append((r["Date"], r["Variable"], v, r["Units"]))
    obj, smp = tmp_path / "objectives.csv", tmp_path / "samples.csv"
    with obj.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["parameter", "unit", "min", "max"])
        w.writerows([p, u, lo, hi] for p, (u, lo, hi) in objectives.items())
    with smp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["sampled_at", "parameter", "value", "unit"])
        w.writerows(samples)
    return obj, smp


def test_wqi_command_reproduces_ccme_example(cli, tmp_path):
    obj, smp = _devon_csvs(tmp_path)
    out = json.loads(cli("water", "wqi", "--objectives", str(obj), "--samples", str(smp), "--json").output)
    # CCME WQI 1.0 User's Manual (2001), Devon 1997: CWQI 88, "Good"; F1 = 20 by hand (TP and Pb of 10 fail)
    assert {k: out[k] for k in ("wqi_rounded", "category", "variables", "tests", "failed_tests")} == \
        {"wqi_rounded": 88, "category": "Good", "variables": 10, "tests": 103, "failed_tests": 4}
    assert out["f1"] == 20.0 and out["f2"] == 3.88 and out["f3"] == 2.78 and out["wqi"] == 88.1
    assert set(out) >= {"f1", "f2", "f3", "wqi", "category", "variables", "tests", "failed_variables", "failed_tests"}
    # --from/--to narrow the period: January-March leaves 3 dates per variable -> below the 4x4 minimum
    bad = cli("water", "wqi", "--objectives", str(obj), "--samples", str(smp), "--from", "1997-01-01",
              "--to", "1997-03-31", ok=False)
    assert bad.exit_code == 5 and "at least 4 variables sampled at least 4 times" in bad.output


def test_wqi_command_names_bad_cells(cli, tmp_path):
    obj, smp = _devon_csvs(tmp_path)
    smp.write_text(smp.read_text() + "1997-12-02,TP,abc,mg/L\n")  # header + 103 results: row 105
    bad = cli("water", "wqi", "--objectives", str(obj), "--samples", str(smp), ok=False)
    assert bad.exit_code == 5 and "samples.csv row 105, column 'value', value 'abc': not a number" in bad.output


def test_trend_command_with_plot(app, actor, cli, tmp_path):
    f = tmp_path / "series.csv"
    rows = ["point,sampled_at,parameter,value,unit,fraction,medium"]
    # a mixed-unit series: ug/L and mg/L, one value below detection
    for i, (v, u) in enumerate([("5", "ug/L"), ("<5", "ug/L"), ("0.009", "mg/L"), ("12", "ug/L"), ("0.015", "mg/L"),
                                ("18", "ug/L"), ("21", "ug/L"), ("0.030", "mg/L"), ("33", "ug/L"), ("40", "ug/L"),
                                ("0.041", "mg/L"), ("52", "ug/L")]):
        rows.append(f"DN-9,2024-{i + 1:02d}-10 09:00,Arsénico,\"{v}\",{u},total,river")
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cli("water", "import", str(f), "--profile", "long")
    png = tmp_path / "dn9.png"
    out = json.loads(cli("water", "trend", "--point", "DN-9", "--parameter", "arsenic", "--plot", str(png),
                         "--json").output)
    assert out["unit"] == "mg/L" and out["n"] == 12 and out["censored"] == 1 and out["trend"] == "increasing"
    assert png.read_bytes()[:4] == b"\x89PNG"
    with app.uow() as uow:
        ms = measurements(uow, actor=actor, point_code="DN-9")
    assert {m.unit for m in ms} == {"ug/L", "mg/L"}
