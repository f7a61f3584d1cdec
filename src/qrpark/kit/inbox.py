"""An inbox keyed by (source, external id): a message that arrives twice is applied once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.kit.db import Base, IdMixin


class InboxMessage(IdMixin, Base):
    __tablename__ = "inbox_messages"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[dt.datetime]


async def first_time(
    session: AsyncSession, source: str, external_id: str, now: dt.datetime
) -> bool:
    """Record the message; False when it was already recorded (then do nothing with it).

    The unique constraint settles a race between two deliveries: the loser's transaction fails
    at commit and its retry finds the row.
    """
    seen = await session.scalar(
        select(InboxMessage.id).where(
            InboxMessage.source == source, InboxMessage.external_id == external_id
        )
    )
    if seen is not None:
        return False
    session.add(InboxMessage(source=source, external_id=external_id, received_at=now))
    await session.flush()
    return True
