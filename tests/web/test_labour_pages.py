"""The child-labour findings page (/labour) and GET /api/v1/findings/child-labour, on SQLite and PostgreSQL.

Seeded through the services: an IPIS-format file (registry import, kind ``ipis``) with visits that saw
children under 15 digging ("Creuser") or washing ("Lavage"), a visit where the team did not reach the
site (``visit_onsite`` = 0, no finding: issue 5, item 1), and a child with an assignment to dig (people
and assignments imports). Expected classifications: digging is hazardous work under 18 (ILO C182 Art.
3(d), R190 para. 3; standards.md section 4.1), so the child (14 in 2026) and the visit that saw children under 15
digging are ``hazardous_child_labour``. Everything else shown is compared with ``labour.service`` itself.
"""

from __future__ import annotations

import html
import re

import pytest

from minewatch.registry.ipis import IPIS_COLUMNS
from tests.web.conftest import csrf_of, login

CHILD_NAME = "Furaha Kasongo-Secretchild"
SITE = "alpha00001"  # a site of the web world's alpha (conftest: generated IPIS codes with the org's slug)
CL_SITE = "lab-cl-1"  # visits: 2019 children digging, 2021 children washing (latest)
AWAY_SITE = "lab-cl-2"  # one visit, the team did not reach the site


def _ipis_row(vid: int, pcode: str, day: str, *, onsite: str = "1", children: str = "1", work: str = "") -> dict:
    row = dict.fromkeys(IPIS_COLUMNS, "")
    row.update({"FID": f"lab.{vid}", "vid": str(vid), "cid": str(vid), "id": str(vid), "source": "IPIS",
                "project": "Labour page test", "pcode": pcode, "name": f"Site {pcode}", "visit_date": day,
                "visit_onsite": onsite, "geom": "POINT (28.1 -2.9)", "longitude": "28.1", "latitude": "-2.9",
                "location_origin": "GPS", "province": "Sud-Kivu", "territoire": "Mwenga", "mineral1": "Or",
                "childunder15": children, "childunder15work": work})
    return row


def _import(web, tmp_path, kind: str, name: str, text: str | None = None, rows: list[dict] | None = None):
    import csv

    from minewatch.registry.service import import_file

    path = tmp_path / name
    if rows is not None:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=IPIS_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    else:
        path.write_text(text, encoding="utf-8")
    with web.app.uow() as uow:
        report = import_file(uow, actor=web.actors["alpha"], kind_name=kind, path=path, vault=web.app.vault)
    assert not report.errors, report.problems


@pytest.fixture
def seeded(web, tmp_path):
    """alpha: the IPIS visits above and a child (born 2012-01-05) assigned to dig at alpha00001."""
    _import(web, tmp_path, "ipis", "labour-ipis.csv", rows=[
        _ipis_row(9001, CL_SITE, "2019-05-01", work="Creuser"),
        _ipis_row(9002, CL_SITE, "2021-05-01", work="Lavage"),
        _ipis_row(9003, AWAY_SITE, "2020-01-01", onsite="0", work="Creuser"),
    ])
    _import(web, tmp_path, "people", "labour-people.csv",
            f"external_id,full_name,sex,date_of_birth\nlab-child-1,{CHILD_NAME},F,2012-01-05\n")
    _import(web, tmp_path, "assignments", "labour-assignments.csv",
            f"person,site,task,valid_from\nlab-child-1,{SITE},digging,2024-01-01\n")
    return web


def _client(web, role="viewer", org="alpha"):
    client = web.client()
    assert login(client, web.email(org, role)).status_code == 303
    return client


def _service(web, org="alpha", **kw):
    from minewatch.labour.service import check_labour, counts

    kw.setdefault("latest_only", True)
    with web.app.uow() as uow:
        found = check_labour(uow, actor=web.actors[org], **kw)
    return counts(found), found


def _key(f) -> str:
    return f.classification if f.kind == "classification" else f.kind


def _rows(page: str) -> dict[str, str]:
    """``source_type-source_id`` -> the finding key of each row of the findings table."""
    return dict(re.findall(r'<tr data-source="(\w+-\d+)" data-finding="(\w+)"', page))


def _counts(page: str) -> dict[str, int]:
    return {k: int(v) for v, k in re.findall(r'<data value="(\d+)" data-count="(\w+)"', page)}


def _source(found, source_type, **match):
    return [f for f in found if f.source_type == source_type
            and all(getattr(f, k) == v for k, v in match.items())]


