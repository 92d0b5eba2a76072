"""The public transparency page of the grievance mechanism and its exports (issue 7 part 7).

Acceptance: "The public page and exports suppress counts under 5, cannot be un-suppressed from their
totals, and contain no free text (tested with seeded data)", and no reporter's phone on any page or export.
The threshold 5 is cases.model.MIN_CELL (issue 5's policy value, reused); the recovery check is the
linear-algebra one of tests/unit/test_cases_model.py (a suppressed cell is recoverable iff its unit vector
lies in the row space of the line equations).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from tests.unit.test_cases_model import _recoverable

PHONE = "+254700999888"
MARKER = "UNIQUE-FREE-TEXT-8812"
# category -> month -> how many reports; small cells (1-4) on purpose: pollution 2024-02 (3), land_conflict (2)
SEED = {"pollution": {"2024-01": 7, "2024-02": 3}, "injury_or_death": {"2024-01": 6, "2024-02": 8},
        "land_conflict": {"2024-01": 2}}


def _seed(web):
    from minewatch.grievances.service import advance, submit_report
    from minewatch.sites.orm import Site

    org_id = web.actors["alpha"].org_id
    with web.app.uow() as uow:
        codes = list(uow.session.scalars(sa.select(Site.code).where(Site.org_id == org_id).order_by(Site.code)))
    made, n = [], 0
    for category, months in SEED.items():
        for month, count in months.items():
            for i in range(count):
                n += 1
                day = dt.datetime.fromisoformat(f"{month}-{(i % 27) + 1:02d}T10:00:00+00:00")
                with web.app.uow() as uow:
                    done = submit_report(uow, org_id=org_id, channel="web", category=category,
                                         text=f"report {n} {MARKER} at {codes[n % 3]}", language="en",
                                         site_code=codes[n % 3], phone=PHONE, consent_replies=True,
                                         received_at=day, vault=web.app.vault)
                made.append((done.case_number, day))
    coordinator = _actor(web, "coordinator")
    for number, day in made[:6]:  # six resolved, 10 days after receipt each: median 10 days
        for stage, k in (("acknowledged", 1), ("assessed", 2), ("resolved", 10)):
            with web.app.uow() as uow:
                advance(uow, actor=coordinator, case_number=number, to_stage=stage, answer=f"answer {MARKER}",
                        now=day + dt.timedelta(days=k))
    return codes


def _actor(web, role):
    from minewatch.accounts.service import resolve_actor

    with web.app.uow() as uow:
        return resolve_actor(uow, org_slug="alpha", email=web.email("alpha", role))


def _publish(web):
    from minewatch.sites.publication import publish_grievances

    with web.app.uow() as uow:
        publish_grievances(uow, actor=web.actors["alpha"], publish=True)


@pytest.fixture
def seeded(web):
    codes = _seed(web)
    _publish(web)
    return web, codes


def test_counts_under_5_are_suppressed_and_cannot_be_recovered_from_the_totals(seeded):
    from minewatch.grievances import transparency as t

    web, _ = seeded
    with web.app.uow() as uow:
        result = t.public_figures(uow, "alpha")
        facts = t.facts(uow.session, web.actors["alpha"].org_id)
    for name, row_of in (("by_category", lambda f: f.category), ("by_district", lambda f: f.district)):
        table = result[name]
        rows, cols = table["rows"], table["cols"]
        inner = [[sum(1 for f in facts if row_of(f) == r and f.month == c) for c in cols] for r in rows]
        full = [row + [sum(row)] for row in inner]
        full.append([sum(x) for x in zip(*inner)] + [len(facts)])
        names_r, names_c = rows + [t.TOTAL], cols + [t.TOTAL]
        mask = [[table["cells"][(r, c)] is None for c in names_c] for r in names_r]
        for i, r in enumerate(names_r):
            for j, c in enumerate(names_c):
                if 0 < full[i][j] < 5:
                    assert mask[i][j], f"{name} {r} {c}: {full[i][j]} published"
                if not mask[i][j]:
                    assert table["cells"][(r, c)] == full[i][j]
        assert _recoverable(inner, mask) == [], name
    by_cat = result["by_category"]["cells"]
    assert by_cat[("pollution", "2024-02")] is None and by_cat[("land_conflict", "2024-01")] is None  # 3 and 2
    # The 2 of land_conflict is alone in its row, so its row total and cells of other rows go too
    # (suppress_table([[6, 8], [2, 0], [7, 3]]) with margins); the totals stay: SEED sums to 26 = 15 + 11.
    assert by_cat[("injury_or_death", "total")] == 14 and by_cat[("total", "total")] == 26
    assert (by_cat[("total", "2024-01")], by_cat[("total", "2024-02")]) == (15, 11)
    assert by_cat[("land_conflict", "total")] is None and by_cat[("pollution", "total")] is None
    perf = result["performance"]
    assert perf["median_days_to_resolution"] == 10 and perf["share_resolved"] == pytest.approx(6 / 26)


def test_page_and_exports_hold_no_free_text_no_phone_no_site_code(seeded):
    web, codes = seeded
    c = web.client()
    page = c.get("/public/alpha/grievances")
    assert page.status_code == 200 and "Injury or death" in page.text
    got = {"page": page.text, "csv": c.get("/public/alpha/grievances.csv").text,
           "geojson": c.get("/public/alpha/grievances.geojson").text}
    for name, text in got.items():
        for secret in (MARKER, PHONE, PHONE.lstrip("+"), "answer ", *codes[:3]):
            assert secret not in text, f"{secret!r} in the {name}"
    rows = list(csv.DictReader(io.StringIO(got["csv"])))
    small = [r for r in rows if r["table"] == "by_category" and r["group"] == "pollution" and r["month"] == "2024-02"]
    assert small == [{"table": "by_category", "group": "pollution", "month": "2024-02", "cases": ""}]
    geo = json.loads(got["geojson"])
    for f in geo["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert round(lon, 1) == lon and round(lat, 1) == lat  # district centroid rounded to 0.1 degree
        assert f["properties"]["cases"] is None or f["properties"]["cases"] >= 5


def test_an_organisation_that_does_not_publish_is_404(web):
    _seed(web)
    c = web.client()
    for path in ("/public/alpha/grievances", "/public/alpha/grievances.csv", "/public/alpha/grievances.geojson",
                 "/public/beta/grievances", "/public/nobody/grievances"):
        assert c.get(path).status_code == 404, path


def test_publishing_sites_does_not_publish_grievances_and_each_choice_is_audited(web):
    # Two choices apart: an organisation that opens its sites to the OGC API has not chosen to publish its
    # grievance figures (`minewatch publish sites` vs `minewatch publish grievances`).
    import sqlalchemy as sa

    from minewatch.audit.orm import AuditEvent
    from minewatch.sites.publication import publish_grievances, publish_sites

    _seed(web)
    with web.app.uow() as uow:
        assert publish_sites(uow, actor=web.actors["alpha"], publish=True).published
    c = web.client()
    assert c.get("/public/alpha/grievances").status_code == 404
    with web.app.uow() as uow:
        result = publish_grievances(uow, actor=web.actors["alpha"], publish=True)
    assert result.published and result.changed
    assert c.get("/public/alpha/grievances").status_code == 200
    with web.app.uow() as uow:
        contexts = uow.session.scalars(sa.select(AuditEvent.context).where(AuditEvent.entity_type == "organisation")).all()
        assert "publish sites" in contexts and "publish grievances" in contexts
    with web.app.uow() as uow:
        assert not publish_grievances(uow, actor=web.actors["alpha"], publish=False).published
    assert c.get("/public/alpha/grievances").status_code == 404
