from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from training.plates import generate
from training.plates.dataset import render_chunk

from qrpark.plates.domain import is_valid_korean

#: A character's (left, top, width, height) on the plate.
Box = tuple[float, float, float, float]


def test_same_seed_gives_the_same_samples(fonts: generate.Typefaces) -> None:
    a = [generate.sample(np.random.default_rng(7), fonts) for _ in range(1)]
    b = [generate.sample(np.random.default_rng(7), fonts) for _ in range(1)]
    assert a[0].text == b[0].text
    assert np.array_equal(a[0].image, b[0].image)


def test_different_seeds_give_different_samples(fonts: generate.Typefaces) -> None:
    a = generate.sample(np.random.default_rng(1), fonts)
    b = generate.sample(np.random.default_rng(2), fonts)
    assert a.text != b.text or not np.array_equal(a.image, b.image)


def test_the_options_a_run_may_set_are_the_faces_chances() -> None:
    assert {"painted_rim", "ev_line_badge", "tight_hat"} <= set(generate.OPTIONS)
    assert not {"hangul", "digits"} & set(generate.OPTIONS)


@pytest.mark.usefixtures("every_face")
def test_a_set_rendered_with_options_draws_with_them() -> None:
    """Version 14 with both of its options off renders version 13's bytes, so options set on a
    rendered set reach the faces it draws with; set on, they change what is drawn."""
    v13 = render_chunk(13, (3, 0, 0, 12))
    off = render_chunk(14, (3, 0, 0, 12), options=(("painted_rim", 0.0), ("ev_line_badge", 0.0)))
    assert all(np.array_equal(a, b) for a, b in zip(v13, off, strict=True))
    v14 = render_chunk(14, (3, 0, 0, 12))
    same = render_chunk(14, (3, 0, 0, 12), options=())
    assert all(np.array_equal(a, b) for a, b in zip(v14, same, strict=True))
    rims = render_chunk(14, (3, 0, 0, 12), options=(("painted_rim", 1.0),))
    assert not np.array_equal(v14[0], rims[0])


@pytest.mark.usefixtures("every_face")
def test_dataset_chunks_are_reproducible() -> None:
    first = render_chunk(generate.GENERATOR_VERSION, (3, 0, 0, 12))
    again = render_chunk(generate.GENERATOR_VERSION, (3, 0, 0, 12))
    other = render_chunk(generate.GENERATOR_VERSION, (3, 0, 1, 12))
    for x, y in zip(first, again, strict=True):
        assert np.array_equal(x, y)
    assert not np.array_equal(first[0], other[0])


def test_kinds_are_drawn_by_their_shares_among_those_asked_for() -> None:
    assert set(generate.TWO_LINE_KINDS) == {"green2_region", "green2", "yellow2", "orange2"}
    rng = np.random.default_rng(11)
    drawn = [generate.pick_kind(rng, generate.TWO_LINE_KINDS) for _ in range(3000)]
    assert set(drawn) == set(generate.TWO_LINE_KINDS)
    total = sum(generate.KINDS[k][0] for k in generate.TWO_LINE_KINDS)
    for kind in generate.TWO_LINE_KINDS:
        share = generate.KINDS[kind][0] / total
        assert abs(drawn.count(kind) / len(drawn) - share) < 0.03
    everything = {generate.pick_kind(rng) for _ in range(3000)}
    assert everything == set(generate.KINDS)


@pytest.mark.usefixtures("every_face")
def test_a_dataset_chunk_can_hold_two_line_plates_only(drawn_kinds: list[str]) -> None:
    drawn = drawn_kinds
    mixed = render_chunk(generate.GENERATOR_VERSION, (3, 5, 0, 12))
    drawn.clear()
    two = render_chunk(generate.GENERATOR_VERSION, (3, 5, 0, 12), generate.TWO_LINE_KINDS)
    assert len(drawn) == 12
    assert set(drawn) <= set(generate.TWO_LINE_KINDS)
    again = render_chunk(generate.GENERATOR_VERSION, (3, 5, 0, 12), generate.TWO_LINE_KINDS)
    assert all(np.array_equal(x, y) for x, y in zip(two, again, strict=True))
    assert not np.array_equal(mixed[0], two[0])
    # Without kinds, a chunk draws every kind as before.
    drawn.clear()
    render_chunk(generate.GENERATOR_VERSION, (3, 0, 0, 40))
    assert {generate.KINDS[k][1] for k in drawn} == set(generate.Layout)


