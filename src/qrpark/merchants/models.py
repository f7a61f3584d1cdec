from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.kit.db import Base, IdMixin, str_enum
from qrpark.merchants.domain import RuleKind
from qrpark.stays import models as _stays  # noqa: F401 - tables our foreign keys name


class Merchant(IdMixin, Base):
    """A validating business (shop, clinic, hotel) at one lot."""

    __tablename__ = "merchants"

    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id"), index=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    rule_kind: Mapped[RuleKind] = mapped_column(str_enum(RuleKind))
    rule_value: Mapped[int] = mapped_column(Integer)
    #: Most the merchant covers per local day, minor units (None: no limit).
    daily_budget: Mapped[int | None] = mapped_column(BigInteger)
    #: Most the merchant covers per local month, minor units (None: no limit).
    monthly_budget: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]


class MerchantStaff(IdMixin, Base):
    __tablename__ = "merchant_staff"
    __table_args__ = (UniqueConstraint("merchant_id", "email"),)

    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]


class MerchantLogin(IdMixin, Base):
    """A staff member's signed-in browser; only the cookie's hash is stored."""

    __tablename__ = "merchant_logins"

    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchant_staff.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime]


class Pledge(IdMixin, Base):
    """A merchant's promise to cover a stay, applied at exit within rules and budgets."""

    __tablename__ = "merchant_pledges"
    __table_args__ = (UniqueConstraint("merchant_id", "stay_id"),)

    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id"), index=True)
    stay_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stays.id"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchant_staff.id"))
    #: What was applied at exit, minor units (None until then).
    applied_amount: Mapped[int | None] = mapped_column(BigInteger)
    applied_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    created_at: Mapped[dt.datetime]
