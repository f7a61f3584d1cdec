"""Vehicle numbers as drivers type them: normalised, then checked against the Korean formats
(or, where a lot allows it, any country's). Pure: no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from qrpark.plates.domain import (
    COMMERCIAL_SYLLABLES,
    PRIVATE_SYLLABLES,
    REGIONS,
    RENTAL_SYLLABLES,
    normalise,
)

# The plate alphabet is the plate reader's: one source for what a Korean plate may print.
PRIVATE = PRIVATE_SYLLABLES
DELIVERY = "배"
COMMERCIAL = COMMERCIAL_SYLLABLES.replace(DELIVERY, "")  # taxis, buses and other business vehicles
RENTAL = RENTAL_SYLLABLES
DIPLOMATIC = ("외교", "영사", "준외", "준영", "국기", "협정", "대표")
LETTERS = PRIVATE + COMMERCIAL + DELIVERY + RENTAL

_KOREAN = re.compile(
    rf"^(?P<region>{'|'.join(REGIONS)})?(?P<num>\d{{2,3}})(?P<use>[{LETTERS}]|{'|'.join(DIPLOMATIC)})(?P<serial>\d{{4}})$"
)
_FOREIGN = re.compile(r"^[A-Z0-9]{2,10}$")


class PlateKind(StrEnum):
    PRIVATE = "private"
    COMMERCIAL = "commercial"
    DELIVERY = "delivery"
    RENTAL = "rental"
    DIPLOMATIC = "diplomatic"
    FOREIGN = "foreign"


class InvalidPlate(ValueError):
    """``code`` names the problem so pages can explain it in the reader's language."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


@dataclass(frozen=True, slots=True)
class Plate:
    text: str  # the normalised form stored and compared, e.g. "서울12가3456"
    kind: PlateKind
    region: str | None = None

    def masked(self) -> str:
        """For proxy payers and logs: ``12가**56``, keeping the usage letter and the ends."""
        return mask(self.text)


def mask(text: str) -> str:
    if len(text) <= 4:
        return "*" * len(text)
    serial = text[-4:]
    return (
        f"{text[:-4]}{serial[0]}**{serial[-1]}"
        if any("가" <= ch <= "힣" for ch in text)
        else (f"{text[:2]}{'*' * (len(text) - 4)}{text[-2:]}")
    )


def clean(raw: str) -> str:
    """Compose Hangul typed as jamo, turn full-width characters into ASCII, drop spaces, hyphens
    and dots, and upper-case Latin letters: the same normal form the plate reader uses."""
    return normalise(raw)


def _kind_of(use: str) -> PlateKind:
    if use in DIPLOMATIC:
        return PlateKind.DIPLOMATIC
    for letters, kind in (
        (RENTAL, PlateKind.RENTAL),
        (COMMERCIAL, PlateKind.COMMERCIAL),
        (DELIVERY, PlateKind.DELIVERY),
    ):
        if use in letters:
            return kind
    return PlateKind.PRIVATE


def parse(raw: str, *, allow_foreign: bool = False) -> Plate:
    """A vehicle number, or ``InvalidPlate`` with the reason."""
    text = clean(raw)
    if not text:
        raise InvalidPlate("empty")
    if len(text) > 12:
        raise InvalidPlate("too_long")
    match = _KOREAN.match(text)
    if match:
        kind = _kind_of(match.group("use"))
        if match.group("region") and len(match.group("num")) == 3:
            raise InvalidPlate("region_with_three_digits")
        return Plate(text, kind, match.group("region"))
    if any("가" <= ch <= "힣" for ch in text):
        if not re.search(r"\d{4}$", text):
            raise InvalidPlate("serial")
        if re.fullmatch(r"(?:[가-힣]{2})?\d{2,3}[가-힣]\d{4}", text):
            raise InvalidPlate("letter")
        raise InvalidPlate("format")
    if allow_foreign and _FOREIGN.match(text):
        return Plate(text, PlateKind.FOREIGN)
    raise InvalidPlate("format" if not allow_foreign else "foreign_format")
