"""Retention, enforced by code: what identifies a driver or a payer is kept only as long as
settling the parking needs it.

- Settled stays older than ``RETENTION`` keep their money figures and times, but their phone
  number and plate are replaced by masked forms and their private link stops working.
- Proxy payers' receipt phones go the same way.
- Entry drafts and one-time codes are deleted a day after they expire.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.clock import Clock
from qrpark.kit.signing import digest
from qrpark.proxy.models import ProxyPayment
from qrpark.stays.models import EntryDraft, OneTimeCode, Stay, StayStatus
from qrpark.stays.phone import mask_phone
from qrpark.stays.vehicle import mask

RETENTION = dt.timedelta(days=90)
SCRATCH = dt.timedelta(days=1)
ERASED = "erased"


async def enforce(
    session: AsyncSession, clock: Clock, retention: dt.timedelta = RETENTION
) -> dict[str, int]:
    """Apply the rules above; returns how many records each touched. Unpaid stays are kept whole
    until they are settled: the driver must still be reachable."""
    now = clock.now()
    cutoff = now - retention
    stays = (
        await session.scalars(
            select(Stay).where(
                Stay.exited_at.is_not(None),
                Stay.exited_at < cutoff,
                Stay.status == StayStatus.PAID,
                Stay.plate_kind != ERASED,
            )
        )
    ).all()
    for stay in stays:
        stay.phone = mask_phone(stay.phone)
        stay.plate = mask(stay.plate)
        stay.plate_kind = ERASED
        stay.access_token_hash = digest(secrets.token_urlsafe(24))
        stay.updated_at = now
    payers = (
        await session.scalars(
            select(ProxyPayment).where(
                ProxyPayment.receipt_to.is_not(None), ProxyPayment.created_at < cutoff
            )
        )
    ).all()
    for payer in payers:
        payer.receipt_to = None
    drafts = await session.execute(delete(EntryDraft).where(EntryDraft.expires_at < now - SCRATCH))
    codes = await session.execute(delete(OneTimeCode).where(OneTimeCode.expires_at < now - SCRATCH))
    return {
        "stays_erased": len(stays),
        "payer_contacts_erased": len(payers),
        "drafts_deleted": int(drafts.rowcount or 0),  # type: ignore[attr-defined]
        "codes_deleted": int(codes.rowcount or 0),  # type: ignore[attr-defined]
    }
