from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qrpark.kit.money import check_currency
from qrpark.payments.models import IntentKind, IntentStatus


class RegistrationStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_ref: str = Field(
        min_length=1, max_length=120, description="Whose card this is (e.g. a driver id)."
    )
    return_to: str | None = Field(default=None, max_length=500, pattern=r"^/[^/\\]")


class RegistrationStarted(BaseModel):
    registration_id: uuid.UUID
    redirect_url: str


class PaymentMethodOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_ref: str
    gateway: str
    brand: str
    last4: str
    created_at: dt.datetime


class ChargeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method_id: uuid.UUID
    amount: int = Field(
        gt=0, le=10**12, description="Minor units of the currency (whole won for KRW)."
    )
    currency: str = "KRW"
    description: str = Field(default="qrpark", min_length=1, max_length=200)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)


class IntentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: IntentKind
    status: IntentStatus
    gateway: str
    amount: int
    currency: str
    refunded_amount: int
    failure_code: str | None
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime


class RefundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int = Field(gt=0, le=10**12)
    reason: str = Field(min_length=1, max_length=200)


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    intent_id: uuid.UUID
    amount: int
    status: str
    reason: str
    failure: str | None
    created_at: dt.datetime
