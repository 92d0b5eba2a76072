"""rain_alerts: rainfall watches and warnings raised per site and period (issue 8)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled by the rain alerts work


def downgrade() -> None:
    pass
