"""Mercury on a real database (SQLite and PostgreSQL): practices, Minamata Annex C worst-practice findings,
gold production, estimates, the Annex C 1(d) baseline, permissions, organisation isolation and the CLI.

Sources of expected values (standards.md section 5): Annex C paragraph 1(b)(i)-(iv) (V); R-MIN-2 "1 kg Au
by WOA at 3:1 -> 3 kg Hg lost", concentrate amalgamation about 1:1 (both K, provisional); Telmer & Veiga
2009 release shares, about 350 of 1,000 t/yr to air and 650 to water, soil and tailings (V). Hand
computations: KAL-001 produced 1.2 kg Au in 2026-Q1 by whole-ore amalgamation: 1.2 x 3 = 3.6 kg Hg lost,
3.6 x 0.35 = 1.26 kg to air, 3.6 x 0.65 = 2.34 kg to land and water. KAL-002 produced 0.5 kg Au and its
visit says mercury is used without the mode (IPIS-style 1/0): 0.5 x 1 = 0.5 .. 0.5 x 3 = 1.5 kg.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import replace

import pytest
import sqlalchemy as sa

from minewatch.errors import NotFound, PermissionDenied

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
SEEN = dt.date(2026, 2, 10)


def _site(org_id, code, country, admin1=None, admin2=None):
    from minewatch.sites.orm import Site

    return Site(org_id=org_id, code=code, country=country, admin1=admin1, admin2=admin2, latitude=-3.0,
                longitude=28.5)


@pytest.fixture
def world(app, actor):
    """test-org: KAL-001 and KAL-002 (CD, Sud-Kivu, Mwenga), TAR-001 (GH); a visit of KAL-002 that says
    mercury is used (2026-02-01) and one of TAR-001 that says it is not; other-org: its own KAL-001."""
    from minewatch.accounts.orm import Organisation
    from minewatch.accounts.service import init_organisation, resolve_actor
    from minewatch.sites.orm import Site, SiteVisit

    with app.uow() as uow:
        init_organisation(uow, name="Other Org", slug="other-org", admin_email="a@other.org", allow_more=True)
    with app.uow() as uow:
        s = uow.session
        other_id = s.execute(sa.select(Organisation.id).where(Organisation.slug == "other-org")).scalar_one()
        s.add_all([_site(actor.org_id, "KAL-001", "CD", "Sud-Kivu", "Mwenga"),
                   _site(actor.org_id, "KAL-002", "CD", "Sud-Kivu", "Mwenga"),
                   _site(actor.org_id, "TAR-001", "GH", "Western", "Tarkwa"),
                   _site(other_id, "KAL-001", "CD", "Sud-Kivu", "Mwenga")])
        s.flush()
        ids = dict(s.execute(sa.select(Site.code, Site.id).where(Site.org_id == actor.org_id)).all())
        other_site = s.execute(sa.select(Site.id).where(Site.org_id == other_id)).scalar_one()
        v2 = SiteVisit(org_id=actor.org_id, site_id=ids["KAL-002"], source="test", source_visit_id="V-2",
                       visit_date=dt.date(2026, 2, 1), mercury_used=True, reached=True)
        v3 = SiteVisit(org_id=actor.org_id, site_id=ids["TAR-001"], source="test", source_visit_id="V-3",
                       visit_date=dt.date(2026, 2, 1), mercury_used=False)
        vo = SiteVisit(org_id=other_id, site_id=other_site, source="test", source_visit_id="V-9",
                       visit_date=dt.date(2026, 2, 1), mercury_used=True)
        s.add_all([v2, v3, vo])
        uow.commit()
        visits = {"KAL-002": v2.id, "TAR-001": v3.id, "other": vo.id}
    with app.uow() as uow:
        other = resolve_actor(uow, org_slug="other-org", email=None)
    return {"other": other, "visits": visits}


def _add_practice(app, actor, **kw):
    from minewatch.mercury.service import add_practice

    with app.uow() as uow:
        return add_practice(uow, actor=actor, **kw)


def _add_production(app, actor, code, kg, period=Q1, source="cooperative register"):
    from minewatch.mercury.service import add_production

    with app.uow() as uow:
        return add_production(uow, actor=actor, site_code=code, period_start=period[0], period_end=period[1],
                              gold_kg=kg, source=source)


def _estimate(app, actor, **kw):
    from minewatch.mercury.service import estimate

    with app.uow() as uow:
        return estimate(uow, actor=actor, **kw)


def _baseline(app, actor):
    from minewatch.mercury.service import baseline

    with app.uow() as uow:
        return baseline(uow, actor=actor)


def _audit_events(app, entity_type):
    from minewatch.audit.orm import AuditEvent

    with app.uow() as uow:
        return uow.session.execute(sa.select(AuditEvent.action).where(AuditEvent.entity_type == entity_type)
                                   .order_by(AuditEvent.id)).scalars().all()


def test_whole_ore_amalgamation_yields_the_annex_c_1b_i_finding_and_the_hand_computed_estimate(app, actor, world):
    obs, created = _add_practice(app, actor, site_code="KAL-001", practice="whole_ore_amalgamation", observed_on=SEEN)
    assert created
    assert _add_production(app, actor, "KAL-001", "1.2") == "inserted"
    result = _estimate(app, actor, site_code="KAL-001")
    [f] = result["worst_practice_findings"]
    assert f["paragraph"] == "Minamata Convention Annex C paragraph 1(b)(i)"
    assert (f["site_code"], f["observed_on"], f["observation_id"], f["source"]) == ("KAL-001", SEEN, obs.id,
                                                                                    "entered")
    [e] = result["sites"][0]["estimates"]
    assert (e["status"], e["gold_kg"], e["mercury_kg"], e["ratio"]) == ("estimated", "1.2", "3.6", "whole_ore")
    assert e["released_to_kg"] == {"air": "1.26", "land_water": "2.34"}
    assert any("provisional" in a for a in e["assumptions"])
    assert result["ratios"]["hg_au"]["whole_ore"] == {**result["ratios"]["hg_au"]["whole_ore"], "value": "3",
                                                      "status": "K", "provisional": True}
    assert _audit_events(app, "mercury_practice") == ["created"]
    assert _audit_events(app, "gold_production") == ["created"]


@pytest.mark.parametrize("practice, item", [("open_burning", "ii"), ("residential_burning", "iii"),
                                            ("cyanidation_of_mercury_tailings", "iv")])
def test_the_other_three_worst_practices(app, actor, world, practice, item):
    _add_practice(app, actor, site_code="KAL-001", practice=practice, observed_on=SEEN)
    [f] = _estimate(app, actor)["worst_practice_findings"]
    assert f["paragraph"] == f"Minamata Convention Annex C paragraph 1(b)({item})"
    assert (f["site_code"], f["observed_on"]) == ("KAL-001", SEEN)


def test_not_assessable_when_production_is_missing(app, actor, world):
    _add_practice(app, actor, site_code="KAL-001", practice="concentrate_amalgamation", observed_on=SEEN)
    [site] = _estimate(app, actor, site_code="KAL-001")["sites"]
    [e] = site["estimates"]
    assert (e["status"], e["mercury_kg"], e["reason"]) == ("not_assessable", None,
                                                           "no gold production recorded for the period")
    assert site["worst_practices"] == []  # concentrate amalgamation is not an Annex C 1(b) practice


def test_a_period_without_observation_takes_the_practice_last_seen_before_it(app, actor, world):
    # KAL-001: concentrate amalgamation seen 2026-02-10; Q2 production 0.4 kg -> 0.4 x 1 = 0.4 kg Hg (1:1, K)
    _add_practice(app, actor, site_code="KAL-001", practice="concentrate_amalgamation", observed_on=SEEN)
    _add_production(app, actor, "KAL-001", "0.4", period=(dt.date(2026, 4, 1), dt.date(2026, 6, 30)))
    _add_production(app, actor, "KAL-001", "0.3", period=(dt.date(2025, 10, 1), dt.date(2025, 12, 31)))
    q4, q2 = _estimate(app, actor, site_code="KAL-001")["sites"][0]["estimates"]
    assert (q2["status"], q2["mercury_kg"], q2["practices_used"]) == ("estimated", "0.4", ["concentrate_amalgamation"])
    assert any("last seen on 2026-02-10 are taken to continue" in a for a in q2["assumptions"])
    # a practice seen after a period never describes it
    assert (q4["status"], q4["reason"]) == (
        "not_assessable", "no processing practice observed at the site by the end of the period")


def test_a_visits_mercury_answer_is_an_observation_and_gives_a_range_never_a_worst_practice(app, actor, world):
    _add_production(app, actor, "KAL-002", "0.5")
    result = _estimate(app, actor)
    by_code = {s["site_code"]: s for s in result["sites"]}
    assert [(o["practice"], o["source"], o["visit_id"], o["visit_ref"]) for o in by_code["KAL-002"]["practices"]] == [
        ("mercury_use", "visit", world["visits"]["KAL-002"], "V-2")]
    [e] = by_code["KAL-002"]["estimates"]
    assert (e["status"], e["mercury_kg_low"], e["mercury_kg_high"]) == ("range", "0.5", "1.5")
    assert by_code["TAR-001"]["practices"][0]["practice"] == "no_mercury"
    assert result["worst_practice_findings"] == []


def test_practice_add_is_idempotent_and_can_name_its_visit(app, actor, world):
    visit = world["visits"]["KAL-002"]
    obs, created = _add_practice(app, actor, site_code="KAL-002", practice="open burning", visit_id=visit)
    assert created and (obs.observed_on, obs.visit_id, obs.visit_ref) == (dt.date(2026, 2, 1), visit, "V-2")
    again, created = _add_practice(app, actor, site_code="KAL-002", practice="open_burning", visit_id=visit)
    assert not created and again.id == obs.id
    assert _audit_events(app, "mercury_practice") == ["created"]
    [f] = _estimate(app, actor, site_code="KAL-002")["worst_practice_findings"]
    assert (f["visit_id"], f["visit_ref"], f["paragraph"]) == (
        visit, "V-2", "Minamata Convention Annex C paragraph 1(b)(ii)")
    from minewatch.mercury.errors import MercuryInputInvalid

    with pytest.raises(MercuryInputInvalid, match="that visit is of another site"):
        _add_practice(app, actor, site_code="KAL-001", practice="open_burning", visit_id=visit)
    with pytest.raises(MercuryInputInvalid, match="unknown practice 'boiling'"):
        _add_practice(app, actor, site_code="KAL-001", practice="boiling", observed_on=SEEN)
    with pytest.raises(NotFound):
        _add_practice(app, actor, site_code="NOPE", practice="retort", observed_on=SEEN)


def test_production_import_all_or_nothing_idempotent_and_updates(app, actor, world, tmp_path):
    from minewatch.mercury.errors import ProductionImportRejected
    from minewatch.mercury.service import import_production

    good = tmp_path / "production.csv"
    good.write_text("site_code,period_start,period_end,gold_kg,source\n"
                    "KAL-001,2026-01-01,2026-03-31,1.2,register\nKAL-002,2026-01-01,2026-03-31,0.5,register\n")
    with app.uow() as uow:
        assert import_production(uow, actor=actor, path=good) == {"inserted": 2, "updated": 0, "unchanged": 0}
    with app.uow() as uow:
        assert import_production(uow, actor=actor, path=good) == {"inserted": 0, "updated": 0, "unchanged": 2}
    good.write_text(good.read_text().replace("1.2,register", "1.3,register"))
    with app.uow() as uow:
        assert import_production(uow, actor=actor, path=good) == {"inserted": 0, "updated": 1, "unchanged": 1}
    assert _audit_events(app, "gold_production") == ["created", "created", "updated"]

    bad = tmp_path / "bad.csv"
    bad.write_text("site_code,period_start,period_end,gold_kg,source\n"
                   "TAR-001,2026-01-01,2026-03-31,0.4,register\n"
                   "KAL-001,2026-04-01,2026-06-30,lots,register\n"
                   "NOPE,2026-04-01,2026-03-01,-1,\n")
    with app.uow() as uow, pytest.raises(ProductionImportRejected) as exc:
        import_production(uow, actor=actor, path=bad)
    got = {(p.row, p.column, p.value, p.code) for p in exc.value.report.problems}
    assert got == {(3, "gold_kg", "lots", "not_a_number"), (4, "site_code", "NOPE", "unknown_site"),
                   (4, "period_end", "2026-03-01", "period_reversed"), (4, "gold_kg", "-1", "not_positive"),
                   (4, "source", "", "required")}
    assert "row 3, column 'gold_kg' value 'lots'" in exc.value.message
    # nothing of the bad file was stored (TAR-001's good row included)
    assert "TAR-001" not in {s["site_code"] for s in _estimate(app, actor)["sites"] if s["estimates"][0]["gold_kg"]}


def test_baseline_counts_sites_practices_and_totals_per_level(app, actor, world):
    _add_practice(app, actor, site_code="KAL-001", practice="whole_ore_amalgamation", observed_on=SEEN)
    _add_practice(app, actor, site_code="KAL-001", practice="open_burning", observed_on=SEEN)
    _add_production(app, actor, "KAL-001", "1.2")
    _add_production(app, actor, "KAL-002", "0.5")
    levels = _baseline(app, actor)["levels"]
    [cd] = [r for r in levels["country"] if r["country"] == "CD"]
    # KAL-001 (entered WOA + open burning) and KAL-002 (visit: mercury used) use mercury
    assert (cd["sites"], cd["sites_using_mercury"], cd["sites_mercury_free"]) == (2, 2, 0)
    assert cd["worst_practices"] == {"Minamata Convention Annex C paragraph 1(b)(i)": 1,
                                     "Minamata Convention Annex C paragraph 1(b)(ii)": 1}
    assert cd["practices"] == {"mercury_use": 1, "open_burning": 1, "whole_ore_amalgamation": 1}
    # gold 1.2 + 0.5 = 1.7; estimated 3.6 (KAL-001); low 3.6 + 0.5 = 4.1, high 3.6 + 1.5 = 5.1
    assert (cd["gold_kg"], cd["mercury_kg_estimated"], cd["mercury_kg_low"], cd["mercury_kg_high"]) == (
        "1.7", "3.6", "4.1", "5.1")
    assert cd["released_to_kg"] == {"air": "1.26", "land_water": "2.34"}
    assert cd["data_years"] == [2026]
    [gh] = [r for r in levels["country"] if r["country"] == "GH"]
    assert (gh["sites"], gh["sites_using_mercury"], gh["sites_mercury_free"]) == (1, 0, 1)
    [mwenga] = [r for r in levels["district"] if r["admin2"] == "Mwenga"]
    assert (mwenga["country"], mwenga["admin1"], mwenga["sites"]) == ("CD", "Sud-Kivu", 2)
    assert len(levels["site"]) == 3


def test_permissions(app, actor, world):
    viewer = replace(actor, role="viewer")
    assert _estimate(app, viewer)["sites"]  # registry.read may read
    assert _baseline(app, replace(actor, role="auditor"))["levels"]["country"]
    with pytest.raises(PermissionDenied):
        _add_practice(app, viewer, site_code="KAL-001", practice="retort", observed_on=SEEN)
    with pytest.raises(PermissionDenied):
        _add_production(app, replace(actor, role="child_protection_officer"), "KAL-001", "1")
    with pytest.raises(PermissionDenied):
        _estimate(app, replace(actor, role="nobody"))
    assert _add_practice(app, replace(actor, role="field_officer"), site_code="KAL-001", practice="retort",
                         observed_on=SEEN)[1]


def test_organisations_are_isolated(app, actor, world):
    other = world["other"]
    _add_practice(app, actor, site_code="KAL-001", practice="whole_ore_amalgamation", observed_on=SEEN)
    _add_production(app, actor, "KAL-001", "1.2")
    seen = _estimate(app, other)
    # other-org sees only its own KAL-001 and its own visit, never test-org's practice or production
    assert [s["site_code"] for s in seen["sites"]] == ["KAL-001"]
    assert seen["worst_practice_findings"] == []
    assert [o["visit_id"] for o in seen["sites"][0]["practices"]] == [world["visits"]["other"]]
    assert seen["sites"][0]["estimates"][0]["status"] == "not_assessable"
    with pytest.raises(NotFound):  # test-org's visit is not other-org's
        _add_practice(app, other, site_code="KAL-001", practice="retort", visit_id=world["visits"]["KAL-002"])
    [cd] = _baseline(app, other)["levels"]["country"]
    assert (cd["sites"], cd["gold_kg"], cd["worst_practices"]) == (1, "0", {})


def test_cli(app, actor, world, cli, tmp_path):
    out = cli("--org", "test-org", "mercury", "practice", "add", "--site", "KAL-001", "--practice", "woa",
              "--observed-on", "2026-02-10").output
    assert "recorded" in out and "Minamata Convention Annex C paragraph 1(b)(i)" in out
    assert "inserted" in cli("--org", "test-org", "mercury", "production", "add", "--site", "KAL-001", "--from",
                             "2026-01-01", "--to", "2026-03-31", "--gold-kg", "1.2", "--source", "register").output
    data = json.loads(cli("--org", "test-org", "mercury", "estimate", "--site", "KAL-001", "--json").output)
    assert data["worst_practice_findings"][0]["paragraph"] == "Minamata Convention Annex C paragraph 1(b)(i)"
    assert data["sites"][0]["estimates"][0]["mercury_kg"] == "3.6"
    text = cli("--org", "test-org", "mercury", "estimate").output
    assert "WORST PRACTICE KAL-001" in text and "Hg 3.6 kg" in text and "provisional ratios" in text
    table = cli("--org", "test-org", "mercury", "baseline", "--level", "district").output
    assert "Annex C paragraph 1(d)" in table and "CD/Sud-Kivu/Mwenga" in table
    assert json.loads(cli("--org", "test-org", "mercury", "baseline", "--json").output)["levels"]["site"]
    # a user's ratios file replaces the defaults: 1.2 x 10 = 12 kg
    ratios = tmp_path / "ratios.csv"
    ratios.write_text("key,value,status,source,note\nwhole_ore,10,V2,national survey 2025,\n")
    data = json.loads(cli("--org", "test-org", "mercury", "estimate", "--site", "KAL-001", "--ratios", str(ratios),
                          "--json").output)
    assert data["sites"][0]["estimates"][0]["mercury_kg"] == "12"
    bad = tmp_path / "bad_ratios.csv"
    bad.write_text("key,value,status,source,note\nwhole_ore,three,K,x,\n")
    result = cli("--org", "test-org", "mercury", "estimate", "--ratios", str(bad), ok=False)
    assert result.exit_code == 5 and "row 2, column 'value' value 'three'" in result.output
    prod = tmp_path / "p.csv"
    prod.write_text("site_code,period_start,period_end,gold_kg,source\nKAL-002,2026-01-01,2026-03-31,x,reg\n")
    result = cli("--org", "test-org", "mercury", "production", "import", str(prod), ok=False)
    assert result.exit_code == 6 and "row 2, column 'gold_kg' value 'x'" in result.output
    denied = cli("--org", "test-org", "mercury", "practice", "add", "--site", "KAL-001", "--practice", "retort",
                 ok=False)
    assert denied.exit_code == 5 and "--observed-on" in denied.output


@pytest.mark.shared_data
def test_real_ipis_mercury_sites_are_counted_as_in_the_raw_file(app, cli):
    from tests.shared_data import shared_data_path

    path = shared_data_path("ipis-drc-asm-sites", "cod_mines_curated_all_opendata_p_ipis.csv")
    # Independently of minewatch: the pcodes with at least one row mercury = 1 on a visit not marked as not
    # reached (visit_onsite != 0); and those whose every answered row says 0.
    answers: dict[str, set[str]] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row["visit_onsite"].strip() == "0" or row["mercury"].strip() not in ("0", "1"):
                continue
            answers.setdefault(row["pcode"], set()).add(row["mercury"].strip())
    using = {c for c, a in answers.items() if "1" in a}
    free = {c for c, a in answers.items() if a == {"0"}}
    assert len(using) > 100 and len(free) > 100  # guards against an empty comparison

    cli("import", "ipis", str(path))
    data = json.loads(cli("--org", "test-org", "mercury", "baseline", "--json").output)
    by_site = {r["site_code"]: r for r in data["levels"]["site"]}
    assert {c for c, r in by_site.items() if r["sites_using_mercury"]} == using
    assert {c for c, r in by_site.items() if r["sites_mercury_free"]} == free
    [cd] = data["levels"]["country"]
    assert (cd["sites_using_mercury"], cd["sites_mercury_free"]) == (len(using), len(free))
    # IPIS says only 1/0: no worst practice can be derived from it
    assert cd["worst_practices"] == {} and cd["practices"].get("mercury_use") == len(using)
