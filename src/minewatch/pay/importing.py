"""CSV (or XLSX) files of pay and price: what each kind's columns are and how each cell is read.

Five kinds; the kind of a prices file is told from its header when not given (:func:`detect_kind`):

==============  ==========================================================================================
kind            columns (required in bold in the docs; aliases in :data:`KINDS`)
==============  ==========================================================================================
reference       commodity, date, price, currency, unit, source  (price per unit of fine metal, e.g. LBMA
                gold USD per ozt, LME tin USD per t)
minimum-wage    country, amount, currency, per (day | month), effective_from, source, status
                (verified | provisional; default provisional)
exchange-rate   date, base, quote, rate, source  (``rate`` units of quote for one base: USD,CDF,2850)
payments        payment_id, person_id (the person's external id), site_code, kind (wage, production_share,
                piece_rate, advance, debt_repayment), amount, currency, period_start, period_end,
                days_worked, agreed_pay_date, paid_date
sales           sale_id, site_code, date, mineral, quantity, unit, fineness (0.750 or 750 per mille),
                price_paid (the whole lot, without premium), currency, buyer, fairmined, ecological
==============  ==========================================================================================

Every bad cell is a :class:`~minewatch.kit.findings.Problem` naming its row (header = row 1), column,
value and reason; the service stores nothing when there is any error, and a file imported twice changes
nothing the second time (rows are keyed, see ``repository.NATURAL_KEYS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pycountry

from minewatch.kit import parsing
from minewatch.kit.findings import ParseProblem, Problem
from minewatch.pay.model import (PAYMENT_KINDS, WAGE_BASES, parse_currency, parse_decimal, parse_fineness,
                                 parse_mass_unit)
from minewatch.pay.orm import PayExchangeRate, PayMinimumWage, PayPayment, PayReferencePrice, PaySale


def _text(max_len: int):
    def parse(raw):
        return parsing.parse_text(raw, max_len=max_len)
    return parse


def _lower_text(max_len: int):
    def parse(raw):
        value = parsing.parse_text(raw, max_len=max_len)
        return None if value is None else value.lower()
    return parse


def _choice(options: tuple[str, ...], aliases: dict[str, str] | None = None):
    def parse(raw):
        value = parsing.parse_text(raw)
        if value is None:
            return None
        key = parsing.fold(value).replace(" ", "_").replace("-", "_")
        key = (aliases or {}).get(key, key)
        if key not in options:
            raise ParseProblem("not_in_list", f"must be one of {', '.join(options)}")
        return key
    return parse


# Names of gold in the languages of the field forms; other minerals are kept as written (lower case).
MINERAL_ALIASES = {"au": "gold", "or": "gold", "oro": "gold", "ouro": "gold", "dhahabu": "gold"}


def _mineral(raw):
    value = parsing.parse_text(raw, max_len=40)
    if value is None:
        return None
    value = parsing.fold(value)
    return MINERAL_ALIASES.get(value, value)


def _date(raw):
    return parsing.parse_date(raw)


def _bool(raw):
    return parsing.parse_bool(raw)


def _country(raw):
    value = parsing.parse_text(raw)
    if value is None:
        return None
    found = (pycountry.countries.get(alpha_2=value.upper()) if len(value) == 2
             else pycountry.countries.get(alpha_3=value.upper()) if len(value) == 3 else None)
    if found is None:
        raise ParseProblem("not_a_country", "not an ISO 3166-1 country code (two or three letters, e.g. CD or COD)")
    return found.alpha_2


def _positive(raw):
    return parse_decimal(raw, positive=True, allow_zero=False)


def _non_negative(raw):
    return parse_decimal(raw, positive=True)


@dataclass(frozen=True)
class Column:
    name: str  # the attribute of the stored row
    parse: Callable[[str | None], object]
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileKind:
    name: str
    model: type
    entity_type: str
    columns: tuple[Column, ...]
    signature: frozenset[str]  # header columns that identify the kind
    reference_kind: bool  # prices, wages and rates (``prices import``) vs payments and sales (``pay import``)


_PER = {"daily": "day", "per_day": "day", "jour": "day", "par_jour": "day", "dia": "day", "monthly": "month",
        "per_month": "month", "mois": "month", "par_mois": "month", "mes": "month"}

KINDS: dict[str, FileKind] = {k.name: k for k in (
    FileKind("reference", PayReferencePrice, "pay_reference_price", (
        Column("commodity", _lower_text(40), True, ("metal", "mineral")),
        Column("price_date", _date, True, ("date",)),
        Column("price", _positive, True, ("value",)),
        Column("currency", parse_currency, True),
        Column("unit", parse_mass_unit, True, ("per", "per_unit")),
        Column("source", _text(300), True, ("benchmark",)),
    ), frozenset({"commodity", "price"}), True),
    FileKind("minimum-wage", PayMinimumWage, "pay_minimum_wage", (
        Column("country", _country, True),
        Column("amount", _positive, True, ("minimum_wage", "wage")),
        Column("currency", parse_currency, True),
        Column("basis", _choice(WAGE_BASES, _PER), True, ("per", "period")),
        Column("effective_from", _date, True, ("effective_date", "from", "date")),
        Column("source", _text(300), True, ("legal_source",)),
        Column("status", _choice(("verified", "provisional")), False),
    ), frozenset({"country", "effective_from"}), True),
    FileKind("exchange-rate", PayExchangeRate, "pay_exchange_rate", (
        Column("rate_date", _date, True, ("date",)),
        Column("base", parse_currency, True, ("from", "base_currency")),
        Column("quote", parse_currency, True, ("to", "quote_currency")),
        Column("rate", _positive, True),
        Column("source", _text(300), True),
    ), frozenset({"base", "quote", "rate"}), True),
    FileKind("payments", PayPayment, "pay_payment", (
        Column("external_id", _text(120), True, ("payment_id", "id")),
        Column("person", _text(120), True, ("person_id", "person_external_id", "miner_id", "worker_id")),
        Column("site_code", _text(64), True, ("site",)),
        Column("kind", _choice(PAYMENT_KINDS, {"share": "production_share", "piece": "piece_rate",
                                               "repayment": "debt_repayment"}), True, ("type",)),
        Column("amount", _non_negative, True),
        Column("currency", parse_currency, True),
        # required for earnings; an advance or repayment without a period is dated by its paid (or agreed) date
        Column("period_start", _date, False, ("from",)),
        Column("period_end", _date, False, ("to",)),
        Column("days_worked", _non_negative, False, ("days",)),
        Column("agreed_pay_date", _date, False, ("due_date", "agreed_date")),
        Column("paid_date", _date, False, ("paid_on",)),
    ), frozenset({"period_start", "amount"}), False),
    FileKind("sales", PaySale, "pay_sale", (
        Column("external_id", _text(120), True, ("sale_id", "id")),
        Column("site_code", _text(64), True, ("site",)),
        Column("sold_on", _date, True, ("date", "sale_date")),
        Column("mineral", _mineral, True),
        Column("quantity", _positive, True, ("mass",)),
        Column("quantity_unit", parse_mass_unit, True, ("unit",)),
        Column("fineness", parse_fineness, False, ("purity",)),
        Column("price_paid", _non_negative, True, ("price", "amount_paid")),
        Column("currency", parse_currency, True),
        Column("buyer", _text(200), False),
        Column("fairmined", _bool, False, ("fairmined_style",)),
        Column("ecological", _bool, False, ("ecological_gold",)),
    ), frozenset({"mineral", "price_paid"}), False),
)}


def header_key(name: str) -> str:
    """``"Period Start"`` -> ``"period_start"``."""
    return "_".join(parsing.fold(name).replace("-", " ").split())


def detect_kind(columns: list[str], *, reference_kinds: bool) -> str | None:
    """The kind whose signature columns (or their aliases) all appear in the header; None if none or several."""
    keys = {header_key(c) for c in columns}
    matches = []
    for kind in KINDS.values():
        if kind.reference_kind != reference_kinds:
            continue
        names = {c.name: {c.name, *c.aliases} for c in kind.columns}
        if all(keys & names[s] for s in kind.signature):
            matches.append(kind.name)
    return matches[0] if len(matches) == 1 else None


def map_header(kind: FileKind, columns: list[str]) -> tuple[dict[str, str], list[Problem]]:
    """{attribute: header cell as written} and the problems: missing required columns, unknown columns
    (a warning: they are not stored)."""
    by_key = {}
    for c in columns:
        by_key.setdefault(header_key(c), c)
    mapping, problems = {}, []
    for col in kind.columns:
        for candidate in (col.name, *col.aliases):
            if candidate in by_key:
                mapping[col.name] = by_key[candidate]
                break
        else:
            if col.required:
                problems.append(Problem("error", "missing_column",
                                        f"the {kind.name} file needs a column '{col.name}'"
                                        + (f" (or {', '.join(col.aliases)})" if col.aliases else ""), 1, col.name))
    used = set(mapping.values())
    for c in columns:
        if c not in used and not c.startswith("column "):
            problems.append(Problem("warning", "unknown_column", f"column '{c}' is not a {kind.name} column and is "
                                                                  "not stored", 1, c))
    return mapping, problems


def parse_row(kind: FileKind, mapping: dict[str, str], row: dict, row_number: int) -> tuple[dict, list[Problem]]:
    """One row's values by attribute and the problems of its cells."""
    values, raws, problems = {}, {}, []
    for col in kind.columns:
        header = mapping.get(col.name)
        raw = row.get(header) if header else None
        raw = raws[col.name] = None if raw is None else str(raw)
        try:
            value = col.parse(raw)
        except ParseProblem as pp:
            problems.append(Problem("error", pp.code, pp.reason, row_number, header or col.name, raw))
            continue
        if value is None and col.required:
            problems.append(Problem("error", "required", f"{col.name.replace('_', ' ')} is required", row_number,
                                    header or col.name, raw))
        values[col.name] = value
    if row.get("__extra__"):
        problems.append(Problem("error", "extra_cells", "the row has more cells than the header", row_number))
    problems.extend(row_problems(kind.name, values, raws, mapping, row_number))
    return values, problems


