"""Merchants: accounts, staff sign-in, pledges from a scanned pass, cover at exit, statements."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.clock import Clock
from qrpark.kit.errors import Conflict, Unauthorized
from qrpark.kit.signing import digest
from qrpark.ledger import service as ledger
from qrpark.ledger.domain import transfer
from qrpark.lots.models import Lot
from qrpark.merchants.domain import Rule, RuleKind, cover, within_budgets
from qrpark.merchants.models import Merchant, MerchantLogin, MerchantStaff, Pledge
from qrpark.operators.models import Operator
from qrpark.stays.models import Stay
from qrpark.tariffs.domain import quote
from qrpark.tariffs.models import Tariff
from qrpark.tariffs.schemas import rules_from

LOGIN_TTL = dt.timedelta(hours=12)


class SignInFailed(Unauthorized):
    code = "merchant_sign_in_failed"
    message_en = "The e-mail or password is wrong."
    message_ko = "이메일 또는 비밀번호가 틀렸습니다."


class WrongLot(Conflict):
    code = "merchant_wrong_lot"
    message_en = "This parking is at another car park; your shop cannot validate it."
    message_ko = "다른 주차장의 주차입니다. 이 가맹점은 지원할 수 없습니다."


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${derived.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, salt, expected = stored.split("$")
    except ValueError:
        return False
    candidate = hashlib.scrypt(
        password.encode("utf-8"), salt=bytes.fromhex(salt), n=2**14, r=8, p=1
    )
    return hmac.compare_digest(candidate.hex(), expected)


async def create_merchant(
    session: AsyncSession,
    clock: Clock,
    operator: Operator,
    lot: Lot,
    name: str,
    rule: Rule,
    daily_budget: int | None,
    monthly_budget: int | None,
) -> Merchant:
    merchant = Merchant(
        operator_id=operator.id,
        lot_id=lot.id,
        name=name,
        rule_kind=rule.kind,
        rule_value=rule.value,
        daily_budget=daily_budget,
        monthly_budget=monthly_budget,
        created_at=clock.now(),
    )
    session.add(merchant)
    await session.flush()
    return merchant


async def add_staff(
    session: AsyncSession, clock: Clock, merchant: Merchant, email: str, password: str
) -> MerchantStaff:
    staff = MerchantStaff(
        merchant_id=merchant.id,
        email=email.strip().lower(),
        password_hash=hash_password(password),
        created_at=clock.now(),
    )
    session.add(staff)
    await session.flush()
    return staff


async def sign_in(session: AsyncSession, clock: Clock, email: str, password: str) -> str:
    """A login cookie value for the staff member, or ``SignInFailed``."""
    rows = (
        await session.scalars(
            select(MerchantStaff).where(MerchantStaff.email == email.strip().lower())
        )
    ).all()
    staff = next((r for r in rows if check_password(password, r.password_hash)), None)
    if staff is None:
        check_password(password, hash_password("timing-equaliser"))  # same work either way
        raise SignInFailed
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        MerchantLogin(
            staff_id=staff.id,
            token_hash=digest(token),
            expires_at=now + LOGIN_TTL,
            created_at=now,
        )
    )
    return token


@dataclass(frozen=True, slots=True)
class SignedIn:
    staff: MerchantStaff
    merchant: Merchant


async def signed_in(session: AsyncSession, clock: Clock, token: str | None) -> SignedIn | None:
    if not token:
        return None
    login = await session.scalar(
        select(MerchantLogin).where(MerchantLogin.token_hash == digest(token))
    )
    if login is None or login.expires_at <= clock.now():
        return None
    staff = await session.get(MerchantStaff, login.staff_id)
    merchant = await session.get(Merchant, staff.merchant_id) if staff else None
    return SignedIn(staff, merchant) if staff and merchant else None


async def sign_out(session: AsyncSession, token: str) -> None:
    login = await session.scalar(
        select(MerchantLogin).where(MerchantLogin.token_hash == digest(token))
    )
    if login is not None:
        await session.delete(login)


async def pledge(session: AsyncSession, clock: Clock, who: SignedIn, stay: Stay) -> Pledge:
    """Promise cover for a stay at the merchant's own lot; a second pledge changes nothing."""
    if stay.lot_id != who.merchant.lot_id:
        raise WrongLot
    existing = await session.scalar(
        select(Pledge).where(Pledge.merchant_id == who.merchant.id, Pledge.stay_id == stay.id)
    )
    if existing is not None:
        return existing
    row = Pledge(
        merchant_id=who.merchant.id, stay_id=stay.id, staff_id=who.staff.id, created_at=clock.now()
    )
    session.add(row)
    await session.flush()
    return row


