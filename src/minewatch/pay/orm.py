"""Tables of pay and price. Money, masses, rates and fineness are exact decimals stored as text: SQLite has
no decimal type (it would round them through binary floats), and text compares equal on both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base
from minewatch.adapters.orm_common import OrgOwned, Tracked


class DecimalText(sa.types.TypeDecorator):
    """A :class:`~decimal.Decimal` stored as its exact text (``str(Decimal)``)."""

    impl = sa.String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


class PayPayment(OrgOwned, Tracked, Base):
    """A payment to a person for a period: wage, production share, piece rate, advance or debt repayment."""

    __tablename__ = "pay_payments"
    __table_args__ = (sa.UniqueConstraint("org_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(120))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[Decimal] = mapped_column(DecimalText)
    currency: Mapped[str] = mapped_column(sa.String(3))
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)
    days_worked: Mapped[Decimal | None] = mapped_column(DecimalText)
    agreed_pay_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    paid_date: Mapped[dt.date | None] = mapped_column(sa.Date)


class PaySale(OrgOwned, Tracked, Base):
    """A sale of mineral from a site: quantity, fineness, the price paid for the lot (without premium), buyer."""

    __tablename__ = "pay_sales"
    __table_args__ = (sa.UniqueConstraint("org_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(120))
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    sold_on: Mapped[dt.date] = mapped_column(sa.Date)
    mineral: Mapped[str] = mapped_column(sa.String(40))
    quantity: Mapped[Decimal] = mapped_column(DecimalText)
    quantity_unit: Mapped[str] = mapped_column(sa.String(20))  # pint name
    fineness: Mapped[Decimal | None] = mapped_column(DecimalText)  # a fraction, 0 < f <= 1
    price_paid: Mapped[Decimal] = mapped_column(DecimalText)
    currency: Mapped[str] = mapped_column(sa.String(3))
    buyer: Mapped[str | None] = mapped_column(sa.String(200))
    fairmined: Mapped[bool] = mapped_column(sa.Boolean)
    ecological: Mapped[bool] = mapped_column(sa.Boolean)


class PayReferencePrice(OrgOwned, Tracked, Base):
    """A published reference price (LBMA gold, LME tin) of one commodity on one date."""

    __tablename__ = "pay_reference_prices"
    __table_args__ = (sa.UniqueConstraint("org_id", "commodity", "price_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commodity: Mapped[str] = mapped_column(sa.String(40))
    price_date: Mapped[dt.date] = mapped_column(sa.Date)
    price: Mapped[Decimal] = mapped_column(DecimalText)
    currency: Mapped[str] = mapped_column(sa.String(3))
    unit: Mapped[str] = mapped_column(sa.String(20))  # pint name
    source: Mapped[str] = mapped_column(sa.String(300))


class PayMinimumWage(OrgOwned, Tracked, Base):
    """A country's legal minimum wage per day or month from a date, with its legal source."""

    __tablename__ = "pay_minimum_wages"
    __table_args__ = (sa.UniqueConstraint("org_id", "country", "basis", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2))
    basis: Mapped[str] = mapped_column(sa.String(10))  # day | month
    amount: Mapped[Decimal] = mapped_column(DecimalText)
    currency: Mapped[str] = mapped_column(sa.String(3))
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    source: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[str] = mapped_column(sa.String(20))  # verified | provisional


class PayExchangeRate(OrgOwned, Tracked, Base):
    """Units of ``quote`` currency for one unit of ``base`` on a date, with its source."""

    __tablename__ = "pay_exchange_rates"
    __table_args__ = (sa.UniqueConstraint("org_id", "base", "quote", "rate_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rate_date: Mapped[dt.date] = mapped_column(sa.Date)
    base: Mapped[str] = mapped_column(sa.String(3))
    quote: Mapped[str] = mapped_column(sa.String(3))
    rate: Mapped[Decimal] = mapped_column(DecimalText)
    source: Mapped[str] = mapped_column(sa.String(300))
