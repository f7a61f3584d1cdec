"""Payments API: card registration, charges and refunds (operator token, Idempotency-Key),
and gateway webhooks."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from qrpark.kit.errors import InvalidInput
from qrpark.kit.idempotency import StoredResponse, request_hash, run_once
from qrpark.payments.gateway import WebhookRejected
from qrpark.payments.models import CardRegistration, PaymentIntent, PaymentMethod
from qrpark.payments.schemas import (
    ChargeCreate,
    IntentOut,
    PaymentMethodOut,
    RefundCreate,
    RefundOut,
    RegistrationStart,
    RegistrationStarted,
)
from qrpark.payments.service import IntentNotFound, PaymentMethodNotFound, RegistrationNotFound
from qrpark.web.deps import AppContainer, CurrentOperator, Session

router = APIRouter(prefix="/api/v1", tags=["payments"])


class IdempotencyKeyRequired(InvalidInput):
    status_code = 400
    code = "idempotency_key_required"
    message_en = "Payment requests need an Idempotency-Key header."
    message_ko = "결제 요청에는 Idempotency-Key 헤더가 필요합니다."


class WebhookRefused(InvalidInput):
    status_code = 400
    code = "webhook_rejected"
    message_en = "The webhook was rejected."
    message_ko = "웹훅이 거부되었습니다."


IdemKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description="Required; 1-200 characters.")
]


def _json(model: BaseModel) -> Any:
    return json.loads(model.model_dump_json())


async def _once(
    c: AppContainer, request: Request, scope: str, key: str | None, body: BaseModel, handler: Any
) -> JSONResponse:
    if key is None:
        raise IdempotencyKeyRequired
    stored = await run_once(
        c.db,
        c.clock,
        scope=scope,
        key=key,
        fingerprint=request_hash(request.method, request.url.path, _json(body)),
        handler=handler,
    )
    return JSONResponse(stored.body, status_code=stored.status)


@router.post("/payment-methods/registrations", response_model=RegistrationStarted, status_code=201)
async def start_registration(
    body: RegistrationStart, session: Session, operator: CurrentOperator, c: AppContainer
) -> RegistrationStarted:
    """Open the gateway's card page for a card owner; the person is sent to ``redirect_url``."""
    await session.commit()
    reg_id, url = await c.payments.start_registration(
        operator_id=operator.id,
        gateway=operator.payment_gateway,
        owner_ref=body.owner_ref,
        return_to=body.return_to,
    )
    return RegistrationStarted(registration_id=reg_id, redirect_url=url)


@router.get(
    "/payment-methods/registrations/{registration_id}/method", response_model=PaymentMethodOut
)
async def registration_method(
    registration_id: uuid.UUID, session: Session, operator: CurrentOperator, c: AppContainer
) -> PaymentMethodOut:
    """The payment method a finished registration produced (asks the gateway if needed)."""
    reg = await session.get(CardRegistration, registration_id)
    if reg is None or reg.operator_id != operator.id:
        raise RegistrationNotFound
    await session.commit()  # the payments service runs its own units of work
    return PaymentMethodOut.model_validate(await c.payments.finish_registration(registration_id))


@router.post("/payments/charges", response_model=IntentOut, status_code=status.HTTP_201_CREATED)
async def create_charge(
    body: ChargeCreate,
    request: Request,
    session: Session,
    operator: CurrentOperator,
    c: AppContainer,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Charge a stored payment method. The same Idempotency-Key never charges twice."""
    method = await session.get(PaymentMethod, body.payment_method_id)
    if method is None or method.operator_id != operator.id:
        raise PaymentMethodNotFound
    await session.commit()

    async def handler() -> StoredResponse:
        intent = await c.payments.charge(
            payment_method_id=body.payment_method_id,
            amount=body.amount,
            currency=body.currency,
            account=f"customer:{method.owner_ref}",
            reference=f"api:{operator.id}:{idempotency_key}",
            description=body.description,
        )
        return StoredResponse(201, _json(IntentOut.model_validate(intent)))

    return await _once(c, request, f"charge:{operator.id}", idempotency_key, body, handler)


@router.get("/payments/{intent_id}", response_model=IntentOut)
async def get_payment(
    intent_id: uuid.UUID, session: Session, operator: CurrentOperator
) -> IntentOut:
    intent = await session.get(PaymentIntent, intent_id)
    if intent is None or intent.operator_id != operator.id:
        raise IntentNotFound
    return IntentOut.model_validate(intent)


@router.post("/payments/{intent_id}/refunds", response_model=RefundOut, status_code=201)
async def create_refund(
    intent_id: uuid.UUID,
    body: RefundCreate,
    request: Request,
    session: Session,
    operator: CurrentOperator,
    c: AppContainer,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Refund part or all of a payment, once per Idempotency-Key."""
    intent = await session.get(PaymentIntent, intent_id)
    if intent is None or intent.operator_id != operator.id:
        raise IntentNotFound
    await session.commit()

    async def handler() -> StoredResponse:
        refund = await c.payments.refund(
            intent_id,
            body.amount,
            reason=body.reason,
            reference=f"api:{operator.id}:{idempotency_key}",
        )
        return StoredResponse(201, _json(RefundOut.model_validate(refund)))

    return await _once(c, request, f"refund:{operator.id}", idempotency_key, body, handler)


@router.post("/payments/webhooks/{gateway}", tags=["webhooks"])
async def webhook(gateway: str, request: Request, c: AppContainer) -> dict[str, str]:
    """Gateway notifications. Verified, de-duplicated, and never trusted beyond the order id."""
    body = await request.body()
    try:
        result = await c.payments.receive_webhook(gateway, dict(request.headers), body)
    except WebhookRejected as exc:
        raise WebhookRefused(str(exc)) from exc
    return {"result": result}
