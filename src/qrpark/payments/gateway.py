"""What qrpark needs from a payment gateway. Adapters translate; nothing else speaks a gateway's
format. Our payment id is the gateway's order id, so a repeated call never charges twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class GatewayError(Exception):
    """Base for failures talking to a gateway."""


class GatewayUnavailable(GatewayError):
    """The request certainly did not take effect (refused before it was sent or processed)."""


class GatewayAmbiguous(GatewayError):
    """The request may or may not have taken effect (a time-out after sending): ask later."""


class RegistrationFailed(GatewayError):
    def __init__(self, code: str, message: str = "") -> None:
        self.code = code
        super().__init__(message or code)


class WebhookRejected(GatewayError):
    """Forged, altered, stale or malformed: nothing is changed."""


class RemoteStatus(StrEnum):
    PAID = "paid"
    FAILED = "failed"
    NOT_FOUND = "not_found"
    PENDING = "pending"  # the gateway has it but has not decided (e.g. waiting for the payer)


@dataclass(frozen=True, slots=True)
class Redirect:
    """Send the person to ``url`` (the gateway's own page); ``remote_id`` names it at the gateway."""

    remote_id: str
    url: str


@dataclass(frozen=True, slots=True)
class CardInfo:
    billing_key: str
    brand: str
    last4: str


@dataclass(frozen=True, slots=True)
class ChargeResult:
    paid: bool
    gateway_payment_id: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True, slots=True)
class RemotePayment:
    """The gateway's truth about one of our order ids."""

    status: RemoteStatus
    amount: int = 0
    currency: str = ""
    refunded: int = 0
    gateway_payment_id: str | None = None
    failure_code: str | None = None


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_id: str
    amount: int


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    event_id: str
    kind: str
    order_id: str | None
    occurred_at: dt.datetime


class Gateway(Protocol):
    name: str

    async def start_registration(self, *, registration_id: str, return_url: str) -> Redirect:
        """Open the gateway's card page; it returns the person to ``return_url``."""
        ...

    async def finish_registration(self, remote_id: str, params: Mapping[str, str]) -> CardInfo:
        """Ask the gateway (server to server) what the card page produced. ``params`` are what the
        gateway appended to the return URL; they are only ever used to know what to ask for."""
        ...

    async def charge(
        self, *, billing_key: str, amount: int, currency: str, order_id: str, order_name: str
    ) -> ChargeResult:
        """Charge a billing key. Raises ``GatewayAmbiguous`` when the outcome is unknown."""
        ...

    async def start_checkout(
        self, *, order_id: str, amount: int, currency: str, order_name: str, return_url: str
    ) -> Redirect:
        """A one-off payment on the gateway's own page (for proxy payers)."""
        ...

    async def lookup(self, order_id: str) -> RemotePayment: ...

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
        """Refund part or all of a payment; ``refund_id`` makes a repeated call harmless."""
        ...

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> WebhookEvent:
        """Verify the signature and freshness, then parse. Raises ``WebhookRejected``."""
        ...
