"""A sliding-window rate limiter kept in the process (one per web worker)."""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field

from qrpark.kit.clock import Clock
from qrpark.kit.errors import QrparkError


class RateLimited(QrparkError):
    status_code = 429
    code = "rate_limited"
    message_en = "Too many attempts. Please wait a few minutes and try again."
    message_ko = "시도가 너무 많습니다. 몇 분 후 다시 시도하세요."


@dataclass
class RateLimiter:
    clock: Clock
    limit: int
    window: dt.timedelta
    _hits: dict[str, deque[dt.datetime]] = field(default_factory=dict)

    def hit(self, key: str) -> None:
        """Count one attempt for ``key``; raise ``RateLimited`` past the limit in the window."""
        now = self.clock.now()
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            raise RateLimited
        hits.append(now)
        if len(self._hits) > 100_000:  # keep memory bounded under a flood of distinct keys
            for stale in [k for k, v in self._hits.items() if not v or now - v[-1] >= self.window]:
                del self._hits[stale]
