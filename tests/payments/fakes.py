"""Local fakes of PortOne V2 and Stripe, implementing the documented endpoints, errors and webhook
signatures that qrpark's adapters use, served over real HTTP by uvicorn in a thread."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class ServerThread:
    def __init__(self, app: FastAPI) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _err(status: int, kind: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"type": kind, "message": kind.lower(), **extra}, status_code=status)


class FakePortOne:
    """PortOne V2: /billing-keys/{key}, /payments/{id}/billing-key, /payments/{id}, /payments/{id}/cancel."""

    def __init__(self, secret: str, store_id: str) -> None:
        self.secret, self.store_id = secret, store_id
        self.billing_keys: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.charge_calls = 0
        self.slow_next = 0.0  # seconds to sleep *after* recording the next payment
        self.app = FastAPI()
        app = self.app

        @app.middleware("http")
        async def auth(request: Request, call_next):  # type: ignore[no-untyped-def]
            if request.headers.get("authorization") != f"PortOne {self.secret}":
                return _err(401, "UNAUTHORIZED")
            return await call_next(request)

        @app.get("/billing-keys/{key}")
        async def billing_key(key: str) -> JSONResponse:
            card = self.billing_keys.get(key)
            if card is None:
                return _err(404, "BILLING_KEY_NOT_FOUND")
            return JSONResponse(
                {
                    "status": "ISSUED",
                    "billingKey": key,
                    "methods": [
                        {
                            "type": "BillingKeyPaymentMethodCard",
                            "card": {
                                "brand": card["brand"],
                                "number": f"{card['bin']}******{card['last4']}",
                            },
                        }
                    ],
                }
            )

        @app.post("/payments/{payment_id}/billing-key")
        async def pay(payment_id: str, request: Request) -> JSONResponse:
            self.charge_calls += 1
            body = await request.json()
            existing = self.payments.get(payment_id)
            if existing is not None and existing["status"] == "PAID":
                return _err(409, "ALREADY_PAID")
            card = self.billing_keys.get(body["billingKey"])
            if card is None:
                return _err(404, "BILLING_KEY_NOT_FOUND")
            if card["decline"]:
                self.payments[payment_id] = {
                    "status": "FAILED",
                    "amount": body["amount"]["total"],
                    "failure": {"pgCode": card["decline"]},
                }
                return _err(502, "PG_PROVIDER", pgCode=card["decline"], pgMessage="카드사 거절")
            self.payments[payment_id] = {
                "status": "PAID",
                "amount": body["amount"]["total"],
                "currency": body["currency"],
                "pgTxId": "pg_" + secrets.token_hex(6),
                "cancelled": 0,
                "cancellations": [],
            }
            if self.slow_next:
                delay, self.slow_next = self.slow_next, 0.0
                await asyncio.sleep(delay)
            return JSONResponse(
                {"payment": {"pgTxId": self.payments[payment_id]["pgTxId"], "paidAt": "now"}}
            )

        @app.get("/payments/{payment_id}")
        async def get_payment(payment_id: str) -> JSONResponse:
            p = self.payments.get(payment_id)
            if p is None:
                return _err(404, "PAYMENT_NOT_FOUND")
            status = p["status"]
            if status == "PAID" and p["cancelled"]:
                status = "CANCELLED" if p["cancelled"] == p["amount"] else "PARTIAL_CANCELLED"
            return JSONResponse(
                {
                    "id": payment_id,
                    "status": status,
                    "currency": p.get("currency", "KRW"),
                    "amount": {
                        "total": p["amount"],
                        "paid": p["amount"],
                        "cancelled": p.get("cancelled", 0),
                    },
                    "pgTxId": p.get("pgTxId"),
                    "failure": p.get("failure"),
                    "cancellations": p.get("cancellations", []),
                }
            )

        @app.post("/payments/{payment_id}/cancel")
        async def cancel(payment_id: str, request: Request) -> JSONResponse:
            body = await request.json()
            p = self.payments.get(payment_id)
            if p is None or p["status"] != "PAID":
                return _err(404, "PAYMENT_NOT_FOUND")
            if body["amount"] > p["amount"] - p["cancelled"]:
                return _err(400, "CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT")
            p["cancelled"] += body["amount"]
            c = {
                "status": "SUCCEEDED",
                "id": "cx_" + secrets.token_hex(5),
                "totalAmount": body["amount"],
                "reason": body["reason"],
            }
            p["cancellations"].append(c)
            return JSONResponse({"cancellation": c})

    def issue(self, last4: str = "4242", decline: str | None = None) -> str:
        key = "billing-key-" + secrets.token_hex(8)
        self.billing_keys[key] = {
            "brand": "VISA",
            "bin": "424242",
            "last4": last4,
            "decline": decline,
        }
        return key


class FakeStripe:
    """Stripe: customers, checkout sessions, payment intents (+search), refunds, idempotency keys."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.sessions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.idem: dict[str, tuple[int, Any]] = {}
        self.methods: dict[str, dict[str, Any]] = {}
        self.app = FastAPI()
        app = self.app

        @app.middleware("http")
        async def auth_and_idempotency(request: Request, call_next):  # type: ignore[no-untyped-def]
            if request.headers.get("authorization") != f"Bearer {self.secret}":
                return JSONResponse(
                    {"error": {"type": "invalid_request_error", "code": "api_key_invalid"}}, 401
                )
            key = request.headers.get("idempotency-key")
            if request.method == "POST" and key and key in self.idem:
                status, body = self.idem[key]
                return JSONResponse(body, status, headers={"idempotent-replayed": "true"})
            response = await call_next(request)
            if request.method == "POST" and key:
                raw = b"".join([chunk async for chunk in response.body_iterator])
                import json as _json

                self.idem[key] = (response.status_code, _json.loads(raw))
                return JSONResponse(self.idem[key][1], response.status_code)
            return response

        @app.post("/v1/customers")
        async def customer() -> dict[str, str]:
            return {"id": "cus_" + secrets.token_hex(6), "object": "customer"}

        @app.post("/v1/checkout/sessions")
        async def create_session(request: Request) -> dict[str, Any]:
            form = dict(await request.form())
            sid = "cs_test_" + secrets.token_hex(8)
            self.sessions[sid] = {
                "id": sid,
                "mode": form["mode"],
                "customer": form.get("customer"),
                "status": "open",
                "setup_intent": None,
                "form": form,
            }
            return {
                "id": sid,
                "url": f"https://checkout.stripe.test/c/{sid}",
                "object": "checkout.session",
            }

        @app.get("/v1/checkout/sessions/{sid}")
        async def get_session(sid: str) -> JSONResponse:
            s = self.sessions.get(sid)
            if s is None:
                return JSONResponse(
                    {"error": {"type": "invalid_request_error", "code": "resource_missing"}}, 404
                )
            return JSONResponse(s)

        @app.post("/v1/payment_intents")
        async def create_pi(request: Request) -> JSONResponse:
            form = dict(await request.form())
            pm = self.methods.get(str(form["payment_method"]))
            pid = "pi_" + secrets.token_hex(8)
            pi = {
                "id": pid,
                "object": "payment_intent",
                "amount": int(form["amount"]),
                "currency": form["currency"],
                "metadata": {"order_id": form["metadata[order_id]"]},
                "customer": form["customer"],
                "latest_charge": {"amount_refunded": 0},
            }
            if pm is None or pm["decline"]:
                pi["status"] = "requires_payment_method"
                pi["last_payment_error"] = {
                    "code": "card_declined",
                    "decline_code": (pm or {}).get("decline"),
                }
                self.intents[pid] = pi
                return JSONResponse(
                    {
                        "error": {
                            "type": "card_error",
                            "code": "card_declined",
                            "decline_code": (pm or {}).get("decline") or "generic_decline",
                            "message": "Your card was declined.",
                            "payment_intent": pi,
                        }
                    },
                    402,
                )
            pi["status"] = "succeeded"
            self.intents[pid] = pi
            return JSONResponse(pi)

        @app.get("/v1/payment_intents/search")
        async def search(query: str) -> dict[str, Any]:
            order = query.split(":'", 1)[1].rstrip("'")
            return {
                "object": "search_result",
                "data": [p for p in self.intents.values() if p["metadata"]["order_id"] == order],
            }

        @app.post("/v1/refunds")
        async def refund(request: Request) -> JSONResponse:
            form = dict(await request.form())
            pi = self.intents.get(str(form["payment_intent"]))
            amount = int(form["amount"])
            if pi is None or pi["status"] != "succeeded":
                return JSONResponse(
                    {"error": {"type": "invalid_request_error", "code": "resource_missing"}}, 404
                )
            if pi["latest_charge"]["amount_refunded"] + amount > pi["amount"]:
                return JSONResponse(
                    {"error": {"type": "invalid_request_error", "code": "amount_too_large"}}, 400
                )
            pi["latest_charge"]["amount_refunded"] += amount
            rid = "re_" + secrets.token_hex(6)
            self.refunds[rid] = {"id": rid, "amount": amount, "payment_intent": pi["id"]}
            return JSONResponse(self.refunds[rid])

    def complete_setup(self, sid: str, last4: str = "4242", decline: str | None = None) -> None:
        """What a person finishing Stripe's hosted setup page causes."""
        pm = "pm_" + secrets.token_hex(6)
        self.methods[pm] = {"decline": decline}
        self.sessions[sid].update(
            status="complete",
            setup_intent={
                "id": "seti_" + secrets.token_hex(4),
                "status": "succeeded",
                "payment_method": {"id": pm, "card": {"brand": "visa", "last4": last4}},
            },
        )

    def paid_orders(self) -> dict[str, int]:
        return {
            p["metadata"]["order_id"]: p["amount"] - p["latest_charge"]["amount_refunded"]
            for p in self.intents.values()
            if p["status"] == "succeeded"
        }
