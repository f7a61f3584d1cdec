"""What every patch scorer (the CNN or the classical fallback) gives: raw logits and features."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True, slots=True)
class RawScores:
    """Uncalibrated logits of P(busy) (N) and the feature vectors behind them (N×D)."""

    logits: np.ndarray
    features: np.ndarray

    def probabilities(self) -> np.ndarray:
        """Uncalibrated P(busy)."""
        out: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * self.logits))
        return out


class PatchScorer(Protocol):
    """Scores square BGR patches of single spaces."""

    @property
    def name(self) -> str:
        """Identifies the model, so that calibrations are not applied across models."""
        ...

    def score(self, patches: Sequence[np.ndarray]) -> RawScores:
        """Raw logits and features of each patch (any size; resized as the scorer needs)."""
        ...


def to_square_bgr(patch: np.ndarray, size: int) -> np.ndarray:
    """Resize one patch to ``size``×``size`` BGR uint8 (grey patches get three channels)."""
    import cv2

    img = patch
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    if img.ndim != 3 or img.shape[2] != 3 or img.size == 0:
        raise ValueError(f"expected a BGR image, got shape {patch.shape}")
    if img.shape[:2] != (size, size):
        shrink = img.shape[0] > size or img.shape[1] > size
        interp = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
        img = cv2.resize(img, (size, size), interpolation=interp)
    out: np.ndarray = np.ascontiguousarray(img, dtype=np.uint8)
    return out
