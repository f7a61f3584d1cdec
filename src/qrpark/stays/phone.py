"""Phone numbers: Korean mobile numbers as people write them, or any country's in E.164."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType


class InvalidPhone(ValueError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def parse_phone(raw: str, default_region: str = "KR") -> str:
    """Return the number in E.164, or raise ``InvalidPhone`` (``format``, ``invalid``, ``not_mobile``).

    Messages go out by SMS, so the number must be able to receive one."""
    text = raw.strip().replace("\u2010", "-").replace("\u2212", "-")
    if not text or len(text) > 32:
        raise InvalidPhone("format")
    try:
        number = phonenumbers.parse(text, default_region)
    except NumberParseException as exc:
        raise InvalidPhone("format") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("invalid")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise InvalidPhone("not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """``+8210****5678``: enough to recognise one's own number, not to call it."""
    if len(e164) < 8:
        return "*" * len(e164)
    return f"{e164[:5]}{'*' * (len(e164) - 9)}{e164[-4:]}"
