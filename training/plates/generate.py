"""Synthetic Korean licence plates, reproducible from a seed.

Every sample is drawn from one ``numpy.random.Generator``: the same seed gives the same bytes.
Plates are laid out glyph by glyph from Debian's Hangul fonts (squeezed horizontally, as the
official typeface is narrow; from version 4 half of the plates draw their digits from strokes,
``strokes``), then photographed badly: perspective, blur, noise, JPEG, uneven
light, shadows, dirt, infrared grey and low resolution.
"""

from __future__ import annotations

import dataclasses
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from training.plates import jamo, strokes

from qrpark.plates.domain import (
    COMMERCIAL_SYLLABLES,
    PRIVATE_SYLLABLES,
    REGIONS,
    RENTAL_SYLLABLES,
)
from qrpark.plates.preprocess import Layout

Font = tuple[str, int]  # (file, face index inside a collection)

NANUM = "/usr/share/fonts/truetype/nanum/"
NOTO = "/usr/share/fonts/opentype/noto/"
LIBERATION = "/usr/share/fonts/truetype/liberation/"
DEJAVU = "/usr/share/fonts/truetype/dejavu/"

#: Hangul faces of generator version 2 (their own digits too).
FONTS_V2: tuple[Font, ...] = (
    (NANUM + "NanumSquareB.ttf", 0),
    (NANUM + "NanumSquareEB.ttf", 0),
    (NANUM + "NanumSquare_acB.ttf", 0),
    (NANUM + "NanumGothicBold.ttf", 0),
    (NANUM + "NanumBarunGothicBold.ttf", 0),
    (NANUM + "NanumSquareRoundB.ttf", 0),
    (NOTO + "NotoSansCJK-Bold.ttc", 1),
)
#: Version 3 adds other weights of the same families...
FONTS_V3: tuple[Font, ...] = (
    *FONTS_V2,
    (NANUM + "NanumSquare_acEB.ttf", 0),
    (NANUM + "NanumSquareR.ttf", 0),
    (NANUM + "NanumBarunGothic.ttf", 0),
    (NOTO + "NotoSansCJK-Regular.ttc", 1),
)
#: ...and, on half of the plates, digits from another face: narrow and plain Latin grotesques
#: (the plate typeface's digits are a narrow grotesque that no Debian font is) or another
#: Hangul face's.
DIGIT_FONTS_V3: tuple[Font, ...] = (
    (LIBERATION + "LiberationSansNarrow-Bold.ttf", 0),
    (LIBERATION + "LiberationSans-Bold.ttf", 0),
    (LIBERATION + "LiberationSansNarrow-Regular.ttf", 0),
    *FONTS_V3,
)
#: Faces no generator version trains on: the typeface-shift check (``training.plates.check``)
#: renders with these only, to measure how a model copes with a typeface it has never seen.
HELD_OUT_FONTS: tuple[Font, ...] = (
    (NANUM + "NanumGothicExtraBold.ttf", 0),
    (NANUM + "NanumSquareRoundEB.ttf", 0),
)
HELD_OUT_DIGIT_FONTS: tuple[Font, ...] = (
    (DEJAVU + "DejaVuSansCondensed-Bold.ttf", 0),
    (DEJAVU + "DejaVuSans-Bold.ttf", 0),
    *HELD_OUT_FONTS,
)


@dataclass(frozen=True)
class Typefaces:
    """The faces plates are drawn with: each plate takes one Hangul face and, with chance
    ``mixed_digits``, its digits from one of ``digits`` instead of that face; with chance
    ``bent`` every glyph of the plate is bent a little (``bend``); with chance ``stroke_digits``
    (version 4) its digits are drawn from strokes in a random style (``strokes``) instead.

    From version 5 the plate around the characters is drawn closer to the real ones too:
    ``bolt_heads`` is the chance that a plate shows its mounting bolts as they look on the car
    (on a two-line plate, heads as large as the top line's characters, right beside them), and
    ``machinery_top`` the chance that an orange plate prints its region alone, spread across the
    top line, as construction-machinery plates do.

    From version 6 ``stroke_syllables`` is the chance that a plate draws its syllable (not its
    region) from strokes in a random style (``jamo``), as version 4 began doing for digits.

    From version 7 ``short_top_bolts`` is the chance that a short 335×155 plate is laid out as
    one bolted to a square holder is: its characters low on the plate and its bolts in the top
    margin above them; and ``holder_frame`` the chance that a crop shows the plate inside the
    holder frame around it (``holder``).

    From version 8 ``wide_gaps`` is the chance that a plate spaces its characters apart as the
    plate typeface does: narrow characters with a gap of 0.22 to 0.7 of a digit's cell between
    them, where other plates keep 0.06 to 0.22 (``_row``).

    From version 9 ``short_small_chars`` is the chance that a short plate bolted through its top
    margin prints its characters as the older short plates do: 0.46 to 0.6 of the plate's height,
    set low with a bottom margin under them, so that the same row width makes them wider for
    their height than other plates' characters.

    From version 10 ``small_top`` is the chance that a two-line plate prints its top line small:
    0.18 to 0.26 of the plate's height instead of 0.26 to 0.32, its row narrowed in proportion so
    that the characters keep their shape, and the bottom line taller below it.

    From version 11 ``tight_hat`` is the chance that a plate whose syllable is drawn from strokes
    draws ㅎ as the plate typeface prints it (``jamo.tighten_hat``): a short tick on a bar lying
    on the ring, which a small crop blurs into a ring with a heavy top and a faint dot.

    From version 12 ``cut_top`` is the chance that a crop is cut into the plate as a finder's
    tight or misplaced box cuts it (``view``): its top edge 0.04 to 0.2 of the plate's height
    below the middle of the plate's top edge, through the top of a one-line plate's characters or
    up to half of a two-line plate's top line. A plate in its holder frame is measured with the
    frame, so the cut reaches less far into the plate itself.

    From version 13 ``machinery_mark`` is the chance that a construction-machinery plate (see
    ``machinery_top``) is painted as one for hire: white characters on the orange, where every
    other orange plate keeps black ones, a white line framing the plate just inside its rim
    (``_hire_frame``) and, on most, the circled 영 left of the region (``_hire_mark``). The frame
    and the mark are not read: the plate's text stays the same.

    From version 14 ``painted_rim`` is the chance that a plate's raised rim is painted in the
    characters' colour, as on older embossed plates (a white rim on a green plate), 0.02 to 0.05
    of the plate's height wide, where other plates show it a shade darker than the plate; and its
    row of large characters then stands right up to the rim (``_rim_margins``), so that the rim
    runs beside the first and last character. ``ev_line_badge`` is the chance that an EV plate's
    badge is drawn as the real one is, in lines: a car's outline over a round mark, one above the
    other, the pair about as tall as the digits (``_ev_line_badge``), where other EV badges are a
    filled disc over a filled block."""

    hangul: tuple[Font, ...]
    digits: tuple[Font, ...] = ()
    mixed_digits: float = 0.0
    bent: float = 0.0
    stroke_digits: float = 0.0
    bolt_heads: float = 0.0
    machinery_top: float = 0.0
    stroke_syllables: float = 0.0
    short_top_bolts: float = 0.0
    holder_frame: float = 0.0
    wide_gaps: float = 0.0
    short_small_chars: float = 0.0
    small_top: float = 0.0
    tight_hat: float = 0.0
    cut_top: float = 0.0
    machinery_mark: float = 0.0
    painted_rim: float = 0.0
    ev_line_badge: float = 0.0


