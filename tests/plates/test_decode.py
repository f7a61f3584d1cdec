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


def _reference_best_valid(log_probs: np.ndarray) -> float | None:
    """Log-prob of the best frame labelling whose collapsed tokens the grammar accepts.

    A plain dynamic programme over (grammar state, last frame label), written for clarity: the
    oracle for the vectorised search.
    """
    from qrpark.plates.domain import GRAMMAR, GRAMMAR_ACCEPT, GRAMMAR_START, token_kind

    def moves(state: str, label: int) -> str | None:
        return GRAMMAR[state].get(token_kind(TOKENS[label]))

    best: dict[tuple[str, int], float] = {(GRAMMAR_START, 0): float(log_probs[0, 0])}
    for label in range(1, len(TOKENS)):
        nxt = moves(GRAMMAR_START, label)
        if nxt is not None:
            best[(nxt, label)] = float(log_probs[0, label])
    for t in range(1, len(log_probs)):
        new: dict[tuple[str, int], float] = {}
        for (state, last), value in best.items():
            for label in range(len(TOKENS)):
                if label in (0, last):
                    key = (state, label)  # blank, or the same label held
                else:
                    nxt = moves(state, label)
                    if nxt is None:
                        continue
                    key = (nxt, label)
                score = value + float(log_probs[t, label])
                if score > new.get(key, -np.inf):
                    new[key] = score
        best = new
    ends = [v for (state, _), v in best.items() if state == GRAMMAR_ACCEPT]
    return max(ends) if ends else None


@pytest.mark.parametrize("seed", range(6))
def test_constrained_search_finds_the_best_valid_path(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raw = rng.normal(0, rng.uniform(1, 5), (14, len(TOKENS)))
    raw[:, 0] += rng.uniform(0, 3)
    lp = (raw - np.log(np.exp(raw).sum(axis=1, keepdims=True))).astype(np.float32)
    d = constrained(lp)
    reference = _reference_best_valid(lp.astype(np.float64))
    assert reference is not None
    assert d.valid
    assert d.log_prob == pytest.approx(reference, abs=1e-3)


def _reading(monkeypatch: pytest.MonkeyPatch, steps: dict[int, dict[str, float]]) -> object:
    """The bundled recogniser with its network replaced by fixed log-probs for every layout."""
    from qrpark.plates.reader import KoreanRecognizer

    recogniser = KoreanRecognizer()
    lp = logits(steps)
    monkeypatch.setattr(recogniser, "log_probs", lambda batch: np.stack([lp] * len(batch)))
    return recogniser


def test_a_blue_one_line_plate_is_read_without_a_region(monkeypatch: pytest.MonkeyPatch) -> None:
    # An EV badge at the left edge taken for a region: 인천 leads the best path, 13 a close second.
    steps = spell("인천13고2060")
    steps[2] = {"인천": 0.6, "1": 0.35}
    recogniser = _reading(monkeypatch, steps)
    one_line = np.full((40, 200, 3), 200, np.uint8)
    for colour, expected in (("white", "인천13고2060"), ("yellow", "인천13고2060")):
        decoded, _ = recogniser.read_crop(one_line, colour)
        assert decoded.text == expected
    decoded, _ = recogniser.read_crop(one_line, "blue")
    # An EV plate prints no region: the read gives the badge's column to the class digits.
    assert decoded.text == "113고2060"
    assert decoded.valid
    # A crop whose shape leaves its layout open is also read as two lines, and that read may keep
    # a region: a faded green regional plate can look blue.
    square = np.full((150, 330, 3), 200, np.uint8)
    decoded, _ = recogniser.read_crop(square, "blue")
    assert decoded.text == "인천13고2060"


def test_the_colour_is_worked_out_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = spell("인천13고2060")
    steps[2] = {"인천": 0.6, "1": 0.35}
    recogniser = _reading(monkeypatch, steps)
    blue = np.zeros((40, 200, 3), np.uint8)
    blue[:] = (200, 120, 40)  # BGR: a saturated blue
    assert recogniser.read_crop(blue)[0].text == "113고2060"
    assert recogniser.plate(blue).plate_type == "ev"
