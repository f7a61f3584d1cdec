"""Classical plate finder: vertical-edge density, colour masks, contours and character blobs.

No learned weights: a candidate is a rotated rectangle (or a 4-point contour) with a plate-like
aspect ratio that holds several character-sized blobs. Each candidate's quadrilateral is
rectified into an upright crop before it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

U8Image = npt.NDArray[np.uint8]
Quad = npt.NDArray[np.float32]

#: Work on frames no wider than this; candidates are mapped back to full resolution.
WORK_WIDTH = 960
MIN_ASPECT = 1.3
MAX_ASPECT = 7.0
MIN_BLOBS = 3


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible plate: its corners (tl, tr, br, bl) in image pixels, a score and the crop."""

    quad: Quad
    score: float
    crop: U8Image

    @property
    def box(self) -> tuple[int, int, int, int]:
        """Axis-aligned (x, y, w, h) around the quadrilateral."""
        x0, y0 = np.floor(self.quad.min(axis=0))
        x1, y1 = np.ceil(self.quad.max(axis=0))
        return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def order_corners(pts: npt.NDArray[np.float32]) -> Quad:
    """Order four points as top-left, top-right, bottom-right, bottom-left."""
    pts = pts.reshape(4, 2).astype(np.float32)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.array(
        [pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32
    )


def rectify(image: U8Image, quad: Quad, out_h: int = 64) -> U8Image:
    """Warp the quadrilateral to an upright crop ``out_h`` pixels high, keeping its aspect."""
    tl, tr, br, bl = quad
    w = max(float(np.linalg.norm(tr - tl)), float(np.linalg.norm(br - bl)))
    h = max(float(np.linalg.norm(bl - tl)), float(np.linalg.norm(br - tr)), 1.0)
    out_w = max(8, round(out_h * w / h))
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    crop = cv2.warpPerspective(image, m, (out_w, out_h), flags=cv2.INTER_LINEAR)
    return np.asarray(crop, np.uint8)


def expand_quad(quad: Quad, fx: float, fy: float) -> Quad:
    """The quadrilateral grown by ``fx`` of its width and ``fy`` of its height, about its centre."""
    tl, tr, br, bl = quad
    ux = ((tr - tl) + (br - bl)) / 2
    uy = ((bl - tl) + (br - tr)) / 2
    signs = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32)
    corners = quad + signs[:, :1] * ux * fx / 2 + signs[:, 1:] * uy * fy / 2
    return np.asarray(corners, np.float32)


