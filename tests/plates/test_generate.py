from __future__ import annotations

import numpy as np
from training.plates import generate
from training.plates.dataset import render_chunk

from qrpark.plates.domain import is_valid_korean


def test_same_seed_gives_the_same_samples(fonts: list[tuple[str, int]]) -> None:
    a = [generate.sample(np.random.default_rng(7), fonts) for _ in range(1)]
    b = [generate.sample(np.random.default_rng(7), fonts) for _ in range(1)]
    assert a[0].text == b[0].text
    assert np.array_equal(a[0].image, b[0].image)


def test_different_seeds_give_different_samples(fonts: list[tuple[str, int]]) -> None:
    a = generate.sample(np.random.default_rng(1), fonts)
    b = generate.sample(np.random.default_rng(2), fonts)
    assert a.text != b.text or not np.array_equal(a.image, b.image)


def test_dataset_chunks_are_reproducible() -> None:
    first = render_chunk((3, 0, 0, 12))
    again = render_chunk((3, 0, 0, 12))
    other = render_chunk((3, 0, 1, 12))
    for x, y in zip(first, again, strict=True):
        assert np.array_equal(x, y)
    assert not np.array_equal(first[0], other[0])


def test_every_kind_renders_a_valid_plate(fonts: list[tuple[str, int]]) -> None:
    rng = np.random.default_rng(0)
    for kind in generate.KINDS:
        s = generate.sample(rng, fonts, kind)
        assert is_valid_korean(s.text), (kind, s.text)
        assert s.image.ndim == 3
        assert s.image.shape[0] >= 6
        if kind in {"green2_region", "yellow2", "yellow1", "orange2"}:
            assert not s.text[0].isdigit()
        if kind == "rental":
            assert any(c in s.text for c in "하허호")


def _ink(canvas: generate.Canvas) -> np.ndarray:
    return np.asarray(canvas.img.mean(axis=2) < 128)


def test_stroke_weight_thickens_and_thins_glyphs(fonts: list[tuple[str, int]]) -> None:
    mask = generate.glyph(fonts[0][0], fonts[0][1], "8")
    inked = []
    for stroke in (-1, 0, 2):
        canvas = generate.Canvas(60, 60, (255, 255, 255), stroke)
        canvas.put(mask, 8, 6, 40, 45, (0, 0, 0))
        inked.append(int(_ink(canvas).sum()))
    assert inked[0] < inked[1] < inked[2]


def test_a_one_stays_narrow_in_its_digit_cell(fonts: list[tuple[str, int]]) -> None:
    rng = np.random.default_rng(3)
    for bar in (True, False):
        canvas = generate.Canvas(80, 60, (255, 255, 255), 0, bar)
        generate._row(canvas, fonts[0], ["1"], 10, 70, 5, 45, (0, 0, 0), rng)
        cols = np.flatnonzero(_ink(canvas).any(axis=0))
        assert cols.size > 0
        # the cell is 60 px wide; a bar takes at most 30 %, a font's "1" at most 70 %
        assert cols[-1] - cols[0] + 1 <= 60 * (0.3 if bar else 0.7) + 2
