"""Tariff versions: adding one, and finding the one in force."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.audit.service import record
from qrpark.kit.clock import Clock
from qrpark.kit.errors import InvalidInput, NotFound
from qrpark.lots.models import Lot
from qrpark.tariffs import repository
from qrpark.tariffs.domain import TariffError
from qrpark.tariffs.models import Tariff
from qrpark.tariffs.schemas import TariffCreate, rules_from


class NoTariff(NotFound):
    code = "no_tariff"
    message_en = "This lot has no tariff in force yet."
    message_ko = "이 주차장에는 아직 적용 중인 요금표가 없습니다."


class BadTariff(InvalidInput):
    code = "bad_tariff"
    message_en = "The tariff is not valid: {reason}"
    message_ko = "요금표가 올바르지 않습니다: {reason}"


async def add_version(
    session: AsyncSession, clock: Clock, lot: Lot, data: TariffCreate, actor: str
) -> Tariff:
    """Append a new tariff version to ``lot``; earlier versions stay as they were."""
    try:
        rules_from(data, lot.currency)
    except TariffError as exc:
        raise BadTariff(reason=str(exc)) from exc
    now = clock.now()
    effective = data.effective_from or now
    if effective < now - dt.timedelta(minutes=1):
        raise BadTariff(reason="a tariff cannot take effect in the past")
    tariff = Tariff(
        lot_id=lot.id,
        version=await repository.next_version(session, lot.id),
        currency=lot.currency,
        created_at=now,
        **data.model_dump(exclude={"effective_from"}),
        effective_from=effective,
    )
    session.add(tariff)
    await session.flush()
    record(
        session,
        clock,
        actor=actor,
        action="tariff.add",
        entity="tariff",
        entity_id=tariff.id,
        operator_id=lot.operator_id,
        data={"lot": lot.code, "version": tariff.version},
    )
    return tariff


async def in_force(session: AsyncSession, lot: Lot, at: dt.datetime) -> Tariff:
    tariff = await repository.in_force(session, lot.id, at)
    if tariff is None:
        raise NoTariff
    return tariff
