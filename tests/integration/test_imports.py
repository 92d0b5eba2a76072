"""Importers users can trust: all-or-nothing or quarantine, idempotent, every problem named.

Runs on SQLite and, with MINEWATCH_TEST_POSTGRES_URL, on PostgreSQL (see tests/conftest.py).
"""

from __future__ import annotations

import csv
import json

import pytest
import sqlalchemy as sa

from tests.shared_data import shared_data_path

ACCEPTANCE_CSV = """code,name,country,latitude,longitude,minerals,registered_on
S1,Kamituga,CD,-3.06,28.18,Or,2021-03-04
S2,Bad date,CD,-3.1,28.2,Or,2021-13-45
S3,Latitude 123,CD,123,28.2,Or,2021-03-04
,No code,CD,-3.2,28.3,Coltan,2021-03-04
S5,Unknown mineral,CD,-3.3,28.4,Unobtainium,2021-03-04
S6,Lubila,CD,-2.9,28.1,Cassitérite; Or,04/03/2021
"""


def _write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_text(text, encoding=encoding)
    return p


def _stats(cli):
    return json.loads(cli("db", "stats", "--json").output)


def test_bad_rows_stop_the_file_and_every_problem_is_named(app, cli, tmp_path):
    path = _write(tmp_path, "sites.csv", ACCEPTANCE_CSV)
    res = cli("import", "sites", str(path), ok=False)
    assert res.exit_code == 6
    out = res.output
    assert "nothing was imported" in out
    assert "ERROR row 3, column 'registered_on' value '2021-13-45'" in out
    assert "ERROR row 4, column 'latitude' value '123': latitude must be between -90 and 90" in out
    assert "ERROR row 5, column 'code': 'code' is required and is empty" in out
    assert "WARNING row 6, column 'minerals' value 'Unobtainium'" in out
    assert out.count("ERROR row") == 3 and out.count("WARNING row") == 1
    assert _stats(cli)["sites"] == 0


def test_quarantine_imports_good_and_warned_rows_and_keeps_bad_ones_with_reasons(app, cli, tmp_path):
    path = _write(tmp_path, "sites.csv", ACCEPTANCE_CSV)
    q = tmp_path / "quarantine.csv"
    res = cli("import", "sites", str(path), "--quarantine", str(q))
    assert "3 quarantined" in res.output
    assert _stats(cli)["sites"] == 3
    with open(q, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["_row"] for r in rows] == ["3", "4", "5"]
    assert [r["name"] for r in rows] == ["Bad date", "Latitude 123", "No code"]
    assert "month 13" in rows[0]["_problems"]
    assert "latitude must be between -90 and 90" in rows[1]["_problems"]
    assert "'code' is required" in rows[2]["_problems"]
    shown = json.loads(cli("sites", "show", "S5", "--json").output)
    assert shown["minerals"] == ["other"]


def test_reimport_is_idempotent_and_changes_are_audited(app, cli, tmp_path):
    path = _write(tmp_path, "sites.csv", "code,name,country,latitude,longitude,minerals\n"
                                         "A1,Alpha,CD,-3.0,28.0,Or\nA2,Beta,CD,-3.1,28.1,Coltan\n")
    cli("import", "sites", str(path))
    before = _stats(cli)
    res = cli("import", "sites", str(path))
    assert "0 new, 0 changed, 2 unchanged" in res.output
    after = _stats(cli)
    assert after["sites"] == 2
    assert after["audit_events"] == before["audit_events"] + 1  # the import batch, nothing else
    path.write_text("code,name,country,latitude,longitude,minerals\n"
                    "A1,Alpha renamed,CD,-3.0,28.0,Or\nA2,Beta,CD,-3.1,28.1,Coltan\n", encoding="utf-8")
    res = cli("import", "sites", str(path))
    assert "0 new, 1 changed, 1 unchanged" in res.output
    with app.engine.connect() as conn:
        actions = conn.execute(sa.text("SELECT action FROM audit_events WHERE entity_type = 'sites' "
                                       "ORDER BY seq")).scalars().all()
    assert actions == ["created", "created", "updated"]
    assert "intact" in cli("audit", "verify").output


def test_dry_run_stores_nothing(app, cli, tmp_path):
    path = _write(tmp_path, "sites.csv", "code,latitude,longitude\nD1,-3,28\n")
    res = cli("import", "sites", str(path), "--dry-run")
    assert "would store 1" in res.output
    assert _stats(cli)["sites"] == 0