def test_a_sample_drawn_among_kinds_is_of_one_of_them(fonts: generate.Typefaces) -> None:
    rng = np.random.default_rng(4)
    picked = {generate.sample(rng, fonts, kinds=("orange2", "ev")).kind for _ in range(12)}
    assert picked == {"orange2", "ev"}
    # Among every kind, the draw is the one a sample makes with no kinds given.
    every = generate.sample(np.random.default_rng(9), fonts, kinds=tuple(generate.KINDS))
    plain = generate.sample(np.random.default_rng(9), fonts)
    assert (every.kind, every.text) == (plain.kind, plain.text)
    assert np.array_equal(every.image, plain.image)


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


@pytest.mark.usefixtures("every_face")
def test_version_5_adds_the_plate_furniture_and_nothing_else() -> None:
    assert_adds_only(4, 5, bolt_heads=0.7, machinery_top=0.6)


def assert_renders_alike(a: generate.Typefaces, b: generate.Typefaces, seed: int) -> None:
    """Every kind of plate comes out of the generator with the same bytes and text under ``a``
    and ``b``, and leaves its random generator in the same state."""
    for kind in generate.KINDS:
        states = []
        for faces in (a, b):
            rng = np.random.default_rng([seed, 0, 0])
            plate, text = generate.render_plate(rng, kind, faces)
            states.append((plate.tobytes(), text, rng.random()))
        assert states[0] == states[1], kind


def crops_of(faces: generate.Typefaces, seed: int) -> list[bytes]:
    """The bytes of six crops (``sample``: plate, mount, view and degradation) drawn from
    ``seed`` under ``faces``."""
    rng = np.random.default_rng([seed, 0, 0])
    return [generate.sample(rng, faces).image.tobytes() for _ in range(6)]


def assert_adds_only(
    older: int, newer: int, **added: float
) -> tuple[generate.Typefaces, generate.Typefaces]:
    """Generator ``newer`` is ``older`` with the options ``added`` set to those chances: with
    them off, every kind of plate, and every crop of one, leaves the generator where ``older``
    leaves it. Returns both versions' faces."""
    old, new = generate.typefaces(older), generate.typefaces(newer)
    assert {name: getattr(new, name) for name in added} == added
    off = dataclasses.replace(new, **dict.fromkeys(added, 0.0))
    assert off == old
    assert_renders_alike(old, off, newer)
    assert crops_of(off, newer) == crops_of(old, newer)
    return old, new


def styles_drawn(module: Any, faces: generate.Typefaces, plates: int = 200) -> int:
    """How many of ``plates`` one-line plates under ``faces`` draw a style from
    ``module.random_style`` (stroke digits or stroke syllables)."""
    drawn = 0
    original = module.random_style

    def counting(rng: np.random.Generator) -> Any:
        nonlocal drawn
        drawn += 1
        return original(rng)

    rng = np.random.default_rng(9)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(module, "random_style", counting)
        for _ in range(plates):
            generate.render_plate(rng, "white7", faces)
    return drawn


def _drawn_boxes(
    kind: str, faces: generate.Typefaces, seed: int
) -> tuple[str, list[tuple[str, Box]], np.ndarray]:
    """(text, [(character, its (left, top, width, height) box)] in drawing order, the plate) of
    one rendered plate."""
    drawn: list[tuple[str, Box]] = []
    pending: list[str] = []
    glyph, put = generate.Face.glyph, generate.Canvas.put

    def recording_glyph(self: generate.Face, char: str) -> np.ndarray:
        pending.append(char)
        return glyph(self, char)

    def recording_put(self: generate.Canvas, mask: np.ndarray, *box: Any) -> None:
        if mask is generate.BAR:  # a "1" drawn as a bar takes no glyph
            drawn.append(("1", tuple(box[:4])))
        elif pending:
            drawn.append((pending.pop(), tuple(box[:4])))
        put(self, mask, *box)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(generate.Face, "glyph", recording_glyph)
        mp.setattr(generate.Canvas, "put", recording_put)
        plate, text = generate.render_plate(np.random.default_rng(seed), kind, faces)
    return text, drawn, plate


