"""Pure rules of pay and price: money parsing, rate and price look-ups, and the four checks.

Every check returns :class:`PayFinding` values (data, not exceptions), each with its numbers as exact
Decimals written as strings, the rule it applies and where that rule comes from. A check that needs a
value minewatch does not have (an exchange rate, a reference price, a minimum wage, the fineness) is
``not_assessable`` with the reason: nothing is guessed.

Sources (``/work/shared/reference/standards.md``)
------------------------------------------------
* Fairmined minimum price: at least **95 %** of the international (LBMA) gold price; section 2.3, status
  V2 (secondary copies: diamonds.net ArticleID=69088, fairever.gold faq 50). Configurable
  (:class:`FairminedRules`), provisional until confirmed in the Fairmined Standard v2.0 text (section 11
  item 2).
* Fairmined Premium: **USD 4,000 per kg** of gold, **USD 6,000 per kg** for Ecological gold; section 2.3,
  status V (fairmined.org/?p=9860). Paid on top of the price (section 2.3, "Premium on top of price").
  R-FM-1 (section 10): premium = 4,000 or 6,000 USD per kg x fine-gold mass.
* Minimum wages are data (imported with their legal source and effective date), never constants here.
* Debt bondage is a worst form of child labour and forced labour (ILO C182 Art. 3(a), section 4.1). The
  number of months of earnings above which outstanding advances are flagged is **not** from a standard:
  it is a configurable indicator threshold (default 3), marked provisional.

Rate for a date
---------------
An exchange rate or reference price "for" a date is the one published **on that date, or else the latest
published before it within** ``rate_window_days`` (default 4 days, so Friday's fix serves the weekend and a
Monday holiday). Older than that, the check is not assessable. An exchange rate stored as B/Q serves Q/B
as its exact inverse; no cross rates through a third currency.

Minimum wage for a date: the row with the latest ``effective_from`` on or before the date (a law stays in
force until replaced), for the site's country.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from minewatch.kit.findings import ParseProblem
from minewatch.units import is_mass_unit, to_unit

PAYMENT_KINDS = ("wage", "production_share", "piece_rate", "advance", "debt_repayment")
EARNING_KINDS = frozenset({"wage", "production_share", "piece_rate"})
WAGE_BASES = ("day", "month")
STATUSES = ("breach", "ok", "info", "not_assessable")
CENT = Decimal("0.01")

# Units people write for masses, mapped to pint names. A bare "oz" is refused: avoirdupois (28.35 g)
# and troy (31.10 g) ounces differ by 10 %, and gold is priced per troy ounce.
UNIT_ALIASES = {
    "g": "gram", "gram": "gram", "grams": "gram", "gramme": "gram", "grammes": "gram", "gr": "gram",
    "kg": "kilogram", "kilogram": "kilogram", "kilograms": "kilogram", "kilo": "kilogram",
    "t": "metric_ton", "tonne": "metric_ton", "tonnes": "metric_ton", "metric_ton": "metric_ton", "mt": "metric_ton",
    "ozt": "troy_ounce", "oz t": "troy_ounce", "troy oz": "troy_ounce", "troy_oz": "troy_ounce",
    "troy_ounce": "troy_ounce", "troy ounce": "troy_ounce", "toz": "troy_ounce",
    "lb": "pound", "pound": "pound",
}
_AMBIGUOUS_UNITS = {"oz", "ounce", "ounces", "once", "onza"}
_CURRENCY = re.compile(r"[A-Z]{3}")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


@dataclass(frozen=True)
class FairminedRules:
    """Fairmined price and premium figures (standards.md section 2.3); change them here or per call."""

    min_price_share: Decimal = Decimal("0.95")  # V2: diamonds.net ArticleID=69088; fairever.gold faq 50
    premium_per_kg: Decimal = Decimal("4000")  # V: fairmined.org/?p=9860
    ecological_premium_per_kg: Decimal = Decimal("6000")  # V: fairmined.org/?p=9860
    premium_currency: str = "USD"
    source: str = ("Fairmined Standard v2.0 (ARM, 2014): minimum price 95 % of LBMA (V2, provisional), premium "
                   "USD 4,000/kg fine gold, USD 6,000/kg Ecological (fairmined.org/?p=9860); standards.md 2.3")


@dataclass(frozen=True)
class PayRules:
    """The configurable parts of the checks (none is a legal value except those in :class:`FairminedRules`)."""

    fairmined: FairminedRules = field(default_factory=FairminedRules)
    rate_window_days: int = 4
    advance_months_threshold: Decimal = Decimal("3")  # provisional indicator threshold, not from a standard
    earnings_lookback_days: int = 365
    late_grace_days: int = 0
    default_pay_delay_days: int | None = None  # due date when no agreed pay date: period end + this; None = unknown


# -- value objects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    ref: str  # the payment's external id
    person: str  # the person's external id
    site_code: str
    kind: str
    amount: Decimal
    currency: str
    period_start: dt.date
    period_end: dt.date
    days_worked: Decimal | None = None
    agreed_pay_date: dt.date | None = None
    paid_date: dt.date | None = None

    @property
    def dated(self) -> dt.date:
        """When the money changed hands (or was due): paid date, else agreed date, else period end."""
        return self.paid_date or self.agreed_pay_date or self.period_end


@dataclass(frozen=True)
class Sale:
    ref: str
    site_code: str
    sold_on: dt.date
    mineral: str
    quantity: Decimal
    unit: str  # pint name
    fineness: Decimal | None  # a fraction, 0 < f <= 1
    price_paid: Decimal  # the price of the whole lot, without any premium
    currency: str
    buyer: str | None = None
    fairmined: bool = False
    ecological: bool = False


@dataclass(frozen=True)
class ReferencePrice:
    commodity: str
    on: dt.date
    price: Decimal  # per ``unit`` of the (fine) metal
    currency: str
    unit: str  # pint name
    source: str


@dataclass(frozen=True)
class MinimumWage:
    country: str  # ISO 3166-1 alpha-2
    basis: str  # day | month
    amount: Decimal
    currency: str
    effective_from: dt.date
    source: str
    status: str = "provisional"  # verified | provisional


@dataclass(frozen=True)
class ExchangeRate:
    on: dt.date
    base: str
    quote: str
    rate: Decimal  # units of ``quote`` for one unit of ``base``
    source: str


@dataclass(frozen=True)
class PayFinding:
    """One result of one check on one payment, period, sale or person."""

    check: str  # minimum_wage | fairmined_price | fairmined_premium | advances | late_payment
    status: str  # breach | ok | info | not_assessable
    site_code: str | None
    subject_type: str  # payment | pay_period | sale | person
    subject: str  # external id(s) of the payment, sale or person
    reason: str
    rule: str
    person: str | None = None
    on: dt.date | None = None
    currency: str | None = None
    numbers: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"check": self.check, "status": self.status, "site_code": self.site_code,
                "subject_type": self.subject_type, "subject": self.subject, "person": self.person,
                "on": self.on.isoformat() if self.on else None, "currency": self.currency,
                "numbers": dict(self.numbers), "reason": self.reason, "rule": self.rule}


# -- parsing (pure; the importers turn ParseProblem into a Problem with row and column) ---------------


def parse_decimal(raw: str | None, *, positive: bool = False, allow_zero: bool = True) -> Decimal | None:
    """A number written plainly: ``1234.50`` or ``1234,50``; no thousands separators (``1,234`` is refused:
    one thousand two hundred and thirty-four, or one point two three four?).

    >>> parse_decimal("2 900,5")
    Decimal('2900.5')
    """
    if raw is None or not raw.strip():
        return None
    text = raw.strip().replace("\u00a0", "").replace(" ", "").replace("\u202f", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise ParseProblem("not_a_number", "not a plain number: write digits with one decimal point, "
                                           "no thousands separators (e.g. 1234.50)")
    head, _, tail = text.lstrip("+-").partition(",")
    if tail and len(tail) == 3 and "." not in text and re.fullmatch(r"[1-9]\d{0,2}", head):
        raise ParseProblem("ambiguous_number", "ambiguous: a comma followed by three digits may be a thousands "
                                               "separator; write 1234.5 or 1.234 with a decimal point")
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
        raise ParseProblem("not_a_number", "not a number") from None
    if positive and (value < 0 or (value == 0 and not allow_zero)):
        raise ParseProblem("not_positive", "must be greater than zero" if not allow_zero else "must not be negative")
    return value


def parse_currency(raw: str | None) -> str | None:
    """An ISO 4217 code, ``usd`` -> ``USD``."""
    if raw is None or not raw.strip():
        return None
    code = raw.strip().upper()
    if not _CURRENCY.fullmatch(code):
        raise ParseProblem("not_a_currency", "not an ISO 4217 currency code (three letters, e.g. USD, CDF)")
    return code


def parse_mass_unit(raw: str | None) -> str | None:
    """A mass unit as a pint name: ``kg``, ``g``, ``ozt`` (troy ounce), ``t`` (tonne)..."""
    if raw is None or not raw.strip():
        return None
    text = " ".join(raw.strip().lower().split())
    if text in _AMBIGUOUS_UNITS:
        raise ParseProblem("ambiguous_unit", "'oz' is ambiguous: write ozt (troy ounce, used for gold) or the "
                                             "mass in g or kg")
    # An allow-list, not any pint mass unit: pint also knows "bag" (94 lb of cement) and "carat".
    name = UNIT_ALIASES.get(text)
    if name is None or not is_mass_unit(name):
        raise ParseProblem("not_a_mass_unit", "not a unit of mass minewatch accepts (use g, kg, t, ozt or lb)")
    return name


def parse_fineness(raw: str | None) -> Decimal | None:
    """Fineness as a fraction: ``0.750`` stays, ``750`` (per mille) becomes 0.75, ``999.9`` becomes 0.9999.

    >>> parse_fineness("750"), parse_fineness("0.995")
    (Decimal('0.75'), Decimal('0.995'))
    """
    value = parse_decimal(raw)
    if value is None:
        return None
    if value > 1:
        value = value / 1000
    if not Decimal(0) < value <= 1:
        raise ParseProblem("fineness_out_of_range",
                           "fineness must be a fraction above 0 and at most 1 (0.750) or per mille up to 1000 (750)")
    return value.normalize() if value != value.to_integral() else value


def money(value: Decimal) -> Decimal:
    """Rounded to the cent, half up (the only rounding: at the end of a calculation)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _s(value: Decimal) -> str:
    return str(money(value))


