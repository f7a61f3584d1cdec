"""Turn a plate crop into the recogniser's input. Training uses the same functions."""

from __future__ import annotations

from enum import StrEnum

import cv2
import numpy as np
import numpy.typing as npt

INPUT_H = 32
INPUT_W = 128

#: Below this width/height ratio a crop is surely a two-line plate, above ``ONE_LINE_MIN`` surely
#: one line. Plates are 520×110 (one line), 335×170 (two lines) and 335×155 mm (one line of tall
#: characters), so between the two both layouts are read and the better grammar-constrained score
#: wins. Chosen from the plate dimensions, not from data.
TWO_LINE_MAX = 1.3
ONE_LINE_MIN = 3.6
#: Two-line plates: the top line occupies the upper ~40 %; the halves overlap on purpose.
TOP_END = 0.5
BOTTOM_START = 0.33

U8Image = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]


class Layout(StrEnum):
    ONE_LINE = "one_line"
    TWO_LINE = "two_line"


def to_grey(image: U8Image) -> U8Image:
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), np.uint8)


def candidate_layouts(width: int, height: int) -> list[Layout]:
    """Layouts worth reading for a crop of this shape, most likely first."""
    ratio = width / max(height, 1)
    if ratio <= TWO_LINE_MAX:
        return [Layout.TWO_LINE]
    if ratio >= ONE_LINE_MIN:
        return [Layout.ONE_LINE]
    mid = (TWO_LINE_MAX + ONE_LINE_MIN) / 2
    both = [Layout.TWO_LINE, Layout.ONE_LINE]
    return both if ratio < mid else both[::-1]


def arrange(grey: U8Image, layout: Layout) -> U8Image:
    """Resize a grey crop to INPUT_H×INPUT_W; a two-line plate's lines are put side by side."""
    if layout is Layout.ONE_LINE:
        return np.asarray(
            cv2.resize(grey, (INPUT_W, INPUT_H), interpolation=cv2.INTER_AREA), np.uint8
        )
    h = grey.shape[0]
    top = grey[: max(1, round(h * TOP_END))]
    bottom = grey[min(h - 1, round(h * BOTTOM_START)) :]
    # The top line is shorter (region and class only): it gets 3/8 of the width.
    top_w = INPUT_W * 3 // 8
    left = cv2.resize(top, (top_w, INPUT_H), interpolation=cv2.INTER_AREA)
    right = cv2.resize(bottom, (INPUT_W - top_w, INPUT_H), interpolation=cv2.INTER_AREA)
    joined: U8Image = np.concatenate([left, right], axis=1)
    return joined


def normalise_contrast(grey: U8Image) -> F32:
    """Float input in [-1, 1] after a per-crop percentile stretch (cheap AGC for IR frames)."""
    g = grey.astype(np.float32)
    lo, hi = np.percentile(g, (2.0, 98.0))
    scale = max(float(hi - lo), 16.0)
    x = np.clip((g - lo) / scale, 0.0, 1.0)
    out: F32 = (x * 2.0 - 1.0).astype(np.float32)
    return out


def model_input(image: U8Image, layout: Layout) -> F32:
    """(1, INPUT_H, INPUT_W) float32 input for one crop in one layout."""
    arranged = arrange(to_grey(image), layout)
    return normalise_contrast(arranged)[None, :, :]
