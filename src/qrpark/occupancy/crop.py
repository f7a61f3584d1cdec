"""Cut one parking space out of a camera frame by its four-point polygon."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

PATCH_SIZE = 64


class BadPolygonError(ValueError):
    """The polygon is not four distinct points enclosing a convex, non-empty area."""


def _signed_area(quad: np.ndarray) -> float:
    x, y = quad[:, 0], quad[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def normalise_polygon(polygon: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """Return the polygon as a 4×2 float32 array going clockwise on screen.

    The first point stays first: it becomes the top-left corner of the patch, so a camera's
    polygons decide which way up each space is cut. A polygon drawn counter-clockwise is
    reversed (keeping its first point) so that patches are never mirrored.

    Raises:
        BadPolygonError: not four finite points, self-crossing, concave or of (near) zero area.
    """
    quad = np.asarray(polygon, dtype=np.float64)
    if quad.shape != (4, 2) or not np.isfinite(quad).all():
        raise BadPolygonError(f"expected 4 finite (x, y) points, got shape {quad.shape}")
    area = _signed_area(quad)
    if abs(area) < 1.0:
        raise BadPolygonError("polygon encloses no area")
    if area < 0:  # image y grows downwards: positive shoelace area is clockwise on screen
        quad = quad[[0, 3, 2, 1]]
    edges = np.roll(quad, -1, axis=0) - quad
    nxt = np.roll(edges, -1, axis=0)
    cross = edges[:, 0] * nxt[:, 1] - edges[:, 1] * nxt[:, 0]
    if (cross <= 0).any():
        raise BadPolygonError("polygon is concave or self-crossing")
    return quad.astype(np.float32)


def warp_space(
    frame: np.ndarray, polygon: Sequence[Sequence[float]] | np.ndarray, size: int = PATCH_SIZE
) -> np.ndarray:
    """Perspective-warp the space inside ``polygon`` of ``frame`` to a ``size``×``size`` patch.

    ``frame`` is an H×W×3 (BGR) or H×W uint8 image and is not modified. The polygon's first
    point maps to the patch's top-left corner, the next ones clockwise. Pixels outside the
    frame are filled by replicating its border.
    """
    import cv2

    if frame.ndim not in (2, 3) or frame.size == 0:
        raise ValueError(f"frame must be an H×W or H×W×C image, got shape {frame.shape}")
    if size < 2:
        raise ValueError("size must be at least 2 pixels")
    quad = normalise_polygon(polygon)
    # a space much larger than the patch is warped to a bigger square first, then area-averaged
    # down, so that fine texture (and JPEG noise) does not alias into the patch
    longest = float(np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1).max())
    big = size * max(1, math.ceil(longest / size))
    dst = np.array([[0, 0], [big, 0], [big, big], [0, big]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad, dst)
    out: np.ndarray = cv2.warpPerspective(
        frame, matrix, (big, big), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    if big != size:
        out = cv2.resize(out, (size, size), interpolation=cv2.INTER_AREA)
    return out
