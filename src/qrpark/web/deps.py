"""FastAPI dependencies: the unit of work per request, the caller's locale, the operator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.errors import Unauthorized
from qrpark.operators.models import Operator
from qrpark.operators.service import authenticate
from qrpark.web.container import Container
from qrpark.web.i18n import negotiate


def container(request: Request) -> Container:
    c: Container = request.app.state.container
    return c


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: committed when the handler returns, rolled back if it raises."""
    async with container(request).db.transaction() as s:
        yield s


def locale(request: Request) -> str:
    return negotiate(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
        container(request).settings.default_locale,
    )


_bearer = HTTPBearer(auto_error=False, description="An operator API token (qrp_...)")


async def operator(
    session: Annotated[AsyncSession, Depends(session)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Operator:
    if credentials is None:
        raise Unauthorized
    return await authenticate(session, credentials.credentials)


Session = Annotated[AsyncSession, Depends(session)]
Locale = Annotated[str, Depends(locale)]
CurrentOperator = Annotated[Operator, Depends(operator)]
AppContainer = Annotated[Container, Depends(container)]
