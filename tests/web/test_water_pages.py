"""Water, sediment and soil pages (issue 6, part 7): /water, /water/points/{point_code} (+ plot), /sites/{code}/water.

The world (tests/web/conftest.py ``water_csv``) gives each organisation three points at its site
``<slug>00001``: ``<slug>-UP1`` upstream (arsenic <0.005, 0.004, 0.006, 0.005 mg/L), ``<slug>-DN1``
downstream (arsenic 0.012 mg/L, 15 ug/L, 0.021, 0.030 mg/L, then lead 0.004 mg/L on the last date) and
``<slug>-SD1`` sediment (arsenic 25 mg/kg). Expected values are worked out here from that file and the
guideline values of standards.md: WHO drinking water arsenic 0.01 mg/L and lead 0.01 mg/L (section 6.1),
CCME soil arsenic 12 mg/kg for every land use (section 6.2); and, where stated, compared with the
services' own answers (the page must show what ``minewatch water ...`` computes).
"""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from tests.web.conftest import csrf_of, login


def _client(web, org="alpha", role="viewer"):
    client = web.client()
    assert login(client, web.email(org, role)).status_code == 303
    return client


def _row(html: str, marker: str) -> str:
    """The <tr> of a table that contains ``marker``."""
    for row in re.findall(r"<tr\b.*?</tr>", html, re.S):
        if marker in row:
            return row
    raise AssertionError(f"no row with {marker!r}")


