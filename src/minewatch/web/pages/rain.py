"""Pages of rainfall: the chart per site with threshold lines (issue 8)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
