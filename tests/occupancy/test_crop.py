"""Per-space crops: the polygon's corners land on the patch's corners, never mirrored."""

from __future__ import annotations

import numpy as np
import pytest

from qrpark.occupancy.crop import BadPolygonError, normalise_polygon, warp_space


def _dotted_frame() -> tuple[np.ndarray, list[tuple[float, float]], list[tuple[int, int, int]]]:
    """A grey frame with a skewed space whose four corners carry distinct colour dots."""
    frame = np.full((240, 320, 3), 90, np.uint8)
    quad = [(60.0, 40.0), (250.0, 70.0), (270.0, 210.0), (40.0, 190.0)]
    colours = [(0, 0, 255), (0, 255, 0), (255, 0, 0), (255, 255, 255)]
    centre = np.mean(quad, axis=0)
    for (x, y), colour in zip(quad, colours, strict=True):
        inner = np.array([x, y]) + (centre - np.array([x, y])) * 0.15
        x0, y0 = int(inner[0]) - 12, int(inner[1]) - 12
        frame[y0 : y0 + 24, x0 : x0 + 24] = colour
    return frame, quad, colours


def _corner_colours(patch: np.ndarray) -> list[tuple[int, int, int]]:
    s = patch.shape[0]
    spots = [(0.075, 0.075), (0.925, 0.075), (0.925, 0.925), (0.075, 0.925)]
    return [tuple(int(v) for v in patch[int(y * s), int(x * s)]) for x, y in spots]


def test_identity_polygon_returns_the_frame() -> None:
    frame = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    patch = warp_space(frame, [(0, 0), (64, 0), (64, 64), (0, 64)], size=64)
    assert patch.shape == (64, 64, 3)
    assert patch.dtype == np.uint8
    assert np.abs(patch.astype(int) - frame.astype(int)).max() <= 1


def test_first_point_becomes_top_left_and_corners_go_clockwise() -> None:
    frame, quad, colours = _dotted_frame()
    assert _corner_colours(warp_space(frame, quad, size=64)) == colours
    rotated = quad[1:] + quad[:1]
    assert _corner_colours(warp_space(frame, rotated, size=64)) == colours[1:] + colours[:1]


def test_counter_clockwise_polygon_is_not_mirrored() -> None:
    frame, quad, _ = _dotted_frame()
    ccw = [quad[0], quad[3], quad[2], quad[1]]
    np.testing.assert_array_equal(warp_space(frame, ccw), warp_space(frame, quad))


def test_frame_is_left_untouched() -> None:
    frame, quad, _ = _dotted_frame()
    before = frame.copy()
    warp_space(frame, quad, size=32)
    np.testing.assert_array_equal(frame, before)


def test_large_space_is_area_averaged_not_aliased() -> None:
    # a one-pixel checkerboard averages to mid-grey; plain sampling would keep black or white
    yy, xx = np.mgrid[0:512, 0:512]
    frame = (((xx + yy) % 2) * 255).astype(np.uint8)
    patch = warp_space(frame, [(0, 0), (512, 0), (512, 512), (0, 512)], size=32)
    assert patch.shape == (32, 32)
    assert np.abs(patch.astype(float) - 127.5).max() < 20


@pytest.mark.parametrize(
    "polygon",
    [
        [(0, 0), (10, 0), (20, 0), (30, 0)],  # collinear
        [(0, 0), (10, 10), (10, 0), (0, 10)],  # bow tie
        [(0, 0), (10, 0), (3, 3), (0, 10)],  # concave
        [(0, 0), (10, 0), (10, 10)],  # three points
        [(0, 0), (10, 0), (10, float("nan")), (0, 10)],
    ],
)
def test_bad_polygons_are_refused(polygon: list[tuple[float, float]]) -> None:
    with pytest.raises(BadPolygonError):
        normalise_polygon(polygon)