def _cells(row: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td\b[^>]*>(.*?)</td>", row, re.S)]


def test_water_list_shows_the_points_with_latest_who_exceedances(web):
    from minewatch.water.guidelines import load_guideline_set
    from minewatch.water.screening import screen
    from minewatch.water.service import measurements

    client = _client(web)
    r = client.get("/water")
    assert r.status_code == 200, r.text[:500]
    for code in ("alpha-UP1", "alpha-DN1", "alpha-SD1"):
        assert f'href="/water/points/{code}"' in r.text
    assert "beta-" not in r.text
    dn = _cells(_row(r.text, "alpha-DN1</a>"))
    # DN1: 5 samples (4 arsenic dates, lead on the last date shares the sample); latest 2024-04-10: arsenic
    # 0.030 mg/L > 0.01 exceeds, lead 0.004 <= 0.01 within -> 1 exceedance.
    assert dn[2] == "alpha00001" and dn[5] == "4" and dn[7] == "1", dn
    up = _cells(_row(r.text, "alpha-UP1</a>"))
    assert up[4] == "upstream" and up[7] == "0", up  # latest 0.005 mg/L: within
    # The same count the service gives.
    with web.app.uow() as uow:
        ms = measurements(uow, actor=web.actors["alpha"], point_code="alpha-DN1")
    last = max(m.sampled_at for m in ms)
    assert sum(f.status == "exceeds" for f in screen([m for m in ms if m.sampled_at == last],
                                                      load_guideline_set("who-dw"))) == 1

    sediment = client.get("/water?medium=sediment")
    assert sediment.status_code == 200 and "alpha-SD1" in sediment.text and "alpha-UP1" not in sediment.text
    bad = client.get("/water?medium=lava")
    assert bad.status_code == 422 and "medium &#39;lava&#39;" in bad.text
    # A viewer may read, not import: no import form.
    assert 'action="/water/import"' not in r.text


def test_point_page_shows_censored_values_findings_trend_and_sources(web):
    from minewatch.water.guidelines import load_guideline_set
    from minewatch.water.screening import screen
    from minewatch.water.service import measurements

    client = _client(web)
    up = client.get("/water/points/alpha-UP1")
    assert up.status_code == 200, up.text[:500]
    assert "&lt; 0.005" in up.text  # the <0.005 result is kept censored, shown as "< limit"
    assert "if used for drinking" in up.text  # river water against drinking-water values
    assert "Guidelines for Drinking-water Quality" in up.text and "heavymetalindex.com" in up.text  # source shown

    dn = client.get("/water/points/alpha-DN1")
    assert dn.status_code == 200
    with web.app.uow() as uow:
        ms = measurements(uow, actor=web.actors["alpha"], point_code="alpha-DN1")
    findings = screen(ms, load_guideline_set("who-dw"))
    exceeds = sum(f.status == "exceeds" for f in findings)
    # 0.012, 15 ug/L (0.015), 0.021, 0.030 mg/L all exceed 0.01 mg/L; lead 0.004 is within.
    assert exceeds == 4
    assert "4 results exceed their guideline." in dn.text
    assert dn.text.count('<span class="badge water-exceeds">exceeds</span>') == 4
    # Units as reported: the 15 ug/L result is shown in ug/L, its factor 1.50 (0.015 / 0.01).
    row = _cells(_row(dn.text, ">15<"))
    assert row[4] == "ug/L" and row[6] == "1.50", row
    # Trend of arsenic at DN1: four increasing values, no ties -> S = 6, exact p = 2/24 = 0.0833
    # (Kendall's distribution for n = 4: one permutation in 24 gives S = 6, one S = -6).
    trend = _cells(_row(dn.text, "<td>arsenic</td><td>total</td><td class=\"num\">4</td>"))
    assert trend[4] == "6" and trend[5] == "0.0833" and trend[7] == "no trend", trend  # p >= 0.05
    # lead has one result: too few for a test
    assert "too few samples for a trend test" in dn.text
    plot = "/water/points/alpha-DN1/plot.png?parameter=arsenic&amp;fraction=total&amp;guidelines=who-dw"
    assert f'src="{plot}"' in dn.text

    # Another guideline set; a set that does not exist is named (and a file path is never read).
    soil = client.get("/water/points/alpha-SD1?guidelines=ccme-soil-residential")
    assert soil.status_code == 200 and "water-exceeds" in soil.text  # 25 mg/kg > 12 mg/kg
    for bad in ("no-such-set", "/etc/passwd.csv"):
        r = client.get("/water/points/alpha-SD1", params={"guidelines": bad})
        assert r.status_code == 422 and "is not one of" in r.text, bad
    assert client.get("/water/points/no-such-point").status_code == 404


def test_plot_is_an_image_in_one_unit_and_bad_parameters_are_named(web):
    client = _client(web)
    png = client.get("/water/points/alpha-DN1/plot.png", params={"parameter": "arsenic", "fraction": "total"})
    # A mixed-unit series (mg/L and one ug/L result) plots, in one unit.
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get("/water/points/alpha-DN1/plot.svg", params={"parameter": "arsenic"})
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content[:2000]
    # A per-mass sediment series with the WHO (per volume) set: plotted without the guideline line.
    assert client.get("/water/points/alpha-SD1/plot.png", params={"parameter": "arsenic"}).status_code == 200

    missing = client.get("/water/points/alpha-DN1/plot.png", params={"parameter": "unobtainium"})
    assert missing.status_code == 404 and "unobtainium" in missing.text
    assert client.get("/water/points/alpha-DN1/plot.png").status_code == 422
    wrong_unit = client.get("/water/points/alpha-DN1/plot.png", params={"parameter": "arsenic", "unit": "mg/kg"})
    assert wrong_unit.status_code == 422
    wrong_fraction = client.get("/water/points/alpha-DN1/plot.png",
                                params={"parameter": "arsenic", "fraction": "dissolved"})
    assert wrong_fraction.status_code == 422 and "dissolved" in wrong_fraction.text


def test_site_water_summary_equals_the_services(web):
    from minewatch.water.guidelines import load_guideline_set
    from minewatch.water.service import measurements, sampling_points
    from minewatch.water.trends import compare_site

    client = _client(web)
    r = client.get("/sites/alpha00001/water")
    assert r.status_code == 200, r.text[:500]
    for code in ("alpha-UP1", "alpha-DN1", "alpha-SD1"):
        assert f'href="/water/points/{code}"' in r.text
    assert r.text.index("<h3>upstream</h3>") < r.text.index("<h3>downstream</h3>")
    # Latest water results: arsenic 1 exceeds (DN1 0.030) 1 within (UP1 0.005); lead 1 within.
    arsenic = _cells(_row(r.text, "<td>arsenic</td><td>total</td><td class=\"num\">1</td>"))
    assert arsenic[2:] == ["1", "1", "0"], arsenic
    # Upstream vs downstream, as the service computes it (water points only).
    actor = web.actors["alpha"]
    with web.app.uow() as uow:
        points = sampling_points(uow, actor=actor, site_code="alpha00001")
        ms = [m for m in measurements(uow, actor=actor, site_code="alpha00001") if m.medium == "river"]
    rows = compare_site(ms, {p.code: p.position for p in points if p.medium == "river"}, load_guideline_set("who-dw"))
    assert [c.parameter for c in rows] == ["arsenic (total, mg/L)", "lead (total, mg/L)"]  # lead: downstream only
    c = _cells(_row(r.text, "arsenic (total, mg/L)"))
    assert c[1:5] == [str(rows[0].n_up), str(rows[0].n_down), rows[0].median_up, rows[0].median_down], c
    # Upstream: <0.005, 0.004, 0.006, 0.005 -> re-censored below 0.005, the median among them; downstream
    # median (0.015 + 0.021) / 2 = 0.018; all 4 downstream exceed 0.01, none upstream.
    assert c[3] == "<0.005" and c[4] == "0.018" and c[5] == "0%" and c[6] == "100%", c
    # Sediment against the CCME soil guideline (arsenic 12 mg/kg, 1997): 25 / 12 = 2.08.
    soil = _cells(_row(r.text, "alpha-SD1</a> (sediment)"))
    assert soil[5] == "exceeds" and soil[6] == "2.08" and soil[7] == "12 mg/kg", soil
    assert client.get("/sites/alpha00001/water?landuse=industrial").status_code == 200
    assert client.get("/sites/alpha00001/water?landuse=moon").status_code == 422
    # The site page links here.
    site = client.get("/sites/alpha00001")
    assert 'href="/sites/alpha00001/water"' in site.text


def test_another_organisations_points_and_sites_are_not_found(web):
    beta = _client(web, "beta", "admin")
    for path in ("/water/points/alpha-DN1", "/water/points/alpha-DN1/plot.png?parameter=arsenic",
                 "/water/points/alpha-DN1/plot.svg?parameter=arsenic", "/sites/alpha00001/water"):
        assert beta.get(path).status_code == 404, path
    listing = beta.get("/water")
    assert listing.status_code == 200 and "beta-DN1" in listing.text and "alpha-" not in listing.text
    assert "alpha-" not in beta.get("/water?site=alpha00001").text


def _points(web, slug="alpha") -> set[str]:
    from minewatch.water.orm import SamplingPoint

    with web.app.engine.connect() as conn:
        return set(conn.scalars(sa.select(SamplingPoint.code).where(
            SamplingPoint.org_id == web.actors[slug].org_id)))


BAD_UNIT = ("point,sampled_at,parameter,value,unit,fraction,medium\n"
            "NEW-1,2024-05-01 10:00,arsenic,0.02,mg/L,total,river\n"
            "NEW-1,2024-05-01 10:00,lead,0.5,mg/furlong,total,river\n")
GOOD = "point,sampled_at,parameter,value,unit,fraction,medium\nNEW-2,2024-05-01 10:00,arsenic,<0.001,mg/L,total,river\n"


def test_import_form_reports_a_bad_unit_and_stores_nothing(web):
    client = _client(web, role="field_officer")
    page = client.get("/water")
    assert 'action="/water/import"' in page.text
    csrf = csrf_of(page.text)
    before = _points(web)

    bad = client.post("/water/import", data={"csrf_token": csrf, "profile": "long", "dry_run": "yes"},
                      files={"file": ("lab.csv", BAD_UNIT.encode(), "text/csv")})
    assert bad.status_code == 422
    row = _cells(_row(bad.text, "mg/furlong"))
    assert row[:4] == ["error", "3", "unit", "mg/furlong"], row  # row 3, column 'unit', value 'mg/furlong'
    # Not even without the dry run: nothing is stored while a cell is bad.
    again = client.post("/water/import", data={"csrf_token": csrf, "profile": "long"},
                        files={"file": ("lab.csv", BAD_UNIT.encode(), "text/csv")})
    assert again.status_code == 422 and "Nothing was stored" in again.text
    assert _points(web) == before

    dry = client.post("/water/import", data={"csrf_token": csrf, "dry_run": "yes"},
                      files={"file": ("good.csv", GOOD.encode(), "text/csv")})
    assert dry.status_code == 200 and "nothing is stored yet" in dry.text
    assert _points(web) == before
    done = client.post("/water/import", data={"csrf_token": csrf},
                       files={"file": ("good.csv", GOOD.encode(), "text/csv")})
    assert done.status_code == 200 and "The results are stored." in done.text
    assert _points(web) == before | {"NEW-2"}
    assert "&lt; 0.001" in client.get("/water/points/NEW-2").text

    # CSRF token required; readers may not import.
    assert client.post("/water/import", data={}, files={"file": ("good.csv", GOOD.encode(), "text/csv")}
                       ).status_code == 403
    viewer = _client(web)
    token = csrf_of(viewer.get("/account/tokens").text)
    assert viewer.post("/water/import", data={"csrf_token": token},
                       files={"file": ("good.csv", GOOD.encode(), "text/csv")}).status_code == 403
    nofile = client.post("/water/import", data={"csrf_token": csrf, "profile": "long"})
    assert nofile.status_code == 422
    badprofile = client.post("/water/import", data={"csrf_token": csrf, "profile": "sideways"},
                             files={"file": ("good.csv", GOOD.encode(), "text/csv")})
    assert badprofile.status_code == 422 and "sideways" in badprofile.text
