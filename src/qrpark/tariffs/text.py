"""Tariffs and fee lines in plain words, in Korean and English."""

from __future__ import annotations

import datetime as dt
from functools import partial

from qrpark.kit.money import format_amount
from qrpark.tariffs.domain import FeeLine, LineKind, TariffRules, quote

EXAMPLE_HOURS = 2


def _money(amount: int, *, currency: str, locale: str) -> str:
    return format_amount(amount, currency, locale)


def duration_words(minutes: int, locale: str) -> str:
    hours, mins = divmod(minutes, 60)
    if locale == "ko":
        parts = ([f"{hours}시간"] if hours else []) + ([f"{mins}분"] if mins else [])
        return " ".join(parts) or "0분"
    parts = ([f"{hours} h"] if hours else []) + ([f"{mins} min"] if mins else [])
    return " ".join(parts) or "0 min"


def describe_tariff(rules: TariffRules, locale: str, time_zone: str = "UTC") -> list[str]:
    """The tariff as a few short sentences, ending with a worked example."""
    money = partial(_money, currency=rules.currency, locale=locale)
    ko = locale == "ko"
    out: list[str] = []
    if rules.free_minutes:
        free = duration_words(rules.free_minutes, locale)
        out.append(f"{free} 이내 출차 시 무료" if ko else f"Free if you leave within {free}")
    if rules.first_period_minutes:
        first = duration_words(rules.first_period_minutes, locale)
        out.append(
            f"최초 {first} {money(rules.first_period_price)}"
            if ko
            else f"First {first}: {money(rules.first_period_price)}"
        )
    unit = duration_words(rules.unit_minutes, locale)
    out.append(
        f"이후 {unit}마다 {money(rules.unit_price)}"
        if ko
        else f"Then {money(rules.unit_price)} per {unit} or part of it"
    )
    if rules.night is not None:
        window = f"{rules.night.start:%H:%M}–{rules.night.end:%H:%M}"
        out.append(
            f"야간({window}) 최대 {money(rules.night.cap)}"
            if ko
            else f"Night ({window}): at most {money(rules.night.cap)}"
        )
    if rules.daily_cap is not None:
        out.append(
            f"24시간 최대 {money(rules.daily_cap)}"
            if ko
            else f"At most {money(rules.daily_cap)} per 24 hours"
        )
    if rules.max_stay_minutes is not None:
        longest = duration_words(rules.max_stay_minutes, locale)
        out.append(f"최대 주차 {longest}" if ko else f"Maximum stay {longest}")
    example = example_fee(rules, time_zone)
    out.append(
        f"예: {EXAMPLE_HOURS}시간 = {money(example)}"
        if ko
        else f"Example: {EXAMPLE_HOURS} hours = {money(example)}"
    )
    return out


def example_fee(rules: TariffRules, time_zone: str = "UTC") -> int:
    """The fee of a daytime stay of ``EXAMPLE_HOURS`` hours (noon local time, no night rule)."""
    tz_noon = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
    return quote(rules, tz_noon, tz_noon + dt.timedelta(hours=EXAMPLE_HOURS), "UTC").total


def describe_line(line: FeeLine, currency: str, locale: str) -> str:
    """One explanation line in words (the amount is shown beside it)."""
    ko = locale == "ko"
    money = partial(_money, currency=currency, locale=locale)
    match line.kind:
        case LineKind.FREE:
            free = duration_words(line.minutes, locale)
            return f"무료 회차 시간 {free} 이내" if ko else f"Within the free {free}"
        case LineKind.FIRST_PERIOD:
            first = duration_words(line.minutes, locale)
            return f"최초 {first}" if ko else f"First {first}"
        case LineKind.UNITS:
            unit = duration_words(line.minutes, locale)
            return (
                f"추가 {unit} × {line.quantity} ({money(line.unit_price)})"
                if ko
                else f"{line.quantity} × {unit} at {money(line.unit_price)}"
            )
        case LineKind.NIGHT_CAP:
            return f"야간 상한 적용 ({line.day}일차)" if ko else f"Night cap, day {line.day}"
        case LineKind.DAILY_CAP:
            cap = money(line.unit_price)
            return (
                f"일 최대 {cap} 적용 ({line.day}일차)"
                if ko
                else f"Daily cap of {cap}, day {line.day}"
            )
    return str(line.kind)  # pragma: no cover - exhaustive above