def _plain(value: Decimal) -> str:
    """Without trailing zeros or exponent: ``Decimal("10.000")`` -> ``"10"``."""
    return f"{value.normalize():f}"


# -- look-ups -----------------------------------------------------------------------------------------


def rate_for(rates: list[ExchangeRate], base: str, quote: str, on: dt.date,
             window_days: int) -> tuple[Decimal, ExchangeRate] | None:
    """(quote per base, the rate row used) on ``on`` or the latest before it within the window; None if none.
    The same currency is 1; a stored quote/base pair serves as its inverse."""
    if base == quote:
        return Decimal(1), None
    earliest = on - dt.timedelta(days=window_days)
    best = None
    for r in rates:
        if not earliest <= r.on <= on:
            continue
        if (r.base, r.quote) == (base, quote):
            value = r.rate
        elif (r.base, r.quote) == (quote, base):
            value = 1 / r.rate
        else:
            continue
        # Latest date wins; on the same date the direct quote wins over an inverse.
        key = (r.on, (r.base, r.quote) == (base, quote))
        if best is None or key > best[0]:
            best = (key, value, r)
    return None if best is None else (best[1], best[2])


def price_for(prices: list[ReferencePrice], commodity: str, on: dt.date, window_days: int) -> ReferencePrice | None:
    """The reference price of ``commodity`` on ``on`` or the latest before it within the window."""
    earliest = on - dt.timedelta(days=window_days)
    found = [p for p in prices if p.commodity == commodity and earliest <= p.on <= on]
    return max(found, key=lambda p: p.on) if found else None


