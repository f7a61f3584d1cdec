"""Pure rules of proxy payment: the signed pass token, caps, and how proxy money is settled."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

from qrpark.kit.signing import KeyRing


class BadToken(ValueError):
    pass


def _message(pass_id: uuid.UUID, lot_code: str) -> str:
    return f"qrpark/proxy-pass/v1\n{pass_id}\n{lot_code}"


def make_token(pass_id: uuid.UUID, lot_code: str, keys: KeyRing) -> str:
    """``<pass id, base64url>.<key id>.<signature>``: no phone number or plate inside."""
    kid, sig = keys.sign(_message(pass_id, lot_code))
    return f"{base64.urlsafe_b64encode(pass_id.bytes).rstrip(b'=').decode()}.{kid}.{sig}"


def read_token(
    token: str, lot_code_of: dict[uuid.UUID, str] | None = None
) -> tuple[uuid.UUID, str, str]:
    """Split a token into (pass id, key id, signature) or raise ``BadToken``; the signature is
    checked by ``verify_token`` once the pass's lot is known."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 80:
        raise BadToken("malformed")
    raw, kid, sig = parts
    try:
        pass_id = uuid.UUID(bytes=base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, TypeError) as exc:
        raise BadToken("malformed") from exc
    return pass_id, kid, sig


def verify_token(pass_id: uuid.UUID, kid: str, sig: str, lot_code: str, keys: KeyRing) -> bool:
    return keys.verify(kid, sig, _message(pass_id, lot_code))


def total_cap(fee_now: int, asked: int | None) -> int:
    """Proxy payers together may pay at most the larger of the fee so far and what the driver asked."""
    return max(fee_now, asked or 0)


def quick_amounts(unpaid: int, room: int, minimum: int, steps: tuple[int, ...]) -> list[int]:
    """The buttons a payer sees: the unpaid fee first, then round amounts, all within the cap."""
    amounts = []
    if minimum <= unpaid <= room:
        amounts.append(unpaid)
    for step in steps:
        if minimum <= step <= room and step not in amounts:
            amounts.append(step)
    return amounts[:4]


@dataclass(frozen=True, slots=True)
class Settlement:
    """How proxy money meets the final fee: what each payment covers and what goes back to whom."""

    applied: dict[uuid.UUID, int]
    refunds: dict[uuid.UUID, int]

    @property
    def total_applied(self) -> int:
        return sum(self.applied.values())


def settle(fee: int, payments: list[tuple[uuid.UUID, int]]) -> Settlement:
    """``payments`` oldest first. Proxy money is applied first, oldest first; whatever proxies paid
    beyond the fee is refunded to them, newest first."""
    applied: dict[uuid.UUID, int] = {}
    left = fee
    for pid, amount in payments:
        take = min(amount, max(0, left))
        applied[pid] = take
        left -= take
    excess = sum(a for _, a in payments) - sum(applied.values())
    refunds: dict[uuid.UUID, int] = {}
    for pid, amount in reversed(payments):
        if excess <= 0:
            break
        back = min(excess, amount - applied[pid])
        if back > 0:
            refunds[pid] = back
            excess -= back
    return Settlement(applied, refunds)
