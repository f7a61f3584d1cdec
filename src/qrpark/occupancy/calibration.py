"""Per-camera calibration: a small logistic head fitted on a handful of labelled patches.

The uncalibrated scorer gives a logit ``z0`` and a feature vector ``f`` per patch. The
calibrated logit is ``a·z0 + b + w·(f − mean)/scale``: with no data it equals ``z0`` (a = 1,
b = 0, w = 0). ``w`` is kept to one direction of feature space (see :func:`fit_calibration`),
so that a few patches adjust the synthetic model instead of replacing it. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

FORMAT_VERSION = 1
L2 = 1.0
_Z_CLIP = 20.0


class CalibrationError(ValueError):
    """Calibration data or a stored calibration is unusable."""


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


def fit_logistic(
    design: np.ndarray,
    labels: np.ndarray,
    *,
    penalty: np.ndarray,
    prior: np.ndarray,
    l2: float,
    iterations: int = 50,
) -> np.ndarray:
    """Ridge logistic regression by Newton's method.

    Minimises Σ log-loss(labels, design·θ) + l2·Σ penalty·(θ − prior)². ``penalty`` is one
    weight per column (0 leaves that coefficient free, though a tiny floor keeps it finite).
    """
    x = np.asarray(design, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    prior = np.asarray(prior, dtype=np.float64)
    reg = l2 * np.maximum(np.asarray(penalty, dtype=np.float64), 1e-4)

    def objective(t: np.ndarray) -> float:
        z = x @ t
        return float(np.logaddexp(0.0, np.where(y > 0.5, -z, z)).sum() + reg @ (t - prior) ** 2)

    theta = prior.copy()
    current = objective(theta)
    for _ in range(iterations):
        p = _sigmoid(x @ theta)
        grad = x.T @ (p - y) + 2 * reg * (theta - prior)
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(2 * reg)
        step = np.linalg.solve(hess, grad)
        # damped Newton: halve the step until the objective decreases
        scale = 1.0
        while scale > 1e-6:
            candidate = theta - scale * step
            value = objective(candidate)
            if value <= current:
                break
            scale *= 0.5
        else:
            break
        theta, improvement, current = candidate, current - value, value
        if improvement < 1e-10 * (1 + abs(current)):
            break
    return theta


def _log_loss(z: np.ndarray, y: np.ndarray) -> float:
    # log(1 + e^{-z}) for busy, log(1 + e^{z}) for free, computed stably
    signed = np.where(y > 0.5, -z, z)
    return float(np.mean(np.logaddexp(0.0, signed)))


@dataclass(frozen=True, slots=True)
class Calibration:
    """A fitted per-camera head; store it with ``to_dict`` and restore it with ``from_dict``."""

    scorer: str
    a: float
    b: float
    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    l2: float
    n_busy: int
    n_free: int
    fit_log_loss: float

    def logits(self, z0: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Calibrated logits for raw logits ``z0`` (N) and features (N×D)."""
        f = np.asarray(features, dtype=np.float64)
        if f.ndim != 2 or f.shape[1] != len(self.weights):
            raise CalibrationError(
                f"calibration expects {len(self.weights)} features, got shape {f.shape}"
            )
        x = (f - np.asarray(self.mean)) / np.asarray(self.scale)
        z = np.clip(np.asarray(z0, dtype=np.float64), -_Z_CLIP, _Z_CLIP)
        out: np.ndarray = self.a * z + self.b + x @ np.asarray(self.weights)
        return out

    def probabilities(self, z0: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Calibrated P(busy) for raw logits and features."""
        return _sigmoid(self.logits(z0, features))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (floats and lists only)."""
        return {
            "version": FORMAT_VERSION,
            "scorer": self.scorer,
            "a": self.a,
            "b": self.b,
            "weights": list(self.weights),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "l2": self.l2,
            "n_busy": self.n_busy,
            "n_free": self.n_free,
            "fit_log_loss": self.fit_log_loss,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        """Rebuild a calibration from ``to_dict`` output.

        Raises:
            CalibrationError: unknown version, missing keys or inconsistent lengths.
        """
        if data.get("version") != FORMAT_VERSION:
            raise CalibrationError(f"unsupported calibration version {data.get('version')!r}")
        try:
            weights = tuple(float(v) for v in data["weights"])
            mean = tuple(float(v) for v in data["mean"])
            scale = tuple(float(v) for v in data["scale"])
            cal = cls(
                scorer=str(data["scorer"]),
                a=float(data["a"]),
                b=float(data["b"]),
                weights=weights,
                mean=mean,
                scale=scale,
                l2=float(data["l2"]),
                n_busy=int(data["n_busy"]),
                n_free=int(data["n_free"]),
                fit_log_loss=float(data["fit_log_loss"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(f"malformed calibration: {exc}") from exc
        if not len(weights) == len(mean) == len(scale) or min(scale, default=1.0) <= 0:
            raise CalibrationError("weights, mean and scale must have one positive scale each")
        return cal


def _prototype(x: np.ndarray, busy: np.ndarray) -> tuple[np.ndarray, float]:
    """Unit direction from the free mean to the busy mean, and the offset of their midpoint."""
    centre_busy, centre_free = x[busy].mean(axis=0), x[~busy].mean(axis=0)
    direction = centre_busy - centre_free
    direction /= float(np.linalg.norm(direction)) + 1e-9
    return direction, float((centre_busy + centre_free) @ direction / 2)


def _folds(busy: np.ndarray, k: int) -> np.ndarray:
    """Fold number per sample, dealt round-robin within each class (deterministic)."""
    fold = np.empty(busy.size, dtype=np.int64)
    for cls in (False, True):
        idx = np.flatnonzero(busy == cls)
        fold[idx] = np.arange(idx.size) % k
    return fold


def fit_calibration(
    z0: np.ndarray, features: np.ndarray, is_busy: np.ndarray, scorer: str
) -> Calibration:
    """Fit a calibration on labelled patches of one camera (at least 2 of each class).

    ``z0`` are the scorer's raw logits (N), ``features`` its feature vectors (N×D) and
    ``is_busy`` the labels. ``scorer`` names the model the features came from, so that a
    calibration is never applied to another model's features.

    With a few dozen patches and 64 features the classes are always separable, so a full
    logistic head on the features over-fits the time block the patches came from. Instead the
    features enter through one direction, from the free to the busy class mean (standardised),
    and only three numbers are fitted: ``a·z0 + b + c·s``, where ``s`` is each patch's position
    along that direction, computed out-of-fold so that ``c`` is not inflated by the patches
    that drew the direction. A light ridge pulls ``a`` to 1 and ``c`` to 0.
    """
    z = np.clip(np.asarray(z0, dtype=np.float64), -_Z_CLIP, _Z_CLIP)
    f = np.asarray(features, dtype=np.float64)
    busy = np.asarray(is_busy, dtype=bool)
    n_busy, n_free = int(busy.sum()), int(busy.size - busy.sum())
    if f.ndim != 2 or z.shape != (f.shape[0],) or busy.shape != z.shape:
        raise CalibrationError("need logits N, features N×D and labels N")
    if min(n_busy, n_free) < 2:
        raise CalibrationError("need at least 2 busy and 2 free patches to calibrate")
    mean = f.mean(axis=0)
    scale = f.std(axis=0) + 1e-3 * (np.abs(mean) + 1e-3)
    x = (f - mean) / scale
    k = min(5, n_busy, n_free)
    fold = _folds(busy, k)
    along = np.empty(z.size)
    for i in range(k):
        direction, offset = _prototype(x[fold != i], busy[fold != i])
        along[fold == i] = x[fold == i] @ direction - offset
    design = np.stack([z, np.ones_like(z), along], axis=1)
    y = busy.astype(np.float64)
    theta = fit_logistic(
        design, y, penalty=np.array([1.0, 0.0, 1.0]), prior=np.array([1.0, 0.0, 0.0]), l2=L2
    )
    direction, offset = _prototype(x, busy)
    a, b, c = (float(v) for v in theta)
    return Calibration(
        scorer=scorer,
        a=a,
        b=b - c * offset,
        weights=tuple(float(v) for v in c * direction),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        l2=L2,
        n_busy=n_busy,
        n_free=n_free,
        fit_log_loss=_log_loss(design @ theta, y),
    )
