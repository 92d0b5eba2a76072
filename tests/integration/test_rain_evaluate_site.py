"""``minewatch rain evaluate --site``: the events of one site judged on the rainfall stored for it.

The stored path must give exactly what the file path gives for the same event and record: event 2 of the
Central Java file (SOURCE.md), its 528 half-hour IMERG steps imported with the documented clock repair
and linked to a site at the event's coordinates.
"""

from __future__ import annotations

import csv
import json

import pytest

from tests.integration.test_rain_import import REPAIR, _add_site, _java
from tests.shared_data import shared_data_path


@pytest.mark.shared_data
def test_evaluate_from_the_database_equals_evaluate_from_the_file(app, cli, actor, tmp_path):
    events_all = shared_data_path("central-java-landslide-rainfall", "idn_nhr_ls_3308_magelang_2018_p_example.csv")
    with events_all.open(newline="") as fh:
        rows = list(csv.reader(fh))
    event = next(r for r in rows[1:] if r[0] == "2")
    events = tmp_path / "event2.csv"
    with events.open("w", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows([rows[0], event])
    with _java().open(newline="") as fh:
        rain_rows = list(csv.reader(fh))
    rain = tmp_path / "rain2.csv"
    with rain.open("w", newline="") as fh:
        csv.writer(fh).writerows([rain_rows[0], *(r for r in rain_rows[1:] if r[0] == "2")])
    assert sum(1 for _ in rain.open()) == 529  # header + 528 half-hour steps

    _add_site(app, actor.org_id, "MGL-002", float(event[2]), float(event[1]))
    cli("rain", "import", str(rain), "--tz", "UTC", "--units", "mm/h", "--repair", REPAIR, "--site", "MGL-002")

    common = ["rain", "evaluate", "--events", str(events), "--threshold", "guzzetti2008", "--json"]
    from_db = json.loads(cli(*common, "--site", "MGL-002", "--out", str(tmp_path / "db")).output)
    from_file = json.loads(cli(*common, "--rain", str(rain), "--tz", "UTC", "--units", "mm/h", "--repair", REPAIR,
                               "--out", str(tmp_path / "file")).output)
    assert from_db["summary"] == from_file["summary"]
    assert from_db["summary"][0]["events"] == 1
    unknown = cli(*common, "--site", "NOPE-1", "--out", str(tmp_path / "x"), ok=False)
    assert unknown.exit_code != 0 and "NOPE-1" in unknown.output


@pytest.mark.shared_data
def test_evaluate_the_stored_rainfall_by_default(app, cli, tmp_path):
    """Without --rain or --site, each event takes the stored series keyed by its id (the Central Java file's
    coord_id is the event ID): the same table as from the file."""
    folder = shared_data_path("central-java-landslide-rainfall")
    events = folder / "idn_nhr_ls_3308_magelang_2018_p_example.csv"
    common = ["rain", "evaluate", "--events", str(events), "--threshold", "builtin", "--json"]
    none = cli(*common, "--out", str(tmp_path / "none"), ok=False)
    assert none.exit_code != 0 and "no stored observed rainfall" in none.output
    cli("rain", "import", str(_java()), "--tz", "UTC", "--units", "mm/h", "--repair", REPAIR)
    stored = json.loads(cli(*common, "--out", str(tmp_path / "db")).output)
    from_file = json.loads(cli(*common, "--rain", str(_java()), "--tz", "UTC", "--units", "mm/h", "--repair", REPAIR,
                               "--out", str(tmp_path / "file")).output)
    assert stored["summary"] == from_file["summary"]
    assert {s["threshold"]: s["caught"] for s in stored["summary"]}["guzzetti2008"] == 8
