"""JSON API for the driver journey, so a native app can do what the pages do, and the operator's
stay endpoints."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from qrpark.kit.errors import NotFound
from qrpark.payments.models import CardRegistration
from qrpark.stays import service
from qrpark.stays.models import Source, Stay, StayStatus
from qrpark.stays.phone import mask_phone
from qrpark.stays.views import stay_view
from qrpark.web.deps import AppContainer, CurrentOperator, Session

router = APIRouter(prefix="/api/v1", tags=["driver"])
operator_router = APIRouter(prefix="/api/v1/operator", tags=["operator"])


class SignIn(BaseModel):
    lot: str = Field(max_length=40)
    area: str = Field(max_length=40)
    k: str = Field(max_length=16)
    s: str = Field(max_length=64)


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sign: SignIn
    phone: str = Field(max_length=40)
    plate: str = Field(max_length=40)
    consent: bool
    locale: str = Field(default="ko", pattern="^(ko|en)$")
    use_saved_card: bool = False


class EntryOut(BaseModel):
    entry_id: uuid.UUID
    next: str = Field(description="'card': open card_url; 'code': a code was sent by SMS, POST it")
    card_url: str | None = None
    registration_id: uuid.UUID | None = None


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, max_length=10)


class StayCreated(BaseModel):
    access_token: str
    stay_url: str
    stay: dict[str, Any]


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/entries", response_model=EntryOut, status_code=status.HTTP_201_CREATED)
async def start_entry(
    body: EntryIn, request: Request, session: Session, c: AppContainer
) -> EntryOut:
    """Step 1 of entry: check the sign and the details, then register a card or send a code."""
    operator, lot, area = await service.resolve_sign(
        session, c.keys, body.sign.lot, body.sign.area, body.sign.k, body.sign.s
    )
    c.limits["entry_ip"].hit(_ip(request))
    c.limits["entry_area"].hit(f"{lot.id}:{area.id}")
    phone, plate = service.validate_entry(lot, body.phone, body.plate, body.consent)
    begun = await service.begin_entry(
        session,
        c.clock,
        c.db,
        c.payments,
        c.limits["code_phone"],
        operator=operator,
        lot=lot,
        area=area,
        phone=phone,
        plate=plate,
        locale=body.locale,
        use_saved_card=body.use_saved_card,
    )
    return EntryOut(
        entry_id=begun.draft_id,
        next=begun.next,
        card_url=begun.card_url,
        registration_id=begun.registration_id,
    )


@router.post(
    "/entries/{entry_id}/complete", response_model=StayCreated, status_code=status.HTTP_201_CREATED
)
async def complete_entry(
    entry_id: uuid.UUID, body: CompleteIn, session: Session, c: AppContainer
) -> StayCreated:
    """Step 2: after the card page (or with the code sent by SMS) the stay begins."""
    draft = await service.live_draft(session, c.clock, entry_id)
    if draft.status == "otp":
        method_id = await service.saved_card_by_code(session, c.clock, draft, body.code or "")
    else:
        if draft.registration_id is None:
            raise service.DraftExpired
        await session.commit()
        method_id = (await c.payments.finish_registration(draft.registration_id)).id
        draft = await service.live_draft(session, c.clock, entry_id)
        reg = await session.get(CardRegistration, draft.registration_id)
        if reg is None or reg.owner_ref != service.owner_ref(draft.phone):
            raise service.DraftExpired
    stay, token = await service.create_stay(
        session,
        c.clock,
        draft=draft,
        payment_method_id=method_id,
        public_base_url=c.settings.public_base_url,
    )
    view = await stay_view(session, stay, c.clock.now(), draft.locale)
    return StayCreated(
        access_token=token, stay_url=f"{c.settings.public_base_url}/s/{token}", stay=view
    )


@router.get("/stays/{token}")
async def get_stay(
    token: str, session: Session, c: AppContainer, lang: str = "ko"
) -> dict[str, Any]:
    """The stay as its driver sees it: where, since when, the fee so far and why."""
    stay = await service.stay_by_token(session, token)
    return await stay_view(session, stay, c.clock.now(), "en" if lang == "en" else "ko")


@router.post("/stays/{token}/exit")
async def exit_stay(
    token: str, session: Session, c: AppContainer, lang: str = "ko"
) -> dict[str, Any]:
    """'I'm leaving': the fee is frozen and what is owed is charged to the stored card, once."""
    stay = await service.stay_by_token(session, token)
    await session.commit()
    closed = await service.exit_stay(
        c.db, c.clock, c.payments, stay.id, Source.DRIVER, actor="driver-api"
    )
    async with c.db.transaction() as tx:
        fresh = await tx.get(Stay, closed.id)
        assert fresh is not None
        return await stay_view(tx, fresh, c.clock.now(), "en" if lang == "en" else "ko")


class StayRow(BaseModel):
    id: uuid.UUID
    lot_id: uuid.UUID
    plate: str
    phone: str
    status: StayStatus
    entered_at: str
    exited_at: str | None
    fee: int | None
    driver_charged: int


@operator_router.get("/stays", response_model=list[StayRow])
async def list_stays(
    session: Session, operator: CurrentOperator, status_: StayStatus | None = None
) -> list[StayRow]:
    query = (
        select(Stay)
        .where(Stay.operator_id == operator.id)
        .order_by(Stay.entered_at.desc())
        .limit(500)
    )
    if status_ is not None:
        query = query.where(Stay.status == status_)
    return [
        StayRow(
            id=s.id,
            lot_id=s.lot_id,
            plate=s.plate,
            phone=mask_phone(s.phone),
            status=s.status,
            entered_at=s.entered_at.isoformat(),
            exited_at=s.exited_at.isoformat() if s.exited_at else None,
            fee=s.fee,
            driver_charged=s.driver_charged,
        )
        for s in (await session.scalars(query)).all()
    ]


@operator_router.post("/stays/{stay_id}/close")
async def close_stay(
    stay_id: uuid.UUID, session: Session, operator: CurrentOperator, c: AppContainer
) -> dict[str, Any]:
    """An operator closes a stay (a car seen leaving, a dispute); the fee is charged as usual."""
    stay = await session.get(Stay, stay_id)
    if stay is None or stay.operator_id != operator.id:
        raise NotFound
    await session.commit()
    closed = await service.exit_stay(
        c.db, c.clock, c.payments, stay.id, Source.OPERATOR, actor=f"api:{operator.code}"
    )
    async with c.db.transaction() as tx:
        fresh = await tx.get(Stay, closed.id)
        assert fresh is not None
        return await stay_view(tx, fresh, c.clock.now(), "en")
