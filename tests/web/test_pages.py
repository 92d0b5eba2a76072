"""The pages: dashboard map, site list, site page, import page (SQLite and PostgreSQL, real HTTP via TestClient)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa

from tests.shared_data import SHARED_DATA
from tests.web.conftest import PASSWORD, csrf_of, login

IPIS_FILE = SHARED_DATA / "ipis-drc-asm-sites" / "cod_mines_curated_all_opendata_p_ipis.csv"


def _client(web, org="alpha", role="viewer"):
    client = web.client()
    assert login(client, web.email(org, role)).status_code == 303
    return client


def _codes(web, org: str) -> set[str]:
    from minewatch.sites.orm import Site

    with web.app.uow() as uow:
        return set(uow.session.scalars(sa.select(Site.code).where(Site.org_id == web.actors[org].org_id)))


def _site_codes_in(html: str) -> list[str]:
    """The site codes linked from a page's table body, in order."""
    body = html[html.find("<tbody>"):html.rfind("</tbody>")]
    return [unescape(c) for c in re.findall(r'<a href="/sites/([^"?]+)">', body)]


def _no_inline_code(html: str) -> None:
    """CSP: scripts are files (no <script> without src), no style attributes, no <style> blocks."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"<[^>]+\sstyle\s*=", html)
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"


# --- Dashboard ------------------------------------------------------------------------------------------


def test_dashboard_map_json_has_every_site_of_the_org_and_none_of_the_other(web):
    client = _client(web)
    page = client.get("/")
    assert page.status_code == 200
    _no_inline_code(page.text)
    assert 'id="map"' in page.text and 'data-sites-url="/map/sites.json"' in page.text
    assert "/static/vendor/leaflet/leaflet.js?v=" in page.text and "/static/js/map.js?v=" in page.text
    assert "data-tile-url" not in page.text  # no tile server configured: no tiles, sites still drawn
    data = client.get("/map/sites.json").json()
    assert data["columns"][:4] == ["code", "name", "lat", "lon"]
    codes = [row[0] for row in data["rows"]]
    assert len(codes) == len(set(codes)) and set(codes) == _codes(web, "alpha")
    assert not set(codes) & _codes(web, "beta")
    # The other organisation sees only its own.
    beta = {row[0] for row in _client(web, "beta").get("/map/sites.json").json()["rows"]}
    assert beta == _codes(web, "beta")


def test_map_json_answers_not_modified_when_unchanged_and_needs_a_login(web):
    client = _client(web)
    first = client.get("/map/sites.json")
    etag = first.headers["etag"]
    again = client.get("/map/sites.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    anonymous = web.client().get("/map/sites.json")
    assert anonymous.status_code in (303, 401)


def test_indicator_colouring_is_chosen_without_javascript(web):
    from minewatch.sites.orm import SiteIndicator

    client = _client(web)
    with web.app.uow() as uow:
        said = dict(uow.session.execute(
            sa.select(SiteIndicator.children_seen, sa.func.count()).where(
                SiteIndicator.org_id == web.actors["alpha"].org_id).group_by(SiteIndicator.children_seen)).all())
    page = client.get("/", params={"indicator": "children_seen"})
    assert page.status_code == 200
    html = page.text
    # The GET form reloads the page with the choice; it is selected and the legend counts follow it.
    assert re.search(r'<form method="get" action="/"[^>]*>', html)
    assert '<option value="children_seen" selected>' in html
    assert 'data-indicator="children_seen"' in html
    legend = html[html.find('class="data legend"'):html.find("</table>", html.find('class="data legend"'))]
    counts = {cls: int(n.replace(",", "")) for cls, n in
              re.findall(r'data-swatch="(\w+)"></span>[^<]*</td><td class="num">(?:<a [^>]*>)?([\d,]+)', legend)}
    assert counts["yes"] == said.get(True, 0) and counts["no"] == said.get(False, 0)
    assert counts["unknown"] == said.get(None, 0)
    assert sum(counts.values()) == len(_codes(web, "alpha"))
    workers = client.get("/", params={"indicator": "workers_count"}).text
    assert 'data-swatch="w3"' in workers and 'data-swatch="yes"' not in workers
    bad = client.get("/", params={"indicator": "gold_price"})
    assert bad.status_code == 422 and "gold_price" in bad.text


# --- Site list ------------------------------------------------------------------------------------------


def _add_sites(web, org: str, n: int, tmp_path: Path) -> list[str]:
    """Import ``n`` more plain sites (codes zz0000..), half in Rwanda, some with cassiterite."""
    from minewatch.registry.service import import_file

    lines = ["code,name,country,latitude,longitude,minerals,lifecycle_status"]
    codes = []
    for i in range(n):
        code = f"zz{i:04d}"
        codes.append(code)
        country, lat, lon = ("RW", -1.9 - i / 1000, 29.8) if i % 2 else ("CD", -2.5 - i / 1000, 28.8)
        lines.append(f"{code},Extra site {i},{country},{lat},{lon},{'cassiterite' if i % 3 == 0 else 'gold'},"
                     f"{'closed' if i % 5 == 0 else 'active'}")
    path = tmp_path / "extra_sites.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with web.app.uow() as uow:
        import_file(uow, actor=web.actors[org], kind_name="sites", path=path)
    return codes


def _all_pages(client, url: str, params: dict) -> tuple[list[str], list[str]]:
    """The site codes of every page (following the "Next" links) and the page URLs visited."""
    codes, visited = [], []
    r = client.get(url, params=params)
    while True:
        assert r.status_code == 200, r.text
        visited.append(str(r.url))
        codes += _site_codes_in(r.text)
        nxt = re.search(r'<a href="([^"]+)" rel="next">', r.text)
        if not nxt:
            return codes, visited
        r = client.get(unescape(nxt.group(1)))


def test_site_list_pages_show_every_site_exactly_once_in_every_order(web, tmp_path):
    _add_sites(web, "alpha", 60, tmp_path)
    client = _client(web)
    everything = _codes(web, "alpha")
    for sort in ("code", "name", "country", "workers"):
        codes, visited = _all_pages(client, "/sites", {"sort": sort})
        assert len(visited) == 2, sort  # 72 sites, 50 a page
        assert len(codes) == len(set(codes)) == len(everything) and set(codes) == everything, sort
        first = client.get("/sites", params={"sort": sort}).text
        assert len(_site_codes_in(first)) == 50 and "72 sites match" in first
        if sort == "code":
            assert codes == sorted(codes)
        else:  # the page links keep the order
            assert all(parse_qs(urlparse(u).query).get("sort") == [sort] for u in visited[1:])
    # A capped count ("more than N") still pages through every site with "Next".
    import minewatch.web.pages.sites as sites_page

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sites_page, "COUNT_CAP", 20)
        mp.setattr(sites_page, "PAGE_SIZE", 15)
        first = client.get("/sites").text
        assert "More than 20 sites match" in first
        codes, visited = _all_pages(client, "/sites", {})
        assert len(visited) == 5 and sorted(codes) == codes and set(codes) == everything and len(codes) == 72
    # Most workers first: the order of the latest visits' counts, sites without a count last.
    from minewatch.sites.orm import Site, SiteIndicator

    with web.app.uow() as uow:
        workers = dict(uow.session.execute(
            sa.select(Site.code, SiteIndicator.workers_count).join(SiteIndicator, SiteIndicator.site_id == Site.id)
            .where(Site.org_id == web.actors["alpha"].org_id)).all())
    codes, _ = _all_pages(client, "/sites", {"sort": "workers"})
    counts = [workers.get(c) for c in codes]
    known = [n for n in counts if n is not None]
    assert known == sorted(known, reverse=True) and counts[:len(known)] == known


def test_site_list_filters_search_and_links_that_keep_them(web, tmp_path):
    from minewatch.sites.orm import Site, SiteIndicator

    extra = _add_sites(web, "alpha", 60, tmp_path)
    client = _client(web)
    rwanda = {c for i, c in enumerate(extra) if i % 2}
    codes, visited = _all_pages(client, "/sites", {"country": "rw"})
    assert set(codes) == rwanda and len(codes) == len(rwanda)
    cassiterite_rw = {c for i, c in enumerate(extra) if i % 2 and i % 3 == 0}
    codes, _ = _all_pages(client, "/sites", {"country": "RW", "mineral": "cassiterite"})
    assert set(codes) == cassiterite_rw
    closed = {c for i, c in enumerate(extra) if i % 5 == 0}
    assert set(_all_pages(client, "/sites", {"status": "closed", "q": "extra"})[0]) == closed
    # Search: a name (case-insensitive) or a code.
    assert _site_codes_in(client.get("/sites", params={"q": "EXTRA SITE 17"}).text) == ["zz0017"]
    assert _site_codes_in(client.get("/sites", params={"q": "zz001"}).text) == [f"zz001{i}" for i in range(10)]
    # Indicator: the latest visit said yes (each indicator that some latest visit said yes to).
    tested = 0
    for indicator in ("mercury_used", "children_seen", "armed_interference"):
        with web.app.uow() as uow:
            said_yes = set(uow.session.scalars(
                sa.select(Site.code).join(SiteIndicator, SiteIndicator.site_id == Site.id)
                .where(Site.org_id == web.actors["alpha"].org_id, getattr(SiteIndicator, indicator).is_(True))))
        page = client.get("/sites", params={"indicator": indicator})
        assert set(_site_codes_in(page.text)) == said_yes
        tested += bool(said_yes)
    assert tested, "the generated visits should say yes to some indicator"
    # The form shows the choices back; page links keep every filter.
    page = client.get("/sites", params={"country": "CD", "q": "extra", "sort": "name"})
    assert '<option value="CD" selected>' in page.text and 'value="extra"' in page.text
    more = client.get("/sites", params={"q": "site"})  # 72 sites: a second page
    nxt = unescape(re.search(r'<a href="([^"]+)" rel="next">', more.text).group(1))
    assert parse_qs(urlparse(nxt).query) == {"q": ["site"], "page": ["2"]}


def test_site_list_says_which_filter_value_is_wrong(web):
    client = _client(web)
    r = client.get("/sites", params={"mineral": "kryptonite", "country": "Congo"})
    assert r.status_code == 422
    assert "kryptonite" in r.text and "Congo" in r.text
    r = client.get("/sites", params={"page": "two"})
    assert r.status_code == 422 and "two" in r.text
    r = client.get("/sites", params={"sort": "secret"})
    assert r.status_code == 422 and "secret" in r.text


def test_site_list_page_past_the_end_is_empty_and_links_back(web):
    client = _client(web)
    r = client.get("/sites", params={"page": 9})
    assert r.status_code == 200 and _site_codes_in(r.text) == []
    assert 'href="/sites"' in r.text


# --- Site page --------------------------------------------------------------------------------------------


def _assign_people(web, tmp_path: Path, code: str) -> None:
    from minewatch.registry.service import import_file

    people = tmp_path / "people.csv"
    people.write_text("external_id,full_name,sex,birth_year\nP1,Amani Byamungu,m,1990\n"
                      "P2,Neema Kahindo,f,1994\nP3,Furaha Mapendo,f,1988\n", encoding="utf-8")
    assignments = tmp_path / "assignments.csv"
    assignments.write_text(f"person,site,task\nP1,{code},digging\nP2,{code},washing\nP3,{code},digging\n",
                           encoding="utf-8")
    for kind, path in (("people", people), ("assignments", assignments)):
        with web.app.uow() as uow:
            import_file(uow, actor=web.actors["alpha"], kind_name=kind, path=path, vault=web.app.vault)


def test_site_page_shows_visits_newest_first_and_people_as_counts_or_names_by_role(web, tmp_path):
    from minewatch.sites.orm import Site, SiteVisit

    with web.app.uow() as uow:
        code, n_visits = uow.session.execute(
            sa.select(Site.code, sa.func.count(SiteVisit.id)).join(SiteVisit, SiteVisit.site_id == Site.id)
            .where(Site.org_id == web.actors["alpha"].org_id).group_by(Site.code)
            .order_by(sa.func.count(SiteVisit.id).desc(), Site.code).limit(1)).one()
        dates = [d.isoformat() for d in uow.session.scalars(
            sa.select(SiteVisit.visit_date).join(Site, Site.id == SiteVisit.site_id).where(Site.code == code)
            .order_by(SiteVisit.visit_date.desc()))]
    _assign_people(web, tmp_path, code)
    viewer = _client(web, role="viewer")
    page = viewer.get(f"/sites/{code}")
    assert page.status_code == 200
    _no_inline_code(page.text)
    assert f"Visits ({n_visits})" in page.text
    visits = page.text[page.text.find('class="data visits"'):]
    visits = visits[:visits.find("</table>")]
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>", visits)
    assert len(rows) == n_visits
    from babel.dates import format_date
    import datetime as dt

    assert rows == [format_date(dt.date.fromisoformat(d), format="medium", locale="en") for d in dates]
    for heading in ("Workers", "Mercury", "Cyanide", "Armed presence", "Armed interference", "Children seen"):
        assert f"<th>{heading}</th>" in visits or f'<th class="num">{heading}</th>' in visits
    # A viewer sees how many people work there, by task, and no name.
    people = page.text[page.text.find('id="people-heading"'):]
    assert re.search(r"<td>Digging</td><td class=\"num\">2</td>", people, re.I)
    assert re.search(r"<td>Washing[^<]*</td><td class=\"num\">1</td>", people, re.I)
    assert "Amani" not in page.text and "Neema" not in page.text
    # A field officer (people.read_names) sees the names too.
    officer = _client(web, role="field_officer").get(f"/sites/{code}").text
    assert "Amani Byamungu" in officer and "Neema Kahindo" in officer and "Furaha Mapendo" in officer
    # The small map: the site's point, no inline script.
    assert 'id="site-map"' in page.text and "data-lat=" in page.text


def test_site_of_another_organisation_is_not_found(web):
    client = _client(web)
    beta_code = sorted(_codes(web, "beta"))[0]
    assert client.get(f"/sites/{beta_code}").status_code == 404
    assert client.get("/sites/no-such-site").status_code == 404
    own = sorted(_codes(web, "alpha"))[0]
    assert client.get(f"/sites/{own}").status_code == 200


def test_site_page_map_carries_the_outline_of_a_polygon_site(web, tmp_path):
    from minewatch.registry.service import import_file

    path = tmp_path / "poly.csv"
    path.write_text('code,name,country,geometry\nPOLY1,Outlined pit,CD,'
                    '"POLYGON((28.80 -2.50, 28.81 -2.50, 28.81 -2.49, 28.80 -2.49, 28.80 -2.50))"\n', encoding="utf-8")
    with web.app.uow() as uow:
        import_file(uow, actor=web.actors["alpha"], kind_name="sites", path=path)
    html = _client(web).get("/sites/POLY1").text
    geometry = unescape(re.search(r'data-geometry="([^"]+)"', html).group(1))
    import json

    shape = json.loads(geometry)
    assert shape["type"] == "Polygon" and [28.8, -2.5] in shape["coordinates"][0]


# --- Imports --------------------------------------------------------------------------------------------


GOOD_CSV = ("code,name,country,latitude,longitude,minerals\n"
            "IMP1,Upload one,CD,-2.5,28.8,gold\nIMP2,Upload two,CD,-2.6,28.9,coltan\n")
BAD_CSV = GOOD_CSV + "IMP3,Upload three,CD,not-a-number,28.7,gold\n"


def _upload(client, text: str, *, kind="sites", name="sites.csv", **extra):
    form = client.get("/imports/new")
    assert form.status_code == 200, form.text
    data = {"csrf_token": csrf_of(form.text), "kind": kind, **extra}
    return client.post("/imports", data=data, files={"file": (name, text.encode("utf-8"), "text/csv")})


def _post(client, url: str, page_url: str, **data):
    page = client.get(page_url)
    return client.post(url, data={"csrf_token": csrf_of(page.text), **data})


def test_import_dry_run_names_row_and_column_and_stores_nothing(web):
    client = _client(web, role="field_officer")
    before = _codes(web, "alpha")
    r = _upload(client, BAD_CSV)
    assert r.status_code == 303 and re.fullmatch(r"/imports/[0-9a-f]{32}", r.headers["location"])
    report = client.get(r.headers["location"])
    assert report.status_code == 200
    _no_inline_code(report.text)
    html = report.text
    assert "1 of 3 rows have errors" in html and "Nothing is stored yet" in html
    problems = html[html.find('class="data problems"'):]
    row = re.search(r'<tr class="error"><td>error</td><td class="num">(\d+)</td><td>([^<]*)</td>'
                    r'<td><code>([^<]*)</code></td><td>([^<]+)', problems)
    assert row, problems[:2000]
    assert row.group(1) == "4" and row.group(2) == "latitude" and row.group(3) == "not-a-number"
    assert row.group(4).strip()
    assert _codes(web, "alpha") == before  # a dry run stores nothing
    assert "Import now" not in html  # errors: import the good rows aside, or fix the file
    assert "Import the 2 good rows" in html and "Fix the file and upload it again" in html


def test_a_file_whose_columns_do_not_fit_is_reported_and_cannot_be_imported(web):
    client = _client(web, role="field_officer")
    location = _upload(client, "name,latitude,longitude\nNo code,-2.5,28.8\n").headers["location"]
    html = client.get(location).text
    assert "The columns of this file do not fit “sites”" in html
    assert re.search(r'<td class="num">file</td><td>code</td>', html)
    assert "Import now" not in html and "good row" not in html


def test_import_with_errors_can_set_bad_rows_aside_and_offer_them_for_download(web):
    client = _client(web, role="coordinator")
    location = _upload(client, BAD_CSV).headers["location"]
    r = _post(client, f"{location}/commit", location, quarantine="yes")
    assert r.status_code == 303
    done = client.get(location).text
    assert "2 rows stored" in done and "1 row with errors was not imported" in done
    assert {"IMP1", "IMP2"} <= _codes(web, "alpha") and "IMP3" not in _codes(web, "alpha")
    q = client.get(f"{location}/quarantine.csv")
    assert q.status_code == 200 and "IMP3" in q.text and "not-a-number" in q.text and "IMP1" not in q.text
    problems = client.get(f"{location}/problems.csv")
    assert problems.status_code == 200 and "latitude" in problems.text


def test_import_of_a_good_file_stores_its_rows_once_committed(web):
    client = _client(web, role="field_officer")
    r = _upload(client, GOOD_CSV, name="../../etc/My sites (v2).csv")
    location = r.headers["location"]
    upload_id = location.rsplit("/", 1)[1]
    report = client.get(location).text
    assert "No errors: 2 of 2 rows would be stored" in report and "Import now" in report
    assert "My sites _v2_.csv" in report  # the name is kept, cleaned; never a path
    assert "IMP1" not in _codes(web, "alpha")
    folder = web.app.settings.files_dir / "uploads" / str(web.actors["alpha"].org_id) / upload_id
    assert (folder / "My sites _v2_.csv").exists()
    assert _post(client, f"{location}/commit", location).status_code == 303
    assert {"IMP1", "IMP2"} <= _codes(web, "alpha")
    assert "2 rows stored: 2 new" in client.get(location).text
    assert not (folder / "My sites _v2_.csv").exists()  # the file goes once imported
    # The same rules as the CLI: an import batch and audit events were written.
    from minewatch.registry.orm import ImportBatch

    with web.app.uow() as uow:
        batch = uow.session.execute(sa.select(ImportBatch.file_name, ImportBatch.actor_email)
                                    .order_by(ImportBatch.id.desc())).first()
    assert tuple(batch) == ("My sites _v2_.csv", web.email("alpha", "field_officer"))
    # Importing it a second time is refused (the file is gone).
    again = _post(client, f"{location}/commit", location)
    assert again.status_code == 422


def test_an_upload_of_another_organisation_is_not_found(web):
    alpha = _client(web, role="admin")
    location = _upload(alpha, GOOD_CSV).headers["location"]
    beta = _client(web, "beta", role="admin")
    assert beta.get(location).status_code == 404
    r = _post(beta, f"{location}/commit", "/imports/new", quarantine="")
    assert r.status_code == 404
    assert beta.get(f"{location}/problems.csv").status_code == 404
    assert beta.get("/imports/../../etc/passwd").status_code == 404
    assert "IMP1" not in _codes(web, "beta") and "IMP1" not in _codes(web, "alpha")


def test_import_page_needs_registry_write_and_checks_the_upload(web, monkeypatch):
    assert _client(web, role="viewer").get("/imports/new").status_code == 403
    assert _client(web, role="auditor").get("/imports/new").status_code == 403
    client = _client(web, role="coordinator")
    form = client.get("/imports/new").text
    select = form[form.find('id="kind"'):form.find("</select>", form.find('id="kind"'))]
    kinds = re.findall(r'<option value="(\w+)"', select)
    assert {"sites", "visits", "people", "assignments", "ipis"} <= set(kinds)
    # A file of the wrong type, a profile for another kind, a file too large: clear errors, nothing kept.
    r = _upload(client, "x", name="sites.pdf")
    assert r.status_code == 422 and "sites.pdf" in r.text
    r = _upload(client, GOOD_CSV, kind="teleport")
    assert r.status_code == 422 and "teleport" in r.text
    profile = ("p.yaml", b"kind: people\n", "application/yaml")
    page = client.get("/imports/new")
    r = client.post("/imports", data={"csrf_token": csrf_of(page.text), "kind": "sites"},
                    files={"file": ("s.csv", GOOD_CSV.encode(), "text/csv"), "profile_file": profile})
    assert r.status_code == 422 and "the profile is for &#39;people&#39;, not &#39;sites&#39;" in r.text
    import minewatch.web.pages.imports as imports_page

    monkeypatch.setattr(imports_page, "UPLOAD_MAX_BYTES", 1024)
    r = _upload(client, GOOD_CSV * 20)
    assert r.status_code == 413 and "larger than the limit of 1 KB" in r.text
    uploads = web.app.settings.files_dir / "uploads"
    assert not uploads.exists() or not any(uploads.glob("*/*"))


def test_an_uploaded_profile_maps_columns_and_can_be_saved_for_later(web):
    client = _client(web, role="admin")
    csv_text = "Site ID,Nom,Lat,Long\nPRF1,Avec profil,-2.5,28.8\n"
    profile = (b"kind: sites\ncolumns:\n  code: Site ID\n  name: Nom\n  latitude: Lat\n  longitude: Long\n"
               b"constants:\n  country: CD\n")
    page = client.get("/imports/new")
    r = client.post("/imports", data={"csrf_token": csrf_of(page.text), "kind": "sites",
                                      "keep_profile_as": "kobo sites"},
                    files={"file": ("s.csv", csv_text.encode(), "text/csv"),
                           "profile_file": ("kobo.yaml", profile, "application/yaml")})
    assert r.status_code == 303, r.text
    assert "No errors: 1 of 1 rows would be stored" in client.get(r.headers["location"]).text
    # The saved profile is offered next time and works by itself.
    form = client.get("/imports/new").text
    assert '<option value="kobo sites.yaml">' in form
    r = client.post("/imports", data={"csrf_token": csrf_of(form), "kind": "sites", "saved_profile": "kobo sites.yaml"},
                    files={"file": ("s2.csv", csv_text.encode(), "text/csv")})
    location = r.headers["location"]
    assert _post(client, f"{location}/commit", location).status_code == 303
    assert "PRF1" in _codes(web, "alpha")
    # Another organisation does not see it.
    assert "kobo sites" not in _client(web, "beta", role="admin").get("/imports/new").text


def test_uploads_expire_after_a_day(web, tmp_path):
    import datetime as dt

    from minewatch.errors import NotFound
    from minewatch.registry.uploads import UploadStore

    now = [dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc)]
    store = UploadStore(tmp_path / "files", now=lambda: now[0])
    actor = web.actors["alpha"]
    import io

    upload = store.create(actor, kind="sites", file_name="a.csv", data=io.BytesIO(b"code\nA\n"), profile=None)
    assert store.get(actor, upload.id).file_name == "a.csv"
    with pytest.raises(NotFound):
        store.get(web.actors["beta"], upload.id)
    now[0] += dt.timedelta(hours=25)
    assert store.prune() == 1 and not upload.folder.exists()
    with pytest.raises(NotFound):
        store.get(actor, upload.id)


# --- Every page: no inline code -------------------------------------------------------------------------


def test_no_page_has_inline_scripts_or_styles(web):
    client = _client(web, role="admin")
    code = sorted(_codes(web, "alpha"))[0]
    location = _upload(client, BAD_CSV).headers["location"]
    for url in ("/", "/?indicator=workers_count", "/sites", "/sites?mineral=gold&sort=workers", f"/sites/{code}",
                "/imports/new", location, "/sites/nothing-here"):
        r = client.get(url)
        assert r.status_code in (200, 404), url
        assert "text/html" in r.headers["content-type"]
        _no_inline_code(r.text)
        assert "'unsafe-inline'" not in r.headers["content-security-policy"]


# --- First load budget ------------------------------------------------------------------------------------


def _gzip_bytes(client, url: str) -> int:
    """Bytes on the wire for ``url``'s body with gzip (the compressed body as sent)."""
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as r:
        assert r.status_code == 200, url
        r.read()
        return r.num_bytes_downloaded


