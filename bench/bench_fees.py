"""Fee engine throughput: quotes per second on one core, against the bare meter as the baseline."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable

from qrpark.tariffs.domain import NightRule, TariffRules, quote

RULES = TariffRules("KRW", 10, 30, 1000, 10, 500, daily_cap=20000)
NIGHT = TariffRules(
    "KRW", 10, 30, 1000, 10, 500, daily_cap=20000, night=NightRule(dt.time(22), dt.time(8), 5000)
)
ENTRY = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)


def _rate(fn: Callable[[], object], seconds: float = 1.0) -> tuple[float, float]:
    """Calls per second over 5 rounds: (median, spread as max-min)."""
    rates = []
    for _ in range(5):
        n, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 5:
            fn()
            n += 1
        rates.append(n / elapsed)
    return statistics.median(rates), max(rates) - min(rates)


def run() -> str:
    two_hours = ENTRY + dt.timedelta(hours=2)
    three_days = ENTRY + dt.timedelta(days=3, hours=5)
    cases = [
        ("baseline: bare meter, 2 h", lambda: RULES.metered_amount(7200)),
        ("quote, 2 h day stay", lambda: quote(RULES, ENTRY, two_hours, "Asia/Seoul")),
        ("quote, 3 days 5 h, night rule", lambda: quote(NIGHT, ENTRY, three_days, "Asia/Seoul")),
    ]
    rows = ["| case | quotes/s (median of 5) | spread |", "|---|---:|---:|"]
    for name, fn in cases:
        rate, spread = _rate(fn)
        rows.append(f"| {name} | {rate:,.0f} | {spread:,.0f} |")
    return "## Fee engine\n\nOne process, one core.\n\n" + "\n".join(rows)
