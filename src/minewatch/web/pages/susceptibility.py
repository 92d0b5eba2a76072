"""Pages of landslide susceptibility: the validation report with its ROC curve and the map layer (issue 8)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