def test_dashboard_first_load_is_under_400_kb_with_the_ipis_sites(web, tmp_path):
    """HTML + every style sheet, script and JSON the dashboard loads, gzip-compressed, with the 3,409
    sites of the real IPIS file (or 3,409 generated sites when the shared data is absent)."""
    from minewatch.accounts.service import init_organisation, resolve_actor
    from minewatch.accounts.web_auth import set_password
    from minewatch.registry.service import import_file

    app = web.app
    with app.uow() as uow:
        init_organisation(uow, name="Gamma", slug="gamma", admin_email="admin@gamma.test", allow_more=True)
    with app.uow() as uow:
        actor = resolve_actor(uow, org_slug="gamma", email=None)
    with app.uow() as uow:
        set_password(uow, actor=actor, email="admin@gamma.test", password=PASSWORD)
    if IPIS_FILE.exists():
        path = IPIS_FILE
    else:
        from minewatch.demo.synthetic import generate_ipis_csv

        path = generate_ipis_csv(tmp_path / "ipis.csv", sites=3409, seed=7)
    with app.uow() as uow:
        import_file(uow, actor=actor, kind_name="ipis", path=path, vault=app.vault)
    client = web.client()
    assert login(client, "admin@gamma.test").status_code == 303
    page = client.get("/")
    urls = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    urls += re.findall(r'<script src="([^"]+)"', page.text)
    urls += re.findall(r'data-(?:sites|titles)-url="([^"]+)"', page.text)
    assert any("leaflet.js" in u for u in urls) and "/map/sites.json" in urls
    assert len(client.get("/map/sites.json").json()["rows"]) == 3409
    sizes = {"/": _gzip_bytes(client, "/")} | {u: _gzip_bytes(client, unescape(u)) for u in urls}
    total = sum(sizes.values())
    print(f"dashboard first load, gzip: {total / 1024:.1f} KB " +
          ", ".join(f"{u.split('?')[0]} {n / 1024:.1f}" for u, n in sizes.items()))
    assert total < 400 * 1024, sizes
    # The compressed size is what travels: far less than the raw bytes.
    raw = len(client.get("/map/sites.json").content)
    assert sizes["/map/sites.json"] < raw / 3
