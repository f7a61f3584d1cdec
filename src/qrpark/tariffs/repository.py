"""Queries for tariff versions."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.tariffs.models import Tariff


async def in_force(session: AsyncSession, lot_id: uuid.UUID, at: dt.datetime) -> Tariff | None:
    """The version in force at ``at``: the latest one whose ``effective_from`` has passed."""
    return await session.scalar(
        select(Tariff)
        .where(Tariff.lot_id == lot_id, Tariff.effective_from <= at)
        .order_by(Tariff.effective_from.desc(), Tariff.version.desc())
        .limit(1)
    )


async def versions(session: AsyncSession, lot_id: uuid.UUID) -> Sequence[Tariff]:
    return (
        await session.scalars(
            select(Tariff).where(Tariff.lot_id == lot_id).order_by(Tariff.version)
        )
    ).all()


async def next_version(session: AsyncSession, lot_id: uuid.UUID) -> int:
    latest = await session.scalar(select(func.max(Tariff.version)).where(Tariff.lot_id == lot_id))
    return int(latest or 0) + 1
