"""rainfall: stations and series, their observations, and import reports (issue 8)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled by the rain ingest work


def downgrade() -> None:
    pass