# kind -> (probability, layout)
KINDS: dict[str, tuple[float, Layout]] = {
    "white7": (0.16, Layout.ONE_LINE),
    # 335×155 "short" plate for square plate holders: the same seven characters, taller.
    "white_short": (0.10, Layout.ONE_LINE),
    "white8": (0.16, Layout.ONE_LINE),
    "white8_hologram": (0.08, Layout.ONE_LINE),
    "ev": (0.09, Layout.ONE_LINE),
    "rental": (0.05, Layout.ONE_LINE),
    "green2_region": (0.09, Layout.TWO_LINE),
    "green2": (0.09, Layout.TWO_LINE),
    "yellow2": (0.08, Layout.TWO_LINE),
    "yellow1": (0.07, Layout.ONE_LINE),
    "orange2": (0.04, Layout.TWO_LINE),
}

RGB = tuple[int, int, int]

#: What each version from 4 on adds to the one before it: its new options and their chances
#: (version 3 mixes digit faces and bends glyphs, each with chance 0.5).
ADDED_IN: dict[int, dict[str, float]] = {
    4: {"stroke_digits": 0.5},
    5: {"bolt_heads": 0.7, "machinery_top": 0.6},
    6: {"stroke_syllables": 0.5},
    7: {"short_top_bolts": 0.8, "holder_frame": 0.5},
    8: {"wide_gaps": 0.5},
    9: {"short_small_chars": 0.5},
    10: {"small_top": 0.5},
    11: {"tight_hat": 0.5},
    12: {"cut_top": 0.3},
    13: {"machinery_mark": 0.6},
    14: {"painted_rim": 0.5, "ev_line_badge": 0.6},
}

#: Bumped whenever the same seed would render different bytes; part of the cached data's name.
#: Older versions that ``typefaces`` still knows render the same bytes as they did: 2, 3 and
#: each version ``ADDED_IN`` adds to it, the newest last.
GENERATOR_VERSIONS = (2, 3, *ADDED_IN)
GENERATOR_VERSION = GENERATOR_VERSIONS[-1]

#: The options a check or a training run may set on their own: the chances among
#: ``Typefaces``' fields.
OPTIONS = tuple(f.name for f in dataclasses.fields(Typefaces) if f.type in (float, "float"))


def with_options(faces: Typefaces, options: Iterable[tuple[str, float]]) -> Typefaces:
    """``faces`` with each named option's chance set as given."""
    return dataclasses.replace(faces, **dict(options))


@dataclass(frozen=True)
class Sample:
    image: np.ndarray  # BGR uint8 crop around the plate
    text: str
    kind: str
    layout: Layout


#: Debian packages that hold every face above.
FONT_PACKAGES = "fonts-nanum fonts-nanum-extra fonts-noto-cjk fonts-liberation fonts-dejavu-extra"


def typefaces(
    version: int = GENERATOR_VERSION, held_out: bool = False, strict: bool = False
) -> Typefaces:
    """The faces of generator ``version`` (or the held-out ones) found on this machine.

    ``strict`` refuses a machine that lacks any of them, as training must: a missing face would
    change what the seed renders.
    """
    if version not in GENERATOR_VERSIONS:
        raise ValueError(
            f"generator version {version} cannot be rendered any more (known: "
            f"{', '.join(map(str, GENERATOR_VERSIONS))})"
        )
    if held_out:
        wanted = Typefaces(HELD_OUT_FONTS, HELD_OUT_DIGIT_FONTS, 0.5, 0.0)
    elif version == 2:
        wanted = Typefaces(FONTS_V2)
    else:
        wanted = Typefaces(FONTS_V3, DIGIT_FONTS_V3, 0.5, 0.5)
        for later in range(4, version + 1):
            wanted = dataclasses.replace(wanted, **ADDED_IN[later])
    missing = sorted({p for p, _ in (*wanted.hangul, *wanted.digits) if not Path(p).exists()})
    faces = dataclasses.replace(
        wanted,
        hangul=tuple(f for f in wanted.hangul if Path(f[0]).exists()),
        digits=tuple(f for f in wanted.digits if Path(f[0]).exists()),
    )
    if not faces.hangul or (strict and missing):
        raise RuntimeError(
            f"fonts missing ({', '.join(missing)}): apt-get install -y {FONT_PACKAGES}"
        )
    return faces


def available_fonts() -> Typefaces:
    """The current generator's faces."""
    return typefaces()


@functools.lru_cache(maxsize=4096)
def glyph(font_path: str, index: int, char: str) -> np.ndarray:
    """Ink mask (uint8, 0..255) of one character, cropped to its bounding box."""
    font = ImageFont.truetype(font_path, 96, index=index)
    img = Image.new("L", (160, 160), 0)
    ImageDraw.Draw(img).text((20, 10), char, font=font, fill=255)
    arr = np.asarray(img)
    ys, xs = np.nonzero(arr > 40)
    return arr[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].copy()


@dataclass(frozen=True)
class Face:
    """One plate's faces: Hangul (and region) glyphs from one, digits from the other, a font or
    a style of stroke digits; and the syllable from the Hangul face or a style of stroke
    syllables (a plate's region is drawn with ``for_region()``, which has none)."""

    hangul: Font
    digits: Font | strokes.StrokeStyle
    syllables: jamo.SyllableStyle | None = None

    def for_region(self) -> Face:
        return dataclasses.replace(self, syllables=None)

    def glyph(self, char: str) -> np.ndarray:
        if not char.isdigit():
            if self.syllables is not None:
                return self.syllables.glyph(char)
            return glyph(self.hangul[0], self.hangul[1], char)
        if isinstance(self.digits, strokes.StrokeStyle):
            return self.digits.glyph(char)
        return glyph(self.digits[0], self.digits[1], char)


def _happens(rng: np.random.Generator, chance: float) -> bool:
    """Whether one of the faces' options happens, with its ``chance``. No number is drawn for an
    option of chance 0, so a version older than the option keeps its bytes."""
    return chance > 0 and bool(rng.random() < chance)


