"""Learned plate finder: a small fully convolutional network that maps a frame to a plate map.

The frame is scaled so that its longer side is :data:`WORK_SIDE` pixels, padded to a multiple
of 16, and the network (``models/plate_finder.onnx``, trained on synthetic frames only by
``training.plates.train_finder``) gives, for every 4×4 cell, the probability that a plate covers
it. Connected regions of the upsampled map above the card's threshold become rotated rectangles,
mapped back to the frame and rectified as the classical finder's candidates are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from qrpark.plates.finder import Candidate, expand_quad, order_corners, rectify

U8Image = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]

MODEL_DIR = Path(__file__).resolve().parent / "models"
FINDER_MODEL = MODEL_DIR / "plate_finder.onnx"
#: The frame's longer side in the network's input, in pixels.
WORK_SIDE = 512
#: One output cell per STRIDE × STRIDE input pixels.
STRIDE = 4
#: Inputs are padded to a multiple of this (the network's coarsest scale).
MULTIPLE = 16
#: Regions smaller than this many work pixels are dropped (a plate 14 px wide and 4 high).
MIN_AREA = 56
MIN_ASPECT = 1.0
MAX_ASPECT = 9.0


class FinderModelMissingError(RuntimeError):
    """The learned finder's model or card is not where it should be."""


def onnx_session(path: Path, threads: int) -> Any:
    """An onnxruntime CPU session on ``threads`` intra-op threads, one inter-op thread."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def to_input(image: U8Image) -> tuple[F32, float]:
    """BGR frame -> (1, 3, H, W) float input in [0, 1] and the scale applied to the frame."""
    if image.ndim == 2:
        image = np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), np.uint8)
    h, w = image.shape[:2]
    scale = WORK_SIDE / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(image, (nw, nh), interpolation=interp)
    ph, pw = -nh % MULTIPLE, -nw % MULTIPLE
    padded = cv2.copyMakeBorder(small, 0, ph, 0, pw, cv2.BORDER_REPLICATE)
    x = padded.astype(np.float32).transpose(2, 0, 1)[None] / 255.0
    return np.ascontiguousarray(x), scale


def regions(prob: F32, threshold: float) -> list[tuple[F32, float]]:
    """Rotated rectangles (tl, tr, br, bl in work pixels) of plate regions in a cell map, with
    each region's mean probability, strongest first."""
    h, w = prob.shape
    up = cv2.resize(prob, (w * STRIDE, h * STRIDE), interpolation=cv2.INTER_LINEAR)
    mask = (up >= threshold).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out: list[tuple[F32, float]] = []
    for i in range(1, n):
        if stats[i, cv2.CC_STAT_AREA] < MIN_AREA:
            continue
        x, y = stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_TOP]
        cw, ch = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]
        part = labels[y : y + ch, x : x + cw] == i
        ys, xs = np.nonzero(part)
        pts = np.stack([xs + x, ys + y], axis=1).astype(np.float32)
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(pts)
        # A pixel's centre is at +0.5; the rectangle covers whole pixels.
        rect = ((cx + 0.5, cy + 0.5), (rw + 1, rh + 1), angle)
        long, short = max(rect[1]), min(rect[1])
        if short <= 0 or not MIN_ASPECT <= long / short <= MAX_ASPECT:
            continue
        quad = order_corners(np.asarray(cv2.boxPoints(rect), np.float32))
        out.append((quad, float(up[y : y + ch, x : x + cw][part].mean())))
    out.sort(key=lambda r: -r[1])
    return out


@dataclass
class LearnedFinder:
    """The bundled plate-map network and its post-processing."""

    model_path: Path = FINDER_MODEL
    threads: int = 1
    threshold: float = field(init=False)
    _session: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        card = self.model_path.with_suffix(".json")
        if not self.model_path.exists() or not card.exists():
            raise FinderModelMissingError(f"{self.model_path} is missing; run `make train-finder`")
        meta = json.loads(card.read_text(encoding="utf-8"))
        if meta.get("work_side") != WORK_SIDE or meta.get("stride") != STRIDE:
            raise FinderModelMissingError("the finder model's input geometry does not match")
        self.threshold = float(meta["threshold"])
        self._session = onnx_session(self.model_path, self.threads)

    def plate_map(self, image: U8Image) -> tuple[F32, float]:
        """Per-cell plate probability of a frame and the frame-to-work scale."""
        x, scale = to_input(image)
        prob: F32 = self._session.run(None, {"image": x})[0][0, 0]
        return prob, scale

    def find(self, image: U8Image, max_candidates: int = 6) -> list[Candidate]:
        """Plate candidates in a BGR frame, most probable first."""
        if image.ndim == 2:
            image = np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), np.uint8)
        prob, scale = self.plate_map(image)
        out = []
        for quad, score in regions(prob, self.threshold)[:max_candidates]:
            full = (quad / scale).astype(np.float32)
            crop = rectify(image, expand_quad(full, 0.06, 0.16), 64)
            out.append(Candidate(full, score, crop))
        return out
