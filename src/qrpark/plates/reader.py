"""Read plates in images: qrpark's own ONNX model for Korean plates, RapidOCR for Latin plates.

Build a :class:`PlateReader` once (it loads models) and call :meth:`PlateReader.read` per frame.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import zip_longest
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from qrpark.plates.decode import (
    Decoded,
    aligned,
    aligned_log_prob,
    constrained,
    greedy,
    text_log_posterior,
)
from qrpark.plates.detector import FinderModelMissingError, LearnedFinder, onnx_session
from qrpark.plates.domain import (
    GRAMMAR_START,
    GRAMMAR_START_REGIONAL,
    REGIONS,
    TOKEN_INDEX,
    TOKENS,
    PlateUse,
    is_valid_latin,
    normalise,
    parse_korean,
)
from qrpark.plates.finder import Candidate, find_plates, holds_as_line, same_place
from qrpark.plates.preprocess import (
    ARRANGE_VERSIONS,
    MAX_SIDE_TRIM,
    Layout,
    candidate_layouts,
    model_input,
    to_grey,
    trim_sides,
    u8_median,
    valid_side_trims,
)

U8Image = npt.NDArray[np.uint8]
MODEL_DIR = Path(__file__).resolve().parent / "models"
KR_MODEL = MODEL_DIR / "kr_plate_crnn.onnx"
#: Region tokens: an EV plate (blue) never prints a region, so a blue crop's one-line read has none.
_REGION_IDS = np.array([TOKEN_INDEX[r] for r in REGIONS])
#: Log-probability given to a token the plate cannot print: no path through it can win.
_IMPOSSIBLE = np.float32(-1e4)
#: Backgrounds of the plates that always print their region: yellow commercial plates and orange
#: construction-machinery plates, one line or two.
REGIONAL_COLOURS = frozenset({"yellow", "orange"})
#: How a read's confidence is worked out, named by the model card's ``confidence`` (a card
#: without the field means the first): its weakest character's probability on the read's best
#: path, or the read's whole text's probability over every path to it, averaged in log space
#: over the card's views of the read's layout (docs/plates.md, *A read's confidence from its
#: text in every view*). The card's reject threshold is calibrated for its measure.
WEAKEST_CHARACTER = "weakest_character"
TEXT_POSTERIOR = "text_posterior"
CONFIDENCE_MEASURES = (WEAKEST_CHARACTER, TEXT_POSTERIOR)

#: How a crop's read is chosen among its views, as its model card names it (``"choice"``; a card
#: without the field means the first): the best path of any one view, or the text whose best
#: paths score highest on average over the views of its layout, each view's best read a
#: candidate (docs/plates.md, *A read chosen by every view of its layout*). The card's reject
#: threshold is calibrated for its choice.
BEST_VIEW = "best_view"
LAYOUT_MEAN = "layout_mean"
CHOICES = (BEST_VIEW, LAYOUT_MEAN)


class Mode(StrEnum):
    KR = "kr"
    LATIN = "latin"


class FinderKind(StrEnum):
    """Which plate finder proposes candidates in a whole frame."""

    CLASSICAL = "classical"
    LEARNED = "learned"
    #: Both, their candidates interleaved by rank, overlapping ones dropped.
    BOTH = "both"


#: The finder a reader uses unless told otherwise.
DEFAULT_FINDER = FinderKind.CLASSICAL


class ModelMissingError(RuntimeError):
    """The bundled recogniser is not where it should be (run ``make train-plates``)."""


@dataclass(frozen=True, slots=True)
class PlateRead:
    """One plate read from an image."""

    text: str
    confidence: float
    accepted: bool
    plate_type: str
    char_confidences: tuple[float, ...] = ()
    box: tuple[int, int, int, int] | None = None
    layout: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "accepted": self.accepted,
            "plate_type": self.plate_type,
            "char_confidences": [round(c, 4) for c in self.char_confidences],
            "box": list(self.box) if self.box else None,
            "layout": self.layout,
        }


@dataclass(frozen=True, slots=True)
class CropRead:
    """The recogniser's read of one crop: the winning decoded path, its layout and the read's
    confidence by the card's measure (0 for an invalid read)."""

    decoded: Decoded
    layout: Layout
    confidence: float


@dataclass(frozen=True, slots=True)
class ImageResult:
    """Every plate read in one image, best first, and how long reading took."""

    plates: tuple[PlateRead, ...]
    seconds: float
    #: The boxes of the candidates that were read (the whole image for a crop).
    candidate_boxes: tuple[tuple[int, int, int, int], ...] = ()

    @property
    def best(self) -> PlateRead | None:
        return self.plates[0] if self.plates else None


