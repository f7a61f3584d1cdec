from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.kit.db import Base, IdMixin, str_enum
from qrpark.lots import models as _lots  # noqa: F401 - tables our foreign keys name
from qrpark.payments import models as _payments  # noqa: F401
from qrpark.tariffs import models as _tariffs  # noqa: F401


class StayStatus(StrEnum):
    ACTIVE = "active"  # parked
    CLOSED = "closed"  # exited, the fee frozen, the charge under way
    PAID = "paid"  # settled in full
    UNPAID = "unpaid"  # the charge was declined; a pay link and retries follow


class Source(StrEnum):
    QR = "qr"
    CAMERA = "camera"
    DRIVER = "driver"
    OPERATOR = "operator"


class Stay(IdMixin, Base):
    """One vehicle's visit. At most one stay per plate is open at a time (a partial unique index)."""

    __tablename__ = "stays"
    __table_args__ = (
        CheckConstraint("proxy_reserved >= 0", name="proxy_reserved_non_negative"),
        Index(
            "uq_stays_open_plate",
            "plate",
            unique=True,
            sqlite_where=text("exited_at IS NULL"),
            postgresql_where=text("exited_at IS NULL"),
        ),
    )

    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id"), index=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id"), index=True)
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    plate: Mapped[str] = mapped_column(String(16))
    plate_kind: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    payment_method_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_methods.id"))
    locale: Mapped[str] = mapped_column(String(2))
    status: Mapped[StayStatus] = mapped_column(str_enum(StayStatus), index=True)
    entered_at: Mapped[dt.datetime] = mapped_column(index=True)
    entry_source: Mapped[Source] = mapped_column(str_enum(Source))
    exited_at: Mapped[dt.datetime | None]
    exit_source: Mapped[Source | None] = mapped_column(str_enum(Source))
    tariff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tariffs.id"))
    currency: Mapped[str] = mapped_column(String(3))
    #: The fee frozen at exit, minor units.
    fee: Mapped[int | None] = mapped_column(BigInteger)
    fee_lines: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    #: Proxy payments started or paid and not given back, minor units. The conditional update that
    #: raises it is what keeps concurrent payers within the cap.
    proxy_reserved: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: What proxy payers covered at close, minor units.
    proxy_applied: Mapped[int] = mapped_column(BigInteger, default=0)
    #: What merchants covered at close, minor units.
    merchant_applied: Mapped[int] = mapped_column(BigInteger, default=0)
    #: What the driver's card was charged, minor units.
    driver_charged: Mapped[int] = mapped_column(BigInteger, default=0)
    charge_attempts: Mapped[int] = mapped_column(Integer, default=0)
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class StayEvent(IdMixin, Base):
    """Every signal about a stay, applied or not (a second exit signal is recorded, not applied)."""

    __tablename__ = "stay_events"

    stay_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stays.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime]
    applied: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EntryDraft(IdMixin, Base):
    """An entry form that was submitted and waits for its payment method (the gateway's card page
    or a one-time code). The entry time is the moment of submitting."""

    __tablename__ = "entry_drafts"

    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id"))
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id"))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    plate: Mapped[str] = mapped_column(String(16))
    plate_kind: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(2))
    entered_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(20))  # card | otp | done | expired
    registration_id: Mapped[uuid.UUID | None]
    stay_id: Mapped[uuid.UUID | None]
    expires_at: Mapped[dt.datetime]


class OneTimeCode(IdMixin, Base):
    """A code sent by SMS to prove a phone number. Only its hash is kept."""

    __tablename__ = "one_time_codes"

    phone: Mapped[str] = mapped_column(String(20), index=True)
    purpose: Mapped[str] = mapped_column(String(60))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
