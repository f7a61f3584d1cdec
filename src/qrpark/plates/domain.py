"""Pure rules for Korean licence plates: alphabet, grammar, normalisation and track voting.

No numpy, no onnxruntime here: the recogniser and the CLI lean on these rules, and tests prove
them without a model.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

DIGITS = "0123456789"

#: Syllables printed on private cars (비사업용).
PRIVATE_SYLLABLES = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"
#: Commercial passenger and goods vehicles (사업용), 배 on delivery trucks since 2020.
COMMERCIAL_SYLLABLES = "아바사자배"
#: Rental cars (대여사업용).
RENTAL_SYLLABLES = "하허호"
#: Every syllable that appears in the middle of a civilian Korean plate number.
PLATE_SYLLABLES = PRIVATE_SYLLABLES + COMMERCIAL_SYLLABLES + RENTAL_SYLLABLES

#: The 17 first-level administrative regions printed on older and commercial plates.
REGIONS: tuple[str, ...] = (
    "서울",
    "부산",
    "대구",
    "인천",
    "광주",
    "대전",
    "울산",
    "세종",
    "경기",
    "강원",
    "충북",
    "충남",
    "전북",
    "전남",
    "경북",
    "경남",
    "제주",
)

#: Recogniser vocabulary: index 0 is the CTC blank, then digits, syllables and whole regions.
#: A region is one token because commercial plates stack its two syllables vertically.
BLANK = ""
TOKENS: tuple[str, ...] = (BLANK, *DIGITS, *PLATE_SYLLABLES, *REGIONS)
TOKEN_INDEX: dict[str, int] = {t: i for i, t in enumerate(TOKENS)}

# Region: one or two digits (older plates); no region: two or three digits (3 since 2019).
_PLATE_RE = re.compile(
    rf"^(?:(?P<region>{'|'.join(REGIONS)})(?P<rclass>\d{{1,2}})|(?P<klass>\d{{2,3}}))"
    rf"(?P<syllable>[{PLATE_SYLLABLES}])(?P<serial>\d{{4}})$"
)


class PlateUse(StrEnum):
    """What the plate's syllable says the vehicle is used for."""

    PRIVATE = "private"
    COMMERCIAL = "commercial"
    RENTAL = "rental"


@dataclass(frozen=True, slots=True)
class KoreanPlate:
    """A parsed Korean plate number."""

    region: str | None
    vehicle_class: str
    syllable: str
    serial: str

    @property
    def text(self) -> str:
        return f"{self.region or ''}{self.vehicle_class}{self.syllable}{self.serial}"

    @property
    def use(self) -> PlateUse:
        if self.syllable in RENTAL_SYLLABLES:
            return PlateUse.RENTAL
        if self.syllable in COMMERCIAL_SYLLABLES:
            return PlateUse.COMMERCIAL
        return PlateUse.PRIVATE


_DROP = re.compile(r"[\s\-·.]")


def normalise(raw: str) -> str:
    """Canonical form of a plate as typed or read: NFC Hangul, no spaces, dashes or dots.

    Full-width digits become ASCII; Latin letters are upper-cased so the same function serves
    ``latin`` mode.
    """
    text = unicodedata.normalize("NFKC", raw)
    text = _DROP.sub("", text).upper()
    # Dropping characters or upper-casing can leave a letter and a combining mark side by side;
    # composing once more makes the result a fixed point.
    return unicodedata.normalize("NFKC", text)


def parse_korean(raw: str) -> KoreanPlate | None:
    """Parse a Korean plate number, or ``None`` when it breaks the grammar."""
    m = _PLATE_RE.match(normalise(raw))
    if m is None:
        return None
    region = m.group("region")
    return KoreanPlate(
        region=region,
        vehicle_class=m.group("rclass") if region else m.group("klass"),
        syllable=m.group("syllable"),
        serial=m.group("serial"),
    )


def is_valid_korean(raw: str) -> bool:
    return parse_korean(raw) is not None


_LATIN_RE = re.compile(r"^[A-Z0-9]{4,8}$")


