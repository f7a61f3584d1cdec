"""The ledger refuses what does not balance and what would rewrite history, in the database itself."""

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.kit.ids import new_id
from qrpark.ledger import service as ledger
from qrpark.ledger.domain import Line, Unbalanced, transfer
from qrpark.ledger.models import Account, JournalEntry, JournalLine


async def test_balanced_entries_post_and_balances_add_up(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        await ledger.post(
            s, clock, kind="test", reference="t:1", lines=transfer("a", "b", 500, "KRW")
        )
        await ledger.post(
            s,
            clock,
            kind="test",
            reference="t:2",
            lines=[Line("a", 100, "KRW"), Line("b", -60, "KRW"), Line("c", -40, "KRW")],
        )
        assert await ledger.balance(s, "a") == 600
        assert await ledger.balance(s, "b") == -560
        assert (await ledger.check_entries(s)).problems == []


async def test_code_refuses_an_unbalanced_entry(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        with pytest.raises(Unbalanced):
            await ledger.post(
                s,
                clock,
                kind="t",
                reference="t:x",
                lines=[Line("a", 5, "KRW"), Line("b", -4, "KRW")],
            )
        with pytest.raises(Unbalanced):  # balanced in total but not per currency
            await ledger.post(
                s,
                clock,
                kind="t",
                reference="t:y",
                lines=[Line("a", 5, "KRW"), Line("b", -5, "USD")],
            )


async def test_the_database_refuses_an_unbalanced_entry_that_skips_the_code(
    db: Database, clock: FrozenClock
) -> None:
    async with db.transaction() as s:
        await ledger.post(
            s, clock, kind="test", reference="seed", lines=transfer("a", "b", 1, "KRW")
        )
        accounts = (await s.scalars(select(Account.id).order_by(Account.code))).all()
    entry = new_id()
    with pytest.raises((DBAPIError, IntegrityError), match="balance"):
        async with db.transaction() as s:
            await s.execute(
                insert(JournalLine),
                [
                    {
                        "id": new_id(),
                        "entry_id": entry,
                        "account_id": accounts[0],
                        "amount": 10,
                        "currency": "KRW",
                    },
                    {
                        "id": new_id(),
                        "entry_id": entry,
                        "account_id": accounts[1],
                        "amount": -9,
                        "currency": "KRW",
                    },
                ],
            )
            await s.execute(
                insert(JournalEntry).values(id=entry, at=clock.now(), kind="bad", reference="bad")
            )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE journal_lines SET amount = amount + 1",
        "DELETE FROM journal_entries",
        "UPDATE journal_entries SET kind = 'edited'",
        "DELETE FROM journal_lines",
    ],
)
async def test_history_cannot_be_rewritten(db: Database, clock: FrozenClock, sql: str) -> None:
    async with db.transaction() as s:
        await ledger.post(
            s, clock, kind="test", reference="t:1", lines=transfer("a", "b", 500, "KRW")
        )
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.transaction() as s:
            await s.execute(text(sql))


async def test_a_correction_is_a_reversing_entry(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        entry = await ledger.post(
            s, clock, kind="test", reference="t:1", lines=transfer("a", "b", 500, "KRW")
        )
        await ledger.reverse(s, clock, entry, "posted to the wrong stay")
        assert await ledger.balance(s, "a") == 0
        assert await ledger.balance(s, "b") == 0
        assert await ledger.already_posted(s, f"reversal:{entry}")


async def test_the_same_reference_never_posts_twice(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        await ledger.post(
            s, clock, kind="test", reference="once", lines=transfer("a", "b", 1, "KRW")
        )
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            await ledger.post(
                s, clock, kind="test", reference="once", lines=transfer("a", "b", 1, "KRW")
            )
