"""What every patch scorer (the CNN or the classical fallback) gives: raw logits and features.

Both scorers also describe each patch's appearance (:func:`describe_appearance`): where its
edges are, coarsely, and nothing the model learnt. A fixed camera's calibration remembers the
appearance of its labelled patches (:mod:`qrpark.occupancy.calibration`, method ``memory``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

APPEARANCE_GRID = 16  # the descriptor is a 16×16 map of edge strength: 256 numbers
APPEARANCE_SIZE = APPEARANCE_GRID * APPEARANCE_GRID
_APPEARANCE_INPUT = 64  # patches are described at the scorers' input size
_APPEARANCE_BLUR = 1.0  # Gaussian sigma before the gradient, in pixels of the 64×64 patch


@dataclass(frozen=True, slots=True)
class RawScores:
    """Uncalibrated logits of P(busy) (N), the feature vectors behind them (N×D) and, where
    the scorer gives it, each patch's appearance (N×:data:`APPEARANCE_SIZE`)."""

    logits: np.ndarray
    features: np.ndarray
    appearance: np.ndarray | None = None

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


def describe_appearance(square: np.ndarray) -> np.ndarray:
    """Edge-strength map of one 64×64 BGR patch: 16×16, standardised (mean 0, spread 1).

    Grey level, a light blur, the gradient's magnitude, area-averaged down to 16×16. Lines,
    kerbs, stains and car outlines stay where they are while the light changes; standardising
    removes the overall contrast, so the same place under another sun gives a nearby vector.
    """
    import cv2

    img = to_square_bgr(square, _APPEARANCE_INPUT)
    grey = cv2.GaussianBlur(
        cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32), (0, 0), _APPEARANCE_BLUR
    )
    magnitude = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    grid = cv2.resize(
        magnitude, (APPEARANCE_GRID, APPEARANCE_GRID), interpolation=cv2.INTER_AREA
    ).ravel()
    spread = float(grid.std()) + 1e-3 + 0.02 * abs(float(grid.mean()))
    out: np.ndarray = ((grid - grid.mean()) / spread).astype(np.float32)
    return out


def describe_all(squares: Sequence[np.ndarray]) -> np.ndarray:
    """:func:`describe_appearance` of each patch: N×:data:`APPEARANCE_SIZE` float32."""
    if not squares:
        return np.zeros((0, APPEARANCE_SIZE), np.float32)
    return np.stack([describe_appearance(p) for p in squares])
