from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from qrpark.plates.domain import Read, vote

texts = st.sampled_from(["12가3456", "12나3456", "13가3456", "123가4567"])
reads = st.lists(
    st.builds(Read, texts, st.floats(0.01, 1.0, allow_nan=False)), min_size=1, max_size=12
)


def test_heavier_evidence_beats_a_single_confident_outlier() -> None:
    result = vote([Read("12가3456", 0.6), Read("12가3456", 0.6), Read("12나3456", 0.9)])
    assert result is not None
    assert result.text == "12가3456"
    assert result.support == 2
    assert math.isclose(result.confidence, 1.2 / 2.1)


def test_confidence_weighs_more_than_count() -> None:
    result = vote([Read("12가3456", 0.1), Read("12가3456", 0.1), Read("12나3456", 0.95)])
    assert result is not None
    assert result.text == "12나3456"


def test_empty_and_worthless_reads_do_not_vote() -> None:
    assert vote([]) is None
    assert vote([Read("", 0.9), Read("12가3456", 0.0), Read("12가3456", float("nan"))]) is None


def test_spelling_variants_are_merged_by_normalisation() -> None:
    result = vote([Read("12가 3456", 0.5), Read("12가-3456", 0.5), Read("12나3456", 0.8)])
    assert result is not None
    assert result.text == "12가3456"


@given(reads, st.randoms())
def test_vote_ignores_order(rs: list[Read], rnd: object) -> None:
    shuffled = list(rs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert vote(rs) == vote(shuffled) or _close(vote(rs), vote(shuffled))


def _close(a: object, b: object) -> bool:
    return (
        a is not None
        and b is not None
        and a.text == b.text  # type: ignore[attr-defined]
        and math.isclose(a.confidence, b.confidence)  # type: ignore[attr-defined]
    )


@given(reads)
def test_winner_has_the_largest_total_weight(rs: list[Read]) -> None:
    result = vote(rs)
    assert result is not None
    totals: dict[str, float] = {}
    for r in rs:
        totals[r.text] = totals.get(r.text, 0.0) + r.confidence
    assert totals[result.text] >= max(totals.values()) - 1e-9
    assert 0.0 < result.confidence <= 1.0 + 1e-9
    assert result.support == sum(1 for r in rs if r.text == result.text)


@given(texts, st.lists(st.floats(0.01, 1.0), min_size=1, max_size=5))
def test_unanimous_reads_win_with_full_confidence(text: str, confs: list[float]) -> None:
    result = vote([Read(text, c) for c in confs])
    assert result is not None
    assert result.text == text
    assert math.isclose(result.confidence, 1.0)
