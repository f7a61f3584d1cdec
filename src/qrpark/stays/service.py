"""Entry, the stay's running fee, exit, and the charge of what is left to pay.

Entry and the view are ordinary units of work (the caller commits). Exit and charging span a
gateway call, so like the payments core they run their own transactions around it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.clock import Clock
from qrpark.kit.db import Database
from qrpark.kit.errors import Conflict, InvalidInput, NotFound, QrparkError
from qrpark.kit.outbox import enqueue
from qrpark.kit.ratelimit import RateLimiter
from qrpark.kit.signing import KeyRing, digest
from qrpark.ledger import service as ledger
from qrpark.ledger.domain import transfer
from qrpark.lots import repository as lots_repository
from qrpark.lots.models import Area, Lot, PlateMode
from qrpark.messages.sms import SMS_TOPIC
from qrpark.operators.models import Operator
from qrpark.payments.models import IntentStatus, PaymentIntent, PaymentMethod
from qrpark.payments.service import Payments
from qrpark.signs.domain import CODE_RE, SignRef, verify
from qrpark.stays import text
from qrpark.stays.models import EntryDraft, OneTimeCode, Source, Stay, StayEvent, StayStatus
from qrpark.stays.phone import InvalidPhone, parse_phone
from qrpark.stays.vehicle import InvalidPlate, Plate, parse
from qrpark.tariffs.domain import FeeQuote, quote
from qrpark.tariffs.models import Tariff
from qrpark.tariffs.schemas import rules_from
from qrpark.tariffs.service import in_force as tariff_in_force

DRAFT_TTL = dt.timedelta(minutes=30)
OTP_TTL = dt.timedelta(minutes=5)
OTP_ATTEMPTS = 5
RETRY_DELAYS = (dt.timedelta(hours=1), dt.timedelta(hours=6), dt.timedelta(hours=24))
SETTLE_TOPIC = "stays.settle"
RETRY_TOPIC = "stays.retry_charge"


class SignRefused(QrparkError):
    status_code = 400
    code = "sign_refused"
    message_en = "This QR code could not be verified. Do not enter any payment details."
    message_ko = "확인되지 않은 QR 코드입니다. 결제 정보를 입력하지 마세요."


class AreaUnknown(NotFound):
    code = "area_unknown"
    message_en = "This parking area does not exist."
    message_ko = "없는 주차 구역입니다."


class EntryInvalid(InvalidInput):
    code = "entry_invalid"
    message_en = "Please correct the highlighted fields."
    message_ko = "표시된 항목을 고쳐 주세요."

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "fields": self.errors}


class PlateAlreadyParked(Conflict):
    code = "plate_already_parked"
    message_en = "This vehicle already has a parking session that has not ended."
    message_ko = "이 차량은 아직 끝나지 않은 주차가 있습니다."


class StayNotFound(NotFound):
    code = "stay_not_found"
    message_en = "This parking link is not valid."
    message_ko = "유효하지 않은 주차 링크입니다."


class DraftExpired(Conflict):
    code = "entry_expired"
    message_en = "This entry has expired or was already completed. Please scan the sign again."
    message_ko = "입차 요청이 만료되었거나 이미 완료되었습니다. 안내판의 QR 코드를 다시 스캔하세요."


class CodeRefused(InvalidInput):
    code = "code_refused"
    message_en = "The code is wrong or has expired."
    message_ko = "인증번호가 틀렸거나 만료되었습니다."


class NoSavedCard(NotFound):
    code = "no_saved_card"
    message_en = "No saved card was found for this phone number."
    message_ko = "이 전화번호로 저장된 카드가 없습니다."


# -- entry ---------------------------------------------------------------------------------------


async def resolve_sign(
    session: AsyncSession, keys: KeyRing, lot_code: str, area_code: str, kid: str, sig: str
) -> tuple[Operator, Lot, Area]:
    """The operator, lot and area of a genuine sign; forged and unknown signs are refused."""
    if not (CODE_RE.fullmatch(lot_code) and CODE_RE.fullmatch(area_code)):
        raise AreaUnknown
    if not verify(SignRef(lot_code, area_code, kid, sig), keys):
        raise SignRefused
    found = await lots_repository.area_by_codes(session, lot_code, area_code)
    if found is None:
        raise AreaUnknown
    return found


def validate_entry(lot: Lot, phone: str, plate: str, consent: bool) -> tuple[str, Plate]:
    """Check the form; every problem is reported at once, by field."""
    errors: dict[str, str] = {}
    e164 = ""
    vehicle: Plate | None = None
    try:
        e164 = parse_phone(phone)
    except InvalidPhone as exc:
        errors["phone"] = f"phone.{exc.code}"
    try:
        vehicle = parse(plate, allow_foreign=lot.plate_mode is PlateMode.ANY)
    except InvalidPlate as exc:
        errors["plate"] = f"plate.{exc.code}"
    if not consent:
        errors["consent"] = "consent.required"
    if errors or vehicle is None:
        raise EntryInvalid(errors)
    return e164, vehicle


async def open_stay_for_plate(session: AsyncSession, plate: str) -> Stay | None:
    return await session.scalar(select(Stay).where(Stay.plate == plate, Stay.exited_at.is_(None)))


async def start_entry(
    session: AsyncSession,
    clock: Clock,
    *,
    operator: Operator,
    lot: Lot,
    area: Area,
    phone: str,
    plate: Plate,
    locale: str,
    card: str,
) -> EntryDraft:
    """Remember a submitted entry while the driver registers or confirms a card."""
    if await open_stay_for_plate(session, plate.text) is not None:
        raise PlateAlreadyParked
    await tariff_in_force(session, lot, clock.now())
    now = clock.now()
    draft = EntryDraft(
        operator_id=operator.id,
        lot_id=lot.id,
        area_id=area.id,
        plate=plate.text,
        plate_kind=plate.kind.value,
        phone=phone,
        locale=locale,
        entered_at=now,
        status=card,
        expires_at=now + DRAFT_TTL,
    )
    session.add(draft)
    await session.flush()
    return draft


@dataclass(frozen=True, slots=True)
class EntryBegun:
    """What the driver does next: type the SMS code (saved card) or fill the card page."""

    draft_id: uuid.UUID
    next: Literal["code", "card"]
    card_url: str | None = None
    registration_id: uuid.UUID | None = None


async def begin_entry(
    session: AsyncSession,
    clock: Clock,
    db: Database,
    payments: Payments,
    code_limit: RateLimiter,
    *,
    operator: Operator,
    lot: Lot,
    area: Area,
    phone: str,
    plate: Plate,
    locale: str,
    use_saved_card: bool,
) -> EntryBegun:
    """Step 1 of entry for checked details: keep a draft, then send a code or open a card page.

    A returning phone that asks for its saved card gets a one-time code by SMS (rate-limited
    per phone by ``code_limit``); anyone else is sent to the gateway's card page. Commits the
    session: the card page is opened in transactions of its own.
    """
    saved = await saved_card(session, operator.id, phone) if use_saved_card else None
    draft = await start_entry(
        session,
        clock,
        operator=operator,
        lot=lot,
        area=area,
        phone=phone,
        plate=plate,
        locale=locale,
        card="otp" if saved else "card",
    )
    draft_id = draft.id
    if saved is not None:
        code_limit.hit(phone)
        await send_code(session, clock, phone, locale, purpose=f"entry:{draft_id}")
        await session.commit()
        return EntryBegun(draft_id, "code")
    # Commit before the payments core opens its own transactions (SQLite's single writer).
    await session.commit()
    url = await register_card(db, payments, operator, draft_id, phone)
    async with db.transaction() as tx:
        fresh = await tx.get(EntryDraft, draft_id)
        registration_id = fresh.registration_id if fresh is not None else None
    return EntryBegun(draft_id, "card", url, registration_id)


async def register_card(
    db: Database, payments: Payments, operator: Operator, draft_id: uuid.UUID, phone: str
) -> str:
    """Open the gateway's card page for a draft; returns where to send the driver."""
    registration_id, url = await payments.start_registration(
        operator_id=operator.id,
        gateway=operator.payment_gateway,
        owner_ref=owner_ref(phone),
        return_to=f"/entries/{draft_id}/card",
    )
    async with db.transaction() as tx:
        row = await tx.get(EntryDraft, draft_id)
        assert row is not None
        row.registration_id = registration_id
    return url