def test_page_shows_the_services_findings_and_counts_and_never_a_name(seeded):
    web = seeded
    counts, found = _service(web)
    client = _client(web, "viewer")
    r = client.get("/labour")
    assert r.status_code == 200, r.text[:500]
    assert _counts(r.text) == counts
    assert _rows(r.text) == {f"{f.source_type}-{f.source_id}": _key(f) for f in found}
    # The latest visit of lab-cl-1 (washing) is shown, the 2019 one (digging) is not; the visit where the
    # team did not reach the site yields nothing (issue 5, item 1).
    [latest] = _source(found, "visit", site_code=CL_SITE)
    assert latest.visit_ref == "9002"
    assert not _source(found, "visit", site_code=AWAY_SITE)
    assert f'href="/sites/{CL_SITE}"' in r.text
    # The child (14 in 2026, digging): hazardous, C182 Art. 3(d) (standards.md 4.1).
    [child] = _source(found, "assignment", site_code=SITE, classification="hazardous_child_labour")
    row = r.text[r.text.index(f'data-source="assignment-{child.source_id}"'):]
    row = row[:row.index("</tr>")]
    assert "hazardous child labour" in row and html.escape(child.rule) in row and html.escape(child.reason) in row
    # Never a name; a viewer sees no person id, no case form, no link to the cases.
    assert CHILD_NAME not in r.text and "lab-child-1" not in r.text
    assert f"person #{child.person_id}" not in r.text
    assert 'action="/cases"' not in r.text and 'href="/cases"' not in r.text
    assert 'href="/labour/indicators"' in r.text


def test_the_child_protection_officer_sees_person_ids_and_can_open_cases(seeded):
    from minewatch.cases.model import CLASSIFICATIONS as CASE_CLASSIFICATIONS
    from minewatch.cases.service import show_case

    web = seeded
    _, found = _service(web)
    client = _client(web, "child_protection_officer")
    r = client.get("/labour")
    assert r.status_code == 200
    [child] = _source(found, "assignment", site_code=SITE, classification="hazardous_child_labour")
    assert f"person #{child.person_id}" in r.text and CHILD_NAME not in r.text
    assert 'href="/cases"' in r.text
    # A button on each finding of child labour: POST /cases for an assignment (the child is its person),
    # GET /cases/new for a visit (the officer says who the child is).
    posts = re.findall(r'<form method="post" action="/cases".*?</form>', r.text, re.S)
    gets = re.findall(r'<form method="get" action="/cases/new".*?</form>', r.text, re.S)
    expected = [f for f in found if f.kind == "classification" and f.classification in CASE_CLASSIFICATIONS]
    assert len(posts) == sum(f.source_type == "assignment" for f in expected) == 1
    assert len(gets) == sum(f.source_type == "visit" for f in expected) > 0
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', posts[0]))
    assert fields == {"csrf_token": csrf_of(r.text), "source_type": "assignment", "source_id": str(child.source_id),
                      "site": SITE, "classification": "hazardous_child_labour"}
    # The cases pages take the button's fields: a case of the child, opened from the finding.
    opened = client.post("/cases", data=fields)
    assert opened.status_code == 303, opened.text[:500]
    case_id = int(opened.headers["location"].rstrip("/").rsplit("/", 1)[-1])
    with web.app.uow() as uow:
        case = show_case(uow, actor=_officer(web), case_id=case_id)
    assert (case.source_type, str(case.source_id), case.classification) == (
        "assignment", str(child.source_id), "hazardous_child_labour")
    visit = dict(re.findall(r'name="(\w+)" value="([^"]*)"', gets[0]))
    assert set(visit) == {"source_type", "source_id", "site", "classification"} and visit["source_type"] == "visit"
    page = client.get("/cases/new", params=visit)
    assert page.status_code == 200 and f'value="{visit["source_id"]}"' in page.text


def _officer(web):
    from minewatch.accounts.service import resolve_actor

    with web.app.uow() as uow:
        return resolve_actor(uow, org_slug="alpha", email=web.email("alpha", "child_protection_officer"))


