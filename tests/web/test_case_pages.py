"""Pages of child labour cases (issue 5 parts 2-4, web): the officer's worklist and case page, the forms
(open, action, follow-up, stage, close, reopen), who gets 404, and the programme indicators (page,
CSV, PDF, API).

The closing rule is the ICI CLMRS core criteria's (standards.md 4.2; ``cases/model.py``): a case closes
after at least two follow-ups finding the child out of child labour, or with a documented reason.
Suppression: issue 5, "aggregates below 5 children are suppressed in anything shared outside the
organisation" (``model.MIN_CELL``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import sqlalchemy as sa

from tests.web.conftest import CHILDREN, ROLES, csrf_of, login

OFFICER = "child_protection_officer"


def session(web, org: str = "alpha", role: str = OFFICER):
    client = web.client()
    r = login(client, web.email(org, role))
    assert r.status_code == 303, r.text[:300]
    return client, csrf_of(client.get("/account/tokens").text)


def case_events(web, case_id: int) -> list[tuple[str, str]]:
    """(action, actor e-mail) of the audit events of a case, in order."""
    from minewatch.audit.orm import AuditEvent

    with web.app.uow() as uow:
        rows = uow.session.execute(sa.select(AuditEvent.action, AuditEvent.actor_email)
                                   .where(AuditEvent.entity_type == "child_case",
                                          AuditEvent.entity_id == str(case_id))
                                   .order_by(AuditEvent.org_id, AuditEvent.seq)).all()
    return [tuple(r) for r in rows]


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_an_officer_opens_remediates_follows_up_and_closes_a_case(web):
    client, csrf = session(web)
    officer = web.email("alpha", OFFICER)
    today = dt.date.today()
    day = lambda n: (today - dt.timedelta(days=n)).isoformat()  # noqa: E731

    form = client.get("/cases/new?source_type=other&site=alpha00002")
    assert form.status_code == 200 and 'value="alpha00002"' in form.text
    r = client.post("/cases", data={"csrf_token": csrf, "source_type": "other", "site": "alpha00002",
                                    "name": "Kito Pagetest", "birth_year": str(today.year - 12), "sex": "m",
                                    "identified_on": day(400), "classification": "child_labour"})
    assert r.status_code == 303, r.text[:500]
    case_id = int(r.headers["location"].rsplit("/", 1)[-1])
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "Kito Pagetest" in page.text and "alpha00002" in page.text
    assert "Not yet:" in page.text

    # A value outside the controlled list is refused with the list, on the case page (422).
    r = client.post(f"/cases/{case_id}/actions", data={"csrf_token": csrf, "action": "pocket_money"})
    assert r.status_code == 422 and "pocket_money" in r.text and "school_enrolment" in r.text
    r = client.post(f"/cases/{case_id}/actions", data={
        "csrf_token": csrf, "action": "school_enrolment", "done_on": day(390), "provider": "EP Kalimbi",
        "cost_amount": "25.50", "cost_currency": "usd"})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}"
    page = visible_text(client.get(f"/cases/{case_id}").text)
    assert "School enrolment" in page and "EP Kalimbi" in page and "25.50 USD" in page and "Remediation plan" in page

    r = client.post(f"/cases/{case_id}/followups", data={"csrf_token": csrf, "followed_up_on": day(200),
                                                         "in_child_labour": "no", "in_school": "yes"})
    assert r.status_code == 303, r.text[:500]
    r = client.post(f"/cases/{case_id}/followups", data={"csrf_token": csrf, "followed_up_on": day(199),
                                                         "in_child_labour": "maybe"})
    assert r.status_code == 422 and "answer yes or no" in r.text

    # One clean follow-up: the case cannot close, and the page says why (ICI: two follow-ups).
    page = visible_text(client.get(f"/cases/{case_id}").text)
    assert "Not yet: a case closes after 2 follow-ups with the child not in child labour" in page
    assert "it has 1" in page
    r = client.post(f"/cases/{case_id}/close", data={"csrf_token": csrf})
    assert r.status_code == 422
    assert "cannot close: a case closes after 2 follow-ups" in visible_text(r.text)

    r = client.post(f"/cases/{case_id}/followups", data={"csrf_token": csrf, "followed_up_on": day(10),
                                                         "in_child_labour": "no"})
    assert r.status_code == 303
    assert "Yes: the closing rule is met." in visible_text(client.get(f"/cases/{case_id}").text)
    r = client.post(f"/cases/{case_id}/close", data={"csrf_token": csrf})
    assert r.status_code == 303
    page = visible_text(client.get(f"/cases/{case_id}").text)
    assert "Two follow-ups found the child out of child labour" in page and 'id="reopen"' in client.get(
        f"/cases/{case_id}").text

    # Reopening needs a reason that does not name the child (it goes to the audit trail).
    r = client.post(f"/cases/{case_id}/reopen", data={"csrf_token": csrf, "reason": "Kito Pagetest is back"})
    assert r.status_code == 422
    r = client.post(f"/cases/{case_id}/reopen", data={"csrf_token": csrf, "reason": "seen at the pit again"})
    assert r.status_code == 303
    assert "Assessment" in client.get(f"/cases/{case_id}").text

    changes = [(a, who) for a, who in case_events(web, case_id) if a != "read"]
    assert changes == [("created", officer), ("action_added", officer), ("followup_added", officer),
                       ("followup_added", officer), ("closed", officer), ("reopened", officer)]
    reads = [who for a, who in case_events(web, case_id) if a == "read"]
    assert len(reads) >= 8 and set(reads) == {officer}  # every page view is an audited read

    # The worklist lists the open cases, overdue first (the seeded case's follow-up is years overdue).
    worklist = client.get("/cases")
    assert worklist.status_code == 200
    text = worklist.text
    assert text.index(CHILDREN["alpha"]["name"]) < text.index("Kito Pagetest")
    assert "days overdue" in text
    only = client.get("/cases?site=alpha00002")
    assert "Kito Pagetest" in only.text and CHILDREN["alpha"]["name"] not in only.text
    assert client.get("/cases?stage=nonsense").status_code == 422


def test_stage_moves_and_open_errors_on_the_forms(web):
    client, csrf = session(web)
    case_id = web.cases["alpha"]
    r = client.post(f"/cases/{case_id}/stage", data={"csrf_token": csrf, "to_stage": "follow_up"})
    assert r.status_code == 422 and "may move to assessment only" in r.text
    r = client.post(f"/cases/{case_id}/stage", data={"csrf_token": csrf, "to_stage": "assessment"})
    assert r.status_code == 303
    assert ("stage_changed", web.email("alpha", OFFICER)) in case_events(web, case_id)
    # Opening: the child is required; a site of another organisation is not found (shown on the form).
    r = client.post("/cases", data={"csrf_token": csrf, "source_type": "other"})
    assert r.status_code == 422 and "say who the child is" in r.text
    r = client.post("/cases", data={"csrf_token": csrf, "source_type": "other", "name": "X Y", "site": "beta00001"})
    assert r.status_code == 422 and "no site beta00001" in r.text
    # A form without the CSRF token is refused before anything happens.
    assert client.post(f"/cases/{case_id}/stage", data={"to_stage": "remediation_plan"}).status_code == 403


def test_other_roles_and_organisations_get_404_and_see_no_child(web):
    case_id = web.cases["alpha"]
    name = CHILDREN["alpha"]["name"]
    posts = {"actions": {"action": "school_enrolment"}, "followups": {"followed_up_on": "2024-01-01",
                                                                      "in_child_labour": "no"},
             "stage": {"to_stage": "assessment"}, "close": {"reason": "moved_away"}, "reopen": {"reason": "probe"}}
    missing = max(web.cases.values()) + 1000
    callers = [("alpha", role) for role in ROLES if role != OFFICER] + [("beta", OFFICER), ("beta", "admin")]
    for org, role in callers:
        client, csrf = session(web, org, role)
        r = client.get(f"/cases/{case_id}")
        assert r.status_code == 404 and name not in r.text, (org, role, r.status_code)
        # Exactly as a case that does not exist.
        gone = client.get(f"/cases/{missing}")
        assert gone.status_code == 404
        same = [t.replace(f"#{n}", "#N").replace(f"/cases/{n}", "/cases/N") for t, n in ((r.text, case_id),
                                                                                      (gone.text, missing))]
        assert same[0] == same[1], (org, role)
        for what, data in posts.items():
            r = client.post(f"/cases/{case_id}/{what}", data={"csrf_token": csrf, **data})
            assert r.status_code == 404 and name not in r.text, (org, role, what, r.status_code)
            r = client.post(f"/cases/{case_id}/{what}", data={"csrf_token": csrf, "action": "pocket_money"})
            assert r.status_code == 404, (org, role, what, "a bad value must not tell the case apart")
        listing = client.get("/cases")
        assert listing.status_code == 200 and name not in listing.text
        if org == "alpha":
            assert "child-protection officers only" in listing.text
            assert client.get("/cases/new").status_code == 403
            assert client.post("/cases", data={"csrf_token": csrf, "name": "X"}).status_code == 403
    # Nothing changed, and the refused readers left no read in the case's audit trail.
    events = case_events(web, case_id)
    assert [a for a, _ in events] == ["created"], events


def test_indicators_page_csv_pdf_and_api(web):
    """alpha has 1 seeded child (hazardous, identified at its first visit, no action yet, its follow-up
    overdue): inside the organisation the page shows 1; the CSV, the PDF and the API suppress it (1 < 5)."""
    client, _ = session(web, "alpha", "viewer")
    page = client.get("/labour/indicators")
    assert page.status_code == 200
    rows = re.findall(r"<tr\s*(?:class=\"total\")?>\s*<td>([^<]*)</td><td>([^<]*)</td>\s*<td class=\"num([^\"]*)\">"
                      r"([^<]*)", page.text)
    grand = [r for r in rows if r[0] == "Total" and r[1] == "Total"]
    assert grand and grand[0][3] == "1" and "supp" in grand[0][2], rows
    assert "Cells marked * are suppressed in the version to share" in page.text
    assert CHILDREN["alpha"]["name"] not in page.text and CHILDREN["beta"]["name"] not in page.text
    shared = client.get("/labour/indicators?view=shared&by=district&period=year")
    assert shared.status_code == 200 and "×" in shared.text
    assert client.get("/labour/indicators?by=planet").status_code == 422

    r = client.get("/labour/indicators.csv?by=site&period=quarter")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    total = next(t for t in table if t["site"] == "total" and t["period"] == "total")
    assert total["children_identified"] == "" and total["with_action"] == "0"  # 1 < 5 suppressed; zeros shown
    assert all(t["site"].startswith("alpha") or t["site"] == "total" for t in table)

    pdf = client.get("/labour/indicators.pdf?by=site&period=year")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-" and pdf.headers["content-type"] == "application/pdf"
    from tests.web.test_child_name_scan import pdf_text

    text = pdf_text(pdf.content)
    assert "Organisation: alpha" in text and "Counts below 5 children are suppressed" in text

    api = web.client()
    token = web.token("alpha", "auditor")
    r = api.get("/api/v1/indicators/child-labour?by=site&period=quarter", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["suppressed"] is True and doc["min_cell"] == 5
    grand = next(x for x in doc["rows"] if x["group"] == "total" and x["period"] == "total")
    assert grand["children_identified"] is None and "children_identified" in grand["suppressed"]
    r = api.get("/api/v1/indicators/child-labour?by=planet", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    assert api.get("/api/v1/indicators/child-labour").status_code == 401


def test_indicators_count_what_the_cases_record(web):
    """Six children at one site in one quarter (above the threshold of 5): the shared CSV shows the
    counts. By hand: 6 identified (+ the seeded child in its own quarter); 4 with an action done 10 days
    after identification -> median 10 days; share 4/6."""
    from minewatch.accounts.service import resolve_actor
    from minewatch.cases.service import add_action, open_case

    with web.app.uow() as uow:
        officer = resolve_actor(uow, org_slug="alpha", email=web.email("alpha", OFFICER))
    start = dt.date(2025, 1, 6)  # 2025-Q1
    for n in range(6):
        with web.app.uow() as uow:
            v = open_case(uow, actor=officer, source_type="other", site_code="alpha00003",
                          child={"name": f"Child {n} Counted", "birth_year": 2014}, identified_on=start)
        if n < 4:
            with web.app.uow() as uow:
                add_action(uow, actor=officer, case_id=v.id, action="school_kit", done_on=start + dt.timedelta(days=10))
    client, _ = session(web, "alpha", "coordinator")
    table = list(csv.DictReader(io.StringIO(client.get("/labour/indicators.csv?by=site&period=quarter").text)))
    cell = next(t for t in table if t["site"] == "alpha00003" and t["period"] == "2025-Q1")
    assert cell["children_identified"] == "6"
    # 4 < 5: with_action is suppressed in the shared table (and so is its share and the median).
    assert cell["with_action"] == "" and cell["share_with_action"] == "" and cell["median_days_to_action"] == ""
    page = client.get("/labour/indicators?by=site&period=quarter")
    row = re.search(r"<td>alpha00003</td><td>2025-Q1</td>(.*?)</tr>", page.text, re.S).group(1)
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)
    values = [re.sub(r"<[^>]+>.*", "", c).strip() for c in cells]
    assert values[0] == "6" and values[1].startswith("4") and values[2] == "67%" and values[9] == "10", values


def test_a_case_opened_from_a_visit_finding_takes_its_site_and_date(web):
    """What the labour findings page sends (``/cases/new?source_type=visit&source_id=...``, then the child)."""
    from minewatch.sites.orm import Site, SiteVisit

    with web.app.uow() as uow:
        visit_id, visit_date, code = uow.session.execute(
            sa.select(SiteVisit.id, SiteVisit.visit_date, Site.code).join(Site, Site.id == SiteVisit.site_id)
            .where(Site.code == "alpha00004").order_by(SiteVisit.id).limit(1)).one()
    client, csrf = session(web)
    form = client.get(f"/cases/new?source_type=visit&source_id={visit_id}&site={code}"
                      f"&classification=hazardous_child_labour")
    assert f'value="{visit_id}"' in form.text and '<option value="hazardous_child_labour" selected' in form.text
    data = {"csrf_token": csrf, "source_type": "visit", "source_id": str(visit_id), "site": code,
            "classification": "hazardous_child_labour", "name": "Asha Visitfound", "birth_year": "2012"}
    r = client.post("/cases", data=data)
    assert r.status_code == 303, r.text[:500]
    page = visible_text(client.get(r.headers["location"]).text)
    assert f"Site visit #{visit_id}" in page and code in page and "Hazardous child labour (worst form)" in page
    from babel.dates import format_date

    assert f"Identified {format_date(visit_date, format='medium', locale='en')}" in page
    # A retry of the same form (a double click) shows the same case, it does not open a second.
    again = client.post("/cases", data=data)
    assert again.status_code == 303 and again.headers["location"] == r.headers["location"]
    # The wrong site for that visit is refused on the form.
    r = client.post("/cases", data={**data, "site": "alpha00005", "name": "Other Child"})
    assert r.status_code == 422 and "is not the site of visit" in r.text
