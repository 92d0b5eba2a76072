"""indexes for pages in id order within an organisation (REST API, OGC API)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TABLES = ("sites", "site_visits", "concessions", "people", "memberships", "assignments", "cooperatives")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_org_id_id", table, ["org_id", "id"], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_org_id_id", table_name=table)
