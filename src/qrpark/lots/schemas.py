"""Lots and areas at the edge: what the API and the CSV import accept and return."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qrpark.kit.money import check_currency
from qrpark.lots.models import LotKind, PlateMode
from qrpark.signs.domain import CODE_RE

Code = Field(min_length=1, max_length=40, pattern=CODE_RE.pattern)


class LotCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    address: str = Field(min_length=1, max_length=400)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    kind: LotKind
    gated: bool = False
    currency: str = "KRW"
    time_zone: str = "Asia/Seoul"
    opening_hours: str | None = Field(default=None, max_length=200)
    plate_mode: PlateMode = PlateMode.KOREAN
    proxy_min_amount: int = Field(
        default=1000, ge=1, description="Smallest proxy payment, minor units."
    )
    proxy_pass_minutes: int = Field(
        default=3, ge=1, le=30, description="How long a proxy payment QR lives."
    )

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            msg = f"unknown time zone {value!r}"
            raise ValueError(msg) from exc
        return value


class LotOut(LotCreate):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    operator_id: uuid.UUID
    created_at: dt.datetime


class AreaCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Code
    level: str | None = Field(default=None, max_length=20)
    zone: str | None = Field(default=None, max_length=40)
    space_number: str | None = Field(default=None, max_length=20)
    description: str | None = Field(default=None, max_length=2000)
    description_en: str | None = Field(default=None, max_length=2000)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    photo_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")


class AreaOut(AreaCreate):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    lot_id: uuid.UUID
    created_at: dt.datetime
    sign_url: str | None = None
