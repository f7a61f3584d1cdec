from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.kit.db import Base, IdMixin


class Tariff(IdMixin, Base):
    """One version of a lot's tariff. Versions are never edited: a change is a new version.

    Money columns are integer minor units of ``currency`` (whole won for KRW).
    """

    __tablename__ = "tariffs"
    __table_args__ = (
        UniqueConstraint("lot_id", "version"),
        CheckConstraint("unit_minutes > 0", name="unit_positive"),
        CheckConstraint(
            "free_minutes >= 0 AND first_period_minutes >= 0 AND first_period_price >= 0 "
            "AND unit_price >= 0 AND (daily_cap IS NULL OR daily_cap >= 0)",
            name="non_negative",
        ),
        CheckConstraint(
            "(night_start IS NULL AND night_end IS NULL AND night_cap IS NULL) OR "
            "(night_start IS NOT NULL AND night_end IS NOT NULL AND night_cap IS NOT NULL)",
            name="night_complete",
        ),
    )

    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[dt.datetime]
    currency: Mapped[str] = mapped_column(String(3))
    free_minutes: Mapped[int] = mapped_column(Integer)
    first_period_minutes: Mapped[int] = mapped_column(Integer)
    #: Price of the first period, minor units.
    first_period_price: Mapped[int] = mapped_column(BigInteger)
    unit_minutes: Mapped[int] = mapped_column(Integer)
    #: Price of each unit period after the first, minor units.
    unit_price: Mapped[int] = mapped_column(BigInteger)
    #: Most a 24-hour billing day can cost, minor units.
    daily_cap: Mapped[int | None] = mapped_column(BigInteger)
    max_stay_minutes: Mapped[int | None] = mapped_column(Integer)
    night_start: Mapped[dt.time | None] = mapped_column(Time)
    night_end: Mapped[dt.time | None] = mapped_column(Time)
    #: Most the night window can cost per night, minor units.
    night_cap: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]
