"""The rainfall chart of a site (issue 8 part 7): page, PNG/SVG chart with the threshold line, isolation."""

from __future__ import annotations

import pytest

from tests.web.conftest import login


def _import(web, slug, tmp_path, kind="observed"):
    from minewatch.rain.service import import_rain

    rows = ["time,value"] + [f"2024-03-01T{h:02d}:00Z,{v}" for h, v in enumerate([0, 2, 8, 12, 6, 1, 0, 0] * 3)]
    path = tmp_path / f"{slug}-gauge.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with web.app.uow() as uow:
        import_rain(uow, actor=web.actors[slug], path=path, tz=None, units="mm", kind=kind, site_code=f"{slug}00001",
                    step="1h")


@pytest.fixture
def rain_web(web, tmp_path):
    _import(web, "alpha", tmp_path)
    return web


def test_site_rain_page_and_chart(rain_web):
    client = rain_web.client()
    login(client, rain_web.email("alpha", "viewer"))
    page = client.get("/sites/alpha00001/rain?threshold=caine1980&duration_h=3")
    assert page.status_code == 200, page.text
    assert "alpha-gauge" in page.text and "/sites/alpha00001/rain/plot.png?threshold=caine1980" in page.text
    # Caine (1980): I = 14.82 D^-0.39 mm/h; at 3 h 9.34 mm/h (derived here from the cited equation)
    assert f"{14.82 * 3 ** -0.39:.3g} mm/h" in page.text
    # peak mean intensity over 3 h: (8 + 12 + 6) / 3 = 8.67 mm/h, below the line: 0 steps over
    assert "8.67" in page.text
    png = client.get("/sites/alpha00001/rain/plot.png?threshold=caine1980&duration_h=3")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    svg = client.get("/sites/alpha00001/rain/plot.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content[:500]


def test_bad_choices_are_named_and_other_organisations_see_nothing(rain_web):
    client = rain_web.client()
    login(client, rain_web.email("alpha", "viewer"))
    bad = client.get("/sites/alpha00001/rain?threshold=caine1980&duration_h=10000")
    assert bad.status_code == 422 and "outside the valid range" in bad.text
    assert client.get("/sites/alpha00002/rain").status_code == 200  # no series: says how to import
    assert client.get("/sites/alpha00002/rain/plot.png").status_code == 404
    other = rain_web.client()
    login(other, rain_web.email("beta", "admin"))
    assert other.get("/sites/alpha00001/rain").status_code == 404
    assert other.get("/sites/alpha00001/rain/plot.png").status_code == 404
    anonymous = rain_web.client()
    assert anonymous.get("/sites/alpha00001/rain").status_code in (303, 401)
