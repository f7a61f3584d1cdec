"""Stroke digits (generator version 4): every digit drawable in every style, the ten digits
distinct from one another, and the older generator versions untouched."""

from __future__ import annotations

import dataclasses
import itertools

import cv2
import numpy as np
import pytest
from training.plates import generate, strokes

from .test_generate import assert_adds_only, styles_drawn


def _styles(n: int) -> list[strokes.StrokeStyle]:
    rng = np.random.default_rng(5)
    return [strokes.random_style(rng) for _ in range(n)]


def _shape(mask: np.ndarray) -> np.ndarray:
    return cv2.resize(mask, (24, 40), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


@pytest.mark.parametrize("style", _styles(12))
def test_every_digit_is_drawn_as_a_stroke_of_the_styles_weight(style: strokes.StrokeStyle) -> None:
    for digit in "0123456789":
        mask = style.glyph(digit)
        assert mask.dtype == np.uint8
        assert mask.shape[0] >= strokes.HEIGHT - 2  # every digit spans the height
        assert mask.shape[1] <= style.width * strokes.HEIGHT + 4  # anti-aliased edges
        # a bar of the style's weight: its widest ink row is about one stroke wide
        if digit == "1" and not style.flagged_one:
            assert abs(mask.shape[1] - style.weight * strokes.HEIGHT) <= 4.5  # anti-aliased edges


@pytest.mark.parametrize("style", _styles(12))
def test_the_digits_of_a_style_differ(style: strokes.StrokeStyle) -> None:
    shapes = {d: _shape(style.glyph(d)) for d in "023456789"}
    for (a, x), (b, y) in itertools.combinations(shapes.items(), 2):
        # share of the two glyphs' ink that only one of them has
        apart = np.abs(x - y).sum() / (x + y).sum()
        assert apart > 0.04, (a, b, apart)
    # the closest pair: an 8 crosses the middle where a 0 is open
    middle = slice(18, 23), slice(10, 14)
    assert shapes["8"][middle].mean() > 0.5 > shapes["0"][middle].mean()


def test_a_nine_is_a_six_turned_half_round() -> None:
    style = dataclasses.replace(_styles(1)[0], curved_legs=False)
    six, nine = _shape(style.glyph("6")), _shape(style.glyph("9"))
    assert np.abs(six[::-1, ::-1] - nine).mean() < 0.05


def test_only_digits_have_strokes() -> None:
    with pytest.raises(ValueError, match="0-9"):
        strokes.skeleton(_styles(1)[0], "가")


@pytest.mark.usefixtures("every_face")
def test_version_4_draws_stroke_digits_on_some_plates_and_nothing_more_on_the_others() -> None:
    v3, v4 = assert_adds_only(3, 4, stroke_digits=0.5)
    # Version 3 draws no random number for stroke digits: a plate leaves the generator where a
    # version-3 generator leaves it.
    rng = np.random.default_rng([4, 0, 0])
    generate.render_plate(rng, "white8", v3)
    after = rng.random()
    rng = np.random.default_rng([4, 0, 0])
    generate.render_plate(rng, "white8", dataclasses.replace(v4, stroke_digits=0.0))
    assert rng.random() == after
    # Version 4 takes the stroke branch on about half of the plates.
    assert 70 <= styles_drawn(strokes, v4) <= 130
