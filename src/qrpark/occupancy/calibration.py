"""Per-camera calibration: a small logistic head fitted on a handful of labelled patches.

The uncalibrated scorer gives a logit ``z0`` and a feature vector ``f`` per patch. The
calibrated logit is ``a·z0 + b + w·(f − mean)/scale``: with no data it equals ``z0`` (a = 1,
b = 0, w = 0). Three ways to fit it (see :func:`fit_calibration`):

- ``memory`` (the CNN's default): the ``map`` head plus a memory of the labelled patches'
  appearance (:func:`qrpark.occupancy.scoring.describe_appearance`). A fixed camera sees the
  same spaces again; a patch that looks like a remembered busy patch (the same car still
  there) or a remembered free one (the same empty space) is pulled towards that label:
  ``+ memory_weight · log((K̄_busy + ε) / (K̄_free + ε))``, where ``K̄`` is the mean over the
  remembered patches of each class of ``exp(−d² / 2·memory_width²)`` and ``d²`` the mean squared
  difference of the two appearance vectors. Far from everything remembered the term all
  but vanishes (ε outweighs both means).
- ``map``: all of ``a``, ``b`` and ``w`` by logistic regression with a Gaussian prior
  centred on the trained head (a = 1, b = 0, w = 0; ``b`` held only weakly). Since ``z0`` is the trained
  head applied to ``f``, this is a maximum-a-posteriori estimate of a new head over the
  features that stays near the synthetic one unless the camera's patches disagree with it.
- ``direction`` (format 1's only method, the classical fallback's default): ``w`` kept to one
  direction of feature space.

All store the same fields (``memory`` adds the remembered appearances), so a stored
calibration of any kind is read back alike; format 1 (before ``memory``) is still read. Pure
numpy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # 1: before the memory; read as a calibration without one
L2 = 1.0  # ridge of the ``direction`` method
MAP_L2 = 100.0  # prior strength on the feature weights of the ``map`` method
MAP_L2_A = 100.0  # on the scale of the trained logit
MAP_L2_B = 3.0  # on its offset; all three chosen on synthetic shifted cameras
MEMORY_WIDTH = 0.3  # kernel width, in the appearance vectors' standardised units
MEMORY_WEIGHT = 1.0  # weight of the memory's log ratio; both chosen on synthetic fixed cameras
_MEMORY_EPS = 1e-3  # keeps the log ratio finite and near 0 far from every remembered patch
METHODS = ("memory", "map", "direction")
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
    method: str = "direction"
    remembered: tuple[tuple[float, ...], ...] = ()
    remembered_busy: tuple[bool, ...] = ()
    memory_width: float = MEMORY_WIDTH
    memory_weight: float = 0.0
    # the remembered appearances as arrays, built once: converting the tuples costs about half
    # a millisecond, which a camera scoring one space per call would pay on every call
    _seen: np.ndarray = field(init=False, repr=False, compare=False)
    _seen_busy: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_seen", np.asarray(self.remembered, dtype=np.float64))
        object.__setattr__(self, "_seen_busy", np.asarray(self.remembered_busy, dtype=bool))

    @property
    def remembers(self) -> bool:
        """Whether the calibrated logit needs the patches' appearance (method ``memory``)."""
        return bool(self.remembered) and self.memory_weight != 0.0

    def logits(
        self, z0: np.ndarray, features: np.ndarray, appearance: np.ndarray | None = None
    ) -> np.ndarray:
        """Calibrated logits for raw logits ``z0`` (N), features (N×D) and, for a calibration
        that :attr:`remembers`, each patch's appearance (N×256).

        Raises:
            CalibrationError: features or appearance of the wrong shape, or no appearance for
                a calibration that needs it.
        """
        f = np.asarray(features, dtype=np.float64)
        if f.ndim != 2 or f.shape[1] != len(self.weights):
            raise CalibrationError(
                f"calibration expects {len(self.weights)} features, got shape {f.shape}"
            )
        x = (f - np.asarray(self.mean)) / np.asarray(self.scale)
        z = np.clip(np.asarray(z0, dtype=np.float64), -_Z_CLIP, _Z_CLIP)
        out: np.ndarray = self.a * z + self.b + x @ np.asarray(self.weights)
        if self.remembers:
            if appearance is None:
                raise CalibrationError(
                    "this calibration remembers appearances: pass the patches' appearance"
                )
            out = out + self.memory_weight * self.memory_logits(appearance)
        return out

    def memory_logits(self, appearance: np.ndarray) -> np.ndarray:
        """The memory's log ratio (before ``memory_weight``) for appearances N×256."""
        return memory_log_ratio(appearance, self._seen, self._seen_busy, self.memory_width)

    def probabilities(
        self, z0: np.ndarray, features: np.ndarray, appearance: np.ndarray | None = None
    ) -> np.ndarray:
        """Calibrated P(busy) for raw logits, features and (see :meth:`logits`) appearance."""
        return _sigmoid(self.logits(z0, features, appearance))

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
            "method": self.method,
            "remembered": [list(v) for v in self.remembered],
            "remembered_busy": list(self.remembered_busy),
            "memory_width": self.memory_width,
            "memory_weight": self.memory_weight,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        """Rebuild a calibration from ``to_dict`` output.

        Raises:
            CalibrationError: unknown version, missing keys or inconsistent lengths.
        """
        if data.get("version") not in READABLE_VERSIONS:
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
                # stored before the MAP head existed: the only method then
                method=str(data.get("method", "direction")),
                remembered=tuple(
                    tuple(float(v) for v in row) for row in data.get("remembered", ())
                ),
                remembered_busy=tuple(bool(v) for v in data.get("remembered_busy", ())),
                memory_width=float(data.get("memory_width", MEMORY_WIDTH)),
                memory_weight=float(data.get("memory_weight", 0.0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(f"malformed calibration: {exc}") from exc
        if not len(weights) == len(mean) == len(scale) or min(scale, default=1.0) <= 0:
            raise CalibrationError("weights, mean and scale must have one positive scale each")
        if (
            len(cal.remembered) != len(cal.remembered_busy)
            or len({len(row) for row in cal.remembered}) > 1
        ):
            raise CalibrationError("remembered appearances and labels must match, one length each")
        if cal.memory_width <= 0:
            raise CalibrationError("memory_width must be positive")
        if (cal.method == "memory") != cal.remembers:
            raise CalibrationError("only a memory calibration remembers appearances, and it must")
        if cal.method not in METHODS:
            raise CalibrationError(f"unknown calibration method {cal.method!r}")
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


def memory_log_ratio(
    appearance: np.ndarray, remembered: np.ndarray, busy: np.ndarray, width: float
) -> np.ndarray:
    """``log((K̄_busy + ε) / (K̄_free + ε))`` per row of ``appearance`` (see the module text).

    Raises:
        CalibrationError: the appearance vectors' length differs from the remembered ones'.
    """
    a = np.asarray(appearance, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != remembered.shape[1]:
        raise CalibrationError(
            f"calibration remembers {remembered.shape[1]}-number appearances, got shape {a.shape}"
        )
    # mean squared difference, as |a|² − 2a·r + |r|² to keep memory at N×M
    d2 = (
        (a**2).sum(axis=1)[:, None] - 2 * a @ remembered.T + (remembered**2).sum(axis=1)[None, :]
    ) / a.shape[1]
    kernel = np.exp(-np.maximum(d2, 0.0) / (2 * width**2))
    near_busy = kernel[:, busy].mean(axis=1) if busy.any() else np.zeros(len(a))
    near_free = kernel[:, ~busy].mean(axis=1) if (~busy).any() else np.zeros(len(a))
    out: np.ndarray = np.log((near_busy + _MEMORY_EPS) / (near_free + _MEMORY_EPS))
    return out


def default_method(scorer: str) -> str:
    """The calibration each scorer gets unless asked otherwise.

    ``memory`` for the CNN (chosen on synthetic fixed cameras, ``python -m
    training.occupancy.fixed``, then checked once on CNRPark: docs/occupancy.md);
    ``direction`` for the classical fallback (``classical:…``), whose nine
    statistics the MAP strengths were not chosen for: on the synthetic shifted cameras
    (``python -m training.occupancy.shifted --classical --sweep``) ``direction`` scored 0.623
    on average against 0.605 for MAP 100/3.
    """
    return "direction" if scorer.startswith("classical") else "memory"


def fit_calibration(
    z0: np.ndarray,
    features: np.ndarray,
    is_busy: np.ndarray,
    scorer: str,
    *,
    method: str | None = None,
    appearance: np.ndarray | None = None,
    l2: float | None = None,
    l2_a: float | None = None,
    l2_b: float | None = None,
    memory_width: float = MEMORY_WIDTH,
    memory_weight: float = MEMORY_WEIGHT,
) -> Calibration:
    """Fit a calibration on labelled patches of one camera (at least 2 of each class).

    ``z0`` are the scorer's raw logits (N), ``features`` its feature vectors (N×D) and
    ``is_busy`` the labels. ``scorer`` names the model the features came from, so that a
    calibration is never applied to another model's features. ``method`` is ``memory``,
    ``map`` or ``direction`` (default: :func:`default_method` of ``scorer``); ``memory``
    needs each patch's ``appearance`` (N×256). ``l2`` overrides the head's prior strength
    (:data:`MAP_L2` or :data:`L2`) and, for ``map`` and ``memory``, ``l2_a`` and ``l2_b`` those
    on ``a`` and ``b`` (:data:`MAP_L2_A`, :data:`MAP_L2_B`); ``memory_width`` and
    ``memory_weight`` the memory's kernel.

    Raises:
        CalibrationError: shapes disagree, fewer than 2 patches of a class, unknown method, or
            ``memory`` without appearances.
    """
    z, f, busy = _checked(z0, features, is_busy)
    method = default_method(scorer) if method is None else method
    if method in ("map", "memory"):
        strengths = (
            MAP_L2 if l2 is None else l2,
            MAP_L2_A if l2_a is None else l2_a,
            MAP_L2_B if l2_b is None else l2_b,
        )
        head = _fit_map(z, f, busy, scorer, *strengths)
        if method == "map":
            return head
        return _with_memory(head, appearance, busy, memory_width, memory_weight)
    if method == "direction":
        return _fit_direction(z, f, busy, scorer, L2 if l2 is None else l2)
    raise CalibrationError(f"unknown calibration method {method!r}")


def _with_memory(
    head: Calibration,
    appearance: np.ndarray | None,
    busy: np.ndarray,
    width: float,
    weight: float,
) -> Calibration:
    """``head`` (a fitted ``map`` head) that also remembers the patches' appearance.

    ``fit_log_loss`` stays the head's: on its own patches the memory is right by construction
    (each is its own nearest neighbour), so a loss with it would say nothing.
    """
    if appearance is None:
        raise CalibrationError("the memory method needs each patch's appearance")
    seen = np.asarray(appearance, dtype=np.float64)
    if seen.ndim != 2 or seen.shape[0] != busy.size:
        raise CalibrationError(f"need one appearance row per patch, got shape {seen.shape}")
    if width <= 0:
        raise CalibrationError("memory_width must be positive")
    return replace(
        head,
        method="memory",
        remembered=tuple(tuple(float(v) for v in row) for row in seen),
        remembered_busy=tuple(bool(v) for v in busy),
        memory_width=float(width),
        memory_weight=float(weight),
    )


def _checked(
    z0: np.ndarray, features: np.ndarray, is_busy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = np.clip(np.asarray(z0, dtype=np.float64), -_Z_CLIP, _Z_CLIP)
    f = np.asarray(features, dtype=np.float64)
    busy = np.asarray(is_busy, dtype=bool)
    if f.ndim != 2 or z.shape != (f.shape[0],) or busy.shape != z.shape:
        raise CalibrationError("need logits N, features N×D and labels N")
    if min(int(busy.sum()), int(busy.size - busy.sum())) < 2:
        raise CalibrationError("need at least 2 busy and 2 free patches to calibrate")
    return z, f, busy


def _standardise(f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = f.mean(axis=0)
    scale = f.std(axis=0) + 1e-3 * (np.abs(mean) + 1e-3)
    return (f - mean) / scale, mean, scale


def _fit_map(
    z: np.ndarray,
    f: np.ndarray,
    busy: np.ndarray,
    scorer: str,
    l2: float,
    l2_a: float,
    l2_b: float,
) -> Calibration:
    """Logistic head ``a·z0 + b + w·x``, MAP under the prior a ~ N(1, ·), b ~ N(0, ·), w ~ N(0, ·).

    ``x`` are the features standardised on the calibration patches, so one prior strength
    ``l2`` fits every feature. The strengths were chosen on synthetic shifted cameras
    (``python -m training.occupancy.shifted --sweep``): the weights and ``a`` held firmly
    (100), the offset loosely (3), since a few patches tell a camera's bias better than its
    feature weights.
    """
    x, mean, scale = _standardise(f)
    design = np.concatenate([z[:, None], np.ones((z.size, 1)), x], axis=1)
    penalty = np.ones(design.shape[1])
    penalty[0] = l2_a / l2
    penalty[1] = l2_b / l2
    prior = np.zeros(design.shape[1])
    prior[0] = 1.0
    y = busy.astype(np.float64)
    theta = fit_logistic(design, y, penalty=penalty, prior=prior, l2=l2)
    return Calibration(
        scorer=scorer,
        a=float(theta[0]),
        b=float(theta[1]),
        weights=tuple(float(v) for v in theta[2:]),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        l2=l2,
        n_busy=int(busy.sum()),
        n_free=int(busy.size - busy.sum()),
        fit_log_loss=_log_loss(design @ theta, y),
        method="map",
    )


def _fit_direction(
    z: np.ndarray, f: np.ndarray, busy: np.ndarray, scorer: str, l2: float
) -> Calibration:
    """Three numbers ``a·z0 + b + c·s``, ``s`` along the free-to-busy mean direction.

    With a few dozen patches and 64 features the classes are always separable, so a full
    logistic head on the features over-fits the time block the patches came from. Instead the
    features enter through one direction, from the free to the busy class mean (standardised),
    and only three numbers are fitted: ``a·z0 + b + c·s``, where ``s`` is each patch's position
    along that direction, computed out-of-fold so that ``c`` is not inflated by the patches
    that drew the direction. A light ridge pulls ``a`` to 1 and ``c`` to 0.
    """
    n_busy, n_free = int(busy.sum()), int(busy.size - busy.sum())
    x, mean, scale = _standardise(f)
    k = min(5, n_busy, n_free)
    fold = _folds(busy, k)
    along = np.empty(z.size)
    for i in range(k):
        direction, offset = _prototype(x[fold != i], busy[fold != i])
        along[fold == i] = x[fold == i] @ direction - offset
    design = np.stack([z, np.ones_like(z), along], axis=1)
    y = busy.astype(np.float64)
    theta = fit_logistic(
        design, y, penalty=np.array([1.0, 0.0, 1.0]), prior=np.array([1.0, 0.0, 0.0]), l2=l2
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
        l2=l2,
        n_busy=n_busy,
        n_free=n_free,
        fit_log_loss=_log_loss(design @ theta, y),
        method="direction",
    )
