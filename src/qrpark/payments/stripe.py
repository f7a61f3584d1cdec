"""Stripe: saved cards through Checkout in setup mode, off-session PaymentIntents, refunds, webhooks.

Form-encoded REST at ``api.stripe.com`` with a bearer secret key. Every POST that moves money
carries an ``Idempotency-Key`` derived from our id. Our order id travels as
``metadata[order_id]``. Stripe counts KRW and JPY in whole units and USD/EUR in cents, which is
exactly our minor units, so amounts pass through unchanged; currencies are lower-cased here.
Lookups use the search API, which can lag a freshly created payment by a short while; a
payment first seen as not found and later paid is still booked when its webhook arrives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import httpx

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

TOLERANCE = dt.timedelta(minutes=5)


def stripe_signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return mac.hexdigest()


class StripeGateway:
    name = "stripe"

    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        api_base: str,
        timeout: float = 15.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.webhook_secret = webhook_secret
        self.client = client or httpx.AsyncClient(
            base_url=api_base.rstrip("/"),
            timeout=timeout,
            headers={"Authorization": f"Bearer {secret_key}"},
        )

    async def _post(
        self, path: str, data: dict[str, Any], idempotency_key: str | None = None
    ) -> httpx.Response:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return await send(self.client, "POST", path, data=data, headers=headers)

    async def start_registration(self, *, registration_id: str, return_url: str) -> Redirect:
        customer = await self._post(
            "/v1/customers",
            {"metadata[qrpark_registration]": registration_id},
            f"qrpark-customer-{registration_id}",
        )
        if customer.status_code != 200:
            raise GatewayError(f"stripe customer: {error_body(customer).get('error', {})}")
        session = await self._post(
            "/v1/checkout/sessions",
            {
                "mode": "setup",
                "customer": customer.json()["id"],
                "currency": "krw",
                "payment_method_types[]": "card",
                "client_reference_id": registration_id,
                "success_url": f"{return_url}?session_id={{CHECKOUT_SESSION_ID}}",
                "cancel_url": f"{return_url}?cancelled=1",
            },
            f"qrpark-setup-{registration_id}",
        )
        if session.status_code != 200:
            raise GatewayError(f"stripe setup session: {error_body(session).get('error', {})}")
        data = session.json()
        return Redirect(str(data["id"]), str(data["url"]))

    async def finish_registration(self, remote_id: str, params: Mapping[str, str]) -> CardInfo:
        response = await send(
            self.client,
            "GET",
            f"/v1/checkout/sessions/{remote_id}",
            params={"expand[]": "setup_intent.payment_method"},
        )
        if response.status_code != 200:
            raise RegistrationFailed("session_not_found")
        session = response.json()
        setup = session.get("setup_intent") or {}
        if session.get("status") != "complete" or setup.get("status") != "succeeded":
            raise RegistrationFailed(
                "not_completed" if not params.get("cancelled") else "cancelled"
            )
        method = setup.get("payment_method") or {}
        card = method.get("card") or {}
        return CardInfo(
            f"{session['customer']}|{method['id']}",
            str(card.get("brand", "card")).upper(),
            str(card.get("last4", "****")),
        )

    async def charge(
        self, *, billing_key: str, amount: int, currency: str, order_id: str, order_name: str
    ) -> ChargeResult:
        customer, _, method = billing_key.partition("|")
        response = await self._post(
            "/v1/payment_intents",
            {
                "amount": amount,
                "currency": currency.lower(),
                "customer": customer,
                "payment_method": method,
                "off_session": "true",
                "confirm": "true",
                "description": order_name,
                "metadata[order_id]": order_id,
            },
            f"qrpark-charge-{order_id}",
        )
        data = error_body(response)
        if response.status_code == 200 and data.get("status") == "succeeded":
            return ChargeResult(True, str(data["id"]))
        error = data.get("error", {}) if response.status_code != 200 else {}
        code = str(error.get("decline_code") or error.get("code") or data.get("status") or "failed")
        pi = error.get("payment_intent", {}) or {}
        return ChargeResult(
            False, pi.get("id") or data.get("id"), code[:60], str(error.get("message", ""))
        )

    async def start_checkout(
        self, *, order_id: str, amount: int, currency: str, order_name: str, return_url: str
    ) -> Redirect:
        response = await self._post(
            "/v1/checkout/sessions",
            {
                "mode": "payment",
                "client_reference_id": order_id,
                "metadata[order_id]": order_id,
                "payment_intent_data[metadata][order_id]": order_id,
                "line_items[0][quantity]": 1,
                "line_items[0][price_data][currency]": currency.lower(),
                "line_items[0][price_data][unit_amount]": amount,
                "line_items[0][price_data][product_data][name]": order_name,
                "success_url": return_url,
                "cancel_url": return_url,
            },
            f"qrpark-checkout-{order_id}",
        )
        if response.status_code != 200:
            raise GatewayError(f"stripe checkout: {error_body(response).get('error', {})}")
        data = response.json()
        return Redirect(str(data["id"]), str(data["url"]))

    async def lookup(self, order_id: str) -> RemotePayment:
        response = await send(
            self.client,
            "GET",
            "/v1/payment_intents/search",
            params={"query": f"metadata['order_id']:'{order_id}'"},
        )
        if response.status_code != 200:
            raise GatewayError(f"stripe search: HTTP {response.status_code}")
        found = response.json().get("data", [])
        if not found:
            return RemotePayment(RemoteStatus.NOT_FOUND)
        pi = found[0]
        if pi.get("status") == "succeeded":
            refunded = 0
            charge = pi.get("latest_charge")
            if isinstance(charge, dict):
                refunded = int(charge.get("amount_refunded", 0))
            return RemotePayment(
                RemoteStatus.PAID,
                int(pi["amount"]),
                str(pi["currency"]).upper(),
                refunded,
                str(pi["id"]),
            )
        if pi.get("status") in ("requires_payment_method", "canceled"):
            error = pi.get("last_payment_error") or {}
            return RemotePayment(
                RemoteStatus.FAILED,
                failure_code=str(error.get("decline_code") or error.get("code") or pi["status"]),
            )
        return RemotePayment(RemoteStatus.PENDING)

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
        response = await self._post(
            "/v1/refunds",
            {
                "payment_intent": gateway_payment_id,
                "amount": amount,
                "metadata[refund_id]": refund_id,
                "metadata[reason]": reason[:400],
            },
            f"qrpark-refund-{refund_id}",
        )
        if response.status_code != 200:
            raise GatewayError(f"stripe refund refused: {error_body(response).get('error', {})}")
        data = response.json()
        return RefundResult(str(data["id"]), int(data["amount"]))

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> WebhookEvent:
        lower = {k.lower(): v for k, v in headers.items()}
        parts: dict[str, list[str]] = {}
        for item in lower.get("stripe-signature", "").split(","):
            key, _, value = item.strip().partition("=")
            parts.setdefault(key, []).append(value)
        try:
            stamp = int(parts["t"][0])
        except (KeyError, IndexError, ValueError) as exc:
            raise WebhookRejected("missing Stripe-Signature timestamp") from exc
        if abs(now - dt.datetime.fromtimestamp(stamp, dt.UTC)) > TOLERANCE:
            raise WebhookRejected("stale or future timestamp")
        expected = stripe_signature(self.webhook_secret, stamp, body)
        if not any(hmac.compare_digest(expected, sig) for sig in parts.get("v1", [])):
            raise WebhookRejected("bad signature")
        try:
            event = json.loads(body)
            obj = event["data"]["object"]
            order_id = (obj.get("metadata") or {}).get("order_id")
            return WebhookEvent(
                str(event["id"]),
                str(event["type"]),
                order_id,
                dt.datetime.fromtimestamp(int(event["created"]), dt.UTC),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected(str(exc)) from exc
