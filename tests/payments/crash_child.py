"""Child process for the crash tests: charge once and die by SIGKILL at the named point.

Usage: python crash_child.py DATABASE_URL GATEWAY_FILE PAYMENT_METHOD_ID REFERENCE CRASH_POINT
"""

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path

from qrpark.kit.clock import SystemClock
from qrpark.kit.db import Database
from qrpark.payments.sandbox import SandboxGateway
from qrpark.payments.service import Payments

WEBHOOK_SECRET = "whsec_dGVzdC13ZWJob29rLXNlY3JldC0xMjM0NTY="


class KillAt:
    def __init__(self, point: str) -> None:
        self.point = point

    def hit(self, name: str) -> None:
        if name == self.point:
            os.kill(os.getpid(), signal.SIGKILL)


async def main(url: str, gateway_file: str, method_id: str, reference: str, point: str) -> None:
    db = Database.from_url(url)
    sandbox = SandboxGateway(
        Path(gateway_file), base_url="https://park.example", webhook_secret=WEBHOOK_SECRET
    )
    payments = Payments(
        db=db,
        clock=SystemClock(),
        gateways={"sandbox": sandbox},
        public_base_url="https://park.example",
        crash=KillAt(point),
    )
    await payments.charge(
        payment_method_id=uuid.UUID(method_id),
        amount=4500,
        currency="KRW",
        account="stay:crash:receivable",
        reference=reference,
        description="parking",
    )
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
