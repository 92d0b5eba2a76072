"""The cooperatives table."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minewatch.adapters.db import Base
from minewatch.adapters.orm_common import OrgOwned, Tracked


class Cooperative(OrgOwned, Tracked, Base):
    __tablename__ = "cooperatives"
    __table_args__ = (sa.UniqueConstraint("org_id", "external_id"), sa.Index("ix_cooperatives_org_id_id", "org_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(120))
    name: Mapped[str] = mapped_column(sa.String(200))
    registration_number: Mapped[str | None] = mapped_column(sa.String(120))
    registration_status: Mapped[str | None] = mapped_column(sa.String(40))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    contact: Mapped[str | None] = mapped_column(sa.String(300))
