"""The fee engine: tariff + entry + exit -> fee and an itemised explanation. Pure: no I/O.

How a fee is built (all amounts integer minor units):

* **Free minutes** are a grace period: a stay that ends within them costs nothing; a longer stay
  is billed from its entry (the Korean "회차" rule).
* The **metered** charge after ``t`` seconds is the first-period price once ``t > 0``, plus one
  unit price for every unit period started after the first period (partial units round up).
* The stay is cut into **24-hour billing days** counted from entry. Each day's metered charge is
  capped at the **daily cap**.
* An optional **night rule** caps the metered charge of the part of a day that falls in the lot's
  night window (local time, e.g. 22:00-08:00) at ``night_cap``.
* ``max_stay`` does not change the fee; the quote flags a stay that ran past it.

The pieces partition the time line independently of the exit time, and every piece's charge is a
non-decreasing function of the exit, so the fee never falls as a stay grows and never exceeds
``daily_cap`` x days started.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

DAY = 24 * 3600


class TariffError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class NightRule:
    """Time inside ``start``-``end`` (local, may wrap midnight) costs at most ``cap`` per night."""

    start: dt.time
    end: dt.time
    cap: int

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise TariffError("the night window must not be empty")
        if self.cap < 0:
            raise TariffError("the night cap must not be negative")


@dataclass(frozen=True, slots=True)
class TariffRules:
    """One version of a lot's tariff, as the fee engine sees it."""

    currency: str
    free_minutes: int
    first_period_minutes: int
    first_period_price: int
    unit_minutes: int
    unit_price: int
    daily_cap: int | None = None
    max_stay_minutes: int | None = None
    night: NightRule | None = None

    def __post_init__(self) -> None:
        if self.free_minutes < 0:
            raise TariffError("free minutes must not be negative")
        if self.first_period_minutes < 0:
            raise TariffError("the first period must not be negative")
        if self.unit_minutes <= 0:
            raise TariffError("the unit period must be at least one minute")
        if min(self.first_period_price, self.unit_price) < 0:
            raise TariffError("prices must not be negative")
        if self.daily_cap is not None and self.daily_cap < 0:
            raise TariffError("the daily cap must not be negative")
        if self.max_stay_minutes is not None and self.max_stay_minutes <= 0:
            raise TariffError("the maximum stay must be positive")

    def metered(self, seconds: int) -> tuple[int, int]:
        """``(first_period_charge, units)`` after ``seconds`` of metered time from entry."""
        if seconds <= 0:
            return 0, 0
        first = self.first_period_minutes * 60
        if seconds <= first:
            return self.first_period_price, 0
        unit = self.unit_minutes * 60
        units = -(-(seconds - first) // unit)
        return self.first_period_price, units

    def metered_amount(self, seconds: int) -> int:
        first, units = self.metered(seconds)
        return first + units * self.unit_price


class LineKind(StrEnum):
    FREE = "free"
    FIRST_PERIOD = "first_period"
    UNITS = "units"
    NIGHT_CAP = "night_cap"
    DAILY_CAP = "daily_cap"


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One line of the explanation. ``amount`` is signed (caps are negative lines)."""

    kind: LineKind
    amount: int
    quantity: int = 1
    unit_price: int = 0
    minutes: int = 0
    day: int = 0  # 1-based billing day for cap lines, 0 otherwise


@dataclass(frozen=True, slots=True)
class FeeQuote:
    currency: str
    total: int
    billed_seconds: int
    days_started: int
    lines: tuple[FeeLine, ...] = field(default_factory=tuple)
    over_max_stay: bool = False

    @property
    def minutes(self) -> int:
        return -(-self.billed_seconds // 60)


def _night_intervals(
    rules: NightRule, start: dt.datetime, end: dt.datetime, tz: ZoneInfo
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Night windows (UTC) that overlap ``[start, end)``, clipped to it."""
    out: list[tuple[dt.datetime, dt.datetime]] = []
    local_day = start.astimezone(tz).date() - dt.timedelta(days=1)
    last_day = end.astimezone(tz).date()
    while local_day <= last_day:
        w_start = dt.datetime.combine(local_day, rules.start, tzinfo=tz)
        end_day = local_day if rules.end > rules.start else local_day + dt.timedelta(days=1)
        w_end = dt.datetime.combine(end_day, rules.end, tzinfo=tz)
        lo, hi = max(w_start, start), min(w_end, end)
        if lo < hi:
            out.append((lo.astimezone(dt.UTC), hi.astimezone(dt.UTC)))
        local_day += dt.timedelta(days=1)
    return out


def quote(  # noqa: PLR0912 - one pass over the billing days reads best as one function
    rules: TariffRules, entry: dt.datetime, exit_: dt.datetime, time_zone: str = "UTC"
) -> FeeQuote:
    """The fee of a stay from ``entry`` to ``exit_`` under ``rules``, with its explanation."""
    if entry.tzinfo is None or exit_.tzinfo is None:
        raise TariffError("entry and exit must be timezone-aware")
    if exit_ < entry:
        raise TariffError("exit is before entry")
    seconds = int((exit_ - entry).total_seconds())
    over = rules.max_stay_minutes is not None and seconds > rules.max_stay_minutes * 60
    if seconds <= rules.free_minutes * 60:
        line = FeeLine(LineKind.FREE, 0, minutes=rules.free_minutes)
        return FeeQuote(rules.currency, 0, seconds, 0, (line,), over)

    days = -(-seconds // DAY)
    tz = ZoneInfo(time_zone)
    end_all = entry + dt.timedelta(seconds=seconds)
    nights = _night_intervals(rules.night, entry, end_all, tz) if rules.night else []
    offsets = [
        (int((lo - entry).total_seconds()), int((hi - entry).total_seconds())) for lo, hi in nights
    ]

    lines: list[FeeLine] = []
    first_charge, units = rules.metered(seconds)
    if first_charge or rules.first_period_minutes:
        lines.append(
            FeeLine(
                LineKind.FIRST_PERIOD,
                first_charge,
                unit_price=rules.first_period_price,
                minutes=rules.first_period_minutes,
            )
        )
    if units:
        lines.append(
            FeeLine(
                LineKind.UNITS,
                units * rules.unit_price,
                quantity=units,
                unit_price=rules.unit_price,
                minutes=rules.unit_minutes,
            )
        )

    total = rules.metered_amount(seconds)
    for day in range(days):
        d_lo, d_hi = day * DAY, min((day + 1) * DAY, seconds)
        # Cut the day at night-window edges; each piece is charged what the meter adds over it.
        cuts = {d_lo, d_hi}
        for lo, hi in offsets:
            for t in (lo, hi):
                if d_lo < t < d_hi:
                    cuts.add(t)
        edges = sorted(cuts)
        day_charge = 0
        night_discount = 0
        for a, b in itertools.pairwise(edges):
            piece = rules.metered_amount(b) - rules.metered_amount(a)
            in_night = any(lo <= a and b <= hi for lo, hi in offsets)
            if in_night and rules.night is not None and piece > rules.night.cap:
                night_discount += piece - rules.night.cap
                piece = rules.night.cap
            day_charge += piece
        if night_discount:
            lines.append(FeeLine(LineKind.NIGHT_CAP, -night_discount, day=day + 1))
            total -= night_discount
        if rules.daily_cap is not None and day_charge > rules.daily_cap:
            cut = day_charge - rules.daily_cap
            lines.append(FeeLine(LineKind.DAILY_CAP, -cut, unit_price=rules.daily_cap, day=day + 1))
            total -= cut
    return FeeQuote(rules.currency, total, seconds, days, tuple(lines), over)
