"""hazard assessments (landslide runs over the sites) and their per-site results

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hazard_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('code_version', sa.String(length=40), nullable=False),
    sa.Column('buffer_m', sa.Float(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('thresholds', sa.JSON(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_hazard_assessments_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_assessments'))
    )
    op.create_index('ix_hazard_assessments_org_id_id', 'hazard_assessments', ['org_id', 'id'], unique=False)

    op.create_table('site_hazards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('covered', sa.Boolean(), nullable=False),
    sa.Column('area_m2', sa.Float(), nullable=True),
    sa.Column('area_fs_below_1_m2', sa.Float(), nullable=True),
    sa.Column('share_fs_below_1', sa.Float(), nullable=True),
    sa.Column('pfail_max', sa.Float(), nullable=True),
    sa.Column('pfail_mean', sa.Float(), nullable=True),
    sa.Column('upslope_area_max_m2', sa.Float(), nullable=True),
    sa.Column('people_exposed', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('map_path', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['hazard_assessments.id'], name=op.f('fk_site_hazards_assessment_id_hazard_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_hazards_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_site_hazards_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_hazards')),
    sa.UniqueConstraint('assessment_id', 'site_id', name=op.f('uq_site_hazards_assessment_id_site_id'))
    )
    op.create_index('ix_site_hazards_org_site', 'site_hazards', ['org_id', 'site_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_site_hazards_org_site', table_name='site_hazards')
    op.drop_table('site_hazards')
    op.drop_index('ix_hazard_assessments_org_id_id', table_name='hazard_assessments')
    op.drop_table('hazard_assessments')
