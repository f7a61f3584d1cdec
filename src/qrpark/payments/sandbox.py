"""The built-in sandbox gateway: behaves like a real card gateway, works offline, and is the default.

It is "another system": it keeps its own records in its own SQLite file, committed at once, so
they survive a crash of qrpark exactly as a real gateway's would. Card numbers and CVCs are read
on its card page, classified (brand, last four, test behaviour) and dropped: only a billing key,
the brand and the last four digits are ever stored.

Test cards (any future expiry, any 3-digit CVC):

=====================  ==============================================
4242 4242 4242 4242    succeeds (VISA)
5555 5555 5555 4444    succeeds (MASTERCARD)
4000 0000 0000 0002    declined (``card_declined``)
4000 0000 0000 9995    declined (``insufficient_funds``)
4000 0000 0000 0259    charged, but the answer times out
4000 0027 6000 3184    asks for a confirmation step on the card page
=====================  ==============================================

Any other Luhn-valid number succeeds. API test tokens (``tok_visa``, ``tok_mastercard``,
``tok_declined``, ``tok_insufficient_funds``, ``tok_timeout``) complete a registration without a
card page, for scripted tests. ``timeout_rate`` and ``error_rate`` inject failures reproducibly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from qrpark.kit import webhooks
from qrpark.kit.carddata import luhn
from qrpark.payments.gateway import (
    CardInfo,
    ChargeResult,
    GatewayAmbiguous,
    GatewayError,
    GatewayUnavailable,
    Redirect,
    RefundResult,
    RegistrationFailed,
    RemotePayment,
    RemoteStatus,
    WebhookEvent,
    WebhookRejected,
)

SUCCESS, DECLINED, INSUFFICIENT, TIMEOUT, CONFIRM = (
    "success",
    "card_declined",
    "insufficient_funds",
    "timeout",
    "confirm",
)
TEST_CARDS = {
    "4000000000000002": DECLINED,
    "4000000000009995": INSUFFICIENT,
    "4000000000000259": TIMEOUT,
    "4000002760003184": CONFIRM,
}
TEST_TOKENS = {
    "tok_visa": ("VISA", "4242", SUCCESS),
    "tok_mastercard": ("MASTERCARD", "4444", SUCCESS),
    "tok_declined": ("VISA", "0002", DECLINED),
    "tok_insufficient_funds": ("VISA", "9995", INSUFFICIENT),
    "tok_timeout": ("VISA", "0259", TIMEOUT),
}
PREFIX = "/sandbox-gateway"

SCHEMA = """
CREATE TABLE IF NOT EXISTS registrations (
    id TEXT PRIMARY KEY, our_id TEXT NOT NULL, return_url TEXT NOT NULL, status TEXT NOT NULL,
    billing_key TEXT, pending_behaviour TEXT, pending_brand TEXT, pending_last4 TEXT,
    failure TEXT, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS billing_keys (
    key TEXT PRIMARY KEY, brand TEXT NOT NULL, last4 TEXT NOT NULL, behaviour TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payments (
    order_id TEXT PRIMARY KEY, payment_id TEXT NOT NULL, status TEXT NOT NULL, amount INTEGER NOT NULL,
    currency TEXT NOT NULL, refunded INTEGER NOT NULL DEFAULT 0, failure TEXT, source TEXT NOT NULL,
    created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS checkouts (
    order_id TEXT PRIMARY KEY, amount INTEGER NOT NULL, currency TEXT NOT NULL, name TEXT NOT NULL,
    return_url TEXT NOT NULL, status TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS refunds (
    refund_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, amount INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, order_id TEXT NOT NULL, at REAL NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0);
"""


def luhn_valid(number: str) -> bool:
    """A card number as a card window accepts it: 12-19 digits passing the Luhn check."""
    return number.isdigit() and 12 <= len(number) <= 19 and luhn(number)


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "VISA"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4]) <= 2720:
        return "MASTERCARD"
    if number[:2] in {"34", "37"}:
        return "AMEX"
    if number.startswith("35"):
        return "JCB"
    if number.startswith("9"):
        return "LOCAL"
    return "OTHER"


@dataclass(frozen=True, slots=True)
class CardCheck:
    """What the card page keeps of a card: never the number or the CVC."""

    brand: str
    last4: str
    behaviour: str


def classify_card(number: str, expiry: str, cvc: str, today: dt.date) -> CardCheck:
    """Validate a card entered on the page; raise ``RegistrationFailed`` with a reason code."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) != len(number.replace(" ", "").replace("-", "")) or not luhn_valid(digits):
        raise RegistrationFailed("invalid_number", "The card number is not valid.")
    month, _, year = expiry.replace(" ", "").partition("/")
    if not (month.isdigit() and year.isdigit() and 1 <= int(month) <= 12 and len(year) in (2, 4)):
        raise RegistrationFailed("invalid_expiry", "Write the expiry as MM/YY.")
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    if (full_year, int(month)) < (today.year, today.month):
        raise RegistrationFailed("expired_card", "The card has expired.")
    if not (cvc.isdigit() and len(cvc) in (3, 4)):
        raise RegistrationFailed("invalid_cvc", "The security code is 3 or 4 digits.")
    return CardCheck(brand_of(digits), digits[-4:], TEST_CARDS.get(digits, SUCCESS))


class SandboxGateway:
    name = "sandbox"

    def __init__(
        self,
        path: Path,
        *,
        base_url: str,
        webhook_secret: str,
        latency: float = 0.0,
        timeout_rate: float = 0.0,
        error_rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self.path = path
        self.base_url = base_url.rstrip("/")
        self.webhook_secret = webhook_secret
        self.latency = latency
        self.timeout_rate = timeout_rate
        self.error_rate = error_rate
        self._rng = random.Random(seed)  # noqa: S311 - fault injection, not security
        self._rng_lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            conn.executescript(SCHEMA)
        finally:
            conn.close()

    # -- storage -------------------------------------------------------------------------------

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def _event(self, db: sqlite3.Connection, kind: str, order_id: str) -> None:
        db.execute(
            "INSERT INTO events (id, kind, order_id, at) VALUES (?, ?, ?, ?)",
            ("evt_" + secrets.token_hex(12), kind, order_id, time.time()),
        )

    def _draw(self) -> float:
        with self._rng_lock:
            return self._rng.random()

    async def _wire(self) -> None:
        """Latency and injected errors that happen before the gateway does anything."""
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.error_rate and self._draw() < self.error_rate:
            raise GatewayUnavailable("sandbox: injected connection failure")

    # -- card registration ---------------------------------------------------------------------

    async def start_registration(self, *, registration_id: str, return_url: str) -> Redirect:
        await self._wire()
        remote = "reg_" + secrets.token_urlsafe(16)
        with self._db() as db:
            db.execute(
                "INSERT INTO registrations (id, our_id, return_url, status, created) VALUES (?,?,?,?,?)",
                (remote, registration_id, return_url, "open", time.time()),
            )
        return Redirect(remote, f"{self.base_url}{PREFIX}/cards/{remote}")

    def registration(self, remote_id: str) -> sqlite3.Row | None:
        with self._db() as db:
            row: sqlite3.Row | None = db.execute(
                "SELECT * FROM registrations WHERE id = ?", (remote_id,)
            ).fetchone()
            return row

    def submit_card(self, remote_id: str, card: CardCheck) -> str:
        """The card page's POST: returns ``done``, ``confirm`` (a second step) or raises."""
        with self._db() as db:
            row = db.execute(
                "SELECT status FROM registrations WHERE id = ?", (remote_id,)
            ).fetchone()
            if row is None or row["status"] not in ("open", "confirm"):
                raise RegistrationFailed("registration_closed", "This card window has closed.")
            if card.behaviour == CONFIRM:
                db.execute(
                    "UPDATE registrations SET status='confirm', pending_behaviour=?, pending_brand=?, "
                    "pending_last4=? WHERE id=?",
                    (SUCCESS, card.brand, card.last4, remote_id),
                )
                return "confirm"
            self._issue(db, remote_id, card.brand, card.last4, card.behaviour)
            return "done"

    def confirm(self, remote_id: str, approve: bool) -> None:
        with self._db() as db:
            row = db.execute("SELECT * FROM registrations WHERE id = ?", (remote_id,)).fetchone()
            if row is None or row["status"] != "confirm":
                raise RegistrationFailed(
                    "registration_closed", "Nothing is waiting for confirmation."
                )
            if not approve:
                db.execute(
                    "UPDATE registrations SET status='failed', failure='confirmation_declined' WHERE id=?",
                    (remote_id,),
                )
                return
            self._issue(
                db, remote_id, row["pending_brand"], row["pending_last4"], row["pending_behaviour"]
            )

    def cancel(self, remote_id: str) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE registrations SET status='failed', failure='cancelled' "
                "WHERE id=? AND status IN ('open','confirm')",
                (remote_id,),
            )

    def complete_with_token(self, remote_id: str, token: str) -> None:
        """Scripted tests: finish a registration with an API test token instead of a card."""
        if token not in TEST_TOKENS:
            raise RegistrationFailed("unknown_test_token", f"unknown test token {token}")
        brand, last4, behaviour = TEST_TOKENS[token]
        with self._db() as db:
            row = db.execute(
                "SELECT status FROM registrations WHERE id = ?", (remote_id,)
            ).fetchone()
            if row is None or row["status"] != "open":
                raise RegistrationFailed("registration_closed", "This card window has closed.")
            self._issue(db, remote_id, brand, last4, behaviour)

    def _issue(
        self, db: sqlite3.Connection, remote_id: str, brand: str, last4: str, behaviour: str
    ) -> None:
        key = "sbx_bk_" + secrets.token_urlsafe(18)
        db.execute(
            "INSERT INTO billing_keys (key, brand, last4, behaviour) VALUES (?,?,?,?)",
            (key, brand, last4, behaviour),
        )
        db.execute(
            "UPDATE registrations SET status='done', billing_key=?, pending_behaviour=NULL, "
            "pending_brand=NULL, pending_last4=NULL WHERE id=?",
            (key, remote_id),
        )

    async def finish_registration(
        self, remote_id: str, params: Mapping[str, str] | None = None
    ) -> CardInfo:
        await self._wire()
        with self._db() as db:
            row = db.execute(
                "SELECT r.status, r.failure, k.key, k.brand, k.last4 FROM registrations r "
                "LEFT JOIN billing_keys k ON k.key = r.billing_key WHERE r.id = ?",
                (remote_id,),
            ).fetchone()
        if row is None:
            raise RegistrationFailed("unknown_registration")
        if row["status"] != "done":
            raise RegistrationFailed(row["failure"] or "not_finished")
        return CardInfo(row["key"], row["brand"], row["last4"])

    # -- charges -------------------------------------------------------------------------------

    async def charge(
        self, *, billing_key: str, amount: int, currency: str, order_id: str, order_name: str
    ) -> ChargeResult:
        await self._wire()
        if amount <= 0:
            return ChargeResult(False, failure_code="invalid_amount")
        timed_out = False
        with self._db() as db:
            existing = db.execute(
                "SELECT * FROM payments WHERE order_id = ?", (order_id,)
            ).fetchone()
            if existing is not None:  # the order id makes a repeated call harmless
                if existing["status"] == "paid":
                    return ChargeResult(True, existing["payment_id"])
                return ChargeResult(False, existing["payment_id"], existing["failure"])
            key = db.execute("SELECT * FROM billing_keys WHERE key = ?", (billing_key,)).fetchone()
            if key is None:
                return ChargeResult(False, failure_code="unknown_billing_key")
            behaviour = key["behaviour"]
            paid = behaviour in (SUCCESS, TIMEOUT)
            failure = None if paid else behaviour
            payment_id = "sbx_pay_" + secrets.token_hex(10)
            db.execute(
                "INSERT INTO payments (order_id, payment_id, status, amount, currency, failure, source, created) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    order_id,
                    payment_id,
                    "paid" if paid else "failed",
                    amount,
                    currency,
                    failure,
                    "billing_key",
                    time.time(),
                ),
            )
            self._event(db, "payment.paid" if paid else "payment.failed", order_id)
            timed_out = behaviour == TIMEOUT or (
                paid and self.timeout_rate > 0 and self._draw() < self.timeout_rate
            )
        if timed_out:
            raise GatewayAmbiguous("sandbox: the charge went through but the answer timed out")
        return ChargeResult(
            paid, payment_id, failure, None if paid else (failure or "").replace("_", " ")
        )

    # -- one-off checkout ----------------------------------------------------------------------

    async def start_checkout(
        self, *, order_id: str, amount: int, currency: str, order_name: str, return_url: str
    ) -> Redirect:
        await self._wire()
        with self._db() as db:
            db.execute(
                "INSERT OR IGNORE INTO checkouts (order_id, amount, currency, name, return_url, status, created) "
                "VALUES (?,?,?,?,?,?,?)",
                (order_id, amount, currency, order_name, return_url, "open", time.time()),
            )
        return Redirect(order_id, f"{self.base_url}{PREFIX}/checkout/{order_id}")

    def checkout(self, order_id: str) -> sqlite3.Row | None:
        with self._db() as db:
            row: sqlite3.Row | None = db.execute(
                "SELECT * FROM checkouts WHERE order_id = ?", (order_id,)
            ).fetchone()
            return row

    def pay_checkout(self, order_id: str, card: CardCheck) -> bool:
        """The checkout page's POST. Returns whether the payment was approved."""
        with self._db() as db:
            row = db.execute("SELECT * FROM checkouts WHERE order_id = ?", (order_id,)).fetchone()
            if row is None or row["status"] != "open":
                raise RegistrationFailed("checkout_closed", "This payment window has closed.")
            paid = card.behaviour in (SUCCESS, TIMEOUT, CONFIRM)
            failure = None if paid else card.behaviour
            db.execute(
                "UPDATE checkouts SET status=? WHERE order_id=?",
                ("paid" if paid else "failed", order_id),
            )
            db.execute(
                "INSERT OR IGNORE INTO payments (order_id, payment_id, status, amount, currency, failure, source, "
                "created) VALUES (?,?,?,?,?,?,?,?)",
                (
                    order_id,
                    "sbx_pay_" + secrets.token_hex(10),
                    "paid" if paid else "failed",
                    row["amount"],
                    row["currency"],
                    failure,
                    "checkout",
                    time.time(),
                ),
            )
            self._event(db, "payment.paid" if paid else "payment.failed", order_id)
            return paid

    # -- truth, refunds, webhooks --------------------------------------------------------------

    async def lookup(self, order_id: str) -> RemotePayment:
        await self._wire()
        with self._db() as db:
            row = db.execute("SELECT * FROM payments WHERE order_id = ?", (order_id,)).fetchone()
            checkout = db.execute(
                "SELECT status FROM checkouts WHERE order_id = ?", (order_id,)
            ).fetchone()
        if row is None:
            if checkout is not None and checkout["status"] == "open":
                return RemotePayment(RemoteStatus.PENDING)
            return RemotePayment(RemoteStatus.NOT_FOUND)
        status = RemoteStatus.PAID if row["status"] == "paid" else RemoteStatus.FAILED
        return RemotePayment(
            status,
            row["amount"],
            row["currency"],
            row["refunded"],
            row["payment_id"],
            row["failure"],
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
        await self._wire()
        with self._db() as db:
            done = db.execute("SELECT * FROM refunds WHERE refund_id = ?", (refund_id,)).fetchone()
            if done is not None:
                return RefundResult(done["refund_id"], done["amount"])
            row = db.execute("SELECT * FROM payments WHERE order_id = ?", (order_id,)).fetchone()
            if row is None or row["status"] != "paid" or row["payment_id"] != gateway_payment_id:
                raise GatewayError("sandbox: no paid payment to refund")
            if (
                amount <= 0
                or row["refunded"] + amount > row["amount"]
                or currency != row["currency"]
            ):
                raise GatewayError("sandbox: refund exceeds what was paid")
            db.execute(
                "UPDATE payments SET refunded = refunded + ? WHERE order_id = ?", (amount, order_id)
            )
            db.execute(
                "INSERT INTO refunds (refund_id, order_id, amount, created) VALUES (?,?,?,?)",
                (refund_id, order_id, amount, time.time()),
            )
            self._event(db, "payment.refunded", order_id)
        return RefundResult(refund_id, amount)

    def undelivered_webhooks(self, now: dt.datetime) -> list[tuple[str, dict[str, str], bytes]]:
        """Signed webhook requests (event id, headers, body) not yet delivered."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM events WHERE delivered = 0 ORDER BY at").fetchall()
        out = []
        for row in rows:
            body = json.dumps(
                {
                    "id": row["id"],
                    "type": row["kind"],
                    "data": {"order_id": row["order_id"]},
                    "created": int(row["at"]),
                },
                separators=(",", ":"),
            ).encode()
            headers = webhooks.headers_for(
                self.webhook_secret, row["id"], int(now.timestamp()), body
            )
            out.append((row["id"], headers, body))
        return out

    def mark_delivered(self, event_id: str) -> None:
        with self._db() as db:
            db.execute("UPDATE events SET delivered = 1 WHERE id = ?", (event_id,))

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> WebhookEvent:
        try:
            msg_id = webhooks.verify(self.webhook_secret, headers, body, now)
            data = json.loads(body)
            if data.get("id") != msg_id:
                raise WebhookRejected("event id does not match the signed message id")
            return WebhookEvent(
                event_id=msg_id,
                kind=str(data["type"]),
                order_id=str(data["data"]["order_id"]),
                occurred_at=dt.datetime.fromtimestamp(int(data["created"]), dt.UTC),
            )
        except (webhooks.SignatureError, ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected(str(exc)) from exc

    # -- for tests and the ledger check ---------------------------------------------------------

    def paid_totals(self) -> dict[str, int]:
        """Order id -> amount paid minus refunded, for every paid payment."""
        with self._db() as db:
            rows = db.execute(
                "SELECT order_id, amount, refunded FROM payments WHERE status='paid'"
            ).fetchall()
        return {r["order_id"]: r["amount"] - r["refunded"] for r in rows}