def _jitter(rng: np.random.Generator, colour: RGB, amount: int) -> RGB:
    c = np.clip(np.array(colour) + rng.integers(-amount, amount + 1, 3), 0, 255)
    return (int(c[0]), int(c[1]), int(c[2]))


def random_text(rng: np.random.Generator, kind: str) -> tuple[str | None, str, str, str]:
    """(region, class digits, syllable, serial) for a plate of ``kind``."""
    serial = f"{rng.integers(0, 10000):04d}"
    if kind in {"white8", "white8_hologram"} or (kind in {"ev", "rental"} and rng.random() < 0.6):
        klass = (
            f"{rng.integers(100, 1000):03d}"
            if rng.random() < 0.9
            else f"{rng.integers(0, 1000):03d}"
        )
    else:
        klass = f"{rng.integers(0, 100):02d}"
    if kind == "rental":
        syl = str(rng.choice(list(RENTAL_SYLLABLES)))
    elif kind in {"yellow2", "yellow1"}:
        syl = str(rng.choice(list(COMMERCIAL_SYLLABLES)))
    elif kind == "orange2":
        syl = str(rng.choice(list(PRIVATE_SYLLABLES + COMMERCIAL_SYLLABLES)))
    else:
        # Mostly private syllables, some commercial ones so the model knows them on any colour.
        pool = PRIVATE_SYLLABLES if rng.random() < 0.85 else COMMERCIAL_SYLLABLES + RENTAL_SYLLABLES
        syl = str(rng.choice(list(pool)))
    region: str | None = None
    if kind in {"green2_region", "yellow2", "yellow1", "orange2"}:
        region = str(rng.choice(list(REGIONS)))
        if kind == "green2_region" and rng.random() < 0.1:
            klass = str(rng.integers(1, 10))
    return region, klass, syl, serial


def _colours(rng: np.random.Generator, kind: str) -> tuple[RGB, RGB]:
    """(background, ink) in RGB."""
    if kind.startswith("white") or kind == "rental":
        return _jitter(rng, (245, 245, 242), 12), _jitter(rng, (20, 20, 25), 20)
    if kind == "ev":
        return _jitter(rng, (95, 160, 220), 25), _jitter(rng, (15, 20, 35), 15)
    if kind.startswith("green"):
        return _jitter(rng, (40, 120, 75), 25), _jitter(rng, (240, 240, 235), 15)
    if kind.startswith("yellow"):
        return _jitter(rng, (240, 200, 40), 20), _jitter(rng, (20, 20, 20), 15)
    return _jitter(rng, (235, 125, 35), 20), _jitter(rng, (20, 20, 20), 15)  # orange


#: A plain vertical stroke: the "1" of the plate typeface has no flag and no foot on most plates.
BAR = np.full((100, 12), 255, np.uint8)


#: Gap between characters, in digit cells: most plates (every version) and, from version 8,
#: plates spaced as the plate typeface is (``Typefaces.wide_gaps``).
NARROW_GAPS = (0.06, 0.22)
WIDE_GAPS = (0.22, 0.7)

#: A two-line plate's usual top-line height, as a share of the plate's (the middle of 0.26 to
#: 0.32): the height its top row's width is laid out for.
TOP_LINE_HEIGHT = 0.29


