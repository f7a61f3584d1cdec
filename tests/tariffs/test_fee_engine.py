"""The fee engine: worked examples and the properties every tariff must keep."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qrpark.tariffs.domain import LineKind, NightRule, TariffError, TariffRules, quote
from qrpark.tariffs.text import describe_line, describe_tariff

T0 = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)  # 12:00 in Seoul


def seoul_standard(**overrides: object) -> TariffRules:
    base: dict[str, object] = {
        "currency": "KRW",
        "free_minutes": 10,
        "first_period_minutes": 30,
        "first_period_price": 1000,
        "unit_minutes": 10,
        "unit_price": 500,
        "daily_cap": 20000,
    }
    base.update(overrides)
    return TariffRules(**base)  # type: ignore[arg-type]


def fee(rules: TariffRules, minutes: float, tz: str = "Asia/Seoul", start: dt.datetime = T0) -> int:
    return quote(rules, start, start + dt.timedelta(minutes=minutes), tz).total


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, 0),
        (10, 0),  # leaving within the grace period is free
        (10.02, 1000),  # a second past it is billed from entry
        (30, 1000),
        (31, 1500),  # a partial unit rounds up
        (40, 1500),
        (41, 2000),
        (120, 1000 + 9 * 500),  # the example on the landing page: 2 h = 5,500 won
        (24 * 60, 20000),  # capped
        (24 * 60 + 1, 20000 + 500),  # day 2 starts with the next unit
    ],
)
def test_worked_examples(minutes: float, expected: int) -> None:
    assert fee(seoul_standard(), minutes) == expected


def test_night_cap_limits_the_night_part() -> None:
    rules = seoul_standard(daily_cap=None, night=NightRule(dt.time(22, 0), dt.time(8, 0), cap=5000))
    entry = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # 21:00 Seoul
    q = quote(rules, entry, entry + dt.timedelta(hours=12), "Asia/Seoul")  # until 09:00
    # 21:00-22:00: first 30 min 1,000 + 3 units; night 22:00-08:00 capped at 5,000;
    # 08:00-09:00: 6 units
    assert q.total == 1000 + 3 * 500 + 5000 + 6 * 500
    assert [line.kind for line in q.lines] == [
        LineKind.FIRST_PERIOD,
        LineKind.UNITS,
        LineKind.NIGHT_CAP,
    ]


def test_over_max_stay_is_flagged_without_changing_the_fee() -> None:
    rules = seoul_standard(max_stay_minutes=60)
    q = quote(rules, T0, T0 + dt.timedelta(minutes=61), "Asia/Seoul")
    assert q.over_max_stay
    assert q.total == fee(seoul_standard(), 61)


def test_exit_before_entry_is_refused() -> None:
    with pytest.raises(TariffError):
        quote(seoul_standard(), T0, T0 - dt.timedelta(seconds=1))


@pytest.mark.parametrize(
    "bad",
    [{"unit_minutes": 0}, {"unit_price": -1}, {"free_minutes": -5}, {"daily_cap": -1}],
)
def test_invalid_tariffs_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(TariffError):
        seoul_standard(**bad)


def test_plain_words_carry_a_worked_example() -> None:
    ko = describe_tariff(seoul_standard(), "ko")
    en = describe_tariff(seoul_standard(), "en")
    assert ko[-1] == "예: 2시간 = 5,500원"
    assert en[-1] == "Example: 2 hours = ₩5,500"
    assert "최초 30분 1,000원" in ko


def test_usd_amounts_keep_their_cents() -> None:
    rules = seoul_standard(currency="USD", first_period_price=250, unit_price=75, daily_cap=None)
    assert describe_tariff(rules, "en")[-1] == "Example: 2 hours = $9.25"


# --- properties -------------------------------------------------------------------------------

night_rules = st.one_of(
    st.none(),
    st.builds(
        NightRule,
        start=st.times(),
        end=st.times(),
        cap=st.integers(0, 30000),
    ).filter(lambda n: n.start != n.end),
)


@st.composite
def tariffs(draw: st.DrawFn) -> TariffRules:
    try:
        night = draw(night_rules)
    except TariffError:  # pragma: no cover - filtered above
        night = None
    return TariffRules(
        currency=draw(st.sampled_from(["KRW", "USD"])),
        free_minutes=draw(st.integers(0, 120)),
        first_period_minutes=draw(st.integers(0, 240)),
        first_period_price=draw(st.integers(0, 10000)),
        unit_minutes=draw(st.integers(1, 120)),
        unit_price=draw(st.integers(0, 5000)),
        daily_cap=draw(st.one_of(st.none(), st.integers(0, 100000))),
        max_stay_minutes=draw(st.one_of(st.none(), st.integers(1, 10000))),
        night=night,
    )


entries = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)
)
stays = st.integers(0, 5 * 24 * 3600)
zones = st.sampled_from(["Asia/Seoul", "UTC", "Europe/Berlin", "America/New_York"])


@settings(max_examples=300)
@given(tariffs(), entries, stays, st.integers(0, 2 * 24 * 3600), zones)
def test_fee_never_falls_as_the_stay_grows(
    rules: TariffRules, entry: dt.datetime, stay: int, more: int, tz: str
) -> None:
    short = quote(rules, entry, entry + dt.timedelta(seconds=stay), tz)
    long = quote(rules, entry, entry + dt.timedelta(seconds=stay + more), tz)
    assert long.total >= short.total


@settings(max_examples=300)
@given(tariffs(), entries, stays, zones)
def test_fee_never_exceeds_the_cap_times_days_started(
    rules: TariffRules, entry: dt.datetime, stay: int, tz: str
) -> None:
    q = quote(rules, entry, entry + dt.timedelta(seconds=stay), tz)
    assert q.total >= 0
    if rules.daily_cap is not None:
        assert q.total <= rules.daily_cap * q.days_started


@given(tariffs(), entries, zones, st.data())
def test_fee_is_zero_inside_the_free_minutes(
    rules: TariffRules, entry: dt.datetime, tz: str, data: st.DataObject
) -> None:
    stay = data.draw(st.integers(0, rules.free_minutes * 60))
    assert quote(rules, entry, entry + dt.timedelta(seconds=stay), tz).total == 0


@settings(max_examples=300)
@given(tariffs(), entries, stays, zones, st.sampled_from(["ko", "en"]))
def test_explanation_lines_add_up_to_the_fee(
    rules: TariffRules, entry: dt.datetime, stay: int, tz: str, locale: str
) -> None:
    q = quote(rules, entry, entry + dt.timedelta(seconds=stay), tz)
    assert sum(line.amount for line in q.lines) == q.total
    assert all(describe_line(line, rules.currency, locale) for line in q.lines)
