from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.kit.db import Base, IdMixin, str_enum


class LotKind(StrEnum):
    ON_STREET = "on_street"
    OFF_STREET = "off_street"
    INDOOR = "indoor"


class PlateMode(StrEnum):
    """Which vehicle numbers a lot accepts: Korean formats only, or any country's too."""

    KOREAN = "korean"
    ANY = "any"


class Lot(IdMixin, Base):
    __tablename__ = "lots"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
    )

    operator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("operators.id", ondelete="RESTRICT"), index=True
    )
    # Appears in every sign URL: /a/<lot code>/<area code>. Unique across the installation.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(400))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    kind: Mapped[LotKind] = mapped_column(str_enum(LotKind))
    gated: Mapped[bool] = mapped_column(Boolean, default=False)
    currency: Mapped[str] = mapped_column(String(3))
    time_zone: Mapped[str] = mapped_column(String(64))
    opening_hours: Mapped[str | None] = mapped_column(String(200))
    #: The smallest proxy payment accepted, minor units.
    proxy_min_amount: Mapped[int] = mapped_column(BigInteger, default=1000, server_default="1000")
    proxy_pass_minutes: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    plate_mode: Mapped[PlateMode] = mapped_column(str_enum(PlateMode), default=PlateMode.KOREAN)
    created_at: Mapped[dt.datetime]


class Area(IdMixin, Base):
    """The place one QR sign stands for: a single space or a zone, with where it is."""

    __tablename__ = "areas"
    __table_args__ = (
        UniqueConstraint("lot_id", "code"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
    )

    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(20))
    zone: Mapped[str | None] = mapped_column(String(40))
    space_number: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    photo_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime]
