"""The outbox worker: jobs run after commit, retry with backoff, die after their attempts."""

import datetime as dt

from sqlalchemy import select

from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.kit.outbox import DEAD, DONE, PENDING, OutboxJob, Worker, backoff, enqueue


async def test_a_job_rolled_back_with_its_change_never_runs(
    db: Database, clock: FrozenClock
) -> None:
    ran: list[dict] = []

    async def handler(payload: dict) -> None:
        ran.append(payload)

    class Boom(Exception):
        pass

    try:
        async with db.transaction() as s:
            enqueue(s, clock, "t", {"n": 1})
            raise Boom
    except Boom:
        pass
    async with db.transaction() as s:
        enqueue(s, clock, "t", {"n": 2})
    assert await Worker(db, clock, {"t": handler}).run_due() == {DONE: 1}
    assert ran == [{"n": 2}]


async def test_failures_back_off_and_end_dead(db: Database, clock: FrozenClock) -> None:
    calls = 0

    async def flaky(payload: dict) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("channel down")

    async with db.transaction() as s:
        job = enqueue(s, clock, "flaky", {}, max_attempts=3)
    worker = Worker(db, clock, {"flaky": flaky})
    assert await worker.run_due() == {PENDING: 1}
    assert await worker.run_due() == {}  # not due before its backoff
    clock.advance(backoff(1))
    assert await worker.run_due() == {PENDING: 1}
    clock.advance(backoff(2))
    assert await worker.run_due() == {DEAD: 1}
    async with db.transaction() as s:
        row = await s.get(OutboxJob, job.id)
        assert row.status == DEAD
        assert "channel down" in row.last_error
    assert calls == 3


async def test_a_claimed_job_is_not_claimed_again_until_its_lease_expires(
    db: Database, clock: FrozenClock
) -> None:
    async with db.transaction() as s:
        enqueue(s, clock, "t", {})
    worker = Worker(db, clock, {})
    assert len(await worker.claim()) == 1
    assert await worker.claim() == []  # a second worker finds nothing
    clock.advance(dt.timedelta(minutes=6))  # the first worker died holding it
    assert len(await worker.claim()) == 1


async def test_unknown_topics_are_parked_not_lost(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        enqueue(s, clock, "nobody-handles-this", {}, max_attempts=1)
    assert await Worker(db, clock, {}).run_due() == {DEAD: 1}
    async with db.transaction() as s:
        assert (
            await s.scalars(select(OutboxJob.last_error))
        ).one() == "no handler for topic nobody-handles-this"