def row_problems(kind: str, v: dict, raws: dict, mapping: dict[str, str], row_number: int) -> list[Problem]:
    """Checks across the cells of one row (``v`` parsed values, ``raws`` the cells as written)."""
    out = []

    def err(code, reason, column):
        out.append(Problem("error", code, reason, row_number, mapping.get(column, column), raws.get(column)))

    if kind == "minimum-wage" and v.get("status") is None:
        v["status"] = "provisional"
    if kind == "exchange-rate" and v.get("base") and v.get("base") == v.get("quote"):
        err("same_currency", "base and quote are the same currency", "quote")
    if kind == "payments":
        if v.get("kind") in ("advance", "debt_repayment"):
            dated = v.get("paid_date") or v.get("agreed_pay_date")
            if v.get("period_start") is None and v.get("period_end") is None and dated is not None:
                v["period_start"] = v["period_end"] = dated
        for column in ("period_start", "period_end"):
            if column in v and v[column] is None:  # blank (a bad cell is reported already)
                err("required", f"{column.replace('_', ' ')} is required"
                    + (" (or a paid date for an advance or repayment)" if column == "period_start" else ""), column)
        start, end = v.get("period_start"), v.get("period_end")
        if start and end and end < start:
            err("period_reversed", f"period_end is before period_start {start.isoformat()}", "period_end")
        days = v.get("days_worked")
        if days is not None and start and end and days > (end - start).days + 1:
            err("too_many_days", f"more days worked than the {(end - start).days + 1} days of the period",
                "days_worked")
        if v.get("paid_date") and start and v["paid_date"] < start and v.get("kind") != "advance":
            err("paid_before_period", "paid before the period started (record it as an advance)", "paid_date")
    if kind == "sales":
        v["fairmined"] = bool(v.get("fairmined"))
        v["ecological"] = bool(v.get("ecological"))
        if v["ecological"] and not v["fairmined"]:
            err("ecological_not_fairmined", "ecological gold is a Fairmined category: set fairmined to yes",
                "ecological")
    return out