def _rim_lines(bw: U8Image) -> U8Image | None:
    """The straight strokes of a rim in a binarised crop: horizontal runs over 40 % of its width
    anywhere, and vertical runs over 55 % of its height in its outer eighths (no character of a
    plate has either; a character stroke that meets them is left whole). A run may step by a
    pixel or two, as a rim does in a crop rectified a little askew.

    None unless there are horizontal runs both in the top and in the bottom 30 % of the crop, as
    a rim around the whole plate has: a line of a two-line plate cut out alone has its rim on
    one side only. None too where the strokes are half the crop's inside or more: that is the
    background's polarity, whose wide runs are no rim, and taking them out would count the gaps
    between characters as blobs."""
    h, w = bw.shape
    inside = bw[h // 6 : h - h // 6, w // 6 : w - w // 6]
    if np.count_nonzero(inside) >= 0.5 * inside.size:
        return None

    def runs(kernel: tuple[int, int], slack: tuple[int, int]) -> Any:
        loose = cv2.dilate(bw, cv2.getStructuringElement(cv2.MORPH_RECT, slack))
        found = cv2.morphologyEx(
            loose, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel)
        )
        return cv2.bitwise_and(found, bw)

    across = runs((max(8, round(0.4 * w)), 1), (1, 3))
    band = max(1, round(0.3 * h))
    if not (across[:band].any() and across[h - band :].any()):
        return None
    upright = runs((1, max(4, round(0.55 * h))), (3, 1))
    edge = max(2, w // 8)
    upright[:, edge:-edge] = 0
    return np.asarray(cv2.bitwise_or(across, upright), np.uint8)


def _blob_count(bw: U8Image) -> int:
    h = bw.shape[0]
    n, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    count = 0
    for i in range(1, n):
        _, _, cw, ch, area = stats[i]
        if 0.25 * h <= ch <= 0.95 * h and 0.08 * ch <= cw <= 1.3 * ch and area >= 0.1 * cw * ch:
            count += 1
    return count


def count_char_blobs(crop: U8Image) -> int:
    """Character-sized connected components in either polarity (dark on light or light on dark).

    Each polarity is also counted with a rim's straight lines taken out: a plate whose rim is
    painted in its characters' colour joins every character that touches the rim into one
    component with it, and counted so, such a plate showed two or three blobs and was dropped."""
    grey: Any = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    grey = cv2.resize(grey, (max(16, round(grey.shape[1] * 40 / grey.shape[0])), 40))
    best = 0
    for flag in (cv2.THRESH_BINARY_INV, cv2.THRESH_BINARY):
        _, bw = cv2.threshold(grey, 0, 255, flag | cv2.THRESH_OTSU)
        bw = np.asarray(bw, np.uint8)
        best = max(best, _blob_count(bw))
        rim = _rim_lines(bw)
        if rim is not None:
            best = max(best, _blob_count(np.asarray(cv2.subtract(bw, rim), np.uint8)))
    return best


def _regions(grey: U8Image, bgr: U8Image) -> list[Any]:
    """Contours of edge-dense and plate-coloured regions."""
    w = grey.shape[1]
    contours: list[Any] = []
    # Dense vertical strokes: characters.
    gx = cv2.Sobel(grey, cv2.CV_16S, 1, 0, ksize=3)
    edges = cv2.convertScaleAbs(gx)
    edges = cv2.GaussianBlur(edges, (5, 5), 0)
    _, bw = cv2.threshold(edges, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    for kw in (max(9, w // 60), max(15, w // 35)):
        closed = cv2.morphologyEx(
            bw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kw, max(3, kw // 4)))
        )
        opened = cv2.morphologyEx(
            closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kw // 2, 3))
        )
        found, _ = cv2.findContours(opened, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        contours.extend(found)
    # Plate backgrounds: bright low-saturation (white), yellow, blue, green, orange.
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    masks = [
        cv2.inRange(hsv, (10, 90, 110), (35, 255, 255)),  # yellow / orange
        cv2.inRange(hsv, (90, 80, 90), (120, 255, 255)),  # blue (EV)
        cv2.inRange(hsv, (40, 80, 50), (85, 255, 200)),  # green
        cv2.inRange(hsv, (0, 0, 170), (180, 50, 255)),  # white
    ]
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (max(5, w // 100), 3))
    for mask in masks:
        closed_mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, k)
        found, _ = cv2.findContours(closed_mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        contours.extend(found)
    return contours


def _intersection(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    """The area two (x, y, w, h) boxes share."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    return ix * iy


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    inter = _intersection(a, b)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def holds_as_line(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int]) -> bool:
    """Whether ``outer`` is shaped like a two-line plate and ``inner`` like one of its lines.

    A two-line plate's lower line alone often counts more characters than the whole plate and
    so ranks above it; suppressed by that line, the whole plate, region and all, was never
    read. The reader reads both and keeps the better read of the place, or the whole plate's
    where it ends with the line's (``reader.without_line_reads``)."""
    _, _, ow, oh = outer
    _, _, iw, ih = inner
    if not 1.3 <= ow / max(oh, 1) <= 3.0:
        return False
    return _intersection(outer, inner) >= 0.85 * iw * ih and iw >= 0.5 * ow and ih <= 0.75 * oh


def same_place(box: tuple[int, int, int, int], kept: tuple[int, int, int, int]) -> bool:
    """Whether a candidate ``box`` stands for the same place as a box already ``kept`` and so
    gives way to it: it overlaps it (IoU > 0.3), unless it holds it as a line
    (``holds_as_line``), where the whole two-line plate is kept beside its line."""
    return _iou(box, kept) > 0.3 and not holds_as_line(box, kept)


def box_iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    return _iou(a, b)


def find_plates(image: U8Image, max_candidates: int = 6) -> list[Candidate]:
    """Plate candidates in a BGR frame, best first."""
    if image.ndim == 2:
        image = np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), np.uint8)
    h0, w0 = image.shape[:2]
    scale = min(1.0, WORK_WIDTH / w0)
    small = (
        np.asarray(cv2.resize(image, (round(w0 * scale), round(h0 * scale))), np.uint8)
        if scale < 1
        else image
    )
    grey = np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), np.uint8)
    h, w = grey.shape
    area_img = h * w
    scored: list[tuple[float, Quad]] = []
    seen: list[tuple[int, int, int, int]] = []
    for c in _regions(grey, small):
        area = cv2.contourArea(c)
        if area < 150 or area > 0.15 * area_img:
            continue
        rect = cv2.minAreaRect(c)
        (rw, rh) = rect[1]
        if min(rw, rh) < 8:
            continue
        aspect = max(rw, rh) / min(rw, rh)
        if not MIN_ASPECT <= aspect <= MAX_ASPECT:
            continue
        fill = area / (rw * rh)
        if fill < 0.45:
            continue
        quad = order_corners(np.asarray(cv2.boxPoints(rect), np.float32))
        # Snap near-horizontal boxes: a small rotation is more often noise than a tilted plate.
        x, y, bw, bh = cv2.boundingRect(c)
        box = (x, y, bw, bh)
        if any(_iou(box, s) > 0.7 for s in seen):
            continue
        seen.append(box)
        crop = rectify(grey, expand_quad(quad, 0.04, 0.1), 40)
        blobs = count_char_blobs(crop)
        if blobs < MIN_BLOBS:
            continue
        # Prefer 5–9 character blobs and plate-like aspect ratios (about 2 or about 4.7).
        blob_score = min(blobs, 9) - max(0, blobs - 9)
        aspect_score = max(1 - abs(aspect - 4.7) / 3, 1 - abs(aspect - 2.0) / 1.0, 0)
        scored.append((blob_score + 2 * aspect_score + fill, quad))
    scored.sort(key=lambda s: -s[0])
    out: list[Candidate] = []
    boxes: list[tuple[int, int, int, int]] = []
    for score, quad in scored:
        full = (quad / scale).astype(np.float32)
        cand_box = Candidate(full, score, np.zeros((1, 1, 3), np.uint8)).box
        if any(same_place(cand_box, b) for b in boxes):
            continue
        boxes.append(cand_box)
        expanded = expand_quad(full, 0.06, 0.16)
        crop = rectify(image, expanded, 64)
        out.append(Candidate(full, score, crop))
        if len(out) >= max_candidates:
            break
    return out
