from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.kit.db import Base, IdMixin, str_enum
from qrpark.operators import models as _operators  # noqa: F401 - tables our foreign keys name


class IntentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    AMBIGUOUS = "ambiguous"
    REFUNDED = "refunded"  # everything paid has been refunded


class IntentKind(StrEnum):
    CHARGE = "charge"  # a stored billing key, off-session
    CHECKOUT = "checkout"  # a one-off payment on the gateway's page


class PaymentMethod(IdMixin, Base):
    """A card registered at a gateway: its billing key, brand and last four. Never a card number."""

    __tablename__ = "payment_methods"

    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id"), index=True)
    owner_ref: Mapped[str] = mapped_column(String(120), index=True)
    gateway: Mapped[str] = mapped_column(String(20))
    billing_key: Mapped[str] = mapped_column(String(200), unique=True)
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[dt.datetime]
    removed_at: Mapped[dt.datetime | None]


class CardRegistration(IdMixin, Base):
    """A trip to the gateway's card page, from start to billing key."""

    __tablename__ = "card_registrations"

    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id"))
    owner_ref: Mapped[str] = mapped_column(String(120))
    gateway: Mapped[str] = mapped_column(String(20))
    remote_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # started | completed | failed
    failure_code: Mapped[str | None] = mapped_column(String(60))
    return_to: Mapped[str | None] = mapped_column(String(500))
    payment_method_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_methods.id"))
    created_at: Mapped[dt.datetime]


class PaymentIntent(IdMixin, Base):
    """One attempt to take money. Its id is written before the gateway is called and is sent as the
    gateway's order id, so the gateway itself refuses to take it twice."""

    __tablename__ = "payment_intents"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("refunded_amount >= 0 AND refunded_amount <= amount", name="refund_within"),
    )

    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id"), index=True)
    gateway: Mapped[str] = mapped_column(String(20))
    kind: Mapped[IntentKind] = mapped_column(str_enum(IntentKind))
    #: Minor units of ``currency``.
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[IntentStatus] = mapped_column(str_enum(IntentStatus), index=True)
    payment_method_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_methods.id"))
    # The ledger account the money settles (e.g. a stay's receivable, a proxy payer's account).
    account: Mapped[str] = mapped_column(String(120))
    # Why this intent exists, unique: a retried business action finds its intent again.
    reference: Mapped[str] = mapped_column(String(300), unique=True)
    description: Mapped[str] = mapped_column(String(200))
    gateway_payment_id: Mapped[str | None] = mapped_column(String(200))
    #: Minor units refunded so far.
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    failure_code: Mapped[str | None] = mapped_column(String(60))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]


class Refund(IdMixin, Base):
    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    intent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_intents.id"), index=True)
    #: Minor units of the intent's currency.
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # pending | succeeded | failed
    reason: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(300), unique=True)
    gateway_refund_id: Mapped[str | None] = mapped_column(String(200))
    failure: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
