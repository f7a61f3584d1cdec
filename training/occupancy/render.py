"""Synthetic parking-space patches for training the occupancy classifier.

Everything here is drawn from scratch with numpy and OpenCV: no photograph is used. A scene is
laid out top-down (a row of spaces, the rows in front of and behind it), cars are drawn as
extruded rounded boxes (body sides, wheels, glass cabin, roof, lights) leaning along one global
"camera" direction so that their sides show as an oblique camera would see them, then the scene
is warped through a random camera homography and the patch around the middle space is cut out,
either rectified (as ``qrpark.occupancy.crop.warp_space`` does from a polygon) or as an upright
bounding box of the projected space (as fixed-camera data sets cut their patches). Strong
photometric changes follow: shadows of trees, night, rain, glare, haze, blur, noise, JPEG.

A patch is *busy* when a car's footprint centre lies in the middle space; neighbours, people,
motorbikes, stains, shadows and cars of other rows intruding at the edges do not make it busy.

Every random choice that belongs to a camera rather than to one moment (elevation, yaw, lens,
crop, light, weather, colour cast, compression, which cars) can be pinned with a :class:`Style`.
Training draws all of them at random (``style=None``); :mod:`training.occupancy.shifted` pins
them to build held-out "virtual cameras". :mod:`training.occupancy.fixed` also keeps a place, a
camera's settings and the parked cars from one moment to the next (``render_patch``'s
``moment``, ``camera`` and ``lot`` arguments), to watch the same spaces through a day.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import cv2
import numpy as np

SPACE_W = 60  # world pixels across a space
SPACE_L = 110  # world pixels along a space
CANVAS_W = SPACE_W * 4
CANVAS_H = SPACE_L * 3 + 80
RENDER = 128  # patches are drawn at this size, then area-resized to the requested one

Rng = np.random.Generator
Pt = tuple[float, float]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Style:
    """What one fixed camera pins; ``None`` leaves that choice random per patch.

    ``lean``: how far car tops shift in the image, in space widths (0 = straight down, 1.5 =
    a low camera). ``view``: direction of that shift (radians). ``squash``, ``shrink``, ``skew``,
    ``turn``: the camera homography (foreshortening, far-edge shortening, shear, rotation).
    ``crop``: ``"rectified"`` or ``"bbox"``; ``margin``: patch size relative to the space;
    ``offset``: patch shift along the lean (fraction of it). ``light``: one of ``day``,
    ``overcast``, ``dusk``, ``night``, ``rain``, ``glare``, ``haze``. ``contrast``, ``gamma``,
    ``saturation``, ``cast`` (BGR gains), ``blur`` (sigma), ``lowres`` (scale), ``noise``
    (sigma), ``jpeg`` (quality). ``shadows``: probability of tree shadows; ``sun``: car shadow
    length. ``occupancy``: share of neighbouring spaces taken; ``intrude``: probability that a
    neighbour stands over the line of a free space. ``ground_cars``: probability that a car's
    colour matches the ground. ``clutter``: probability of people or a motorbike in the space.
    """

    lean: float | None = None
    view: float | None = None
    squash: float | None = None
    shrink: float | None = None
    skew: float | None = None
    turn: float | None = None
    crop: str | None = None
    margin: float | None = None
    offset: float | None = None
    light: str | None = None
    contrast: float | None = None
    gamma: float | None = None
    saturation: float | None = None
    cast: tuple[float, float, float] | None = None
    blur: float | None = None
    lowres: float | None = None
    noise: float | None = None
    jpeg: int | None = None
    shadows: float | None = None
    sun: float | None = None
    occupancy: float | None = None
    intrude: float | None = None
    ground_cars: float | None = None
    clutter: float | None = None


RANDOM = Style()


def _pick(value: T | None, draw: Callable[[], T]) -> T:
    """The camera's pinned ``value``, or a fresh random draw."""
    return draw() if value is None else value


# Common car colours (BGR) weighted roughly as they appear in European car parks.
_PALETTE: list[tuple[tuple[int, int, int], float]] = [
    ((235, 235, 235), 0.20),  # white
    ((190, 190, 185), 0.14),  # silver
    ((120, 120, 118), 0.12),  # grey
    ((30, 30, 30), 0.16),  # black
    ((110, 50, 20), 0.07),  # dark blue
    ((40, 40, 170), 0.08),  # red
    ((160, 90, 30), 0.05),  # blue
    ((40, 80, 30), 0.03),  # dark green
    ((150, 190, 210), 0.04),  # beige
    ((30, 190, 230), 0.02),  # yellow
]


