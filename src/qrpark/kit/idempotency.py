"""``Idempotency-Key`` for POSTs that start payments.

Same key and same body: the stored response. Same key, other body: 422. A duplicate that arrives
while the first is still running: 409, and its retry after the first has finished gets the stored
response. A key whose first request died mid-way (crash) can be taken over after ``LOCK_TTL``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Integer, String, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.kit.clock import Clock
from qrpark.kit.db import Base, Database
from qrpark.kit.errors import Conflict, InvalidInput, QrparkError

LOCK_TTL = dt.timedelta(minutes=5)
KEY_MAX = 200


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    # The caller's scope (who sent it, which endpoint) joined with their key.
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))  # running | done
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[Any | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime]


class KeyReused(InvalidInput):
    code = "idempotency_key_reused"
    message_en = "This Idempotency-Key was already used with a different request."
    message_ko = "이 Idempotency-Key는 다른 요청에 이미 사용되었습니다."


class KeyInFlight(Conflict):
    code = "idempotency_key_in_flight"
    message_en = "A request with this Idempotency-Key is still being processed; retry shortly."
    message_ko = "같은 Idempotency-Key의 요청을 처리 중입니다. 잠시 후 다시 시도하세요."


class BadKey(InvalidInput):
    code = "bad_idempotency_key"
    message_en = "The Idempotency-Key header must be 1-200 printable characters."
    message_ko = "Idempotency-Key 헤더는 1~200자의 문자여야 합니다."


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: Any


def request_hash(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def run_once(
    db: Database,
    clock: Clock,
    *,
    scope: str,
    key: str,
    fingerprint: str,
    handler: Callable[[], Awaitable[StoredResponse]],
) -> StoredResponse:
    """Run ``handler`` at most once per (scope, key), storing and replaying its response.

    Only responses under 500 are stored: a server error releases the key so a retry runs again.
    """
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise BadKey
    full = f"{scope}|{key}"
    now = clock.now()
    try:
        async with db.transaction() as s:
            s.add(
                IdempotencyRecord(
                    key=full,
                    request_hash=fingerprint,
                    status="running",
                    created_at=now,
                    locked_until=now + LOCK_TTL,
                )
            )
    except IntegrityError:
        async with db.transaction() as s:
            row = await s.get(IdempotencyRecord, full)
            if row is None:  # released between our insert and this read: treat as in flight
                raise KeyInFlight from None
            if row.request_hash != fingerprint:
                raise KeyReused from None
            if row.status == "done" and row.response_status is not None:
                return StoredResponse(row.response_status, row.response_body)
            if row.locked_until > now:
                raise KeyInFlight from None
            # The first request died without finishing: take the key over.
            taken = await s.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.key == full,
                    IdempotencyRecord.locked_until == row.locked_until,
                )
                .values(locked_until=now + LOCK_TTL)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                raise KeyInFlight from None
    try:
        try:
            response = await handler()
        except QrparkError as exc:  # a user's mistake or a refusal is an answer, and replays as one
            response = StoredResponse(exc.status_code, exc.to_json())
    except Exception:
        async with db.transaction() as s:
            await s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.key == full))
        raise
    async with db.transaction() as s:
        if response.status >= 500:
            await s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.key == full))
        else:
            await s.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.key == full)
                .values(status="done", response_status=response.status, response_body=response.body)
            )
    return response
