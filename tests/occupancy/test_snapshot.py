"""Snapshots as the server receives them: decoded only when they are safe to decode, matched to
the camera's frame size, cut into patches, and patches kept losslessly."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from qrpark.occupancy.crop import PATCH_SIZE, warp_space
from qrpark.occupancy.snapshot import (
    MAX_SIDE,
    MAX_SNAPSHOT_BYTES,
    BadSnapshotError,
    cut_spaces,
    decode_patch,
    decode_snapshot,
    encode_patch,
    frame_scale,
)

SQUARE = [[10.0, 10.0], [60.0, 10.0], [60.0, 90.0], [10.0, 90.0]]


def encoded(image: np.ndarray, ext: str = ".png") -> bytes:
    ok, data = cv2.imencode(ext, image)
    assert ok
    return bytes(data.tobytes())


def gradient(width: int = 160, height: int = 120) -> np.ndarray:
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    return np.stack([x + 0 * y, y + 0 * x, (x + y) / 2], axis=2).astype(np.uint8)


def test_a_png_snapshot_decodes_to_the_same_pixels() -> None:
    image = gradient()
    assert np.array_equal(decode_snapshot(encoded(image)), image)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"not an image at all", "not a JPEG or PNG"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "not a JPEG or PNG"),
    ],
)
def test_bytes_that_are_not_an_image_are_refused(data: bytes, needle: str) -> None:
    with pytest.raises(BadSnapshotError, match=needle):
        decode_snapshot(data)


def test_other_image_formats_are_refused_by_name() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buffer, format="GIF")
    with pytest.raises(BadSnapshotError, match="GIF"):
        decode_snapshot(buffer.getvalue())


def test_a_huge_declared_size_is_refused_before_decoding() -> None:
    # a few hundred bytes of PNG that would decode to more than 8K pixels on a side
    buffer = io.BytesIO()
    Image.new("L", (MAX_SIDE + 1, 1)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 2000
    with pytest.raises(BadSnapshotError, match="larger than 8192 pixels"):
        decode_snapshot(buffer.getvalue())


def test_too_many_bytes_are_refused() -> None:
    with pytest.raises(BadSnapshotError, match="bytes"):
        decode_snapshot(b"\x89PNG" + b"\x00" * MAX_SNAPSHOT_BYTES)


def test_a_snapshot_of_the_camera_s_shape_at_another_size_is_scaled() -> None:
    assert frame_scale((1920, 1080), np.zeros((1080, 1920, 3), np.uint8)) == 1.0
    assert frame_scale((1920, 1080), np.zeros((360, 640, 3), np.uint8)) == pytest.approx(1 / 3)
    with pytest.raises(BadSnapshotError, match="this camera's frames are 1920×1080"):
        frame_scale((1920, 1080), np.zeros((480, 640, 3), np.uint8))


def test_spaces_are_cut_where_the_polygons_say_at_any_resolution() -> None:
    image = gradient()
    full = cut_spaces(image, [SQUARE], (160, 120))
    assert len(full) == 1
    assert full[0].shape == (PATCH_SIZE, PATCH_SIZE, 3)
    assert np.array_equal(full[0], warp_space(image, SQUARE))
    half = cv2.resize(image, (80, 60), interpolation=cv2.INTER_AREA)
    scaled = cut_spaces(half, [SQUARE], (160, 120))[0]
    assert np.abs(scaled.astype(int) - full[0].astype(int)).mean() < 4


def test_patches_are_kept_losslessly() -> None:
    patch = gradient(PATCH_SIZE, PATCH_SIZE)
    assert np.array_equal(decode_patch(encode_patch(patch)), patch)
    with pytest.raises(BadSnapshotError):
        decode_patch(b"broken")


def test_a_thumbnail_too_small_for_a_space_is_refused_not_crashed() -> None:
    thumbnail = np.zeros((3, 4, 3), np.uint8)  # 1920×1440 frames at 1/480
    with pytest.raises(BadSnapshotError, match="too small to cut"):
        cut_spaces(thumbnail, [SQUARE], (1920, 1440))
