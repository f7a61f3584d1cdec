from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qrpark.tariffs.domain import NightRule, TariffRules


class TariffCreate(BaseModel):
    """A new tariff version. Amounts are integer minor units of the lot's currency."""

    model_config = ConfigDict(extra="forbid")

    effective_from: dt.datetime | None = Field(
        default=None, description="When it takes effect (default: now). Must be timezone-aware."
    )
    free_minutes: int = Field(default=0, ge=0, le=24 * 60)
    first_period_minutes: int = Field(ge=0, le=7 * 24 * 60)
    first_period_price: int = Field(ge=0)
    unit_minutes: int = Field(ge=1, le=7 * 24 * 60)
    unit_price: int = Field(ge=0)
    daily_cap: int | None = Field(default=None, ge=0)
    max_stay_minutes: int | None = Field(default=None, ge=1)
    night_start: dt.time | None = None
    night_end: dt.time | None = None
    night_cap: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _night_complete(self) -> TariffCreate:
        night = (self.night_start, self.night_end, self.night_cap)
        if any(v is not None for v in night) and any(v is None for v in night):
            msg = "a night rule needs night_start, night_end and night_cap together"
            raise ValueError(msg)
        if self.night_start is not None and self.night_start == self.night_end:
            msg = "the night window must not be empty"
            raise ValueError(msg)
        if self.effective_from is not None and self.effective_from.tzinfo is None:
            msg = "effective_from must carry a time zone"
            raise ValueError(msg)
        return self


class TariffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    lot_id: uuid.UUID
    version: int
    effective_from: dt.datetime
    currency: str
    free_minutes: int
    first_period_minutes: int
    first_period_price: int
    unit_minutes: int
    unit_price: int
    daily_cap: int | None
    max_stay_minutes: int | None
    night_start: dt.time | None
    night_end: dt.time | None
    night_cap: int | None
    description: list[str] = []


class TariffFields(Protocol):
    free_minutes: int
    first_period_minutes: int
    first_period_price: int
    unit_minutes: int
    unit_price: int
    daily_cap: int | None
    max_stay_minutes: int | None
    night_start: dt.time | None
    night_end: dt.time | None
    night_cap: int | None


def rules_from(t: TariffFields, currency: str) -> TariffRules:
    """The fee engine's view of a tariff row or request."""
    night = (
        NightRule(t.night_start, t.night_end, t.night_cap)
        if t.night_start is not None and t.night_end is not None and t.night_cap is not None
        else None
    )
    return TariffRules(
        currency=currency,
        free_minutes=t.free_minutes,
        first_period_minutes=t.first_period_minutes,
        first_period_price=t.first_period_price,
        unit_minutes=t.unit_minutes,
        unit_price=t.unit_price,
        daily_cap=t.daily_cap,
        max_stay_minutes=t.max_stay_minutes,
        night=night,
    )
