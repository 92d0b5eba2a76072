"""Child-safe data (issue 5 part 4, acceptance): "a test scans every route's response for a seeded
child's name".

Each organisation has one seeded child labour case (``tests/web/conftest.py`` CHILDREN: a name, an
exact birth date and a guardian found nowhere else). Every GET route of the app's route table
(ENUMERATED as the cross-tenant probe does, with its helpers, path parameters filled with alpha's and
beta's records) is requested as every role of alpha, as beta's admin and beta's child-protection
officer; the OGC API also anonymously; the indicator exports (CSV, PDF, API) with every grouping; and
the registry's file exports. A child's identity may appear ONLY in the answers to its own
organisation's child-protection officer on ``/cases...`` pages. A positive control shows the scan can
see the name where it is allowed (else a blind scan would pass).
"""

from __future__ import annotations

import re
import zlib

import pytest

from tests.web.conftest import CHILDREN, ROLES, login
from tests.web.test_cross_tenant import (  # noqa: F401  (tenants is a fixture)
    Caller,
    endpoints,
    fill,
    ogc_collections,
    path_cases,
    tenants,
)

# --- PDF text -----------------------------------------------------------------------------------------
_STRING = re.compile(rb"\((?:\\.|[^\\)])*\)", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    def one(m):
        g = m.group(1)
        return bytes([int(g, 8) & 0xFF]) if g[:1].isdigit() else _ESCAPES.get(g, g)
    return _ESCAPE.sub(one, raw)


def pdf_text(data: bytes) -> str:
    """The text a PDF shows: the strings of every text object (BT..ET) of its content streams, inflated;
    matplotlib writes TrueType text (``pdf.fonttype`` 42) as UTF-16BE, Type 3 text as single bytes."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            body = zlib.decompress(m.group(1))
        except zlib.error:
            body = m.group(1)
        for block in re.findall(rb"BT(.*?)ET", body, re.S):
            raw = b"".join(_unescape(s[1:-1]) for s in _STRING.findall(block))
            out.append(raw.decode("utf-16-be", "replace") if raw[:1] == b"\x00" else raw.decode("latin-1"))
    return "\n".join(out)


# --- What identifies a seeded child ---------------------------------------------------------------------
def identity_markers(slug: str) -> list[str]:
    """The child's name, guardian and exact birth date (ISO and as the pages write dates)."""
    import datetime as dt

    from babel.dates import format_date

    child = CHILDREN[slug]
    born = dt.date.fromisoformat(child["birth_date"])
    dates = {child["birth_date"], born.strftime("%d/%m/%Y"), born.strftime("%m/%d/%Y")}
    dates |= {format_date(born, format="medium", locale=lang) for lang in ("en", "fr", "es")}
    return [child["name"], child["guardian"], *sorted(dates)]


def found_in(body: bytes, content_type: str, markers: list[str]) -> list[str]:
    """Markers in a response body: its text, a PDF's extracted text, and the raw bytes in UTF-8,
    UTF-16 (both orders) and Latin-1."""
    texts = [body.decode("utf-8", "replace")]
    if "pdf" in content_type or body[:5] == b"%PDF-":
        texts.append(pdf_text(body))
    hits = []
    for m in markers:
        encoded = {m.encode(e, "ignore") for e in ("utf-8", "utf-16-be", "utf-16-le", "latin-1")}
        if any(m in t for t in texts) or any(e and e in body for e in encoded):
            hits.append(m)
    return hits


def allowed(slug_of_child: str, caller_slug: str | None, role: str | None, path: str) -> bool:
    return (caller_slug == slug_of_child and role == "child_protection_officer"
            and (path == "/cases" or path.startswith("/cases/") or path.startswith("/cases?")))


EXPORT_QUERIES = [f"?by={by}&period={p}" for by in ("site", "cooperative", "district") for p in ("month", "year")]
EXPORTS = ("/labour/indicators.csv", "/labour/indicators.pdf", "/api/v1/indicators/child-labour")


def scan(web, api, alpha, beta) -> tuple[list[str], set[tuple[str, str]], int]:
    """Every GET route of ``api`` as every caller: (leaks, (child's org, path) seen where allowed, responses)."""
    found = [e for e in endpoints(api) if e.kind != "static" and "GET" in e.methods]
    markers = {slug: identity_markers(slug) for slug in CHILDREN}
    callers = {"alpha": Caller(web, api, "alpha"), "beta": Caller(web, api, "beta")}
    anonymous = Caller(web, api, None)
    who = [("alpha", role) for role in ROLES] + [("beta", "admin"), ("beta", "child_protection_officer")]
    collections = ogc_collections(callers["alpha"], found)
    failures: list[str] = []
    seen_where_allowed: set[tuple[str, str]] = set()
    made = 0

    def check(caller_slug, role, path, response) -> None:
        nonlocal made
        made += 1
        ctype = response.headers.get("content-type", "")
        for slug, child_markers in markers.items():
            hits = found_in(response.content, ctype, child_markers)
            if not hits:
                continue
            if allowed(slug, caller_slug, role, path):
                seen_where_allowed.add((slug, path))
            else:
                failures.append(f"GET {path} as {role or 'anonymous'} of {caller_slug or '-'} "
                                f"({response.status_code}) shows {slug}'s child: {hits}")

    for endpoint in found:
        cases = path_cases(endpoint, alpha, collections) + (
            path_cases(endpoint, beta, collections) if endpoint.params else [])
        paths = sorted({fill(endpoint, values) for values, _ in cases})
        if endpoint.path in EXPORTS:
            paths += [endpoint.path + q for q in EXPORT_QUERIES]
        for path in paths:
            for caller_slug, role in who:
                check(caller_slug, role, path, callers[caller_slug].request(endpoint, "GET", path, role))
            if endpoint.zone == "ogc":
                check(None, None, path, anonymous.request(endpoint, "GET", path))
    return failures, seen_where_allowed, made


def test_a_childs_identity_shows_only_to_its_child_protection_officer_on_case_pages(web, tenants):
    from minewatch.web.app import create_app

    alpha, beta = tenants
    api = create_app(web.app)
    failures, seen_where_allowed, made = scan(web, api, alpha, beta)
    # Positive control: where it is allowed, the scan does see the name and the birth date.
    for slug in CHILDREN:
        case_path = f"/cases/{web.cases[slug]}"
        assert (slug, case_path) in seen_where_allowed, f"the scan never saw {slug}'s child on {case_path}: blind?"
        assert (slug, "/cases") in seen_where_allowed, f"the scan never saw {slug}'s child on its worklist"
        client = web.client()
        login(client, web.email(slug, "child_protection_officer"))
        r = client.get(case_path)
        hits = found_in(r.content, "text/html", identity_markers(slug))
        assert CHILDREN[slug]["name"] in hits and set(hits) - {CHILDREN[slug]["name"], CHILDREN[slug]["guardian"]}, \
            f"the case page shows no birth date the scan recognises: {hits}"
    assert not failures, "a child's identity leaked:\n  " + "\n  ".join(failures[:40])
    assert made > 500, f"only {made} responses scanned: is the route table being read?"
    paths = {e.path for e in endpoints(api)}
    for path in ("/cases", "/cases/{case_id}", "/labour/indicators", *EXPORTS):
        assert path in paths, f"{path} is not in the route table: the scan does not cover it"


def test_the_scan_catches_a_route_that_shows_a_child(web, tenants):
    """The guard of the scan: a page that shows the case to every role, an API list and an OGC route
    that print it are reported; so is a PDF holding the name."""
    import io

    from fastapi import Depends
    from fastapi.responses import HTMLResponse, Response

    from minewatch.web.app import create_app
    from minewatch.web.deps import require

    alpha, beta = tenants
    api = create_app(web.app)
    name = CHILDREN["alpha"]["name"]

    @api.get("/leaky-case", response_class=HTMLResponse)
    def leaky_case(identity=Depends(require("registry.read"))):
        return f"<p>{name}</p>"

    @api.get("/api/v1/leaky-birthdays")
    def leaky_birthdays(identity=Depends(require("registry.read"))):
        return {"items": [{"born": CHILDREN["beta"]["birth_date"]}]}

    @api.get("/leaky-report.pdf")
    def leaky_pdf(identity=Depends(require("registry.read"))):
        import matplotlib
        from matplotlib.backends.backend_pdf import PdfPages
        from matplotlib.figure import Figure

        buf = io.BytesIO()
        with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(buf) as pdf:
            fig = Figure()
            fig.text(0.1, 0.5, f"Case of {CHILDREN['beta']['guardian']}")
            pdf.savefig(fig)
        return Response(buf.getvalue(), media_type="application/pdf")

    failures, _, _ = scan(web, api, alpha, beta)
    assert any(f.startswith("GET /leaky-case as viewer of alpha") and name in f for f in failures), failures
    assert any(f.startswith("GET /leaky-case as child_protection_officer of beta") for f in failures), failures
    assert any(f.startswith("GET /api/v1/leaky-birthdays as auditor of alpha") for f in failures), failures
    assert any(f.startswith("GET /leaky-report.pdf as admin of alpha") and "Guardian Testparent-beta" in f
               for f in failures), failures


def test_the_file_exports_hold_no_childs_identity(web, tmp_path):
    """``minewatch export`` (sites and visits, every format) holds no child's name or birth date."""
    from minewatch.registry.export import FORMATS, KINDS, export

    markers = [m for slug in CHILDREN for m in identity_markers(slug)]
    written = 0
    for slug, actor in web.actors.items():
        for kind in KINDS:
            for fmt in FORMATS:
                out = tmp_path / f"{slug}-{kind}.{fmt}"
                with web.app.uow() as uow:
                    export(uow, actor=actor, kind=kind, fmt=fmt, out_path=out)
                data = out.read_bytes()
                assert data, out
                written += 1
                hits = found_in(data, "", markers)
                assert not hits, f"{out.name} holds {hits}"
                if fmt in ("csv", "geojson"):  # the scan reads these exports: their site codes are there
                    assert f"{slug}00001".encode() in data
    assert written == 2 * len(KINDS) * len(FORMATS)


def test_the_pdf_reader_of_this_scan_reads_the_indicators_report(web):
    """The scan reads PDF text: the report's title and the organisation's site codes are found in it,
    so a child's name written there would be found too."""
    from tests.web.conftest import login

    client = web.client()
    login(client, web.email("alpha", "coordinator"))
    r = client.get("/labour/indicators.pdf")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    text = pdf_text(r.content)
    assert "Child labour programme indicators" in text and "alpha00001" in text, text[:500]
    assert found_in(r.content, "application/pdf", ["alpha00001"]) == ["alpha00001"]
    assert not found_in(r.content, "application/pdf", identity_markers("alpha"))


@pytest.mark.parametrize("slug", sorted(CHILDREN))
def test_markers_are_unique_to_the_seeded_case(web, slug):
    """The markers name nothing else: no site, person or user of the world holds them (else a hit
    would not mean a leak of the case)."""
    import sqlalchemy as sa

    from minewatch.people.orm import Person

    with web.app.uow() as uow:
        names = list(uow.session.scalars(sa.select(Person.full_name)))
    assert CHILDREN[slug]["name"] not in names
