"""water quality: sampling points, samples, results

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('water_sampling_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('medium', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('position', sa.String(length=20), nullable=False),
    sa.Column('river', sa.String(length=120), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_water_sampling_points_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_water_sampling_points_site_id_sites'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_water_sampling_points')),
    sa.UniqueConstraint('org_id', 'code', 'medium', name=op.f('uq_water_sampling_points_org_id_code_medium'))
    )
    op.create_index(op.f('ix_water_sampling_points_site_id'), 'water_sampling_points', ['site_id'], unique=False)
    op.create_table('water_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('sampled_at', sa.DateTime(), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('sampled_by', sa.String(length=200), nullable=True),
    sa.Column('method', sa.String(length=200), nullable=True),
    sa.Column('lab', sa.String(length=200), nullable=True),
    sa.Column('custody_id', sa.String(length=120), nullable=True),
    sa.Column('source_file', sa.String(length=300), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_water_samples_batch_id_import_batches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_water_samples_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['point_id'], ['water_sampling_points.id'], name=op.f('fk_water_samples_point_id_water_sampling_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_water_samples')),
    sa.UniqueConstraint('org_id', 'point_id', 'sampled_at', 'label', name=op.f('uq_water_samples_org_id_point_id_sampled_at_label'))
    )
    op.create_index(op.f('ix_water_samples_point_id'), 'water_samples', ['point_id'], unique=False)
    op.create_table('water_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('parameter', sa.String(length=40), nullable=False),
    sa.Column('fraction', sa.String(length=12), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('censored', sa.String(length=1), nullable=True),
    sa.Column('detection_limit', sa.String(length=40), nullable=True),
    sa.Column('qualifier', sa.String(length=60), nullable=True),
    sa.Column('raw', sa.String(length=120), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_water_results_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sample_id'], ['water_samples.id'], name=op.f('fk_water_results_sample_id_water_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_water_results')),
    sa.UniqueConstraint('sample_id', 'parameter', 'fraction', name=op.f('uq_water_results_sample_id_parameter_fraction'))
    )
    op.create_index('ix_water_results_org_id_parameter', 'water_results', ['org_id', 'parameter'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_water_results_org_id_parameter', table_name='water_results')
    op.drop_table('water_results')
    op.drop_index(op.f('ix_water_samples_point_id'), table_name='water_samples')
    op.drop_table('water_samples')
    op.drop_index(op.f('ix_water_sampling_points_site_id'), table_name='water_sampling_points')
    op.drop_table('water_sampling_points')
