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
