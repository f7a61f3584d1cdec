from __future__ import annotations

import numpy as np
import pytest
from training.plates import generate
from training.plates.dataset import render_chunk

from qrpark.plates.domain import is_valid_korean


def test_same_seed_gives_the_same_samples(fonts: generate.Typefaces) -> None:
    a = [generate.sample(np.random.default_rng(7), fonts) for _ in range(1)]
    b = [generate.sample(np.random.default_rng(7), fonts) for _ in range(1)]
    assert a[0].text == b[0].text
    assert np.array_equal(a[0].image, b[0].image)


def test_different_seeds_give_different_samples(fonts: generate.Typefaces) -> None:
    a = generate.sample(np.random.default_rng(1), fonts)
    b = generate.sample(np.random.default_rng(2), fonts)
    assert a.text != b.text or not np.array_equal(a.image, b.image)


@pytest.mark.usefixtures("every_face")
def test_dataset_chunks_are_reproducible() -> None:
    first = render_chunk(generate.GENERATOR_VERSION, (3, 0, 0, 12))
    again = render_chunk(generate.GENERATOR_VERSION, (3, 0, 0, 12))
    other = render_chunk(generate.GENERATOR_VERSION, (3, 0, 1, 12))
    for x, y in zip(first, again, strict=True):
        assert np.array_equal(x, y)
    assert not np.array_equal(first[0], other[0])


def test_every_kind_renders_a_valid_plate(fonts: generate.Typefaces) -> None:
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


def test_stroke_weight_thickens_and_thins_glyphs(fonts: generate.Typefaces) -> None:
    mask = generate.glyph(*fonts.hangul[0], "8")
    inked = []
    for stroke in (-1, 0, 2):
        canvas = generate.Canvas(60, 60, (255, 255, 255), stroke)
        canvas.put(mask, 8, 6, 40, 45, (0, 0, 0))
        inked.append(int(_ink(canvas).sum()))
    assert inked[0] < inked[1] < inked[2]


def test_a_one_stays_narrow_in_its_digit_cell(fonts: generate.Typefaces) -> None:
    rng = np.random.default_rng(3)
    for bar in (True, False):
        canvas = generate.Canvas(80, 60, (255, 255, 255), 0, bar)
        face = generate.Face(fonts.hangul[0], fonts.hangul[0])
        generate._row(canvas, face, ["1"], 10, 70, 5, 45, (0, 0, 0), rng)
        cols = np.flatnonzero(_ink(canvas).any(axis=0))
        assert cols.size > 0
        # the cell is 60 px wide; a bar takes at most 30 %, a font's "1" at most 70 %
        assert cols[-1] - cols[0] + 1 <= 60 * (0.3 if bar else 0.7) + 2


@pytest.mark.usefixtures("every_face")
def test_older_generator_versions_render_as_they_did() -> None:
    """Version 2 neither mixes digit faces nor bends glyphs, and draws no random number for
    them, so a version-2 data set renders the same bytes as before version 3 existed."""
    v2 = generate.typefaces(2)
    assert set(v2.hangul) <= set(generate.FONTS_V2)
    assert (v2.digits, v2.mixed_digits, v2.bent) == ((), 0.0, 0.0)
    rng = np.random.default_rng([4, 0, 0])
    generate.render_plate(rng, "white8", v2)
    after = rng.random()
    plain = generate.Typefaces(v2.hangul)
    rng = np.random.default_rng([4, 0, 0])
    generate.render_plate(rng, "white8", plain)
    assert rng.random() == after
    first = render_chunk(2, (3, 0, 0, 6))
    assert not np.array_equal(first[0], render_chunk(3, (3, 0, 0, 6))[0])


def test_unknown_generator_version_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be rendered"):
        generate.typefaces(1)


def test_training_refuses_a_machine_missing_a_face(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = ("/nonexistent/PlateFace.ttf", 0)
    monkeypatch.setattr(generate, "DIGIT_FONTS_V3", (*generate.DIGIT_FONTS_V3, missing))
    faces = generate.typefaces(3)  # tests and benchmarks make do with what is there
    assert missing not in faces.digits
    with pytest.raises(RuntimeError, match="apt-get install"):
        generate.typefaces(3, strict=True)


@pytest.mark.usefixtures("every_face")
def test_held_out_faces_are_never_trained_on() -> None:
    held = set(generate.HELD_OUT_FONTS) | set(generate.HELD_OUT_DIGIT_FONTS)
    trained = set(generate.FONTS_V2) | set(generate.FONTS_V3) | set(generate.DIGIT_FONTS_V3)
    assert not held & trained
    faces = generate.typefaces(held_out=True)
    assert set(faces.hangul) | set(faces.digits) <= held


@pytest.mark.usefixtures("every_face")
def test_a_plate_can_take_its_digits_from_another_face(fonts: generate.Typefaces) -> None:
    hangul, digits = generate.FONTS_V2[0], generate.DIGIT_FONTS_V3[0]
    face = generate.Face(hangul, digits)
    assert np.array_equal(face.glyph("7"), generate.glyph(*digits, "7"))
    assert np.array_equal(face.glyph("가"), generate.glyph(*hangul, "가"))
    assert not np.array_equal(face.glyph("7"), generate.glyph(*hangul, "7"))


def test_bending_moves_ink_but_keeps_the_glyph() -> None:
    mask = np.zeros((48, 30), np.float32)
    mask[6:42, 12:18] = 1.0  # a bar
    bent = generate.bend(mask, np.random.default_rng(0), 0.05)
    assert bent.shape == mask.shape
    assert not np.array_equal(bent, mask)
    # Smooth small displacements: most of the ink survives and stays near where it was.
    assert 0.8 < bent.sum() / mask.sum() < 1.2
    assert (bent[mask > 0] > 0.5).mean() > 0.5
    again = generate.bend(mask, np.random.default_rng(0), 0.05)
    assert np.array_equal(bent, again)
