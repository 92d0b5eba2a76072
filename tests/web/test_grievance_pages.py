"""Grievance pages (issue 7 part 6): the worklist and case page per role, and the public intake form.

Who sees what is grievances.service's answer (accounts/model.py PERMISSIONS: grievances.read for
coordinator, child-protection officer, auditor, admin; grievances.write for admin and coordinator;
children.read for child-labour content). Case number and PIN are shown once (issue 7 part 2).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.web.conftest import csrf_of, login

PHONE = "+254700111222"  # a reporter's phone used only here: it must appear in no page
SECRET = "ZQX-grievance-marker-7431"  # free text of a child-labour report (must stay with the officer)


def submit(web, org="alpha", category="pollution", text="the river is brown", **kw):
    from minewatch.grievances.service import submit_report

    with web.app.uow() as uow:
        return submit_report(uow, org_id=web.actors[org].org_id, channel="sms", category=category, text=text,
                             language="en", vault=web.app.vault, **kw)


def client_as(web, role, org="alpha"):
    c = web.client()
    r = login(c, web.email(org, role))
    assert r.status_code == 303, r.text
    return c


def test_coordinator_sees_worklist_and_advances_with_a_public_answer(web):
    done = submit(web, text="mercury in the river near the pit", phone=PHONE, consent_replies=True)
    c = client_as(web, "coordinator")
    page = c.get("/reports")
    assert page.status_code == 200 and done.case_number in page.text
    assert PHONE not in page.text and "mercury in the river" not in page.text  # no text, no phone in the list
    case = c.get(f"/reports/{done.case_number}")
    assert case.status_code == 200 and "mercury in the river" in case.text and PHONE not in case.text
    assert "channel:sms" in case.text  # the history: received by the SMS channel (audit trail)
    r = c.post(f"/reports/{done.case_number}/stage", data={"to_stage": "acknowledged", "answer": "We are looking",
                                                           "csrf_token": csrf_of(case.text)})
    assert r.status_code == 303
    with web.app.uow() as uow:
        from minewatch.grievances.service import case_status

        s = case_status(uow, org_id=web.actors["alpha"].org_id, case_number=done.case_number, pin=done.pin)
    assert s["stage"] == "acknowledged" and s["answer"] == "We are looking"
    history = c.get(f"/reports/{done.case_number}").text.split('id="history"')[1]
    assert web.email("alpha", "coordinator") in history and "Acknowledged" in history
    # A move the stage machine refuses (received -> closed is not in model.TRANSITIONS) shows the case, 422.
    case = c.get(f"/reports/{done.case_number}")
    bad = c.post(f"/reports/{done.case_number}/stage", data={"to_stage": "closed", "csrf_token": csrf_of(case.text)})
    assert bad.status_code == 422 and "can move to" in bad.text


def test_assign_to_a_user_and_filters(web):
    done = submit(web, category="land_conflict", text="fence on our land")
    other = submit(web, category="pollution", text="dust")
    c = client_as(web, "coordinator")
    case = c.get(f"/reports/{done.case_number}")
    r = c.post(f"/reports/{done.case_number}/assign", data={"to_email": web.email("alpha", "auditor"),
                                                            "csrf_token": csrf_of(case.text)})
    assert r.status_code == 303
    assert web.email("alpha", "auditor") in c.get(f"/reports/{done.case_number}").text
    page = c.get("/reports", params={"category": "land_conflict"})
    assert done.case_number in page.text and other.case_number not in page.text
    assert c.get("/reports", params={"category": "nonsense"}).status_code == 422


def test_viewer_is_refused_and_auditor_reads_only(web):
    done = submit(web)
    assert client_as(web, "viewer").get("/reports").status_code == 403
    a = client_as(web, "auditor")
    page = a.get(f"/reports/{done.case_number}")
    assert page.status_code == 200 and 'action="/reports/' not in page.text  # no forms
    r = a.post(f"/reports/{done.case_number}/stage", data={"to_stage": "acknowledged",
                                                           "csrf_token": csrf_of(page.text)})
    assert r.status_code == 403


def test_child_labour_text_hidden_from_the_coordinator_shown_to_the_officer_who_opens_the_case(web):
    done = submit(web, category="child_labour", text=f"children digging {SECRET}")
    coord = client_as(web, "coordinator")
    page = coord.get(f"/reports/{done.case_number}")
    assert page.status_code == 200 and SECRET not in page.text and "child-protection officers only" in page.text
    assert SECRET not in coord.get("/reports").text
    officer = client_as(web, "child_protection_officer")
    page = officer.get(f"/reports/{done.case_number}")
    assert SECRET in page.text and "/child-case" in page.text  # no site given: pending_case (service docstring)
    assert done.case_number in officer.get("/reports").text
    token = csrf_of(page.text)
    nobody = officer.post(f"/reports/{done.case_number}/child-case", data={"csrf_token": token})
    assert nobody.status_code == 422 and "say who the child is" in nobody.text  # cases.service child_missing
    assert client_as(web, "coordinator").post(f"/reports/{done.case_number}/child-case", data={
        "name": "X", "csrf_token": token}).status_code in (403,)  # coordinator: no children.write
    r = officer.post(f"/reports/{done.case_number}/child-case", data={"name": "Amani Grievancechild", "sex": "f",
                                                                      "birth_year": "2013", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].startswith("/cases/")


def test_another_organisations_case_is_404(web):
    theirs = submit(web, org="beta")
    c = client_as(web, "coordinator")
    assert c.get(f"/reports/{theirs.case_number}").status_code == 404
    page = c.get("/reports")
    assert theirs.case_number not in page.text
    assert c.post(f"/reports/{theirs.case_number}/stage", data={"to_stage": "acknowledged",
                                                                "csrf_token": csrf_of(page.text)}).status_code == 404


# --- The public form ------------------------------------------------------------------------------------


def _count(web):
    from minewatch.grievances.orm import Grievance

    with web.app.uow() as uow:
        return uow.session.scalar(sa.select(sa.func.count()).select_from(Grievance))


def test_public_form_creates_one_report_and_shows_number_and_pin_once(web):
    c = web.client()
    form = c.get("/report/alpha")
    assert form.status_code == 200 and 'name="website"' in form.text
    before = _count(web)
    r = c.post("/report/alpha", data={"category": "pollution", "text": "oil in the stream", "language": "fr",
                                      "phone": PHONE, "consent": "1", "csrf_token": csrf_of(form.text)})
    assert r.status_code == 200, r.text
    number = re.search(r"<strong>([A-Z0-9-]+)</strong>", r.text).group(1)
    pin = re.findall(r"<strong>([A-Z0-9-]+)</strong>", r.text)[1]
    assert _count(web) == before + 1 and PHONE not in r.text
    assert r.headers["cache-control"] == "no-store"
    ok = c.get("/report/alpha/status", params={"case_number": number, "pin": pin})
    assert ok.status_code == 200 and number in ok.text and pin not in ok.text
    # Wrong PIN and unknown case: the same message (grievances.errors.CASE_OR_PIN_MESSAGE).
    from minewatch.grievances.errors import CASE_OR_PIN_MESSAGE

    wrong = c.get("/report/alpha/status", params={"case_number": number, "pin": "000000" if pin != "000000" else "1"})
    unknown = c.get("/report/alpha/status", params={"case_number": "ZZZZ-ZZZZ", "pin": pin})
    assert wrong.status_code == unknown.status_code == 404
    assert CASE_OR_PIN_MESSAGE in wrong.text and CASE_OR_PIN_MESSAGE in unknown.text


def test_public_form_needs_csrf_refuses_the_honeypot_and_rate_limits(web):
    from minewatch.web.pages.grievances import RATE_LIMIT

    c = web.client()
    form = c.get("/report/alpha")
    token = csrf_of(form.text)
    before = _count(web)
    assert c.post("/report/alpha", data={"category": "pollution", "text": "x"}).status_code == 403  # no token
    bot = c.post("/report/alpha", data={"category": "pollution", "text": "buy now", "website": "http://spam",
                                        "csrf_token": token})
    assert bot.status_code == 400 and _count(web) == before
    codes = [c.post("/report/alpha", data={"category": "other", "text": f"report {i}", "csrf_token": token}).status_code
             for i in range(RATE_LIMIT + 1)]
    assert codes == [200] * RATE_LIMIT + [429] and _count(web) == before + RATE_LIMIT


def test_public_form_of_an_unknown_organisation_is_404_and_bad_values_are_422(web):
    c = web.client()
    assert c.get("/report/nobody").status_code == 404
    form = c.get("/report/alpha")
    r = c.post("/report/alpha", data={"category": "pollution", "text": "  ", "csrf_token": csrf_of(form.text)})
    assert r.status_code == 422 and "empty" in r.text