def is_valid_latin(raw: str) -> bool:
    """A plausible Latin plate: 4 to 8 of A–Z and 0–9 once normalised, with at least one digit."""
    text = normalise(raw)
    return bool(_LATIN_RE.match(text)) and any(c.isdigit() for c in text)


def tokenize(text: str) -> list[str]:
    """Split a plate into recogniser tokens (a region name is one token)."""
    text = normalise(text)
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in REGIONS:
            out.append(pair)
            i += 2
            continue
        if text[i] not in TOKEN_INDEX:
            raise ValueError(f"character {text[i]!r} is not in the plate alphabet")
        out.append(text[i])
        i += 1
    return out


# --- grammar as a small automaton, for constrained decoding -------------------------------

#: Kinds of token the automaton consumes.
KIND_DIGIT = "digit"
KIND_SYLLABLE = "syllable"
KIND_REGION = "region"


def token_kind(token: str) -> str:
    if token in REGIONS:
        return KIND_REGION
    if token in PLATE_SYLLABLES:
        return KIND_SYLLABLE
    if token.isdigit() and len(token) == 1:
        return KIND_DIGIT
    raise ValueError(f"not a plate token: {token!r}")


# States: name -> {kind: next state}. Accepting state is "done". Two starts: "start" takes any
# plate; "start_regional" only one that begins with its region, as yellow and orange plates do.
GRAMMAR: dict[str, dict[str, str]] = {
    "start": {KIND_REGION: "r", KIND_DIGIT: "c1"},
    "start_regional": {KIND_REGION: "r"},
    "r": {KIND_DIGIT: "rc1"},
    "rc1": {KIND_DIGIT: "rc2", KIND_SYLLABLE: "s0"},
    "rc2": {KIND_SYLLABLE: "s0"},
    "c1": {KIND_DIGIT: "c2"},
    "c2": {KIND_DIGIT: "c3", KIND_SYLLABLE: "s0"},
    "c3": {KIND_SYLLABLE: "s0"},
    "s0": {KIND_DIGIT: "s1"},
    "s1": {KIND_DIGIT: "s2"},
    "s2": {KIND_DIGIT: "s3"},
    "s3": {KIND_DIGIT: "done"},
    "done": {},
}
GRAMMAR_START = "start"
#: The start for a plate known to print its region (a yellow commercial or orange
#: construction-machinery plate): a read without one is not a valid read of it.
GRAMMAR_START_REGIONAL = "start_regional"
GRAMMAR_ACCEPT = "done"


def grammar_accepts(tokens: Sequence[str], start: str = GRAMMAR_START) -> bool:
    """True when the token sequence is a whole valid Korean plate (same as the regex), or from
    ``GRAMMAR_START_REGIONAL`` a whole valid plate that begins with its region."""
    state = start
    for token in tokens:
        nxt = GRAMMAR[state].get(token_kind(token))
        if nxt is None:
            return False
        state = nxt
    return state == GRAMMAR_ACCEPT


# --- track voting ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Read:
    """One frame's read of a plate: text, overall confidence and per-character confidences."""

    text: str
    confidence: float
    char_confidences: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Vote:
    """The result of voting over a track."""

    text: str
    confidence: float
    support: int


def vote(reads: Iterable[Read]) -> Vote | None:
    """Combine reads of one vehicle over several frames, weighted by confidence.

    Each distinct (normalised) text scores the sum of its reads' confidences; the winner's
    confidence is its share of the total. Reads with an empty text or a non-positive or
    non-finite confidence do not vote. Ties break by the longer text, then lexicographically, so
    the result never depends on the order of ``reads``.
    """
    weight: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for r in reads:
        if not r.text or not math.isfinite(r.confidence) or r.confidence <= 0:
            continue
        text = normalise(r.text)
        weight[text] += r.confidence
        count[text] += 1
    if not weight:
        return None
    total = sum(weight.values())
    best = max(weight, key=lambda t: (weight[t], len(t), t))
    return Vote(best, weight[best] / total, count[best])


# --- evaluation arithmetic ----------------------------------------------------------------


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))
