"""Pay and price on a real database: importers (all-or-nothing, idempotent, every bad cell named), the checks
over the fixture files in tests/fixtures/pay with hand-computed amounts, permissions and organisation
isolation, and the CLI.

Sources of the rules: Fairmined minimum price 95 % of LBMA, premium USD 4,000/kg fine gold and USD 6,000/kg
Ecological gold (standards.md 2.3). 1 troy ounce = 31.1034768 g (480 grains of 64.79891 mg). The minimum
wages, prices and exchange rates in the fixtures are test values, not legal or published figures.

Hand computations for the fixtures, checked on 2026-06-30 (rates and prices: same day or up to 4 days before):

* S1: 1.000 kg x 0.750 = 0.750 kg fine gold; premium 0.750 x 4,000 = USD 3,000.00.
  750 g / 31.1034768 = 24.1130599264... ozt x USD 2,000.00 = USD 48,226.1198529...; 95 % = 45,814.8138603...;
  paid 44,000.00: shortfall USD 1,814.81.
* S2 (mineral written "or", French for gold): 1000 g x 750 per mille = 0.750 kg fine Ecological gold: premium 0.750 x 6,000 = USD 4,500.00; paid
  125,400,000 CDF / 2,850 = USD 44,000.00: shortfall USD 1,814.81 as S1.
* S3: 0.5 kg x 0.9 = 0.45 kg: premium USD 1,800.00; no gold price on 2026-03-20 or the 4 days before: price
  not assessable.
* W1 (P1, KAL-001 in CD, daily minimum USD 5.00): 200,000 CDF / 2,850 = USD 70.1754...; 20 days x 5.00 = 100.00;
  shortfall USD 29.82.
* W2 (P2, TAR-001 in GH, monthly minimum GHS 600): 1-15 April = 15/30 = 0.5 month; minimum GHS 300.00, paid
  250: shortfall GHS 50.00; paid 25 April, agreed 20 April: 5 days late.
* W3: CDF in May, no rate for 2026-05-31 within 4 days: not assessable.
* A1 (P2): advance GHS 2,000; earnings GHS 250 over 0.5 month = GHS 500/month; 2,000 / 500 = 4.00 months > 3.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from minewatch.errors import NotFound, PermissionDenied

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pay"
ON = dt.date(2026, 6, 30)
TODAY = dt.date(2026, 11, 27)


def _site(org_id, code, country):
    from minewatch.sites.orm import Site

    return Site(org_id=org_id, code=code, country=country, latitude=-2.5, longitude=28.8)


@pytest.fixture
def world(app, actor):
    """test-org: sites KAL-001 (CD) and TAR-001 (GH), people P1 and P2; other-org: site KAL-001, person P1."""
    from minewatch.accounts.orm import Organisation
    from minewatch.accounts.service import init_organisation, resolve_actor
    from minewatch.people.orm import Person

    with app.uow() as uow:
        init_organisation(uow, name="Other Org", slug="other-org", admin_email="a@other.org", allow_more=True)
    with app.uow() as uow:
        s = uow.session
        other_id = s.execute(sa.select(Organisation.id).where(Organisation.slug == "other-org")).scalar_one()
        s.add_all([_site(actor.org_id, "KAL-001", "CD"), _site(actor.org_id, "TAR-001", "GH"),
                   Person(org_id=actor.org_id, external_id="P1"), Person(org_id=actor.org_id, external_id="P2"),
                   _site(other_id, "KAL-001", "CD"), Person(org_id=other_id, external_id="P1")])
        uow.commit()
    with app.uow() as uow:
        other = resolve_actor(uow, org_slug="other-org", email=None)
    return {"other": other}


def _import_all(app, actor):
    from minewatch.pay.service import import_pay_records, import_prices

    reports = []
    with app.uow() as uow:
        for name in ("reference_prices.csv", "minimum_wages.csv", "exchange_rates.csv"):
            reports.append(import_prices(uow, actor=actor, path=FIXTURES / name, today=TODAY))
        for name in ("payments.csv", "sales.csv"):
            reports.append(import_pay_records(uow, actor=actor, path=FIXTURES / name, today=TODAY))
    return reports


def _check(app, actor, **kw):
    from minewatch.pay.service import check_pay

    with app.uow() as uow:
        return check_pay(uow, actor=actor, on=ON, **kw)


def _find(findings, check, subject):
    [f] = [f for f in findings if f.check == check and f.subject == subject]
    return f


def test_fixture_checks_give_the_hand_computed_amounts(app, actor, world):
    reports = _import_all(app, actor)
    assert [(r.kind, r.inserted) for r in reports] == [("reference", 2), ("minimum-wage", 2), ("exchange-rate", 2),
                                                      ("payments", 4), ("sales", 4)]
    findings = _check(app, actor)

    s1 = _find(findings, "fairmined_premium", "S1")
    assert (s1.status, s1.currency, s1.numbers["premium_due"]) == ("info", "USD", "3000.00")
    s1 = _find(findings, "fairmined_price", "S1")
    assert (s1.status, s1.numbers["minimum_price"], s1.numbers["shortfall"]) == ("breach", "45814.81", "1814.81")
    assert _find(findings, "fairmined_premium", "S2").numbers["premium_due"] == "4500.00"
    s2 = _find(findings, "fairmined_price", "S2")
    assert (s2.numbers["price_paid"], s2.numbers["shortfall"]) == ("44000.00", "1814.81")
    assert _find(findings, "fairmined_premium", "S3").numbers["premium_due"] == "1800.00"
    s3 = _find(findings, "fairmined_price", "S3")
    assert s3.status == "not_assessable" and "no gold reference price for 2026-03-20" in s3.reason
    assert not [f for f in findings if f.subject == "S4"]  # not a Fairmined-style sale

    w1 = _find(findings, "minimum_wage", "W1")
    assert (w1.status, w1.currency, w1.numbers["pay"], w1.numbers["shortfall"]) == ("breach", "USD", "70.18", "29.82")
    w2 = _find(findings, "minimum_wage", "W2")
    assert (w2.status, w2.currency, w2.numbers["minimum_for_period"], w2.numbers["shortfall"]) == (
        "breach", "GHS", "300.00", "50.00")
    w3 = _find(findings, "minimum_wage", "W3")
    assert w3.status == "not_assessable" and "no CDF/USD exchange rate for 2026-05-31" in w3.reason

    a = _find(findings, "advances", "P2")
    assert (a.status, a.numbers["outstanding"], a.numbers["monthly_earnings"], a.numbers["months_of_earnings"]) == (
        "breach", "2000.00", "500.00", "4.00")
    late = _find(findings, "late_payment", "W2")
    assert (late.status, late.numbers["days_late"]) == ("breach", "5")
    assert _find(findings, "late_payment", "W1").status == "ok"
    assert _find(findings, "late_payment", "W3").status == "not_assessable"


def test_site_filter_and_unknown_site(app, actor, world):
    _import_all(app, actor)
    findings = _check(app, actor, site_code="TAR-001")
    assert {f.site_code for f in findings} == {"TAR-001"}
    assert {f.subject for f in findings} == {"W2", "P2"}
    with pytest.raises(NotFound):
        _check(app, actor, site_code="NOPE")


def test_reimport_changes_nothing_and_a_change_is_an_audited_update(app, actor, world, tmp_path):
    from minewatch.audit.orm import AuditEvent
    from minewatch.pay.service import import_prices

    _import_all(app, actor)

    def events():
        with app.uow() as uow:
            return uow.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)
                                       .where(AuditEvent.org_id == actor.org_id)).scalar_one()

    before = events()
    again = _import_all(app, actor)
    assert [(r.inserted, r.updated, r.unchanged) for r in again] == [(0, 0, 2), (0, 0, 2), (0, 0, 2), (0, 0, 4),
                                                                    (0, 0, 4)]
    assert events() == before  # nothing changed, nothing audited

    changed = tmp_path / "prices.csv"
    changed.write_text((FIXTURES / "reference_prices.csv").read_text().replace("2000.00", "2100.00"))
    with app.uow() as uow:
        r = import_prices(uow, actor=actor, path=changed, today=TODAY)
    assert (r.inserted, r.updated, r.unchanged) == (0, 1, 1)
    with app.uow() as uow:
        last = uow.session.execute(sa.select(AuditEvent.action, AuditEvent.entity_type, AuditEvent.actor_email,
                                             AuditEvent.before_digest, AuditEvent.after_digest)
                                   .where(AuditEvent.org_id == actor.org_id)
                                   .order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert (last.action, last.entity_type, last.actor_email) == ("updated", "pay_reference_price", "admin@test.org")
    assert last.before_digest and last.after_digest and last.before_digest != last.after_digest
    # the new price gives a new reference value: 24.1130599264... ozt x 2,100 = 50,637.43
    f = _find(_check(app, actor), "fairmined_price", "S1")
    assert f.numbers["reference_value"] == "50637.43"


def test_bad_cells_are_named_and_nothing_is_stored(app, actor, world, tmp_path):
    from minewatch.pay.errors import PayImportRejected
    from minewatch.pay.orm import PaySale
    from minewatch.pay.service import import_pay_records

    bad = tmp_path / "sales.csv"
    bad.write_text(
        "sale_id,site_code,date,mineral,quantity,unit,fineness,price_paid,currency,buyer,fairmined,ecological\n"
        "S1,KAL-001,2026-03-02,gold,1.000,kg,0.750,44000.00,USD,A,yes,no\n"        # row 2: fine
        "S2,KAL-001,2026-03-02,gold,1,oz,0.750,1000,USD,A,yes,no\n"                # row 3: ambiguous ounce
        "S3,NOPE-9,2026-03-02,gold,1,kg,1200,1000,US,A,yes,no\n"                   # row 4: site, fineness, currency
        "S1,KAL-001,2026-13-02,gold,1,kg,0.9,1,USD,A,no,yes\n")                    # row 5: date, dup, ecological
    with app.uow() as uow, pytest.raises(PayImportRejected) as exc:
        import_pay_records(uow, actor=actor, path=bad, today=TODAY)
    got = {(p.row, p.column, p.value, p.code) for p in exc.value.report.problems if p.is_error}
    assert got == {
        (3, "unit", "oz", "ambiguous_unit"),
        (4, "site_code", "NOPE-9", "unknown_site"),
        (4, "fineness", "1200", "fineness_out_of_range"),
        (4, "currency", "US", "not_a_currency"),
        (5, "date", "2026-13-02", "impossible_date"),
        (5, "sale_id", "S1", "duplicate_key"),
        (5, "ecological", "yes", "ecological_not_fairmined"),
    }
    assert "row 3, column 'unit' value 'oz'" in str(exc.value)
    with app.uow() as uow:
        assert uow.session.execute(sa.select(sa.func.count()).select_from(PaySale)).scalar_one() == 0


def test_payment_rows_need_a_period_unless_an_advance_is_dated(app, actor, world, tmp_path):
    from minewatch.pay.errors import PayImportRejected
    from minewatch.pay.service import import_pay_records

    bad = tmp_path / "payments.csv"
    bad.write_text("payment_id,person_id,site_code,kind,amount,currency,period_start,period_end,days_worked,paid_date\n"
                   "X1,P1,KAL-001,wage,100,USD,,2026-03-31,,\n"              # row 2: a wage needs its period
                   "X2,P1,KAL-001,advance,100,USD,,,,\n"                     # row 3: an advance needs a date
                   "X3,P1,KAL-001,advance,100,USD,,,,2026-03-01\n"           # row 4: fine, dated by its payment
                   "X4,P9,KAL-001,wage,100,USD,2026-03-01,2026-03-31,40,\n")  # row 5: 40 days in 31; no P9
    with app.uow() as uow, pytest.raises(PayImportRejected) as exc:
        import_pay_records(uow, actor=actor, path=bad, today=TODAY)
    assert {(p.row, p.column, p.value, p.code) for p in exc.value.report.problems} == {
        (2, "period_start", None, "required"), (3, "period_start", None, "required"),
        (3, "period_end", None, "required"), (5, "days_worked", "40", "too_many_days"),
        (5, "person_id", "P9", "unknown_person")}


def test_price_file_errors_and_unknown_kind(app, actor, world, tmp_path):
    from minewatch.pay.errors import PayImportRejected, UnknownFileKind
    from minewatch.pay.service import import_prices

    bad = tmp_path / "wages.csv"
    bad.write_text("country,amount,currency,per,effective_from,source\n"
                   "ZZ,5,USD,day,2025-01-01,x\n"
                   "CD,-5,USD,week,2025-01-01,x\n")
    with app.uow() as uow, pytest.raises(PayImportRejected) as exc:
        import_prices(uow, actor=actor, path=bad, today=TODAY)
    got = {(p.row, p.column, p.value, p.code) for p in exc.value.report.problems}
    assert got == {(2, "country", "ZZ", "not_a_country"), (3, "amount", "-5", "not_positive"),
                   (3, "per", "week", "not_in_list")}
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n")
    with app.uow() as uow, pytest.raises(UnknownFileKind):
        import_prices(uow, actor=actor, path=odd)
    missing = tmp_path / "rates.csv"
    missing.write_text("date,base,quote,rate\n2026-03-02,USD,CDF,2850\n")  # no source column
    with app.uow() as uow, pytest.raises(PayImportRejected) as exc:
        import_prices(uow, actor=actor, path=missing, kind="exchange-rate")
    assert [(p.row, p.column, p.code) for p in exc.value.report.problems] == [(1, "source", "missing_column")]


def test_permissions(app, actor, world):
    from minewatch.pay.service import check_pay, import_prices

    _import_all(app, actor)
    auditor = replace(actor, role="auditor")  # pay.read only
    assert _check(app, auditor)
    for role in ("viewer", "child_protection_officer"):
        with pytest.raises(PermissionDenied):
            _check(app, replace(actor, role=role))
    with app.uow() as uow, pytest.raises(PermissionDenied):
        import_prices(uow, actor=auditor, path=FIXTURES / "reference_prices.csv")
    with app.uow() as uow:
        assert check_pay(uow, actor=replace(actor, role="field_officer"), on=ON)


def test_organisations_are_isolated(app, actor, world):
    from minewatch.pay.errors import PayImportRejected
    from minewatch.pay.service import import_pay_records

    other = world["other"]
    _import_all(app, actor)
    assert _check(app, other) == []  # nothing of test-org's is seen by other-org
    # other-org has no TAR-001 nor person P2: its import of the same file is refused on those rows
    with app.uow() as uow, pytest.raises(PayImportRejected) as exc:
        import_pay_records(uow, actor=other, path=FIXTURES / "payments.csv", today=TODAY)
    assert {(p.row, p.code) for p in exc.value.report.problems} == {
        (3, "unknown_site"), (3, "unknown_person"), (5, "unknown_site"), (5, "unknown_person")}
    # other-org's own prices do not serve test-org's checks
    from minewatch.pay.service import import_prices

    with app.uow() as uow:
        import_prices(uow, actor=other, path=FIXTURES / "reference_prices.csv", today=TODAY)
    with app.uow() as uow:
        import_pay_records(uow, actor=other, path=FIXTURES / "sales.csv", today=TODAY)
    assert _find(_check(app, other), "fairmined_price", "S1").numbers["shortfall"] == "1814.81"
    assert _find(_check(app, other), "fairmined_price", "S2").status == "not_assessable"  # other-org has no rates


def test_cli_import_and_check(app, actor, world, cli, tmp_path):
    import json

    for name in ("reference_prices.csv", "minimum_wages.csv", "exchange_rates.csv"):
        out = cli("--org", "test-org", "prices", "import", str(FIXTURES / name)).output
        assert "2 inserted" in out
    for name, kind in (("payments.csv", "payments"), ("sales.csv", "sales")):
        cli("--org", "test-org", "pay", "import", str(FIXTURES / name), "--kind", kind)
    again = cli("--org", "test-org", "pay", "import", str(FIXTURES / "sales.csv")).output
    assert "0 inserted, 0 updated, 4 unchanged" in again
    data = json.loads(cli("--org", "test-org", "pay", "check", "--on", "2026-06-30", "--json").output)
    s1 = next(f for f in data if f["check"] == "fairmined_price" and f["subject"] == "S1")
    assert (s1["status"], s1["site_code"], s1["numbers"]["shortfall"]) == ("breach", "KAL-001", "1814.81")
    text = cli("--org", "test-org", "pay", "check", "--site", "KAL-001", "--on", "2026-06-30").output
    assert "fairmined_premium" in text and "TAR-001" not in text

    bad = tmp_path / "rates.csv"
    bad.write_text("date,base,quote,rate,source\n2026-03-02,USD,CDF,abc,BCC\n")
    result = cli("--org", "test-org", "prices", "import", str(bad), ok=False)
    assert result.exit_code == 6
    assert "row 2, column 'rate' value 'abc'" in result.output