def test_latin1_semicolons_decimal_commas_dms_and_a_profile(app, cli, tmp_path):
    text = ("Identifiant;Nom du site;Pays;Lat;Long;Minerai;Statut\n"
            "K-1;Kalimbi;RDC;2°06'30\"S;28°51'00\"E;Cassitérite;en activité\n"
            "K-2;Nyabibwe;RDC;-2,1;28,9;Or;fermé\n")
    path = _write(tmp_path, "sites_fr.csv", text, encoding="latin-1")
    profile = _write(tmp_path, "profile.yaml",
                     "kind: sites\ncolumns:\n  code: Identifiant\n  name: Nom du site\n  country: Pays\n"
                     "  latitude: Lat\n  longitude: Long\n  minerals: Minerai\n  lifecycle_status: Statut\n"
                     "values:\n  lifecycle_status: {\"en activité\": active, \"fermé\": closed}\n")
    cli("import", "sites", str(path), "--profile", str(profile))
    k1 = json.loads(cli("sites", "show", "K-1", "--json").output)
    assert k1["country"] == "CD"
    assert k1["latitude"] == pytest.approx(-2.108333, abs=1e-6)
    assert k1["longitude"] == pytest.approx(28.85, abs=1e-9)
    assert k1["minerals"] == ["cassiterite"]
    assert k1["lifecycle_status"] == "active"
    k2 = json.loads(cli("sites", "show", "K-2", "--json").output)
    assert k2["lifecycle_status"] == "closed" and k2["latitude"] == pytest.approx(-2.1)


def test_swapped_lat_lon_is_detected_from_the_country(app, cli, tmp_path):
    path = _write(tmp_path, "sites.csv", "code,country,latitude,longitude\nW1,CD,28.86,-2.49\n")
    res = cli("import", "sites", str(path))
    assert "look swapped for CD" in res.output
    w1 = json.loads(cli("sites", "show", "W1", "--json").output)
    assert (w1["latitude"], w1["longitude"]) == (-2.49, 28.86)


def test_visits_keep_unknown_as_unknown_and_need_a_known_site(app, cli, tmp_path):
    cli("import", "sites", str(_write(tmp_path, "s.csv", "code,latitude,longitude\nV1,-3,28\n")))
    visits = _write(tmp_path, "v.csv", "site,date,workers,mercury,childunder15\n"
                                       "V1,2023-05-01,,,\nV1,2024-01-02,40,oui,0\nNOPE,2024-01-02,1,,\n")
    res = cli("import", "visits", str(visits), ok=False)
    assert "ERROR row 4, column 'site' value 'NOPE': no site 'NOPE'" in res.output
    cli("import", "visits", str(visits), "--quarantine", str(tmp_path / "q.csv"))
    with app.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT visit_date, workers_count, mercury_used, children_under15_present "
                                    "FROM site_visits ORDER BY visit_date")).all()
    assert [tuple(r)[1:] for r in rows] == [(None, None, None), (40, True, False)]


