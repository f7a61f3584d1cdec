"""Pure rules of proxy payment: tokens and settlement."""

import uuid

from hypothesis import given
from hypothesis import strategies as st

from qrpark.kit.signing import KeyRing
from qrpark.proxy.domain import (
    make_token,
    quick_amounts,
    read_token,
    settle,
    total_cap,
    verify_token,
)

KEYS = KeyRing({"t1": "proxy-test-signing-key-01"})


def test_a_token_names_its_pass_and_nothing_else() -> None:
    pid = uuid.uuid4()
    token = make_token(pid, "gangnam-b", KEYS)
    assert "gangnam" not in token
    read = read_token(token)
    assert read[0] == pid
    assert verify_token(*read, "gangnam-b", KEYS)
    assert not verify_token(*read, "jongno-a", KEYS)  # bound to its lot


def test_caps_and_quick_amounts() -> None:
    assert total_cap(5500, None) == 5500
    assert total_cap(5500, 10000) == 10000
    assert quick_amounts(5500, 5500, 1000, (1000, 3000, 5000, 10000)) == [5500, 1000, 3000, 5000]
    assert quick_amounts(500, 500, 1000, (1000,)) == []


payment_lists = st.lists(st.integers(1, 20000), max_size=8)


@given(st.integers(0, 60000), payment_lists)
def test_settlement_applies_oldest_first_and_refunds_the_excess_newest_first(
    fee: int, amounts: list[int]
) -> None:
    ids = [uuid.UUID(int=i + 1) for i in range(len(amounts))]
    plan = settle(fee, list(zip(ids, amounts, strict=True)))
    paid = sum(amounts)
    assert plan.total_applied == min(fee, paid)
    assert sum(plan.refunds.values()) == paid - plan.total_applied
    for pid, amount in zip(ids, amounts, strict=True):
        assert 0 <= plan.applied[pid] + plan.refunds.get(pid, 0) <= amount
    # newest first: a payment is refunded only if every newer one is refunded in full
    refunded = [pid for pid in ids if pid in plan.refunds]
    if refunded:
        oldest_refunded = ids.index(refunded[0])
        for pid, amount in list(zip(ids, amounts, strict=True))[oldest_refunded + 1 :]:
            assert plan.refunds.get(pid, 0) == amount
