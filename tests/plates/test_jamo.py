"""Stroke syllables (generator version 6): every plate syllable drawable in every style, the
syllables of a style distinct from one another (ㅎ from ㅇ above all), regions left to their
fonts, and the older generator versions untouched."""

from __future__ import annotations

import dataclasses
import itertools

import cv2
import numpy as np
import pytest
from training.plates import generate, jamo

from qrpark.plates.domain import COMMERCIAL_SYLLABLES, PRIVATE_SYLLABLES, RENTAL_SYLLABLES

from .test_generate import _drawn, assert_adds_only, redraws, styles_drawn

SYLLABLES = sorted({*PRIVATE_SYLLABLES, *COMMERCIAL_SYLLABLES, *RENTAL_SYLLABLES})


def _styles(n: int) -> list[jamo.SyllableStyle]:
    rng = np.random.default_rng(6)
    return [jamo.random_style(rng) for _ in range(n)]


def _shape(mask: np.ndarray) -> np.ndarray:
    return cv2.resize(mask, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def test_every_plate_syllable_is_a_consonant_and_a_vowel_with_strokes() -> None:
    assert len(SYLLABLES) == 40
    for syllable in SYLLABLES:
        initial, vowel = jamo.split(syllable)
        assert initial in jamo.CONSONANTS
        assert vowel in jamo.VOWELS
    assert jamo.split("호") == ("ㅎ", "ㅗ")
    assert jamo.split("배") == ("ㅂ", "ㅐ")


@pytest.mark.parametrize("text", ["울", "가나", "A", "", "까", "휘"])
def test_syllables_without_strokes_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"no strokes|stroke syllables draw"):
        jamo.split(text)


@pytest.mark.parametrize("style", _styles(10))
def test_every_syllable_fills_its_box_in_every_style(style: jamo.SyllableStyle) -> None:
    for syllable in SYLLABLES:
        mask = style.glyph(syllable)
        assert mask.dtype == np.uint8
        # a vowel's stem (ㅏ ㅓ ㅐ) or the consonant over the bar (ㅗ ㅜ) spans the height
        assert mask.shape[0] >= jamo.HEIGHT - 2, syllable
        assert mask.shape[1] <= style.width * jamo.HEIGHT + 4, syllable
        # strokes, not blobs: even 배 (four stems) at the heaviest weight leaves a quarter bare
        assert 0.05 < (mask > 127).mean() < 0.75, syllable


@pytest.mark.parametrize("style", _styles(10))
def test_the_syllables_of_a_style_differ(style: jamo.SyllableStyle) -> None:
    shapes = {s: _shape(style.glyph(s)) for s in SYLLABLES}
    for (a, x), (b, y) in itertools.combinations(shapes.items(), 2):
        apart = np.abs(x - y).sum() / (x + y).sum()
        assert apart > 0.03, (a, b, apart)


@pytest.mark.parametrize("style", _styles(6))
def test_a_hieut_differs_from_an_ieung_above_and_not_below(style: jamo.SyllableStyle) -> None:
    for with_hat, without in (("호", "오"), ("하", "아"), ("허", "어")):
        hat, bare = _shape(style.glyph(with_hat)), _shape(style.glyph(without))
        # the same vowel in the same place: the letters' difference is the hat and bar on top
        top, rest = np.abs(hat - bare)[:10].mean(), np.abs(hat - bare)[22:].mean()
        assert top > 0.1, (with_hat, top)
        assert top > 3 * rest, (with_hat, top, rest)


def test_the_hat_of_hieut_stands_up_or_lies_flat() -> None:
    upright, flat = (dataclasses.replace(_styles(1)[0], hat_upright=u) for u in (True, False))
    top = slice(0, 12)
    up, lying = upright.glyph("호")[top] > 127, flat.glyph("호")[top] > 127
    # an upright hat is taller than wide above the bar; a flat one wider than tall
    up_cols, up_rows = np.any(up, 0).sum(), np.any(up, 1).sum()
    flat_cols, flat_rows = np.any(lying, 0).sum(), np.any(lying, 1).sum()
    assert flat_cols > up_cols
    assert up_rows >= flat_rows


@pytest.mark.usefixtures("every_face")
def test_version_6_draws_stroke_syllables_on_some_plates_and_nothing_more_on_the_others() -> None:
    # Version 5 draws no random number for stroke syllables: with them off, every kind of plate
    # leaves the generator where version 5 leaves it.
    _, v6 = assert_adds_only(5, 6, stroke_syllables=0.5)
    # Version 6 takes the stroke branch on about half of the plates.
    assert 70 <= styles_drawn(jamo, v6) <= 130


