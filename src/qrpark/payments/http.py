"""Shared HTTP plumbing for gateway adapters: one client, errors mapped to what they mean."""

from __future__ import annotations

from typing import Any

import httpx

from qrpark.payments.gateway import GatewayAmbiguous, GatewayUnavailable


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    answered_5xx: frozenset[str] = frozenset(),
    **kwargs: Any,
) -> httpx.Response:
    """Send a request. A refused connection certainly did nothing; a time-out after sending, or a
    server error, may have done something. ``answered_5xx`` names error types that a gateway
    reports with a 5xx status although the outcome is certain (PortOne's card-issuer refusals)."""
    try:
        response = await client.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise GatewayUnavailable(f"{method} {url}: {type(exc).__name__}") from exc
    except httpx.HTTPError as exc:
        raise GatewayAmbiguous(f"{method} {url}: {type(exc).__name__}") from exc
    if response.status_code >= 500 and error_body(response).get("type") not in answered_5xx:
        raise GatewayAmbiguous(f"{method} {url}: HTTP {response.status_code}")
    return response


def error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
