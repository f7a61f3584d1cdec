"""Operator API for merchant accounts and their staff."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from qrpark.kit.errors import NotFound
from qrpark.lots.service import lot_for
from qrpark.merchants import service
from qrpark.merchants.domain import Rule, RuleKind
from qrpark.merchants.models import Merchant
from qrpark.web.deps import AppContainer, CurrentOperator, Session

router = APIRouter(prefix="/api/v1/operator/merchants", tags=["operator"])


class MerchantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lot: str = Field(max_length=40)
    name: str = Field(min_length=1, max_length=200)
    rule_kind: RuleKind
    rule_value: int = Field(gt=0, description="Minutes, minor units, or percent, by rule kind.")
    daily_budget: int | None = Field(default=None, ge=0)
    monthly_budget: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _rule(self) -> MerchantIn:
        Rule(self.rule_kind, self.rule_value)
        return self


class MerchantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    rule_kind: RuleKind
    rule_value: int
    daily_budget: int | None
    monthly_budget: int | None


class StaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    password: str = Field(min_length=12, max_length=200)


@router.post("", response_model=MerchantOut, status_code=status.HTTP_201_CREATED)
async def create_merchant(
    body: MerchantIn, session: Session, operator: CurrentOperator, c: AppContainer
) -> MerchantOut:
    lot = await lot_for(session, body.lot, operator)
    merchant = await service.create_merchant(
        session,
        c.clock,
        operator,
        lot,
        body.name,
        Rule(body.rule_kind, body.rule_value),
        body.daily_budget,
        body.monthly_budget,
    )
    return MerchantOut.model_validate(merchant)


@router.post("/{merchant_id}/staff", status_code=status.HTTP_201_CREATED)
async def add_staff(
    merchant_id: uuid.UUID,
    body: StaffIn,
    session: Session,
    operator: CurrentOperator,
    c: AppContainer,
) -> dict[str, str]:
    merchant = await session.get(Merchant, merchant_id)
    if merchant is None or merchant.operator_id != operator.id:
        raise NotFound
    staff = await service.add_staff(session, c.clock, merchant, body.email, body.password)
    return {"id": str(staff.id), "email": staff.email}
