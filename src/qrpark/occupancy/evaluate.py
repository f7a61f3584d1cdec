"""Evaluate a scorer on a folder of labelled patches (``busy/`` and ``free/``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qrpark.occupancy.calibration import Calibration, fit_calibration
from qrpark.occupancy.metrics import BinaryScore, score
from qrpark.occupancy.scoring import PatchScorer, RawScores

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp"})


class NotALabelledFolderError(ValueError):
    """The folder lacks ``busy/`` or ``free/`` subfolders (or they hold no images)."""


class TooFewPatchesError(ValueError):
    """Calibration would leave no patch of a class to score."""


class UnreadablePatchError(ValueError):
    """A file in ``busy/`` or ``free/`` does not decode as an image."""


@dataclass(frozen=True, slots=True)
class LabelledFolder:
    """Image paths of one camera's folder, each class in file-name order."""

    busy: list[Path]
    free: list[Path]


def _images(folder: Path) -> list[Path]:
    return sorted(
        (p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
        key=lambda p: p.name,
    )


def list_labelled(directory: Path) -> LabelledFolder:
    """The images under ``directory/busy`` and ``directory/free``, sorted by file name.

    Raises:
        NotALabelledFolderError: either subfolder is missing or empty; the message names camera
            subfolders that do have both, when ``directory`` is a data set's root.
    """
    if not directory.is_dir():
        raise NotALabelledFolderError(f"{directory} is not a folder")
    missing = [c for c in ("busy", "free") if not (directory / c).is_dir()]
    if missing:
        cameras = sorted(
            d.name
            for d in directory.iterdir()
            if d.is_dir() and (d / "busy").is_dir() and (d / "free").is_dir()
        )
        hint = (
            f"; it holds camera folders {', '.join(cameras)}: pass one of them" if cameras else ""
        )
        raise NotALabelledFolderError(
            f"{directory} lacks {' and '.join(m + '/' for m in missing)}{hint}"
        )
    busy, free = _images(directory / "busy"), _images(directory / "free")
    if not busy or not free:
        empty = "busy" if not busy else "free"
        raise NotALabelledFolderError(f"{directory / empty} holds no image")
    return LabelledFolder(busy=busy, free=free)


def read_patch(path: Path) -> np.ndarray:
    """Decode one image file as BGR uint8 (read as bytes first, so any file name works).

    Raises:
        UnreadablePatchError: the file cannot be read or does not decode as an image.
    """
    import cv2

    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise UnreadablePatchError(f"cannot read {path}: {exc.strerror or exc}") from exc
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        raise UnreadablePatchError(
            f"cannot decode image {path}: not a readable JPEG, PNG or BMP file; fix or remove it"
        )
    out: np.ndarray = img
    return out


def _score_paths(
    scorer: PatchScorer,
    paths: Sequence[Path],
    batch: int,
    advance: Callable[[int], None],
) -> tuple[RawScores, float]:
    parts: list[RawScores] = []
    seconds = 0.0
    for i in range(0, len(paths), batch):
        chunk = [read_patch(p) for p in paths[i : i + batch]]
        start = time.perf_counter()
        parts.append(scorer.score(chunk))
        seconds += time.perf_counter() - start
        advance(len(chunk))
    return join_scores(parts), seconds


def join_scores(parts: Sequence[RawScores]) -> RawScores:
    """One ``RawScores`` of several batches' (appearance kept only if every batch has it)."""
    looks = [p.appearance for p in parts if p.appearance is not None]
    return RawScores(
        np.concatenate([p.logits for p in parts]),
        np.concatenate([p.features for p in parts]),
        np.concatenate(looks) if looks and len(looks) == len(parts) else None,
    )


def take(raw: RawScores, index: slice | np.ndarray) -> RawScores:
    """The rows ``index`` of ``raw`` (logits, features and appearance alike)."""
    looks = None if raw.appearance is None else raw.appearance[index]
    return RawScores(raw.logits[index], raw.features[index], looks)


def check_calibrate(calibrate: int, n_busy: int, n_free: int) -> None:
    """Refuse a calibration size of 1, or one that leaves a class with nothing to score.

    Raises:
        TooFewPatchesError: as above.
    """
    if calibrate == 1:
        raise TooFewPatchesError("--calibrate needs at least 2 patches of each class")
    if calibrate >= min(n_busy, n_free):
        raise TooFewPatchesError(
            f"--calibrate {calibrate} leaves nothing to score ({n_busy} busy, {n_free} free)"
        )


def score_with_calibration(
    busy: RawScores, free: RawScores, *, calibrate: int, scorer: str, method: str | None = None
) -> tuple[BinaryScore, Calibration | None]:
    """Score raw outputs of one camera's busy and free patches, each in file-name order.

    With ``calibrate`` = N > 0 the first N of each class fit the calibration and are left
    out of the score; with 0 the raw logits decide. ``method``: see :func:`fit_calibration`
    (``memory`` needs the scores' appearance).

    Raises:
        TooFewPatchesError: see :func:`check_calibrate`.
        CalibrationError: ``memory`` asked for, or the default, without appearances.
    """
    n_busy, n_free = len(busy.logits), len(free.logits)
    check_calibrate(calibrate, n_busy, n_free)
    calibration: Calibration | None = None
    if calibrate:
        first = slice(None, calibrate)
        seen = join_scores([take(busy, first), take(free, first)])
        calibration = fit_calibration(
            seen.logits,
            seen.features,
            np.array([True] * calibrate + [False] * calibrate),
            scorer,
            method=method,
            appearance=seen.appearance,
        )
    later = slice(calibrate, None)
    rest = join_scores([take(busy, later), take(free, later)])
    truth = np.array([True] * (n_busy - calibrate) + [False] * (n_free - calibrate))
    logits = (
        calibration.logits(rest.logits, rest.features, rest.appearance)
        if calibration
        else rest.logits
    )
    return score(logits > 0, truth), calibration


def evaluate_folder(
    directory: Path,
    scorer: PatchScorer,
    *,
    calibrate: int = 0,
    method: str | None = None,
    batch: int = 64,
    advance: Callable[[int], None] = lambda _n: None,
    on_total: Callable[[int], None] = lambda _n: None,
) -> dict[str, Any]:
    """Score every patch of ``directory`` and return the figures as a JSON-ready dict.

    With ``calibrate`` = N, the first N patches of each class in file-name order fit a
    per-camera calibration (``method``, default the scorer's: see
    :func:`~qrpark.occupancy.calibration.default_method`) and are left out of the score.
    ``ms_per_space`` counts resizing, inference and the appearance descriptor (not file
    decoding), averaged over all patches at ``batch`` per call.

    Raises:
        NotALabelledFolderError: see :func:`list_labelled`.
        TooFewPatchesError: see :func:`check_calibrate`.
    """
    folder = list_labelled(directory)
    check_calibrate(calibrate, len(folder.busy), len(folder.free))  # before any inference
    on_total(len(folder.busy) + len(folder.free))
    busy, t_busy = _score_paths(scorer, folder.busy, batch, advance)
    free, t_free = _score_paths(scorer, folder.free, batch, advance)
    result, calibration = score_with_calibration(
        busy, free, calibrate=calibrate, scorer=scorer.name, method=method
    )
    report: dict[str, Any] = {"dir": str(directory), "scorer": scorer.name}
    report.update(result.as_dict())
    total = len(folder.busy) + len(folder.free)
    report["ms_per_space"] = round(1000 * (t_busy + t_free) / total, 4)
    report["batch"] = batch
    report["calibrated_per_class"] = calibrate
    if calibration is not None:
        report["calibration"] = {
            "method": calibration.method,
            "l2": calibration.l2,
            "fit_log_loss": round(calibration.fit_log_loss, 4),
        }
        if calibration.remembers:
            report["calibration"]["remembered"] = len(calibration.remembered)
            report["calibration"]["memory_width"] = calibration.memory_width
            report["calibration"]["memory_weight"] = calibration.memory_weight
    return report
