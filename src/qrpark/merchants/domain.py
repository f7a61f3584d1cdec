"""Pure rules of merchant cover."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from qrpark.kit.money import round_rate


class RuleKind(StrEnum):
    FIRST_MINUTES = "first_minutes"  # the fee of the first N minutes of the stay
    UP_TO_AMOUNT = "up_to_amount"  # up to a fixed amount
    PERCENT = "percent"  # a percentage of the fee


@dataclass(frozen=True, slots=True)
class Rule:
    kind: RuleKind
    value: int  # minutes, minor units, or percent (1-100)

    def __post_init__(self) -> None:
        if self.value <= 0 or (self.kind is RuleKind.PERCENT and self.value > 100):
            msg = f"bad {self.kind.value} value {self.value}"
            raise ValueError(msg)


def cover(rule: Rule, fee: int, fee_of_first_minutes: int) -> int:
    """What the rule would cover of ``fee`` before budgets. ``fee_of_first_minutes`` is the fee the
    same stay would have cost had it ended after the rule's minutes."""
    if rule.kind is RuleKind.FIRST_MINUTES:
        return min(fee, fee_of_first_minutes)
    if rule.kind is RuleKind.UP_TO_AMOUNT:
        return min(fee, rule.value)
    return min(fee, round_rate(Decimal(fee) * rule.value / 100))


def within_budgets(wanted: int, daily_left: int | None, monthly_left: int | None) -> int:
    """The cover a merchant can still give today and this month (None = no budget)."""
    limits = [wanted] + [max(0, x) for x in (daily_left, monthly_left) if x is not None]
    return min(limits)