def _drawn(
    kind: str, faces: generate.Typefaces, seed: int
) -> tuple[str, list[tuple[str, float]], int]:
    """(text, [(character, top row)] in drawing order, plate height) of one rendered plate.

    A two-line plate's top line starts in its top tenth and its bottom line below 0.36 of its
    height, so a row under 0.3 of the height is the top line's.
    """
    text, drawn, plate = _drawn_boxes(kind, faces, seed)
    return text, [(c, box[1]) for c, box in drawn], plate.shape[0]


@pytest.mark.usefixtures("every_face")
def test_a_construction_machinery_plate_prints_its_region_alone_on_top() -> None:
    v5 = generate.typefaces(5)
    for seed in range(6):
        text, drawn, h = _drawn("orange2", dataclasses.replace(v5, machinery_top=1.0), seed)
        top = "".join(c for c, y in drawn if y < h * 0.3)
        bottom = "".join(c for c, y in drawn if y >= h * 0.3)
        assert len(top) == 2, (text, drawn)
        assert not any(c.isdigit() for c in top), (text, drawn)
        assert top + bottom == text
        assert is_valid_korean(text)
        assert bottom[0].isdigit()
        assert not bottom[-5].isdigit()
        # Without the machinery layout the class digits stay on the top line.
        text, drawn, h = _drawn("orange2", dataclasses.replace(v5, machinery_top=0.0), seed)
        top = "".join(c for c, y in drawn if y < h * 0.3)
        assert top[-1].isdigit()
        assert top + "".join(c for c, y in drawn if y >= h * 0.3) == text


def _bolt_pixels(
    shape: tuple[int, int],
    bg: tuple[int, int, int],
    ink: tuple[int, int, int],
    seed: int,
    top_line: tuple[float, float, float, float] | None,
    margins: tuple[float, float],
) -> np.ndarray:
    """Where ``generate._bolts`` draws on a blank plate of ``shape`` (rows, columns)."""
    img = np.empty((*shape, 3), np.float32)
    img[:] = bg
    before = img.copy()
    generate._bolts(img, np.random.default_rng(seed), bg, ink, top_line, margins)
    return np.asarray(np.abs(img - before).max(axis=2) > 1)


def test_two_line_bolts_flank_the_top_line_at_its_size() -> None:
    bg, ink = (40, 120, 75), (240, 240, 235)
    for seed in range(20):
        # top line from x 60 to 140, centred on row 20, 30 px high
        changed = _bolt_pixels((102, 201), bg, ink, seed, (60, 140, 20, 30), (0, 0))
        cols = np.flatnonzero(changed.any(axis=0))
        rows = np.flatnonzero(changed.any(axis=1))
        assert not changed[:, 60:141].any(), seed  # never over the characters
        assert cols.min() < 60
        assert cols.max() > 140
        # centred within 3 rows of the line's middle, at most 0.45 of its height in radius
        assert rows.min() >= 20 - 3 - 13.5 - 1
        assert rows.max() <= 20 + 3 + 13.5 + 1
        # a head at least 0.44 of the line high, drawn on each side (an empty hole at 0.7 of it)
        for side in (changed[:, :60], changed[:, 141:]):
            side_rows = np.flatnonzero(side.any(axis=1))
            assert side_rows.size
            assert side_rows.max() - side_rows.min() + 1 >= 0.44 * 30 * 0.7


def test_one_line_bolts_stay_in_the_margins_or_are_left_out() -> None:
    bg, ink = (245, 245, 242), (20, 20, 25)
    for seed in range(20):
        changed = _bolt_pixels((66, 312), bg, ink, seed, None, (18.0, 15.0))
        assert changed.any()
        assert not changed[:, 18 : 312 - 15].any(), seed
    assert not _bolt_pixels((66, 312), bg, ink, 0, None, (3.0, 3.0)).any()  # no room for a bolt


