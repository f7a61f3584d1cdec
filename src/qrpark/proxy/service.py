"""Issuing proxy passes, paying through one, and settling proxy money when the stay closes."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.clock import Clock
from qrpark.kit.db import Database
from qrpark.kit.errors import Conflict, InvalidInput, NotFound, QrparkError
from qrpark.kit.money import format_amount
from qrpark.kit.outbox import Handler, enqueue
from qrpark.kit.signing import KeyRing
from qrpark.ledger import service as ledger
from qrpark.ledger.domain import transfer
from qrpark.lots.models import Lot
from qrpark.messages.sms import SMS_TOPIC
from qrpark.operators.models import Operator
from qrpark.payments.models import IntentStatus
from qrpark.payments.service import Payments
from qrpark.proxy import domain
from qrpark.proxy.models import ProxyPass, ProxyPayment
from qrpark.stays import service as stays
from qrpark.stays.models import Stay

REFUND_TOPIC = "proxy.refund"
CONFIRM_TOPIC = "proxy.confirm"
CONFIRM_EVERY = dt.timedelta(minutes=2)
CONFIRM_TRIES = 15  # a payer's payment page left open for half an hour gives its room back
QUICK_STEPS = (1000, 3000, 5000, 10000)


class PassRefused(QrparkError):
    """Expired, altered, used, for a closed stay or for another lot: never a payment form."""

    status_code = 410
    code = "proxy_pass_refused"
    message_en = "This payment QR code cannot be used ({reason}). Ask the driver to show a new one."
    message_ko = (
        "이 결제 QR 코드는 사용할 수 없습니다 ({reason}). 운전자에게 새 QR 코드를 요청하세요."
    )

    REASONS: ClassVar[dict[str, tuple[str, str]]] = {
        "invalid": ("not valid", "유효하지 않음"),
        "expired": ("expired", "만료됨"),
        "used": ("already used", "이미 사용됨"),
        "closed": ("the parking has ended", "주차가 종료됨"),
        "wrong_lot": ("issued for another car park", "다른 주차장의 코드"),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        en, ko = self.REASONS[reason]
        super().__init__(reason=en)
        self.reason_ko = ko

    def message(self, locale: str) -> str:
        return (
            self.message_ko.format(reason=self.reason_ko)
            if locale == "ko"
            else self.message_en.format(reason=self.REASONS[self.reason][0])
        )


class AmountRefused(InvalidInput):
    code = "proxy_amount_refused"
    message_en = "Choose an amount between {low} and {high}."
    message_ko = "{low}에서 {high} 사이의 금액을 선택하세요."


class AskTooSmall(InvalidInput):
    code = "proxy_ask_too_small"
    message_en = "Ask for at least {minimum}."
    message_ko = "최소 {minimum} 이상을 요청하세요."


class CapReached(Conflict):
    code = "proxy_cap_reached"
    message_en = "Others have already covered this parking; nothing more can be paid now."
    message_ko = "다른 분들이 이미 이 주차 요금을 결제했습니다. 지금은 더 결제할 수 없습니다."


class ReceiptPhoneInvalid(InvalidInput):
    code = "receipt_phone_invalid"
    message_en = "The phone number for the receipt is not a mobile number."
    message_ko = "영수증을 받을 휴대폰 번호가 올바르지 않습니다."


class ProxyPaymentNotFound(NotFound):
    code = "proxy_payment_not_found"


@dataclass(frozen=True, slots=True)
class PassView:
    pass_: ProxyPass
    stay: Stay
    lot: Lot
    operator: Operator
    fee_now: int
    unpaid: int
    room: int
    minimum: int


async def issue(
    session: AsyncSession, clock: Clock, keys: KeyRing, stay: Stay, asked: int | None
) -> tuple[ProxyPass, str]:
    """A fresh pass for an open stay; returns it and its signed token."""
    if stay.exited_at is not None:
        raise PassRefused("closed")
    lot = await session.get(Lot, stay.lot_id)
    assert lot is not None
    if asked is not None and asked < lot.proxy_min_amount:
        raise AskTooSmall(minimum=format_amount(lot.proxy_min_amount, lot.currency, stay.locale))
    now = clock.now()
    row = ProxyPass(
        stay_id=stay.id,
        asked_amount=asked,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=lot.proxy_pass_minutes),
    )
    session.add(row)
    await session.flush()
    return row, domain.make_token(row.id, lot.code, keys)


async def open_pass(
    session: AsyncSession,
    clock: Clock,
    keys: KeyRing,
    token: str,
    *,
    lot_code: str | None = None,
    allow_used: bool = False,
) -> PassView:
    """What a payer's phone may see behind a token, or ``PassRefused``."""
    try:
        pass_id, kid, sig = domain.read_token(token)
    except domain.BadToken as exc:
        raise PassRefused("invalid") from exc
    row = await session.get(ProxyPass, pass_id)
    if row is None:
        raise PassRefused("invalid")
    stay = await session.get(Stay, row.stay_id)
    assert stay is not None
    lot = await session.get(Lot, stay.lot_id)
    assert lot is not None
    if not domain.verify_token(pass_id, kid, sig, lot.code, keys):
        raise PassRefused("invalid")
    if lot_code is not None and lot_code != lot.code:
        raise PassRefused("wrong_lot")
    if stay.exited_at is not None:
        raise PassRefused("closed")
    if row.used_at is not None and not allow_used:
        raise PassRefused("used")
    if row.expires_at <= clock.now() and not allow_used:
        raise PassRefused("expired")
    operator = await session.get(Operator, stay.operator_id)
    assert operator is not None
    ctx = await stays.context(session, stay)
    fee_now = stays.fee_at(ctx, clock.now()).total
    cap = domain.total_cap(fee_now, row.asked_amount)
    return PassView(
        row,
        stay,
        lot,
        operator,
        fee_now,
        max(0, fee_now - stay.proxy_reserved),
        max(0, cap - stay.proxy_reserved),
        lot.proxy_min_amount,
    )


