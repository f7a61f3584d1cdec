"""Pure rules of the ledger: an entry's lines balance per currency. Debits are positive."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


class Unbalanced(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Line:
    """One leg of an entry: ``amount`` minor units, positive = debit, negative = credit."""

    account: str
    amount: int
    currency: str


def check_balanced(lines: Iterable[Line]) -> None:
    """Raise ``Unbalanced`` unless every currency's lines sum to zero and no line is zero."""
    lines = list(lines)
    if len(lines) < 2:
        raise Unbalanced("an entry needs at least two lines")
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        if line.amount == 0:
            raise Unbalanced(f"zero line on {line.account}")
        totals[line.currency] += line.amount
    off = {cur: total for cur, total in totals.items() if total}
    if off:
        raise Unbalanced(f"entry does not balance: {off}")


def transfer(debit: str, credit: str, amount: int, currency: str) -> list[Line]:
    """The two lines that move ``amount`` from ``credit`` to ``debit``."""
    if amount <= 0:
        raise Unbalanced("a transfer moves a positive amount")
    return [Line(debit, amount, currency), Line(credit, -amount, currency)]


def reversal(lines: Iterable[Line]) -> list[Line]:
    """The lines that undo ``lines``: corrections are new entries, never edits."""
    return [Line(line.account, -line.amount, line.currency) for line in lines]
