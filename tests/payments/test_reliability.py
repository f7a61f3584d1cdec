"""Money is never lost or taken twice: time-outs, concurrent duplicates, and killed processes."""

import asyncio
import datetime as dt
import random
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from qrpark.demo import seed
from qrpark.kit.clock import FrozenClock, SystemClock
from qrpark.kit.db import Database
from qrpark.ledger import service as ledger
from qrpark.ledger.models import JournalEntry
from qrpark.operators.service import issue_api_token
from qrpark.payments.jobs import check_payments
from qrpark.payments.models import IntentStatus, PaymentIntent
from qrpark.payments.sandbox import SandboxGateway
from qrpark.payments.service import Payments
from qrpark.settings import Settings

from .conftest import WEBHOOK_SECRET, register

CHILD = Path(__file__).with_name("crash_child.py")


async def _booked_charges(db: Database) -> dict[str, int]:
    async with db.transaction() as s:
        rows = (
            await s.execute(select(JournalEntry.reference).where(JournalEntry.kind == "charge"))
        ).all()
        out = {}
        for (ref,) in rows:
            intent_id = ref.split(":", 1)[1]
            intent = await s.get(PaymentIntent, uuid.UUID(intent_id))
            out[intent_id] = intent.amount - intent.refunded_amount
        return out


@pytest.mark.slow
async def test_a_thousand_charges_with_ten_percent_time_outs_lose_nothing_and_double_nothing(
    db: Database, clock: FrozenClock, tmp_path: Path, operator
) -> None:
    sandbox = SandboxGateway(
        tmp_path / "flaky.sqlite3",
        base_url="https://park.example",
        webhook_secret=WEBHOOK_SECRET,
        timeout_rate=0.10,
        seed=20261124,
    )
    payments = Payments(
        db=db, clock=clock, gateways={"sandbox": sandbox}, public_base_url="https://park.example"
    )
    method = await register(payments, sandbox, operator)
    rng = random.Random(7)
    ambiguous = 0
    for i in range(1000):
        amount = rng.randrange(500, 50000, 100)
        intent = await payments.charge(
            payment_method_id=method.id,
            amount=amount,
            currency="KRW",
            account=f"stay:{i}:receivable",
            reference=f"run:{i}",
            description="p",
        )
        ambiguous += intent.status is IntentStatus.AMBIGUOUS
        if rng.random() < 0.2:  # an impatient client retries the same business action
            await payments.charge(
                payment_method_id=method.id,
                amount=amount,
                currency="KRW",
                account=f"stay:{i}:receivable",
                reference=f"run:{i}",
                description="p",
            )
    assert 50 < ambiguous < 150  # the injected fault really happened, about 10% of the time
    clock.advance(dt.timedelta(minutes=5))
    await payments.recover()
    async with db.transaction() as s:
        statuses = dict(
            (
                await s.execute(
                    select(PaymentIntent.status, func.count()).group_by(PaymentIntent.status)
                )
            ).all()
        )
        _, problems = await check_payments(s)
    assert statuses == {IntentStatus.SUCCEEDED: 1000}  # every intent resolved
    gateway = sandbox.paid_totals()
    assert len(gateway) == 1000  # one gateway charge per business action: no double charge
    assert (
        await _booked_charges(db) == gateway
    )  # every charge the gateway made is booked: none lost
    assert problems == []


async def test_fifty_concurrent_requests_with_one_key_charge_once(
    fresh_db: Database, tmp_path: Path
) -> None:
    clock = SystemClock()
    sandbox = SandboxGateway(
        tmp_path / "gw.sqlite3",
        base_url="https://park.example",
        webhook_secret=WEBHOOK_SECRET,
        latency=0.05,
    )
    async with fresh_db.transaction() as s:
        operator, _, _ = await seed(s, clock)
        token = await issue_api_token(s, clock, operator, "test")
    payments = Payments(
        db=fresh_db,
        clock=clock,
        gateways={"sandbox": sandbox},
        public_base_url="https://park.example",
    )
    method = await register(payments, sandbox, operator)

    from qrpark.web.app import create_app

    settings = Settings(
        environment="test", data_dir=tmp_path, public_base_url="https://park.example"
    )
    app = create_app(settings, db=fresh_db, clock=clock, gateways={"sandbox": sandbox})
    body = {
        "payment_method_id": str(method.id),
        "amount": 7000,
        "currency": "KRW",
        "description": "parking",
    }
    headers = {"authorization": f"Bearer {token}", "idempotency-key": "exit-42"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://park.example"
    ) as c:
        responses = await asyncio.gather(
            *[c.post("/api/v1/payments/charges", json=body, headers=headers) for _ in range(50)]
        )
        codes = sorted({r.status_code for r in responses})
        assert set(codes) <= {201, 409}
        assert 201 in codes
        ids = {r.json()["id"] for r in responses if r.status_code == 201}
        assert len(ids) == 1
        retry = await c.post("/api/v1/payments/charges", json=body, headers=headers)
        assert retry.status_code == 201
        assert retry.json()["id"] in ids
        other = await c.post(
            "/api/v1/payments/charges", json={**body, "amount": 7001}, headers=headers
        )
        assert other.status_code == 422
        missing = await c.post(
            "/api/v1/payments/charges",
            json=body,
            headers={"authorization": headers["authorization"]},
        )
        assert missing.status_code == 400
    assert len(sandbox.paid_totals()) == 1
    async with fresh_db.transaction() as s:
        entries = await s.scalar(
            select(func.count()).select_from(JournalEntry).where(JournalEntry.kind == "charge")
        )
    assert entries == 1


@pytest.mark.parametrize(
    "point", ["before_gateway", "after_gateway", "before_commit", "after_commit"]
)
async def test_a_killed_process_leaves_gateway_and_ledger_in_agreement(
    fresh_db: Database, fresh_database_url: str, tmp_path: Path, point: str
) -> None:
    clock = SystemClock()
    gateway_file = tmp_path / "gw.sqlite3"
    sandbox = SandboxGateway(
        gateway_file, base_url="https://park.example", webhook_secret=WEBHOOK_SECRET
    )
    async with fresh_db.transaction() as s:
        operator, _, _ = await seed(s, clock)
    payments = Payments(
        db=fresh_db,
        clock=clock,
        gateways={"sandbox": sandbox},
        public_base_url="https://park.example",
        recovery_grace=dt.timedelta(0),
    )
    method = await register(payments, sandbox, operator)
    child = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            str(CHILD),
            fresh_database_url,
            str(gateway_file),
            str(method.id),
            "crash:1",
            point,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == -9, child.stderr  # really killed, not a clean exit
    await payments.recover()
    # The driver's page retries the same business action afterwards: still one charge at most.
    retried = await payments.charge(
        payment_method_id=method.id,
        amount=4500,
        currency="KRW",
        account="stay:crash:receivable",
        reference="crash:1",
        description="parking",
    )
    gateway = sandbox.paid_totals()
    assert await _booked_charges(fresh_db) == gateway
    assert len(gateway) <= 1
    async with fresh_db.transaction() as s:
        _, problems = await check_payments(s)
        assert (await ledger.check_entries(s)).problems == []
    assert problems == []
    if point == "before_gateway":
        # Nothing reached the gateway: recovery closed the attempt as never submitted, and the
        # same reference does not silently charge later; the stay's own retry schedule does.
        assert retried.status is IntentStatus.FAILED
        assert retried.failure_code == "not_submitted"
        assert gateway == {}
    else:
        assert retried.status is IntentStatus.SUCCEEDED
        assert len(gateway) == 1