def test_filters_narrow_the_findings_and_bad_values_are_named(seeded):
    web = seeded
    client = _client(web, "field_officer")
    # Every visit, not only the latest: the 2019 visit of children digging is hazardous (C182 Art. 3(d)).
    _, every = _service(web, latest_only=False, site_code=CL_SITE)
    r = client.get("/labour", params={"site": CL_SITE, "visits": "all"})
    assert _rows(r.text) == {f"{f.source_type}-{f.source_id}": _key(f) for f in every}
    [digging] = [f for f in every if f.visit_ref == "9001"]
    assert digging.classification == "hazardous_child_labour" and digging.task_classes == ["digging"]
    # Classification and source type.
    _, found = _service(web)
    r = client.get("/labour", params={"classification": "hazardous_child_labour", "source_type": "assignment"})
    shown = _rows(r.text)
    assert shown and set(shown.values()) == {"hazardous_child_labour"}
    assert set(shown) == {f"assignment-{f.source_id}" for f in found
                          if f.source_type == "assignment" and f.classification == "hazardous_child_labour"}
    # The date: on 2023-12-31 the assignment (valid from 2024-01-01) was not current.
    r = client.get("/labour", params={"on": "2023-12-31", "source_type": "assignment", "site": SITE})
    assert r.status_code == 200 and not _rows(r.text)
    # Bad values: named on the page, 422; a site the organisation does not have: 404.
    for params, words in (({"on": "2024-13-01"}, "on &#39;2024-13-01&#39; is not a date"),
                          ({"classification": "slavery"}, "classification &#39;slavery&#39; is not one of"),
                          ({"source_type": "rumour"}, "source_type &#39;rumour&#39; is not one of"),
                          ({"visits": "some"}, "visits &#39;some&#39; is not one of")):
        r = client.get("/labour", params=params)
        assert r.status_code == 422 and words in r.text, (params, r.text[:300])
    r = client.get("/labour", params={"site": "beta00001"})
    assert r.status_code == 404 and "beta00001" in r.text and not _rows(r.text)


def test_findings_come_in_pages_that_together_show_each_once(seeded, monkeypatch):
    import minewatch.web.pages.labour as labour_page

    monkeypatch.setattr(labour_page, "PAGE_SIZE", 3)
    _, found = _service(seeded)
    client = _client(seeded, "viewer")
    seen, url = [], "/labour?visits=latest"
    while url:
        r = client.get(url.replace("&amp;", "&"))
        assert r.status_code == 200
        seen += list(_rows(r.text))
        nxt = re.search(r'<a href="([^"]+)" rel="next">', r.text)
        url = nxt.group(1) if nxt else None
    assert len(found) > 3 and sorted(seen) == sorted(f"{f.source_type}-{f.source_id}" for f in found)
    assert client.get("/labour?page=0").status_code == 422


def test_beta_sees_none_of_alphas_findings_and_anonymous_is_sent_to_login(seeded):
    web = seeded
    _, alpha_found = _service(web)
    _, beta_found = _service(web, org="beta")
    client = _client(web, "child_protection_officer", org="beta")
    r = client.get("/labour")
    assert r.status_code == 200
    assert _rows(r.text) == {f"{f.source_type}-{f.source_id}": _key(f) for f in beta_found}
    for code in {f.site_code for f in alpha_found}:
        assert code not in r.text
    assert CHILD_NAME not in r.text
    r = web.client().get("/labour")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def _api(web, role, org="alpha", **params):
    client = web.client()
    return client.get("/api/v1/findings/child-labour", params=params,
                      headers={"Authorization": f"Bearer {web.token(org, role)}"})


def test_api_gives_the_services_findings_with_person_ids_only_for_child_protection(seeded):
    web = seeded
    counts, found = _service(web)
    r = _api(web, "viewer")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"] == counts
    expected = [f.as_dict() | {"person_id": None} for f in found]
    key = (lambda d: (d["source_type"], d["source_id"], d["kind"]))
    assert sorted(body["items"], key=key) == sorted(expected, key=key)
    assert CHILD_NAME not in r.text
    officer = _api(web, "child_protection_officer", source_type="assignment",
                   classification="hazardous_child_labour").json()
    [child] = [f for f in found if f.source_type == "assignment" and f.classification == "hazardous_child_labour"]
    assert [i["person_id"] for i in officer["items"]] == [child.person_id]
    # Every visit of one site; the date; bad values: 422 naming the parameter; unknown site: 404.
    every = _api(web, "viewer", site=CL_SITE, latest_only="false").json()["items"]
    assert {i["visit_ref"] for i in every if i["kind"] == "classification"} == {"9001", "9002"}
    assert _api(web, "viewer", on="2023-12-31", site=SITE, source_type="assignment").json()["items"] == []
    bad = _api(web, "viewer", classification="slavery")
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "classification"
    assert _api(web, "viewer", site="beta00001").status_code == 404
    assert web.client().get("/api/v1/findings/child-labour").status_code == 401
    # Beta's token: none of alpha's findings.
    beta = _api(web, "admin", org="beta")
    assert beta.status_code == 200 and not {i["site_code"] for i in beta.json()["items"]} & {f.site_code for f in found}


def test_no_inline_code_and_the_page_is_light(seeded):
    from tests.web.test_pages import _no_inline_code

    client = _client(seeded, "child_protection_officer")
    for url in ("/labour", "/labour?visits=all", "/labour?on=nonsense"):
        r = client.get(url)
        _no_inline_code(r.text)
        assert "'unsafe-inline'" not in r.headers["content-security-policy"]
        assert len(r.content) < 200_000, url