def test_a_track_shows_one_plate_growing_in_frames_that_differ(fonts: generate.Typefaces) -> None:
    frames = generate.track(np.random.default_rng(11), fonts, 5)
    assert len(frames) == 5
    assert len({f.text for f in frames}) == 1
    assert is_valid_korean(frames[0].text)
    heights = [f.image.shape[0] for f in frames]
    assert heights == sorted(heights)
    assert heights[0] < heights[-1]
    # each frame its own view and degradation, not one image resized
    assert len({f.image.tobytes() for f in frames}) == 5
    again = generate.track(np.random.default_rng(11), fonts, 5)
    assert all(np.array_equal(a.image, b.image) for a, b in zip(frames, again, strict=True))


@pytest.mark.usefixtures("every_face")
def test_version_7_adds_short_plates_bolted_on_top_and_holder_frames_and_nothing_else() -> None:
    assert_adds_only(6, 7, short_top_bolts=0.8, holder_frame=0.5)


@pytest.mark.usefixtures("every_face")
def test_a_short_plate_bolted_on_top_keeps_its_characters_below_the_bolts() -> None:
    faces = dataclasses.replace(generate.typefaces(7), short_top_bolts=1.0, bolt_heads=1.0)
    plain = dataclasses.replace(faces, short_top_bolts=0.0)
    low_tops, plain_tops = [], []
    for seed in range(8):
        text, drawn, h = _drawn("white_short", faces, seed)
        assert "".join(c for c, _ in drawn) == text
        low_tops.append(min(y for _, y in drawn) / h)
        plain_tops.append(min(y for _, y in _drawn("white_short", plain, seed)[1]) / h)
        plate, _ = generate.render_plate(np.random.default_rng(seed), "white_short", faces)
        margin = plate[3 : round(min(y for _, y in drawn)), 3:-3].astype(np.int16)
        # Something other than the plate's paint in the top margin: the bolts.
        assert np.abs(margin - np.median(margin, axis=(0, 1))).max() > 40, seed
    assert min(low_tops) >= 0.19
    assert np.mean(low_tops) > np.mean(plain_tops) + 0.05


def test_a_holder_frames_the_plate_and_leaves_it_as_it_was() -> None:
    plate = np.random.default_rng(1).integers(0, 255, (90, 200, 3)).astype(np.uint8)
    sizes = set()
    for seed in range(20):
        framed = generate.holder(np.random.default_rng(seed), plate)
        h, w = framed.shape[:2]
        assert h > 90
        assert w > 200
        side = (w - 200) // 2
        assert w - 200 == 2 * side
        # The plate is inside, untouched but for a lip at most 2 pixels over its edge.
        assert any(
            np.array_equal(framed[r + 2 : r + 88, side + 2 : side + 198], plate[2:88, 2:198])
            for r in range(h - 90 + 1)
        )
        sizes.add((h, w))
    assert len(sizes) > 5


@pytest.mark.usefixtures("every_face")
def test_version_8_adds_spaced_rows_and_nothing_else() -> None:
    v7, v8 = assert_adds_only(7, 8, wide_gaps=0.5)
    assert crops_of(v8, 8) != crops_of(v7, 8)


def redraws(kind: str, old: generate.Typefaces, new: generate.Typefaces) -> bool:
    """Whether plates of ``kind`` drawn with ``new`` differ from ``old``'s, seed for seed."""
    plates = [
        generate.render_plate(np.random.default_rng(seed), kind, faces)[0].tobytes()
        for seed in range(6)
        for faces in (old, new)
    ]
    return plates[0::2] != plates[1::2]


def test_version_9_adds_small_short_plate_characters_and_nothing_else() -> None:
    v8, v9 = assert_adds_only(8, 9, short_small_chars=0.5)
    assert redraws("white_short", v8, v9)


