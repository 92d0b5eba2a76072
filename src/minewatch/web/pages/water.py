"""Pages of issue 6 (water): filled in by the web work of issue 6."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
