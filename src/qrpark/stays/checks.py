"""Consistency of closed stays with the ledger, for ``qrpark ledger check``:
fee = proxy cover + merchant cover + driver charge (net of refunds), and the stay's receivable
holds exactly what is still owed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.ledger import service as ledger
from qrpark.payments.models import IntentStatus, PaymentIntent
from qrpark.stays.models import Stay, StayStatus
from qrpark.stays.service import receivable, remainder


async def check_stays(session: AsyncSession) -> tuple[int, list[str]]:
    problems: list[str] = []
    stays = (await session.scalars(select(Stay).where(Stay.fee.is_not(None)))).all()
    for stay in stays:
        fee = stay.fee or 0
        intents = (
            await session.scalars(
                select(PaymentIntent).where(
                    PaymentIntent.reference.startswith(f"stay:{stay.id}:"),
                    PaymentIntent.status.in_([IntentStatus.SUCCEEDED, IntentStatus.REFUNDED]),
                )
            )
        ).all()
        charged = sum(i.amount - i.refunded_amount for i in intents)
        if charged != stay.driver_charged:
            problems.append(
                f"stay {stay.id}: card charges {charged} but the stay records {stay.driver_charged}"
            )
        covered = stay.proxy_applied + stay.merchant_applied + stay.driver_charged
        if stay.status is StayStatus.PAID and covered != fee:
            problems.append(
                f"stay {stay.id}: paid, but fee {fee} != proxy + merchant + driver {covered}"
            )
        owed = await ledger.balance(session, receivable(stay))
        if owed != remainder(stay):
            problems.append(
                f"stay {stay.id}: receivable holds {owed}, the stay says {remainder(stay)} is owed"
            )
    return len(stays), problems
