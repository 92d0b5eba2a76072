"""indexes for pages in id order within an organisation (REST API, OGC API), and a covering box index

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
    # SQLite answers a box from this index alone (PostgreSQL uses the GiST index on geom).
    op.drop_index("ix_sites_geometry_type_min_lat", table_name="sites")
    op.create_index("ix_sites_box", "sites", ["geometry_type", "min_lat", "min_lon", "org_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sites_box", table_name="sites")
    op.create_index("ix_sites_geometry_type_min_lat", "sites", ["geometry_type", "min_lat"], unique=False)
    for table in TABLES:
        op.drop_index(f"ix_{table}_org_id_id", table_name=table)
