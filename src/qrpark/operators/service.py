"""Operators and their API tokens."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.audit.service import record
from qrpark.kit.clock import Clock
from qrpark.kit.errors import Conflict, Unauthorized
from qrpark.kit.signing import digest
from qrpark.operators.models import ApiToken, Operator

TOKEN_PREFIX = "qrp_"  # noqa: S105 - a public prefix, not a secret


class OperatorExists(Conflict):
    code = "operator_exists"
    message_en = "An operator with code {code} already exists."
    message_ko = "코드 {code}인 운영사가 이미 있습니다."


async def create_operator(session: AsyncSession, clock: Clock, code: str, name: str) -> Operator:
    """Create an operator (tenant). Codes are unique."""
    existing = await session.scalar(select(Operator).where(Operator.code == code))
    if existing is not None:
        raise OperatorExists(code=code)
    operator = Operator(code=code, name=name, created_at=clock.now())
    session.add(operator)
    await session.flush()
    record(
        session,
        clock,
        actor="system",
        action="operator.create",
        entity="operator",
        entity_id=operator.id,
        operator_id=operator.id,
        data={"code": code},
    )
    return operator


async def get_operator(session: AsyncSession, code: str) -> Operator | None:
    return await session.scalar(select(Operator).where(Operator.code == code))


async def issue_api_token(
    session: AsyncSession, clock: Clock, operator: Operator, name: str
) -> str:
    """Create an API token for ``operator``. The token is returned once; only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            operator_id=operator.id, name=name, token_hash=digest(token), created_at=clock.now()
        )
    )
    record(
        session,
        clock,
        actor="system",
        action="api_token.issue",
        entity="operator",
        entity_id=operator.id,
        operator_id=operator.id,
        data={"name": name},
    )
    return token


async def authenticate(session: AsyncSession, token: str) -> Operator:
    """The operator an API token belongs to, or ``Unauthorized``."""
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthorized
    row = await session.scalar(
        select(ApiToken).where(ApiToken.token_hash == digest(token), ApiToken.revoked_at.is_(None))
    )
    if row is None:
        raise Unauthorized
    operator = await session.get(Operator, row.operator_id)
    if operator is None:  # pragma: no cover - the foreign key forbids it
        raise Unauthorized
    return operator