def _character_boxes(
    kind: str, faces: generate.Typefaces, seed: int
) -> tuple[list[Box], tuple[int, int]]:
    """The (left, top, width, height) box of every character one plate of ``kind`` draws, and
    the plate's (height, width)."""
    _, drawn, plate = _drawn_boxes(kind, faces, seed)
    h, w = plate.shape[:2]
    return [box for _, box in drawn], (h, w)


def _character_rows(faces: generate.Typefaces, seed: int) -> tuple[float, float, float]:
    """(top, bottom, digit height) of a short plate's characters, as shares of its height."""
    boxes, (h, _) = _character_boxes("white_short", faces, seed)
    return (
        min(y for _, y, _, _ in boxes) / h,
        max(y + gh for _, y, _, gh in boxes) / h,
        max(gh for _, _, _, gh in boxes) / h,
    )


@pytest.mark.usefixtures("every_face")
def test_small_short_plate_characters_sit_low_between_bolts_and_a_bottom_margin() -> None:
    tall = dataclasses.replace(generate.typefaces(9), short_top_bolts=1.0, short_small_chars=0.0)
    small = dataclasses.replace(tall, short_small_chars=1.0)
    bottoms, tall_bottoms = [], []
    for seed in range(10):
        top, bottom, height = _character_rows(small, seed)
        assert 0.46 <= height <= 0.6, seed
        # Below the bolts' margin, above a margin of their own at the bottom.
        assert top >= 0.2, seed
        assert bottom <= 0.97, seed
        _, tall_bottom, tall_height = _character_rows(tall, seed)
        assert height < tall_height
        bottoms.append(bottom)
        tall_bottoms.append(tall_bottom)
    assert np.mean(bottoms) < np.mean(tall_bottoms) - 0.02


def _gaps_between_characters(fonts: generate.Typefaces, gaps: tuple[float, float]) -> list[int]:
    """The blank columns between the characters of one row of digits laid between 10 and 310."""
    canvas = generate.Canvas(320, 80, (255, 255, 255), gaps=gaps)
    face = generate.Face(fonts.hangul[0], fonts.hangul[0])
    generate._row(
        canvas, face, list("2345680"), 10, 310, 10, 60, (0, 0, 0), np.random.default_rng(5)
    )
    inked = _ink(canvas).any(axis=0)
    cols = np.flatnonzero(inked)
    # The row still spans its width: ink starts and ends near the row's ends.
    assert cols[0] <= 14
    assert cols[-1] >= 305
    runs, blank = [], 0
    for on in inked[cols[0] : cols[-1] + 1]:
        if on and blank:
            runs.append(blank)
        blank = 0 if on else blank + 1
    return runs


def test_a_spaced_row_keeps_its_width_and_stands_its_characters_apart(
    fonts: generate.Typefaces,
) -> None:
    close = _gaps_between_characters(fonts, generate.NARROW_GAPS)
    apart = _gaps_between_characters(fonts, generate.WIDE_GAPS)
    assert len(close) == len(apart) == 6
    assert min(apart) > max(close)


@pytest.mark.usefixtures("every_face")
def test_only_the_rows_of_large_characters_are_spaced(monkeypatch: pytest.MonkeyPatch) -> None:
    faces = dataclasses.replace(generate.typefaces(8), wide_gaps=1.0)
    rows: list[tuple[float, tuple[float, float]]] = []
    row = generate._row

    def recording_row(canvas: generate.Canvas, *args: Any, **kwargs: Any) -> None:
        rows.append((args[4] / canvas.h, kwargs.get("gaps") or canvas.gaps))
        row(canvas, *args, **kwargs)

    monkeypatch.setattr(generate, "_row", recording_row)
    for kind in generate.KINDS:
        for seed in range(3):
            rows.clear()
            generate.render_plate(np.random.default_rng(seed), kind, faces)
            one_line = generate.KINDS[kind][1] is generate.Layout.ONE_LINE
            for top, gaps in rows:
                # A two-line plate's top line starts in its top tenth.
                small_top_line = not one_line and top < 0.3
                assert gaps == (generate.NARROW_GAPS if small_top_line else generate.WIDE_GAPS)
            assert any(g == generate.WIDE_GAPS for _, g in rows), kind