def _period_bounds(now: dt.datetime, tz: str) -> tuple[dt.datetime, dt.datetime]:
    local = now.astimezone(ZoneInfo(tz))
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    return day.astimezone(dt.UTC), month.astimezone(dt.UTC)


async def _spent_since(session: AsyncSession, merchant_id: uuid.UUID, since: dt.datetime) -> int:
    return int(
        await session.scalar(
            select(func.coalesce(func.sum(Pledge.applied_amount), 0)).where(
                Pledge.merchant_id == merchant_id, Pledge.applied_at >= since
            )
        )
        or 0
    )


async def apply_at_close(
    session: AsyncSession, clock: Clock, stay: Stay, fee: int, receivable: str
) -> int:
    """Inside the closing transaction: each pledge, oldest first, covers what its rule allows of
    the fee still uncovered, within the merchant's daily and monthly budgets (the merchant row is
    locked so two closing stays cannot both spend the same budget). Returns the total cover."""
    pledges = (
        await session.scalars(
            select(Pledge)
            .where(Pledge.stay_id == stay.id, Pledge.applied_at.is_(None))
            .order_by(Pledge.created_at, Pledge.id)
        )
    ).all()
    if not pledges:
        return 0
    lot = await session.get(Lot, stay.lot_id)
    tariff = await session.get(Tariff, stay.tariff_id)
    assert lot is not None
    assert tariff is not None
    now = clock.now()
    day_start, month_start = _period_bounds(now, lot.time_zone)
    left, total = fee, 0
    for p in pledges:
        merchant = await session.get(Merchant, p.merchant_id, with_for_update=True)
        assert merchant is not None
        rule = Rule(merchant.rule_kind, merchant.rule_value)
        first = 0
        if rule.kind is RuleKind.FIRST_MINUTES:
            end = stay.entered_at + dt.timedelta(minutes=rule.value)
            first = quote(
                rules_from(tariff, stay.currency), stay.entered_at, end, lot.time_zone
            ).total
        wanted = cover(rule, left, first)
        daily_left = (
            merchant.daily_budget - await _spent_since(session, merchant.id, day_start)
            if merchant.daily_budget is not None
            else None
        )
        monthly_left = (
            merchant.monthly_budget - await _spent_since(session, merchant.id, month_start)
            if merchant.monthly_budget is not None
            else None
        )
        amount = within_budgets(wanted, daily_left, monthly_left)
        p.applied_amount, p.applied_at = amount, now
        await session.flush()
        if amount:
            await ledger.post(
                session,
                clock,
                kind="merchant_cover",
                reference=f"pledge:{p.id}",
                lines=transfer(
                    f"merchant:{merchant.id}:receivable", receivable, amount, stay.currency
                ),
            )
        left -= amount
        total += amount
    return total


@dataclass(frozen=True, slots=True)
class StatementLine:
    applied_at: dt.datetime
    plate: str
    lot: str
    amount: int


async def statement(
    session: AsyncSession, merchant: Merchant, year: int, month: int
) -> list[StatementLine]:
    """The month's applied cover (local month of the merchant's lot), oldest first."""
    from qrpark.stays.vehicle import mask

    lot = await session.get(Lot, merchant.lot_id)
    assert lot is not None
    tz = ZoneInfo(lot.time_zone)
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    rows = (
        await session.execute(
            select(Pledge, Stay)
            .join(Stay, Stay.id == Pledge.stay_id)
            .where(
                Pledge.merchant_id == merchant.id,
                Pledge.applied_at >= start.astimezone(dt.UTC),
                Pledge.applied_at < end.astimezone(dt.UTC),
                Pledge.applied_amount > 0,
            )
            .order_by(Pledge.applied_at)
        )
    ).all()
    return [
        StatementLine(p.applied_at, mask(s.plate), lot.name, int(p.applied_amount or 0))  # type: ignore[arg-type]
        for p, s in rows
    ]
