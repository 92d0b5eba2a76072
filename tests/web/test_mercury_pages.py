"""The mercury baseline page and its CSV (issue 6, part 7): /mercury and /mercury/baseline.csv.

Expected numbers: the page must show what ``mercury.service.baseline`` / ``estimate`` compute (the same
as ``minewatch mercury baseline --json``); the worst-practice finding of whole-ore amalgamation names
Minamata Convention Annex C paragraph 1(b)(i) (the Convention's text, standards.md section 5); the
estimate is gold x the whole-ore Hg:Au ratio 3 of ``mercury/ratios.csv`` (standards.md section 5, status K,
so provisional): 2 kg of gold -> 6 kg of mercury.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

from tests.web.conftest import login


def _client(web, org="alpha", role="viewer"):
    client = web.client()
    assert login(client, web.email(org, role)).status_code == 303
    return client


def _record(web, slug="alpha"):
    from minewatch.mercury.service import add_practice, add_production

    actor = web.actors[slug]
    with web.app.uow() as uow:
        add_practice(uow, actor=actor, site_code=f"{slug}00001", practice="whole_ore_amalgamation",
                     observed_on=dt.date(2024, 3, 1))
    with web.app.uow() as uow:
        add_production(uow, actor=actor, site_code=f"{slug}00001", period_start=dt.date(2024, 1, 1),
                       period_end=dt.date(2024, 12, 31), gold_kg="2", source="cooperative register (test)")


def _row(text: str, marker: str) -> list[str]:
    for row in re.findall(r"<tr\b.*?</tr>", text, re.S):
        if marker in row:
            return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                    for c in re.findall(r"<td\b[^>]*>(.*?)</td>", row, re.S)]
    raise AssertionError(f"no row with {marker!r}")


def test_whole_ore_amalgamation_shows_as_annex_c_1bi_with_its_estimate(web):
    from minewatch.mercury.service import baseline

    _record(web)
    client = _client(web)
    r = client.get("/mercury")
    assert r.status_code == 200, r.text[:500]
    finding = _row(r.text, "Minamata Convention Annex C paragraph 1(b)(i)")
    assert finding[0] == "alpha00001" and finding[4] == "entered", finding
    assert "Mar 1, 2024" in finding[1]  # the observation date, as the pages write dates (en)
    est = _row(r.text, "2024 – ")
    assert est[0] == "alpha00001" and est[2] == "2" and est[3] == "estimated" and est[4] == "6", est  # 2 kg x 3
    # The whole-ore ratio is provisional (standards.md status K): marked so.
    assert "provisional" in _row(r.text, "<td>whole_ore</td>")[2]

    # The baseline at country level equals the service's (IPIS visits add their mercury answers).
    with web.app.uow() as uow:
        base = baseline(uow, actor=web.actors["alpha"])
    (country,) = base["levels"]["country"]
    row = _row(r.text, f"<td>{country['country']}</td>")
    assert row[1:8] == [str(country["sites"]), str(country["sites_using_mercury"]), str(country["sites_mercury_free"]),
                        str(country["sites_without_observation"]), country["gold_kg"],
                        country["mercury_kg_estimated"],
                        f"{country['mercury_kg_low']} – {country['mercury_kg_high']}"]
    assert country["gold_kg"] == "2" and country["worst_practices"] == {
        "Minamata Convention Annex C paragraph 1(b)(i)": 1}
    assert "1(b)(i) × 1" in row[8]

    # Another level; a wrong one is named.
    site_level = client.get("/mercury?level=site")
    assert site_level.status_code == 200 and "alpha00001" in site_level.text
    bad = client.get("/mercury?level=galaxy")
    assert bad.status_code == 422 and "galaxy" in bad.text


def test_baseline_csv_equals_the_service(web):
    from minewatch.mercury.service import baseline

    _record(web)
    client = _client(web)
    r = client.get("/mercury/baseline.csv", params={"level": "site"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    with web.app.uow() as uow:
        base = baseline(uow, actor=web.actors["alpha"])
    assert len(rows) == len(base["levels"]["site"]) == 12  # every site of the organisation
    mine = next(x for x in rows if x["site_code"] == "alpha00001")
    want = next(x for x in base["levels"]["site"] if x["site_code"] == "alpha00001")
    assert mine["gold_kg"] == want["gold_kg"] == "2" and mine["mercury_kg_estimated"] == want["mercury_kg_estimated"]
    assert "Minamata Convention Annex C paragraph 1(b)(i)=1" in mine["worst_practices"]
    assert client.get("/mercury/baseline.csv", params={"level": "galaxy"}).status_code == 422
    country = list(csv.reader(io.StringIO(client.get("/mercury/baseline.csv").content.decode("utf-8-sig"))))
    assert country[0][:2] == ["country", "sites"] and len(country) == 1 + len(base["levels"]["country"])


def test_another_organisation_sees_none_of_it(web):
    _record(web, "alpha")
    beta = _client(web, "beta", "admin")
    r = beta.get("/mercury?level=site")
    assert r.status_code == 200 and "alpha00001" not in r.text and "paragraph 1(b)(i)" not in r.text
    assert "alpha00001" not in beta.get("/mercury/baseline.csv?level=site").text
    anonymous = web.client()
    assert anonymous.get("/mercury").status_code == 303  # to the login form