@pytest.mark.usefixtures("every_face")
def test_version_10_adds_small_top_lines_and_nothing_else() -> None:
    v9, v10 = assert_adds_only(9, 10, small_top=0.5)
    assert redraws("green2_region", v9, v10)


def _two_line_rows(faces: generate.Typefaces, kind: str, seed: int) -> tuple[float, float, float]:
    """(top-line height, top-line width, bottom-line height) of a two-line plate's characters, as
    shares of the plate's height and width."""
    boxes, (h, w) = _character_boxes(kind, faces, seed)
    # The top line is laid from 0.06 to 0.1 of the height down, the bottom one from 0.28 on.
    top = [b for b in boxes if b[1] < 0.2 * h]
    bottom = [b for b in boxes if b[1] >= 0.2 * h]
    return (
        max(gh for _, _, _, gh in top) / h,
        (max(x + cw for x, _, cw, _ in top) - min(x for x, _, _, _ in top)) / w,
        max(gh for _, _, _, gh in bottom) / h,
    )


@pytest.mark.usefixtures("every_face")
@pytest.mark.parametrize("kind", ["green2_region", "green2", "yellow2"])
def test_small_top_lines_are_smaller_and_narrower_with_a_taller_bottom_line(kind: str) -> None:
    # A chance too small to come up still draws its number, so both plates of a seed draw the
    # same numbers after the top line's height: the same layout, only the top line's size differs.
    usual = dataclasses.replace(generate.typefaces(10), small_top=1e-12, bolt_heads=0.0)
    small = dataclasses.replace(usual, small_top=1.0)
    for seed in range(8):
        top_h, top_w, bottom_h = _two_line_rows(small, kind, seed)
        usual_h, usual_w, usual_bottom = _two_line_rows(usual, kind, seed)
        assert 0.18 <= top_h <= 0.26 + 1e-9, seed
        assert 0.26 <= usual_h <= 0.32 + 1e-9, seed
        # The row narrows with the line's height, so the characters keep their shape.
        assert top_w < usual_w, seed
        assert bottom_h > usual_bottom, seed


@pytest.mark.usefixtures("every_face")
def test_version_12_adds_crops_cut_into_the_plate_and_nothing_else() -> None:
    v11, v12 = assert_adds_only(11, 12, cut_top=0.3)
    assert crops_of(v12, 12) != crops_of(v11, 12)
    cuts: list[bool] = []
    original = generate.view

    def recording(
        rng: np.random.Generator, plate: np.ndarray, height: float | None = None, cut: bool = False
    ) -> np.ndarray:
        cuts.append(cut)
        return original(rng, plate, height, cut)

    rng = np.random.default_rng(12)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(generate, "view", recording)
        for _ in range(150):
            generate.sample(rng, v12)
        for _ in range(10):
            generate.track(rng, v12, 5)
    assert len(cuts) == 200
    assert 35 <= sum(cuts) <= 85


def _top_visible_row(rng: np.random.Generator, cut: bool) -> float:
    """The highest row of a plate's middle a crop of it shows, as a share of the plate's height:
    the plate codes each row's height in its red channel and each column's place in its blue one
    and is green all over, on a black background, seen without degradation."""
    h, w = 170, 335
    plate = np.zeros((h, w, 3), np.uint8)
    plate[..., 0] = np.linspace(0, 255, h, dtype=np.float32)[:, None].round().astype(np.uint8)
    plate[..., 1] = 255
    plate[..., 2] = np.linspace(0, 255, w, dtype=np.float32)[None, :].round().astype(np.uint8)
    crop = generate.view(rng, plate, 120.0, cut)
    # BGR: green is in the middle; mixed edge pixels are left out.
    middle = (crop[..., 1] > 250) & (np.abs(crop[..., 0].astype(int) - 128) < 8)
    return float(crop[..., 2][middle].min()) / 255


