"""grievances: reports, grievance cases with stages and SLAs, reporter contacts (hashed)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('grievances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('annex_ii', sa.String(length=60), nullable=True),
    sa.Column('serious', sa.Boolean(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('site_source', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('consent_replies', sa.Boolean(), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('stage_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('public_answer', sa.Text(), nullable=True),
    sa.Column('child_case_id', sa.Integer(), nullable=True),
    sa.Column('child_case_link', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_grievances_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_case_id'], ['child_cases.id'], name=op.f('fk_grievances_child_case_id_child_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_grievances_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_grievances_site_id_sites'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grievances')),
    sa.UniqueConstraint('org_id', 'case_number', name=op.f('uq_grievances_org_id_case_number')),
    sa.UniqueConstraint('org_id', 'channel', 'external_id', name=op.f('uq_grievances_org_id_channel_external_id'))
    )
    op.create_index('ix_grievances_org_stage', 'grievances', ['org_id', 'stage'], unique=False)
    op.create_index(op.f('ix_grievances_phone_hash'), 'grievances', ['phone_hash'], unique=False)
    op.create_table('grievance_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grievance_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['grievance_id'], ['grievances.id'], name=op.f('fk_grievance_entries_grievance_id_grievances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_grievance_entries_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grievance_entries')),
    sa.UniqueConstraint('org_id', 'channel', 'external_id', name=op.f('uq_grievance_entries_org_id_channel_external_id'))
    )
    op.create_index('ix_grievance_entries_grievance', 'grievance_entries', ['grievance_id'], unique=False)
    op.create_table('grievance_escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grievance_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['grievance_id'], ['grievances.id'], name=op.f('fk_grievance_escalations_grievance_id_grievances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_grievance_escalations_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grievance_escalations')),
    sa.UniqueConstraint('grievance_id', 'role', name=op.f('uq_grievance_escalations_grievance_id_role'))
    )
    op.create_table('grievance_pin_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grievance_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['grievance_id'], ['grievances.id'], name=op.f('fk_grievance_pin_checks_grievance_id_grievances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_grievance_pin_checks_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grievance_pin_checks'))
    )
    op.create_index('ix_grievance_pin_checks_case_time', 'grievance_pin_checks', ['grievance_id', 'checked_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_grievance_pin_checks_case_time', table_name='grievance_pin_checks')
    op.drop_table('grievance_pin_checks')
    op.drop_table('grievance_escalations')
    op.drop_index('ix_grievance_entries_grievance', table_name='grievance_entries')
    op.drop_table('grievance_entries')
    op.drop_index(op.f('ix_grievances_phone_hash'), table_name='grievances')
    op.drop_index('ix_grievances_org_stage', table_name='grievances')
    op.drop_table('grievances')
