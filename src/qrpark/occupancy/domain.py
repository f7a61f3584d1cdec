"""Pure rules for turning per-frame busy probabilities into a stable state per space.

No I/O and no clock: every observation carries its own timestamp (seconds, any epoch, never
decreasing per space). A space changes state only after the evidence has held on the far side
of a hysteresis band for ``hold_seconds``; while motion covers the space it is frozen.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Occupancy(StrEnum):
    """Confirmed state of one space."""

    UNKNOWN = "unknown"
    FREE = "free"
    BUSY = "busy"


class ObservationOutOfOrderError(ValueError):
    """An observation is older than the last one seen for the same space."""


@dataclass(frozen=True, slots=True)
class HysteresisPolicy:
    """Thresholds and hold time of the state machine.

    A probability at or above ``enter_busy`` is evidence for busy, at or below ``leave_busy``
    evidence for free; anything between is no evidence at all. A change is confirmed once the
    evidence for it has been uninterrupted for ``hold_seconds``.
    """

    enter_busy: float = 0.7
    leave_busy: float = 0.3
    hold_seconds: float = 20.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.leave_busy < self.enter_busy <= 1.0:
            raise ValueError("need 0 <= leave_busy < enter_busy <= 1")
        if not (self.hold_seconds >= 0.0 and math.isfinite(self.hold_seconds)):
            raise ValueError("hold_seconds must be a finite number >= 0")

    def evidence(self, prob: float) -> Occupancy | None:
        """The state that ``prob`` speaks for, or ``None`` inside the hysteresis band."""
        if prob >= self.enter_busy:
            return Occupancy.BUSY
        if prob <= self.leave_busy:
            return Occupancy.FREE
        return None


@dataclass(frozen=True, slots=True)
class SpaceState:
    """What the state machine remembers about one space between observations."""

    state: Occupancy = Occupancy.UNKNOWN
    since: float | None = None
    pending: Occupancy | None = None
    pending_since: float | None = None
    last_seen: float | None = None


@dataclass(frozen=True, slots=True)
class SpaceChanged:
    """A confirmed change of one space's state."""

    space: str
    old: Occupancy
    new: Occupancy
    at: float


def observe(
    current: SpaceState,
    policy: HysteresisPolicy,
    prob: float,
    at: float,
    *,
    moving: bool = False,
) -> tuple[SpaceState, Occupancy | None]:
    """Feed one observation; return the new state and the state changed to, if it changed.

    ``moving`` says that motion covers the space in this frame: the state is frozen and any
    pending change is dropped, so the hold time starts again once the motion has passed.
    Any observation that is not evidence for the pending change also drops it.

    Raises:
        ValueError: ``prob`` is not within [0, 1] or ``at`` is not finite.
        ObservationOutOfOrderError: ``at`` is older than the last observation.
    """
    if not (0.0 <= prob <= 1.0):
        raise ValueError(f"probability must be within [0, 1], got {prob!r}")
    if not math.isfinite(at):
        raise ValueError("timestamp must be finite")
    if current.last_seen is not None and at < current.last_seen:
        raise ObservationOutOfOrderError(f"observation at {at} after one at {current.last_seen}")
    if moving:
        return replace(current, pending=None, pending_since=None, last_seen=at), None
    wanted = policy.evidence(prob)
    if wanted is None or wanted == current.state:
        return replace(current, pending=None, pending_since=None, last_seen=at), None
    started = (
        at if current.pending != wanted or current.pending_since is None else current.pending_since
    )
    if at - started >= policy.hold_seconds:
        confirmed = SpaceState(state=wanted, since=at, last_seen=at)
        return confirmed, wanted
    return replace(current, pending=wanted, pending_since=started, last_seen=at), None


@dataclass(slots=True)
class OccupancyBoard:
    """The state machines of all spaces seen by one camera."""

    policy: HysteresisPolicy = field(default_factory=HysteresisPolicy)
    spaces: dict[str, SpaceState] = field(default_factory=dict)

    def update(
        self, at: float, probs: Mapping[str, float], moving: Collection[str] = ()
    ) -> list[SpaceChanged]:
        """Feed one frame's probabilities; return the confirmed changes, in space order."""
        changes: list[SpaceChanged] = []
        for space in sorted(probs):
            before = self.spaces.get(space, SpaceState())
            after, new = observe(before, self.policy, probs[space], at, moving=space in moving)
            self.spaces[space] = after
            if new is not None:
                changes.append(SpaceChanged(space=space, old=before.state, new=new, at=at))
        return changes

    def state(self, space: str) -> Occupancy:
        """Confirmed state of ``space`` (unknown if never seen)."""
        return self.spaces.get(space, SpaceState()).state
