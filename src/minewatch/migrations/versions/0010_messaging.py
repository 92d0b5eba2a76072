"""messaging: inbound messages, USSD sessions, outbox, alert opt-ins

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('messaging_alert_optouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_messaging_alert_optouts_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messaging_alert_optouts')),
    sa.UniqueConstraint('org_id', 'phone_hash', name=op.f('uq_messaging_alert_optouts_org_id_phone_hash'))
    )
    op.create_table('messaging_inbound',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('provider_id', sa.String(length=120), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('case_number', sa.String(length=40), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_messaging_inbound_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messaging_inbound')),
    sa.UniqueConstraint('org_id', 'provider', 'provider_id', name=op.f('uq_messaging_inbound_org_id_provider_provider_id'))
    )
    op.create_table('messaging_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedup_key', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('phone_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('case_number', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=True),
    sa.Column('provider_message_id', sa.String(length=120), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_messaging_outbox_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messaging_outbox')),
    sa.UniqueConstraint('org_id', 'dedup_key', name=op.f('uq_messaging_outbox_org_id_dedup_key'))
    )
    op.create_index(op.f('ix_messaging_outbox_provider_message_id'), 'messaging_outbox', ['provider_message_id'], unique=False)
    op.create_index('ix_messaging_outbox_status_next', 'messaging_outbox', ['status', 'next_attempt_at'], unique=False)
    op.create_table('messaging_ussd_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('session_id', sa.String(length=120), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('steps', sa.Integer(), nullable=False),
    sa.Column('last_response', sa.Text(), nullable=True),
    sa.Column('action_text', sa.String(length=400), nullable=True),
    sa.Column('case_number', sa.String(length=40), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_messaging_ussd_sessions_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messaging_ussd_sessions')),
    sa.UniqueConstraint('org_id', 'provider', 'session_id', name=op.f('uq_messaging_ussd_sessions_org_id_provider_session_id'))
    )


def downgrade() -> None:
    op.drop_table('messaging_ussd_sessions')
    op.drop_index('ix_messaging_outbox_status_next', table_name='messaging_outbox')
    op.drop_index(op.f('ix_messaging_outbox_provider_message_id'), table_name='messaging_outbox')
    op.drop_table('messaging_outbox')
    op.drop_table('messaging_inbound')
    op.drop_table('messaging_alert_optouts')
