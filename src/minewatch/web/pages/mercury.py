"""Pages of mercury (issue 6, part 7): the baseline a National Action Plan asks for (Minamata Convention
Annex C paragraph 1(d)) at a chosen level, the worst-practice findings (Annex C paragraph 1(b)(i..iv)), the
release estimates with their assumptions and the Hg:Au ratios (provisional ones marked), and the baseline
as CSV.

Every number comes from ``mercury.service`` (``baseline`` and ``estimate``, with the default ratios, as
``minewatch mercury baseline`` and ``minewatch mercury estimate`` without ``--ratios``).
"""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.errors import InvalidInput
from minewatch.web.deps import get_uow, require
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

DEFAULT_LEVEL = "country"


def _levels() -> dict[str, tuple[str, ...]]:
    from minewatch.mercury.service import LEVELS

    return dict(LEVELS)


def _level(level: str) -> str:
    levels = _levels()
    if level not in levels:
        raise InvalidInput(f"level {level!r} is not one of: {', '.join(levels)}")
    return level


def worst_label(paragraph: str) -> str:
    """``Minamata Convention Annex C paragraph 1(b)(i)`` -> ``1(b)(i)``."""
    return paragraph.rsplit(" ", 1)[-1]


@router.get("/mercury")
def mercury_page(request: Request, level: str = DEFAULT_LEVEL, identity: Identity = Depends(require("registry.read")),
                 uow: UnitOfWork = Depends(get_uow)):
    from minewatch.mercury.model import PRACTICES
    from minewatch.mercury.service import baseline, estimate

    error = None
    try:
        level = _level(level.strip())
    except InvalidInput as exc:
        error, level = exc.message, DEFAULT_LEVEL
    base = baseline(uow, actor=identity.actor)
    est = estimate(uow, actor=identity.actor)
    return render(request, "mercury_baseline.html", {
        "level": level, "levels": list(_levels()), "keys": _levels()[level], "base": base,
        "rows": base["levels"][level], "est": est, "error": error, "practices": PRACTICES,
        "worst_label": worst_label,
    }, status_code=422 if error else 200)


def _cell(value) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_COLUMNS = ("sites", "sites_using_mercury", "sites_mercury_free", "sites_without_observation", "gold_kg",
               "mercury_kg_estimated", "mercury_kg_low", "mercury_kg_high")


@router.get("/mercury/baseline.csv")
def mercury_baseline_csv(request: Request, level: str = DEFAULT_LEVEL,
                         identity: Identity = Depends(require("registry.read")), uow: UnitOfWork = Depends(get_uow)):
    """The baseline at one level as CSV: one row per site/district/province/country, the same figures as
    ``minewatch mercury baseline --json`` (``levels[level]``); practices, worst practices and releases as
    ``key=value`` lists separated by ``;``."""
    from minewatch.mercury.service import baseline

    level = _level(level.strip())
    keys = _levels()[level]
    base = baseline(uow, actor=identity.actor)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*keys, *CSV_COLUMNS, "released_to_kg", "practices", "worst_practices", "data_years"])

    def pairs(d: dict) -> str:
        return "; ".join(f"{k}={v}" for k, v in d.items())

    for row in base["levels"][level]:
        writer.writerow([_cell(row[k]) for k in keys] + [_cell(row[c]) for c in CSV_COLUMNS]
                        + [_cell(pairs(row["released_to_kg"])), _cell(pairs(row["practices"])),
                           _cell(pairs(row["worst_practices"])), " ".join(str(y) for y in row["data_years"])])
    return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="mercury-baseline-{level}.csv"',
                             "Cache-Control": "no-store"})
