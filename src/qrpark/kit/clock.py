"""The clock is passed in, so tests can move time and nothing reads the wall clock directly."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            msg = "FrozenClock needs an aware datetime"
            raise ValueError(msg)
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        self._now += delta
        return self._now

    def set(self, instant: dt.datetime) -> None:
        if instant.tzinfo is None:
            msg = "FrozenClock needs an aware datetime"
            raise ValueError(msg)
        self._now = instant.astimezone(dt.UTC)
