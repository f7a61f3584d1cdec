"""Turn a plate crop into the recogniser's input. Training uses the same functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar, cast

import cv2
import numpy as np
import numpy.typing as npt

INPUT_H = 32
INPUT_W = 128
#: Bumped whenever :func:`arrange` changes what the model sees; a model card records the version
#: it was trained with (cards without one were trained with version 1, fixed two-line fractions).
ARRANGE_VERSION = 2
ARRANGE_VERSIONS = (1, 2)

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
Img = TypeVar("Img", U8Image, F32)


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


#: Working height for finding the two lines of a plate, and the steepest slant levelled (row
#: shift per column; 0.2 covers the ±10° a rectified or hand-cut crop keeps).
SPLIT_H = 48
MAX_SHEAR = 0.2
#: The gap between the lines is looked for in this share of the text band's height (the top
#: line of every two-line format is 30-45 % of the plate).
GAP_SEARCH = (0.2, 0.62)
#: The gap's energy must be at most this share of the top line's peak.
GAP_DIP = 0.85
#: ...and at most this share of the bottom line's peak.
GAP_DIP_BOTTOM = 0.6


@dataclass(frozen=True, slots=True)
class LineSplit:
    """Where the two lines of a plate lie in its crop, after levelling it by ``shear``.

    ``top``, ``gap`` and ``bottom`` are rows of the sheared crop: text starts at ``top``, the
    lines part at ``gap`` and text ends at ``bottom``.
    """

    shear: float
    top: int
    gap: int
    bottom: int


def _shear(image: Img, shear: float, fill: float = 0.0) -> Img:
    """Shift each column vertically by ``shear`` rows per column, about the centre column."""
    if shear == 0.0:
        return image
    h, w = image.shape[:2]
    m = np.array([[1.0, 0.0, 0.0], [shear, 1.0, -shear * w / 2.0]], np.float32)
    out = cv2.warpAffine(
        image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=fill
    )
    return cast(Img, out)


def _slant(energy: F32) -> float:
    """Rows per column by which the text rises to the right, from the offset between the row
    profiles of the crop's left and right halves (whose centres are half a width apart)."""
    half = energy.shape[1] // 2
    left = energy[:, :half].mean(axis=1)
    right = energy[:, half:].mean(axis=1)
    left, right = left - left.mean(), right - right.mean()
    h = len(left)
    reach = min(h // 3, int(np.ceil(MAX_SHEAR * half)))
    best_lag, best = 0, -np.inf
    for lag in range(-reach, reach + 1):
        a = left[max(0, -lag) : h - max(0, lag)]
        b = right[max(0, lag) : h - max(0, -lag)]
        score = float(np.dot(a, b)) / len(a)
        if score > best + 1e-9 or (abs(score - best) <= 1e-9 and abs(lag) < abs(best_lag)):
            best_lag, best = lag, score
    # The right half's text lower by `lag` rows is levelled by lifting it: a negative shear.
    return float(np.clip(-best_lag / max(half, 1), -MAX_SHEAR, MAX_SHEAR))


def find_lines(grey: U8Image) -> LineSplit | None:
    """Level a two-line plate crop and find its text band and the gap between the lines.

    Character strokes make strong horizontal gradients; a row profile of their energy shows
    the two lines as two humps. The offset between the left and right halves' profiles gives the
    slant, which a shear levels. None when the levelled profile has no clear gap (the caller then
    falls back to fixed fractions).
    """
    h, w = grey.shape[:2]
    if h < 8 or w < 8:
        return None
    scale = SPLIT_H / h
    small = cv2.resize(
        grey, (max(8, round(w * scale)), SPLIT_H), interpolation=cv2.INTER_AREA
    ).astype(np.float32)
    energy = np.abs(cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3))
    shear = _slant(energy)
    # Each row is averaged over the pixels the shear kept (its empty corners are not text gaps).
    kept = _shear(np.ones_like(energy), shear).sum(axis=1)
    prof = _shear(energy, shear).sum(axis=1) / np.maximum(kept, 1.0)
    prof = np.convolve(prof, np.ones(3, np.float32) / 3.0, mode="same")
    peak = float(prof.max())
    if peak <= 0.0:
        return None
    text_rows = np.flatnonzero(prof >= 0.3 * peak)
    t0, t1 = int(text_rows[0]), int(text_rows[-1]) + 1
    band = t1 - t0
    if band < SPLIT_H * 0.25:
        return None
    lo, hi = t0 + round(band * GAP_SEARCH[0]), t0 + round(band * GAP_SEARCH[1])
    window = prof[lo:hi]
    # The gap is the middle of the lowest stretch (the profile is often flat between the lines).
    low = np.flatnonzero(window <= float(window.min()) + 0.04 * peak)
    gap = lo + int(low[len(low) // 2])
    # A real gap is a dip below the top line's hump (the top line's characters are smaller and
    # carry less edge energy than the bottom line's, so its hump is the one to compare with),
    # and well below the bottom line's.
    top_peak = float(prof[t0:gap].max(initial=0.0))
    bottom_peak = float(prof[gap:t1].max(initial=0.0))
    if prof[gap] > GAP_DIP * top_peak or prof[gap] > GAP_DIP_BOTTOM * bottom_peak:
        return None
    back = h / SPLIT_H
    return LineSplit(shear, round(t0 * back), round(gap * back), round(t1 * back))


def arrange(grey: U8Image, layout: Layout, version: int = ARRANGE_VERSION) -> U8Image:
    """Resize a grey crop to INPUT_H×INPUT_W; a two-line plate's lines are put side by side.

    Version 2 levels a two-line crop and cuts it at the gap :func:`find_lines` finds, each line
    with a small margin, and falls back to fixed fractions of the crop where it finds none;
    version 1 always uses the fixed fractions.
    """
    if version not in ARRANGE_VERSIONS:
        raise ValueError(f"unknown arrangement version {version}")
    if layout is Layout.ONE_LINE:
        return np.asarray(
            cv2.resize(grey, (INPUT_W, INPUT_H), interpolation=cv2.INTER_AREA), np.uint8
        )
    h = grey.shape[0]
    lines = find_lines(grey) if version >= 2 else None
    if lines is None:
        top = grey[: max(1, round(h * TOP_END))]
        bottom = grey[min(h - 1, round(h * BOTTOM_START)) :]
    else:
        fill = float(np.median(grey))
        level = np.asarray(_shear(grey, lines.shear, fill), np.uint8)
        pad = max(1, round((lines.bottom - lines.top) * 0.06))
        top = level[max(0, lines.top - pad) : lines.gap + pad]
        bottom = level[max(0, lines.gap - pad) : min(h, lines.bottom + pad)]
    # The top line is shorter (region and class only): it gets 3/8 of the width. Half was
    # tried (arrangement 3, docs/plates.md) and read two-line plates no better.
    top_w = INPUT_W * 3 // 8
    left = cv2.resize(top, (top_w, INPUT_H), interpolation=cv2.INTER_AREA)
    right = cv2.resize(bottom, (INPUT_W - top_w, INPUT_H), interpolation=cv2.INTER_AREA)
    joined: U8Image = np.concatenate([left, right], axis=1)
    return joined


#: The most a view may trim from each side of a crop (a quarter keeps half the plate).
MAX_SIDE_TRIM = 0.25
#: The views a newly trained recogniser is read in (its card's ``side_trims``): the crop as it is
#: and with 3 % of its width cut from each side; the more probable read wins. Chosen on synthetic
#: crops (docs/plates.md, *Two views of a crop*).
SIDE_TRIMS = (0.0, 0.03)


def valid_side_trims(trims: Sequence[float]) -> bool:
    """Whether ``trims`` can be a card's views: one or more shares between 0 and
    :data:`MAX_SIDE_TRIM`."""
    return bool(trims) and all(0.0 <= t <= MAX_SIDE_TRIM for t in trims)


def trim_sides(grey: U8Image, share: float) -> U8Image | None:
    """The crop with ``share`` of its width cut from the left and from the right: the same plate
    framed more tightly. None when that trims nothing (a share of 0, or a crop too narrow for a
    whole pixel) or would leave fewer than 8 columns."""
    if not 0.0 <= share <= MAX_SIDE_TRIM:
        raise ValueError(f"a side trim must be between 0 and {MAX_SIDE_TRIM}, not {share}")
    w = grey.shape[1]
    cut = round(w * share)
    if cut == 0 or w - 2 * cut < 8:
        return None
    return grey[:, cut : w - cut]


def order_statistics(values: U8Image, ranks: Sequence[int]) -> list[int]:
    """The values at ``ranks`` (0-based) of ``values`` sorted, from a histogram: a uint8 image
    needs no sort."""
    cum = np.bincount(values.ravel(), minlength=256).cumsum()
    return [int(v) for v in np.searchsorted(cum, ranks, side="right")]


def u8_percentiles(values: U8Image, percents: Sequence[float]) -> list[np.float64]:
    """``np.percentile(values, percents)`` (its default, linear method) to the last bit, for a
    uint8 image, in a fraction of its time: the two order statistics around each percentile come
    from a histogram, and the interpolation between them is numpy's, step by step (a float64
    index ``(n - 1) q``, its fraction as the weight, taken from the upper value where it
    is a half or more)."""
    n = values.size
    if n == 0:
        raise ValueError("percentiles of an empty image")
    if not all(0.0 <= p <= 100.0 for p in percents):
        raise ValueError(f"percentiles must be between 0 and 100, not {list(percents)}")
    spots = []
    for p in percents:
        virtual = (n - 1) * (p / 100.0)  # within [0, n - 1]: the percents were checked
        below = int(virtual)
        spots.append((virtual - below, below, min(below + 1, n - 1)))
    ranks = order_statistics(values, [r for _, a, b in spots for r in (a, b)])
    out = []
    for i, (weight, _, _) in enumerate(spots):
        a, b = float(ranks[2 * i]), float(ranks[2 * i + 1])
        diff = b - a
        out.append(np.float64(b - diff * (1.0 - weight) if weight >= 0.5 else a + diff * weight))
    return out


def u8_median(values: U8Image) -> float:
    """``float(np.median(values.astype(np.float32)))`` to the last bit, for uint8 values: the
    middle value, or the mean of the two middle values, from a histogram."""
    n = values.size
    if n == 0:
        raise ValueError("the median of no values")
    a, b = order_statistics(values, [(n - 1) // 2, n // 2])
    return (a + b) / 2.0


def normalise_contrast(grey: U8Image) -> F32:
    """Float input in [-1, 1] after a per-crop percentile stretch (cheap AGC for IR frames)."""
    g = grey.astype(np.float32)
    if grey.dtype == np.uint8:
        lo, hi = u8_percentiles(grey, (2.0, 98.0))
    else:
        lo, hi = np.percentile(g, (2.0, 98.0))
    scale = max(float(hi - lo), 16.0)
    x = np.clip((g - lo) / scale, 0.0, 1.0)
    out: F32 = (x * 2.0 - 1.0).astype(np.float32)
    return out


def model_input(image: U8Image, layout: Layout, version: int = ARRANGE_VERSION) -> F32:
    """(1, INPUT_H, INPUT_W) float32 input for one crop in one layout."""
    arranged = arrange(to_grey(image), layout, version)
    return normalise_contrast(arranged)[None, :, :]