async def start_payment(
    db: Database,
    clock: Clock,
    keys: KeyRing,
    payments: Payments,
    token: str,
    amount: int,
    return_url: str,
    receipt_to: str | None,
) -> tuple[ProxyPayment, str]:
    """Spend the pass on one payment of ``amount``: reserve room under the cap (atomically, in the
    database), then open the gateway's payment page."""
    if receipt_to is not None:
        from qrpark.stays.phone import InvalidPhone, parse_phone

        try:
            receipt_to = parse_phone(receipt_to)
        except InvalidPhone as exc:
            raise ReceiptPhoneInvalid from exc
    async with db.transaction() as s:
        view = await open_pass(s, clock, keys, token)
        high = min(view.room, 10**12)
        if view.room < view.minimum:
            raise CapReached
        if not view.minimum <= amount <= high:
            raise AmountRefused(low=view.minimum, high=high)
        cap = domain.total_cap(view.fee_now, view.pass_.asked_amount)
        used = await s.execute(
            update(ProxyPass)
            .where(ProxyPass.id == view.pass_.id, ProxyPass.used_at.is_(None))
            .values(used_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            raise PassRefused("used")
        # The cap, kept by the database: concurrent payers cannot push the total past it.
        reserved = await s.execute(
            update(Stay)
            .where(
                Stay.id == view.stay.id,
                Stay.exited_at.is_(None),
                Stay.proxy_reserved + amount <= cap,
            )
            .values(proxy_reserved=Stay.proxy_reserved + amount)
            .execution_options(synchronize_session=False)
        )
        if reserved.rowcount != 1:  # type: ignore[attr-defined]
            raise CapReached
        now = clock.now()
        payment = ProxyPayment(
            stay_id=view.stay.id,
            pass_id=view.pass_.id,
            amount=amount,
            status="pending",
            applied_amount=0,
            refunded_amount=0,
            receipt_to=receipt_to,
            created_at=now,
            updated_at=now,
        )
        s.add(payment)
        await s.flush()
        operator, currency = view.operator, view.stay.currency
    try:
        intent, url = await payments.start_checkout(
            operator_id=operator.id,
            gateway=operator.payment_gateway,
            amount=amount,
            currency=currency,
            account=account(payment.id),
            reference=f"proxy:{payment.id}",
            description="qrpark proxy parking payment",
            return_url=return_url.format(payment=payment.id),
        )
    except QrparkError:
        await _release(db, clock, payment.id, "failed")
        raise
    async with db.transaction() as s:
        await s.execute(
            update(ProxyPayment).where(ProxyPayment.id == payment.id).values(intent_id=intent.id)
        )
        # If the payer never comes back to qrpark, the worker asks the gateway instead.
        enqueue(
            s, clock, CONFIRM_TOPIC, {"payment_id": str(payment.id), "try": 1}, delay=CONFIRM_EVERY
        )
    return payment, url


def account(payment_id: uuid.UUID) -> str:
    return f"proxy:{payment_id}"


async def _release(db: Database, clock: Clock, payment_id: uuid.UUID, status: str) -> None:
    """A payment that did not happen gives its room under the cap back."""
    async with db.transaction() as s:
        payment = await s.get(ProxyPayment, payment_id, with_for_update=True)
        assert payment is not None
        if payment.status != "pending":
            return
        payment.status, payment.updated_at = status, clock.now()
        await s.execute(
            update(Stay)
            .where(Stay.id == payment.stay_id, Stay.proxy_reserved >= payment.amount)
            .values(proxy_reserved=Stay.proxy_reserved - payment.amount)
        )


async def confirm(
    db: Database, clock: Clock, payments: Payments, payment_id: uuid.UUID
) -> ProxyPayment:
    """Ask the gateway how the payer's payment went, and record it. Money that arrives after the
    stay closed is refunded in full."""
    async with db.transaction() as s:
        payment = await s.get(ProxyPayment, payment_id)
        if payment is None:
            raise ProxyPaymentNotFound
        if payment.status != "pending" or payment.intent_id is None:
            return payment
        intent_id = payment.intent_id
    intent = await payments.resolve(intent_id)
    if intent.status in (IntentStatus.FAILED,):
        await _release(db, clock, payment_id, "failed")
    elif intent.status is IntentStatus.SUCCEEDED:
        async with db.transaction() as s:
            payment = await s.get(ProxyPayment, payment_id, with_for_update=True)
            stay = await s.get(Stay, payment.stay_id) if payment else None
            assert payment is not None
            assert stay is not None
            if payment.status == "pending":
                payment.status, payment.updated_at = "succeeded", clock.now()
                enqueue(
                    s,
                    clock,
                    SMS_TOPIC,
                    {"to": stay.phone, "text": _paid_message(stay, payment.amount)},
                )
                if payment.receipt_to:
                    enqueue(
                        s,
                        clock,
                        SMS_TOPIC,
                        {"to": payment.receipt_to, "text": _receipt_message(stay, payment)},
                    )
                if stay.exited_at is not None:  # too late to count: give it all back
                    enqueue(
                        s,
                        clock,
                        REFUND_TOPIC,
                        {"payment_id": str(payment.id), "amount": payment.amount},
                    )
    async with db.transaction() as s:
        row = await s.get(ProxyPayment, payment_id)
        assert row is not None
        return row


def _paid_message(stay: Stay, amount: int) -> str:
    from qrpark.kit.money import format_amount

    money = format_amount(amount, stay.currency, stay.locale)
    if stay.locale == "ko":
        return f"[qrpark] {stay.plate} 주차 요금 중 {money}을(를) 다른 분이 결제했습니다."
    return f"[qrpark] Someone paid {money} towards the parking of {stay.plate}."


def _receipt_message(stay: Stay, payment: ProxyPayment) -> str:
    from qrpark.kit.money import format_amount
    from qrpark.stays.vehicle import mask

    money = format_amount(payment.amount, stay.currency, stay.locale)
    if stay.locale == "ko":
        return (
            f"[qrpark] 영수증: {mask(stay.plate)} 주차 요금 {money} 대리결제 완료. "
            "최종 요금보다 많으면 차액은 자동 환불됩니다."
        )
    return (
        f"[qrpark] Receipt: you paid {money} towards the parking of {mask(stay.plate)}. "
        "Anything above the final fee is refunded automatically."
    )


async def settle_at_close(session: AsyncSession, clock: Clock, stay: Stay, fee: int) -> int:
    """Inside the closing transaction: apply proxy money to the fee (oldest first), book it, and
    queue refunds of whatever exceeds the fee (newest first). Returns the amount applied."""
    paid = (
        await session.scalars(
            select(ProxyPayment)
            .where(ProxyPayment.stay_id == stay.id, ProxyPayment.status == "succeeded")
            .order_by(ProxyPayment.created_at, ProxyPayment.id)
        )
    ).all()
    plan = domain.settle(fee, [(p.id, p.amount) for p in paid])
    for p in paid:
        applied = plan.applied.get(p.id, 0)
        p.applied_amount = applied
        if applied:
            await ledger.post(
                session,
                clock,
                kind="proxy_applied",
                reference=f"proxy:{p.id}:applied",
                lines=transfer(account(p.id), stays.receivable(stay), applied, stay.currency),
            )
        back = plan.refunds.get(p.id, 0)
        if back:
            enqueue(
                session,
                clock,
                REFUND_TOPIC,
                {"payment_id": str(p.id), "amount": back},
                dedupe_key=f"proxy:{p.id}:refund",
            )
    return plan.total_applied


async def refund(
    db: Database, clock: Clock, payments: Payments, payment_id: uuid.UUID, amount: int
) -> None:
    """Give a proxy payer back what the final fee did not need (through the payments core)."""
    async with db.transaction() as s:
        payment = await s.get(ProxyPayment, payment_id)
        assert payment is not None
        intent_id = payment.intent_id
    assert intent_id is not None
    result = await payments.refund(
        intent_id,
        amount,
        reason="proxy payment above the final fee",
        reference=f"proxy:{payment_id}:refund",
    )
    if result.status == "succeeded":
        async with db.transaction() as s:
            await s.execute(
                update(ProxyPayment)
                .where(ProxyPayment.id == payment_id, ProxyPayment.refunded_amount == 0)
                .values(refunded_amount=result.amount, updated_at=clock.now())
            )
    elif result.status == "failed":
        raise RuntimeError(f"refund of proxy payment {payment_id} failed: {result.failure}")


def handlers(db: Database, clock: Clock, payments: Payments) -> dict[str, Handler]:
    async def refund_job(payload: dict[str, Any]) -> None:
        await refund(db, clock, payments, uuid.UUID(payload["payment_id"]), int(payload["amount"]))

    async def confirm_job(payload: dict[str, Any]) -> None:
        payment_id, tries = uuid.UUID(payload["payment_id"]), int(payload["try"])
        row = await confirm(db, clock, payments, payment_id)
        if row.status != "pending":
            return
        if tries >= CONFIRM_TRIES:
            await _release(db, clock, payment_id, "expired")
            return
        async with db.transaction() as s:
            enqueue(
                s,
                clock,
                CONFIRM_TOPIC,
                {"payment_id": str(payment_id), "try": tries + 1},
                delay=CONFIRM_EVERY,
            )

    return {REFUND_TOPIC: refund_job, CONFIRM_TOPIC: confirm_job}


async def proxy_payments(session: AsyncSession, stay: Stay) -> list[ProxyPayment]:
    return list(
        (
            await session.scalars(
                select(ProxyPayment)
                .where(ProxyPayment.stay_id == stay.id)
                .order_by(ProxyPayment.created_at)
            )
        ).all()
    )
