"""Pure rules for cameras: kinds, lane directions, marks, and when a calibration can be fitted.

No SQLAlchemy and no FastAPI here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CameraKind(StrEnum):
    """A lane camera reads plates at an entry or exit; a space camera watches spaces."""

    LANE = "lane"
    SPACE = "space"


class LaneDirection(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"
    BOTH = "both"


class Mark(StrEnum):
    """What an operator says a space shows in one snapshot."""

    BUSY = "busy"
    FREE = "free"


#: A calibration is fitted once this many patches of each class are marked. The fit itself
#: needs 2; below 5 a single odd patch would move a camera's threshold. The figures measured on
#: real cameras (docs/occupancy.md) are for 25 of each.
MIN_MARKS_PER_CLASS = 5
#: Marked patches kept per camera. The memory compares every new patch with each of them, and
#: the stored calibration holds 256 numbers per patch, so the set is bounded.
MAX_MARKS = 400


@dataclass(frozen=True, slots=True)
class MarkCounts:
    busy: int
    free: int

    @property
    def total(self) -> int:
        return self.busy + self.free

    @property
    def enough(self) -> bool:
        """Whether a calibration can be fitted from these marks."""
        return min(self.busy, self.free) >= MIN_MARKS_PER_CLASS

    def missing(self) -> dict[str, int]:
        """How many more marks of each class a calibration needs (0 when enough)."""
        return {
            Mark.BUSY.value: max(0, MIN_MARKS_PER_CLASS - self.busy),
            Mark.FREE.value: max(0, MIN_MARKS_PER_CLASS - self.free),
        }


def calibration_state(counts: MarkCounts, stored_scorer: str | None, scorer: str) -> str:
    """``none`` (too few marks), ``calibrated`` (fitted for ``scorer``), or ``stale`` (enough
    marks, but the stored calibration is missing or was fitted for another model)."""
    if not counts.enough:
        return "none"
    return "calibrated" if stored_scorer == scorer else "stale"
