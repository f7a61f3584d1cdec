"""Which spaces motion covers in a frame: per-space differencing against the previous frame.

The time logic (:mod:`qrpark.occupancy.domain`) freezes a space while something moves in it (a
car manoeuvring in, a person walking past), so that a half-parked car is not confirmed and a
passer-by does not end a stay. :class:`MotionDetector` tells it which spaces those are, from
the same warped patches the scorer reads:

1. each space's patch is turned grey at :attr:`MotionPolicy.size` pixels a side and lightly
   blurred; pixels clipped at black or white (and their neighbours) are set aside, since the
   light that moved them is hidden, and a space mostly clipped is not compared;
2. the previous patch of the space is fitted to the new one by a gain and an offset (least
   squares over the unclipped pixels), so that a cloud, the camera's exposure or the street
   lights coming on move nothing;
3. a pixel has moved where it lies outside the range of the fitted previous patch within
   :attr:`MotionPolicy.reach` pixels (a shaking camera moves nothing) by more than
   ``max(sigmas · noise, floor)``; ``noise`` is the frame's sensor noise, the median over the
   spaces of the frame of each space's robust spread of its difference (most spaces of a lot
   stand still at any moment);
4. specks smaller than :attr:`MotionPolicy.opening` pixels square are dropped, and motion
   covers the space when at least :attr:`MotionPolicy.min_share` of its pixels moved.

Frames further apart than :attr:`MotionPolicy.max_gap_seconds` are not compared: what changed
between them is a change, which the scorer and the hold time judge, not motion. Pure numpy and
OpenCV; no clock (every frame carries its timestamp).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from qrpark.occupancy.domain import ObservationOutOfOrderError
from qrpark.occupancy.scoring import to_square_bgr

_MAD_TO_SIGMA = 1.4826  # a normal distribution's standard deviation per median absolute deviation


@dataclass(frozen=True, slots=True)
class MotionPolicy:
    """How much difference between two frames of a space counts as motion.

    ``size``: patches are compared grey at this many pixels a side, after a blur of
    ``blur_sigma`` pixels. ``reach``: a pixel must leave the range of the previous frame within
    this many pixels, so that a shaking camera moves nothing. ``sigmas`` and ``floor``: by more
    than this many noise spreads and at least this many grey levels. ``opening``: moved pixels
    in specks smaller than this square are dropped. ``min_share``: the share of the patch that
    must have moved. ``max_gap_seconds``: frames further apart are not compared. Chosen on
    synthetic frame pairs (``python -m training.occupancy.motion``; docs/occupancy.md).
    """

    size: int = 64
    blur_sigma: float = 0.8
    reach: int = 1
    sigmas: float = 4.0
    floor: float = 14.0
    opening: int = 2
    min_share: float = 0.003
    max_gap_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.size < 8:
            raise ValueError("size must be at least 8 pixels")
        if self.reach < 0 or self.opening < 0:
            raise ValueError("reach and opening must be >= 0")
        if not (0.0 < self.min_share < 1.0):
            raise ValueError("min_share must be within (0, 1)")
        for name in ("blur_sigma", "sigmas", "floor", "max_gap_seconds"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(f"{name} must be a finite number >= 0")


#: Grey levels at or beyond which a pixel is clipped (saturated or black): it says nothing
#: about change, since the light moving it is hidden. Its neighbours within the blur's reach are
#: left out with it, and a space mostly clipped in either frame is not compared at all.
_CLIPPED_LOW, _CLIPPED_HIGH = 6.0, 249.0
_MIN_UNCLIPPED = 0.5


@dataclass(frozen=True, slots=True)
class _Frame:
    at: float
    grey: np.ndarray  # blurred grey, float32, size × size
    clipped: np.ndarray  # bool, size × size, grown by the blur's reach


def _prepared(at: float, patch: np.ndarray, policy: MotionPolicy) -> _Frame:
    import cv2

    square = to_square_bgr(patch, policy.size)
    grey = cv2.cvtColor(square, cv2.COLOR_BGR2GRAY).astype(np.float32)
    edge = ((grey <= _CLIPPED_LOW) | (grey >= _CLIPPED_HIGH)).astype(np.uint8)
    grow = 2 * math.ceil(policy.blur_sigma) + 1
    clipped = np.asarray(cv2.dilate(edge, np.ones((grow, grow), np.uint8)) > 0)
    if policy.blur_sigma > 0:
        grey = np.asarray(cv2.GaussianBlur(grey, (0, 0), policy.blur_sigma), np.float32)
    return _Frame(at, grey, clipped)


def fit_light(
    previous: np.ndarray, current: np.ndarray, valid: np.ndarray | None = None
) -> np.ndarray:
    """``previous`` as it would look in ``current``'s light: ``g·previous + o``, the gain and
    offset fitted by least squares on the ``valid`` pixels (all by default)."""
    keep = np.ones(current.shape, bool) if valid is None else valid
    a = previous[keep].astype(np.float64)
    b = current[keep].astype(np.float64)
    if a.size == 0:
        gain, offset = 1.0, 0.0
    elif float(a.var()) < 1e-6:  # a flat patch: only its level can change
        gain, offset = 1.0, float(b.mean() - a.mean())
    else:
        gain = float(((a - a.mean()) * (b - b.mean())).mean() / float(a.var()))
        offset = float(b.mean() - gain * a.mean())
    out: np.ndarray = (gain * previous + offset).astype(np.float32)
    return out


def outside_range(fitted: np.ndarray, current: np.ndarray, reach: int) -> np.ndarray:
    """How far each pixel of ``current`` lies outside the range of ``fitted`` within ``reach``
    pixels (signed, 0 inside it); with ``reach`` 0, the plain difference."""
    if reach <= 0:
        out: np.ndarray = current - fitted
    else:
        import cv2

        kernel = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
        lo, hi = cv2.erode(fitted, kernel), cv2.dilate(fitted, kernel)
        above, below = current - hi, lo - current
        out = np.where(above > 0, above, np.where(below > 0, -below, 0.0)).astype(np.float32)
    return out


def _moved_share(moved: np.ndarray, opening: int) -> float:
    if opening > 1:
        import cv2

        kernel = np.ones((opening, opening), np.uint8)
        moved = cv2.morphologyEx(moved.astype(np.uint8), cv2.MORPH_OPEN, kernel) > 0
    return float(moved.mean())


def _robust_spread(diff: np.ndarray) -> float:
    if diff.size == 0:
        return 0.0
    centre = float(np.median(diff))
    return _MAD_TO_SIGMA * float(np.median(np.abs(diff - centre)))


@dataclass(slots=True)
class MotionDetector:
    """Per-space frame differencing for one camera; feed it every frame's patches in order."""

    policy: MotionPolicy = field(default_factory=MotionPolicy)
    _previous: dict[str, _Frame] = field(default_factory=dict, repr=False)

    def update(self, at: float, patches: Mapping[str, np.ndarray]) -> set[str]:
        """Labels of the spaces that motion covers in the frame taken at ``at``.

        ``patches`` maps each space's label to its warped patch (any size, BGR or grey). A space
        seen for the first time, or last seen more than ``max_gap_seconds`` ago, is not
        moving: there is nothing recent to compare it with.

        Raises:
            ValueError: ``at`` is not finite, or a patch is not an image.
            ObservationOutOfOrderError: ``at`` is older than a space's previous frame.
        """
        if not math.isfinite(at):
            raise ValueError("timestamp must be finite")
        for label in patches:
            seen = self._previous.get(label)
            if seen is not None and at < seen.at:
                raise ObservationOutOfOrderError(f"frame at {at} after one at {seen.at}")
        frames = {label: _prepared(at, p, self.policy) for label, p in patches.items()}
        compared: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        spreads: list[float] = []
        for label, now in frames.items():
            before = self._previous.get(label)
            self._previous[label] = now
            if before is None or at - before.at > self.policy.max_gap_seconds:
                continue
            valid = ~(before.clipped | now.clipped)
            if valid.mean() < _MIN_UNCLIPPED:
                continue
            fitted = fit_light(before.grey, now.grey, valid)
            spreads.append(_robust_spread((now.grey - fitted)[valid]))
            compared[label] = (outside_range(fitted, now.grey, self.policy.reach), valid)
        if not compared:
            return set()
        limit = max(self.policy.sigmas * float(np.median(spreads)), self.policy.floor)
        return {
            label
            for label, (excess, valid) in compared.items()
            if _moved_share((np.abs(excess) > limit) & valid, self.policy.opening)
            >= self.policy.min_share
        }

    def forget(self, label: str) -> None:
        """Drop what is remembered of a space (it was removed or its polygon moved)."""
        self._previous.pop(label, None)
