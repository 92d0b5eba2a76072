"""Pages of alerts: the list of alerts sent and raised by rainfall, with delivery state (issue 8).

Every figure comes from ``alerts.service`` (``list_alerts``, ``alert_status``), as ``minewatch alerts list``
and ``minewatch alerts show``: recipients appear by person id, language and delivery status only (no name,
no phone).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from minewatch.accounts.web_auth import Identity
from minewatch.adapters.db import UnitOfWork
from minewatch.web.deps import get_uow, require
from minewatch.web.templating import render

router = APIRouter(include_in_schema=False)

READ = "grievances.read"  # as alerts.service asks
STATUSES = ("queued", "sent", "delivered", "failed")


@router.get("/alerts")
def alerts_page(request: Request, identity: Identity = Depends(require(READ)), uow: UnitOfWork = Depends(get_uow)):
    from minewatch.alerts.service import list_alerts

    views = list_alerts(uow, actor=identity.actor, limit=200)
    return render(request, "alerts.html", {"alerts": views, "statuses": STATUSES})


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: int, identity: Identity = Depends(require(READ)),
               uow: UnitOfWork = Depends(get_uow)):
    from minewatch.alerts.service import alert_status

    view = alert_status(uow, actor=identity.actor, alert_id=alert_id)  # NotFound -> the 404 page
    return render(request, "alert.html", {"alert": view, "statuses": STATUSES})
