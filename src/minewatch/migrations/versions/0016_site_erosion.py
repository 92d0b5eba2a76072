"""site_hazards: RUSLE soil loss and sediment export inside each site; hazard_assessments.erosion (issue 9)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hazard_assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erosion', sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table('site_hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('soil_loss_mean_t_ha_yr', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('soil_loss_max_t_ha_yr', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('soil_loss_t_yr', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('sed_export_t_yr', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('erosion_level', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('erosion_area_m2', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('erosion_stream_area_m2', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('soil_loss_shares', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('site_hazards', schema=None) as batch_op:
        for name in ('soil_loss_shares', 'erosion_stream_area_m2', 'erosion_area_m2', 'erosion_level',
                     'sed_export_t_yr', 'soil_loss_t_yr', 'soil_loss_max_t_ha_yr', 'soil_loss_mean_t_ha_yr'):
            batch_op.drop_column(name)
    with op.batch_alter_table('hazard_assessments', schema=None) as batch_op:
        batch_op.drop_column('erosion')