@pytest.mark.usefixtures("every_face")
@pytest.mark.parametrize("kind", ["green2_region", "yellow2", "yellow1", "orange2"])
def test_a_region_keeps_its_font_when_the_syllable_is_drawn_from_strokes(kind: str) -> None:
    faces = dataclasses.replace(generate.typefaces(6), stroke_syllables=1.0, machinery_top=0.5)
    stroked: list[str] = []
    glyph = jamo.SyllableStyle.glyph

    def recording(self: jamo.SyllableStyle, char: str) -> np.ndarray:
        stroked.append(char)
        return glyph(self, char)

    for seed in range(4):
        stroked.clear()
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(jamo.SyllableStyle, "glyph", recording)
            text, drawn, _ = _drawn(kind, faces, seed)
        # region, class digits, the syllable, four serial digits: only the syllable has strokes
        assert stroked == [text[-5]], (text, stroked)
        assert sorted(c for c, _ in drawn) == sorted(text)


def _hieut(style: jamo.SyllableStyle) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ㅎ's three strokes (tick, bar, ring) in a 60 × 100 box."""
    tick, bar, ring = jamo.consonant(style, "ㅎ", (0.0, 0.0, 60.0, 100.0), False)
    return tick, bar, ring


@pytest.mark.parametrize("seed", range(8))
def test_a_tightened_hieut_lays_its_bar_on_a_ring_as_wide(seed: int) -> None:
    rng = np.random.default_rng(seed)
    style = jamo.random_style(rng)
    tight = jamo.tighten_hat(rng, style)
    tick, bar, ring = _hieut(tight)
    # An upright tick of 6 to 14 % of the height, just over the bar.
    assert np.ptp(tick[:, 0]) < 1e-9
    assert 6 - 1e-9 <= np.ptp(tick[:, 1]) <= 14 + 1e-9
    assert bar[0, 1] - tick[:, 1].max() <= 2 + 1e-9
    # The ring lies on the bar or within 5 % of the height under it, and is as wide as the bar.
    assert 0 <= ring[:, 1].min() - bar[0, 1] <= 5 + 1e-6
    assert abs(np.ptp(ring[:, 0]) - np.ptp(bar[:, 0])) < 0.5
    # Version 6's ㅎ, from the same style: its bar spans the box, well above a narrower ring.
    _, old_bar, old_ring = _hieut(style)
    assert old_ring[:, 1].min() - old_bar[0, 1] >= 12 - 1e-9
    assert np.ptp(old_bar[:, 0]) > np.ptp(old_ring[:, 0])
    # Only ㅎ changes.
    for syllable in SYLLABLES:
        if jamo.split(syllable)[0] != "ㅎ":
            assert np.array_equal(tight.glyph(syllable), style.glyph(syllable)), syllable


@pytest.mark.parametrize("seed", range(6))
def test_a_tightened_hieut_still_differs_from_an_ieung_on_top(seed: int) -> None:
    rng = np.random.default_rng(seed)
    style = jamo.tighten_hat(rng, jamo.random_style(rng))
    for with_hat, without in (("호", "오"), ("하", "아"), ("허", "어")):
        hat, bare = _shape(style.glyph(with_hat)), _shape(style.glyph(without))
        top, rest = np.abs(hat - bare)[:10].mean(), np.abs(hat - bare)[22:].mean()
        assert top > 0.05, (with_hat, top)
        assert top > 2 * rest, (with_hat, top, rest)


@pytest.mark.usefixtures("every_face")
def test_version_11_tightens_the_hieut_of_some_stroke_syllables_and_nothing_else() -> None:
    v10, v11 = assert_adds_only(10, 11, tight_hat=0.5)
    # A rental plate's syllable is 하, 허 or 호: some of them change, and only stroke ones.
    tightened = 0
    original = jamo.tighten_hat

    def counting(rng: np.random.Generator, style: jamo.SyllableStyle) -> jamo.SyllableStyle:
        nonlocal tightened
        tightened += 1
        return original(rng, style)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jamo, "tighten_hat", counting)
        drawn = styles_drawn(jamo, v11)
    # about half of the plates draw stroke syllables, and about half of those tighten ㅎ
    assert 70 <= drawn <= 130
    assert 0.3 * drawn <= tightened <= 0.7 * drawn
    assert redraws("rental", v10, v11)
