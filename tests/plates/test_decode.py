from __future__ import annotations

import numpy as np
import pytest

from qrpark.plates.decode import constrained, greedy
from qrpark.plates.domain import TOKEN_INDEX, TOKENS, tokenize

T = 32


def logits(steps: dict[int, dict[str, float]]) -> np.ndarray:
    """Log-probs where every column is blank except the columns given (label -> probability)."""
    p = np.full((T, len(TOKENS)), 1e-4, np.float64)
    p[:, 0] = 1.0
    for t, dist in steps.items():
        p[t] = 1e-4
        for label, prob in dist.items():
            p[t, TOKEN_INDEX[label]] = prob
    p /= p.sum(axis=1, keepdims=True)
    return np.log(p).astype(np.float32)


def spell(text: str, start: int = 2, stride: int = 3) -> dict[int, dict[str, float]]:
    return {start + i * stride: {tok: 0.95} for i, tok in enumerate(tokenize(text))}


def test_clean_logits_decode_to_the_plate() -> None:
    d = constrained(logits(spell("서울72바6984")))
    assert d.text == "서울72바6984"
    assert d.valid
    assert d.tokens[0] == "서울"
    assert len(d.char_confidences) == 8
    assert d.confidence > 0.98


def test_grammar_picks_the_runner_up_syllable_over_a_digit() -> None:
    steps = spell("12가3456")
    steps[8] = {"7": 0.5, "가": 0.4}
    assert greedy(logits(steps)).text == "1273456"
    d = constrained(logits(steps))
    assert d.text == "12가3456"
    assert d.valid
    assert d.char_confidences[2] == pytest.approx(0.4 / 0.9, abs=0.02)


def test_grammar_drops_an_extra_character() -> None:
    steps = spell("12가34567")  # one serial digit too many
    steps[2 + 3 * 8] = {"7": 0.3}
    d = constrained(logits(steps))
    assert d.valid
    assert d.text == "12가3456"


def test_repeated_digits_need_a_blank_between_them() -> None:
    steps = spell("11가1111", start=1, stride=2)
    d = constrained(logits(steps))
    assert d.text == "11가1111"


def test_no_valid_path_falls_back_to_invalid_greedy() -> None:
    d = constrained(logits({3: {"1": 0.9}, 6: {"2": 0.9}}))
    # Seven tokens fit easily in 32 columns, so a valid (low-probability) path exists.
    assert d.valid
    assert d.log_prob < greedy(logits({3: {"1": 0.9}, 6: {"2": 0.9}})).log_prob
    short = np.log(np.full((5, len(TOKENS)), 1 / len(TOKENS), np.float32))
    assert not constrained(short).valid
