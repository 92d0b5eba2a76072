"""tree plans, plantings and survival checks (issue 10)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tree_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('area_name', sa.String(length=300), nullable=True),
    sa.Column('objective', sa.String(length=20), nullable=False),
    sa.Column('budget_value', sa.Float(), nullable=False),
    sa.Column('budget_unit', sa.String(length=10), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('files_path', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=True),
    sa.Column('adopted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_tree_plans_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_tree_plans_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tree_plans'))
    )
    op.create_index('ix_tree_plans_org_site', 'tree_plans', ['org_id', 'site_id'], unique=False)
    op.create_table('plantings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('species_id', sa.String(length=120), nullable=False),
    sa.Column('planted_on', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('area_ha', sa.Float(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=254), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.Column('geom_wkb', sa.LargeBinary(), nullable=True),
    sa.Column('geometry_type', sa.String(length=20), nullable=True),
    sa.Column('min_lon', sa.Float(), nullable=True),
    sa.Column('min_lat', sa.Float(), nullable=True),
    sa.Column('max_lon', sa.Float(), nullable=True),
    sa.Column('max_lat', sa.Float(), nullable=True),
    sa.CheckConstraint('area_ha IS NULL OR area_ha > 0', name=op.f('ck_plantings_area_positive')),
    sa.CheckConstraint('count > 0', name=op.f('ck_plantings_count_positive')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_plantings_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['tree_plans.id'], name=op.f('fk_plantings_plan_id_tree_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_plantings_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plantings')),
    sa.UniqueConstraint('org_id', 'external_id', name=op.f('uq_plantings_org_id_external_id'))
    )
    op.create_index(op.f('ix_plantings_plan_id'), 'plantings', ['plan_id'], unique=False)
    op.create_index('ix_plantings_site_planted', 'plantings', ['site_id', 'planted_on'], unique=False)
    op.create_table('survival_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('planting_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('alive', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=60), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=254), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.CheckConstraint('alive >= 0', name=op.f('ck_survival_checks_alive_not_negative')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_survival_checks_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['planting_id'], ['plantings.id'], name=op.f('fk_survival_checks_planting_id_plantings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survival_checks')),
    sa.UniqueConstraint('org_id', 'external_id', name=op.f('uq_survival_checks_org_id_external_id'))
    )
    op.create_index('ix_survival_checks_planting_checked', 'survival_checks', ['planting_id', 'checked_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_survival_checks_planting_checked', table_name='survival_checks')
    op.drop_table('survival_checks')
    op.drop_index('ix_plantings_site_planted', table_name='plantings')
    op.drop_index(op.f('ix_plantings_plan_id'), table_name='plantings')
    op.drop_table('plantings')
    op.drop_index('ix_tree_plans_org_site', table_name='tree_plans')
    op.drop_table('tree_plans')