def _car_colour(rng: Rng, ground: float, ground_cars: float) -> np.ndarray:
    if rng.random() < ground_cars:  # grey or black car of nearly the asphalt's brightness
        return np.clip(ground + rng.normal(0, 14) + rng.normal(0, 3, 3), 0, 255).astype(np.float32)
    if rng.random() < 0.12:
        hsv = np.uint8([[[rng.integers(0, 180), rng.integers(40, 255), rng.integers(30, 255)]]])
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32)
    weights = np.array([w for _, w in _PALETTE])
    idx = rng.choice(len(_PALETTE), p=weights / weights.sum())
    base = np.array(_PALETTE[idx][0], dtype=np.float32)
    return np.clip(base + rng.normal(0, 12, 3), 0, 255).astype(np.float32)


def _smooth_noise(rng: Rng, h: int, w: int, cells: int) -> np.ndarray:
    """Value noise in [0, 1] with about ``cells`` blobs across."""
    small = rng.random((max(2, cells * h // w + 1), cells + 1)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _ground(rng: Rng) -> np.ndarray:
    h, w = CANVAS_H, CANVAS_W
    kind = rng.random()
    if kind < 0.75:  # asphalt
        level = rng.uniform(55, 165)
        tint = rng.normal(0, 5, 3)
    elif kind < 0.88:  # concrete or pale paving
        level = rng.uniform(140, 200)
        tint = rng.normal(0, 6, 3) + np.array([-4, 0, 4])
    else:  # brownish gravel or dirt
        level = rng.uniform(90, 170)
        tint = np.array([-20, -5, 12]) + rng.normal(0, 6, 3)
    base = np.full((h, w, 3), level, np.float32) + tint.astype(np.float32)
    low = (_smooth_noise(rng, h, w, int(rng.integers(2, 8))) - 0.5) * rng.uniform(10, 40)
    mid = (_smooth_noise(rng, h, w, int(rng.integers(15, 40))) - 0.5) * rng.uniform(5, 25)
    grain = rng.normal(0, rng.uniform(3, 14), (h, w)).astype(np.float32)
    base += (low + mid + grain)[..., None]
    if kind >= 0.75 and rng.random() < 0.5:  # paving joints
        step = int(rng.integers(12, 30))
        joint = np.zeros((h, w), np.float32)
        joint[::step, :] = 1
        joint[:, :: int(step * rng.uniform(1, 2))] = 1
        base -= joint[..., None] * rng.uniform(10, 35)
    for _ in range(int(rng.integers(0, 4))):  # cracks and tar repairs
        pts = np.cumsum(rng.normal(0, 12, (8, 2)), axis=0) + rng.uniform(0, [w, h])
        cv2.polylines(
            base, [pts.astype(np.int32)], False, (level * 0.6,) * 3, int(rng.integers(1, 3))
        )
    return base


def _paint_lines(rng: Rng, img: np.ndarray, rows: list[float]) -> None:
    if rng.random() < 0.1:
        return  # unmarked lot
    colour = (
        np.array([235, 240, 240]) if rng.random() < 0.8 else np.array([40, 200, 230])
    ) * rng.uniform(0.7, 1.0)
    alpha = rng.uniform(0.35, 1.0)
    thick = int(rng.integers(2, 5))
    layer = np.zeros(img.shape[:2], np.float32)
    t_only = rng.random() < 0.15
    offset = rng.uniform(-4, 4)
    for top in rows:
        for k in range(5):
            x = int((k + 0.5) * SPACE_W + offset)
            y0, y1 = int(top), int(top + SPACE_L)
            if t_only:
                y1 = int(top + 18)
            cv2.line(layer, (x, y0), (x, y1), 1.0, thick)
        if rng.random() < 0.4:
            cv2.line(layer, (0, int(top + SPACE_L)), (CANVAS_W, int(top + SPACE_L)), 1.0, thick)
    if rng.random() < 0.5:  # worn paint
        layer *= _smooth_noise(rng, *layer.shape, int(rng.integers(10, 40))) > rng.uniform(0, 0.5)
    layer = cv2.GaussianBlur(layer, (3, 3), 0) * alpha
    img[:] = img * (1 - layer[..., None]) + colour * layer[..., None]


_ARC = np.linspace(0, math.pi / 2, 4)
_ARC_ANGLES = np.concatenate([_ARC + i * math.pi / 2 for i in range(4)])
_ARC_COS, _ARC_SIN = np.cos(_ARC_ANGLES), np.sin(_ARC_ANGLES)
_ARC_SIGN = np.repeat(np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], np.float64), 4, axis=0)


def _rounded_rect(cx: float, cy: float, w: float, h: float, ang: float, r: float) -> np.ndarray:
    """Polygon (N, 2) of a rounded rectangle of size w × h centred at (cx, cy) turned by ang."""
    r = max(0.0, min(r, w / 2 - 0.5, h / 2 - 0.5))
    x = _ARC_SIGN[:, 0] * (w / 2 - r) + r * _ARC_COS
    y = _ARC_SIGN[:, 1] * (h / 2 - r) + r * _ARC_SIN
    c, s = math.cos(ang), math.sin(ang)
    return np.stack([x * c - y * s + cx, x * s + y * c + cy], axis=1).astype(np.float32)


def _fill(img: np.ndarray, poly: np.ndarray, colour: np.ndarray | tuple[float, ...]) -> None:
    cv2.fillPoly(img, [np.round(poly * 4).astype(np.int32)], tuple(map(float, colour)), 16, 2)


def _hull(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return cv2.convexHull(np.concatenate([a, b]).astype(np.float32)).reshape(-1, 2)


def _roi(img: np.ndarray, poly: np.ndarray, pad: int) -> tuple[int, int, int, int]:
    lo = np.floor(poly.min(axis=0)).astype(int) - pad
    hi = np.ceil(poly.max(axis=0)).astype(int) + pad
    h, w = img.shape[:2]
    return max(0, lo[0]), max(0, lo[1]), min(w, hi[0]), min(h, hi[1])


def _shadow(rng: Rng, img: np.ndarray, poly: np.ndarray, shift: np.ndarray, k: float) -> None:
    blur = int(rng.integers(1, 5)) * 2 + 1
    x0, y0, x1, y1 = _roi(img, poly + shift, blur)
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.float32)
    _fill(mask, poly + shift - np.array([x0, y0], np.float32), (1.0,))
    mask = cv2.GaussianBlur(mask, (blur, blur), 0)
    img[y0:y1, x0:x1] *= 1 - mask[..., None] * k


def _draw_car(
    rng: Rng,
    img: np.ndarray,
    cx: float,
    cy: float,
    lean: np.ndarray,
    sun: np.ndarray,
    colour: np.ndarray,
) -> None:
    """Draw one car whose footprint is centred at (cx, cy); ``lean`` is the camera height vector."""
    kind = rng.random()
    length = SPACE_L * (rng.uniform(0.85, 1.02) if kind < 0.15 else rng.uniform(0.66, 0.9))
    width = SPACE_W * rng.uniform(0.68, 0.86)
    ang = rng.normal(0, 0.06) + (math.pi if rng.random() < 0.5 else 0.0)
    ang += math.pi / 2  # cars lie along the space (vertical in the world)
    body_h = rng.uniform(0.35, 0.55) * (1.3 if kind < 0.15 else 1.0)
    roof_h = body_h + rng.uniform(0.35, 0.6) * (1.2 if kind < 0.15 else 1.0)
    base = _rounded_rect(cx, cy, length * 0.96, width * 0.92, ang, width * 0.2)
    top = _rounded_rect(cx, cy, length, width, ang, width * 0.25) + lean * body_h
    _shadow(rng, img, _hull(base, base + sun), np.zeros(2, np.float32), rng.uniform(0.35, 0.7))
    side = colour * rng.uniform(0.45, 0.75)
    _fill(img, _hull(base, top), side)
    c, s = math.cos(ang), math.sin(ang)
    axis, across = np.array([c, s]), np.array([-s, c])
    for sx in (-0.32, 0.32):
        for sy in (-0.45, 0.45):
            p = np.array([cx, cy]) + axis * sx * length + across * sy * width
            wheel = _rounded_rect(p[0], p[1], length * 0.16, width * 0.16, ang, 2)
            _fill(img, wheel, (rng.uniform(15, 40),) * 3)
    _fill(img, top, colour)
    # glass cabin and roof
    cab_off = rng.uniform(-0.1, 0.05) * length
    cab_len = length * (rng.uniform(0.55, 0.85) if kind < 0.15 else rng.uniform(0.42, 0.58))
    ccx, ccy = np.array([cx, cy]) + axis * cab_off
    glass_lo = _rounded_rect(ccx, ccy, cab_len, width * 0.86, ang, width * 0.15) + lean * body_h
    roof_len = cab_len * rng.uniform(0.55, 0.8)
    roof = _rounded_rect(ccx, ccy, roof_len, width * 0.74, ang, width * 0.12) + lean * roof_h
    glass = np.array([rng.uniform(20, 70)] * 3) + rng.normal(0, 8, 3)
    _fill(img, _hull(glass_lo, roof), glass)
    if rng.random() < 0.6:  # sky reflection streak on the glass
        streak = _rounded_rect(ccx, ccy, cab_len * 0.9, width * 0.1, ang + rng.normal(0, 0.4), 1)
        _fill(img, streak + lean * (body_h + roof_h) / 2, glass + rng.uniform(30, 120))
    roof_col = colour if rng.random() < 0.9 else np.array([25.0, 25.0, 25.0])
    _fill(img, roof, roof_col * rng.uniform(0.9, 1.1))
    # lights and plates at both ends
    for end, col in ((0.5, (200, 230, 240)), (-0.5, (40, 40, 200))):
        for sy in (-0.33, 0.33):
            p = np.array([cx, cy]) + axis * end * length * 0.97 + across * sy * width
            p = p + lean * body_h * 0.8
            _fill(img, _rounded_rect(p[0], p[1], 3, width * 0.16, ang, 1), col)
        if rng.random() < 0.7:
            p = np.array([cx, cy]) + axis * end * length * 0.99 + lean * body_h * 0.5
            _fill(img, _rounded_rect(p[0], p[1], 2.5, width * 0.3, ang, 0.5), (225, 225, 225))
    # specular gradient over the whole car
    if rng.random() < 0.7:
        hull = _hull(base, roof)
        x0, y0, x1, y1 = _roi(img, hull, 1)
        if x1 > x0 and y1 > y0:
            mask = np.zeros((y1 - y0, x1 - x0), np.float32)
            _fill(mask, hull - np.array([x0, y0], np.float32), (1.0,))
            ramp = _smooth_noise(rng, *mask.shape, 3) * rng.uniform(0.1, 0.35)
            gain = 255 * (0.3 if colour.mean() > 180 else 1.0)
            img[y0:y1, x0:x1] += (mask * ramp)[..., None] * gain


def _draw_person(rng: Rng, img: np.ndarray, x: float, y: float, lean: np.ndarray) -> None:
    cloth = rng.uniform(20, 220, 3)
    body = _rounded_rect(x, y, 9, 6, rng.uniform(0, math.pi), 3)
    _shadow(rng, img, body, lean * -0.8 + rng.normal(0, 3, 2), 0.5)
    torso = _hull(body, body + lean * 0.9)
    _fill(img, torso, cloth)
    head = _rounded_rect(*(np.array([x, y]) + lean * 1.05), 5, 5, 0, 2.5)
    _fill(img, head, rng.uniform(30, 200) * np.array([0.6, 0.75, 1.0]))


def _draw_motorbike(rng: Rng, img: np.ndarray, x: float, y: float, lean: np.ndarray) -> None:
    """A parked motorbike or scooter: not a car, so it does not make a space busy."""
    ang = math.pi / 2 + rng.normal(0, 0.3)
    base = _rounded_rect(x, y, SPACE_L * rng.uniform(0.25, 0.35), SPACE_W * 0.12, ang, 2)
    _shadow(rng, img, base, rng.normal(0, 4, 2).astype(np.float32), 0.5)
    _fill(img, _hull(base, base + lean * 0.35), rng.uniform(15, 200, 3))
    seat = _rounded_rect(x, y, SPACE_L * 0.12, SPACE_W * 0.1, ang, 2) + lean * 0.4
    _fill(img, seat, (rng.uniform(10, 40),) * 3)


def _clutter(
    rng: Rng,
    img: np.ndarray,
    cx: float,
    cy: float,
    lean: np.ndarray,
    clutter: float,
    passers: Rng | None = None,
) -> None:
    """Things that are not cars inside a space: stains, leaves, manholes, symbols, people.

    ``passers`` draws the people and motorbikes (they come and go); by default ``rng`` does.
    """
    if rng.random() < 0.35:  # oil or water stain
        r = rng.uniform(5, 20)
        m = np.zeros(img.shape[:2], np.float32)
        cv2.ellipse(
            m,
            (int(cx + rng.normal(0, 10)), int(cy + rng.normal(0, 20))),
            (int(r), int(r * rng.uniform(0.4, 1))),
            rng.uniform(0, 180),
            0,
            360,
            1.0,
            -1,
        )
        m = cv2.GaussianBlur(m, (9, 9), 0) * rng.uniform(0.2, 0.6)
        img *= 1 - m[..., None]
    if rng.random() < 0.12:  # manhole or drain
        cv2.circle(
            img, (int(cx + rng.normal(0, 12)), int(cy + rng.normal(0, 25))), 8, (50, 50, 55), -1
        )
    if rng.random() < 0.15:  # painted symbol (wheelchair box, number, arrow)
        col = (230, 230, 230) if rng.random() < 0.7 else (200, 120, 30)
        x0, y0 = int(cx - 12), int(cy - 12 + rng.normal(0, 15))
        cv2.rectangle(img, (x0, y0), (x0 + 24, y0 + 24), col, int(rng.integers(1, 4)))
        if rng.random() < 0.5:
            cv2.circle(img, (x0 + 12, y0 + 12), 6, col, 2)
    if rng.random() < 0.2:  # fallen leaves
        for _ in range(int(rng.integers(5, 40))):
            p = (int(cx + rng.normal(0, 25)), int(cy + rng.normal(0, 45)))
            col = (rng.uniform(10, 60), rng.uniform(60, 140), rng.uniform(80, 160))
            cv2.circle(img, p, int(rng.integers(1, 3)), col, -1)
    m = rng if passers is None else passers
    if m.random() < clutter:  # a person or two walking through
        for _ in range(int(m.integers(1, 3))):
            _draw_person(m, img, cx + m.normal(0, 15), cy + m.normal(0, 30), lean)
    if m.random() < clutter / 2:
        _draw_motorbike(m, img, cx + m.normal(0, 12), cy + m.normal(0, 25), lean)


def _tree_shadows(rng: Rng, img: np.ndarray, strength: float) -> None:
    n = _smooth_noise(rng, img.shape[0], img.shape[1], int(rng.integers(3, 12)))
    fine = _smooth_noise(rng, img.shape[0], img.shape[1], int(rng.integers(25, 60)))
    mask = ((n * 0.7 + fine * 0.3) > rng.uniform(0.45, 0.65)).astype(np.float32)
    mask = cv2.GaussianBlur(mask, (5, 5), 0)
    img *= 1 - mask[..., None] * strength


def _camera(rng: Rng, centre: np.ndarray, style: Style) -> np.ndarray:
    """A random homography from the world to a camera image (rotation, tilt, zoom)."""
    half = np.array([SPACE_W, SPACE_L], np.float32) * 0.5
    src = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32) * half + centre
    shrink = _pick(style.shrink, lambda: rng.uniform(0.4, 1.0))  # far edge shorter than near
    skew = _pick(style.skew, lambda: rng.uniform(-0.6, 0.6))
    squash = _pick(style.squash, lambda: rng.uniform(0.25, 1.0))  # foreshortening
    dst = np.array(
        [[-shrink + skew, -squash], [shrink + skew, -squash], [1, squash], [-1, squash]],
        np.float32,
    ) * np.array([SPACE_W * 0.5, SPACE_L * 0.5], np.float32)
    ang = _pick(
        style.turn,
        lambda: float(rng.choice([0.0, math.pi / 2, math.pi, -math.pi / 2]) + rng.normal(0, 0.3)),
    )
    c, s = math.cos(ang), math.sin(ang)
    dst = dst @ np.array([[c, -s], [s, c]], np.float32).T + 400
    return cv2.getPerspectiveTransform(src, dst.astype(np.float32))


