from __future__ import annotations

import numpy as np
import pytest
from training.plates import generate

from qrpark.plates.finder import (
    box_iou,
    count_char_blobs,
    find_plates,
    order_corners,
    rectify,
)
from qrpark.plates.reader import PlateReader


def _quad_box(quad: np.ndarray) -> tuple[int, int, int, int]:
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def test_finder_locates_a_plate_composited_onto_a_scene(fonts: generate.Typefaces) -> None:
    hits = 0
    for seed in range(5):
        image, _text, quad = generate.scene(np.random.default_rng(seed), fonts)
        truth = _quad_box(quad)
        cands = find_plates(image)
        hits += any(box_iou(c.box, truth) >= 0.5 for c in cands)
    assert hits >= 4


def test_finder_and_reader_read_the_scene_plate(
    model_fonts: generate.Typefaces, reader_kr: PlateReader
) -> None:
    # Ten scenes of the faces the shipped model was trained on (generator 14's, with painted
    # rims): the shipped model reads 8 of these ten and all ten drawn with generator 13's.
    right = 0
    for seed in range(10):
        image, text, _quad = generate.scene(np.random.default_rng(100 + seed), model_fonts)
        result = reader_kr.read(image)
        right += any(p.text == text for p in result.plates)
    assert right >= 7


def test_blank_frame_has_no_candidates() -> None:
    assert find_plates(np.full((720, 1280, 3), 128, np.uint8)) == []


def test_rectify_undoes_a_perspective_warp() -> None:
    img = np.zeros((200, 400), np.uint8)
    img[50:100, 100:300] = 255
    quad = order_corners(np.array([[300, 100], [100, 50], [300, 50], [100, 100]], np.float32))
    assert quad.tolist() == [[100, 50], [300, 50], [300, 100], [100, 100]]
    crop = rectify(img, quad, out_h=25)
    assert crop.shape == (25, 100)
    assert crop[3:-3, 3:-3].min() == 255


def _bars(crop: np.ndarray, n: int, top: int, bottom: int, value: int) -> None:
    """``n`` character-sized marks, each a stroke from ``top`` to ``bottom`` with a bar across
    its middle (ㅏ-like: no hole of their own)."""
    w = crop.shape[1]
    for i in range(n):
        x0 = 12 + i * (w - 24) // n
        x1 = x0 + (w - 24) // n - 8
        crop[top:bottom, x0 : x0 + 5] = value
        crop[(top + bottom) // 2 - 2 : (top + bottom) // 2 + 2, x0:x1] = value


def test_characters_touching_a_painted_rim_still_count() -> None:
    # A rim painted in the characters' colour joins every character that touches it into one
    # component: the count takes the rim's straight lines out. Below the characters the
    # background runs on, so its gaps between characters are no blobs either.
    crop = np.full((60, 240), 230, np.uint8)
    crop[4:7, 4:-4] = crop[-7:-4, 4:-4] = 20
    crop[4:-4, 4:7] = crop[4:-4, -7:-4] = 20
    _bars(crop, 6, 7, 46, 20)
    assert count_char_blobs(crop) >= 5


def test_gaps_between_light_characters_are_not_counted() -> None:
    # Light 0-like characters on a dark line with no rim: the background's polarity has wide
    # runs at the top and bottom, which must not be taken for a rim: taken out, they would
    # leave every gap between characters a blob besides every hole.
    crop = np.full((40, 240), 25, np.uint8)
    for i in range(6):
        x0 = 12 + i * 36
        crop[6:34, x0 : x0 + 28] = 235
        crop[11:29, x0 + 5 : x0 + 23] = 25
    assert count_char_blobs(crop) == 6


def test_a_two_line_plate_is_not_lost_to_its_lower_line() -> None:
    # In this scene (a two-line plate drawn with generator 13's faces) the plate's lower line
    # counts more characters than the whole plate and ranks above it; it once suppressed the
    # whole plate, region and all, so that no candidate covered the plate.
    try:
        faces = generate.typefaces(13, strict=True)
    except RuntimeError as exc:
        pytest.skip(f"synthetic plates need every face: {exc}")
    image, text, quad = generate.scene(np.random.default_rng(5156), faces)
    assert len(text) >= 8  # the region is drawn on the top line
    truth = _quad_box(quad)
    boxes = [c.box for c in find_plates(image)]
    assert any(box_iou(b, truth) >= 0.5 for b in boxes)
    # Its lower line is still offered too: the reader keeps the better read of the place.
    assert any(0 < box_iou(b, truth) < 0.5 for b in boxes)


def test_a_line_read_does_not_stand_for_its_plate() -> None:
    from qrpark.plates.reader import PlateRead, without_line_reads

    def read(text: str, confidence: float, box: tuple[int, int, int, int]) -> PlateRead:
        return PlateRead(text, confidence, confidence >= 0.97, "construction", box=box)

    # A plate for hire: the whole plate read less surely than its lower line, which is another
    # valid plate. The line's read goes; the whole plate's stands, rejected as it was read.
    whole = read("경기04노7823", 0.9, (100, 100, 200, 100))
    line = read("04노7823", 0.999, (105, 145, 190, 50))
    assert without_line_reads([line, whole]) == [whole]
    # A line read that the whole read does not end with is another reading of the place: both
    # stay, and the reader's overlap rule picks one.
    other = read("04노7828", 0.999, (105, 145, 190, 50))
    assert without_line_reads([other, whole]) == [other, whole]
    # Neither does a read of the same text from a box that is not one of the plate's lines.
    beside = read("04노7823", 0.999, (400, 100, 200, 100))
    assert without_line_reads([beside, whole]) == [beside, whole]