async def live_draft(session: AsyncSession, clock: Clock, draft_id: uuid.UUID) -> EntryDraft:
    draft = await session.get(EntryDraft, draft_id)
    if draft is None or draft.status in ("done", "expired") or draft.expires_at < clock.now():
        raise DraftExpired
    return draft


async def saved_card(
    session: AsyncSession, operator_id: uuid.UUID, phone: str
) -> PaymentMethod | None:
    """The newest card this phone number registered with this operator."""
    return await session.scalar(
        select(PaymentMethod)
        .where(
            PaymentMethod.operator_id == operator_id,
            PaymentMethod.owner_ref == owner_ref(phone),
            PaymentMethod.removed_at.is_(None),
        )
        .order_by(PaymentMethod.created_at.desc())
        .limit(1)
    )


def owner_ref(phone: str) -> str:
    return f"phone:{phone}"


async def send_code(
    session: AsyncSession, clock: Clock, phone: str, locale: str, purpose: str
) -> None:
    """Send a six-digit code by SMS; only its hash is kept."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = clock.now()
    session.add(
        OneTimeCode(
            phone=phone,
            purpose=purpose,
            code_hash=digest(f"{phone}:{code}"),
            attempts=0,
            expires_at=now + OTP_TTL,
            created_at=now,
        )
    )
    enqueue(session, clock, SMS_TOPIC, {"to": phone, "text": text.code_message(code, locale)})


async def check_code(
    session: AsyncSession, clock: Clock, phone: str, purpose: str, code: str
) -> None:
    row = await session.scalar(
        select(OneTimeCode)
        .where(
            OneTimeCode.phone == phone,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
        )
        .order_by(OneTimeCode.created_at.desc())
        .limit(1)
    )
    if row is None or row.expires_at < clock.now() or row.attempts >= OTP_ATTEMPTS:
        raise CodeRefused
    row.attempts += 1
    if not hmac.compare_digest(row.code_hash, digest(f"{phone}:{code.strip()}")):
        await session.flush()
        raise CodeRefused
    row.used_at = clock.now()


async def saved_card_by_code(
    session: AsyncSession, clock: Clock, draft: EntryDraft, code: str
) -> uuid.UUID:
    """The saved card a returning driver unlocks with the SMS code sent for ``draft``.

    Raises:
        CodeRefused: wrong, used, expired or too often tried code (the attempt is counted;
            commit it).
        NoSavedCard: the phone's card is gone since the code was sent.
    """
    await check_code(session, clock, draft.phone, f"entry:{draft.id}", code)
    method = await saved_card(session, draft.operator_id, draft.phone)
    if method is None:
        raise NoSavedCard
    return method.id


async def create_stay(
    session: AsyncSession,
    clock: Clock,
    *,
    draft: EntryDraft,
    payment_method_id: uuid.UUID,
    public_base_url: str,
    source: Source = Source.QR,
) -> tuple[Stay, str]:
    """Turn a draft into a stay and queue the entry-completion message. Returns the stay and its
    private access token (shown once, in the link)."""
    if await open_stay_for_plate(session, draft.plate) is not None:
        raise PlateAlreadyParked
    lot = await session.get(Lot, draft.lot_id)
    area = await session.get(Area, draft.area_id)
    assert lot is not None
    assert area is not None
    tariff = await tariff_in_force(session, lot, draft.entered_at)
    token = secrets.token_urlsafe(24)
    now = clock.now()
    stay = Stay(
        operator_id=draft.operator_id,
        lot_id=lot.id,
        area_id=area.id,
        plate=draft.plate,
        plate_kind=draft.plate_kind,
        phone=draft.phone,
        payment_method_id=payment_method_id,
        locale=draft.locale,
        status=StayStatus.ACTIVE,
        entered_at=draft.entered_at,
        entry_source=source,
        tariff_id=tariff.id,
        currency=lot.currency,
        proxy_applied=0,
        merchant_applied=0,
        driver_charged=0,
        charge_attempts=0,
        access_token_hash=digest(token),
        created_at=now,
        updated_at=now,
    )
    session.add(stay)
    try:
        await session.flush()
    except IntegrityError as exc:  # another entry for this plate won the race
        raise PlateAlreadyParked from exc
    session.add(
        StayEvent(
            stay_id=stay.id,
            kind="entry",
            source=source.value,
            at=draft.entered_at,
            applied=True,
            detail={"area": area.code},
        )
    )
    draft.status, draft.stay_id = "done", stay.id
    link = f"{public_base_url}/s/{token}"
    enqueue(
        session,
        clock,
        SMS_TOPIC,
        {
            "to": stay.phone,
            "text": text.entry_message(lot, area, tariff, stay, link, draft.locale),
        },
    )
    return stay, token


async def resend_link(
    session: AsyncSession, clock: Clock, plate: str, public_base_url: str
) -> None:
    """'That is my car': send a fresh private link to the phone registered with the open stay,
    so nobody else learns anything about it."""
    stay = await open_stay_for_plate(session, plate)
    if stay is None:
        return
    token = secrets.token_urlsafe(24)
    stay.access_token_hash = digest(token)
    enqueue(
        session,
        clock,
        SMS_TOPIC,
        {"to": stay.phone, "text": text.link_message(f"{public_base_url}/s/{token}", stay.locale)},
    )


async def stay_by_token(session: AsyncSession, token: str) -> Stay:
    if not token or len(token) > 64:
        raise StayNotFound
    stay = await session.scalar(select(Stay).where(Stay.access_token_hash == digest(token)))
    if stay is None:
        raise StayNotFound
    return stay


# -- the running fee -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StayContext:
    stay: Stay
    lot: Lot
    area: Area
    tariff: Tariff
    operator: Operator


async def context(session: AsyncSession, stay: Stay) -> StayContext:
    lot = await session.get(Lot, stay.lot_id)
    area = await session.get(Area, stay.area_id)
    tariff = await session.get(Tariff, stay.tariff_id)
    operator = await session.get(Operator, stay.operator_id)
    assert lot is not None
    assert area is not None
    assert tariff is not None
    assert operator is not None
    return StayContext(stay, lot, area, tariff, operator)


def fee_at(ctx: StayContext, at: dt.datetime) -> FeeQuote:
    """The fee from the tariff in force at entry, as if the stay ended at ``at``."""
    end = ctx.stay.exited_at or at
    return quote(
        rules_from(ctx.tariff, ctx.stay.currency),
        ctx.stay.entered_at,
        max(end, ctx.stay.entered_at),
        ctx.lot.time_zone,
    )


async def driver_payments(session: AsyncSession, stay: Stay) -> list[PaymentIntent]:
    return list(
        (
            await session.scalars(
                select(PaymentIntent)
                .where(PaymentIntent.reference.startswith(f"stay:{stay.id}:"))
                .order_by(PaymentIntent.created_at)
            )
        ).all()
    )


# -- exit ----------------------------------------------------------------------------------------


async def close(db: Database, clock: Clock, stay_id: uuid.UUID, source: Source, actor: str) -> bool:
    """Close the stay now: freeze the fee, book it, and decide what is left to charge. The first
    exit signal wins; later ones are recorded and change nothing. Returns whether this call closed it."""
    async with db.transaction() as s:
        stay = await s.get(Stay, stay_id, with_for_update=True)
        if stay is None:
            raise StayNotFound
        now = clock.now()
        if stay.exited_at is not None:
            s.add(
                StayEvent(
                    stay_id=stay.id,
                    kind="exit_signal",
                    source=source.value,
                    at=now,
                    applied=False,
                    detail={"actor": actor},
                )
            )
            return False
        ctx = await context(s, stay)
        fee = fee_at(ctx, now)
        # Conditional on the stay still being open: the database settles a race between signals.
        result = await s.execute(
            update(Stay)
            .where(Stay.id == stay.id, Stay.exited_at.is_(None))
            .values(
                exited_at=now,
                exit_source=source,
                fee=fee.total,
                status=StayStatus.CLOSED,
                fee_lines=[
                    {
                        "kind": line.kind.value,
                        "amount": line.amount,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "minutes": line.minutes,
                        "day": line.day,
                    }
                    for line in fee.lines
                ],
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        s.add(
            StayEvent(
                stay_id=stay.id,
                kind="exit",
                source=source.value,
                at=now,
                applied=True,
                detail={"actor": actor, "fee": fee.total},
            )
        )
        if fee.total > 0:
            await ledger.post(
                s,
                clock,
                kind="stay_fee",
                reference=f"stay:{stay.id}:fee",
                lines=transfer(
                    receivable(stay),
                    f"operator:{stay.operator_id}:revenue",
                    fee.total,
                    stay.currency,
                ),
            )
        # Merchants' pledges cover first (within their rules and budgets), then proxy money, and
        # the driver's card only the remainder. (Imported here: merchants and proxies build on
        # stays, and closing is the one place where stays call back into them.)
        from qrpark.merchants.service import apply_at_close
        from qrpark.proxy.service import settle_at_close

        merchant = await apply_at_close(s, clock, stay, fee.total, receivable(stay))
        applied = await settle_at_close(s, clock, stay, fee.total - merchant)
        owed = fee.total - merchant - applied
        await s.execute(
            update(Stay)
            .where(Stay.id == stay.id)
            .values(
                merchant_applied=merchant,
                proxy_applied=applied,
                status=StayStatus.PAID if owed == 0 else StayStatus.CLOSED,
            )
        )
    return True


def receivable(stay: Stay) -> str:
    return f"stay:{stay.id}:receivable"


async def charge_remainder(
    db: Database, clock: Clock, payments: Payments, stay_id: uuid.UUID
) -> Stay:
    """Charge the stored card what is still owed, once per attempt, and record the outcome."""
    async with db.transaction() as s:
        stay = await s.get(Stay, stay_id, with_for_update=True)
        if stay is None:
            raise StayNotFound
        owed = remainder(stay)
        if (
            stay.status not in (StayStatus.CLOSED, StayStatus.UNPAID)
            or owed <= 0
            or stay.payment_method_id is None
        ):
            return stay
        open_intents = await s.scalar(
            select(PaymentIntent.id)
            .where(
                PaymentIntent.reference.startswith(f"stay:{stay.id}:"),
                PaymentIntent.status.in_([IntentStatus.PENDING, IntentStatus.AMBIGUOUS]),
            )
            .limit(1)
        )
        if open_intents is not None:
            return stay  # an earlier attempt is still being settled
        attempt = stay.charge_attempts + 1
        claimed = await s.execute(
            update(Stay)
            .where(Stay.id == stay.id, Stay.charge_attempts == stay.charge_attempts)
            .values(charge_attempts=attempt)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return stay
        method_id, currency = stay.payment_method_id, stay.currency
    intent = await payments.charge(
        payment_method_id=method_id,
        amount=owed,
        currency=currency,
        account=receivable(stay),
        reference=f"stay:{stay_id}:charge:{attempt}",
        description="qrpark parking",
    )
    return await record_intent(db, clock, stay_id, intent.id, attempt)


def remainder(stay: Stay) -> int:
    return max(
        0, (stay.fee or 0) - stay.proxy_applied - stay.merchant_applied - stay.driver_charged
    )


async def record_intent(
    db: Database, clock: Clock, stay_id: uuid.UUID, intent_id: uuid.UUID, attempt: int
) -> Stay:
    """Apply what happened to a charge of the stay; schedule what comes next."""
    async with db.transaction() as s:
        stay = await s.get(Stay, stay_id, with_for_update=True)
        intent = await s.get(PaymentIntent, intent_id)
        assert stay is not None
        assert intent is not None
        counted = await s.scalar(
            select(StayEvent.id).where(
                StayEvent.stay_id == stay.id,
                StayEvent.kind == "charge",
                StayEvent.detail["intent"].as_string() == str(intent.id),
            )
        )
        now = clock.now()
        if intent.status is IntentStatus.SUCCEEDED and counted is None:
            stay.driver_charged += intent.amount
            s.add(
                StayEvent(
                    stay_id=stay.id,
                    kind="charge",
                    source="driver",
                    at=now,
                    applied=True,
                    detail={"intent": str(intent.id), "amount": intent.amount},
                )
            )
            stay.status = StayStatus.PAID if remainder(stay) == 0 else stay.status
        elif intent.status is IntentStatus.AMBIGUOUS or intent.status is IntentStatus.PENDING:
            enqueue(
                s,
                clock,
                SETTLE_TOPIC,
                {"stay_id": str(stay.id), "intent_id": str(intent.id), "attempt": attempt},
                delay=dt.timedelta(minutes=2),
            )
        elif intent.status is IntentStatus.FAILED and stay.status is not StayStatus.PAID:
            first_failure = stay.status is not StayStatus.UNPAID
            stay.status = StayStatus.UNPAID
            if first_failure:
                enqueue(
                    s,
                    clock,
                    SMS_TOPIC,
                    {"to": stay.phone, "text": text.unpaid_message(stay, stay.locale)},
                )
            if attempt <= len(RETRY_DELAYS):
                enqueue(
                    s,
                    clock,
                    RETRY_TOPIC,
                    {"stay_id": str(stay.id)},
                    delay=RETRY_DELAYS[attempt - 1],
                    dedupe_key=f"stay:{stay.id}:retry:{attempt}",
                )
        stay.updated_at = now
        return stay


async def exit_stay(
    db: Database, clock: Clock, payments: Payments, stay_id: uuid.UUID, source: Source, actor: str
) -> Stay:
    """The whole exit: close (first signal wins) and charge the remainder once."""
    if await close(db, clock, stay_id, source, actor):
        return await charge_remainder(db, clock, payments, stay_id)
    async with db.transaction() as s:
        stay = await s.get(Stay, stay_id)
        assert stay is not None
        return stay