def test_a_cut_crop_starts_inside_the_plate_and_keeps_most_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(generate, "_degrade", lambda rng, img: img)
    monkeypatch.setattr(generate, "_background", lambda rng, w, h: np.zeros((h, w, 3), np.uint8))
    rng = np.random.default_rng(3)
    usual = [_top_visible_row(rng, False) for _ in range(40)]
    cut = [_top_visible_row(rng, True) for _ in range(40)]
    # An ordinary crop shows the top of the plate's middle in most crops; a cut one never does,
    # and never loses more than a quarter of the plate there. (A pixel's rounding and the
    # perspective can bring the cut a little closer to the top than the 0.04 drawn.)
    assert np.median(usual) < 0.01
    assert min(cut) > 0.0
    assert np.quantile(cut, 0.1) > 0.03
    assert np.median(cut) > 0.06
    assert max(cut) < 0.25


@pytest.mark.usefixtures("every_face")
def test_version_13_adds_construction_machinery_plates_for_hire_and_nothing_else() -> None:
    v12, v13 = assert_adds_only(12, 13, machinery_mark=0.6)
    assert redraws("orange2", v12, v13)
    for kind in generate.KINDS:
        if kind != "orange2":
            assert not redraws(kind, v12, v13), kind


def _bright(plate: np.ndarray) -> np.ndarray:
    """Where ``plate`` (RGB) is whitish: the ink of a plate for hire, or half of it where a thin
    line is smoothed over two rows; never the orange (its blue stays under 60) or black ink."""
    return np.asarray(plate.min(axis=2) > 100)


@pytest.mark.usefixtures("every_face")
def test_a_plate_for_hire_is_white_on_orange_framed_and_marked_left_of_its_region() -> None:
    machinery = dataclasses.replace(generate.typefaces(13), machinery_top=1.0, bolt_heads=0.0)
    for_hire = dataclasses.replace(machinery, machinery_mark=1.0)
    private = dataclasses.replace(machinery, machinery_mark=0.0)
    marked = 0
    for seed in range(10):
        text, drawn, plate = _drawn_boxes("orange2", for_hire, seed)
        chars = [c for c, _ in drawn]
        if len(chars) == len(text) + 1:
            # The mark is drawn right after the region, left of it and as high as the top line.
            assert chars.pop(2) == "영"
            (_, region), (_, mark) = drawn[0], drawn[2]
            assert mark[0] + mark[2] < region[0], seed
            assert mark[1] < region[1] + region[3], seed
            assert region[1] < mark[1] + mark[3], seed
            marked += 1
        assert "".join(chars) == text
        bright = _bright(plate)
        # White characters; and a white line across the top, above the region.
        assert bright.mean() > 0.05, seed
        above = bright[: round(min(box[1] for _, box in drawn[:2]))]
        assert above.mean(axis=1).max() > 0.8, seed
        # A plate not for hire keeps black characters and no frame.
        _, _, plain = _drawn_boxes("orange2", private, seed)
        assert _bright(plain).mean() < 0.01, seed
    # Seven plates in ten draw the mark, where the frame leaves room for it.
    assert marked >= 4


@pytest.mark.usefixtures("every_face")
def test_version_14_adds_painted_rims_and_line_badges_and_nothing_else() -> None:
    v13, v14 = assert_adds_only(13, 14, painted_rim=0.5, ev_line_badge=0.6)
    for kind in generate.KINDS:
        assert redraws(kind, v13, dataclasses.replace(v14, ev_line_badge=0.0)), kind
    badges_only = dataclasses.replace(v14, painted_rim=0.0)
    assert redraws("ev", v13, badges_only)
    for kind in generate.KINDS:
        if kind != "ev":
            assert not redraws(kind, v13, badges_only), kind


