"""Use cases for lots and areas. Services flush but never commit: the caller's boundary does."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.audit.service import record
from qrpark.kit.clock import Clock
from qrpark.kit.errors import Conflict, Forbidden, NotFound
from qrpark.lots import repository
from qrpark.lots.models import Area, Lot
from qrpark.lots.schemas import AreaCreate, LotCreate
from qrpark.operators.models import Operator


class LotNotFound(NotFound):
    code = "lot_not_found"
    message_en = "There is no lot {code}."
    message_ko = "{code} 주차장이 없습니다."


class AreaNotFound(NotFound):
    code = "area_not_found"
    message_en = "There is no area {code} in this lot."
    message_ko = "이 주차장에 {code} 구역이 없습니다."


class LotCodeTaken(Conflict):
    code = "lot_code_taken"
    message_en = "The lot code {code} is already in use."
    message_ko = "주차장 코드 {code}은(는) 이미 사용 중입니다."


class AreaCodeTaken(Conflict):
    code = "area_code_taken"
    message_en = "The area code {code} already exists in this lot."
    message_ko = "이 주차장에 구역 코드 {code}이(가) 이미 있습니다."


class NotYourLot(Forbidden):
    code = "not_your_lot"
    message_en = "This lot belongs to another operator."
    message_ko = "다른 운영사의 주차장입니다."


async def lot_for(session: AsyncSession, code: str, operator: Operator | None = None) -> Lot:
    """The lot ``code``; with ``operator``, only if that operator owns it."""
    lot = await repository.lot_by_code(session, code)
    if lot is None:
        raise LotNotFound(code=code)
    if operator is not None and lot.operator_id != operator.id:
        raise NotYourLot
    return lot


async def create_lot(
    session: AsyncSession, clock: Clock, operator: Operator, data: LotCreate, actor: str
) -> Lot:
    """Create a lot for ``operator``."""
    if await repository.lot_by_code(session, data.code) is not None:
        raise LotCodeTaken(code=data.code)
    lot = Lot(operator_id=operator.id, created_at=clock.now(), **data.model_dump())
    session.add(lot)
    await session.flush()
    record(
        session,
        clock,
        actor=actor,
        action="lot.create",
        entity="lot",
        entity_id=lot.id,
        operator_id=operator.id,
        data={"code": lot.code},
    )
    return lot


async def create_area(
    session: AsyncSession, clock: Clock, lot: Lot, data: AreaCreate, actor: str
) -> Area:
    """Add an area (one space or a zone) with its location information to ``lot``."""
    if data.code in await repository.area_codes(session, lot.id):
        raise AreaCodeTaken(code=data.code)
    area = Area(lot_id=lot.id, created_at=clock.now(), **data.model_dump())
    session.add(area)
    await session.flush()
    record(
        session,
        clock,
        actor=actor,
        action="area.create",
        entity="area",
        entity_id=area.id,
        operator_id=lot.operator_id,
        data={"lot": lot.code, "code": area.code},
    )
    return area
