"""site_hazards: the landslide susceptibility inside each site (issue 8)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('site_hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('susceptibility_mean', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('susceptibility_max', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('susceptibility_level', sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('site_hazards', schema=None) as batch_op:
        batch_op.drop_column('susceptibility_level')
        batch_op.drop_column('susceptibility_max')
        batch_op.drop_column('susceptibility_mean')
