"""What a sign's QR code says and how its signature is checked. Pure: no I/O.

A sign encodes ``<public base URL>/a/<lot code>/<area code>?k=<key id>&s=<signature>``, where the
signature is a truncated HMAC-SHA256 over the lot and area codes under the key ``k``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from qrpark.kit.signing import KeyRing

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class InvalidCode(ValueError):
    pass


def check_code(code: str, what: str = "code") -> str:
    """Lot and area codes: 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit."""
    if not CODE_RE.fullmatch(code):
        msg = f"{what} {code!r} must be 1-40 letters, digits, '.', '_' or '-'"
        raise InvalidCode(msg)
    return code


def _message(lot_code: str, area_code: str) -> str:
    return f"qrpark/sign/v1\n{lot_code}\n{area_code}"


@dataclass(frozen=True, slots=True)
class SignRef:
    """What a scanned sign URL claims: the lot, the area, and the signature over them."""

    lot_code: str
    area_code: str
    kid: str
    signature: str


def sign_url(base_url: str, lot_code: str, area_code: str, keys: KeyRing) -> str:
    kid, sig = keys.sign(_message(lot_code, area_code))
    path = f"/a/{quote(lot_code, safe='')}/{quote(area_code, safe='')}"
    return f"{base_url.rstrip('/')}{path}?k={kid}&s={sig}"


def verify(ref: SignRef, keys: KeyRing) -> bool:
    """True when the signature was made by a key still in the ring for exactly this lot and area."""
    return keys.verify(ref.kid, ref.signature, _message(ref.lot_code, ref.area_code))


def parse_sign_url(url: str) -> SignRef:
    """Read a sign URL back (used by tests and the sign checker in the console)."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if len(segments) < 4 or segments[-3] != "a":
        msg = f"not a sign URL: {url}"
        raise ValueError(msg)
    query = parse_qs(parts.query)
    return SignRef(
        lot_code=segments[-2],
        area_code=segments[-1],
        kid=query.get("k", [""])[0],
        signature=query.get("s", [""])[0],
    )
