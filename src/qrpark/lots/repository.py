"""The only place that builds queries for lots and areas."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.lots.models import Area, Lot
from qrpark.operators.models import Operator


async def lot_by_code(session: AsyncSession, code: str) -> Lot | None:
    return await session.scalar(select(Lot).where(Lot.code == code))


async def lots(session: AsyncSession, operator_id: uuid.UUID | None = None) -> Sequence[Lot]:
    query = select(Lot).order_by(Lot.code)
    if operator_id is not None:
        query = query.where(Lot.operator_id == operator_id)
    return (await session.scalars(query)).all()


async def area_by_codes(
    session: AsyncSession, lot_code: str, area_code: str
) -> tuple[Operator, Lot, Area] | None:
    row = (
        await session.execute(
            select(Operator, Lot, Area)
            .join(Lot, Lot.operator_id == Operator.id)
            .join(Area, Area.lot_id == Lot.id)
            .where(Lot.code == lot_code, Area.code == area_code)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


async def areas(session: AsyncSession, lot_id: uuid.UUID) -> Sequence[Area]:
    return (
        await session.scalars(select(Area).where(Area.lot_id == lot_id).order_by(Area.code))
    ).all()


async def area_codes(session: AsyncSession, lot_id: uuid.UUID) -> set[str]:
    return set((await session.scalars(select(Area.code).where(Area.lot_id == lot_id))).all())


async def count_areas(session: AsyncSession, lot_id: uuid.UUID) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(Area).where(Area.lot_id == lot_id))
        or 0
    )
