"""The pay and price findings page (``/pay``), its CSV export and the form to import reference data.

* ``GET /pay`` (``pay.read``): :func:`minewatch.pay.service.check_pay` as counts (by status, by check)
  and a table with each finding's numbers, the rule and reference used, or why it is not assessable.
  People appear by their external id; roles with ``people.read_names`` also see the name.
* ``GET /pay/findings.csv``: the same findings (same filters) as CSV, ids only.
* ``POST /pay/prices`` (``pay.write``): a reference prices, minimum wages or exchange rates file, taken
  in by :func:`minewatch.pay.service.import_prices` (the importer of ``minewatch prices import``): all
  rows or none; a bad file's problems (row, column, value, reason) are shown, status 422.

:func:`pay_findings` is shared with ``GET /api/v1/findings/pay``.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import InvalidInput, NotFound
from minewatch.pay.errors import PayImportRejected
from minewatch.pay.model import STATUSES
from minewatch.pay.service import check_pay, import_prices
from minewatch.web.deps import get_uow, require
from minewatch.web.pages.labour import check_choice, parse_date
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

CHECKS = ("minimum_wage", "fairmined_price", "fairmined_premium", "advances", "late_payment")
STATUS_ORDER = tuple(sorted(STATUSES, key=("breach", "not_assessable", "info", "ok").index))  # most urgent first
PRICE_KINDS = ("reference", "minimum-wage", "exchange-rate")  # the kinds of ``minewatch prices import``
PRICES_MAX_BYTES = 10 * 1024 * 1024
_FORM_OVERHEAD_BYTES = 64 * 1024
PROBLEMS_SHOWN = 200
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class PayFilters:
    """The filters as typed (shown back in the form)."""

    site: str = ""
    status: str = ""
    check: str = ""
    on: str = ""

    def query(self, **changes) -> str:
        values = {"site": self.site, "status": self.status, "check": self.check, "on": self.on} | changes
        pairs = [(k, v) for k, v in values.items() if v]
        return "?" + urlencode(pairs) if pairs else ""


def pay_findings(uow: UnitOfWork, actor, *, site: str | None = None, status: str | None = None,
                 check: str | None = None, on=None) -> tuple[list, list]:
    """(every finding of the site on the date, those that also match ``status`` and ``check``), from the
    one check of the pay service, most urgent first."""
    check_choice("status", status or "", STATUS_ORDER)
    check_choice("check", check or "", CHECKS)
    found = check_pay(uow, actor=actor, site_code=site or None, on=on)
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    shown = [f for f in found if (not status or f.status == status) and (not check or f.check == check)]
    shown.sort(key=lambda f: (order.get(f.status, 99), CHECKS.index(f.check) if f.check in CHECKS else 99,
                              f.site_code or "", f.subject))
    return found, shown


def _filters(site: str, status: str, check: str, on: str) -> PayFilters:
    return PayFilters(site=site.strip(), status=status.strip(), check=check.strip(), on=on.strip())


def _findings(uow, actor, filters: PayFilters) -> tuple[list, list]:
    return pay_findings(uow, actor, site=filters.site, status=filters.status or None, check=filters.check or None,
                        on=parse_date("on", filters.on))


def _number(raw: str) -> tuple[Decimal | None, int]:
    """A finding's number as a Decimal and its decimals (None for a date such as ``due``)."""
    try:
        value = Decimal(raw)
    except (InvalidOperation, TypeError):
        return None, 0
    return value, max(0, -value.as_tuple().exponent)


def _row(f, names: dict[str, str | None]) -> dict:
    numbers = [(key, raw, *_number(raw)) for key, raw in f.numbers.items()]
    return {"f": f, "numbers": numbers, "name": names.get(f.person) if f.person else None,
            "shortfall": _shown(f.numbers.get("shortfall")), "premium_due": _shown(f.numbers.get("premium_due"))}


def _shown(raw: str | None) -> tuple | None:
    return None if raw is None else (raw, *_number(raw))


