from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.kit.db import Base, IdMixin
from qrpark.stays import models as _stays  # noqa: F401 - tables our foreign keys name


class ProxyPass(IdMixin, Base):
    """The proxy payment QR on the driver's screen: short-lived, and it can start one payment."""

    __tablename__ = "proxy_passes"

    stay_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stays.id"), index=True)
    #: What the driver asked others to cover, minor units (optional).
    asked_amount: Mapped[int | None] = mapped_column(BigInteger)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


class ProxyPayment(IdMixin, Base):
    """Money a proxy payer paid towards a stay. ``pass_id`` is unique: one pass, one payment."""

    __tablename__ = "proxy_payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "applied_amount >= 0 AND refunded_amount >= 0 AND applied_amount + refunded_amount <= amount",
            name="settled_within",
        ),
    )

    stay_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stays.id"), index=True)
    pass_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proxy_passes.id"), unique=True)
    intent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_intents.id"))
    #: Minor units of the stay's currency.
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # pending | succeeded | failed
    #: Part of ``amount`` that covered the final fee, minor units.
    applied_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Part of ``amount`` given back at close, minor units.
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    receipt_to: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