def _project(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return cv2.perspectiveTransform(pts.reshape(-1, 1, 2).astype(np.float32), h).reshape(-1, 2)


_LIGHTS = ("day", "overcast", "dusk", "night", "rain", "glare", "haze")
_LIGHT_P = np.array([0.42, 0.14, 0.08, 0.1, 0.12, 0.08, 0.06])


def _photometric(rng: Rng, img: np.ndarray, style: Style, fixed: Rng | None = None) -> np.ndarray:
    """Light, weather and the camera's own rendering; ``fixed`` draws what a camera keeps.

    ``fixed`` (default ``rng``) draws the light of the day and the camera's contrast, colour
    cast, saturation, gamma, blur, resolution, noise level and JPEG quality; ``rng`` the rest.
    """
    cam = rng if fixed is None else fixed
    h, w = img.shape[:2]
    out = img.astype(np.float32)
    gx = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    gy = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    a = rng.uniform(0, 2 * math.pi)
    ramp = 1 + (math.cos(a) * gx + math.sin(a) * gy) * rng.uniform(0, 0.35)
    out *= ramp[..., None]
    light = _pick(style.light, lambda: str(cam.choice(_LIGHTS, p=_LIGHT_P)))
    if light == "night":  # dark, noisy, often monochrome infrared or sodium-lit
        out *= rng.uniform(0.12, 0.4)
        if rng.random() < 0.4:
            out = out.mean(axis=2, keepdims=True).repeat(3, axis=2) * rng.uniform(1.5, 3)
        elif rng.random() < 0.5:
            out *= np.array([0.55, 0.8, 1.2], np.float32)
        if rng.random() < 0.4:  # lamp or headlight pool
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            d = ((gx * w / 2 - cx + w / 2) ** 2 + (gy * h / 2 - cy + h / 2) ** 2) / (w * w)
            out += (np.exp(-d * rng.uniform(3, 20)) * rng.uniform(40, 160))[..., None]
    elif light == "dusk":  # dim and warm
        out = out * rng.uniform(0.35, 0.65) * np.array([0.75, 0.9, 1.15], np.float32)
    elif light == "overcast":  # flat and grey
        mean = out.mean()
        out = (out - mean) * rng.uniform(0.5, 0.8) + mean * rng.uniform(0.9, 1.2)
    elif light == "rain":  # low contrast, wet sheen, streaks
        out = out * rng.uniform(0.6, 0.9) + rng.uniform(10, 40)
        streaks = np.zeros((h, w), np.float32)
        for _ in range(int(rng.integers(20, 120))):
            x, y = rng.uniform(0, w), rng.uniform(0, h)
            ln, tilt = rng.uniform(4, 14), rng.normal(0, 2)
            cv2.line(streaks, (int(x), int(y)), (int(x + tilt), int(y + ln)), 1.0, 1)
        out += (streaks * rng.uniform(20, 70))[..., None]
    elif light == "glare":  # low sun in the lens or overexposure
        cx, cy = rng.uniform(-0.5, 1.5) * w, rng.uniform(-0.5, 1.5) * h
        d = ((gx * w / 2 - cx + w / 2) ** 2 + (gy * h / 2 - cy + h / 2) ** 2) / (w * w)
        out += (np.exp(-d * rng.uniform(1, 8)) * rng.uniform(60, 220))[..., None]
    elif light == "haze":
        k = rng.uniform(0.2, 0.6)
        out = out * (1 - k) + rng.uniform(150, 220) * k
    # global brightness, contrast, gamma, colour balance, saturation
    contrast = _pick(style.contrast, lambda: cam.uniform(0.5, 1.4))
    out = (out - 128) * contrast + 128 + rng.normal(0, 20)
    cast = _pick(style.cast, lambda: tuple(cam.uniform(0.8, 1.2, 3)))
    out *= np.asarray(cast, np.float32) * rng.uniform(0.97, 1.03, 3).astype(np.float32)
    grey = out.mean(axis=2, keepdims=True)
    sat = _pick(style.saturation, lambda: 0.0 if cam.random() < 0.1 else cam.uniform(0.4, 1.4))
    out = grey + (out - grey) * sat
    out = np.clip(out, 0, 255)
    out = 255 * (out / 255) ** _pick(style.gamma, lambda: cam.uniform(0.6, 1.6))
    blur = _pick(style.blur, lambda: cam.uniform(0.3, 2.2) if cam.random() < 0.6 else 0.0)
    if blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    lowres = _pick(style.lowres, lambda: cam.uniform(0.2, 0.6) if cam.random() < 0.3 else 1.0)
    if lowres < 1:  # low-resolution camera
        small = cv2.resize(out, (max(8, int(w * lowres)), max(8, int(h * lowres))), cv2.INTER_AREA)
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    out += rng.normal(0, _pick(style.noise, lambda: cam.uniform(0, 14)), out.shape).astype(
        np.float32
    )
    result = np.clip(out, 0, 255).astype(np.uint8)
    quality = _pick(style.jpeg, lambda: int(cam.integers(15, 95)) if cam.random() < 0.7 else 100)
    if quality < 100:
        ok, buf = cv2.imencode(".jpg", result, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            result = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return result


def _parked(
    lot: Sequence[Sequence[int | None]], busy: bool, row_tops: list[float], intrude: float
) -> list[tuple[float, float, Rng]]:
    """The cars of a pinned ``lot`` (see :func:`render_patch`): centre and looks generator."""
    if len(lot) != 3 or any(len(row) != 4 for row in lot):
        raise ValueError("lot must be three rows of four spaces")
    if (lot[1][2] is not None) != busy:
        raise ValueError("lot and busy disagree about the middle space")
    cars = []
    for r, top in enumerate(row_tops):
        for k, seed in enumerate(lot[r]):
            if seed is None:
                continue
            looks = np.random.default_rng(seed)
            cx, cy = k * SPACE_W, top + SPACE_L / 2
            if r == 1 and k == 2:
                cx += looks.normal(0, 0.07) * SPACE_W
                cy += looks.normal(0, 0.07) * SPACE_L
            else:
                cx += looks.normal(0, 3)
                cy += looks.normal(0, 5)
                if r == 1 and k in (1, 3) and not busy and looks.random() < intrude:
                    cx += (2 - k) * SPACE_W * looks.uniform(0.15, 0.35)  # over the line
            cars.append((cx, cy, looks))
    return cars


def render_patch(
    rng: Rng,
    busy: bool,
    size: int = 64,
    style: Style = RANDOM,
    *,
    moment: Rng | None = None,
    camera: Rng | None = None,
    lot: Sequence[Sequence[int | None]] | None = None,
) -> np.ndarray:
    """Render one synthetic patch (``size`` × ``size`` BGR uint8) of a busy or free space.

    ``style`` pins the camera's choices (see :class:`Style`); by default all are random.
    ``moment``, when given, draws everything that changes while the camera stays put: the sun,
    the cars (this space's and its neighbours'), people and motorbikes, and the light and
    weather; ``rng`` then draws only the place (ground, paint, stains, trees, camera and crop),
    and the same ``rng`` state gives the same place whatever ``busy`` is. Without ``moment``
    one generator draws everything, in the order training has always drawn it. ``camera``, when
    given, draws what a camera keeps all day (see :func:`_photometric`); it defaults to
    ``moment``.

    ``lot``, when given, says which cars stand where: three rows of four spaces (this space is
    row 1, column 2), each a seed or ``None`` for an empty space. A seed draws its car's place
    in the space and its looks, so the same seed gives the same car at every moment; a car
    beside a free space may stand over the line (``style.intrude``). Without ``lot`` the
    neighbours are drawn at random from ``style.occupancy``.

    Raises:
        ValueError: ``lot`` is not 3×4, or disagrees with ``busy`` about this space.
    """
    now = rng if moment is None else moment
    img = _ground(rng)
    aisle = rng.uniform(0, 70)
    row_tops = [10.0, 10.0 + SPACE_L + aisle, 10.0 + 2 * SPACE_L + aisle * 2]
    row_tops = [min(t, CANVAS_H - SPACE_L - 2) for t in row_tops]
    _paint_lines(rng, img, row_tops)
    centre = np.array([2.0 * SPACE_W, row_tops[1] + SPACE_L / 2], np.float32)
    ground = float(img[int(row_tops[1]) : int(row_tops[1] + SPACE_L)].mean())
    # the camera looks along a direction; car tops lean away from it, more for a low camera
    view = _pick(style.view, lambda: rng.uniform(0, 2 * math.pi)) + rng.normal(0, 0.05)
    elevation = _pick(style.lean, lambda: rng.uniform(0, 1.4)) * rng.uniform(0.9, 1.1)
    lean = np.array([math.cos(view), math.sin(view)], np.float32) * elevation * SPACE_W
    sun_len = _pick(style.sun, lambda: now.uniform(15, 40) if now.random() < 0.2 else 4.0)
    sun_dir = now.uniform(0, 2 * math.pi)
    sun = (np.array([math.cos(sun_dir), math.sin(sun_dir)]) * sun_len).astype(np.float32)
    occupancy = _pick(style.occupancy, lambda: now.uniform(0.3, 1.0))
    intrude = _pick(style.intrude, lambda: 0.3)
    ground_cars = _pick(style.ground_cars, lambda: 0.12)
    cars: list[tuple[float, float, Rng]] = []
    if lot is not None:
        cars = _parked(lot, busy, row_tops, intrude)
    for r, top in enumerate(row_tops if lot is None else []):
        for k in range(4):
            cx, cy = k * SPACE_W, top + SPACE_L / 2
            if r == 1 and k == 2:
                _clutter(rng, img, cx, cy, lean, _pick(style.clutter, lambda: 0.15), now)
                if busy:
                    jx = now.normal(0, 0.07) * SPACE_W
                    jy = now.normal(0, 0.07) * SPACE_L
                    cars.append((cx + jx, cy + jy, now))
                elif now.random() < intrude:  # a neighbour parked over the line
                    side = 1 if now.random() < 0.5 else -1
                    cars.append((cx + side * SPACE_W * now.uniform(0.65, 0.85), cy, now))
                continue
            if now.random() < occupancy and not any(
                abs(cx - ox) < SPACE_W * 0.8 and abs(cy - oy) < SPACE_L * 0.5 for ox, oy, _ in cars
            ):
                cars.append((cx + now.normal(0, 3), cy + now.normal(0, 5), now))
    if lot is not None:
        _clutter(
            rng,
            img,
            2 * SPACE_W,
            row_tops[1] + SPACE_L / 2,
            lean,
            _pick(style.clutter, lambda: 0.15),
            now,
        )
    # draw far cars first so that nearer ones overlap them (painter's order along the lean)
    cars.sort(key=lambda p: -(p[0] * lean[0] + p[1] * lean[1]))
    for cx, cy, looks in cars:
        _draw_car(looks, img, cx, cy, lean, sun, _car_colour(looks, ground, ground_cars))
    if rng.random() < _pick(style.shadows, lambda: 0.35):
        _tree_shadows(rng, img, rng.uniform(0.3, 0.7))
    if rng.random() < 0.08:  # foliage hanging in front of the camera
        m = (_smooth_noise(rng, CANVAS_H, CANVAS_W, 10) > rng.uniform(0.6, 0.75)).astype(np.float32)
        leaf = np.array([rng.uniform(20, 60), rng.uniform(60, 120), rng.uniform(30, 70)])
        img[:] = img * (1 - m[..., None]) + leaf * m[..., None]
    img = np.clip(img, 0, 255)

    cam = _camera(rng, centre, style)
    # the patch follows the visible car body: shift the space outline up the lean
    offset = _pick(style.offset, lambda: rng.uniform(0.1, 0.8)) + rng.normal(0, 0.05)
    shift = lean * offset + rng.normal(0, 3, 2)
    tight = _pick(style.margin, lambda: rng.uniform(0.7, 1.45))
    margin = tight * rng.uniform(0.95, 1.05, 2) * np.array([SPACE_W, SPACE_L]) / 2
    space = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32) * margin + centre + shift
    quad = _project(cam, space)
    crop = _pick(style.crop, lambda: "rectified" if rng.random() < 0.5 else "bbox")
    if crop == "rectified":  # rectified from the polygon, as qrpark crops live frames
        start = int(rng.integers(0, 4))
        order = np.roll(quad, -start, axis=0)
        jitter = rng.normal(0, 0.03 * RENDER, (4, 2))
        dst = np.array([[0, 0], [RENDER, 0], [RENDER, RENDER], [0, RENDER]]) + jitter
        fit = cv2.getPerspectiveTransform(order.astype(np.float32), dst.astype(np.float32))
    else:  # upright bounding box of the projected space, as fixed-camera data sets cut
        lo, hi = quad.min(axis=0), quad.max(axis=0)
        side = float((hi - lo).max()) * rng.uniform(0.9, 1.1)
        mid = (lo + hi) / 2 + rng.normal(0, 0.04 * side, 2)
        scale = RENDER / side
        fit = np.array(
            [
                [scale, 0, RENDER / 2 - scale * mid[0]],
                [0, scale, RENDER / 2 - scale * mid[1]],
                [0, 0, 1],
            ],
            np.float64,
        )
        if style.crop is None and rng.random() < 0.5:
            fit = np.diag([-1.0, 1.0, 1.0]) @ fit + np.array([[0, 0, RENDER], [0, 0, 0], [0, 0, 0]])
    total = fit @ cam
    patch = cv2.warpPerspective(
        img.astype(np.float32),
        total,
        (RENDER, RENDER),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )
    patch = _photometric(now, patch, style, camera)
    return cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA)


def render_batch(
    rng: Rng, n: int, size: int = 64, style: Style = RANDOM
) -> tuple[np.ndarray, np.ndarray]:
    """Render ``n`` patches, half busy, in random order: (images N×H×W×3 uint8, labels N)."""
    labels = (np.arange(n) % 2).astype(np.int64)
    rng.shuffle(labels)
    images = np.stack([render_patch(rng, bool(y), size, style) for y in labels])
    return images, labels
