"""Use cases of pay and price: import prices, wages and rates; import payments and sales; run the checks.

Imports are all-or-nothing (any error: nothing is stored, every problem is reported with row, column and
value) and idempotent (each row is keyed, see ``repository.NATURAL_KEYS``; a row whose content did not
change is left alone, so importing a file twice changes nothing the second time). Every row created or
changed is audited with its content digest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from minewatch.adapters.db import UnitOfWork, utcnow
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import NotFound, PermissionDenied
from minewatch.kit.findings import Problem
from minewatch.pay import importing
from minewatch.pay import repository as repo
from minewatch.pay.errors import PayImportRejected
from minewatch.pay.model import (ExchangeRate, MinimumWage, Payment, PayFinding, PayRules, ReferencePrice, Sale,
                                 run_checks)
from minewatch.pay.orm import PayPayment, PaySale


@dataclass
class PayImportReport:
    kind: str
    file_name: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "file_name": self.file_name, "rows_read": self.rows_read,
                "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
                "problems": [p.as_dict() for p in self.problems]}


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def import_prices(uow: UnitOfWork, *, actor, path: Path, kind: str | None = None,
                  today: dt.date | None = None) -> PayImportReport:
    """Reference prices, minimum wages or exchange rates from a file (kind from the header when not given)."""
    return _import(uow, actor=actor, path=Path(path), kind=kind, reference_kinds=True, today=today)


def import_pay_records(uow: UnitOfWork, *, actor, path: Path, kind: str | None = None,
                       today: dt.date | None = None) -> PayImportReport:
    """Payments to people or mineral sales of sites from a file."""
    return _import(uow, actor=actor, path=Path(path), kind=kind, reference_kinds=False, today=today)


def _import(uow: UnitOfWork, *, actor, path: Path, kind: str | None, reference_kinds: bool,
            today: dt.date | None) -> PayImportReport:
    _require(actor, "pay.write", "record pay and price data")
    today = today or utcnow().date()
    file_kind, rows, problems = importing.read_file(path, kind, reference_kinds=reference_kinds)
    report = PayImportReport(file_kind.name, path.name, rows_read=len(rows))
    problems.extend(importing.today_problems(file_kind, rows, today))
    model = file_kind.model
    keys = repo.NATURAL_KEYS[model]
    s = uow.session

    seen: dict[tuple, int] = {}
    for row_number, values, mapping in rows:
        key = tuple(values.get(k) for k in keys)
        if None in key:
            continue
        if key in seen:
            problems.append(Problem("error", "duplicate_key", f"repeats row {seen[key]} (same "
                                    f"{', '.join(k.replace('_', ' ') for k in keys)})", row_number,
                                    mapping.get(keys[-1], keys[-1]), str(key[-1])))
        else:
            seen[key] = row_number

    if model in (PayPayment, PaySale):
        sites = repo.site_ids_by_code(s, actor, (v["site_code"] for _, v, _ in rows if v.get("site_code")))
        people = (repo.person_ids_by_external_id(s, actor, (v["person"] for _, v, _ in rows if v.get("person")))
                  if model is PayPayment else {})
        for row_number, values, mapping in rows:
            code = values.pop("site_code", None)
            if code is not None:
                if code in sites:
                    values["site_id"] = sites[code]
                else:
                    problems.append(Problem("error", "unknown_site", f"no site '{code}' in organisation "
                                            f"'{actor.org_slug}'", row_number, mapping.get("site_code"), code))
            if model is PayPayment:
                person = values.pop("person", None)
                if person is not None:
                    if person in people:
                        values["person_id"] = people[person]
                    else:
                        problems.append(Problem("error", "unknown_person", f"no person '{person}' in organisation "
                                                f"'{actor.org_slug}'", row_number, mapping.get("person"), person))

    problems.sort(key=lambda p: (p.row or 0, p.severity != "error"))
    report.problems = problems
    errors = [p for p in problems if p.is_error]
    if errors:
        raise PayImportRejected(f"{path.name}: {len(errors)} error(s), nothing was stored; first: "
                                f"{errors[0].describe()}", report=report)

    stored = repo.stored_by_key(s, actor, model)
    log = AuditLog(s, actor, context=f"pay import {file_kind.name}")
    changed = []
    for _, values, _ in rows:
        key = tuple(values[k] for k in keys)
        content = digest(values)
        row = stored.get(key)
        if row is None:
            row = model(org_id=actor.org_id, content_digest=content, **values)
            s.add(row)
            changed.append(("created", row, None, content))
            report.inserted += 1
        elif row.content_digest == content:
            report.unchanged += 1
        else:
            before = row.content_digest
            for name, value in values.items():
                setattr(row, name, value)
            row.content_digest = content
            changed.append(("updated", row, before, content))
            report.updated += 1
    s.flush()
    for action, row, before, after in changed:
        log.record(action, file_kind.entity_type, row.id, before=before, after=after)
    log.flush()
    uow.commit()
    return report


def check_pay(uow: UnitOfWork, *, actor, site_code: str | None = None, on: dt.date | None = None,
              rules: PayRules = PayRules()) -> list[PayFinding]:
    """Every pay and price check over the organisation's records (or one site's) as of ``on``."""
    _require(actor, "pay.read", "read pay and price data")
    on = on or utcnow().date()
    s = uow.session
    if site_code is not None and not repo.site_exists(s, actor, site_code):
        raise NotFound(f"no site '{site_code}' in organisation '{actor.org_slug}'", code="site_not_found")
    payments = [Payment(p.external_id, person, code, p.kind, p.amount, p.currency, p.period_start, p.period_end,
                        p.days_worked, p.agreed_pay_date, p.paid_date)
                for p, person, code in repo.payments(s, actor, site_code)]
    sales = [Sale(x.external_id, code, x.sold_on, x.mineral, x.quantity, x.quantity_unit, x.fineness, x.price_paid,
                  x.currency, x.buyer, x.fairmined, x.ecological)
             for x, code in repo.sales(s, actor, site_code)]
    prices = [ReferencePrice(p.commodity, p.price_date, p.price, p.currency, p.unit, p.source)
              for p in repo.reference_prices(s, actor)]
    wages = [MinimumWage(w.country, w.basis, w.amount, w.currency, w.effective_from, w.source, w.status)
             for w in repo.minimum_wages(s, actor)]
    rates = [ExchangeRate(r.rate_date, r.base, r.quote, r.rate, r.source) for r in repo.exchange_rates(s, actor)]
    return run_checks(payments=payments, sales=sales, prices=prices, wages=wages, rates=rates,
                      site_countries=repo.site_countries(s, actor), on=on, rules=rules)