def test_concession_parcels_of_one_title_are_merged(app, cli, tmp_path):
    feats = []
    for name, ring in (("T1", [[28, -3], [28.1, -3], [28.1, -2.9], [28, -3]]),
                       ("T1", [[29, -3], [29.1, -3], [29.1, -2.9], [29, -3]]),
                       ("Z1", [[27, -3], [27.5, -3], [27.5, -2.5], [27, -2.5], [27, -3]])):
        feats.append({"type": "Feature", "properties": {"name": name, "type": "ZEA" if name == "Z1" else "PE",
                                                        "parties": "Société Minière (100%)", "statut": "Actif"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    path = _write(tmp_path, "t.geojson", json.dumps({"type": "FeatureCollection", "features": feats}))
    cli("import", "sites", str(_write(tmp_path, "s.csv", "code,latitude,longitude\nIN,-2.95,28.05\nZ,-2.8,27.2\n"
                                                        "OUT,-1,20\n")))
    res = cli("import", "concessions", str(path))
    assert "parts_merged" in res.output or "merged" in res.output
    assert _stats(cli)["concessions"] == 2
    rel = {s["code"]: s["title_relation"] for s in json.loads(cli("sites", "list", "--json").output)}
    assert rel == {"IN": "inside_title", "Z": "inside_artisanal_zone", "OUT": "outside"}


@pytest.mark.shared_data
def test_real_ipis_file_imports_every_row_and_again_changes_nothing(app, cli):
    path = shared_data_path("ipis-drc-asm-sites", "cod_mines_curated_all_opendata_p_ipis.csv")
    res = cli("import", "ipis", str(path))
    assert "6,955 rows read" in res.output and "0 rows with errors" in res.output
    sites = json.loads(cli("sites", "list", "--json").output)
    assert len(sites) == 3409
    assert {"code", "name", "country", "latitude", "longitude"} <= set(sites[0])
    stats = _stats(cli)
    assert (stats["sites"], stats["visits"]) == (3409, 6955)
    again = cli("import", "ipis", str(path)).output
    assert "0 new, 0 changed, 6,955 unchanged" in again
    assert _stats(cli)["visits"] == 6955
    assert "intact" in cli("audit", "verify").output


@pytest.mark.shared_data
def test_real_drc_titles_give_the_share_of_ipis_sites_inside_titles(app, cli):
    ipis = shared_data_path("ipis-drc-asm-sites", "cod_mines_curated_all_opendata_p_ipis.csv")
    titles = shared_data_path("drc-mining-titles-cami", "titres_V2.geojson")
    cli("import", "ipis", str(ipis))
    res = cli("import", "concessions", str(titles))
    assert _stats(cli)["concessions"] == 2902  # 2,903 features; title 2791 has two parcels
    assert "merged" in res.output
    zea = json.loads(cli("sites", "list", "--title-relation", "inside_artisanal_zone", "--json").output)
    titled = json.loads(cli("sites", "list", "--title-relation", "inside_title", "--json").output)
    outside = json.loads(cli("sites", "list", "--title-relation", "outside", "--json").output)
    assert len(zea) + len(titled) + len(outside) == 3409
    assert 0 < len(zea) < len(titled)
    summary = cli("sites", "list", "--summary").output
    assert "artisanal zone" in summary


def test_xlsx_and_geojson_sites_import(app, cli, tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Site ID", "Nom", "Pays", "Latitude", "Longitude", "Minerais", "Date"])
    ws.append(["X1", "Mukungwe", "CD", -2.7, 28.7, "Or", dt.date(2022, 5, 17)])
    ws.append(["X2", "Bisie", "CD", -1.0, 27.6, "Cassitérite, Coltan", dt.date(2021, 1, 2)])
    xlsx = tmp_path / "sites.xlsx"
    wb.save(xlsx)
    profile = _write(tmp_path, "p.toml", 'kind = "sites"\n[columns]\ncode = "Site ID"\nname = "Nom"\n'
                                         'country = "Pays"\nminerals = "Minerais"\nregistered_on = "Date"\n')
    cli("import", "sites", str(xlsx), "--profile", str(profile))
    x2 = json.loads(cli("sites", "show", "X2", "--json").output)
    assert x2["minerals"] == ["cassiterite", "coltan"]
    gj = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "P1", "name": "Pit area", "country": "CD"},
         "geometry": {"type": "Polygon", "coordinates": [[[28.0, -3.0], [28.01, -3.0], [28.01, -2.99], [28.0, -3.0]]]}},
        {"type": "Feature", "properties": {"code": "P2", "name": "Shaft"},
         "geometry": {"type": "Point", "coordinates": [28.5, -2.5]}}]}
    cli("import", "sites", str(_write(tmp_path, "sites.geojson", json.dumps(gj))))
    p1 = json.loads(cli("sites", "show", "P1", "--json").output)
    assert -3.0 < p1["latitude"] < -2.99 and 28.0 < p1["longitude"] < 28.01
    found = {s["code"] for s in json.loads(cli("sites", "list", "--bbox", "28.005,-2.999,28.006,-2.998",
                                                 "--json").output)}
    assert "P1" in found
    assert _stats(cli)["sites"] == 4


def test_texts_too_long_for_their_columns_are_named_errors_not_database_failures(app, cli, tmp_path):
    """A value outside a vocabulary is kept as text in a 120-character column (60 for title types),
    and a visit without an id is known by site, date and team: on PostgreSQL a longer text would
    fail the whole transaction with a DataError; it must be a named error of its row."""
    long_method = "creusage " + "x" * 130
    sites = _write(tmp_path, "sites.csv", f"code,name,country,latitude,longitude,mining_method\n"
                                          f"S1,Ok,CD,-3.06,28.18,\nS2,Long,CD,-3.1,28.2,{long_method}\n")
    res = cli("import", "sites", str(sites), ok=False)
    assert res.exit_code == 6
    assert "row 3" in res.output and "mining_method" in res.output and "at most 120 characters" in res.output
    cli("import", "sites", str(_write(tmp_path, "ok.csv", "code,name,country,latitude,longitude\nS1,Ok,CD,-3.06,28.18\n")))
    visits = _write(tmp_path, "visits.csv", f"site_code,visit_date,team\nS1,2021-03-04,{'T' * 110}\n")
    res = cli("import", "visits", str(visits), ok=False)
    assert res.exit_code == 6 and "give each visit an id" in res.output
    assert _stats(cli)["visits"] == 0
