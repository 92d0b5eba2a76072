"""Pure pay and price rules: every expected number is computed by hand in the comments.

Sources: Fairmined minimum price 95 % of LBMA, premium USD 4,000/kg fine gold and USD 6,000/kg Ecological
gold (standards.md section 2.3; R-FM-1 in section 10). The troy ounce is 480 grains of 64.79891 mg =
31.1034768 g exactly (1959 international yard and pound agreement; pint's definition). Minimum wages and
exchange rates below are fictitious test values, not legal figures.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from minewatch.kit.findings import ParseProblem
from minewatch.pay.model import (ExchangeRate, FairminedRules, MinimumWage, Payment, PayRules, ReferencePrice, Sale,
                                 check_advances, check_fairmined, check_late, check_minimum_wage, months_covered,
                                 parse_decimal, parse_fineness, parse_mass_unit, price_for, rate_for)

MAR2 = dt.date(2026, 3, 2)
RULES = PayRules()


def _sale(ref="S1", quantity="1.000", unit="kilogram", fineness="0.750", paid="44000.00", currency="USD",
          ecological=False, fairmined=True, mineral="gold", on=MAR2):
    return Sale(ref, "KAL-001", on, mineral, D(quantity), unit, None if fineness is None else D(fineness), D(paid),
                currency, "Comptoir X", fairmined, ecological)


LBMA = ReferencePrice("gold", MAR2, D("2000.00"), "USD", "troy_ounce", "LBMA Gold Price PM (test value)")


def _one(findings, check):
    [f] = [f for f in findings if f.check == check]
    return f


# -- parsing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [("0.750", D("0.75")), ("750", D("0.75")), ("999.9", D("0.9999")),
                                           ("1", D("1")), ("0,995", D("0.995"))])
def test_fineness_as_fraction_or_per_mille(raw, expected):
    assert parse_fineness(raw) == expected


@pytest.mark.parametrize("raw", ["0", "1001", "-0.5", "abc"])
def test_bad_fineness_is_refused(raw):
    with pytest.raises(ParseProblem):
        parse_fineness(raw)


def test_numbers_are_exact_and_unambiguous():
    assert parse_decimal("2900.50") == D("2900.50")
    assert parse_decimal("2900,5") == D("2900.5")
    with pytest.raises(ParseProblem) as exc:
        parse_decimal("1,234")  # 1234 or 1.234?
    assert exc.value.code == "ambiguous_number"
    with pytest.raises(ParseProblem):
        parse_decimal("1,234.50")  # thousands separators are refused rather than guessed


def test_units_through_pint_and_bare_ounce_refused():
    assert parse_mass_unit("ozt") == "troy_ounce"
    assert parse_mass_unit("KG") == "kilogram"
    assert parse_mass_unit("t") == "metric_ton"
    for bad, code in (("oz", "ambiguous_unit"), ("m", "not_a_mass_unit"), ("bag", "not_a_mass_unit")):
        with pytest.raises(ParseProblem) as exc:
            parse_mass_unit(bad)
        assert exc.value.code == code


def test_months_covered_counts_days_of_each_calendar_month():
    # 1..15 April: 15/30 = 0.5; 16 Feb..15 Mar 2026: 13/28 + 15/31
    assert months_covered([(dt.date(2026, 4, 1), dt.date(2026, 4, 15))]) == D("0.5")
    assert months_covered([(dt.date(2026, 2, 16), dt.date(2026, 3, 15))]) == D(13) / 28 + D(15) / 31
    # overlapping periods are counted once
    assert months_covered([(dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
                           (dt.date(2026, 1, 10), dt.date(2026, 1, 20))]) == 1


# -- rate for a date ---------------------------------------------------------------------------------------


def test_rate_for_a_date_is_exact_or_latest_within_the_window():
    rates = [ExchangeRate(dt.date(2026, 3, 27), "USD", "CDF", D("2850"), "BCC"),
             ExchangeRate(dt.date(2026, 3, 20), "USD", "CDF", D("2800"), "BCC")]
    # 31 March: the latest on or before is 27 March, 4 days before: within the default window of 4 days
    assert rate_for(rates, "USD", "CDF", dt.date(2026, 3, 31), 4)[0] == D("2850")
    # the inverse pair is the exact inverse
    assert rate_for(rates, "CDF", "USD", dt.date(2026, 3, 31), 4)[0] == 1 / D("2850")
    # 1 April: 27 March is 5 days before: outside the window, never guessed
    assert rate_for(rates, "USD", "CDF", dt.date(2026, 4, 1), 4) is None
    # a window of 0 days means the exact date only
    assert rate_for(rates, "USD", "CDF", dt.date(2026, 3, 28), 0) is None
    assert rate_for(rates, "USD", "USD", dt.date(2026, 3, 28), 0)[0] == 1
    assert price_for([LBMA], "gold", dt.date(2026, 3, 6), 4) == LBMA
    assert price_for([LBMA], "gold", dt.date(2026, 3, 7), 4) is None


# -- Fairmined ---------------------------------------------------------------------------------------------


def test_premium_one_kg_of_750_gold():
    # 1.000 kg x 0.750 = 0.750 kg fine gold; x USD 4,000/kg = USD 3,000.00 (standards.md 2.3)
    f = _one(check_fairmined([_sale()], [LBMA], [], RULES), "fairmined_premium")
    assert (f.status, f.currency, f.numbers["premium_due"], f.numbers["fine_gold_kg"]) == ("info", "USD", "3000.00",
                                                                                          "0.75")
    assert "4,000" in f.rule and "fairmined.org" in f.rule


def test_ecological_premium_and_grams():
    # 1000 g x 750 per mille = 750 g = 0.750 kg fine; x USD 6,000/kg = USD 4,500.00
    sale = _sale(quantity="1000", unit="gram", fineness="0.75", ecological=True)
    f = _one(check_fairmined([sale], [LBMA], [], RULES), "fairmined_premium")
    assert f.numbers["premium_due"] == "4500.00"
    # R-FM-1 (standards.md 10): 0.5 kg Ecological gold -> premium USD 3,000
    sale = _sale(quantity="0.5", fineness="1", ecological=True)
    assert _one(check_fairmined([sale], [LBMA], [], RULES), "fairmined_premium").numbers["premium_due"] == "3000.00"


def test_price_shortfall_against_95_percent_of_lbma_in_troy_ounces():
    # fine gold 0.750 kg = 750 g / 31.1034768 g per ozt = 24.11305992647098539... ozt
    # reference value 24.11305992647... x USD 2,000.00/ozt = USD 48,226.1198529... -> 48,226.12
    # minimum price 0.95 x 48,226.1198529... = USD 45,814.8138602... -> 45,814.81
    # paid USD 44,000.00: shortfall 45,814.8138602... - 44,000 = USD 1,814.8138602... -> 1,814.81
    f = _one(check_fairmined([_sale()], [LBMA], [], RULES), "fairmined_price")
    assert f.status == "breach"
    assert D(f.numbers["fine_gold_troy_ounce"]).quantize(D("0.000001")) == D("24.113060")
    assert f.numbers["reference_value"] == "48226.12"
    assert f.numbers["minimum_price"] == "45814.81"
    assert f.numbers["shortfall"] == "1814.81"
    assert f.numbers["share_of_reference"] == "0.9124"  # 44,000 / 48,226.12 = 0.91237...


def test_price_at_the_minimum_is_ok_and_share_configurable():
    f = _one(check_fairmined([_sale(paid="45814.82")], [LBMA], [], RULES), "fairmined_price")
    assert (f.status, f.numbers["shortfall"]) == ("ok", "0.00")
    # with a 90 % rule (configurable): minimum 0.90 x 48,226.1198529 = 43,403.51 -> 44,000 is enough
    rules = PayRules(fairmined=FairminedRules(min_price_share=D("0.90")))
    assert _one(check_fairmined([_sale()], [LBMA], [], rules), "fairmined_price").status == "ok"


def test_price_paid_in_another_currency_is_converted_at_the_sale_date():
    # paid 125,400,000 CDF at 2,850 CDF per USD = USD 44,000.00 -> same shortfall as in USD
    rate = ExchangeRate(MAR2, "USD", "CDF", D("2850"), "BCC (test value)")
    f = _one(check_fairmined([_sale(paid="125400000", currency="CDF")], [LBMA], [rate], RULES), "fairmined_price")
    assert (f.numbers["price_paid"], f.numbers["shortfall"]) == ("44000.00", "1814.81")


def test_missing_rate_price_or_fineness_is_not_assessable():
    f = _one(check_fairmined([_sale(paid="125400000", currency="CDF")], [LBMA], [], RULES), "fairmined_price")
    assert f.status == "not_assessable" and "no CDF/USD exchange rate for 2026-03-02" in f.reason
    f = _one(check_fairmined([_sale(on=dt.date(2026, 3, 20))], [LBMA], [], RULES), "fairmined_price")
    assert f.status == "not_assessable" and "no gold reference price for 2026-03-20" in f.reason
    findings = check_fairmined([_sale(fineness=None)], [LBMA], [], RULES)
    assert {f.status for f in findings} == {"not_assessable"} and len(findings) == 2
    assert check_fairmined([_sale(fairmined=False)], [LBMA], [], RULES) == []


# -- minimum wage ------------------------------------------------------------------------------------------

CD_DAY = MinimumWage("CD", "day", D("5.00"), "USD", dt.date(2025, 1, 1), "test value, not the legal SMIG")
GH_MONTH = MinimumWage("GH", "month", D("600"), "GHS", dt.date(2025, 1, 1), "test value", "verified")
RATE_MAR = ExchangeRate(dt.date(2026, 3, 31), "USD", "CDF", D("2850"), "BCC (test value)")


def _pay(ref, kind="wage", amount="200000", currency="CDF", start=(2026, 3, 1), end=(2026, 3, 31), days=None,
         agreed=None, paid=None, person="P1", site="KAL-001"):
    return Payment(ref, person, site, kind, D(amount), currency, dt.date(*start), dt.date(*end),
                   None if days is None else D(days), agreed and dt.date(*agreed), paid and dt.date(*paid))


def test_daily_wage_shortfall_converted_at_the_rate_for_the_period_end():
    # 200,000 CDF / 2,850 CDF per USD = USD 70.17543859...; minimum 20 days x USD 5.00 = USD 100.00
    # shortfall 100 - 70.17543859... = USD 29.82456140... -> 29.82; pay per day 70.1754.../20 = 3.51
    [f] = check_minimum_wage([_pay("W1", days="20")], [CD_DAY], [RATE_MAR], {"KAL-001": "CD"}, RULES)
    assert (f.status, f.currency) == ("breach", "USD")
    assert f.numbers == {"pay": "70.18", "days_worked": "20", "pay_per_day": "3.51", "minimum_per_day": "5.00",
                         "minimum_for_period": "100.00", "shortfall": "29.82"}
    assert "provisional" in f.rule


def test_monthly_wage_shortfall_prorated_by_calendar_days():
    # 1..15 April = 15/30 = 0.5 month; minimum 0.5 x GHS 600 = 300; paid 250 -> shortfall GHS 50.00
    p = _pay("W2", amount="250", currency="GHS", start=(2026, 4, 1), end=(2026, 4, 15), site="TAR-001")
    [f] = check_minimum_wage([p], [GH_MONTH], [], {"TAR-001": "GH"}, RULES)
    assert (f.status, f.numbers["minimum_for_period"], f.numbers["shortfall"], f.numbers["months"]) == (
        "breach", "300.00", "50.00", "0.5")


def test_wage_not_assessable_without_rate_days_or_minimum():
    # no rate on or within 4 days before 31 May
    [f] = check_minimum_wage([_pay("W3", days="20", start=(2026, 5, 1), end=(2026, 5, 31))], [CD_DAY], [RATE_MAR],
                             {"KAL-001": "CD"}, RULES)
    assert f.status == "not_assessable" and "no CDF/USD exchange rate for 2026-05-31" in f.reason
    [f] = check_minimum_wage([_pay("W4")], [CD_DAY], [RATE_MAR], {"KAL-001": "CD"}, RULES)
    assert f.status == "not_assessable" and "days worked" in f.reason
    [f] = check_minimum_wage([_pay("W5", days="20")], [CD_DAY], [RATE_MAR], {"KAL-001": "BF"}, RULES)
    assert f.status == "not_assessable" and "no minimum wage recorded for BF" in f.reason
    # advances and debt repayments are not earnings
    assert check_minimum_wage([_pay("A1", kind="advance")], [CD_DAY], [], {"KAL-001": "CD"}, RULES) == []


# -- advances and late pay ---------------------------------------------------------------------------------


def test_advances_against_months_of_earnings():
    jan, feb = ((2026, 1, 1), (2026, 1, 31)), ((2026, 2, 1), (2026, 2, 28))
    items = [_pay("E1", amount="100", currency="USD", start=jan[0], end=jan[1]),
             _pay("E2", amount="100", currency="USD", start=feb[0], end=feb[1]),
             _pay("A1", kind="advance", amount="300", currency="USD", start=jan[0], end=jan[0], paid=(2026, 1, 10)),
             _pay("R1", kind="debt_repayment", amount="50", currency="USD", start=feb[0], end=feb[0],
                  paid=(2026, 2, 10))]
    on = dt.date(2026, 3, 1)
    # outstanding 300 - 50 = 250; earnings 200 over 2 months = 100/month; 250/100 = 2.5 months <= 3
    [f] = check_advances(items, [], on, RULES)
    assert (f.status, f.numbers["outstanding"], f.numbers["monthly_earnings"], f.numbers["months_of_earnings"]) == (
        "ok", "250.00", "100.00", "2.50")
    # a second advance of 200: 450/100 = 4.5 months > 3 -> debt-bondage indicator
    items.append(_pay("A2", kind="advance", amount="200", currency="USD", start=feb[0], end=feb[0],
                      paid=(2026, 2, 20)))
    [f] = check_advances(items, [], on, RULES)
    assert (f.status, f.numbers["months_of_earnings"]) == ("breach", "4.50")
    assert "C182 Art. 3(a)" in f.rule
    # the threshold is configurable
    assert check_advances(items, [], on, PayRules(advance_months_threshold=D(5)))[0].status == "ok"


def test_late_and_unpaid_wages():
    on = dt.date(2026, 3, 31)
    items = [_pay("L1", start=(2026, 1, 1), end=(2026, 1, 31), agreed=(2026, 2, 5), paid=(2026, 2, 20)),
             _pay("L2", start=(2026, 2, 1), end=(2026, 2, 28), agreed=(2026, 3, 5)),
             _pay("L3", start=(2026, 3, 1), end=(2026, 3, 31), agreed=(2026, 4, 5)),
             _pay("L4", start=(2026, 1, 1), end=(2026, 1, 31), agreed=(2026, 2, 5), paid=(2026, 2, 5)),
             _pay("L5", start=(2026, 1, 1), end=(2026, 1, 31))]
    by_ref = {f.subject: f for f in check_late(items, on, RULES)}
    # paid 20 Feb, agreed 5 Feb: 15 days late
    assert (by_ref["L1"].status, by_ref["L1"].numbers["days_late"]) == ("breach", "15")
    # unpaid, agreed 5 March, as of 31 March: 26 days
    assert (by_ref["L2"].status, by_ref["L2"].numbers["days_late"]) == ("breach", "26")
    assert by_ref["L3"].status == "ok" and by_ref["L4"].status == "ok"
    assert by_ref["L5"].status == "not_assessable"
    # with a default delay of 10 days after the period end, L5 (unpaid) was due 10 Feb: 49 days late
    f = {f.subject: f for f in check_late(items, on, PayRules(default_pay_delay_days=10))}["L5"]
    assert (f.status, f.numbers["due"], f.numbers["days_late"]) == ("breach", "2026-02-10", "49")


def test_large_lots_are_written_plainly():
    # 10 kg of fine gold (fineness 1): premium 10 x USD 4,000 = USD 40,000.00; "10", not "1E+1"
    f = _one(check_fairmined([_sale(quantity="10.000", fineness="1")], [LBMA], [], RULES), "fairmined_premium")
    assert (f.numbers["fine_gold_kg"], f.numbers["premium_due"]) == ("10", "40000.00")
    assert months_covered([(dt.date(2026, 1, 1), dt.date(2026, 10, 31))]) == 10
    assert str(months_covered([(dt.date(2026, 1, 1), dt.date(2026, 10, 31))])) == "10"