def wages_for(wages: list[MinimumWage], country: str, on: dt.date) -> dict[str, MinimumWage]:
    """{basis: the minimum wage in force on ``on``} for the country."""
    current: dict[str, MinimumWage] = {}
    for w in wages:
        if w.country == country and w.effective_from <= on:
            if w.basis not in current or w.effective_from > current[w.basis].effective_from:
                current[w.basis] = w
    return current


def months_covered(periods: list[tuple[dt.date, dt.date]]) -> Decimal:
    """Calendar months covered by the union of the periods (inclusive): each day counts 1/(days in its month).

    >>> months_covered([(dt.date(2026, 2, 1), dt.date(2026, 3, 31))])
    Decimal('2')
    >>> months_covered([(dt.date(2026, 4, 1), dt.date(2026, 4, 15))])
    Decimal('0.5')
    """
    days: set[dt.date] = set()
    for start, end in periods:
        days.update(start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    per_month: dict[tuple[int, int], int] = defaultdict(int)
    for d in days:
        per_month[(d.year, d.month)] += 1
    total = sum((Decimal(n) / calendar.monthrange(y, m)[1] for (y, m), n in per_month.items()), Decimal(0))
    return total.to_integral() if total == total.to_integral() else total


class _NoRate(Exception):
    def __init__(self, base: str, quote: str, on: dt.date):
        self.reason = f"no {base}/{quote} exchange rate for {on.isoformat()}"


def _convert(amount: Decimal, base: str, quote: str, on: dt.date, rates, rules: PayRules) -> Decimal:
    found = rate_for(rates, base, quote, on, rules.rate_window_days)
    if found is None:
        raise _NoRate(base, quote, on)
    return amount * found[0]


def _window_text(rules: PayRules) -> str:
    return f"on that date or the latest within {rules.rate_window_days} days before"


# -- checks -------------------------------------------------------------------------------------------


def check_minimum_wage(payments: list[Payment], wages: list[MinimumWage], rates: list[ExchangeRate],
                       site_countries: dict[str, str | None], rules: PayRules) -> list[PayFinding]:
    """Earnings (wage, production share, piece rate) per person, site and period against the minimum wage.

    Daily when the days worked are known and the country has a daily minimum: shortfall = minimum per day x
    days worked - pay. Otherwise monthly: shortfall = minimum per month x months covered - pay. Pay is
    converted to the minimum wage's currency at the rate for the period's end.
    """
    groups: dict[tuple, list[Payment]] = defaultdict(list)
    for p in payments:
        if p.kind in EARNING_KINDS:
            groups[(p.person, p.site_code, p.period_start, p.period_end)].append(p)
    out = []
    for (person, site, start, end), group in sorted(groups.items()):
        subject = ",".join(sorted(p.ref for p in group))

        def finding(status, reason, rule="national minimum wage", currency=None, numbers=None):
            return PayFinding("minimum_wage", status, site, "pay_period", subject, reason, rule, person=person,
                              on=end, currency=currency, numbers=numbers or {})

        country = site_countries.get(site)
        if not country:
            out.append(finding("not_assessable", f"site {site} has no country, so no minimum wage applies"))
            continue
        current = wages_for(wages, country, end)
        days = [p.days_worked for p in group if p.days_worked is not None]
        days_worked = max(days) if days else None
        if "day" in current and days_worked:
            wage, basis = current["day"], "day"
        elif "month" in current:
            wage, basis = current["month"], "month"
        elif "day" in current:
            out.append(finding("not_assessable", f"{country} has a daily minimum wage but the days worked in "
                                                 f"{start.isoformat()}..{end.isoformat()} are not recorded"))
            continue
        else:
            out.append(finding("not_assessable", f"no minimum wage recorded for {country} on {end.isoformat()}"))
            continue
        rule = (f"minimum wage {country} {wage.amount} {wage.currency} per {wage.basis}, effective "
                f"{wage.effective_from.isoformat()}: {wage.source}"
                + (" (provisional: verify against the legal text)" if wage.status != "verified" else ""))
        try:
            total = sum((_convert(p.amount, p.currency, wage.currency, end, rates, rules) for p in group), Decimal(0))
        except _NoRate as exc:
            out.append(finding("not_assessable", f"{exc.reason} ({_window_text(rules)})", rule))
            continue
        if basis == "day":
            minimum = wage.amount * days_worked
            numbers = {"pay": _s(total), "days_worked": str(days_worked), "pay_per_day": _s(total / days_worked),
                       "minimum_per_day": _s(wage.amount), "minimum_for_period": _s(minimum)}
        else:
            months = months_covered([(start, end)])
            minimum = wage.amount * months
            numbers = {"pay": _s(total), "months": str(months), "pay_per_month": _s(total / months),
                       "minimum_per_month": _s(wage.amount), "minimum_for_period": _s(minimum)}
        shortfall = minimum - total
        if money(shortfall) > 0:
            numbers["shortfall"] = _s(shortfall)
            out.append(finding("breach", f"paid {_s(total)} {wage.currency} for {start.isoformat()}..{end.isoformat()}, "
                                         f"{_s(shortfall)} below the minimum of {_s(minimum)}", rule,
                               wage.currency, numbers))
        else:
            numbers["shortfall"] = "0.00"
            out.append(finding("ok", f"paid at least the minimum wage for {start.isoformat()}..{end.isoformat()}",
                               rule, wage.currency, numbers))
    return out


def fine_mass_kg(sale: Sale) -> Decimal:
    """Fine metal in kg: quantity (converted with pint) x fineness."""
    return to_unit(sale.quantity, sale.unit, "kilogram") * sale.fineness


def check_fairmined(sales: list[Sale], prices: list[ReferencePrice], rates: list[ExchangeRate],
                    rules: PayRules) -> list[PayFinding]:
    """Fairmined-style gold sales: the premium due, and the price paid against the minimum price.

    premium = fine gold (kg) x USD 4,000 (6,000 Ecological); minimum price = 95 % x reference price x fine
    gold in the reference price's unit; shortfall = minimum price - price paid (in the reference currency,
    converted at the rate for the sale date). The price paid excludes the premium, which is due on top.
    """
    fm = rules.fairmined
    out = []
    for sale in sorted(sales, key=lambda s: (s.sold_on, s.ref)):
        if not sale.fairmined:
            continue

        def finding(check, status, reason, rule, currency=None, numbers=None, sale=sale):
            return PayFinding(check, status, sale.site_code, "sale", sale.ref, reason, rule, on=sale.sold_on,
                              currency=currency, numbers=numbers or {})

        if sale.mineral != "gold":
            why = (f"the Fairmined premium and minimum price for {sale.mineral} are not recorded "
                   "(standards.md 2.3 gives them for gold only)")
            out.append(finding("fairmined_premium", "not_assessable", why, fm.source))
            out.append(finding("fairmined_price", "not_assessable", why, fm.source))
            continue
        if sale.fineness is None:
            why = "the fineness of the gold is not recorded, so the fine gold mass is unknown"
            out.append(finding("fairmined_premium", "not_assessable", why, fm.source))
            out.append(finding("fairmined_price", "not_assessable", why, fm.source))
            continue
        fine_kg = fine_mass_kg(sale)
        rate_kg = fm.ecological_premium_per_kg if sale.ecological else fm.premium_per_kg
        premium = fine_kg * rate_kg
        label = "Ecological gold" if sale.ecological else "gold"
        out.append(finding("fairmined_premium", "info",
                           f"Fairmined premium due on {_plain(fine_kg)} kg fine {label}: {_s(premium)} "
                           f"{fm.premium_currency}", fm.source, fm.premium_currency,
                           {"fine_gold_kg": _plain(fine_kg), "premium_per_kg": str(rate_kg),
                            "premium_due": _s(premium)}))
        ref = price_for(prices, "gold", sale.sold_on, rules.rate_window_days)
        if ref is None:
            out.append(finding("fairmined_price", "not_assessable",
                               f"no gold reference price for {sale.sold_on.isoformat()} ({_window_text(rules)})",
                               fm.source))
            continue
        fine_in_ref_unit = to_unit(fine_kg, "kilogram", ref.unit)
        reference_value = fine_in_ref_unit * ref.price
        minimum = fm.min_price_share * reference_value
        rule = f"{fm.source}; reference {ref.price} {ref.currency}/{ref.unit} on {ref.on.isoformat()} ({ref.source})"
        try:
            paid = _convert(sale.price_paid, sale.currency, ref.currency, sale.sold_on, rates, rules)
        except _NoRate as exc:
            out.append(finding("fairmined_price", "not_assessable", f"{exc.reason} ({_window_text(rules)})", rule))
            continue
        numbers = {"fine_gold_kg": _plain(fine_kg), f"fine_gold_{ref.unit}": str(fine_in_ref_unit),
                   "reference_price": str(ref.price), "reference_value": _s(reference_value),
                   "minimum_share": str(fm.min_price_share), "minimum_price": _s(minimum), "price_paid": _s(paid),
                   "share_of_reference": str((paid / reference_value).quantize(Decimal("0.0001")))}
        shortfall = minimum - paid
        if money(shortfall) > 0:
            numbers["shortfall"] = _s(shortfall)
            out.append(finding("fairmined_price", "breach",
                               f"paid {_s(paid)} {ref.currency}, {_s(shortfall)} below the Fairmined minimum price "
                               f"{_s(minimum)} ({(fm.min_price_share * 100).normalize():f} % of {_s(reference_value)})",
                               rule, ref.currency, numbers))
        else:
            numbers["shortfall"] = "0.00"
            out.append(finding("fairmined_price", "ok", f"paid at least the Fairmined minimum price {_s(minimum)}",
                               rule, ref.currency, numbers))
    return out


def check_advances(payments: list[Payment], rates: list[ExchangeRate], on: dt.date,
                   rules: PayRules) -> list[PayFinding]:
    """Advances outstanding (advances - debt repayments up to ``on``) against average monthly earnings
    (earnings whose period ended in the ``earnings_lookback_days`` before ``on``, over the months they cover).
    More than ``advance_months_threshold`` months of earnings is a debt-bondage indicator (ILO C182 Art. 3(a)).
    """
    by_person: dict[str, list[Payment]] = defaultdict(list)
    for p in payments:
        by_person[p.person].append(p)
    rule = (f"debt-bondage indicator (ILO C182 Art. 3(a); standards.md 4.1): advances outstanding above "
            f"{rules.advance_months_threshold} months of earnings (threshold configurable, provisional: "
            "no standard sets it)")
    earliest = on - dt.timedelta(days=rules.earnings_lookback_days)
    out = []
    for person, items in sorted(by_person.items()):
        debts = sorted((p for p in items if p.kind in ("advance", "debt_repayment") and p.dated <= on),
                       key=lambda p: (p.dated, p.ref))
        if not any(p.kind == "advance" for p in debts):
            continue
        latest = [p for p in debts if p.kind == "advance"][-1]
        currency, site = latest.currency, latest.site_code

        def finding(status, reason, numbers=None):
            return PayFinding("advances", status, site, "person", person, reason, rule, person=person, on=on,
                              currency=currency, numbers=numbers or {})

        earnings = [p for p in items if p.kind in EARNING_KINDS and earliest < p.period_end <= on]
        try:
            outstanding = sum(((1 if p.kind == "advance" else -1)
                               * _convert(p.amount, p.currency, currency, p.dated, rates, rules) for p in debts),
                              Decimal(0))
            earned = sum((_convert(p.amount, p.currency, currency, p.period_end, rates, rules) for p in earnings),
                         Decimal(0))
        except _NoRate as exc:
            out.append(finding("not_assessable", f"{exc.reason} ({_window_text(rules)})"))
            continue
        if outstanding <= 0:
            out.append(finding("ok", "no advance outstanding", {"outstanding": _s(outstanding)}))
            continue
        if not earnings:
            out.append(finding("not_assessable", f"{_s(outstanding)} {currency} outstanding but no earnings recorded "
                                                 f"in the {rules.earnings_lookback_days} days before {on.isoformat()}",
                               {"outstanding": _s(outstanding)}))
            continue
        months = months_covered([(p.period_start, p.period_end) for p in earnings])
        monthly = earned / months
        ratio = outstanding / monthly
        numbers = {"outstanding": _s(outstanding), "earnings": _s(earned), "months": str(months),
                   "monthly_earnings": _s(monthly), "months_of_earnings": str(ratio.quantize(Decimal("0.01"))),
                   "threshold_months": str(rules.advance_months_threshold)}
        if ratio > rules.advance_months_threshold:
            out.append(finding("breach", f"{_s(outstanding)} {currency} outstanding, {numbers['months_of_earnings']} "
                                         f"months of earnings (more than {rules.advance_months_threshold})", numbers))
        else:
            out.append(finding("ok", f"{_s(outstanding)} {currency} outstanding, {numbers['months_of_earnings']} "
                                     "months of earnings", numbers))
    return out


def check_late(payments: list[Payment], on: dt.date, rules: PayRules) -> list[PayFinding]:
    """Earnings paid after (or still unpaid past) the agreed pay date, or the period end plus the configured
    delay when no date was agreed; ``late_grace_days`` are tolerated."""
    out = []
    rule = "pay on the agreed date (contract or agreement recorded with the payment)"
    for p in sorted(payments, key=lambda p: (p.period_end, p.ref)):
        if p.kind not in EARNING_KINDS or p.period_end > on:
            continue

        def finding(status, reason, numbers=None, p=p):
            return PayFinding("late_payment", status, p.site_code, "payment", p.ref, reason, rule, person=p.person,
                              on=p.paid_date or on, currency=p.currency, numbers=numbers or {})

        due = p.agreed_pay_date
        if due is None and rules.default_pay_delay_days is not None:
            due = p.period_end + dt.timedelta(days=rules.default_pay_delay_days)
        if due is None:
            out.append(finding("not_assessable", "no agreed pay date recorded"))
            continue
        limit = due + dt.timedelta(days=rules.late_grace_days)
        numbers = {"due": due.isoformat(), "amount": _s(p.amount)}
        if p.paid_date is not None:
            late = (p.paid_date - due).days
            numbers["paid"] = p.paid_date.isoformat()
            numbers["days_late"] = str(max(late, 0))
            if p.paid_date > limit:
                out.append(finding("breach", f"paid {late} days after the agreed date {due.isoformat()}", numbers))
            else:
                out.append(finding("ok", "paid on time", numbers))
        elif on > limit:
            numbers["days_late"] = str((on - due).days)
            out.append(finding("breach", f"unpaid {(on - due).days} days after the agreed date {due.isoformat()}",
                               numbers))
        else:
            out.append(finding("ok", "not yet due", numbers))
    return out


def run_checks(*, payments: list[Payment], sales: list[Sale], prices: list[ReferencePrice],
               wages: list[MinimumWage], rates: list[ExchangeRate], site_countries: dict[str, str | None],
               on: dt.date, rules: PayRules = PayRules()) -> list[PayFinding]:
    """Every check over the records up to ``on`` (payments whose period ended, sales made, by then)."""
    payments = [p for p in payments if p.period_start <= on]
    sales = [s for s in sales if s.sold_on <= on]
    return (check_minimum_wage([p for p in payments if p.period_end <= on], wages, rates, site_countries, rules)
            + check_fairmined(sales, prices, rates, rules)
            + check_advances(payments, rates, on, rules)
            + check_late(payments, on, rules))
