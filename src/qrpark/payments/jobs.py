"""Background work of the payments domain: outbox handlers, recovery, sandbox webhook delivery,
and the consistency check behind ``qrpark ledger check``."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.outbox import Handler
from qrpark.ledger.models import JournalEntry, JournalLine
from qrpark.payments.models import IntentStatus, PaymentIntent, Refund
from qrpark.payments.sandbox import SandboxGateway
from qrpark.payments.service import RESOLVE_TOPIC, Payments


def handlers(payments: Payments) -> dict[str, Handler]:
    async def resolve(payload: dict[str, Any]) -> None:
        await payments.resolve(uuid.UUID(payload["intent_id"]))

    return {RESOLVE_TOPIC: resolve}


async def deliver_sandbox_webhooks(payments: Payments) -> int:
    """The sandbox's notifications, delivered through the same verification as any gateway's."""
    sandbox = payments.gateways.get("sandbox")
    if not isinstance(sandbox, SandboxGateway):
        return 0
    delivered = 0
    for event_id, headers, body in sandbox.undelivered_webhooks(payments.clock.now()):
        await payments.receive_webhook("sandbox", headers, body)
        sandbox.mark_delivered(event_id)
        delivered += 1
    return delivered


async def check_payments(session: AsyncSession) -> tuple[int, list[str]]:
    """Every succeeded payment is booked once with its amount, every refund likewise, and nothing
    is booked that did not happen."""
    problems: list[str] = []
    booked = {
        ref: int(total)
        for ref, total in (
            await session.execute(
                select(JournalEntry.reference, func.sum(JournalLine.amount))
                .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
                .where(JournalLine.amount > 0)
                .group_by(JournalEntry.reference)
            )
        ).all()
    }
    intents = (await session.scalars(select(PaymentIntent))).all()
    for intent in intents:
        ref = f"charge:{intent.id}"
        paid = intent.status in (IntentStatus.SUCCEEDED, IntentStatus.REFUNDED)
        if paid and booked.get(ref) != intent.amount:
            problems.append(
                f"payment {intent.id} succeeded for {intent.amount} but is booked as {booked.get(ref)}"
            )
        if not paid and ref in booked:
            problems.append(f"payment {intent.id} is {intent.status.value} but is booked")
    refunds = (await session.scalars(select(Refund))).all()
    for refund in refunds:
        ref = f"refund:{refund.id}"
        if refund.status == "succeeded" and booked.get(ref) != refund.amount:
            problems.append(f"refund {refund.id} of {refund.amount} is booked as {booked.get(ref)}")
        if refund.status != "succeeded" and ref in booked:
            problems.append(f"refund {refund.id} is {refund.status} but is booked")
    return len(intents) + len(refunds), problems
