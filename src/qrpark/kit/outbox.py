"""The outbox: work that must happen after a commit, written in the same transaction as the change.

A worker claims due jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional update on
SQLite), runs the handler registered for the job's topic, and on failure retries with
exponential backoff until ``max_attempts``, after which the job is ``dead`` for a person to see.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.kit.clock import Clock
from qrpark.kit.db import Base, Database, IdMixin

log = logging.getLogger("qrpark.outbox")

PENDING, RUNNING, DONE, DEAD = "pending", "running", "done", "dead"
LEASE = dt.timedelta(minutes=5)


class OutboxJob(IdMixin, Base):
    __tablename__ = "outbox_jobs"

    topic: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True, default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    run_after: Mapped[dt.datetime] = mapped_column(index=True)
    locked_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Optional business key: the same job is never enqueued twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]


async def enqueue_once(
    session: AsyncSession,
    clock: Clock,
    topic: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str,
    delay: dt.timedelta = dt.timedelta(0),
) -> OutboxJob:
    """Like ``enqueue``, but a job with the same ``dedupe_key`` is never added twice."""
    existing = await session.scalar(select(OutboxJob).where(OutboxJob.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    return enqueue(session, clock, topic, payload, delay=delay, dedupe_key=dedupe_key)


def enqueue(
    session: AsyncSession,
    clock: Clock,
    topic: str,
    payload: dict[str, Any],
    *,
    delay: dt.timedelta = dt.timedelta(0),
    dedupe_key: str | None = None,
    max_attempts: int = 8,
) -> OutboxJob:
    """Add a job to the caller's transaction: it exists only if the change it follows commits."""
    now = clock.now()
    job = OutboxJob(
        topic=topic,
        payload=payload,
        status=PENDING,
        attempts=0,
        max_attempts=max_attempts,
        run_after=now + delay,
        created_at=now,
        dedupe_key=dedupe_key,
    )
    session.add(job)
    return job


def backoff(attempts: int, base: float = 5.0, cap: float = 3600.0) -> dt.timedelta:
    """5 s, 10 s, 20 s, ... capped at an hour."""
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


Handler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class Worker:
    db: Database
    clock: Clock
    handlers: Mapping[str, Handler]

    async def claim(self, limit: int = 10) -> list[uuid.UUID]:
        """Take up to ``limit`` due jobs; each is claimed by one worker only."""
        now = self.clock.now()
        due = or_(
            (OutboxJob.status == PENDING) & (OutboxJob.run_after <= now),
            (OutboxJob.status == RUNNING) & (OutboxJob.locked_until < now),
        )
        claimed: list[uuid.UUID] = []
        async with self.db.transaction() as s:
            query = select(OutboxJob.id).where(due).order_by(OutboxJob.run_after).limit(limit)
            if self.db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            for job_id in (await s.scalars(query)).all():
                # Conditional: a job another worker took in the meantime is no longer due.
                result = await s.execute(
                    update(OutboxJob)
                    .where(OutboxJob.id == job_id, due)
                    .values(
                        status=RUNNING, locked_until=now + LEASE, attempts=OutboxJob.attempts + 1
                    )
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(job_id)
        return claimed

    async def run_job(self, job_id: uuid.UUID) -> str:
        async with self.db.transaction() as s:
            job = await s.get(OutboxJob, job_id)
            if job is None:
                return "missing"
            topic, payload, attempts, max_attempts = (
                job.topic,
                dict(job.payload),
                job.attempts,
                job.max_attempts,
            )
        handler = self.handlers.get(topic)
        error: str | None = None
        if handler is None:
            error = f"no handler for topic {topic}"
        else:
            try:
                await handler(payload)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
        now = self.clock.now()
        async with self.db.transaction() as s:
            if error is None:
                values: dict[str, Any] = {"status": DONE, "finished_at": now, "locked_until": None}
                outcome = DONE
            elif attempts >= max_attempts:
                values = {
                    "status": DEAD,
                    "finished_at": now,
                    "last_error": error,
                    "locked_until": None,
                }
                outcome = DEAD
                log.error(
                    "outbox job %s (%s) is dead after %d attempts: %s",
                    job_id,
                    topic,
                    attempts,
                    error,
                )
            else:
                values = {
                    "status": PENDING,
                    "run_after": now + backoff(attempts),
                    "last_error": error,
                    "locked_until": None,
                }
                outcome = PENDING
                log.warning(
                    "outbox job %s (%s) failed, attempt %d: %s", job_id, topic, attempts, error
                )
            await s.execute(update(OutboxJob).where(OutboxJob.id == job_id).values(**values))
        return outcome

    async def run_due(self, limit: int = 50) -> dict[str, int]:
        """Claim and run what is due now; returns a count per outcome."""
        counts: dict[str, int] = {}
        for job_id in await self.claim(limit):
            outcome = await self.run_job(job_id)
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    async def run_forever(
        self,
        poll: float = 1.0,
        stop: asyncio.Event | None = None,
        periodic: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                if periodic is not None:
                    await periodic()
                counts = await self.run_due()
            except Exception:
                log.exception("worker loop failed; retrying")
                counts = {}
            if not counts:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=poll)
