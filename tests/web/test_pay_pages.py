"""The pay and price findings page (/pay), its CSV export, the prices import form and GET /api/v1/findings/pay,
on SQLite and PostgreSQL.

Seeded through the services: sites KAL-001 (CD) and TAR-001 (GH) and people P1 and P2 (registry imports),
then the fixture files of tests/fixtures/pay (pay.service importers), checked as of 2026-06-30. The amounts
expected are the hand computations of tests/integration/test_pay.py (its docstring), from the Fairmined
figures of standards.md section 2.3 (minimum price 95 % of LBMA, premium USD 4,000 per kg of fine gold):

* S1: 0.750 kg fine gold: premium USD 3,000.00; 95 % of 24.1130599... ozt x USD 2,000.00 = 45,814.81,
  paid 44,000.00: shortfall USD 1,814.81.
* W1: 200,000 CDF / 2,850 = USD 70.18 for 20 days at USD 5.00 (a test value): shortfall USD 29.82.
* W2: GHS 250 for half a month at GHS 600 a month (a test value): shortfall GHS 50.00.
* A1: advance GHS 2,000 against GHS 500 a month of earnings: 4.00 months, above 3 (breach).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.web.conftest import csrf_of, login

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pay"
ON = "2026-06-30"
TODAY = dt.date(2026, 11, 27)
P1_NAME = "Mapendo Payfixture"


@pytest.fixture
def seeded(web, tmp_path):
    from minewatch.pay.service import import_pay_records, import_prices
    from minewatch.registry.service import import_file

    actor = web.actors["alpha"]
    files = (("sites", "code,name,country,latitude,longitude\nKAL-001,Kalimbi,CD,-2.5,28.8\n"
                       "TAR-001,Tarkwa,GH,5.3,-2.0\n"),
             ("people", f"external_id,full_name\nP1,{P1_NAME}\nP2,Second Payee\n"))
    for kind, text in files:
        path = tmp_path / f"pay-{kind}.csv"
        path.write_text(text, encoding="utf-8")
        with web.app.uow() as uow:
            assert not import_file(uow, actor=actor, kind_name=kind, path=path, vault=web.app.vault).errors
    with web.app.uow() as uow:
        for name in ("reference_prices.csv", "minimum_wages.csv", "exchange_rates.csv"):
            import_prices(uow, actor=actor, path=FIXTURES / name, today=TODAY)
        for name in ("payments.csv", "sales.csv"):
            import_pay_records(uow, actor=actor, path=FIXTURES / name, today=TODAY)
    return web


def _client(web, role="auditor", org="alpha"):
    client = web.client()
    assert login(client, web.email(org, role)).status_code == 303
    return client


def _service(web, org="alpha", **kw):
    from minewatch.pay.service import check_pay

    with web.app.uow() as uow:
        return check_pay(uow, actor=web.actors[org], on=dt.date.fromisoformat(ON), **kw)


def _rows(page: str) -> list[tuple[str, str]]:
    """(check:subject, status) of each row of the findings table, in order."""
    return re.findall(r'<tr data-finding="([\w,:-]+)" data-status="(\w+)"', page)


def _row(page: str, check: str, subject: str) -> str:
    start = page.index(f'<tr data-finding="{check}:{subject}"')
    return page[start:page.index("</tr>", start)]


def _reference_rows(web) -> int:
    from minewatch.pay.orm import PayReferencePrice

    with web.app.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(PayReferencePrice))


def test_page_shows_the_services_findings_with_the_hand_computed_numbers(seeded):
    web = seeded
    found = _service(web)
    client = _client(web, "auditor")
    r = client.get("/pay", params={"on": ON})
    assert r.status_code == 200, r.text[:500]
    assert sorted(_rows(r.text)) == sorted((f"{f.check}:{f.subject}", f.status) for f in found)
    # Breaches first.
    statuses = [s for _, s in _rows(r.text)]
    assert statuses == sorted(statuses, key=("breach", "not_assessable", "info", "ok").index)
    # Counts by status and by check equal the service's.
    for status in ("breach", "not_assessable", "info", "ok"):
        n = sum(f.status == status for f in found)
        assert (f'data-count="{status}">{n}<' in r.text) == bool(n), status
    n = sum(f.check == "minimum_wage" and f.status == "breach" for f in found)
    assert f'data-count="minimum_wage:breach">{n}<' in r.text
    # The hand-computed amounts (module docstring).
    s1 = _row(r.text, "fairmined_price", "S1")
    assert 'data-shortfall="1814.81"' in s1 and "1,814.81" in s1 and "USD" in s1
    assert "2000.00 USD/troy_ounce on 2026-03-02" in s1  # the reference price used and its date
    assert 'data-premium="3000.00"' in _row(r.text, "fairmined_premium", "S1")
    assert 'data-premium="1800.00"' in _row(r.text, "fairmined_premium", "S3")
    assert 'data-shortfall="29.82"' in _row(r.text, "minimum_wage", "W1")
    w2 = _row(r.text, "minimum_wage", "W2")
    assert 'data-shortfall="50.00"' in w2 and "GHS" in w2
    assert '<data value="4.00">4.00</data>' in _row(r.text, "advances", "P2")
    # Not assessable, with why: no gold price for 2026-03-20 or the 4 days before.
    s3 = _row(r.text, "fairmined_price", "S3")
    assert 'data-status="not_assessable"' in s3 and "no gold reference price for 2026-03-20" in s3
    # The auditor (no people.read_names) sees the person's external id, not the name; no import form.
    assert "P1" in _row(r.text, "minimum_wage", "W1") and P1_NAME not in r.text
    assert 'action="/pay/prices#prices-heading"' not in r.text


def test_names_only_for_roles_that_may_read_them_and_other_roles_are_refused(seeded):
    web = seeded
    r = _client(web, "field_officer").get("/pay", params={"on": ON})
    assert r.status_code == 200 and P1_NAME in _row(r.text, "minimum_wage", "W1")
    # The names come from people.service.person_names, which refuses roles without people.read_names.
    from minewatch.accounts.model import Actor
    from minewatch.errors import PermissionDenied
    from minewatch.people.service import person_names

    alpha = web.actors["alpha"]
    auditor = Actor(None, web.email("alpha", "auditor"), alpha.org_id, alpha.org_slug, "auditor")
    with web.app.uow() as uow:
        assert person_names(uow, actor=alpha, external_ids=["P1", "P9"]) == {"P1": P1_NAME}
        with pytest.raises(PermissionDenied):
            person_names(uow, actor=auditor, external_ids=["P1"])
        assert person_names(uow, actor=web.actors["beta"], external_ids=["P1"]) == {}
    assert 'action="/pay/prices#prices-heading"' in r.text  # pay.write
    for role in ("viewer", "child_protection_officer"):  # no pay.read
        client = _client(web, role)
        for url in ("/pay", "/pay/findings.csv"):
            r = client.get(url)
            assert r.status_code == 403 and "3000.00" not in r.text, (role, url)
        assert 'href="/pay"' not in client.get("/sites").text
    r = web.client().get("/pay")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_filters_and_bad_values(seeded):
    web = seeded
    client = _client(web, "coordinator")
    found = _service(web)
    r = client.get("/pay", params={"on": ON, "status": "breach"})
    assert sorted(_rows(r.text)) == sorted((f"{f.check}:{f.subject}", f.status) for f in found if f.status == "breach")
    r = client.get("/pay", params={"on": ON, "check": "fairmined_price"})
    assert {c for c, _ in _rows(r.text)} == {"fairmined_price:S1", "fairmined_price:S2", "fairmined_price:S3"}
    tar = _service(web, site_code="TAR-001")
    r = client.get("/pay", params={"on": ON, "site": "TAR-001"})
    assert _rows(r.text) and sorted(_rows(r.text)) == sorted((f"{f.check}:{f.subject}", f.status) for f in tar)
    assert "KAL-001" not in r.text.split("<tbody>", 1)[-1]
    # Before any sale or pay period ended: nothing to check.
    r = client.get("/pay", params={"on": "2026-01-01"})
    assert r.status_code == 200 and not _rows(r.text) and "No finding matches." in r.text
    for params, words in (({"status": "awful"}, "status &#39;awful&#39; is not one of"),
                          ({"check": "vibes"}, "check &#39;vibes&#39; is not one of"),
                          ({"on": "30/06/2026"}, "on &#39;30/06/2026&#39; is not a date")):
        r = client.get("/pay", params=params)
        assert r.status_code == 422 and words in r.text and not _rows(r.text), params
    r = client.get("/pay", params={"site": "NOPE-9"})
    assert r.status_code == 404 and "NOPE-9" in r.text


def test_csv_export_has_the_same_findings_and_filters(seeded):
    web = seeded
    found = _service(web)
    client = _client(web, "auditor")
    r = client.get("/pay/findings.csv", params={"on": ON})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert sorted((x["check"], x["subject"], x["status"]) for x in rows) == sorted(
        (f.check, f.subject, f.status) for f in found)
    s1 = next(x for x in rows if (x["check"], x["subject"]) == ("fairmined_price", "S1"))
    assert (s1["shortfall"], s1["currency"], s1["site_code"]) == ("1814.81", "USD", "KAL-001")
    assert "minimum_price=45814.81" in s1["numbers"]
    assert P1_NAME not in r.text
    r = client.get("/pay/findings.csv", params={"on": ON, "status": "breach", "check": "minimum_wage"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert sorted(x["subject"] for x in rows) == ["W1", "W2"]
    assert client.get("/pay/findings.csv", params={"status": "awful"}).status_code == 422


BAD_PRICES = ("commodity,date,price,currency,unit,source\n"
              "gold,2026-04-01,2100.00,USD,ozt,LBMA (test)\n"
              "gold,2026-04-02,1,234.5,USD,ozt,LBMA (test)\n"
              "gold,2026-04-03,2150.00,USD,oz,LBMA (test)\n")
GOOD_PRICES = ("commodity,date,price,currency,unit,source\n"
               "gold,2026-04-01,2100.00,USD,ozt,LBMA (test)\n"
               "gold,2026-04-02,2110.50,USD,ozt,LBMA (test)\n")


def _upload(client, text: str, name: str = "prices.csv", kind: str = "", token: str | None = None):
    if token is None:
        token = csrf_of(client.get("/pay").text)
    data = {"kind": kind} | ({"csrf_token": token} if token else {})
    return client.post("/pay/prices", data=data, files={"file": (name, text.encode(), "text/csv")})


def test_import_shows_every_bad_cell_and_stores_nothing(seeded):
    web = seeded
    client = _client(web, "field_officer")
    before = _reference_rows(web)
    r = _upload(client, BAD_PRICES)
    assert r.status_code == 422, r.text[:500]
    assert "nothing was stored" in r.text
    problems = re.findall(r'<tr class="error"><td>error</td><td class="num">(\d+)</td><td>(\w+)</td>'
                          r'<td><code>([^<]*)</code>', r.text)
    # Row 3: "1,234.5" unquoted splits into two cells, so "234.5" lands in the currency column and "USD" in
    # the unit column; row 4: the ambiguous "oz" (avoirdupois or troy: pay.model.parse_mass_unit).
    assert ("3", "currency", "234.5") in problems and ("3", "unit", "USD") in problems, problems
    assert ("4", "unit", "oz") in problems, problems
    assert "the row has more cells than the header" in r.text
    assert _reference_rows(web) == before
    # A file whose kind cannot be told from its columns, a file type the importer does not read.
    r = _upload(client, "a,b\n1,2\n")
    assert r.status_code == 422 and "cannot tell the kind from the header" in r.text and "/tmp" not in r.text
    assert "choose what the file holds: reference|minimum-wage|exchange-rate" in r.text
    r = _upload(client, "%PDF", name="prices.pdf")
    assert r.status_code == 422 and "prices.pdf" in r.text
    r = _upload(client, GOOD_PRICES, kind="teleport")
    assert r.status_code == 422 and "teleport" in r.text
    assert _reference_rows(web) == before


def test_import_stores_a_good_file_once_and_needs_csrf_and_pay_write(seeded):
    web = seeded
    before = _reference_rows(web)
    client = _client(web, "field_officer")
    r = _upload(client, GOOD_PRICES, token="")  # no CSRF token
    assert r.status_code == 403 and _reference_rows(web) == before
    r = _upload(client, GOOD_PRICES, token="forged-token")
    assert r.status_code == 403 and _reference_rows(web) == before
    auditor = _client(web, "auditor")  # pay.read only
    r = auditor.post("/pay/prices", data={"csrf_token": csrf_of(auditor.get("/pay").text)},
                     files={"file": ("prices.csv", GOOD_PRICES.encode(), "text/csv")})
    assert r.status_code == 403 and _reference_rows(web) == before
    r = _upload(client, GOOD_PRICES, kind="reference")
    assert r.status_code == 200, r.text[:500]
    assert "prices.csv imported: 2 rows read, 2 new, 0 changed, 0 unchanged." in r.text
    assert _reference_rows(web) == before + 2
    r = _upload(client, GOOD_PRICES)  # again: nothing changes (idempotent)
    assert "2 rows read, 0 new, 0 changed, 2 unchanged." in r.text and _reference_rows(web) == before + 2


def _api(web, role="auditor", org="alpha", **params):
    return web.client().get("/api/v1/findings/pay", params=params,
                            headers={"Authorization": f"Bearer {web.token(org, role)}"})


def test_api_and_another_organisation(seeded):
    web = seeded
    found = _service(web)
    r = _api(web, on=ON)
    assert r.status_code == 200, r.text
    body = r.json()
    key = (lambda d: (d["check"], d["subject"]))
    assert sorted(body["items"], key=key) == sorted((f.as_dict() for f in found), key=key)
    assert body["counts"] == {s: sum(f.status == s for f in found) for s in {f.status for f in found}}
    s1 = next(i for i in body["items"] if key(i) == ("fairmined_price", "S1"))
    assert s1["numbers"]["shortfall"] == "1814.81"
    only = _api(web, on=ON, status="breach", check="minimum_wage").json()["items"]
    assert sorted(i["subject"] for i in only) == ["W1", "W2"]
    bad = _api(web, status="awful")
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "status"
    assert _api(web, site="NOPE-9").status_code == 404
    assert _api(web, role="viewer").status_code == 403
    assert web.client().get("/api/v1/findings/pay").status_code == 401
    # Beta sees none of alpha's pay findings, on the page, the CSV and the API.
    assert _api(web, org="beta", role="admin", on=ON).json() == {"counts": {}, "items": []}
    client = _client(web, "auditor", org="beta")
    for url in (f"/pay?on={ON}", f"/pay/findings.csv?on={ON}"):
        text = client.get(url).text
        assert "KAL-001" not in text and "1814.81" not in text and not _rows(text), url
    assert client.get("/pay", params={"site": "KAL-001"}).status_code == 404
