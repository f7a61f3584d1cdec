from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.kit.db import Base, IdMixin, str_enum


class Role(StrEnum):
    ADMIN = "admin"
    ATTENDANT = "attendant"


class Operator(IdMixin, Base):
    """A tenant: the company or city running lots."""

    __tablename__ = "operators"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Which payment gateway this operator's money goes through: sandbox, portone or stripe.
    payment_gateway: Mapped[str] = mapped_column(
        String(20), default="sandbox", server_default="sandbox"
    )
    created_at: Mapped[dt.datetime]


class StaffUser(IdMixin, Base):
    __tablename__ = "staff_users"
    __table_args__ = (UniqueConstraint("operator_id", "email"),)

    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    created_at: Mapped[dt.datetime]


class ApiToken(IdMixin, Base):
    """An operator's API token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
