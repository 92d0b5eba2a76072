"""Pages of alerts: the list of alerts sent and raised by rainfall, with delivery state (issue 8)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