def _page(request: Request, identity: Identity, uow: UnitOfWork, filters: PayFilters, *, status_code: int = 200,
          **extra):
    actor = identity.actor
    error = extra.pop("error", None)
    found, shown = [], []
    try:
        found, shown = _findings(uow, actor, filters)
    except InvalidInput as exc:
        error, status_code = exc.message, 422
    except NotFound as exc:  # a site code the organisation does not have
        error, status_code = exc.message, 404
    names: dict[str, str | None] = {}
    if actor.may("people.read_names"):
        from minewatch.people.service import person_names

        names = person_names(uow, actor=actor, external_ids=sorted({f.person for f in shown if f.person}))
    by_check: dict[str, Counter] = {}
    for f in found:
        by_check.setdefault(f.check, Counter())[f.status] += 1
    return render(request, "pay.html", {
        "filters": filters, "error": error, "rows": [_row(f, names) for f in shown], "total": len(found),
        "by_status": Counter(f.status for f in found), "by_check": [(c, by_check[c]) for c in CHECKS if c in by_check],
        "statuses": STATUS_ORDER, "checks": CHECKS, "price_kinds": PRICE_KINDS,
        "may_import": actor.may("pay.write"), "max_mb": PRICES_MAX_BYTES // (1024 * 1024),
        "problems_shown": PROBLEMS_SHOWN, **extra,
    }, status_code=status_code)


@router.get("/pay")
def pay_page(request: Request, site: str = "", status: str = "", check: str = "", on: str = "",
             identity: Identity = Depends(require("pay.read")), uow: UnitOfWork = Depends(get_uow)):
    return _page(request, identity, uow, _filters(site, status, check, on))


def _cell(text) -> str:
    """A cell a spreadsheet will not run as a formula (site codes and references come from imported files)."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_COLUMNS = ("status", "check", "site_code", "subject_type", "subject", "person", "on", "currency", "shortfall",
               "premium_due", "numbers", "reason", "rule")


@router.get("/pay/findings.csv")
def pay_findings_csv(site: str = "", status: str = "", check: str = "", on: str = "",
                     identity: Identity = Depends(require("pay.read")), uow: UnitOfWork = Depends(get_uow)):
    """The findings of ``/pay`` with the same filters, one per line, people by external id only."""
    _, shown = _findings(uow, identity.actor, _filters(site, status, check, on))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for f in shown:
        d = f.as_dict()
        d["shortfall"] = f.numbers.get("shortfall", "")
        d["premium_due"] = f.numbers.get("premium_due", "")
        d["numbers"] = "; ".join(f"{k}={v}" for k, v in f.numbers.items())
        writer.writerow([_cell(d[c]) for c in CSV_COLUMNS])
    return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="pay-findings.csv"',
                             "Cache-Control": "no-store"})


@router.post("/pay/prices")
def pay_import_prices(request: Request, file: UploadFile | None = File(None), kind: str = Form(""),
                      identity: Identity = Depends(require("pay.write")), uow: UnitOfWork = Depends(get_uow)):
    """Import a reference prices, minimum wages or exchange rates file; show what was stored or every problem."""
    filters = PayFilters()
    kind = kind.strip()

    def again(error: str, status_code: int, **extra):
        return _page(request, identity, uow, filters, status_code=status_code, import_error=error,
                     import_kind=kind, **extra)

    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > PRICES_MAX_BYTES + _FORM_OVERHEAD_BYTES:
        return again(f"the file is larger than {PRICES_MAX_BYTES // (1024 * 1024)} MB", 413)
    if file is None or not file.filename:
        return again("choose a file to import (CSV or XLSX)", 422)
    if kind and kind not in PRICE_KINDS:
        return again(f"kind {kind!r} is not one of: {', '.join(PRICE_KINDS)}", 422)
    name = _SAFE_NAME.sub("_", Path(file.filename).name).strip(" .") or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="mw-prices-") as folder:
        path = Path(folder) / name
        data = file.file.read(PRICES_MAX_BYTES + 1)
        if len(data) > PRICES_MAX_BYTES:
            return again(f"the file is larger than {PRICES_MAX_BYTES // (1024 * 1024)} MB", 413)
        path.write_bytes(data)
        try:
            report = import_prices(uow, actor=identity.actor, path=path, kind=kind or None)
        except PayImportRejected as exc:
            uow.rollback()
            problems = exc.report.problems
            return again(exc.message, 422, import_problems=problems[:PROBLEMS_SHOWN],
                         import_more=max(0, len(problems) - PROBLEMS_SHOWN))
        except InvalidInput as exc:  # unreadable file, unknown kind from the header
            uow.rollback()
            # The importer's messages are worded for the CLI (``--kind``) and may name the temporary path.
            message = exc.message.replace(folder + "/", "").replace("give --kind ", "choose what the file holds: ")
            return again(message, exc.http_status)
    return _page(request, identity, uow, filters, import_report=report)
