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
    op.create_table('rain_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('step_s', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('source_file', sa.String(length=300), nullable=True),
    sa.Column('source_sha256', sa.String(length=64), nullable=True),
    sa.Column('tz', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_rain_series_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_rain_series_site_id_sites'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rain_series')),
    sa.UniqueConstraint('org_id', 'key', 'kind', name=op.f('uq_rain_series_org_id_key_kind'))
    )
    op.create_index(op.f('ix_rain_series_site_id'), 'rain_series', ['site_id'], unique=False)
    op.create_table('rain_observations',
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('start_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('depth_mm', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['series_id'], ['rain_series.id'], name=op.f('fk_rain_observations_series_id_rain_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('series_id', 'start_utc', name=op.f('pk_rain_observations'))
    )


def downgrade() -> None:
    op.drop_table('rain_observations')
    op.drop_index(op.f('ix_rain_series_site_id'), table_name='rain_series')
    op.drop_table('rain_series')
