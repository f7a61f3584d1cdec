"""Occupancy: speed per space on one core, and accuracy per camera of occupancy-cnrpark.

Speed: the CNN (onnxruntime, one intra-op thread) against the classical fallback, both on the
same synthetic 150-pixel patches in the same run, plus the per-space crop from a full frame.
Accuracy: every patch of each camera of ``../shared/data/occupancy-cnrpark`` (or
``$QRPARK_SHARED_DATA/occupancy-cnrpark``), uncalibrated and calibrated on the first 25 patches
of each class in file-name order (the earliest capture times), which are then left out of the
score; next to the majority-class baseline, with Wilson 95 % intervals.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qrpark.occupancy.classifier import OnnxOccupancyModel

REPO = Path(__file__).resolve().parent.parent
CALIBRATE = 25


def data_dir() -> Path:
    """The occupancy-cnrpark folder: ``$QRPARK_SHARED_DATA`` or ``../shared/data``."""
    base = os.environ.get("QRPARK_SHARED_DATA")
    return (Path(base) if base else REPO / ".." / "shared" / "data") / "occupancy-cnrpark"


def _per_call_ms(fn: Callable[[], object], calls: int, repeats: int = 5) -> float:
    """Median over ``repeats`` of the mean milliseconds per call of ``fn``."""
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) * 1000 / calls)
    return statistics.median(times)


def _speed() -> list[str]:
    import cv2

    from qrpark.occupancy.classical import ClassicalScorer
    from qrpark.occupancy.classifier import MODEL_PATH, OnnxOccupancyModel
    from qrpark.occupancy.crop import warp_space
    from qrpark.occupancy.motion import MotionDetector
    from qrpark.occupancy.scoring import describe_all, to_square_bgr

    sys.path.insert(0, str(REPO))
    from training.occupancy.render import render_patch

    cv2.setNumThreads(1)
    rng = np.random.default_rng(0)
    patches = [render_patch(rng, i % 2 == 0, 150) for i in range(50)]
    cnn = OnnxOccupancyModel(MODEL_PATH)
    classical = ClassicalScorer()
    frame = rng.integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    polygon = [(800.0, 500.0), (950.0, 520.0), (940.0, 660.0), (790.0, 640.0)]
    one = [patches[0]]
    squares = [to_square_bgr(p, 64) for p in patches]
    rows = [
        ("CNN, one space per call", _per_call_ms(lambda: cnn.score(one), 200)),
        ("CNN, 50 spaces per call (one frame)", _per_call_ms(lambda: cnn.score(patches), 10) / 50),
        ("classical fallback, per space", _per_call_ms(lambda: classical.score(patches), 10) / 50),
        (
            "of which the appearance descriptor (64×64 patch), per space",
            _per_call_ms(lambda: describe_all(squares), 10) / 50,
        ),
        (
            "crop (perspective warp to 64×64) from 1080p",
            _per_call_ms(lambda: warp_space(frame, polygon), 200),
        ),
    ]
    motion = MotionDetector()
    labelled = [
        {str(i): p for i, p in enumerate(patches)},
        {str(i): p for i, p in enumerate(squares)},
    ]
    clock = iter(range(10**9))

    def motion_frame() -> set[str]:
        t = next(clock)
        return motion.update(0.5 * t, labelled[t % 2])

    rows.append(
        (
            "motion detector, 50 spaces per frame (each compared with its previous frame)",
            _per_call_ms(motion_frame, 10) / 50,
        )
    )
    frame_ms, spaces = _camera_read_ms(cnn, patches)
    rows.append(
        (
            f"a camera's snapshot through its stored calibration ({spaces} spaces, 1080p JPEG; "
            f"{frame_ms:.1f} ms per frame)",
            frame_ms / spaces,
        )
    )
    size = MODEL_PATH.stat().st_size
    lines = [
        "### Speed per space (one core: onnxruntime intra_op_num_threads=1, OpenCV 1 thread)",
        "",
        f"Model `{MODEL_PATH.name}`: {size / 1024:.0f} KiB, sha256 `{cnn.sha256[:16]}…`. "
        "Input: synthetic 150×150 patches. Each scorer's time includes the resize and the "
        "appearance descriptor the calibration's memory reads. Median of 5 runs.",
        "",
        "| what | ms per space |",
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {ms:.3f} |" for name, ms in rows]
    return lines


def _camera_read_ms(cnn: OnnxOccupancyModel, patches: list[np.ndarray]) -> tuple[float, int]:
    """Milliseconds per frame of what ``POST …/cameras/{camera}/occupancy`` does past the
    database: decode a 1920×1080 JPEG, cut every space, rebuild the stored calibration from its
    JSON, score and calibrate. The frame tiles the patches as 50 spaces of a lot."""
    import json

    import cv2

    from qrpark.occupancy.calibration import Calibration, fit_calibration
    from qrpark.occupancy.snapshot import cut_spaces, decode_snapshot

    frame = np.full((1080, 1920, 3), 90, np.uint8)
    polygons = []
    for i, patch in enumerate(patches):
        row, col = divmod(i, 10)
        x, y = 40 + col * 185, 60 + row * 200
        frame[y : y + 150, x : x + 150] = patch
        polygons.append([(x, y), (x + 150, y), (x + 150, y + 150), (x, y + 150)])
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    snapshot = jpeg.tobytes()
    raw = cnn.score(cut_spaces(decode_snapshot(snapshot), polygons, (1920, 1080)))
    busy = np.arange(len(patches)) % 2 == 0  # as render_patch drew them
    stored = json.loads(
        json.dumps(
            fit_calibration(
                raw.logits, raw.features, busy, cnn.name, appearance=raw.appearance
            ).to_dict()
        )
    )

    def read() -> np.ndarray:
        image = decode_snapshot(snapshot)
        calibration = Calibration.from_dict(stored)
        scored = cnn.score(cut_spaces(image, polygons, (1920, 1080)))
        return calibration.probabilities(scored.logits, scored.features, scored.appearance)

    return _per_call_ms(read, 5), len(patches)


def _accuracy(root: Path) -> list[str]:
    from qrpark.occupancy.calibration import default_method
    from qrpark.occupancy.classical import ClassicalScorer
    from qrpark.occupancy.classifier import MODEL_PATH, OnnxOccupancyModel
    from qrpark.occupancy.evaluate import (
        join_scores,
        list_labelled,
        read_patch,
        score_with_calibration,
    )
    from qrpark.occupancy.scoring import PatchScorer, RawScores, to_square_bgr

    def raw(scorer: PatchScorer, patches: list[np.ndarray]) -> RawScores:
        return join_scores(
            [scorer.score(patches[i : i + 256]) for i in range(0, len(patches), 256)]
        )

    scorers: list[tuple[str, PatchScorer]] = [
        ("CNN", OnnxOccupancyModel(MODEL_PATH)),
        ("classical", ClassicalScorer()),
    ]
    lines = [
        "### Accuracy per camera (CNRPark patches, evaluation only)",
        "",
        f"Calibrated: the first {CALIBRATE} busy and {CALIBRATE} free patches in file-name order "
        "(earliest capture times) fit the per-camera head and are left out of the score. "
        "memory: the CNN's default, the MAP head plus a memory of the 50 patches' appearance "
        "(chosen on synthetic fixed cameras, then checked once here: docs/occupancy.md); "
        "MAP: logistic over the features, prior centred on the trained head; direction: the "
        "three-number head, the classical fallback's default. Rows marked * are each scorer's "
        "default. "
        "Baseline: always the majority class of the scored set. [lo, hi]: Wilson 95 %.",
        "",
        "| camera | scorer | calibration | n | accuracy [95 % CI] | recall busy | recall free "
        "| balanced | majority baseline |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    cameras = sorted(d.name for d in root.iterdir() if (d / "busy").is_dir())
    for camera in cameras:
        folder = list_labelled(root / camera)
        # 64×64 is what both scorers resize to, so decoding once per camera changes nothing
        busy = [to_square_bgr(read_patch(p), 64) for p in folder.busy]
        free = [to_square_bgr(read_patch(p), 64) for p in folder.free]
        for label, scorer in scorers:
            rb, rf = raw(scorer, busy), raw(scorer, free)
            for cal, method in (
                (0, "map"),
                (CALIBRATE, "memory"),
                (CALIBRATE, "map"),
                (CALIBRATE, "direction"),
            ):
                s, _ = score_with_calibration(
                    rb, rf, calibrate=cal, scorer=scorer.name, method=method
                )
                lo, hi = s.accuracy_wilson95
                star = "*" if method == default_method(scorer.name) else ""
                how = f"{cal}+{cal} {method}{star}" if cal else "none"
                lines.append(
                    f"| {camera} | {label} | {how} | {s.n} "
                    f"| {s.accuracy:.4f} [{lo:.4f}, {hi:.4f}] | {s.recall_busy:.4f} "
                    f"| {s.recall_free:.4f} | {s.balanced_accuracy:.4f} "
                    f"| {s.majority_baseline:.4f} |"
                )
    return lines


def run() -> str:
    """Markdown section for docs/BENCHMARKS.md."""
    lines = ["## Occupancy (issue 7)", ""]
    lines += _speed()
    lines.append("")
    root = data_dir()
    if root.is_dir():
        lines += _accuracy(root)
    else:
        lines.append(
            f"Accuracy skipped: no evaluation data at `{root}` (set QRPARK_SHARED_DATA to the "
            "folder holding occupancy-cnrpark)."
        )
    return "\n".join(lines)
