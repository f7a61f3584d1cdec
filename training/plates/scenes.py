"""Synthetic street frames for the learned plate finder, reproducible from a seed.

A frame holds zero to three car fronts or rears, each with a plate (Korean plates from
``generate.render_plate``, European and American-style Latin plates drawn here), among clutter
that looks like plates to a simple detector: signs and stickers with text, striped grilles,
bordered boxes, lights, fences and buildings. The target is every plate's quadrilateral.

Nothing here comes from a photograph: shapes, fonts from Debian packages and noise only.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from training.plates import generate

from qrpark.plates.finder import expand_quad

#: Latin faces (Debian fonts-dejavu-core and -extra, fonts-liberation) for Latin plates and clutter.
LATIN_FONTS: tuple[str, ...] = (
    generate.DEJAVU + "DejaVuSansCondensed-Bold.ttf",
    generate.DEJAVU + "DejaVuSans-Bold.ttf",
    generate.DEJAVU + "DejaVuSansMono-Bold.ttf",
    generate.LIBERATION + "LiberationSansNarrow-Bold.ttf",
    generate.LIBERATION + "LiberationSans-Bold.ttf",
    generate.LIBERATION + "LiberationMono-Bold.ttf",
    generate.LIBERATION + "LiberationSerif-Bold.ttf",
)
#: Bumped whenever the same seed would draw different frames; older versions listed in
#: SCENE_VERSIONS still draw the same bytes as they did.
SCENE_VERSION = 2
SCENE_VERSIONS = (1, 2)


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # BGR uint8
    quads: tuple[np.ndarray, ...]  # each (4, 2) float32, tl tr br bl, in image pixels


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(0, 256, 3))  # type: ignore[return-value]


def _text_image(
    text: str, font_path: str, height: int, ink: tuple[int, int, int], bg: tuple[int, int, int]
) -> np.ndarray:
    """``text`` drawn on ``bg`` (RGB) in a box about ``height`` pixels high."""
    font = ImageFont.truetype(font_path, max(6, height))
    left, top, right, bottom = font.getbbox(text)
    w, h = max(1, right - left), max(1, bottom - top)
    img = Image.new("RGB", (w + 4, h + 4), tuple(int(v) for v in bg))
    ImageDraw.Draw(img).text((2 - left, 2 - top), text, font=font, fill=tuple(int(v) for v in ink))
    return np.asarray(img)


def latin_fonts(strict: bool = False) -> list[str]:
    """The Latin faces found on this machine; ``strict`` refuses a machine that lacks one, as
    training must (a missing face would change what the seed draws)."""
    found = [f for f in LATIN_FONTS if Path(f).exists()]
    if not found or (strict and len(found) < len(LATIN_FONTS)):
        missing = ", ".join(f for f in LATIN_FONTS if f not in found)
        raise RuntimeError(
            f"Latin fonts missing ({missing}): apt-get install -y {generate.FONT_PACKAGES}"
        )
    return found


def _latin_string(rng: np.random.Generator) -> str:
    """Letter and digit groups as European and American plates print them."""
    letters, digits = string.ascii_uppercase, string.digits
    groups = []
    for _ in range(int(rng.integers(2, 4))):
        pool = str(rng.choice([letters, digits, letters + digits]))
        groups.append("".join(rng.choice(list(pool), int(rng.integers(1, 5)))))
    sep = str(rng.choice([" ", "-", "", " "]))
    text = sep.join(groups)[:9]
    while sum(ch.isalnum() for ch in text) < 4:
        text += str(rng.choice(list(letters + digits)))
    return text


def latin_plate(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A flat Latin plate (RGB): European (long, blue band), American (2:1, state name) or
    other; and its characters (letters and digits only, as plate labels write them)."""
    fonts = latin_fonts()
    font = fonts[int(rng.integers(len(fonts)))]
    style = rng.random()
    if style < 0.45:  # European: 520×110, white or yellow, blue band on the left
        w, h = 312, 66
        bg = generate._jitter(rng, (245, 245, 240) if rng.random() < 0.8 else (245, 205, 40), 12)
        ink = generate._jitter(rng, (20, 20, 25), 15)
        img = np.full((h, w, 3), bg, np.uint8)
        band = round(w * rng.uniform(0.07, 0.1))
        cv2.rectangle(img, (0, 0), (band, h), generate._jitter(rng, (30, 60, 160), 20), -1)
        code = _text_image(
            str(rng.choice(["D", "F", "NL", "I", "PL", "B", "E", "CZ"])),
            font,
            h // 4,
            (240, 240, 240),
            img[h - 5, band // 2].tolist(),
        )
        _paste(img, code, band // 2 - code.shape[1] // 2, round(h * 0.62), band, h // 3)
        chars = _latin_string(rng)
        text = _text_image(chars, font, round(h * 0.62), ink, bg)
        _paste(img, text, band + 4, round(h * 0.16), w - band - 8, round(h * 0.7))
    elif style < 0.9:  # American: 2:1, state name on top, light background with a band or art
        w, h = 240, 120
        bg = generate._jitter(rng, (235, 235, 230), 20)
        img = np.full((h, w, 3), bg, np.uint8)
        for _ in range(int(rng.integers(0, 3))):
            c = _colour(rng)
            cv2.ellipse(
                img,
                (int(rng.integers(0, w)), int(rng.integers(h // 2, h + 40))),
                (int(rng.integers(30, 160)), int(rng.integers(10, 60))),
                0,
                0,
                360,
                c,
                -1,
            )
            img = cv2.addWeighted(img, 0.4, np.full_like(img, bg), 0.6, 0)
        ink = generate._jitter(
            rng,
            [(20, 30, 110), (110, 20, 30), (20, 20, 20), (20, 90, 40)][int(rng.integers(4))],
            20,
        )
        state = "".join(rng.choice(list(string.ascii_uppercase), int(rng.integers(4, 12))))
        top = _text_image(state, font, round(h * 0.16), _colour(rng), bg)
        _paste(img, top, round(w * 0.15), round(h * 0.05), round(w * 0.7), round(h * 0.2))
        chars = _latin_string(rng)
        text = _text_image(chars, font, round(h * 0.5), ink, bg)
        _paste(img, text, round(w * 0.06), round(h * 0.28), round(w * 0.88), round(h * 0.5))
        if rng.random() < 0.5:
            low = "".join(rng.choice(list(string.ascii_lowercase + " "), int(rng.integers(6, 20))))
            bottom = _text_image(low, font, round(h * 0.12), _colour(rng), bg)
            _paste(img, bottom, round(w * 0.2), round(h * 0.82), round(w * 0.6), round(h * 0.14))
    else:  # dark plate with light characters, or a coloured one
        w, h = (312, 66) if rng.random() < 0.5 else (240, 120)
        bg = _colour(rng) if rng.random() < 0.5 else generate._jitter(rng, (25, 25, 30), 15)
        ink = (235, 235, 235) if sum(bg) < 380 else (20, 20, 20)
        img = np.full((h, w, 3), bg, np.uint8)
        chars = _latin_string(rng)
        text = _text_image(chars, font, round(h * 0.55), ink, bg)
        _paste(img, text, round(w * 0.05), round(h * 0.2), round(w * 0.9), round(h * 0.6))
    edge = tuple(float(v) * rng.uniform(0.3, 0.8) for v in img[h // 2, w - 3])
    cv2.rectangle(img, (0, 0), (w - 1, h - 1), edge, int(rng.integers(1, 4)))
    return img, "".join(ch for ch in chars if ch.isalnum())


def _paste(img: np.ndarray, part: np.ndarray, x: int, y: int, max_w: int, max_h: int) -> None:
    """Fit ``part`` into the box at (x, y) of at most max_w × max_h, keeping its aspect."""
    ph, pw = part.shape[:2]
    s = min(max_w / pw, max_h / ph)
    nw, nh = max(1, round(pw * s)), max(1, round(ph * s))
    part = cv2.resize(part, (nw, nh), interpolation=cv2.INTER_AREA)
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(img.shape[1], x + nw), min(img.shape[0], y + nh)
    if x1 > x0 and y1 > y0:
        img[y0:y1, x0:x1] = part[y0 - y : y1 - y, x0 - x : x1 - x]


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Road, walls, sky or a blurred colour field, with texture."""
    kind = rng.random()
    if kind < 0.35:
        low = rng.uniform(0, 255, (int(rng.integers(2, 8)), int(rng.integers(2, 8)), 3))
        img = cv2.resize(low.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    else:
        img = np.empty((h, w, 3), np.float32)
        img[:] = rng.uniform(20, 230, 3)
        horizon = int(rng.integers(0, h))
        img[horizon:] = rng.uniform(40, 160) + rng.normal(0, 6, 3)  # road or floor
        if kind > 0.7:  # a building: rows of windows
            bx, by = int(rng.integers(-w // 4, w // 2)), int(rng.integers(-h // 4, h // 3))
            bw, bh = int(rng.integers(w // 4, w)), int(rng.integers(h // 4, h))
            cv2.rectangle(img, (bx, by), (bx + bw, by + bh), rng.uniform(40, 220, 3).tolist(), -1)
            step_x, step_y = int(rng.integers(14, 60)), int(rng.integers(14, 60))
            win = rng.uniform(10, 200, 3).tolist()
            for yy in range(by + 6, by + bh - 6, step_y):
                for xx in range(bx + 6, bx + bw - 6, step_x):
                    cv2.rectangle(img, (xx, yy), (xx + step_x // 2, yy + step_y // 2), win, -1)
    img += rng.normal(0, rng.uniform(2, 14), (h, w, 1))
    return img


def _texture(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Coloured noise summed over octaves (1/f-like): paint, grime, foliage, gravel, glare."""
    out = np.zeros((h, w, 3), np.float32)
    amp, total = 1.0, 0.0
    cells = int(rng.integers(2, 5))
    while cells < max(w, h) // 2:
        grid = rng.normal(0, 1, (cells * h // max(w, h) + 2, cells * w // max(w, h) + 2, 3))
        out += amp * cv2.resize(grid.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= float(rng.uniform(0.4, 0.8))
        cells *= 2
    out /= total
    base = rng.uniform(30, 220, 3).astype(np.float32)
    spread = rng.uniform(15, 80, 3).astype(np.float32)
    if rng.random() < 0.5:  # one hue, varying in lightness only
        out = np.repeat(out[..., :1], 3, axis=2)
    return np.clip(base + out * spread, 0, 255)


def _clutter(rng: np.random.Generator, img: np.ndarray, n: int, hangul: list[str]) -> None:
    """Shapes and texts that are not plates, some of them deliberately plate-like."""
    h, w = img.shape[:2]
    fonts = latin_fonts()
    for _ in range(n):
        r = rng.random()
        x, y = int(rng.integers(-20, w)), int(rng.integers(-20, h))
        c = _colour(rng)
        if r < 0.25:
            cv2.line(
                img,
                (x, y),
                (int(rng.integers(0, w)), int(rng.integers(0, h))),
                c,
                int(rng.integers(1, 6)),
            )
        elif r < 0.4:
            cv2.rectangle(
                img,
                (x, y),
                (x + int(rng.integers(8, w // 3)), y + int(rng.integers(8, h // 3))),
                c,
                -1,
            )
        elif r < 0.5:
            cv2.ellipse(
                img,
                (x, y),
                (int(rng.integers(4, 60)), int(rng.integers(4, 40))),
                float(rng.uniform(0, 180)),
                0,
                360,
                c,
                -1,
            )
        elif r < 0.6:  # stripes: grilles, fences, railings
            bw, bh = int(rng.integers(30, 200)), int(rng.integers(10, 80))
            gap = int(rng.integers(3, 12))
            vertical = rng.random() < 0.5
            for k in range(0, bw if vertical else bh, gap):
                if vertical:
                    cv2.line(img, (x + k, y), (x + k, y + bh), c, max(1, gap // 2))
                else:
                    cv2.line(img, (x, y + k), (x + bw, y + k), c, max(1, gap // 2))
        else:  # text: signs, stickers, shop names, bordered boxes with or without text
            height = int(rng.integers(6, 48))
            if rng.random() < 0.3 and hangul:
                font = hangul[int(rng.integers(len(hangul)))]
                chars = "주차장출구입구할인영업시간서울경기가나다라마바사아자하호"
                text = "".join(rng.choice(list(chars), int(rng.integers(2, 8))))
            else:
                font = fonts[int(rng.integers(len(fonts)))]
                pool = string.ascii_letters + string.digits + "  -"
                text = "".join(rng.choice(list(pool), int(rng.integers(2, 14)))).strip() or "EXIT"
            bg = _colour(rng)
            ink = (20, 20, 20) if sum(bg) > 380 else (235, 235, 235)
            if rng.random() < 0.2:
                text = ""  # an empty bordered box
            part = _text_image(text or " ", font, height, ink, bg)
            pad = int(rng.integers(0, 10))
            part = cv2.copyMakeBorder(part, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=bg)
            if text == "":
                part = cv2.resize(part, (int(rng.integers(20, 160)), int(rng.integers(10, 60))))
            if rng.random() < 0.5:
                cv2.rectangle(
                    part,
                    (0, 0),
                    (part.shape[1] - 1, part.shape[0] - 1),
                    _colour(rng),
                    int(rng.integers(1, 3)),
                )
            _paste(img, part[..., ::-1].astype(np.float32), x, y, part.shape[1], part.shape[0])


def _car(
    rng: np.random.Generator,
    img: np.ndarray,
    plate: np.ndarray,
    cx: float,
    cy: float,
    pw: float,
    version: int = 1,
) -> np.ndarray:
    """Draw a car front or rear centred on (cx, cy) with its plate of width ``pw``; plate quad.

    From version 2 a third of the plates stand alone on the background (no car drawn: the plate
    must be found by what it is, not by what it sits on), and bodies are textured and shaded.
    """
    h, w = img.shape[:2]
    if version >= 2 and rng.random() < 0.33:
        return _mount(rng, img, plate, cx, cy, pw)
    cw = pw * rng.uniform(2.6, 4.2)
    ch = cw * rng.uniform(0.55, 0.9)
    top = cy - ch * rng.uniform(0.55, 0.75)
    body = _colour(rng) if rng.random() < 0.6 else tuple([int(rng.integers(10, 240))] * 3)
    x0, x1 = cx - cw / 2, cx + cw / 2
    pts = np.array(
        [
            [x0 + cw * 0.12, top],
            [x1 - cw * 0.12, top],
            [x1, top + ch * 0.4],
            [x1, top + ch],
            [x0, top + ch],
            [x0, top + ch * 0.4],
        ],
        np.int32,
    )
    cv2.fillPoly(img, [pts], body)
    glass = tuple(int(v) for v in rng.integers(10, 90, 3))
    g = np.array(
        [
            [x0 + cw * 0.2, top + ch * 0.05],
            [x1 - cw * 0.2, top + ch * 0.05],
            [x1 - cw * 0.08, top + ch * 0.38],
            [x0 + cw * 0.08, top + ch * 0.38],
        ],
        np.int32,
    )
    cv2.fillPoly(img, [g], glass)
    lamp = [(40, 40, 220), (230, 230, 230), (30, 140, 240)][int(rng.integers(3))]
    ly = int(top + ch * rng.uniform(0.45, 0.6))
    for sx in (x0 + cw * 0.12, x1 - cw * 0.12):
        cv2.ellipse(img, (int(sx), ly), (int(cw * 0.08), int(ch * 0.05) + 1), 0, 0, 360, lamp, -1)
    if rng.random() < 0.5:  # a grille: horizontal bars between the lamps
        dark = tuple(int(v * 0.4) for v in body)
        for k in range(int(rng.integers(2, 6))):
            yy = int(ly - ch * 0.05 + k * ch * 0.03)
            cv2.line(img, (int(x0 + cw * 0.3), yy), (int(x1 - cw * 0.3), yy), dark, 2)
    bumper = tuple(int(v) for v in rng.integers(10, 120, 3))
    cv2.rectangle(img, (int(x0), int(top + ch * 0.82)), (int(x1), int(top + ch)), bumper, -1)
    if version >= 2 and rng.random() < 0.7:
        # Paint that is not flat: the body's own texture and a light falling across it.
        body_mask = np.zeros((h, w), np.float32)
        cv2.fillPoly(body_mask, [pts], 1.0)
        tex = _texture(rng, w, h)
        mix = float(rng.uniform(0.2, 0.7))
        shade = np.linspace(rng.uniform(0.6, 1.3), rng.uniform(0.6, 1.3), h, dtype=np.float32)
        m = body_mask[..., None]
        img[:] = img * (1 - m) + (img * (1 - mix) + tex * mix) * shade[:, None, None] * m
    return _mount(rng, img, plate, cx, cy, pw)


def _mount(
    rng: np.random.Generator, img: np.ndarray, plate: np.ndarray, cx: float, cy: float, pw: float
) -> np.ndarray:
    """Warp the plate into the frame at (cx, cy), ``pw`` wide, in perspective; its quad."""
    h, w = img.shape[:2]
    # Possibly inside a dealer frame.
    ph0, pw0 = plate.shape[:2]
    scale = pw / pw0
    ph = ph0 * scale
    quad = generate.perspective_quad(rng, pw0, ph0, float(rng.uniform(0.0, 0.25)))
    quad = quad * scale + np.array([cx - pw / 2, cy - ph / 2], np.float32)
    if rng.random() < 0.3:
        frame_q = expand_quad(quad, 0.12, 0.35)
        cv2.fillConvexPoly(
            img, frame_q.astype(np.int32), tuple(int(v) for v in rng.integers(0, 80, 3))
        )
    src = np.array([[0, 0], [pw0, 0], [pw0, ph0], [0, ph0]], np.float32)
    m = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    warped = cv2.warpPerspective(plate.astype(np.float32), m, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((ph0, pw0), np.float32), m, (w, h), flags=cv2.INTER_LINEAR)
    img *= 1 - mask[..., None]
    img += warped * mask[..., None]
    return quad.astype(np.float32)


def _photograph(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Light, night, blur, noise and JPEG over the whole frame."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    img = img + ((np.cos(a) * xx / w + np.sin(a) * yy / h) * rng.uniform(-70, 70))[..., None]
    img = (img - 128) * rng.uniform(0.5, 1.25) + 128 + rng.uniform(-50, 40)
    img = 255 * (np.clip(img, 0, 255) / 255) ** rng.uniform(0.7, 1.5)
    if rng.random() < 0.15:  # infrared night camera
        grey = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_BGR2GRAY)
        img = np.repeat(cv2.equalizeHist(grey)[..., None], 3, axis=2).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 1.6))
    return np.asarray(generate.noise_and_jpeg(rng, out, max_sigma=12, min_quality=20), np.uint8)


def frame(
    rng: np.random.Generator,
    fonts: generate.Typefaces,
    size: tuple[int, int] = (384, 384),
    max_cars: int = 3,
    version: int = SCENE_VERSION,
) -> Frame:
    """One synthetic frame of ``size`` (width, height) and its plates' quadrilaterals, as scene
    version ``version`` draws it."""
    if version not in SCENE_VERSIONS:
        raise ValueError(f"scene version {version} is not drawn any more ({SCENE_VERSIONS})")
    w, h = size
    img = _background(rng, w, h)
    if version >= 2 and rng.random() < 0.6:
        a = float(rng.uniform(0.3, 1.0))
        img = img * (1 - a) + _texture(rng, w, h) * a
    hangul = sorted({f for f, _ in fonts.hangul})
    _clutter(rng, img, int(rng.integers(3, 16)), hangul)
    quads: list[np.ndarray] = []
    boxes: list[tuple[float, float, float, float]] = []
    for _ in range(int(rng.integers(0, max_cars + 1)) if rng.random() < 0.9 else 0):
        # Plate widths from 22 px to about half the frame, small ones commoner.
        pw = 22 + (min(w, h) * 0.55 - 22) * rng.random() ** 1.6
        cx = float(rng.uniform(pw * 0.6, w - pw * 0.6))
        cy = float(rng.uniform(pw * 0.3, h - pw * 0.3))
        box = (cx - pw * 1.8, cy - pw * 1.4, cx + pw * 1.8, cy + pw * 0.8)
        if any(_overlaps(box, b) for b in boxes):
            continue
        boxes.append(box)
        if rng.random() < 0.5:
            kinds = list(generate.KINDS)
            plate, _ = generate.render_plate(rng, kinds[int(rng.integers(len(kinds)))], fonts)
        else:
            plate, _ = latin_plate(rng)
        quads.append(_car(rng, img, plate[..., ::-1].astype(np.float32), cx, cy, pw, version))
    if version >= 2 and rng.random() < 0.5:
        # Light that is uneven over the whole frame: clouds, shade of trees and buildings.
        light = _texture(rng, w, h)[..., :1] / 128.0
        img = img * np.clip(light, 0.4, 1.6)
    return Frame(_photograph(rng, img), tuple(quads))


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def target(quads: tuple[np.ndarray, ...], size: tuple[int, int], stride: int) -> np.ndarray:
    """Share of each ``stride``×``stride`` cell covered by a plate (float32, H/stride × W/stride)."""
    w, h = size
    mask = np.zeros((h, w), np.uint8)
    for q in quads:
        cv2.fillConvexPoly(mask, np.round(q * 4).astype(np.int32), 1, lineType=cv2.LINE_8, shift=2)
    small = cv2.resize(
        mask.astype(np.float32), (w // stride, h // stride), interpolation=cv2.INTER_AREA
    )
    return np.asarray(small, np.float32)
