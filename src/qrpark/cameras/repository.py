"""The only place that builds queries for cameras, their spaces and calibration marks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.cameras.domain import MarkCounts
from qrpark.cameras.models import CalibrationMark, Camera, CameraSpace
from qrpark.lots.models import Area


async def camera_by_code(
    session: AsyncSession, lot_id: uuid.UUID, code: str, *, for_update: bool = False
) -> Camera | None:
    """The camera ``code`` of a lot; ``for_update`` locks its row (PostgreSQL) so that two
    requests changing its marks fit its calibration one after the other, each on every mark."""
    query = select(Camera).where(Camera.lot_id == lot_id, Camera.code == code)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def cameras(session: AsyncSession, lot_id: uuid.UUID) -> Sequence[Camera]:
    return (
        await session.scalars(select(Camera).where(Camera.lot_id == lot_id).order_by(Camera.code))
    ).all()


async def spaces(
    session: AsyncSession, camera_id: uuid.UUID
) -> Sequence[tuple[CameraSpace, str | None]]:
    """The camera's spaces in the order they were given, each with its area's code (or None)."""
    rows = await session.execute(
        select(CameraSpace, Area.code)
        .outerjoin(Area, Area.id == CameraSpace.area_id)
        .where(CameraSpace.camera_id == camera_id)
        .order_by(CameraSpace.position)
    )
    return [(space, code) for space, code in rows.all()]


async def areas_by_code(
    session: AsyncSession, lot_id: uuid.UUID, codes: set[str]
) -> dict[str, uuid.UUID]:
    if not codes:
        return {}
    rows = await session.execute(
        select(Area.code, Area.id).where(Area.lot_id == lot_id, Area.code.in_(codes))
    )
    return dict(rows.all())


async def mark_counts(session: AsyncSession, camera_id: uuid.UUID) -> MarkCounts:
    rows = await session.execute(
        select(CalibrationMark.busy, func.count())
        .where(CalibrationMark.camera_id == camera_id)
        .group_by(CalibrationMark.busy)
    )
    counts = {bool(busy): int(n) for busy, n in rows.all()}
    return MarkCounts(busy=counts.get(True, 0), free=counts.get(False, 0))


async def marks(session: AsyncSession, camera_id: uuid.UUID) -> Sequence[CalibrationMark]:
    """Every mark of the camera, oldest first (the order the calibration is fitted in)."""
    return (
        await session.scalars(
            select(CalibrationMark)
            .where(CalibrationMark.camera_id == camera_id)
            .order_by(
                CalibrationMark.created_at, CalibrationMark.snapshot_sha256, CalibrationMark.id
            )
        )
    ).all()


async def delete_snapshot_marks(
    session: AsyncSession, camera_id: uuid.UUID, snapshot_sha256: str
) -> int:
    result = await session.execute(
        delete(CalibrationMark).where(
            CalibrationMark.camera_id == camera_id,
            CalibrationMark.snapshot_sha256 == snapshot_sha256,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_marks(session: AsyncSession, camera_id: uuid.UUID) -> int:
    result = await session.execute(
        delete(CalibrationMark).where(CalibrationMark.camera_id == camera_id)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_spaces(session: AsyncSession, space_ids: Sequence[uuid.UUID]) -> None:
    if not space_ids:
        return
    # their marks go with them (ON DELETE CASCADE; SQLite runs with foreign keys on)
    await session.execute(delete(CameraSpace).where(CameraSpace.id.in_(space_ids)))
