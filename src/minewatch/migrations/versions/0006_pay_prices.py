"""pay and price: payments, mineral sales, reference prices, minimum wages, exchange rates

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pay_exchange_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rate_date', sa.Date(), nullable=False),
    sa.Column('base', sa.String(length=3), nullable=False),
    sa.Column('quote', sa.String(length=3), nullable=False),
    sa.Column('rate', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_pay_exchange_rates_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_exchange_rates')),
    sa.UniqueConstraint('org_id', 'base', 'quote', 'rate_date', name=op.f('uq_pay_exchange_rates_org_id_base_quote_rate_date'))
    )
    op.create_table('pay_minimum_wages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('basis', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_pay_minimum_wages_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_minimum_wages')),
    sa.UniqueConstraint('org_id', 'country', 'basis', 'effective_from', name=op.f('uq_pay_minimum_wages_org_id_country_basis_effective_from'))
    )
    op.create_table('pay_reference_prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commodity', sa.String(length=40), nullable=False),
    sa.Column('price_date', sa.Date(), nullable=False),
    sa.Column('price', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_pay_reference_prices_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_reference_prices')),
    sa.UniqueConstraint('org_id', 'commodity', 'price_date', name=op.f('uq_pay_reference_prices_org_id_commodity_price_date'))
    )
    op.create_table('pay_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('days_worked', sa.String(length=40), nullable=True),
    sa.Column('agreed_pay_date', sa.Date(), nullable=True),
    sa.Column('paid_date', sa.Date(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_pay_payments_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_pay_payments_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_pay_payments_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_payments')),
    sa.UniqueConstraint('org_id', 'external_id', name=op.f('uq_pay_payments_org_id_external_id'))
    )
    op.create_index(op.f('ix_pay_payments_person_id'), 'pay_payments', ['person_id'], unique=False)
    op.create_index(op.f('ix_pay_payments_site_id'), 'pay_payments', ['site_id'], unique=False)
    op.create_table('pay_sales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('sold_on', sa.Date(), nullable=False),
    sa.Column('mineral', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.String(length=40), nullable=False),
    sa.Column('quantity_unit', sa.String(length=20), nullable=False),
    sa.Column('fineness', sa.String(length=40), nullable=True),
    sa.Column('price_paid', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('buyer', sa.String(length=200), nullable=True),
    sa.Column('fairmined', sa.Boolean(), nullable=False),
    sa.Column('ecological', sa.Boolean(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_pay_sales_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_pay_sales_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_sales')),
    sa.UniqueConstraint('org_id', 'external_id', name=op.f('uq_pay_sales_org_id_external_id'))
    )
    op.create_index(op.f('ix_pay_sales_site_id'), 'pay_sales', ['site_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pay_sales_site_id'), table_name='pay_sales')
    op.drop_table('pay_sales')
    op.drop_index(op.f('ix_pay_payments_site_id'), table_name='pay_payments')
    op.drop_index(op.f('ix_pay_payments_person_id'), table_name='pay_payments')
    op.drop_table('pay_payments')
    op.drop_table('pay_reference_prices')
    op.drop_table('pay_minimum_wages')
    op.drop_table('pay_exchange_rates')
