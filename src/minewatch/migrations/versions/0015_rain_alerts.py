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
    op.create_table('rain_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('threshold', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.JSON(), nullable=False),
    sa.Column('ratio', sa.Float(), nullable=True),
    sa.Column('duration_h', sa.Float(), nullable=True),
    sa.Column('intensity_mm_per_h', sa.Float(), nullable=True),
    sa.Column('basis', sa.String(length=10), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_rain_alerts_alert_id_alerts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_rain_alerts_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_rain_alerts_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rain_alerts')),
    sa.UniqueConstraint('org_id', 'site_id', 'period_start', 'level', name=op.f('uq_rain_alerts_org_id_site_id_period_start_level'))
    )
    op.create_index('ix_rain_alerts_org_id_id', 'rain_alerts', ['org_id', 'id'], unique=False)
    op.create_index(op.f('ix_rain_alerts_site_id'), 'rain_alerts', ['site_id'], unique=False)
    op.create_index(op.f('ix_rain_alerts_alert_id'), 'rain_alerts', ['alert_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rain_alerts_alert_id'), table_name='rain_alerts')
    op.drop_index(op.f('ix_rain_alerts_site_id'), table_name='rain_alerts')
    op.drop_index('ix_rain_alerts_org_id_id', table_name='rain_alerts')
    op.drop_table('rain_alerts')
