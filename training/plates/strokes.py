"""Digits drawn from strokes, a family of faces around the plate typeface (generator version 4).

The Korean plate typeface is a condensed, rounded grotesque of even stroke width that no Debian
font is. Instead of one more font, each plate here draws its digits from a skeleton per digit
(lines, superellipse arcs and Bézier curves) with one random style: stroke weight, squareness
of the bowls, where the waist of 3, 5 and 8 sits, open or closed 4, flat or round top on 3, flag
on 1, straight or curved legs on 6, 7 and 9. The skeletons were written from the general shape
of such typefaces, not traced from any plate or photo.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

Points = np.ndarray  # (n, 2) float, x right and y down, in the glyph's box
#: The height a glyph is drawn at; the canvas scales it into its cell.
HEIGHT = 100
#: Sub-pixel bits for OpenCV's anti-aliased polylines.
SHIFT = 4


@dataclass(frozen=True)
class StrokeStyle:
    """One plate's stroke digits. Hashable, so each style's glyphs are drawn once."""

    width: float  # box width / height
    weight: float  # stroke width / height
    squareness: float  # superellipse exponent of the bowls: 2 round, 4 and more boxy
    waist: float  # height of the junction of 3, 5 and 8, as a share of the skeleton's height
    closed_four: bool
    flat_three: bool
    flagged_one: bool
    curved_legs: bool  # the stem of 6 and 9 and the leg of 7 curve instead of running straight

    def glyph(self, char: str) -> np.ndarray:
        return _draw(self, char)


def random_style(rng: np.random.Generator) -> StrokeStyle:
    return StrokeStyle(
        width=float(rng.uniform(0.48, 0.64)),
        weight=float(rng.uniform(0.1, 0.19)),
        squareness=float(rng.uniform(2.0, 4.5)),
        waist=float(rng.uniform(0.44, 0.53)),
        closed_four=bool(rng.random() < 0.5),
        flat_three=bool(rng.random() < 0.25),
        flagged_one=bool(rng.random() < 0.3),
        curved_legs=bool(rng.random() < 0.5),
    )


def arc(
    cx: float, cy: float, rx: float, ry: float, start: float, end: float, p: float, n: int = 40
) -> Points:
    """Part of the superellipse |x/rx|^p + |y/ry|^p = 1 around (cx, cy), from angle ``start``
    to ``end`` in degrees (0 right, 90 down, as on the image)."""
    t = np.deg2rad(np.linspace(start, end, n))
    c, s = np.cos(t), np.sin(t)
    x = np.sign(c) * np.abs(c) ** (2 / p)
    y = np.sign(s) * np.abs(s) ** (2 / p)
    return np.stack([cx + rx * x, cy + ry * y], 1)


def bezier(a: tuple[float, float], ctrl: tuple[float, float], b: tuple[float, float]) -> Points:
    """A quadratic Bézier curve from ``a`` to ``b`` pulled towards ``ctrl``."""
    t = np.linspace(0, 1, 30)[:, None]
    pa, pc, pb = np.array(a), np.array(ctrl), np.array(b)
    result: Points = (1 - t) ** 2 * pa + 2 * (1 - t) * t * pc + t**2 * pb
    return result


def line(*points: tuple[float, float]) -> Points:
    return np.array(points, np.float64)


def skeleton(style: StrokeStyle, char: str) -> list[Points]:  # noqa: PLR0911 (one return per digit)
    """The polylines of ``char`` in a box ``style.width × 1`` scaled to HEIGHT."""
    h = float(HEIGHT)
    w = style.width * h
    m = style.weight * h / 2  # the skeleton keeps half a stroke inside the box
    left, right, top, bottom = m, w - m, m, h - m
    cx, wid, hgt = (left + right) / 2, right - left, bottom - top
    rx = wid / 2
    p = style.squareness
    waist = top + style.waist * hgt
    if char == "0":
        return [arc(cx, (top + bottom) / 2, rx, hgt / 2, 0, 360, p, 80)]
    if char == "1":
        x = cx + 0.12 * wid
        strokes = [line((x, top), (x, bottom))]
        if style.flagged_one:
            strokes.append(line((x, top), (x - 0.45 * wid, top + 0.2 * hgt)))
        return strokes
    if char == "2":
        ry = 0.5 * (waist - top) + 0.04 * hgt
        cy = top + ry
        bowl = arc(cx, cy, rx, ry, 180, 400, p)
        return [np.vstack([bowl, line((left, bottom), (right, bottom))])]
    if char == "3":
        low_ry = (bottom - waist) / 2
        low = arc(cx, waist + low_ry, rx, low_ry, -90, 155, p)
        if style.flat_three:
            top_part = line((left + 0.05 * wid, top), (right, top), (cx, waist))
            return [np.vstack([top_part, low])]
        up_ry = (waist - top) / 2
        up = arc(cx - 0.04 * wid, top + up_ry, rx * 0.92, up_ry, 205, 450, p)
        return [up, low]
    if char == "4":
        bar = top + 0.68 * hgt
        stem_x = left + 0.72 * wid
        if style.closed_four:
            return [
                line((stem_x, top), (left, bar), (right, bar)),
                line((stem_x, top), (stem_x, bottom)),
            ]
        return [
            line((left + 0.12 * wid, top), (left, bar), (right, bar)),
            line((stem_x, top + 0.3 * hgt), (stem_x, bottom)),
        ]
    if char == "5":
        ry = (bottom - waist + 0.06 * hgt) / 2
        bowl = arc(cx, bottom - ry, rx, ry, 215, 510, p)
        x_stem = left + 0.08 * wid
        head = line((right, top), (x_stem, top), (x_stem, waist + 0.02 * hgt))
        return [np.vstack([head, bowl[:1]]), bowl]
    if char in "69":
        ry = 0.3 * hgt
        cy = bottom - ry
        loop = arc(cx, cy, rx, ry, 0, 360, p, 80)
        if style.curved_legs:
            stem = bezier((left, cy), (left, top), (right - 0.1 * wid, top + 0.02 * hgt))
        else:
            stem = line((left + 0.08 * wid, cy - 0.25 * ry), (right - 0.2 * wid, top))
        strokes = [loop, stem]
        if char == "9":  # a 6 turned half round
            strokes = [
                np.stack([left + right - s[:, 0], top + bottom - s[:, 1]], 1) for s in strokes
            ]
        return strokes
    if char == "7":
        foot = (cx - 0.1 * wid, bottom)
        if style.curved_legs:
            leg = bezier((right, top), (right - 0.15 * wid, top + 0.55 * hgt), foot)
        else:
            leg = line((right, top), foot)
        return [np.vstack([line((left, top)), leg])]
    if char == "8":
        up_ry = (waist - top) / 2
        low_ry = (bottom - waist) / 2
        return [
            arc(cx, top + up_ry, rx * 0.88, up_ry, 0, 360, p, 80),
            arc(cx, waist + low_ry, rx, low_ry, 0, 360, p, 80),
        ]
    raise ValueError(f"stroke digits draw 0-9, not {char!r}")


@functools.lru_cache(maxsize=4096)
def _draw(style: StrokeStyle, char: str) -> np.ndarray:
    return ink(skeleton(style, char), style.width, style.weight)


def ink(polylines: list[Points], width: float, weight: float) -> np.ndarray:
    """Ink mask (uint8, 0..255) of ``polylines`` (in a box ``width × 1`` scaled to HEIGHT) drawn
    with strokes ``weight × HEIGHT`` wide, cropped to its ink, as ``generate.glyph`` gives."""
    h = HEIGHT
    w = round(width * h)
    pad = 4
    img = np.zeros((h + 2 * pad, w + 2 * pad), np.uint8)
    thickness = max(1, round(weight * h))
    scale = 1 << SHIFT
    for stroke in polylines:
        pts = np.round((stroke + pad) * scale).astype(np.int32)
        cv2.polylines(img, [pts], False, 255, thickness, cv2.LINE_AA, SHIFT)
    ys, xs = np.nonzero(img > 40)
    return img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].copy()
