"""Plate syllables drawn from strokes, a family of faces around the plate typeface (generator
version 6).

The syllable on a Korean plate is printed in the plate typeface: even strokes, a round or
rounded-square ㅇ, short ticks on the vowels, and on small crops only a pixel or two for the
hat of ㅎ. Debian's Hangul fonts are text faces whose syllables differ from it in weight,
proportion and in how large those small marks are. Like the stroke digits (``strokes``), each
plate here can draw its syllable from skeletons (one per initial consonant and per vowel,
composed as Hangul composes them: ㅏ ㅓ ㅐ beside the consonant, ㅗ ㅜ under it) in one random
style. The skeletons were written from the general structure of Hangul letters, not traced from
any plate or photo. Only initial consonant + vowel syllables are drawn: those are every syllable
a plate's serial uses; region names (서울, 경기…) keep their fonts.

From generator version 11 a style may draw ㅎ as the plate typeface prints it (``tighten_hat``):
a short upright tick on a bar as wide as the ring, the bar lying on the ring or a hair above
it. On a crop a few pixels high the bar then merges with the ring's top, and only the faint tick
tells 호 from 오, as on real crops.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
from training.plates.strokes import HEIGHT, Points, arc, bezier, ink, line

_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_MEDIALS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
#: The letters this module has skeletons for.
CONSONANTS = "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅎ"
VOWELS = "ㅏㅐㅓㅗㅜ"
_SIDE_VOWELS = "ㅏㅐㅓ"  # written to the right of the consonant; the others under it


def split(syllable: str) -> tuple[str, str]:
    """(initial consonant, vowel) of a syllable made of those two only, within what is drawn."""
    code = ord(syllable) - 0xAC00 if len(syllable) == 1 else -1
    if not 0 <= code < 11172 or code % 28:
        raise ValueError(f"stroke syllables draw a consonant and a vowel, not {syllable!r}")
    initial, medial = _INITIALS[code // 588], _MEDIALS[code % 588 // 28]
    if initial not in CONSONANTS or medial not in VOWELS:
        raise ValueError(f"no strokes for {syllable!r} ({initial} + {medial})")
    return initial, medial


@dataclass(frozen=True)
class SyllableStyle:
    """One plate's stroke syllable. Hashable, so each style's glyphs are drawn once."""

    width: float  # box width / height
    weight: float  # stroke width / height
    roundness: float  # superellipse exponent of ㅇ: 2 round, 4 and more boxy
    side_share: float  # beside ㅏ ㅓ ㅐ: the consonant's share of the width
    side_height: float  # beside ㅏ ㅓ ㅐ: the consonant's share of the height
    top_share: float  # over ㅗ ㅜ: the consonant's share of the height
    tick: float  # length of a vowel's short stroke, as a share of the box height
    hat_upright: bool  # ㅎ's hat a short upright tick (else a short flat dash)
    hat: float  # the hat's share of ㅎ's height
    curved_legs: bool  # the legs of ㅅ and ㅈ curve
    #: ㅎ as the plate typeface prints it (version 11): the gap between its bar and its ring and
    #: the ring's (and bar's) half width, shares of the letter's height and width; None draws
    #: version 6's ㅎ, whose bar spans the letter well above a narrower ring.
    hat_on_ring: tuple[float, float] | None = None

    def glyph(self, syllable: str) -> np.ndarray:
        return _draw(self, syllable)


def random_style(rng: np.random.Generator) -> SyllableStyle:
    return SyllableStyle(
        width=float(rng.uniform(0.8, 1.15)),
        weight=float(rng.uniform(0.07, 0.14)),
        roundness=float(rng.uniform(2.0, 4.0)),
        side_share=float(rng.uniform(0.5, 0.64)),
        side_height=float(rng.uniform(0.6, 0.9)),
        top_share=float(rng.uniform(0.42, 0.58)),
        tick=float(rng.uniform(0.12, 0.24)),
        hat_upright=bool(rng.random() < 0.5),
        hat=float(rng.uniform(0.1, 0.22)),
        curved_legs=bool(rng.random() < 0.5),
    )


def tighten_hat(rng: np.random.Generator, style: SyllableStyle) -> SyllableStyle:
    """``style`` with ㅎ drawn as the plate typeface prints it: a short upright tick (0.06 to
    0.14 of the letter's height) just over a bar as wide as the ring, which lies on the bar or
    at most 0.05 of the height below it."""
    half = float(rng.uniform(0.4, 0.5))
    return dataclasses.replace(
        style,
        hat_upright=True,
        hat=float(rng.uniform(0.06, 0.14)),
        hat_on_ring=(float(rng.uniform(0.0, 0.05)), half),
    )


Box = tuple[float, float, float, float]  # left, top, right, bottom


def consonant(  # noqa: PLR0911 (one return per letter)
    style: SyllableStyle, letter: str, box: Box, beside: bool
) -> list[Points]:
    """The polylines of an initial consonant filling ``box``; ``beside``: the vowel stands to
    its right (ㄱ's leg may then sweep down to the left, as it does before ㅏ and ㅓ)."""
    x0, y0, x1, y1 = box
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = x1 - x0, y1 - y0
    if letter == "ㄱ":
        if style.curved_legs and beside:
            leg = bezier((x1, y0), (x1, y0 + 0.6 * h), (x0 + 0.2 * w, y1))
            return [np.vstack([line((x0, y0)), leg])]
        return [line((x0, y0), (x1, y0), (x1, y1))]
    if letter == "ㄴ":
        return [line((x0, y0), (x0, y1), (x1, y1))]
    if letter == "ㄷ":
        return [line((x1, y0), (x0, y0), (x0, y1), (x1, y1))]
    if letter == "ㄹ":
        return [line((x0, y0), (x1, y0), (x1, ym), (x0, ym), (x0, y1), (x1, y1))]
    if letter == "ㅁ":
        return [line((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
    if letter == "ㅂ":
        bar = y0 + 0.45 * h
        return [line((x0, y0), (x0, y1), (x1, y1), (x1, y0)), line((x0, bar), (x1, bar))]
    if letter in "ㅅㅈ":
        strokes = []
        top = y0
        if letter == "ㅈ":
            strokes.append(line((x0, y0), (x1, y0)))
            top = y0 + 0.02 * h
        if style.curved_legs:
            strokes.append(bezier((xm, top), (xm, top + 0.65 * (y1 - top)), (x0, y1)))
        else:
            strokes.append(line((xm, top), (x0, y1)))
        knee = top + 0.4 * (y1 - top)
        strokes.append(line((xm + 0.12 * (knee - top) * w / h, knee), (x1, y1)))
        return strokes
    if letter == "ㅇ":
        return [arc(xm, ym, w / 2, h / 2, 0, 360, style.roundness, 80)]
    if letter == "ㅎ" and style.hat_on_ring is not None:
        gap, half = style.hat_on_ring
        hat = style.hat * h
        bar = y0 + hat + 0.02 * h
        ring_top = bar + gap * h
        ring = arc(xm, (ring_top + y1) / 2, half * w, (y1 - ring_top) / 2, 0, 360, style.roundness)
        return [
            line((xm, y0), (xm, y0 + hat)),
            line((xm - half * w, bar), (xm + half * w, bar)),
            ring,
        ]
    if letter == "ㅎ":
        hat = style.hat * h
        bar = y0 + hat + 0.06 * h
        ring_top = bar + 0.12 * h
        if style.hat_upright:
            mark = line((xm, y0), (xm, y0 + hat))
        else:
            mark = line((xm - 0.18 * w, y0 + hat / 2), (xm + 0.18 * w, y0 + hat / 2))
        ring = arc(xm, (ring_top + y1) / 2, 0.4 * w, (y1 - ring_top) / 2, 0, 360, style.roundness)
        return [mark, line((x0, bar), (x1, bar)), ring]
    raise ValueError(f"no strokes for the consonant {letter!r}")


def skeleton(style: SyllableStyle, syllable: str) -> list[Points]:
    """The polylines of ``syllable`` in a box ``style.width × 1`` scaled to HEIGHT."""
    initial, vowel = split(syllable)
    h = float(HEIGHT)
    w = style.width * h
    m = style.weight * h / 2
    left, right, top, bottom = m, w - m, m, h - m
    gap = 0.1 * w
    tick = style.tick * h
    if vowel in _SIDE_VOWELS:
        # ㅐ's two stems take more room than one
        share = style.side_share * (0.8 if vowel == "ㅐ" else 1.0)
        cons_right = left + share * (right - left)
        half = style.side_height * (bottom - top) / 2
        mid = (top + bottom) / 2
        strokes = consonant(style, initial, (left, mid - half, cons_right, mid + half), True)
        if vowel == "ㅏ":
            stem = max(right - tick, cons_right + gap)
            strokes += [line((stem, top), (stem, bottom)), line((stem, mid), (right, mid))]
        elif vowel == "ㅓ":
            start = max(right - tick, cons_right + gap / 2)
            strokes += [line((right, top), (right, bottom)), line((start, mid), (right, mid))]
        else:  # ㅐ: two stems joined by the tick
            first = max(cons_right + gap, right - max(tick, 0.18 * w))
            strokes += [
                line((first, top), (first, bottom)),
                line((right, top), (right, bottom)),
                line((first, mid), (right, mid)),
            ]
        return strokes
    inset = 0.1 * (right - left)
    cons_bottom = top + style.top_share * (bottom - top)
    strokes = consonant(style, initial, (left + inset, top, right - inset, cons_bottom), False)
    centre = (left + right) / 2
    if vowel == "ㅗ":
        bar = bottom
        strokes += [line((left, bar), (right, bar)), line((centre, bar - tick), (centre, bar))]
    else:  # ㅜ
        bar = min(cons_bottom + 0.14 * h, bottom - tick)
        strokes += [line((left, bar), (right, bar)), line((centre, bar), (centre, bottom))]
    return strokes


@functools.lru_cache(maxsize=4096)
def _draw(style: SyllableStyle, syllable: str) -> np.ndarray:
    return ink(skeleton(style, syllable), style.width, style.weight)