def read_file(path: Path, kind_name: str | None, *, reference_kinds: bool) -> tuple[FileKind, list, list[Problem]]:
    """(kind, [(row number, values)], problems) of a whole file; raises only when the file cannot be read."""
    from minewatch.adapters.tables import read_rows
    from minewatch.pay.errors import UnknownFileKind

    with read_rows(path) as reader:
        columns = list(reader.columns)
        if kind_name is None:
            kind_name = detect_kind(columns, reference_kinds=reference_kinds)
            if kind_name is None:
                options = [k for k, v in KINDS.items() if v.reference_kind == reference_kinds]
                raise UnknownFileKind(f"{Path(path).name}: cannot tell the kind from the header "
                                      f"({', '.join(columns)}); give --kind {'|'.join(options)}")
        kind = KINDS[kind_name]
        mapping, problems = map_header(kind, columns)
        rows = []
        if not any(p.is_error for p in problems):
            for row_number, row in reader:
                values, row_probs = parse_row(kind, mapping, row, row_number)
                problems.extend(row_probs)
                rows.append((row_number, values, mapping))
    return kind, rows, problems


def today_problems(kind: FileKind, rows: list, today: dt.date) -> list[Problem]:
    """Dates in the future (a price, rate or payment cannot be dated after today)."""
    out = []
    future_columns = {"reference": ("price_date",), "exchange-rate": ("rate_date",), "sales": ("sold_on",),
                      "payments": ("paid_date",)}.get(kind.name, ())
    for row_number, values, mapping in rows:
        for c in future_columns:
            if values.get(c) is not None and values[c] > today:
                out.append(Problem("error", "date_in_future", f"{values[c].isoformat()} is in the future", row_number,
                                   mapping.get(c, c), values[c].isoformat()))
    return out
