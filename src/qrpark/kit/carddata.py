"""Finding card data where it must never be: primary account numbers (Luhn-valid runs of 13-19
digits, spaced or not) and card security codes written next to their name."""

from __future__ import annotations

import re

# Not part of a longer token: identifiers in hex (UUIDs, gateway ids) hold digit runs too.
PAN_RE = re.compile(r"(?<![0-9A-Za-z_-])(?:\d[ -]?){12,18}\d(?![0-9A-Za-z_-])")
CVC_RE = re.compile(r"(?i)\b(?:cvc|cvv|csc|security[ _-]?code)\b\W{0,6}\d{3,4}\b")


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_card_data(text: str) -> list[str]:
    """Masked descriptions of every card number or CVC found in ``text``."""
    found = []
    for match in PAN_RE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn(digits):
            found.append(f"card number ending {digits[-4:]}")
    found += [f"card security code near offset {m.start()}" for m in CVC_RE.finditer(text)]
    return found
