"""The worker process's composition root, and checks that span domains."""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.clock import Clock, SystemClock
from qrpark.kit.db import Database
from qrpark.kit.outbox import Worker
from qrpark.ledger.service import check_entries
from qrpark.messages.sms import SandboxSms, SmsSender
from qrpark.messages.sms import handlers as sms_handlers
from qrpark.payments import jobs as payment_jobs
from qrpark.payments.service import Payments
from qrpark.payments.wiring import build_gateways
from qrpark.proxy.service import handlers as proxy_handlers
from qrpark.settings import Settings
from qrpark.stays import jobs as stay_jobs
from qrpark.stays import retention
from qrpark.stays.checks import check_stays

PERIODIC_EVERY = 15.0  # seconds between recovery sweeps


def build_payments(settings: Settings, db: Database, clock: Clock) -> Payments:
    return Payments(
        db=db,
        clock=clock,
        gateways=build_gateways(settings),
        public_base_url=settings.public_base_url,
    )


def build_worker(payments: Payments, sms: SmsSender) -> Worker:
    handlers = {
        **payment_jobs.handlers(payments),
        **stay_jobs.handlers(payments.db, payments.clock, payments),
        **proxy_handlers(payments.db, payments.clock, payments),
        **sms_handlers(sms),
    }
    return Worker(db=payments.db, clock=payments.clock, handlers=handlers)


async def periodic(payments: Payments) -> dict[str, int]:
    counts = await payments.recover()
    async with payments.db.transaction() as session:
        for key, n in (await retention.enforce(session, payments.clock)).items():
            if n:
                counts[key] = n
    delivered = await payment_jobs.deliver_sandbox_webhooks(payments)
    if delivered:
        counts["webhooks_delivered"] = delivered
    return counts


async def run_worker(settings: Settings, *, once: bool, poll: float = 1.0) -> dict[str, int]:
    db = Database.from_url(settings.resolved_database_url)
    payments = build_payments(settings, db, SystemClock())
    worker = build_worker(payments, SandboxSms(settings.data_dir / "sandbox-sms.jsonl"))
    try:
        if once:
            counts = await periodic(payments)
            for outcome, n in (await worker.run_due()).items():
                counts[outcome] = counts.get(outcome, 0) + n
            return counts
        last = 0.0

        async def throttled() -> None:
            nonlocal last
            if time.monotonic() - last >= PERIODIC_EVERY:
                last = time.monotonic()
                await periodic(payments)

        await worker.run_forever(poll=poll, periodic=throttled)
        return {}
    finally:
        await db.dispose()


async def check_everything(session: AsyncSession) -> tuple[int, list[str]]:
    entries = await check_entries(session)
    records, problems = await payment_jobs.check_payments(session)
    stays, stay_problems = await check_stays(session)
    return entries.entries + records + stays, entries.problems + problems + stay_problems