def _large_rows(
    kind: str, faces: generate.Typefaces, seed: int, colours: tuple[Any, Any]
) -> tuple[list[tuple[float, float, float]], np.ndarray]:
    """([(left, right, height)] of each row ``_row`` lays out, the plate) of one plate drawn in
    the fixed ``colours`` (background, ink)."""
    rows: list[tuple[float, float, float]] = []
    row = generate._row

    def recording_row(
        canvas: Any, font: Any, chars: Any, x0: float, x1: float, *rest: Any, **named: Any
    ) -> None:
        rows.append((x0, x1, rest[1]))
        row(canvas, font, chars, x0, x1, *rest, **named)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(generate, "_row", recording_row)
        mp.setattr(generate, "_colours", lambda rng, kind: colours)
        plate, _ = generate.render_plate(np.random.default_rng(seed), kind, faces)
    return rows, plate


@pytest.mark.usefixtures("every_face")
@pytest.mark.parametrize("kind", ["green2", "green2_region", "white7", "white_short", "yellow1"])
def test_a_painted_rim_takes_the_ink_and_the_large_characters_stand_beside_it(kind: str) -> None:
    v14 = dataclasses.replace(generate.typefaces(14), bolt_heads=0.0, holder_frame=0.0)
    painted = dataclasses.replace(v14, painted_rim=1.0)
    plain = dataclasses.replace(v14, painted_rim=0.0)
    bg, ink = (40, 120, 75), (240, 240, 235)
    for seed in range(8):
        edges = {}
        for name, faces in (("painted", painted), ("plain", plain)):
            rows, plate = _large_rows(kind, faces, seed, (bg, ink))
            h, w = plate.shape[:2]
            # The outermost ring of pixels: the rim.
            edge = np.concatenate([plate[0], plate[-1], plate[:, 0], plate[:, -1]]).astype(float)
            edges[name] = np.abs(edge - np.array(ink)).sum(axis=1)
            x0, x1, _ = max(rows, key=lambda r: r[2])  # the row of large characters
            # A one-line commercial plate stacks its region left of the row: there only the
            # right end of the row stands by the rim.
            ends = [w - x1] if kind == "yellow1" else [x0, w - x1]
            if name == "painted":
                # Inside the rim (at least one pixel, at most 0.05 of the height wide), then
                # 0.005 to 0.03 of the width.
                for end in ends:
                    assert 1 + 0.005 * w <= end <= 0.05 * h + 1 + 0.03 * w, (kind, seed, end)
            else:
                assert min(ends) >= 0.03 * w, (kind, seed)
        # The painted rim is the ink (jittered by at most 20 a channel); the plain one is not.
        assert np.all(edges["painted"] <= 60), (kind, seed)
        assert np.all(edges["plain"] > 100), (kind, seed)


def test_an_ev_line_badge_is_two_outlines_one_over_the_other() -> None:
    for seed in range(20):
        img = np.zeros((66, 40, 3), np.float32)
        generate._ev_line_badge(img, np.random.default_rng(seed), 5.0, 26.0, (30, 60, 140))
        ink = img.sum(axis=2) > 0
        xs = np.nonzero(ink.any(axis=0))[0]
        # Within the badge's width, in both halves of the plate's height.
        assert xs.min() >= 3, seed
        assert xs.max() <= 33, seed
        assert ink[:33].any(), seed
        assert ink[33:].any(), seed
        # Drawn in lines: across the middle of the lower mark, ink, bare plate, ink again.
        lower = ink[33:]
        rows = np.nonzero(lower.any(axis=1))[0]
        middle = lower[(rows.min() + rows.max()) // 2].astype(int)
        runs = int(middle[0]) + int(np.count_nonzero(np.diff(middle) == 1))
        assert runs >= 2, seed


@pytest.mark.usefixtures("every_face")
def test_only_ev_plates_draw_the_line_badge() -> None:
    faces = dataclasses.replace(generate.typefaces(14), ev_line_badge=1.0)
    drawn: list[str] = []
    original = generate._ev_line_badge

    def counting(*args: Any) -> None:
        drawn.append("badge")
        original(*args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(generate, "_ev_line_badge", counting)
        for kind in generate.KINDS:
            before = len(drawn)
            for seed in range(10):
                generate.render_plate(np.random.default_rng(seed), kind, faces)
            # Seven EV plates in ten show a badge; every one of them is drawn in lines.
            assert (len(drawn) - before >= 4) == (kind == "ev"), kind