def plate_colour(crop: U8Image) -> str:  # noqa: PLR0911 (one return per colour)
    """Background colour of a plate crop: white, blue, green, yellow or orange."""
    if crop.ndim == 2:
        return "white"
    h, w = crop.shape[:2]
    centre = crop[h // 6 : h - h // 6, w // 10 : w - w // 10]
    if centre.size == 0:  # too small to see a background: read as a white plate
        return "white"
    hsv = np.asarray(cv2.cvtColor(centre, cv2.COLOR_BGR2HSV), np.uint8).reshape(-1, 3)
    # The background is the commoner half of the pixels: take the brighter-or-more-saturated
    # half by value, characters being the minority.
    sat = u8_median(hsv[:, 1])
    if sat < 70:
        return "white"
    hue = u8_median(hsv[hsv[:, 1] >= sat, 0])
    if hue < 17 or hue >= 170:
        return "orange"
    if hue < 35:
        return "yellow"
    if hue < 85:
        return "green"
    if hue < 135:
        return "blue"
    return "white"


def korean_plate_type(  # noqa: PLR0911 (one return per plate type)
    text: str, colour: str, layout: Layout | None
) -> str:
    """A label for the plate: ev, commercial, rental, construction, old_green, private..."""
    plate = parse_korean(text)
    if colour == "blue":
        return "ev"
    if colour == "orange":
        return "construction"
    if colour == "yellow":
        return "commercial"
    if colour == "green":
        return "old_green_regional" if plate and plate.region else "old_green"
    if plate is not None and plate.use is PlateUse.RENTAL:
        return "rental"
    if plate is not None and plate.use is PlateUse.COMMERCIAL:
        return "commercial"
    if plate is not None and plate.region:
        return "regional"
    if layout is Layout.TWO_LINE:
        return "two_line"
    return "private"


@dataclass
class KoreanRecognizer:
    """The bundled CTC recogniser with grammar-constrained decoding and a reject threshold."""

    model_path: Path = KR_MODEL
    threads: int = 1
    threshold: float = field(init=False)
    #: How the model's inputs were arranged in training (:func:`preprocess.arrange`).
    arrange_version: int = field(init=False)
    #: The views each layout is read in: the share of the crop's width trimmed from each side
    #: (0: the crop as it is). The reject threshold is calibrated for exactly these views.
    side_trims: tuple[float, ...] = field(init=False)
    #: How a read's confidence is worked out (``CONFIDENCE_MEASURES``), from the card.
    confidence_measure: str = field(init=False)
    #: How a read is chosen among the views (``CHOICES``), from the card.
    choice: str = field(init=False)
    _session: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        meta_path = self.model_path.with_suffix(".json")
        if not self.model_path.exists() or not meta_path.exists():
            raise ModelMissingError(f"{self.model_path} is missing; run `make train-plates`")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if tuple(meta["tokens"]) != TOKENS:
            raise ModelMissingError("the model's vocabulary does not match qrpark.plates.domain")
        self.threshold = float(meta["reject_threshold"])
        self.arrange_version = int(meta.get("arrange_version", 1))
        if self.arrange_version not in ARRANGE_VERSIONS:
            raise ModelMissingError(
                f"the model wants input arrangement {self.arrange_version}; this qrpark knows "
                f"{', '.join(map(str, ARRANGE_VERSIONS))}"
            )
        self.side_trims = tuple(float(t) for t in meta.get("side_trims", [0.0]))
        if not valid_side_trims(self.side_trims):
            raise ModelMissingError(
                f"the model card's side_trims {self.side_trims} must be one or more shares "
                f"between 0 and {MAX_SIDE_TRIM}"
            )
        self.confidence_measure = str(meta.get("confidence", WEAKEST_CHARACTER))
        if self.confidence_measure not in CONFIDENCE_MEASURES:
            raise ModelMissingError(
                f"the model card's confidence {self.confidence_measure!r} is none of "
                f"{', '.join(CONFIDENCE_MEASURES)}"
            )
        self.choice = str(meta.get("choice", BEST_VIEW))
        if self.choice not in CHOICES:
            raise ModelMissingError(
                f"the model card's choice {self.choice!r} is none of {', '.join(CHOICES)}"
            )
        self._session = onnx_session(self.model_path, self.threads)

    def log_probs(self, batch: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        out: npt.NDArray[np.float32] = self._session.run(None, {"image": batch})[0]
        return out

    def views(self, crop: U8Image) -> list[tuple[Layout, U8Image]]:
        """Every (layout, grey view) this crop is read in: each plausible layout of its shape,
        in each of the card's side trims that trims something (the crop as it is when none
        does, as on a crop too narrow to trim)."""
        h, w = crop.shape[:2]
        grey = to_grey(crop)
        framed = [grey if t == 0.0 else trim_sides(grey, t) for t in self.side_trims]
        kept = [view for view in framed if view is not None] or [grey]
        return [(lay, view) for lay in candidate_layouts(w, h) for view in kept]

    def read_crop(self, crop: U8Image, colour: str | None = None) -> CropRead:
        """Best grammar-constrained read of a tight plate crop, over the plausible layouts and the
        card's views of it, chosen by the card's ``choice`` (``CHOICES``). Its confidence is the
        card's measure (``CONFIDENCE_MEASURES``).

        ``colour`` is the plate's background (``plate_colour``, worked out when not given): a
        blue one-line plate is an EV plate, which prints no region, so its one-line read may hold
        none. (Two-line reads keep them: a faded green regional plate can look blue.) A yellow or
        orange plate (``REGIONAL_COLOURS``) always prints its region, so its read must begin with
        one: a read that lost the region to a small or faint top line is not taken for the plate.
        """
        views = self.views(crop)
        layouts = [lay for lay, _ in views]
        batch = np.stack([model_input(view, lay, self.arrange_version) for lay, view in views])
        lps = self.log_probs(batch)
        colour = colour or plate_colour(crop)
        start = GRAMMAR_START_REGIONAL if colour in REGIONAL_COLOURS else GRAMMAR_START
        if colour == "blue":
            lps = lps.copy()
            one_line = np.array([lay is Layout.ONE_LINE for lay in layouts])
            lps[np.ix_(one_line, np.arange(lps.shape[1]), _REGION_IDS)] = _IMPOSSIBLE
        if self.choice == LAYOUT_MEAN:
            decoded, layout = _layout_mean(lps, layouts, start)
        else:
            decoded, layout = _best_view(lps, layouts, start)
        if not decoded.valid:
            confidence = 0.0
        elif self.confidence_measure == TEXT_POSTERIOR:
            # The same text in every view of its layout: a read one view alone makes is doubted.
            same = [i for i, lay in enumerate(layouts) if lay is layout]
            labels = [TOKEN_INDEX[t] for t in decoded.tokens]
            confidence = float(np.exp(text_log_posterior(lps[same], labels).mean()))
        else:
            confidence = decoded.confidence
        return CropRead(decoded, layout, confidence)

    def plate(self, crop: U8Image, box: tuple[int, int, int, int] | None = None) -> PlateRead:
        colour = plate_colour(crop)
        read = self.read_crop(crop, colour)
        decoded = read.decoded
        return PlateRead(
            text=decoded.text,
            confidence=read.confidence,
            accepted=decoded.valid and read.confidence >= self.threshold,
            plate_type=korean_plate_type(decoded.text, colour, read.layout),
            char_confidences=decoded.char_confidences,
            box=box,
            layout=read.layout.value,
        )


@dataclass
class LatinRecognizer:
    """RapidOCR's bundled PP-OCR models (offline), filtered to plausible Latin plates."""

    threads: int = 1
    threshold: float = 0.8
    _engine: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from rapidocr import RapidOCR

        self._engine = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.use_cls": False,
                "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def _to_read(self, text: str, score: float, box: tuple[int, int, int, int] | None) -> PlateRead:
        cleaned = "".join(ch for ch in normalise(text) if ch.isascii() and ch.isalnum())
        valid = is_valid_latin(cleaned)
        return PlateRead(
            text=cleaned,
            confidence=score if valid else 0.0,
            accepted=valid and score >= self.threshold,
            plate_type="latin",
            box=box,
        )

    def plate(self, crop: U8Image, box: tuple[int, int, int, int] | None = None) -> PlateRead:
        out = self._engine(crop, use_det=False, use_cls=False, use_rec=True)
        texts = list(out.txts or ())
        scores = list(out.scores or ())
        if not texts:
            return PlateRead("", 0.0, accepted=False, plate_type="latin", box=box)
        return self._to_read(str(texts[0]), float(scores[0]), box)

    def scene(self, image: U8Image) -> list[PlateRead]:
        """Text detection and recognition over the whole frame."""
        out = self._engine(image, use_cls=False)
        reads = []
        # With no text found RapidOCR answers with a recognition-only result that has no boxes.
        boxes = getattr(out, "boxes", None)
        if boxes is None:
            return []
        for text, score, quad in zip(out.txts or (), out.scores or (), boxes, strict=False):
            q = np.asarray(quad, np.float32)
            x0, y0 = q.min(axis=0)
            x1, y1 = q.max(axis=0)
            box = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
            reads.append(self._to_read(str(text), float(score), box))
        return [r for r in reads if r.confidence > 0]


def _rank(reads: list[PlateRead]) -> list[PlateRead]:
    return sorted(reads, key=lambda r: (-int(r.accepted), -r.confidence))


@dataclass
class PlateReader:
    """Finder plus recogniser for one lot's ``mode``."""

    mode: Mode = Mode.KR
    threads: int = 1
    max_candidates: int = 6
    finder: FinderKind = DEFAULT_FINDER
    _kr: KoreanRecognizer | None = field(default=None, init=False, repr=False)
    _latin: LatinRecognizer | None = field(default=None, init=False, repr=False)
    _learned: LearnedFinder | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.finder = FinderKind(self.finder)
        if self.finder is not FinderKind.CLASSICAL:
            try:
                self._learned = LearnedFinder(threads=self.threads)
            except FinderModelMissingError as exc:
                raise ModelMissingError(str(exc)) from None
        if self.mode is Mode.KR:
            self._kr = KoreanRecognizer(threads=self.threads)
        else:
            self._latin = LatinRecognizer(threads=self.threads)

    def _read_crop(self, crop: U8Image, box: tuple[int, int, int, int] | None) -> PlateRead:
        if self._kr is not None:
            return self._kr.plate(crop, box)
        assert self._latin is not None
        return self._latin.plate(crop, box)

    def candidates(self, image: U8Image) -> list[Candidate]:
        """Plate candidates in a whole frame from the reader's finder, best first."""
        if self._learned is None:
            return find_plates(image, self.max_candidates)
        learned = self._learned.find(image, self.max_candidates)
        if self.finder is FinderKind.LEARNED:
            return learned
        return merge_candidates(
            learned, find_plates(image, self.max_candidates), self.max_candidates
        )

    def read(self, image: U8Image, *, crop: bool = False) -> ImageResult:
        """Read an image: a tight plate crop when ``crop``, otherwise a whole frame."""
        start = time.perf_counter()
        if crop:
            h, w = image.shape[:2]
            plates = [self._read_crop(image, (0, 0, w, h))]
            return ImageResult(tuple(plates), time.perf_counter() - start, ((0, 0, w, h),))
        candidates = self.candidates(image)
        reads = [self._read_crop(c.crop, c.box) for c in candidates]
        found = [r for r in reads if r.confidence > 0]
        if not any(r.accepted for r in found) and self._latin is not None:
            found.extend(self._latin.scene(image))
        # One read per place: drop reads of a line that a whole plate's read holds, then weaker
        # reads overlapping a stronger one.
        ranked = _rank(without_line_reads(found))
        kept: list[PlateRead] = []
        for r in ranked:
            if r.box and any(k.box and _overlap(r.box, k.box) > 0.3 for k in kept):
                continue
            kept.append(r)
        return ImageResult(
            tuple(kept), time.perf_counter() - start, tuple(c.box for c in candidates)
        )


def _best_view(
    lps: npt.NDArray[np.float32], layouts: list[Layout], start: str
) -> tuple[Decoded, Layout]:
    """The valid path with the highest log-probability in any one view (``BEST_VIEW``).

    Cheap greedy reads first. The best valid read so far is the floor a view must reach to win,
    so a view's constrained search only looks for valid paths at or above it (and is skipped
    when even its unconstrained best path scores below). Views are searched from the highest
    greedy score down, so the floor rises early."""
    firsts = [greedy(lp, start) for lp in lps]
    floor = max((d.log_prob for d in firsts if d.valid), default=None)
    reads = list(firsts)
    for i in sorted(range(len(firsts)), key=lambda i: -firsts[i].log_prob):
        if not firsts[i].valid:
            reads[i] = constrained(lps[i], beat=floor, start=start)
            if reads[i].valid and (floor is None or reads[i].log_prob > floor):
                floor = reads[i].log_prob
    win = max(range(len(reads)), key=lambda i: (reads[i].valid, reads[i].log_prob))
    return reads[win], layouts[win]


def _layout_mean(
    lps: npt.NDArray[np.float32], layouts: list[Layout], start: str
) -> tuple[Decoded, Layout]:
    """The text the views of its layout hold best together (``LAYOUT_MEAN``): each view's best
    valid read is a candidate, scored by its text's best path in every view of its layout
    (``decode.aligned_log_prob`` where a view read something else), averaged. The read reported
    is the text's best path among those views, with its characters' confidences.

    Each view keeps the most a valid path can score in it: its greedy score, until a search
    says less. A candidate's average is at most its own score plus that of the other views of
    its layout, so a view is searched only for a valid path that could lift its layout's
    average above the best candidate so far (its ``beat``), and skipped where none could.
    Views whose greedy read is valid are taken first, as they cost no search and set the bar
    early, then the rest, each from the highest greedy score down. With one view per layout
    this chooses as ``_best_view`` does."""
    firsts = [greedy(lp, start) for lp in lps]
    most = [d.log_prob for d in firsts]
    groups: dict[Layout, list[int]] = {}
    for i, lay in enumerate(layouts):
        groups.setdefault(lay, []).append(i)
    # The best candidate so far: its average, its read where the view that read it holds it
    # best, its layout, the view that holds it best and its text.
    best: tuple[float, Decoded | None, Layout, int, tuple[str, ...]] | None = None
    seen: set[tuple[Layout, tuple[str, ...]]] = set()
    for i in sorted(range(len(firsts)), key=lambda i: (not firsts[i].valid, -most[i])):
        layout = layouts[i]
        group = groups[layout]
        beat = None
        if best is not None and np.isfinite(best[0]):
            beat = best[0] * len(group) - sum(most[k] for k in group if k != i)
            if most[i] <= beat:
                continue
        read = firsts[i] if firsts[i].valid else constrained(lps[i], beat=beat, start=start)
        if not read.valid:  # no valid path at or above the beat (none at all without one)
            most[i] = -np.inf if beat is None else min(most[i], beat)
            continue
        most[i] = read.log_prob  # the view's best valid path
        if (layout, read.tokens) in seen:
            continue
        seen.add((layout, read.tokens))
        held = [read.log_prob if k == i else _held(lps[k], firsts[k], read.tokens) for k in group]
        score = sum(held) / len(group)
        if best is None or score > best[0]:
            top = group[int(np.argmax(held))]
            best = (score, read if top == i else None, layout, top, read.tokens)
    if best is None:  # no valid read in any view: the best path of all, marked invalid
        win = max(range(len(firsts)), key=lambda i: firsts[i].log_prob)
        return firsts[win], layouts[win]
    _, own, layout, top, tokens = best
    if own is not None:
        return own, layout
    # The text's best path is in a view that read something else.
    return firsts[top] if firsts[top].tokens == tokens else aligned(lps[top], tokens, start), layout


def _held(lp: npt.NDArray[np.float32], first: Decoded, tokens: tuple[str, ...]) -> float:
    """The best path's score for ``tokens`` in one view: its greedy read's where that spells
    them (no path scores more), else the forced alignment's."""
    return first.log_prob if first.tokens == tokens else aligned_log_prob(lp, tokens)


def without_line_reads(reads: list[PlateRead]) -> list[PlateRead]:
    """``reads`` less each read of one line of a two-line plate whose whole read holds it.

    The lower line of a construction-machinery plate alone reads as a valid plate (``04노7823``
    under ``경기``), often more confidently than the whole plate's ``경기04노7823``, and would
    outrank it as the read of that place: a plate that is not the car's, accepted. A read is
    dropped where another read's box holds its box as a line (``holds_as_line``) and that read's
    text is longer and ends with its text; the whole plate's read stands for the place, with its
    own confidence and acceptance."""
    return [r for r in reads if not any(_is_line_of(r, whole) for whole in reads)]


def _is_line_of(line: PlateRead, whole: PlateRead) -> bool:
    return (
        line.box is not None
        and whole.box is not None
        and len(whole.text) > len(line.text)
        and whole.text.endswith(line.text)
        and holds_as_line(whole.box, line.box)
    )


def merge_candidates(
    first: list[Candidate], second: list[Candidate], limit: int
) -> list[Candidate]:
    """Both finders' candidates taken in turn by rank, each dropped where it overlaps (IoU >
    0.3) one already taken, at most ``limit``; as in the classical finder (``same_place``), a
    box shaped like a two-line plate is kept beside one it holds as a line."""
    out: list[Candidate] = []
    for pair in zip_longest(first, second):
        for cand in pair:
            if cand is None or any(same_place(cand.box, c.box) for c in out):
                continue
            out.append(cand)
    return out[:limit]


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    from qrpark.plates.finder import box_iou

    return box_iou(a, b)


def load_image(path: Path) -> U8Image:
    """Read an image file as BGR; raises ``ValueError`` when it cannot be decoded."""
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ValueError(f"cannot decode image {path}")
    return np.asarray(image, np.uint8)
