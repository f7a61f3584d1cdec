"""Scores for a binary busy/free evaluation, with Wilson intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion (95 % by default); (0, 1) when ``n`` is 0."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError("successes must be within [0, n]")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, slots=True)
class BinaryScore:
    """Accuracy figures of predictions against labels (1 = busy, 0 = free)."""

    n: int
    n_busy: int
    n_free: int
    accuracy: float
    accuracy_wilson95: tuple[float, float]
    recall_busy: float
    recall_free: float
    balanced_accuracy: float
    majority_baseline: float

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready mapping, rounded to 4 decimals."""
        return {
            "n": self.n,
            "n_busy": self.n_busy,
            "n_free": self.n_free,
            "accuracy": round(self.accuracy, 4),
            "accuracy_wilson95": [round(v, 4) for v in self.accuracy_wilson95],
            "recall": {"busy": round(self.recall_busy, 4), "free": round(self.recall_free, 4)},
            "balanced_accuracy": round(self.balanced_accuracy, 4),
            "majority_baseline": round(self.majority_baseline, 4),
        }


def score(predicted_busy: np.ndarray, is_busy: np.ndarray) -> BinaryScore:
    """Score boolean predictions against boolean labels of the same length."""
    pred = np.asarray(predicted_busy, dtype=bool)
    truth = np.asarray(is_busy, dtype=bool)
    if pred.shape != truth.shape or pred.ndim != 1:
        raise ValueError("predictions and labels must be 1-D and of the same length")
    n = int(truth.size)
    n_busy = int(truth.sum())
    n_free = n - n_busy
    correct = int((pred == truth).sum())
    recall_busy = float((pred & truth).sum() / n_busy) if n_busy else math.nan
    recall_free = float((~pred & ~truth).sum() / n_free) if n_free else math.nan
    recalls = [r for r in (recall_busy, recall_free) if not math.isnan(r)]
    return BinaryScore(
        n=n,
        n_busy=n_busy,
        n_free=n_free,
        accuracy=correct / n if n else math.nan,
        accuracy_wilson95=wilson_interval(correct, n),
        recall_busy=recall_busy,
        recall_free=recall_free,
        balanced_accuracy=sum(recalls) / len(recalls) if recalls else math.nan,
        majority_baseline=max(n_busy, n_free) / n if n else math.nan,
    )
