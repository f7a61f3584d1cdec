"""Classical fallback scorer: edge, contrast and colour statistics with a fixed linear head.

Used when the CNN file is absent. Its head was fitted on synthetic patches only, by
``python -m training.occupancy.fit_classical`` (seed and figures in docs/occupancy.md); on a real
camera it is meant to be calibrated like the CNN, with the same per-camera head.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qrpark.occupancy.scoring import RawScores, describe_all, to_square_bgr

SIZE = 64
FEATURE_NAMES = (
    "edge_relative",
    "edge_absolute",
    "canny_density",
    "log_grey_std",
    "saturation_mean",
    "saturation_std",
    "centre_border_ratio",
    "dark_fraction",
    "bright_fraction",
)

# Fitted on synthetic patches by training/occupancy/fit_classical.py (seed 11, 6000 patches;
# 0.694 accuracy on its 1200 held-out synthetic patches).
DEFAULT_MEAN = (
    1.656711,
    0.628415,
    0.13117,
    3.418705,
    0.204759,
    0.110718,
    0.760869,
    0.078978,
    0.111351,
)
DEFAULT_SCALE = (
    0.419067,
    0.364432,
    0.078565,
    0.578183,
    0.143761,
    0.087408,
    0.284562,
    0.099279,
    0.114491,
)
DEFAULT_WEIGHTS = (
    0.338925,
    -0.447337,
    0.207895,
    0.369911,
    -0.062105,
    0.466201,
    0.671877,
    0.148399,
    0.472594,
)
DEFAULT_BIAS = 0.023022


def classical_features(patch: np.ndarray) -> np.ndarray:
    """The nine statistics of ``FEATURE_NAMES`` for one BGR patch (any size)."""
    import cv2

    img = to_square_bgr(patch, SIZE)
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    g = grey.astype(np.float32)
    std = float(g.std())
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    grad = float(np.sqrt(gx * gx + gy * gy).mean())
    median = float(np.median(g))
    lo, hi = max(5.0, 0.66 * median), max(15.0, 1.33 * median)
    canny = float((cv2.Canny(grey, lo, hi) > 0).mean())
    sat = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)[:, :, 1].astype(np.float32) / 255.0
    q = SIZE // 4
    centre = g[q:-q, q:-q]
    return np.array(
        [
            grad / (std + 4.0),
            grad / (float(g.mean()) + 10.0),
            canny,
            float(np.log1p(std)),
            float(sat.mean()),
            float(sat.std()),
            float(centre.std()) / (std + 1.0),
            float((g < 0.5 * median).mean()),
            float((g > min(250.0, 1.4 * median + 10.0)).mean()),
        ],
        dtype=np.float64,
    )


class ClassicalScorer:
    """Scores patches with ``classical_features`` and a fixed logistic head."""

    def __init__(
        self,
        mean: Sequence[float] = DEFAULT_MEAN,
        scale: Sequence[float] = DEFAULT_SCALE,
        weights: Sequence[float] = DEFAULT_WEIGHTS,
        bias: float = DEFAULT_BIAS,
    ) -> None:
        self._mean = np.asarray(mean, dtype=np.float64)
        self._scale = np.asarray(scale, dtype=np.float64)
        self._weights = np.asarray(weights, dtype=np.float64)
        self._bias = float(bias)

    @property
    def name(self) -> str:
        """``classical:v1``."""
        return "classical:v1"

    def score(self, patches: Sequence[np.ndarray]) -> RawScores:
        """Logits of the fixed head, the raw statistics and the appearance of each patch."""
        if not patches:
            return RawScores(np.zeros(0), np.zeros((0, len(FEATURE_NAMES))), describe_all([]))
        squares = [to_square_bgr(p, SIZE) for p in patches]  # resized once for both
        feats = np.stack([classical_features(p) for p in squares])
        logits = ((feats - self._mean) / self._scale) @ self._weights + self._bias
        return RawScores(logits=logits, features=feats, appearance=describe_all(squares))
