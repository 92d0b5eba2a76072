"""mercury: processing practices per site, gold production for release estimates

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mercury_gold_production',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('gold_kg', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_mercury_gold_production_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_mercury_gold_production_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mercury_gold_production')),
    sa.UniqueConstraint('org_id', 'site_id', 'period_start', 'period_end', name=op.f('uq_mercury_gold_production_org_id_site_id_period_start_period_end'))
    )
    op.create_table('mercury_practices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('practice', sa.String(length=40), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_mercury_practices_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_mercury_practices_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['site_visits.id'], name=op.f('fk_mercury_practices_visit_id_site_visits'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mercury_practices')),
    sa.UniqueConstraint('org_id', 'site_id', 'practice', 'observed_on', name=op.f('uq_mercury_practices_org_id_site_id_practice_observed_on'))
    )


def downgrade() -> None:
    op.drop_table('mercury_practices')
    op.drop_table('mercury_gold_production')
