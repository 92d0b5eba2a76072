"""alerts: alerts to miners and their recipients

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_key', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('template', sa.String(length=40), nullable=True),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('segments', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('site_codes', sa.JSON(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('skipped', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_alerts_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('org_id', 'request_key', name=op.f('uq_alerts_org_id_request_key'))
    )
    op.create_index('ix_alerts_org_id_id', 'alerts', ['org_id', 'id'], unique=False)
    op.create_table('alert_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_recipients_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_alert_recipients_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_id'], ['messaging_outbox.id'], name=op.f('fk_alert_recipients_outbox_id_messaging_outbox'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_alert_recipients_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_recipients')),
    sa.UniqueConstraint('alert_id', 'person_id', name=op.f('uq_alert_recipients_alert_id_person_id'))
    )
    op.create_index(op.f('ix_alert_recipients_alert_id'), 'alert_recipients', ['alert_id'], unique=False)
    op.create_index(op.f('ix_alert_recipients_person_id'), 'alert_recipients', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_alert_recipients_person_id'), table_name='alert_recipients')
    op.drop_index(op.f('ix_alert_recipients_alert_id'), table_name='alert_recipients')
    op.drop_table('alert_recipients')
    op.drop_index('ix_alerts_org_id_id', table_name='alerts')
    op.drop_table('alerts')
