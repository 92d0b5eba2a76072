"""Alert pages (issue 8 part 7): /alerts lists the organisation's alerts newest first with delivery counts
and, for rainfall alerts, the reason; /alerts/{id} shows recipients by person id, language and status only.
Access is alerts.service's (grievances.read)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.web.conftest import login

PHONE = "+254712999001"  # must appear in no page


def _seed(web, org="alpha"):
    """One consenting person with a phone at the org's first site, a landslide watch sent there, and the
    rain_alerts row that raised it (reason as check_rainfall stores it)."""
    from minewatch.alerts.orm import RainAlert
    from minewatch.alerts.service import send_alert
    from minewatch.people.orm import Assignment, Person
    from minewatch.sites.orm import Site

    actor, v = web.actors[org], web.app.vault
    with web.app.uow() as uow:
        s = uow.session
        site = s.scalars(sa.select(Site).where(Site.org_id == actor.org_id).order_by(Site.code).limit(1)).one()
        p = Person(org_id=actor.org_id, external_id=f"W-{org}", preferred_language="en", consent_alerts=True,
                   phone_hash=v.lookup_hash(PHONE), phone_encrypted=v.encrypt(PHONE))
        s.add(p)
        s.flush()
        s.add(Assignment(org_id=actor.org_id, person_id=p.id, site_id=site.id, task="digging"))
        uow.commit()
        code, site_id = site.code, site.id
    with web.app.uow() as uow:
        sent = send_alert(uow, actor=actor, site_codes=[code], template="landslide_watch", vault=v,
                          key=f"rain:{code}:test:watch")
    day = dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc)
    with web.app.uow() as uow:
        uow.session.add(RainAlert(org_id=actor.org_id, site_id=site_id, period_start=day, level="watch",
                                  threshold="caine1980", basis="forecast", ratio=1.2345, duration_h=2.0,
                                  intensity_mm_per_h=13.9, checked_at=day, alert_id=sent.alert_id,
                                  reason={"level": "high", "threshold_mm_per_h": 11.3}))
        uow.commit()
    return sent.alert_id, code


def test_alerts_list_and_detail_with_the_rain_reason_and_no_phone(web):
    alert_id, code = _seed(web)
    c = web.client()
    assert login(c, web.email("alpha", "coordinator")).status_code == 303
    page = c.get("/alerts")
    assert page.status_code == 200, page.text
    assert f'href="/alerts/{alert_id}"' in page.text and code in page.text
    assert "landslide watch" in page.text and "caine1980" in page.text and "1.23" in page.text
    detail = c.get(f"/alerts/{alert_id}")
    assert detail.status_code == 200
    assert "LANDSLIDE WATCH" in detail.text and "forecast rainfall" in detail.text and "queued" in detail.text
    for text in (page.text, detail.text):
        assert PHONE not in text and PHONE[-6:] not in text


def test_viewer_is_refused_and_another_organisations_alert_is_404(web):
    beta_alert, _ = _seed(web, "beta")
    viewer = web.client()
    assert login(viewer, web.email("alpha", "viewer")).status_code == 303
    assert viewer.get("/alerts").status_code == 403
    c = web.client()
    assert login(c, web.email("alpha", "admin")).status_code == 303
    assert c.get(f"/alerts/{beta_alert}").status_code == 404
    assert f'href="/alerts/{beta_alert}"' not in c.get("/alerts").text
