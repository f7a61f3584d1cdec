"""PortOne V2 (Korea): billing-key payments, one-off payments, cancellations and webhooks.

REST API at ``api.portone.io`` with ``Authorization: PortOne <API secret>``. Our payment id is
PortOne's ``paymentId``: paying the same id twice is refused by PortOne (``ALREADY_PAID``), which
is what makes retries safe. Card windows are PortOne's browser SDK, opened by a small page of ours.
Webhooks follow the Standard Webhooks signature scheme. Amounts are sent as integers of the
currency's minor unit, which for KRW is the won itself.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from qrpark.kit import webhooks
from qrpark.payments.gateway import (
    CardInfo,
    ChargeResult,
    GatewayError,
    Redirect,
    RefundResult,
    RegistrationFailed,
    RemotePayment,
    RemoteStatus,
    WebhookEvent,
    WebhookRejected,
)
from qrpark.payments.http import error_body, send

PAID_STATES = {"PAID", "PARTIAL_CANCELLED", "CANCELLED"}
PENDING_STATES = {"READY", "PAY_PENDING", "VIRTUAL_ACCOUNT_ISSUED"}


class PortOneGateway:
    name = "portone"

    def __init__(
        self,
        *,
        api_secret: str,
        store_id: str,
        channel_key: str,
        webhook_secret: str,
        api_base: str,
        public_base_url: str,
        timeout: float = 15.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.store_id = store_id
        self.channel_key = channel_key
        self.webhook_secret = webhook_secret
        self.public_base_url = public_base_url.rstrip("/")
        self.client = client or httpx.AsyncClient(
            base_url=api_base.rstrip("/"),
            timeout=timeout,
            headers={"Authorization": f"PortOne {api_secret}", "Content-Type": "application/json"},
        )

    # Card windows are PortOne's browser SDK on a page of ours, which returns to ``return_url``
    # with ``billingKey`` (or ``code``/``message`` on failure) in the query.
    async def start_registration(self, *, registration_id: str, return_url: str) -> Redirect:
        url = f"{self.public_base_url}/payments/portone/issue/{quote(registration_id)}"
        return Redirect(registration_id, url)

    async def finish_registration(self, remote_id: str, params: Mapping[str, str]) -> CardInfo:
        if params.get("code"):
            raise RegistrationFailed(params["code"][:60], params.get("message", ""))
        billing_key = params.get("billingKey", "")
        if not billing_key:
            raise RegistrationFailed("no_billing_key")
        response = await send(
            self.client,
            "GET",
            f"/billing-keys/{quote(billing_key, safe='')}",
            params={"storeId": self.store_id},
        )
        if response.status_code != 200:
            raise RegistrationFailed(str(error_body(response).get("type", "billing_key_not_found")))
        data = response.json()
        if data.get("status") != "ISSUED":
            raise RegistrationFailed(f"billing_key_{str(data.get('status', 'unknown')).lower()}")
        card: dict[str, Any] = next(
            (m["card"] for m in data.get("methods", []) if m.get("card")), {}
        )
        number = str(card.get("number", ""))
        return CardInfo(
            billing_key,
            str(card.get("brand") or card.get("issuer") or "CARD"),
            number[-4:] if number[-4:].isdigit() else "****",
        )

    async def charge(
        self, *, billing_key: str, amount: int, currency: str, order_id: str, order_name: str
    ) -> ChargeResult:
        body = {
            "storeId": self.store_id,
            "billingKey": billing_key,
            "orderName": order_name,
            "amount": {"total": amount},
            "currency": currency,
        }
        if self.channel_key:
            body["channelKey"] = self.channel_key
        response = await send(
            self.client,
            "POST",
            f"/payments/{quote(order_id, safe='')}/billing-key",
            json=body,
            answered_5xx=frozenset({"PG_PROVIDER"}),
        )
        if response.status_code == 200:
            payment = response.json().get("payment", {})
            return ChargeResult(True, str(payment.get("pgTxId") or order_id))
        err = error_body(response)
        kind = str(err.get("type", f"http_{response.status_code}"))
        if kind == "ALREADY_PAID":  # an earlier attempt with this id went through
            remote = await self.lookup(order_id)
            if remote.status is RemoteStatus.PAID:
                return ChargeResult(True, remote.gateway_payment_id)
        code = str(err.get("pgCode") or kind).lower()[:60]
        return ChargeResult(
            False, None, code, str(err.get("pgMessage") or err.get("message") or "")
        )

    async def start_checkout(
        self, *, order_id: str, amount: int, currency: str, order_name: str, return_url: str
    ) -> Redirect:
        back = quote(return_url.removeprefix(self.public_base_url), safe="")
        return Redirect(
            order_id, f"{self.public_base_url}/payments/portone/pay/{quote(order_id)}?return={back}"
        )

    async def lookup(self, order_id: str) -> RemotePayment:
        response = await send(
            self.client,
            "GET",
            f"/payments/{quote(order_id, safe='')}",
            params={"storeId": self.store_id},
        )
        if response.status_code == 404:
            return RemotePayment(RemoteStatus.NOT_FOUND)
        if response.status_code != 200:
            raise GatewayError(
                f"portone lookup: HTTP {response.status_code} {error_body(response).get('type')}"
            )
        data = response.json()
        status = str(data.get("status", ""))
        amount = data.get("amount", {})
        if status in PAID_STATES:
            return RemotePayment(
                RemoteStatus.PAID,
                int(amount.get("total", 0)),
                str(data.get("currency", "")),
                int(amount.get("cancelled", 0)),
                str(data.get("pgTxId") or order_id),
            )
        if status in PENDING_STATES:
            return RemotePayment(RemoteStatus.PENDING)
        failure = data.get("failure") or {}
        return RemotePayment(
            RemoteStatus.FAILED, failure_code=str(failure.get("pgCode") or "failed").lower()
        )

    async def refund(
        self,
        *,
        order_id: str,
        gateway_payment_id: str,
        amount: int,
        currency: str,
        refund_id: str,
        reason: str,
    ) -> RefundResult:
        # PortOne cancellations carry no idempotency key: tag the reason with our refund id and
        # look for it before cancelling again.
        tag = f"[qrpark:{refund_id}]"
        response = await send(
            self.client,
            "GET",
            f"/payments/{quote(order_id, safe='')}",
            params={"storeId": self.store_id},
        )
        if response.status_code == 200:
            for cancellation in response.json().get("cancellations", []):
                if tag in str(cancellation.get("reason", "")):
                    return RefundResult(
                        str(cancellation.get("id", refund_id)),
                        int(cancellation.get("totalAmount", amount)),
                    )
        response = await send(
            self.client,
            "POST",
            f"/payments/{quote(order_id, safe='')}/cancel",
            json={"storeId": self.store_id, "amount": amount, "reason": f"{reason} {tag}"[:200]},
        )
        if response.status_code != 200:
            err = error_body(response)
            raise GatewayError(
                f"portone cancel refused: {err.get('type')} {err.get('message', '')}"
            )
        cancellation = response.json().get("cancellation", {})
        return RefundResult(
            str(cancellation.get("id", refund_id)), int(cancellation.get("totalAmount", amount))
        )

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> WebhookEvent:
        try:
            msg_id = webhooks.verify(self.webhook_secret, headers, body, now)
            data = json.loads(body)
            stamp = dt.datetime.fromisoformat(str(data["timestamp"]).replace("Z", "+00:00"))
            payment_id = data.get("data", {}).get("paymentId")
            return WebhookEvent(
                msg_id, str(data["type"]), str(payment_id) if payment_id else None, stamp
            )
        except (webhooks.SignatureError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WebhookRejected(str(exc)) from exc
