"""Signing and verifying webhooks by the Standard Webhooks scheme (used by PortOne V2 and by our
sandbox gateway): ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64>``,
an HMAC-SHA256 over ``id.timestamp.body``."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping

TOLERANCE = dt.timedelta(minutes=5)


class SignatureError(ValueError):
    pass


def _secret_bytes(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode("utf-8")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(_secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def headers_for(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> str:
    """Return the message id of a genuine, fresh message, or raise ``SignatureError``."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = lower.get("webhook-id", "")
    stamp = lower.get("webhook-timestamp", "")
    given = lower.get("webhook-signature", "")
    if not msg_id or not stamp.isdigit() or not given:
        raise SignatureError("missing webhook headers")
    sent = dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    if abs(now - sent) > TOLERANCE:
        raise SignatureError("stale or future timestamp")
    expected = sign(secret, msg_id, int(stamp), body)
    if not any(hmac.compare_digest(expected, part) for part in given.split()):
        raise SignatureError("bad signature")
    return msg_id
