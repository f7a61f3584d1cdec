"""Payments fixtures: a sandbox gateway in a temporary file, the Payments service, a card."""

from __future__ import annotations

from pathlib import Path

import pytest

from qrpark.demo import seed
from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.operators.models import Operator
from qrpark.payments.models import PaymentMethod
from qrpark.payments.sandbox import SandboxGateway
from qrpark.payments.service import Payments

WEBHOOK_SECRET = "whsec_dGVzdC13ZWJob29rLXNlY3JldC0xMjM0NTY="


@pytest.fixture
def sandbox(tmp_path: Path) -> SandboxGateway:
    return SandboxGateway(
        tmp_path / "gateway.sqlite3", base_url="https://park.example", webhook_secret=WEBHOOK_SECRET
    )


@pytest.fixture
def payments(db: Database, clock: FrozenClock, sandbox: SandboxGateway) -> Payments:
    return Payments(
        db=db, clock=clock, gateways={"sandbox": sandbox}, public_base_url="https://park.example"
    )


@pytest.fixture
async def operator(db: Database, clock: FrozenClock) -> Operator:
    async with db.transaction() as s:
        op, _, _ = await seed(s, clock)
    return op


async def register(
    payments: Payments,
    sandbox: SandboxGateway,
    operator: Operator,
    token: str = "tok_visa",
    owner: str = "driver-1",
) -> PaymentMethod:
    """A card registered through the sandbox with an API test token."""
    reg_id, url = await payments.start_registration(
        operator_id=operator.id, gateway="sandbox", owner_ref=owner, return_to=None
    )
    sandbox.complete_with_token(url.rsplit("/", 1)[1], token)
    return await payments.finish_registration(reg_id)
