"""Fixtures of the web tests: two organisations with data, an HTTP client, logins.

``web`` is a :class:`WebWorld`: the minewatch App (SQLite or PostgreSQL, via ``db_url``), two
organisations ``alpha`` and ``beta`` with generated IPIS sites (different seeds, so their site
codes differ), one user per role in ``alpha``, known passwords, and ``client()`` for a FastAPI
TestClient. ``login(client, email)`` logs a client in through the real login form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

PASSWORD = "correct-horse-battery"
ROLES = ("admin", "coordinator", "field_officer", "child_protection_officer", "auditor", "viewer")
# One child labour case per organisation (opened from its first visit by its child-protection officer),
# with a name and a birth date found nowhere else, so that a test can scan every response for them.
# The birth dates lie before every generated visit (2015 on), so no other date can equal them.
CHILDREN = {"alpha": {"name": "Zawadi Testchild-alpha", "birth_date": "2012-05-29", "sex": "f",
                      "guardian": "Guardian Testparent-alpha"},
            "beta": {"name": "Baraka Testchild-beta", "birth_date": "2011-11-07", "sex": "m",
                     "guardian": "Guardian Testparent-beta"}}


@dataclass
class WebWorld:
    app: object
    actors: dict = field(default_factory=dict)  # org slug -> admin Actor
    cases: dict = field(default_factory=dict)  # org slug -> id of its seeded child labour case (CHILDREN)

    def client(self, **kwargs):
        from fastapi.testclient import TestClient

        from minewatch.web.app import create_app

        return TestClient(create_app(self.app), follow_redirects=False, **kwargs)

    def email(self, org: str, role: str = "admin") -> str:
        return f"{role}@{org}.test"

    def token(self, org: str = "alpha", role: str = "admin", name: str = "test") -> str:
        from minewatch.accounts.web_auth import create_api_token

        with self.app.uow() as uow:
            token, _ = create_api_token(uow, actor=self.actors[org], user_email=self.email(org, role), name=name)
        return token


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no csrf_token in the page"
    return m.group(1)


def login(client, email: str, password: str = PASSWORD, *, next: str = "/"):
    """Log in through the form (GET for the CSRF cookie, then POST); returns the POST response."""
    page = client.get("/login")
    assert page.status_code == 200, page.text
    return client.post("/login", data={"email": email, "password": password, "next": next,
                                       "csrf_token": csrf_of(page.text)})


def build_world(app, tmp_path, *, sites_per_org: int = 12) -> WebWorld:
    from minewatch.accounts.service import add_user, init_organisation, resolve_actor
    from minewatch.accounts.web_auth import set_password
    from minewatch.demo.synthetic import generate_ipis_csv
    from minewatch.registry.service import import_file

    world = WebWorld(app)
    for seed, slug in ((1, "alpha"), (2, "beta")):
        with app.uow() as uow:
            init_organisation(uow, name=slug.title(), slug=slug, admin_email=f"admin@{slug}.test", allow_more=True)
        with app.uow() as uow:
            actor = resolve_actor(uow, org_slug=slug, email=None)
        world.actors[slug] = actor
        for role in ROLES:
            email = world.email(slug, role)
            if role != "admin":
                with app.uow() as uow:
                    add_user(uow, actor=actor, email=email, role=role, display_name=f"{role} of {slug}")
            with app.uow() as uow:
                set_password(uow, actor=actor, email=email, password=PASSWORD)
        csv_path = generate_ipis_csv(tmp_path / f"{slug}.csv", sites=sites_per_org, seed=seed)
        # Distinct codes per organisation, so that a code of one is never a code of the other.
        text = csv_path.read_text(encoding="utf-8").replace(",demo0", f",{slug}0")
        csv_path.write_text(text, encoding="utf-8")
        with app.uow() as uow:
            import_file(uow, actor=actor, kind_name="ipis", path=csv_path, vault=app.vault)
        world.cases[slug] = _seed_case(app, slug)
        _seed_water(app, actor, slug, tmp_path)
    return world


def water_csv(slug: str) -> str:
    """A small long-form laboratory file of ``slug``'s site ``<slug>00001`` (issue 6): an upstream and a
    downstream river point (arsenic, one result below detection, one in ug/L) and a sediment point."""
    site = f"{slug}00001"
    rows = ["point,sampled_at,parameter,value,unit,fraction,medium,site,position"]
    for i, (up, down) in enumerate((("<0.005", "0.012"), ("0.004", "15"), ("0.006", "0.021"), ("0.005", "0.030"))):
        down_unit = "ug/L" if down == "15" else "mg/L"
        rows.append(f"{slug}-UP1,2024-0{i + 1}-10 09:00,arsenic,{up},mg/L,total,river,{site},upstream")
        rows.append(f"{slug}-DN1,2024-0{i + 1}-10 11:00,arsenic,{down},{down_unit},total,river,{site},downstream")
    rows.append(f"{slug}-DN1,2024-04-10 11:00,lead,0.004,mg/L,total,river,{site},downstream")
    rows.append(f"{slug}-SD1,2024-04-10 12:00,arsenic,25,mg/kg,total,sediment,{site},downstream")
    return "\n".join(rows) + "\n"


def _seed_water(app, actor, slug: str, tmp_path) -> None:
    """``slug``'s sampling points and results, imported through the water service (issue 6)."""
    from minewatch.water.service import import_results

    path = tmp_path / f"{slug}-water.csv"
    path.write_text(water_csv(slug), encoding="utf-8")
    with app.uow() as uow:
        report = import_results(uow, actor=actor, path=path, profile="long")
    assert not report.errors and report.inserted == 10, report.problems


def _seed_case(app, slug: str) -> int:
    """The organisation's child labour case, opened through the service by its child-protection officer."""
    import sqlalchemy as sa

    from minewatch.accounts.service import resolve_actor
    from minewatch.cases.service import open_case
    from minewatch.sites.orm import SiteVisit

    with app.uow() as uow:
        officer = resolve_actor(uow, org_slug=slug, email=f"child_protection_officer@{slug}.test")
        visit_id = uow.session.scalar(sa.select(sa.func.min(SiteVisit.id)).where(SiteVisit.org_id == officer.org_id))
    with app.uow() as uow:
        view = open_case(uow, actor=officer, source_type="visit", source_id=visit_id, child=CHILDREN[slug],
                         classification="hazardous_child_labour")
    return view.id


@pytest.fixture
def web(db_url, tmp_path):
    from minewatch.bootstrap import bootstrap
    from tests.conftest import make_settings

    app = bootstrap(make_settings(tmp_path / "home", db_url))
    app.migrate()
    world = build_world(app, tmp_path)
    yield world
    app.dispose()


class LiveServer:
    """The web app served by a real uvicorn on a free loopback port, in a background thread."""

    def __init__(self, app):
        import socket
        import threading

        import uvicorn

        from minewatch.web.app import create_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(app), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        import time

        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live(web):
    """``web`` served over real HTTP: ``live.url`` (http://127.0.0.1:PORT)."""
    server = LiveServer(web.app)
    yield server
    server.stop()


def require_tool(marker: str, found: bool, reason: str) -> None:
    """Skip when a system tool is missing, except under CI=true, where the tool must be there."""
    import os

    if found:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI installs it; a {marker} test must not skip there)")
    pytest.skip(reason)
