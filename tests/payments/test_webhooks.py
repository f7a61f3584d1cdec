"""Webhooks: forged, altered, stale or replayed ones change nothing; a duplicate is applied once."""

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from qrpark.kit import webhooks
from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.kit.inbox import InboxMessage
from qrpark.kit.outbox import OutboxJob, Worker
from qrpark.operators.models import Operator
from qrpark.payments import jobs
from qrpark.payments.gateway import WebhookRejected
from qrpark.payments.models import IntentStatus
from qrpark.payments.sandbox import SandboxGateway
from qrpark.payments.service import Payments

from .conftest import WEBHOOK_SECRET, register


async def _timed_out_charge(payments: Payments, sandbox: SandboxGateway, operator: Operator):
    method = await register(payments, sandbox, operator, "tok_timeout")
    return await payments.charge(
        payment_method_id=method.id,
        amount=3000,
        currency="KRW",
        account="stay:w:receivable",
        reference="w:1",
        description="parking",
    )


async def _state(db: Database) -> tuple[int, int]:
    async with db.transaction() as s:
        inbox = await s.scalar(select(func.count()).select_from(InboxMessage))
        jobs_ = await s.scalar(select(func.count()).select_from(OutboxJob))
    return int(inbox or 0), int(jobs_ or 0)


async def test_a_genuine_webhook_settles_the_payment_once(
    payments: Payments,
    sandbox: SandboxGateway,
    operator: Operator,
    db: Database,
    clock: FrozenClock,
) -> None:
    intent = await _timed_out_charge(payments, sandbox, operator)
    assert intent.status is IntentStatus.AMBIGUOUS
    [(_event_id, headers, body)] = sandbox.undelivered_webhooks(clock.now())
    assert await payments.receive_webhook("sandbox", headers, body) == "queued"
    assert await payments.receive_webhook("sandbox", headers, body) == "duplicate"
    worker = Worker(db, clock, jobs.handlers(payments))
    assert await worker.run_due() == {"done": 1}
    async with db.transaction() as s:
        assert (await s.get(type(intent), intent.id)).status is IntentStatus.SUCCEEDED
    assert await _state(db) == (1, 1)


def _forge(
    body: bytes,
    clock: FrozenClock,
    secret: str = WEBHOOK_SECRET,
    msg_id: str | None = None,
    at: dt.datetime | None = None,
) -> dict[str, str]:
    event = json.loads(body)
    return webhooks.headers_for(
        secret, msg_id or event["id"], int((at or clock.now()).timestamp()), body
    )


@pytest.mark.parametrize(
    "attack", ["forged", "tampered", "stale", "future", "unsigned", "swapped_id"]
)
async def test_bad_webhooks_are_rejected_with_no_state_change(
    payments: Payments,
    sandbox: SandboxGateway,
    operator: Operator,
    db: Database,
    clock: FrozenClock,
    attack: str,
) -> None:
    intent = await _timed_out_charge(payments, sandbox, operator)
    [(_, headers, body)] = sandbox.undelivered_webhooks(clock.now())
    if attack == "forged":
        headers = _forge(body, clock, secret="whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB")
    elif attack == "tampered":
        body = body.replace(str(intent.id).encode(), b"00000000-0000-7000-8000-000000000000")
    elif attack == "stale":
        headers = _forge(body, clock, at=clock.now() - dt.timedelta(minutes=6))
    elif attack == "future":
        headers = _forge(body, clock, at=clock.now() + dt.timedelta(minutes=6))
    elif attack == "unsigned":
        headers = {k: v for k, v in headers.items() if k != "webhook-signature"}
    elif attack == "swapped_id":
        headers = _forge(body, clock, msg_id="evt_other")
    before = await _state(db)
    with pytest.raises(WebhookRejected):
        await payments.receive_webhook("sandbox", headers, body)
    assert await _state(db) == before
    async with db.transaction() as s:
        assert (await s.get(type(intent), intent.id)).status is IntentStatus.AMBIGUOUS


async def test_a_replayed_webhook_after_the_window_is_rejected_and_within_it_ignored(
    payments: Payments,
    sandbox: SandboxGateway,
    operator: Operator,
    db: Database,
    clock: FrozenClock,
) -> None:
    await _timed_out_charge(payments, sandbox, operator)
    [(_, headers, body)] = sandbox.undelivered_webhooks(clock.now())
    assert await payments.receive_webhook("sandbox", headers, body) == "queued"
    clock.advance(dt.timedelta(minutes=1))
    assert await payments.receive_webhook("sandbox", headers, body) == "duplicate"
    clock.advance(dt.timedelta(minutes=10))
    with pytest.raises(WebhookRejected):
        await payments.receive_webhook("sandbox", headers, body)
    assert await _state(db) == (1, 1)


async def test_the_webhook_endpoint_answers_400_to_a_forgery(client, clock: FrozenClock) -> None:
    body = b'{"id":"evt_x","type":"payment.paid","data":{"order_id":"x"},"created":1}'
    headers = webhooks.headers_for(
        "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", "evt_x", int(clock.now().timestamp()), body
    )
    response = await client.post("/api/v1/payments/webhooks/sandbox", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == "webhook_rejected"
