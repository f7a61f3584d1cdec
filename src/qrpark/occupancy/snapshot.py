"""A camera snapshot as the server receives it: decoded, checked against the camera's frame
size, and cut into one patch per space; patches kept for calibration as small PNG files."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from qrpark.occupancy.crop import PATCH_SIZE, BadPolygonError, warp_space

#: The largest snapshot accepted, in bytes: a 4K JPEG at high quality fits several times over.
MAX_SNAPSHOT_BYTES = 12 * 1024 * 1024
#: The largest side accepted, in pixels (8K), so that a crafted header cannot ask for gigabytes.
MAX_SIDE = 8192
#: A snapshot of another size is accepted when its width/height ratio is within this share of
#: the camera's (a camera's sub-stream at a lower resolution); polygons are then scaled to it.
ASPECT_TOLERANCE = 0.01


class BadSnapshotError(ValueError):
    """The bytes are not an image, are too large, or do not match the camera's frames."""


def decode_snapshot(data: bytes) -> np.ndarray:
    """Decode a JPEG or PNG snapshot to BGR uint8.

    Raises:
        BadSnapshotError: empty, larger than :data:`MAX_SNAPSHOT_BYTES`, not a decodable image,
            or a side larger than :data:`MAX_SIDE`.
    """
    import cv2

    if not data:
        raise BadSnapshotError("the snapshot is empty")
    if len(data) > MAX_SNAPSHOT_BYTES:
        raise BadSnapshotError(
            f"the snapshot is {len(data)} bytes; at most {MAX_SNAPSHOT_BYTES} are accepted"
        )
    # the header alone gives the size, so that a crafted one cannot make us allocate gigabytes
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt, (width, height) = probe.format, probe.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise BadSnapshotError("the snapshot is not a JPEG or PNG image") from exc
    if fmt not in ("JPEG", "PNG"):
        raise BadSnapshotError(f"the snapshot is {fmt}; send a JPEG or PNG image")
    if max(width, height) > MAX_SIDE:
        raise BadSnapshotError(f"the snapshot is larger than {MAX_SIDE} pixels on a side")
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise BadSnapshotError("the snapshot is a damaged image that cannot be decoded")
    out: np.ndarray = image
    return out


def frame_scale(frame_size: tuple[int, int], image: np.ndarray) -> float:
    """The factor from the camera's frame coordinates to ``image``'s pixels.

    ``frame_size`` is the camera's (width, height), in which its polygons are drawn.

    Raises:
        BadSnapshotError: the image's shape is not the camera's, nor the same shape scaled.
    """
    width, height = frame_size
    got_h, got_w = image.shape[:2]
    if (got_w, got_h) == (width, height):
        return 1.0
    ratio, expected = got_w / got_h, width / height
    if abs(ratio - expected) > ASPECT_TOLERANCE * expected:
        raise BadSnapshotError(
            f"the snapshot is {got_w}×{got_h}; this camera's frames are {width}×{height}"
            " (or the same shape at another resolution)"
        )
    return float(got_w) / width


def cut_spaces(
    image: np.ndarray,
    polygons: Sequence[Sequence[Sequence[float]]],
    frame_size: tuple[int, int],
) -> list[np.ndarray]:
    """One :data:`PATCH_SIZE` square patch per polygon (frame coordinates) of ``image``.

    Raises:
        BadSnapshotError: as :func:`frame_scale`, or a polygon scaled to the image encloses
            no area.
    """
    scale = frame_scale(frame_size, image)
    try:
        return [warp_space(image, np.asarray(p, dtype=np.float64) * scale) for p in polygons]
    except BadPolygonError as exc:
        # a polygon that is fine in the camera's frames can shrink to nothing in a thumbnail
        raise BadSnapshotError(
            f"at {image.shape[1]}×{image.shape[0]} a space is too small to cut ({exc})"
        ) from exc


def encode_patch(patch: np.ndarray) -> bytes:
    """A patch as PNG bytes (lossless, about 8–10 kB for 64×64)."""
    import cv2

    ok, data = cv2.imencode(".png", patch)
    if not ok:
        raise ValueError("cannot encode the patch as PNG")
    return bytes(data.tobytes())


def decode_patch(data: bytes) -> np.ndarray:
    """The BGR patch stored by :func:`encode_patch`.

    Raises:
        BadSnapshotError: the bytes are not a PNG patch.
    """
    import cv2

    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise BadSnapshotError("a stored calibration patch cannot be decoded")
    out: np.ndarray = image
    return out


__all__ = [
    "MAX_SNAPSHOT_BYTES",
    "PATCH_SIZE",
    "BadSnapshotError",
    "cut_spaces",
    "decode_patch",
    "decode_snapshot",
    "encode_patch",
    "frame_scale",
]
