"""Taking money and giving it back without ever losing it or taking it twice.

Every use case here spans a gateway call, so it runs its own units of work around it (the one
place where a service commits): the intent is committed before the call and carries our id as the
gateway's order id; the outcome is committed after it, with its ledger entry in the same
transaction. Whatever is left unknown (a time-out, a crash in between) is settled later by asking
the gateway, whose answer always wins.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.clock import Clock
from qrpark.kit.db import Database
from qrpark.kit.errors import Conflict, InvalidInput, NotFound, QrparkError
from qrpark.kit.inbox import first_time
from qrpark.kit.outbox import enqueue
from qrpark.ledger import service as ledger
from qrpark.ledger.domain import transfer
from qrpark.payments.gateway import (
    Gateway,
    GatewayAmbiguous,
    GatewayError,
    GatewayUnavailable,
    RegistrationFailed,
    RemotePayment,
    RemoteStatus,
)
from qrpark.payments.models import (
    CardRegistration,
    IntentKind,
    IntentStatus,
    PaymentIntent,
    PaymentMethod,
    Refund,
)

log = logging.getLogger("qrpark.payments")
RESOLVE_TOPIC = "payments.resolve"
OPEN = (IntentStatus.PENDING, IntentStatus.AMBIGUOUS)


class CrashPoints(Protocol):
    """Where a test may kill the process: before/after the gateway call and the commit."""

    def hit(self, name: str) -> None: ...


class NoCrash:
    def hit(self, name: str) -> None:
        return None


class UnknownGateway(InvalidInput):
    code = "unknown_gateway"
    message_en = "The payment gateway {name} is not configured."
    message_ko = "결제 대행사 {name}이(가) 설정되어 있지 않습니다."


class PaymentMethodNotFound(NotFound):
    code = "payment_method_not_found"
    message_en = "There is no such payment method."
    message_ko = "해당 결제 수단이 없습니다."


class RegistrationNotFound(NotFound):
    code = "registration_not_found"
    message_en = "There is no such card registration."
    message_ko = "해당 카드 등록 요청이 없습니다."


class CardRegistrationFailed(QrparkError):
    status_code = 402
    code = "card_registration_failed"
    message_en = "The card could not be registered ({reason})."
    message_ko = "카드를 등록하지 못했습니다 ({reason})."


class IntentNotFound(NotFound):
    code = "payment_not_found"
    message_en = "There is no such payment."
    message_ko = "해당 결제가 없습니다."


class RefundTooLarge(Conflict):
    code = "refund_too_large"
    message_en = "At most {available} can still be refunded."
    message_ko = "환불 가능한 금액은 최대 {available}입니다."


class NotRefundable(Conflict):
    code = "not_refundable"
    message_en = "Only a succeeded payment can be refunded."
    message_ko = "완료된 결제만 환불할 수 있습니다."


class GatewayDown(QrparkError):
    status_code = 503
    code = "gateway_unavailable"
    message_en = "The payment service did not answer; nothing was charged. Please try again."
    message_ko = "결제 서비스가 응답하지 않았습니다. 결제되지 않았으니 다시 시도하세요."


@dataclass
class Payments:
    db: Database
    clock: Clock
    gateways: Mapping[str, Gateway]
    public_base_url: str
    crash: CrashPoints = field(default_factory=NoCrash)
    # A pending intent younger than this may still have its gateway call in flight.
    recovery_grace: dt.timedelta = dt.timedelta(minutes=2)

    def gateway(self, name: str) -> Gateway:
        try:
            return self.gateways[name]
        except KeyError:
            raise UnknownGateway(name=name) from None

    # -- card registration ---------------------------------------------------------------------

    async def start_registration(
        self, *, operator_id: uuid.UUID, gateway: str, owner_ref: str, return_to: str | None
    ) -> tuple[uuid.UUID, str]:
        """Open the gateway's card page. Returns our registration id and where to send the person."""
        gw = self.gateway(gateway)
        async with self.db.transaction() as s:
            reg = CardRegistration(
                operator_id=operator_id,
                owner_ref=owner_ref,
                gateway=gateway,
                status="started",
                return_to=return_to,
                created_at=self.clock.now(),
            )
            s.add(reg)
        return_url = f"{self.public_base_url}/payments/registrations/{reg.id}/return"
        try:
            redirect = await gw.start_registration(
                registration_id=str(reg.id), return_url=return_url
            )
        except GatewayError as exc:
            raise GatewayDown from exc
        async with self.db.transaction() as s:
            row = await s.get(CardRegistration, reg.id)
            assert row is not None
            row.remote_id = redirect.remote_id
        return reg.id, redirect.url

    async def finish_registration(
        self, registration_id: uuid.UUID, params: Mapping[str, str] | None = None
    ) -> PaymentMethod:
        """Ask the gateway what its card page produced and keep the billing key (not the card)."""
        async with self.db.transaction() as s:
            reg = await s.get(CardRegistration, registration_id)
            if reg is None or reg.remote_id is None:
                raise RegistrationNotFound
            if reg.status == "completed" and reg.payment_method_id is not None:
                method = await s.get(PaymentMethod, reg.payment_method_id)
                assert method is not None
                return method
            remote_id, gateway_name = reg.remote_id, reg.gateway
        try:
            card = await self.gateway(gateway_name).finish_registration(remote_id, params or {})
        except RegistrationFailed as exc:
            async with self.db.transaction() as s:
                reg = await s.get(CardRegistration, registration_id)
                assert reg is not None
                reg.status, reg.failure_code = "failed", exc.code[:60]
            raise CardRegistrationFailed(reason=exc.code) from exc
        except GatewayError as exc:
            raise GatewayDown from exc
        async with self.db.transaction() as s:
            reg = await s.get(CardRegistration, registration_id)
            assert reg is not None
            method = await s.scalar(
                select(PaymentMethod).where(PaymentMethod.billing_key == card.billing_key)
            )
            if method is None:
                method = PaymentMethod(
                    operator_id=reg.operator_id,
                    owner_ref=reg.owner_ref,
                    gateway=reg.gateway,
                    billing_key=card.billing_key,
                    brand=card.brand[:20],
                    last4=card.last4[-4:],
                    created_at=self.clock.now(),
                )
                s.add(method)
                await s.flush()
            reg.status, reg.payment_method_id = "completed", method.id
        return method

    # -- charges -------------------------------------------------------------------------------

    async def _intent_for(
        self, *, reference: str, make: PaymentIntent
    ) -> tuple[PaymentIntent, bool]:
        """The intent for ``reference``, creating it from ``make`` if there is none (race-safe)."""
        async with self.db.transaction() as s:
            found = await s.scalar(
                select(PaymentIntent).where(PaymentIntent.reference == reference)
            )
            if found is not None:
                return found, False
        try:
            async with self.db.transaction() as s:
                s.add(make)
            return make, True
        except IntegrityError:
            async with self.db.transaction() as s:
                found = await s.scalar(
                    select(PaymentIntent).where(PaymentIntent.reference == reference)
                )
                assert found is not None
                return found, False

    async def charge(
        self,
        *,
        payment_method_id: uuid.UUID,
        amount: int,
        currency: str,
        account: str,
        reference: str,
        description: str,
    ) -> PaymentIntent:
        """Charge a stored payment method once for ``reference``; calling again returns that charge."""
        if amount <= 0:
            raise InvalidInput("the amount must be positive")
        async with self.db.transaction() as s:
            method = await s.get(PaymentMethod, payment_method_id)
            if method is None or method.removed_at is not None:
                raise PaymentMethodNotFound
        now = self.clock.now()
        intent, created = await self._intent_for(
            reference=reference,
            make=PaymentIntent(
                operator_id=method.operator_id,
                gateway=method.gateway,
                kind=IntentKind.CHARGE,
                amount=amount,
                currency=currency,
                status=IntentStatus.PENDING,
                payment_method_id=method.id,
                account=account,
                reference=reference,
                description=description[:200],
                refunded_amount=0,
                attempts=0,
                created_at=now,
                updated_at=now,
            ),
        )
        if intent.status not in OPEN:
            return intent
        gw = self.gateway(intent.gateway)
        if not created:
            # Someone started this before (a retry, or a crash): the gateway knows what happened.
            remote = await gw.lookup(str(intent.id))
            if remote.status is not RemoteStatus.NOT_FOUND:
                return await self._settle(intent.id, remote)
        self.crash.hit("before_gateway")
        try:
            result = await gw.charge(
                billing_key=method.billing_key,
                amount=intent.amount,
                currency=intent.currency,
                order_id=str(intent.id),
                order_name=intent.description,
            )
        except GatewayAmbiguous:
            log.warning("charge %s: outcome unknown, will ask the gateway", intent.id)
            return await self._mark(intent.id, IntentStatus.AMBIGUOUS, "timeout")
        except GatewayUnavailable:
            return await self._mark(intent.id, IntentStatus.FAILED, "gateway_unavailable")
        self.crash.hit("after_gateway")
        remote = RemotePayment(
            RemoteStatus.PAID if result.paid else RemoteStatus.FAILED,
            amount=intent.amount,
            currency=intent.currency,
            gateway_payment_id=result.gateway_payment_id,
            failure_code=result.failure_code,
        )
        settled = await self._settle(intent.id, remote, crash=True)
        self.crash.hit("after_commit")
        return settled

    async def _mark(self, intent_id: uuid.UUID, status: IntentStatus, code: str) -> PaymentIntent:
        async with self.db.transaction() as s:
            intent = await s.get(PaymentIntent, intent_id, with_for_update=True)
            assert intent is not None
            if intent.status in OPEN:
                intent.status, intent.failure_code = status, code
                intent.attempts += 1
                intent.updated_at = self.clock.now()
            return intent

    async def _settle(
        self, intent_id: uuid.UUID, remote: RemotePayment, *, crash: bool = False
    ) -> PaymentIntent:
        """Record the gateway's truth about an intent, with its ledger entry, exactly once."""
        for _ in range(3):
            try:
                async with self.db.transaction() as s:
                    intent = await s.get(PaymentIntent, intent_id, with_for_update=True)
                    assert intent is not None
                    await self._apply(s, intent, remote)
                    if crash:
                        self.crash.hit("before_commit")
                return intent
            except IntegrityError:  # a concurrent settle of the same intent won; read its result
                continue
        async with self.db.transaction() as s:
            intent = await s.get(PaymentIntent, intent_id)
            assert intent is not None
            return intent

    async def _apply(self, s: AsyncSession, intent: PaymentIntent, remote: RemotePayment) -> None:
        now = self.clock.now()
        if remote.status is RemoteStatus.PAID:
            if remote.amount and remote.amount != intent.amount:
                log.error(
                    "intent %s: gateway paid %s, we asked %s",
                    intent.id,
                    remote.amount,
                    intent.amount,
                )
            amount = remote.amount or intent.amount
            if intent.status in (*OPEN, IntentStatus.FAILED):
                intent.status = IntentStatus.SUCCEEDED
                intent.failure_code = None
            intent.gateway_payment_id = remote.gateway_payment_id or intent.gateway_payment_id
            reference = f"charge:{intent.id}"
            if not await ledger.already_posted(s, reference):
                await ledger.post(
                    s,
                    self.clock,
                    kind="charge",
                    reference=reference,
                    lines=transfer(
                        f"gateway:{intent.gateway}", intent.account, amount, intent.currency
                    ),
                    memo=intent.description,
                )
        elif remote.status is RemoteStatus.FAILED:
            if intent.status in OPEN:
                intent.status = IntentStatus.FAILED
                intent.failure_code = (remote.failure_code or "failed")[:60]
        elif remote.status is RemoteStatus.NOT_FOUND:
            if intent.status in OPEN:
                intent.status, intent.failure_code = IntentStatus.FAILED, "not_submitted"
        else:
            return
        intent.attempts += 1
        intent.updated_at = now

    async def resolve(self, intent_id: uuid.UUID) -> PaymentIntent:
        """Ask the gateway about one intent and record its answer."""
        async with self.db.transaction() as s:
            intent = await s.get(PaymentIntent, intent_id)
            if intent is None:
                raise IntentNotFound
        remote = await self.gateway(intent.gateway).lookup(str(intent.id))
        return await self._settle(intent.id, remote)

    async def recover(self) -> dict[str, int]:
        """Settle every intent left open by a time-out or a crash, and retry unfinished refunds."""
        cutoff = self.clock.now() - self.recovery_grace
        async with self.db.transaction() as s:
            ids = (
                await s.scalars(
                    select(PaymentIntent.id).where(
                        or_(
                            PaymentIntent.status == IntentStatus.AMBIGUOUS,
                            (PaymentIntent.status == IntentStatus.PENDING)
                            & (PaymentIntent.created_at < cutoff),
                        )
                    )
                )
            ).all()
            refund_ids = (
                await s.scalars(
                    select(Refund.id).where(Refund.status == "pending", Refund.created_at < cutoff)
                )
            ).all()
        counts: dict[str, int] = {}
        for intent_id in ids:
            try:
                outcome = (await self.resolve(intent_id)).status.value
            except GatewayError as exc:
                log.warning("recovery of %s deferred: %s", intent_id, exc)
                outcome = "deferred"
            counts[outcome] = counts.get(outcome, 0) + 1
        for refund_id in refund_ids:
            try:
                await self._send_refund(refund_id)
                counts["refund_retried"] = counts.get("refund_retried", 0) + 1
            except QrparkError:
                counts["refund_deferred"] = counts.get("refund_deferred", 0) + 1
        return counts

    # -- one-off checkout (proxy payers) -------------------------------------------------------

    async def start_checkout(
        self,
        *,
        operator_id: uuid.UUID,
        gateway: str,
        amount: int,
        currency: str,
        account: str,
        reference: str,
        description: str,
        return_url: str,
    ) -> tuple[PaymentIntent, str]:
        gw = self.gateway(gateway)
        now = self.clock.now()
        intent, _ = await self._intent_for(
            reference=reference,
            make=PaymentIntent(
                operator_id=operator_id,
                gateway=gateway,
                kind=IntentKind.CHECKOUT,
                amount=amount,
                currency=currency,
                status=IntentStatus.PENDING,
                account=account,
                reference=reference,
                description=description[:200],
                refunded_amount=0,
                attempts=0,
                created_at=now,
                updated_at=now,
            ),
        )
        try:
            redirect = await gw.start_checkout(
                order_id=str(intent.id),
                amount=amount,
                currency=currency,
                order_name=intent.description,
                return_url=return_url,
            )
        except GatewayError as exc:
            await self._mark(intent.id, IntentStatus.FAILED, "gateway_unavailable")
            raise GatewayDown from exc
        return intent, redirect.url

    # -- refunds -------------------------------------------------------------------------------

    async def refund(
        self, intent_id: uuid.UUID, amount: int, *, reason: str, reference: str
    ) -> Refund:
        """Give back ``amount`` of a succeeded payment, once per ``reference``."""
        async with self.db.transaction() as s:
            existing = await s.scalar(select(Refund).where(Refund.reference == reference))
            if existing is None:
                intent = await s.get(PaymentIntent, intent_id, with_for_update=True)
                if intent is None:
                    raise IntentNotFound
                if intent.status not in (IntentStatus.SUCCEEDED, IntentStatus.REFUNDED):
                    raise NotRefundable
                reserved = (
                    await s.scalar(
                        select(Refund.amount).where(
                            Refund.intent_id == intent_id, Refund.status == "pending"
                        )
                    )
                    or 0
                )
                available = intent.amount - intent.refunded_amount - int(reserved)
                if amount <= 0 or amount > available:
                    raise RefundTooLarge(available=available)
                now = self.clock.now()
                existing = Refund(
                    intent_id=intent_id,
                    amount=amount,
                    status="pending",
                    reason=reason[:200],
                    reference=reference,
                    created_at=now,
                    updated_at=now,
                )
                s.add(existing)
        if existing.status != "pending":
            return existing
        return await self._send_refund(existing.id)

    async def _send_refund(self, refund_id: uuid.UUID) -> Refund:
        async with self.db.transaction() as s:
            refund = await s.get(Refund, refund_id)
            assert refund is not None
            intent = await s.get(PaymentIntent, refund.intent_id)
            assert intent is not None
        if refund.status != "pending":
            return refund
        try:
            result = await self.gateway(intent.gateway).refund(
                order_id=str(intent.id),
                gateway_payment_id=intent.gateway_payment_id or "",
                amount=refund.amount,
                currency=intent.currency,
                refund_id=str(refund.id),
                reason=refund.reason,
            )
        except GatewayAmbiguous as exc:
            raise GatewayDown from exc  # stays pending; recovery sends it again (same refund id)
        except GatewayError as exc:
            async with self.db.transaction() as s:
                row = await s.get(Refund, refund_id)
                assert row is not None
                row.status, row.failure, row.updated_at = "failed", str(exc)[:300], self.clock.now()
                return row
        async with self.db.transaction() as s:
            row = await s.get(Refund, refund_id, with_for_update=True)
            intent = await s.get(PaymentIntent, refund.intent_id, with_for_update=True)
            assert row is not None
            assert intent is not None
            if row.status == "pending":
                row.status, row.gateway_refund_id = "succeeded", result.refund_id
                row.updated_at = self.clock.now()
                intent.refunded_amount += row.amount
                if intent.refunded_amount == intent.amount:
                    intent.status = IntentStatus.REFUNDED
                intent.updated_at = self.clock.now()
                await ledger.post(
                    s,
                    self.clock,
                    kind="refund",
                    reference=f"refund:{row.id}",
                    lines=transfer(
                        intent.account, f"gateway:{intent.gateway}", row.amount, intent.currency
                    ),
                    memo=row.reason,
                )
            return row

    # -- webhooks ------------------------------------------------------------------------------

    async def receive_webhook(self, gateway: str, headers: Mapping[str, str], body: bytes) -> str:
        """Verify, de-duplicate, and queue a check of the payment it names. Raises WebhookRejected."""
        event = self.gateway(gateway).parse_webhook(headers, body, self.clock.now())
        async with self.db.transaction() as s:
            if not await first_time(s, f"webhook:{gateway}", event.event_id, self.clock.now()):
                return "duplicate"
            intent_id = _uuid(event.order_id)
            intent = await s.get(PaymentIntent, intent_id) if intent_id else None
            if intent is None or intent.gateway != gateway:
                return "ignored"
            # Never trust the body beyond the id: the worker asks the gateway itself.
            enqueue(s, self.clock, RESOLVE_TOPIC, {"intent_id": str(intent.id)})
            return "queued"


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