class Canvas:
    """A flat plate being drawn. ``stroke`` thickens (> 0) or thins (< 0) every glyph by that many
    pixels, since no Debian font has the plate typeface's weight; ``bar_one`` draws "1" as a bar.
    """

    def __init__(
        self,
        w: int,
        h: int,
        bg: RGB,
        stroke: int = 0,
        bar_one: bool = False,
        warp: tuple[np.random.Generator, float] | None = None,
        gaps: tuple[float, float] = NARROW_GAPS,
    ) -> None:
        self.img = np.empty((h, w, 3), np.float32)
        self.img[:] = bg
        self.w, self.h = w, h
        self.stroke = stroke
        self.bar_one = bar_one
        # (rng, amplitude): each glyph is bent by its own smooth random field (version 3).
        self.warp = warp
        # The range each row draws its gap between characters from, in digit cells (``_row``).
        self.gaps = gaps

    def put(self, mask: np.ndarray, x: float, y: float, w: float, h: float, ink: RGB) -> None:
        x0, y0 = round(x), round(y)
        w_i, h_i = max(1, round(w)), max(1, round(h))
        m = cv2.resize(mask, (w_i, h_i), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        if self.warp is not None and h_i >= 8:
            m = bend(m, *self.warp)
        # The weight change is relative to a 45 px glyph: small region glyphs change less.
        px = round(abs(self.stroke) * h_i / 45)
        if px:
            k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
            m = cv2.dilate(m, k) if self.stroke > 0 else cv2.erode(m, k)
        x1, y1 = min(self.w, x0 + w_i), min(self.h, y0 + h_i)
        if x1 <= x0 or y1 <= y0 or x0 < 0 or y0 < 0:
            return
        m = m[: y1 - y0, : x1 - x0, None]
        region = self.img[y0:y1, x0:x1]
        region[:] = region * (1 - m) + np.array(ink, np.float32) * m


def bend(mask: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """``mask`` displaced by a smooth random field of up to ``amplitude`` × its height, plus a
    slight shear: the same letter drawn by another hand, since no Debian font is the plate
    typeface."""
    h, w = mask.shape
    coarse = rng.uniform(-1, 1, (2, 3, 3)).astype(np.float32) * amplitude * h
    dx = cv2.resize(coarse[0], (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(coarse[1], (w, h), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    shear = rng.uniform(-0.08, 0.08)
    map_x = xx + dx + shear * (yy - h / 2)
    map_y = yy + dy
    return cv2.remap(mask, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def _row(
    canvas: Canvas,
    font: Face,
    chars: list[str],
    x0: float,
    x1: float,
    y: float,
    h: float,
    ink: RGB,
    rng: np.random.Generator,
    syllable_scale: float = 1.0,
    gaps: tuple[float, float] | None = None,
) -> None:
    """Lay ``chars`` between x0 and x1; a Hangul cell differs from a digit cell.

    On real plates the syllable is often smaller and narrower than the digits and followed by a
    wider gap, so its cell width, height and the gap after it vary. The gap between characters
    is drawn from ``gaps`` (the canvas's range when not given).
    """
    hangul_w = rng.uniform(0.8, 1.3)
    weights = [1.0 if c.isdigit() else hangul_w for c in chars]
    gap_ratio = rng.uniform(*(gaps or canvas.gaps))
    after = [gap_ratio + (rng.uniform(0, 0.7) if not c.isdigit() else 0.0) for c in chars[:-1]]
    unit = (x1 - x0) / (sum(weights) + sum(after))
    x = x0
    for i, (c, wgt) in enumerate(zip(chars, weights, strict=True)):
        cw = unit * wgt
        gh = h if c.isdigit() else h * syllable_scale
        gy = y + (h - gh) / 2
        if not c.isdigit() and syllable_scale < 0.9 and rng.random() < 0.5:
            gy = y + h - gh  # small syllables sit on the baseline on some plates
        if c == "1":
            # Digits share one advance width, but a "1" is narrow inside its cell.
            share = rng.uniform(0.18, 0.3) if canvas.bar_one else rng.uniform(0.45, 0.7)
            mask = BAR if canvas.bar_one else font.glyph(c)
            canvas.put(mask, x + cw * (1 - share) / 2, gy, cw * share, gh, ink)
        else:
            canvas.put(font.glyph(c), x, gy, cw, gh, ink)
        x += cw + unit * (after[i] if i < len(after) else 0.0)


def render_plate(rng: np.random.Generator, kind: str, fonts: Typefaces) -> tuple[np.ndarray, str]:
    """A flat, clean plate (RGB uint8) and its text."""
    region, klass, syl, serial = random_text(rng, kind)
    text = f"{region or ''}{klass}{syl}{serial}"
    bg, ink = _colours(rng, kind)
    hangul = fonts.hangul[int(rng.integers(len(fonts.hangul)))]
    stroke = int(rng.choice([-1, 0, 0, 1, 2]))
    bar_one = bool(rng.random() < 0.7)
    digits: Font | strokes.StrokeStyle = hangul
    warp = None
    # Version 2 draws nothing here, and version 3 nothing for stroke digits, so their samples
    # keep their bytes.
    if fonts.mixed_digits and fonts.digits:
        if rng.random() < fonts.mixed_digits:
            digits = fonts.digits[int(rng.integers(len(fonts.digits)))]
        if rng.random() < fonts.bent:
            warp = (rng, float(rng.uniform(0.01, 0.05)))
    if _happens(rng, fonts.stroke_digits):
        digits = strokes.random_style(rng)
    syllables = None
    if _happens(rng, fonts.stroke_syllables):
        syllables = jamo.random_style(rng)
        # Version 10 and older draw no number here, so their plates keep their bytes.
        if _happens(rng, fonts.tight_hat):
            syllables = jamo.tighten_hat(rng, syllables)
    gaps = NARROW_GAPS
    if _happens(rng, fonts.wide_gaps):
        gaps = WIDE_GAPS
    font = Face(hangul, digits, syllables)
    # A painted rim's width as a share of the plate's height (version 14; older versions draw no
    # number here, so their plates keep their bytes).
    rim = float(rng.uniform(*RIM_WIDTH)) if _happens(rng, fonts.painted_rim) else None
    scale = 0.6
    layout = KINDS[kind][1]
    # For the bolts: a two-line plate's top line (left, right, centre row, height), or a one-line
    # plate's side margins (left, right).
    top_line: tuple[float, float, float, float] | None = None
    # A construction-machinery plate for hire (version 13).
    for_hire = False
    margins = (0.0, 0.0)
    # A short plate's top margin when its bolts go there (version 7).
    above: float | None = None
    if kind == "white_short":
        w, h = round(335 * scale), round(155 * scale)
        c = Canvas(w, h, bg, stroke, bar_one, warp, gaps)
        if _happens(rng, fonts.short_top_bolts):
            # Bolted to a square holder through its top margin: the characters sit low.
            above = h * rng.uniform(0.2, 0.32)
            if _happens(rng, fonts.short_small_chars):
                # Older short plates: smaller characters, set low with a margin under them.
                ch_h = h * rng.uniform(0.46, 0.6)
                y = above + (h - above - ch_h) * rng.uniform(0.25, 0.6)
            else:
                ch_h = h - above - h * rng.uniform(0.04, 0.1)
                y = above
        else:
            ch_h = h * rng.uniform(0.62, 0.76)
            y = (h - ch_h) / 2 + h * rng.uniform(0.0, 0.08)
        left, right = w * rng.uniform(0.03, 0.06), w * (1 - rng.uniform(0.03, 0.06))
        if rim is not None:
            left, right = _rim_margins(rng, w, h, rim)
        margins = (left, w - right)
        _row(
            c, font, [*klass, syl, *serial], left, right, y, ch_h, ink, rng, rng.uniform(0.6, 0.85)
        )
    elif layout is Layout.ONE_LINE:
        w, h = round(520 * scale), round(110 * scale)
        c = Canvas(w, h, bg, stroke, bar_one, warp, gaps)
        ch_h = h * rng.uniform(0.66, 0.8)
        y = (h - ch_h) / 2 + rng.uniform(-2, 2)
        left = w * rng.uniform(0.04, 0.07)
        right = w * (1 - rng.uniform(0.04, 0.07))
        if rim is not None:
            left, right = _rim_margins(rng, w, h, rim)
        margins = (left, w - right)
        if kind == "white8_hologram" or (kind == "ev" and rng.random() < 0.7):
            # Hologram / EV badge at the left edge: a bluish disc and "KOR"-like block.
            hw = w * 0.085
            col = (
                _jitter(rng, (120, 150, 200), 30)
                if kind != "ev"
                else _jitter(rng, (30, 60, 140), 20)
            )
            if kind == "ev" and _happens(rng, fonts.ev_line_badge):
                _ev_line_badge(c.img, rng, left, hw, col)
            else:
                cv2.circle(
                    c.img, (round(left + hw / 2), round(h * 0.38)), round(hw * 0.32), col, -1
                )
                cv2.rectangle(
                    c.img,
                    (round(left + hw * 0.1), round(h * 0.62)),
                    (round(left + hw * 0.9), round(h * 0.8)),
                    col,
                    -1,
                )
            left += hw * 1.15
        if kind == "yellow1":
            rw = w * 0.1
            rs = list(region or "")
            gy = h * 0.12
            gh = h * 0.36
            for i, ch in enumerate(rs):
                c.put(font.for_region().glyph(ch), left, gy + i * (gh + h * 0.04), rw, gh, ink)
            left += rw * 1.25
        _row(c, font, [*klass, syl, *serial], left, right, y, ch_h, ink, rng, rng.uniform(0.55, 1))
    else:
        w, h = round(335 * scale), round(170 * scale)
        c = Canvas(w, h, bg, stroke, bar_one, warp, gaps)
        # Older two-line plates print the top line small (version 10); its row narrows with it.
        small_top = _happens(rng, fonts.small_top)
        top_h = h * (rng.uniform(0.18, 0.26) if small_top else rng.uniform(0.26, 0.32))
        narrow = top_h / (h * TOP_LINE_HEIGHT) if small_top else 1.0
        top_y = h * rng.uniform(0.06, 0.1)
        top_chars = [*(region or ""), *klass]
        tw = w * (0.62 if region else 0.3) * rng.uniform(0.9, 1.1) * narrow
        tx = (w - tw) / 2
        syllable_on_top = kind == "green2" and rng.random() < 0.5
        machinery = kind == "orange2" and _happens(rng, fonts.machinery_top)
        if machinery:
            # Construction machinery: the region's two syllables far apart on top, the class
            # digits moved down before a small syllable.
            tw = w * rng.uniform(0.35, 0.6)
            tx = (w - tw) / 2 + w * rng.uniform(-0.04, 0.04)
            cw = top_h * rng.uniform(0.8, 1.1)
            # Version 13: a plate for hire is orange with white characters and marks.
            for_hire = _happens(rng, fonts.machinery_mark)
            if for_hire:
                ink = _jitter(rng, (240, 240, 235), 15)
            for ch, gx in zip(region or "", (tx, tx + tw - cw), strict=True):
                c.put(font.for_region().glyph(ch), gx, top_y, cw, top_h, ink)
            if for_hire:
                _hire_mark(c, font, rng, tx, top_y, top_h, ink)
        elif syllable_on_top:
            # 2004-2006 green plate: "12가" on top, the four serial digits below.
            tw = w * 0.45 * rng.uniform(0.9, 1.1) * narrow
            tx = (w - tw) / 2
            _row(c, font, [*klass, syl], tx, tx + tw, top_y, top_h, ink, rng, gaps=NARROW_GAPS)
        elif region:
            # Region glyphs a little smaller and separated from the class digits.
            rw = tw * 0.5
            _row(
                c,
                font.for_region(),
                list(region),
                tx,
                tx + rw,
                top_y,
                top_h,
                ink,
                rng,
                gaps=NARROW_GAPS,
            )
            _row(
                c,
                font,
                list(klass),
                tx + rw + tw * 0.08,
                tx + tw,
                top_y,
                top_h,
                ink,
                rng,
                gaps=NARROW_GAPS,
            )
        else:
            # The top line keeps its characters close on every version: only the rows of large
            # characters are spaced apart (``Typefaces.wide_gaps``).
            _row(c, font, top_chars, tx, tx + tw, top_y, top_h, ink, rng, gaps=NARROW_GAPS)
        bot_y = top_y + top_h + h * rng.uniform(0.04, 0.08)
        bot_h = h - bot_y - h * rng.uniform(0.05, 0.09)
        bl, br = w * rng.uniform(0.04, 0.08), w * (1 - rng.uniform(0.04, 0.08))
        if rim is not None:
            bl, br = _rim_margins(rng, w, h, rim)
        if machinery:
            bottom = [*klass, syl, *serial]
            scale_range = (0.5, 0.8)
        else:
            bottom = serial if syllable_on_top else [syl, *serial]
            scale_range = (0.7, 0.9)
        _row(c, font, list(bottom), bl, br, bot_y, bot_h, ink, rng, rng.uniform(*scale_range))
        top_line = (tx, tx + tw, top_y + top_h / 2, top_h)
    img = c.img
    # Embossed border and bolts.
    bc = tuple(float(v) * rng.uniform(0.4, 0.8) for v in bg)
    cv2.rectangle(img, (1, 1), (c.w - 2, c.h - 2), bc, max(1, int(rng.integers(1, 4))))
    if rim is not None:
        _paint_rim(img, rng, ink, rim)
    if for_hire:
        _hire_frame(img, rng, ink)
    if fonts.bolt_heads > 0:
        if rng.random() < fonts.bolt_heads:
            _bolts(img, rng, bg, ink, top_line, margins, above)
    elif rng.random() < 0.6:
        for bx in (0.25, 0.75):
            cv2.circle(img, (round(c.w * bx), round(c.h * 0.1)), 2, bc, -1)
    elif rng.random() < 0.5:
        # Bolts either side of the characters, at mid height (older short plates).
        for bx in (0.02, 0.98):
            cv2.circle(img, (round(c.w * bx), round(c.h * 0.5)), 2, bc, -1)
    return np.clip(img, 0, 255).astype(np.uint8), text


def _ev_line_badge(
    img: np.ndarray, rng: np.random.Generator, left: float, width: float, colour: RGB
) -> None:
    """An EV plate's badge drawn in lines (generator version 14), ``width`` wide from ``left``:
    a car's rounded outline with its two wheels in the upper half and a ring with a smaller mark
    inside it in the lower half, in ``colour``, 1 or 2 pixels wide. Two round outlines stacked
    beside the class digits, which a reader must not take for an 8."""
    h = img.shape[0]
    thick = int(rng.integers(1, 3))
    cx = left + width / 2
    # Drawn with 4 fractional bits, so that a badge 20-odd pixels wide keeps its proportions.
    s = 16

    def at(x: float, y: float) -> tuple[int, int]:
        return round(x * s), round(y * s)

    car_y = h * rng.uniform(0.26, 0.34)
    car = (width * rng.uniform(0.36, 0.46), h * rng.uniform(0.09, 0.14))
    cv2.ellipse(img, at(cx, car_y), at(*car), 0, 0, 360, colour, thick, cv2.LINE_AA, 4)
    wheel = max(1.0, car[1] * rng.uniform(0.3, 0.45))
    for side in (-1, 1):
        centre = at(cx + side * car[0] * 0.55, car_y + car[1])
        cv2.circle(img, centre, round(wheel * s), colour, thick, cv2.LINE_AA, 4)
    ring_y = h * rng.uniform(0.64, 0.72)
    ring = min(width * 0.45, h * 0.17) * rng.uniform(0.8, 1.0)
    cv2.circle(img, at(cx, ring_y), round(ring * s), colour, thick, cv2.LINE_AA, 4)
    if rng.random() < 0.6:
        # The mark inside the ring: a smaller ring, or a few petals around its centre.
        if rng.random() < 0.5:
            inner = ring * rng.uniform(0.35, 0.55)
            cv2.circle(img, at(cx, ring_y), round(inner * s), colour, thick, cv2.LINE_AA, 4)
        else:
            petal = ring * rng.uniform(0.25, 0.4)
            for angle in np.linspace(0, 2 * np.pi, int(rng.integers(4, 7)), endpoint=False):
                px = cx + np.cos(angle) * ring * 0.45
                py = ring_y + np.sin(angle) * ring * 0.45
                cv2.circle(img, at(px, py), round(petal * s), colour, 1, cv2.LINE_AA, 4)


#: A painted rim's width, as a share of the plate's height (generator version 14).
RIM_WIDTH = (0.02, 0.05)


def _rim_band(h: int, rim: float) -> int:
    """A painted rim's width in pixels on a plate ``h`` high, ``rim`` of its height."""
    return max(1, round(h * rim))


def _rim_margins(rng: np.random.Generator, w: int, h: int, rim: float) -> tuple[float, float]:
    """(left, right) of the row of large characters on a plate whose rim is painted ``rim`` of
    its height wide (generator version 14): the characters stand right up to the rim, 0.005 to
    0.03 of the plate's width inside it, where other plates leave 0.03 to 0.08 of the width."""
    band = _rim_band(h, rim)
    return band + w * rng.uniform(0.005, 0.03), w - band - w * rng.uniform(0.005, 0.03)


def _paint_rim(img: np.ndarray, rng: np.random.Generator, ink: RGB, rim: float) -> None:
    """The raised rim of an older embossed plate painted in the characters' colour, ``rim`` of
    the plate's height wide (generator version 14), over the darker edge every plate draws."""
    h, w = img.shape[:2]
    colour = np.array(_jitter(rng, ink, 20), np.float32)
    band = _rim_band(h, rim)
    img[:band] = colour
    img[h - band :] = colour
    img[:, :band] = colour
    img[:, w - band :] = colour


#: Where a plate for hire paints its frame: this share of the plate's height in from each edge,
#: over the inner edge of the rim (which reaches up to 0.035 of it in). The characters start 0.05
#: to 0.1 of it in, so the line touches a row of them on a few plates, as it does on worn ones.
HIRE_FRAME_INSET = (0.035, 0.045)


def _hire_mark(
    c: Canvas,
    font: Face,
    rng: np.random.Generator,
    left: float,
    top_y: float,
    top_h: float,
    ink: RGB,
) -> None:
    """With chance 0.7, the circled 영 (for hire) of a construction-machinery plate for hire
    (generator version 13): as tall as the top line, left of the region that starts at ``left``,
    where the plate's frame (``_hire_frame``) leaves room for it."""
    if rng.random() >= 0.7:
        return
    d = top_h * rng.uniform(0.85, 1.05)
    cx = left - c.w * rng.uniform(0.02, 0.05) - d / 2
    cy = top_y + top_h * (0.5 + rng.uniform(-0.08, 0.08))
    ring = max(1, round(d * rng.uniform(0.06, 0.1)))
    if cx - d / 2 < c.h * HIRE_FRAME_INSET[1] + 2:
        return
    # An outline is centred on its radius: drawn half its width inside, so the ring stays
    # within d / 2 of its centre.
    radius = round((d - ring) / 2 * 16)
    cv2.circle(c.img, (round(cx * 16), round(cy * 16)), radius, ink, ring, cv2.LINE_AA, 4)
    g = d * rng.uniform(0.5, 0.62)
    c.put(font.for_region().glyph("영"), cx - g / 2, cy - g / 2, g, g, ink)


def _hire_frame(img: np.ndarray, rng: np.random.Generator, ink: RGB) -> None:
    """The line in the characters' colour that frames a construction-machinery plate for hire
    just inside its rim (generator version 13), 1 or 2 pixels wide."""
    h, w = img.shape[:2]
    inset = h * rng.uniform(*HIRE_FRAME_INSET)
    thick = int(rng.integers(1, 3))
    corners = (
        (round(inset * 16), round(inset * 16)),
        (round((w - 1 - inset) * 16), round((h - 1 - inset) * 16)),
    )
    cv2.rectangle(img, *corners, ink, thick, cv2.LINE_AA, 4)


def _bolts(
    img: np.ndarray,
    rng: np.random.Generator,
    bg: RGB,
    ink: RGB,
    top_line: tuple[float, float, float, float] | None,
    margins: tuple[float, float],
    above: float | None = None,
) -> None:
    """Two mounting bolts as a car shows them (generator version 5).

    A two-line plate is bolted through its top line, left and right of the region and class,
    with heads about as large as those characters: rings, caps painted like the characters or
    the plate, bare screw heads, or empty holes. A short plate with a top margin ``above`` its
    characters (version 7) is bolted through that margin, towards its corners. Another one-line
    plate's bolts sit in its side margins at mid height, never over a character, and are left
    out where a margin is too narrow for one.
    """
    h, w = img.shape[:2]
    if above is not None:
        r = above * rng.uniform(0.15, 0.3)
        xs = (w * rng.uniform(0.1, 0.25), w * (1 - rng.uniform(0.1, 0.25)))
        ys = (above * rng.uniform(0.4, 0.55),) * 2
    elif top_line is not None:
        left, right, cy, line_h = top_line
        r = line_h * rng.uniform(0.22, 0.45)
        gap = w * rng.uniform(0.015, 0.06)
        xs = (max(r + 2, left - gap - r), min(w - r - 3, right + gap + r))
        ys = (cy + rng.uniform(-0.1, 0.1) * line_h, cy + rng.uniform(-0.1, 0.1) * line_h)
    else:
        r = min(h * rng.uniform(0.05, 0.1), min(margins) / 2 - 1)
        if r < 1.5:
            return
        xs = (margins[0] / 2, w - margins[1] / 2)
        ys = (h * rng.uniform(0.4, 0.6),) * 2
    dark = tuple(float(v) * rng.uniform(0.2, 0.5) for v in bg)
    metal = tuple(float(rng.uniform(110, 220)) for _ in range(3))
    # The two bolts of a plate usually match; sometimes one is a cap and the other bare.
    styles = ["ring", "cap", "metal", "hole"]
    first = str(rng.choice(styles, p=[0.35, 0.25, 0.25, 0.15]))
    second = first if rng.random() < 0.75 else str(rng.choice(styles))
    for x, y, style in zip(xs, ys, (first, second), strict=True):
        centre = (round(x * 16), round(y * 16))  # 4 bits of sub-pixel precision
        rad = max(16, round(r * 16))
        thick = max(1, round(r * rng.uniform(0.2, 0.4)))
        # An outline is centred on its radius: drawn half its width inside, so that every bolt
        # stays within r of its centre.
        if style == "ring":
            cv2.circle(img, centre, max(16, rad - thick * 8), ink, thick, cv2.LINE_AA, 4)
            cv2.circle(img, centre, max(16, rad // 3), ink, -1, cv2.LINE_AA, 4)
        elif style == "cap":
            cv2.circle(img, centre, rad, ink if rng.random() < 0.5 else dark, -1, cv2.LINE_AA, 4)
        elif style == "metal":
            cv2.circle(img, centre, rad, metal, -1, cv2.LINE_AA, 4)
            shade = tuple(v * 0.5 for v in metal)
            edge = max(1, thick // 2)
            cv2.circle(img, centre, max(16, rad - edge * 8), shade, edge, cv2.LINE_AA, 4)
            if rng.random() < 0.6:  # the screw's slot
                dx = round(r * 0.7 * 16)
                a, b = (centre[0] - dx, centre[1]), (centre[0] + dx, centre[1])
                cv2.line(img, a, b, shade, edge, cv2.LINE_AA, 4)
        else:
            cv2.circle(img, centre, max(16, round(rad * 0.7)), dark, -1, cv2.LINE_AA, 4)


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    base = rng.uniform(0, 255, 3)
    grad = np.linspace(0, 1, w, dtype=np.float32)[None, :, None] * rng.uniform(-80, 80, 3)
    img = np.empty((h, w, 3), np.float32)
    img[:] = base
    img += grad
    img += rng.normal(0, rng.uniform(2, 20), (h, w, 1))
    return np.clip(img, 0, 255).astype(np.uint8)


def _degrade(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Photographic degradations on a BGR uint8 crop."""
    h, w = img.shape[:2]
    f = img.astype(np.float32)
    # Uneven light: a linear gradient in a random direction.
    if rng.random() < 0.6:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        a = rng.uniform(0, 2 * np.pi)
        g = (np.cos(a) * xx / w + np.sin(a) * yy / h) * rng.uniform(-90, 90)
        f += g[..., None]
    # Shadow: a dark polygon over part of the plate.
    if rng.random() < 0.3:
        pts = np.stack([rng.uniform(-0.2, 1.2, 4) * w, rng.uniform(-0.2, 1.2, 4) * h], 1)
        mask = np.zeros((h, w), np.float32)
        cv2.fillConvexPoly(mask, cv2.convexHull(pts.astype(np.int32)), 1.0)
        mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(0.5, 3))
        f *= 1 - mask[..., None] * rng.uniform(0.3, 0.7)
    # Dirt: a few soft brown blobs.
    if rng.random() < 0.3:
        for _ in range(int(rng.integers(1, 8))):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            r = rng.uniform(1, max(2, h * 0.12))
            mask = np.zeros((h, w), np.float32)
            cv2.circle(mask, (int(cx), int(cy)), int(r), 1.0, -1)
            mask = cv2.GaussianBlur(mask, (0, 0), max(0.5, r / 2))
            f = f * (1 - mask[..., None] * 0.6) + np.array([40, 60, 80]) * mask[..., None] * 0.6
    # Brightness, contrast, gamma.
    f = (f - 128) * rng.uniform(0.5, 1.3) + 128 + rng.uniform(-50, 50)
    f = np.clip(f, 0, 255)
    gamma = rng.uniform(0.6, 1.6)
    f = 255 * (f / 255) ** gamma
    # Night infrared: grey, hard contrast, bloom.
    if rng.random() < 0.15:
        grey = cv2.cvtColor(np.clip(f, 0, 255).astype(np.uint8), cv2.COLOR_BGR2GRAY)
        grey = cv2.equalizeHist(grey).astype(np.float32)
        grey = grey + cv2.GaussianBlur(grey, (0, 0), 3) * rng.uniform(0, 0.4)
        f = np.repeat(np.clip(grey, 0, 255)[..., None], 3, axis=2)
    out = np.clip(f, 0, 255).astype(np.uint8)
    # Blur: gaussian or motion.
    r = rng.random()
    if r < 0.35:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 0.3 + h / 40))
    elif r < 0.5:
        k = int(rng.integers(3, 4 + h // 20))
        kern = np.zeros((k, k), np.float32)
        kern[k // 2, :] = 1.0 / k
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(0, 180), 1.0)
        kern = cv2.warpAffine(kern, rot, (k, k))
        out = cv2.filter2D(out, -1, kern / max(kern.sum(), 1e-6))
    # Low resolution: shrink and grow back (only crops that still have pixels to lose).
    if h > 30 and rng.random() < 0.4:
        s = rng.uniform(0.45, 0.9)
        small = cv2.resize(
            out, (max(4, round(w * s)), max(4, round(h * s))), interpolation=cv2.INTER_AREA
        )
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return noise_and_jpeg(rng, out, max_sigma=14, min_quality=10)


def noise_and_jpeg(
    rng: np.random.Generator, out: np.ndarray, max_sigma: float, min_quality: int
) -> np.ndarray:
    """Sensor noise (σ from 2 to ``max_sigma``) and JPEG (quality ``min_quality`` to 90), each
    on 60 % of images: the last steps of a camera, for crops and whole frames alike."""
    if rng.random() < 0.6:
        noise = rng.normal(0, rng.uniform(2, max_sigma), out.shape)
        out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        quality = int(rng.integers(min_quality, 90))
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out


def perspective_quad(rng: np.random.Generator, w: int, h: int, strength: float) -> np.ndarray:
    """Destination corners (tl, tr, br, bl) for a plate of w×h seen at an angle."""
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    jitter = rng.uniform(-strength, strength, (4, 2)) * np.array([w, h]) * 0.5
    # Yaw: one side shorter than the other.
    yaw = rng.uniform(-strength, strength) * h * 1.5
    jitter[[1, 2], 1] += np.array([yaw, -yaw])
    angle = np.deg2rad(rng.uniform(-8, 8) * strength / 0.15)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = np.array([w / 2, h / 2])
    dst = (src + jitter - centre) @ rot.T + centre
    return dst.astype(np.float32)


#: The kinds printed on two lines, in ``KINDS`` order.
TWO_LINE_KINDS = tuple(k for k, (_, layout) in KINDS.items() if layout is Layout.TWO_LINE)


def pick_kind(rng: np.random.Generator, kinds: tuple[str, ...] | None = None) -> str:
    """A kind of plate drawn by its share in ``KINDS``, among ``kinds`` (default: all)."""
    names = list(KINDS) if kinds is None else list(kinds)
    probs = np.array([KINDS[k][0] for k in names])
    return names[int(rng.choice(len(names), p=probs / probs.sum()))]


def view(
    rng: np.random.Generator, plate: np.ndarray, height: float | None = None, cut: bool = False
) -> np.ndarray:
    """One degraded crop of a rendered ``plate`` (RGB), as a detector would hand it over: a
    perspective, a loose or tight crop, the camera's resolution (final height ``height``, or
    drawn between 16 and 120 pixels, mostly small) and its degradation.

    A ``cut`` crop (version 12) cuts into the plate: its top edge runs 0.04 to 0.2 of the
    plate's height below the middle of the plate's top edge, where other crops' top edges lie
    between 0.2 of the plate's bounding box's height above its highest corner and 0.05 below it.
    Without it no random number is drawn for this."""
    ph, pw = plate.shape[:2]
    plate_bgr = cv2.cvtColor(plate, cv2.COLOR_RGB2BGR)
    pad = max(pw, ph) // 4
    bg = _background(rng, pw + 2 * pad, ph + 2 * pad)
    quad = perspective_quad(rng, pw, ph, rng.uniform(0.0, 0.2)) + pad
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    m = cv2.getPerspectiveTransform(src, quad)
    warped = cv2.warpPerspective(plate_bgr, m, (bg.shape[1], bg.shape[0]))
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (bg.shape[1], bg.shape[0]))
    scene = np.where(mask[..., None] > 127, warped, bg)
    x0, y0 = quad.min(0)
    x1, y1 = quad.max(0)
    bw, bh = x1 - x0, y1 - y0
    mx = rng.uniform(-0.03, 0.1, 2) * bw
    my = rng.uniform(-0.05, 0.2, 2) * bh
    if cut:
        # Measured down the plate's middle, so that a tilted plate is cut as deep as a level one.
        top = (quad[0, 1] + quad[1, 1]) / 2
        my[0] = y0 - top - rng.uniform(0.04, 0.2) * ((quad[2, 1] + quad[3, 1]) / 2 - top)
    cx0, cx1 = int(max(0, x0 - mx[0])), int(min(scene.shape[1], x1 + mx[1]))
    cy0, cy1 = int(max(0, y0 - my[0])), int(min(scene.shape[0], y1 + my[1]))
    crop = scene[cy0:cy1, cx0:cx1]
    target_h = 16 + 104 * rng.random() ** 1.5 if height is None else height
    s = target_h / crop.shape[0]
    crop = cv2.resize(
        crop,
        (max(8, round(crop.shape[1] * s)), max(6, round(target_h))),
        interpolation=cv2.INTER_AREA,
    )
    return _degrade(rng, crop)


def holder(rng: np.random.Generator, plate: np.ndarray) -> np.ndarray:
    """``plate`` (RGB) inside the holder frame a car mounts it in (generator version 7): a band
    of black or dark grey plastic, chrome, or the car's paint, wider at the top and bottom on
    some holders, often with a thin lip of another shade along the plate's edge."""
    h, w = plate.shape[:2]
    side = round(h * rng.uniform(0.03, 0.1))
    top, bottom = round(h * rng.uniform(0.03, 0.14)), round(h * rng.uniform(0.03, 0.12))
    material = rng.random()
    if material < 0.6:
        colour = np.full(3, rng.uniform(10, 70))
    elif material < 0.85:
        colour = np.full(3, rng.uniform(140, 225))
    else:
        colour = rng.uniform(0, 255, 3)
    out = np.empty((h + top + bottom, w + 2 * side, 3), np.float32)
    out[:] = colour
    # Light falls on the frame from above: a slight top-to-bottom shading.
    out *= np.linspace(1.0, rng.uniform(0.7, 1.0), out.shape[0], dtype=np.float32)[:, None, None]
    out[top : top + h, side : side + w] = plate
    if rng.random() < 0.5:
        lip = tuple(float(v) for v in np.clip(colour * rng.uniform(0.4, 1.6), 0, 255))
        cv2.rectangle(out, (side - 1, top - 1), (side + w, top + h), lip, int(rng.integers(1, 3)))
    return np.clip(out, 0, 255).astype(np.uint8)


def _mounted(rng: np.random.Generator, plate: np.ndarray, fonts: Typefaces) -> np.ndarray:
    """``plate`` as a crop shows it on the car: in its holder frame with ``fonts.holder_frame``'s
    chance (version 7; older versions draw no random number here)."""
    if _happens(rng, fonts.holder_frame):
        return holder(rng, plate)
    return plate


def _cut(rng: np.random.Generator, fonts: Typefaces) -> bool:
    """Whether the next crop cuts into its plate, with ``fonts.cut_top``'s chance (version 12;
    older versions draw no random number here)."""
    return _happens(rng, fonts.cut_top)


def sample(
    rng: np.random.Generator,
    fonts: Typefaces,
    kind: str | None = None,
    kinds: tuple[str, ...] | None = None,
) -> Sample:
    """One degraded plate crop, as a detector would hand it over (loose or tight): of ``kind``,
    or of a kind drawn by its share among ``kinds`` (default: all, the same draw either way)."""
    kind = pick_kind(rng, kinds) if kind is None else kind
    plate, text = render_plate(rng, kind, fonts)
    plate = _mounted(rng, plate, fonts)
    return Sample(view(rng, plate, cut=_cut(rng, fonts)), text, kind, KINDS[kind][1])


def track(
    rng: np.random.Generator, fonts: Typefaces, frames: int, kind: str | None = None
) -> list[Sample]:
    """One plate seen in ``frames`` frames of a passing car: rendered once (the same typeface,
    colours, bend and bolts in every frame), each frame with its own view and degradation
    (light, shadow, dirt, blur, noise), the plate growing from a distant 16-40 pixels high to a
    near 50-110 as the car comes closer."""
    kind = pick_kind(rng) if kind is None else kind
    plate, text = render_plate(rng, kind, fonts)
    plate = _mounted(rng, plate, fonts)
    far, near = rng.uniform(16.0, 40.0), rng.uniform(50.0, 110.0)
    heights = np.linspace(far, near, frames) if frames > 1 else [near]
    return [
        Sample(view(rng, plate, float(h), _cut(rng, fonts)), text, kind, KINDS[kind][1])
        for h in heights
    ]


#: The kinds of plate a scene draws unless told others.
SCENE_KINDS = ("white7", "white8", "ev", "yellow2", "green2_region")


def scene(
    rng: np.random.Generator,
    fonts: Typefaces,
    size: tuple[int, int] = (1280, 720),
    kinds: tuple[str, ...] = SCENE_KINDS,
) -> tuple[np.ndarray, str, np.ndarray]:
    """A street-like frame (BGR) with one plate of one of ``kinds`` on a car-like block; returns
    (image, text, quad)."""
    w, h = size
    img = _background(rng, w, h)
    for _ in range(int(rng.integers(5, 20))):
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p2 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        col = tuple(int(v) for v in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            cv2.line(img, p1, p2, col, int(rng.integers(1, 6)))
        else:
            cv2.rectangle(img, p1, p2, col, -1)
    kind = str(rng.choice(list(kinds)))
    plate, text = render_plate(rng, kind, fonts)
    plate = cv2.cvtColor(plate, cv2.COLOR_RGB2BGR)
    ph, pw = plate.shape[:2]
    scale = rng.uniform(0.5, 0.9) * (w * 0.2) / pw
    plate = cv2.resize(plate, (round(pw * scale), round(ph * scale)), interpolation=cv2.INTER_AREA)
    ph, pw = plate.shape[:2]
    # Car body around the plate.
    cx = int(rng.integers(pw, w - pw))
    cy = int(rng.integers(ph * 2, h - ph * 2))
    body = tuple(int(v) for v in rng.integers(0, 255, 3))
    cv2.rectangle(img, (cx - pw * 2, cy - ph * 4), (cx + pw * 2, cy + ph * 3), body, -1)
    quad = perspective_quad(rng, pw, ph, 0.08) + np.array([cx - pw / 2, cy - ph / 2], np.float32)
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    m = cv2.getPerspectiveTransform(src, quad)
    warped = cv2.warpPerspective(plate, m, (w, h))
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (w, h))
    img = np.where(mask[..., None] > 127, warped, img)
    noise = rng.normal(0, 4, img.shape)
    img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return img, text, quad


def encode_png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return io.BytesIO(buf.tobytes()).getvalue()
