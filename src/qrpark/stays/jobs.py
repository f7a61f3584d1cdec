"""Outbox handlers of the stays domain: settling an uncertain charge, retrying a declined one."""

from __future__ import annotations

import uuid
from typing import Any

from qrpark.kit.clock import Clock
from qrpark.kit.db import Database
from qrpark.kit.outbox import Handler
from qrpark.payments.service import Payments
from qrpark.stays import service


def handlers(db: Database, clock: Clock, payments: Payments) -> dict[str, Handler]:
    async def settle(payload: dict[str, Any]) -> None:
        intent = await payments.resolve(uuid.UUID(payload["intent_id"]))
        await service.record_intent(
            db, clock, uuid.UUID(payload["stay_id"]), intent.id, int(payload["attempt"])
        )

    async def retry(payload: dict[str, Any]) -> None:
        await service.charge_remainder(db, clock, payments, uuid.UUID(payload["stay_id"]))

    return {service.SETTLE_TOPIC: settle, service.RETRY_TOPIC: retry}
