"""child labour cases (CLMRS): cases, remediation actions, follow-ups

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('child_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('source_type', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=True),
    sa.Column('classification', sa.String(length=30), nullable=True),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('identified_on', sa.Date(), nullable=False),
    sa.Column('child_name', sa.String(length=200), nullable=True),
    sa.Column('child_sex', sa.String(length=10), nullable=True),
    sa.Column('child_birth_date', sa.Date(), nullable=True),
    sa.Column('child_birth_year', sa.Integer(), nullable=True),
    sa.Column('guardian_name', sa.String(length=200), nullable=True),
    sa.Column('household_location', sa.String(length=300), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('episode', sa.Integer(), nullable=False),
    sa.Column('next_followup_due', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('close_reason', sa.String(length=20), nullable=True),
    sa.Column('close_reason_text', sa.String(length=300), nullable=True),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_child_cases_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_child_cases_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_child_cases_site_id_sites'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child_cases'))
    )
    op.create_index('ix_child_cases_org_due', 'child_cases', ['org_id', 'next_followup_due'], unique=False)
    op.create_index('ix_child_cases_org_id_id', 'child_cases', ['org_id', 'id'], unique=False)
    op.create_index(op.f('ix_child_cases_person_id'), 'child_cases', ['person_id'], unique=False)
    op.create_index(op.f('ix_child_cases_site_id'), 'child_cases', ['site_id'], unique=False)

    op.create_table('case_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('provider', sa.String(length=200), nullable=True),
    sa.Column('cost_amount', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('cost_currency', sa.String(length=3), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['child_cases.id'], name=op.f('fk_case_actions_case_id_child_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_case_actions_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_actions'))
    )
    op.create_index('ix_case_actions_case_id', 'case_actions', ['case_id'], unique=False)

    op.create_table('case_followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('followed_up_on', sa.Date(), nullable=False),
    sa.Column('episode', sa.Integer(), nullable=False),
    sa.Column('followed_up_by', sa.String(length=254), nullable=False),
    sa.Column('in_child_labour', sa.Boolean(), nullable=False),
    sa.Column('in_school', sa.Boolean(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['child_cases.id'], name=op.f('fk_case_followups_case_id_child_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_case_followups_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_followups'))
    )
    op.create_index('ix_case_followups_case_id', 'case_followups', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_case_followups_case_id', table_name='case_followups')
    op.drop_table('case_followups')
    op.drop_index('ix_case_actions_case_id', table_name='case_actions')
    op.drop_table('case_actions')
    op.drop_index(op.f('ix_child_cases_site_id'), table_name='child_cases')
    op.drop_index(op.f('ix_child_cases_person_id'), table_name='child_cases')
    op.drop_index('ix_child_cases_org_id_id', table_name='child_cases')
    op.drop_index('ix_child_cases_org_due', table_name='child_cases')
    op.drop_table('child_cases')
