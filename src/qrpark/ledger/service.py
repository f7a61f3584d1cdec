"""Posting to the ledger, reading balances, and checking that every entry still balances."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.clock import Clock
from qrpark.kit.ids import new_id
from qrpark.ledger.domain import Line, check_balanced, reversal
from qrpark.ledger.models import Account, JournalEntry, JournalLine


async def _account_ids(
    session: AsyncSession, clock: Clock, lines: Sequence[Line]
) -> dict[str, uuid.UUID]:
    codes = {line.account: line.currency for line in lines}
    found = {
        a.code: a
        for a in (await session.scalars(select(Account).where(Account.code.in_(codes)))).all()
    }
    for code, currency in codes.items():
        account = found.get(code)
        if account is None:
            account = Account(code=code, currency=currency, created_at=clock.now())
            session.add(account)
            found[code] = account
        elif account.currency != currency:
            msg = f"account {code} holds {account.currency}, not {currency}"
            raise ValueError(msg)
    await session.flush()
    return {code: a.id for code, a in found.items()}


async def already_posted(session: AsyncSession, reference: str) -> bool:
    return (
        await session.scalar(select(JournalEntry.id).where(JournalEntry.reference == reference))
    ) is not None


async def post(
    session: AsyncSession,
    clock: Clock,
    *,
    kind: str,
    reference: str,
    lines: Sequence[Line],
    memo: str | None = None,
    reverses: uuid.UUID | None = None,
) -> uuid.UUID:
    """Post one balanced entry. Lines go in first and the header last, so the database's own
    balance check (a trigger on the header) sees the complete entry."""
    check_balanced(lines)
    accounts = await _account_ids(session, clock, lines)
    entry_id = new_id()
    await session.execute(
        insert(JournalLine),
        [
            {
                "id": new_id(),
                "entry_id": entry_id,
                "account_id": accounts[line.account],
                "amount": line.amount,
                "currency": line.currency,
            }
            for line in lines
        ],
    )
    await session.execute(
        insert(JournalEntry).values(
            id=entry_id,
            at=clock.now(),
            kind=kind,
            reference=reference,
            memo=memo,
            reverses_id=reverses,
        )
    )
    return entry_id


async def entry_lines(session: AsyncSession, entry_id: uuid.UUID) -> list[Line]:
    rows = await session.execute(
        select(Account.code, JournalLine.amount, JournalLine.currency)
        .join(Account, Account.id == JournalLine.account_id)
        .where(JournalLine.entry_id == entry_id)
    )
    return [Line(code, amount, currency) for code, amount, currency in rows.all()]


async def reverse(
    session: AsyncSession, clock: Clock, entry_id: uuid.UUID, reason: str
) -> uuid.UUID:
    """Undo an entry with a new, opposite entry that points at it."""
    original = await session.get(JournalEntry, entry_id)
    if original is None:
        msg = f"no journal entry {entry_id}"
        raise ValueError(msg)
    lines = reversal(await entry_lines(session, entry_id))
    return await post(
        session,
        clock,
        kind="reversal",
        reference=f"reversal:{entry_id}",
        lines=lines,
        memo=reason,
        reverses=entry_id,
    )


async def balance(session: AsyncSession, account: str) -> int:
    """Debits minus credits of ``account`` (0 for an account never used)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(JournalLine.amount), 0))
        .join(Account, Account.id == JournalLine.account_id)
        .where(Account.code == account)
    )
    return int(total or 0)


async def balances(session: AsyncSession, prefix: str) -> dict[str, int]:
    rows = await session.execute(
        select(Account.code, func.coalesce(func.sum(JournalLine.amount), 0))
        .join(JournalLine, JournalLine.account_id == Account.id)
        .where(Account.code.startswith(prefix))
        .group_by(Account.code)
    )
    return {code: int(total) for code, total in rows.all()}


@dataclass(frozen=True, slots=True)
class CheckReport:
    entries: int
    problems: list[str]


async def check_entries(session: AsyncSession) -> CheckReport:
    """Every entry balances per currency and has at least two lines; no line is orphaned."""
    problems: list[str] = []
    unbalanced = await session.execute(
        select(
            JournalLine.entry_id, JournalLine.currency, func.sum(JournalLine.amount), func.count()
        )
        .group_by(JournalLine.entry_id, JournalLine.currency)
        .having(func.sum(JournalLine.amount) != 0)
    )
    problems += [f"entry {e} does not balance in {c}: {s}" for e, c, s, _ in unbalanced.all()]
    orphans = await session.scalar(
        select(func.count())
        .select_from(JournalLine)
        .outerjoin(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.id.is_(None))
    )
    if orphans:
        problems.append(f"{orphans} line(s) belong to no entry")
    short = await session.execute(
        select(JournalLine.entry_id).group_by(JournalLine.entry_id).having(func.count() < 2)
    )
    problems += [f"entry {e} has fewer than two lines" for (e,) in short.all()]
    count = int(await session.scalar(select(func.count()).select_from(JournalEntry)) or 0)
    return CheckReport(count, problems)
