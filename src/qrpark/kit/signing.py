"""Truncated HMAC-SHA256 signatures with key ids, so keys can rotate.

The first key in the ring signs; every key in the ring verifies. Rotating is: put the new key
first, keep the old one after it for the rotation window, then drop it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

SIGNATURE_BYTES = 12  # 96 bits: far beyond online guessing, short enough for a compact QR code


def digest(secret: str) -> str:
    """The SHA-256 hex digest under which a bearer secret (API token, link, login cookie) is
    stored: the secret itself never is."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class KeyRing:
    def __init__(self, keys: Mapping[str, str]) -> None:
        if not keys:
            msg = "a key ring needs at least one key"
            raise ValueError(msg)
        self._keys = {kid: secret.encode("utf-8") for kid, secret in keys.items()}
        self.signing_kid = next(iter(self._keys))

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def _mac(self, kid: str, message: str) -> str:
        digest = hmac.new(self._keys[kid], message.encode("utf-8"), hashlib.sha256).digest()
        return _b64(digest[:SIGNATURE_BYTES])

    def sign(self, message: str) -> tuple[str, str]:
        """Return ``(kid, signature)`` for ``message`` with the current signing key."""
        return self.signing_kid, self._mac(self.signing_kid, message)

    def verify(self, kid: str, signature: str, message: str) -> bool:
        """True only when ``kid`` is in the ring and the signature matches (constant time)."""
        if kid not in self._keys or not signature:
            return False
        return hmac.compare_digest(self._mac(kid, message), signature)
