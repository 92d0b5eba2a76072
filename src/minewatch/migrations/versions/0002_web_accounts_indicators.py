"""web: sessions, API tokens, login failures, user language, site publishing, site indicators

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisations') as batch_op:
        batch_op.add_column(sa.Column('publishes_sites', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))

    op.create_table('web_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_sessions_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_web_sessions_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_web_sessions'))
    )
    op.create_index(op.f('ix_web_sessions_user_id'), 'web_sessions', ['user_id'], unique=False)
    op.create_index(op.f('ix_web_sessions_expires_at'), 'web_sessions', ['expires_at'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_api_tokens_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_org_id'), 'api_tokens', ['org_id'], unique=False)

    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    op.create_index(op.f('ix_login_failures_key'), 'login_failures', ['key'], unique=False)

    op.create_table('site_indicators',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('visit_count', sa.Integer(), nullable=False),
    sa.Column('workers_count', sa.Integer(), nullable=True),
    sa.Column('mercury_used', sa.Boolean(), nullable=True),
    sa.Column('children_seen', sa.Boolean(), nullable=True),
    sa.Column('armed_interference', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_indicators_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_site_indicators_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['site_visits.id'], name=op.f('fk_site_indicators_visit_id_site_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_site_indicators'))
    )
    op.create_index(op.f('ix_site_indicators_org_id'), 'site_indicators', ['org_id'], unique=False)
    # Existing databases: derive the indicators of the visits already stored.
    op.execute("""
        INSERT INTO site_indicators (site_id, org_id, visit_id, visit_date, visit_count, workers_count,
                                     mercury_used, children_seen, armed_interference)
        SELECT site_id, org_id, id, visit_date, n, workers_count, mercury_used,
               CASE WHEN children_under15_present OR children_under15_working OR children_15_17_present
                         OR children_15_17_working THEN TRUE
                    WHEN children_under15_present IS NULL AND children_under15_working IS NULL
                         AND children_15_17_present IS NULL AND children_15_17_working IS NULL THEN NULL
                    ELSE FALSE END,
               armed_interference
        FROM (SELECT v.*, row_number() OVER (PARTITION BY site_id ORDER BY visit_date DESC, id DESC) AS rk,
                     count(*) OVER (PARTITION BY site_id) AS n
              FROM site_visits v) ranked
        WHERE rk = 1
    """)


def downgrade() -> None:
    op.drop_table('site_indicators')
    op.drop_table('login_failures')
    op.drop_table('api_tokens')
    op.drop_table('web_sessions')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('organisations') as batch_op:
        batch_op.drop_column('publishes_sites')
