from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest

from qrpark.plates import decode
from qrpark.plates.decode import constrained, greedy
from qrpark.plates.domain import TOKEN_INDEX, TOKENS, tokenize
from qrpark.plates.reader import plate_colour

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


def _peaked(rng: np.random.Generator, n_t: int = T) -> np.ndarray:
    """Log-probs shaped like a trained model's on a plate: a valid plate spelled out, each
    column sure of one label (mostly blank), a few columns torn between two, and one or two
    where a wrong label leads the right one."""
    kind_ids = decode._KIND_IDS
    kinds = ["digit", "digit", "syllable", "digit", "digit", "digit", "digit"]
    if rng.random() < 0.3:
        kinds.insert(0, "region")
    raw = rng.normal(-24, 3, (n_t, len(TOKENS)))
    raw[:, 0] = 0.0
    columns = np.sort(rng.choice(n_t, size=min(len(kinds), n_t), replace=False))
    for t, kind in zip(columns, kinds, strict=False):
        raw[t, 0] = -rng.uniform(4, 12)
        raw[t, int(rng.choice(kind_ids[kind]))] = 0.0
    for t in range(n_t):
        if rng.random() < 0.2:
            raw[t, int(rng.integers(0, len(TOKENS)))] = -rng.uniform(0, 6)
    for t in rng.choice(n_t, size=int(rng.integers(1, 3)), replace=False):
        raw[t, int(rng.integers(0, len(TOKENS)))] = rng.uniform(0.1, 4)
    return (raw - np.log(np.exp(raw).sum(axis=1, keepdims=True))).astype(np.float32)


@pytest.mark.parametrize("seed", range(40))
def test_the_pruned_search_finds_the_best_valid_path(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    lp = _peaked(rng, int(rng.integers(9, T + 1)))
    reference = _reference_best_valid(lp.astype(np.float64))
    full = decode._full_search(lp)
    d = constrained(lp)
    if reference is None:
        assert full is None
        assert not d.valid
        return
    assert full is not None
    assert d.valid
    assert d.log_prob == pytest.approx(reference, abs=1e-3)
    assert d.log_prob == pytest.approx(full.log_prob, abs=1e-4)
    # A floor at or below the best valid path: the pruned search alone finds it, when the
    # labels within reach of the floor are few enough for it to run at all.
    settled, path = decode._pruned_search(lp, reference - 0.01)
    if settled:
        assert path is not None
        assert float(lp[np.arange(len(path)), path].sum()) == pytest.approx(reference, abs=1e-3)
    # Above it: no valid path reaches the floor.
    assert decode._pruned_search(lp, reference + 0.01)[1] is None


def test_the_pruned_search_settles_peaked_columns_on_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On columns shaped like a trained model's, the loop over the pruned lattice answers
    without the vectorised search: that is where the time goes."""
    searched: list[int] = []
    real = decode._full_search

    def counted(lp: np.ndarray, start: str) -> object:
        searched.append(len(lp))
        return real(lp, start)

    monkeypatch.setattr(decode, "_full_search", counted)
    for seed in range(40):
        constrained(_peaked(np.random.default_rng(1000 + seed)))
    # Only a read more than _DELTA below its greedy path needs the full search.
    assert len(searched) <= 2


def test_a_beat_above_the_best_valid_path_returns_the_greedy_read() -> None:
    steps = spell("12가3456")
    steps[8] = {"7": 0.5, "가": 0.4}
    lp = logits(steps)
    best = constrained(lp)
    assert best.valid
    assert constrained(lp, beat=best.log_prob - 0.01) == best
    above = constrained(lp, beat=best.log_prob + 0.01)
    assert not above.valid
    assert above == greedy(lp)


def test_flat_columns_give_way_to_the_full_search() -> None:
    rng = np.random.default_rng(7)
    raw = rng.normal(0, 1, (T, len(TOKENS)))
    lp = (raw - np.log(np.exp(raw).sum(axis=1, keepdims=True))).astype(np.float32)
    assert decode._pruned_search(lp, float(lp.max(axis=1).sum()) - decode._DELTA) == (False, None)
    d = constrained(lp)
    reference = _reference_best_valid(lp.astype(np.float64))
    assert reference is not None
    assert d.log_prob == pytest.approx(reference, abs=1e-3)
    # The full search keeps the promise about ``beat`` too: the best valid path at or above it,
    # else the greedy read.
    assert decode._pruned_search(lp, reference + 0.01) == (False, None)
    assert constrained(lp, beat=reference - 0.01) == d
    assert constrained(lp, beat=reference + 0.01) == greedy(lp)


def test_a_crop_reads_as_the_best_of_its_views_searched_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reader searches views against a rising floor; the read must be the one that
    searching every view on its own and keeping the best would give."""
    from qrpark.plates.reader import KoreanRecognizer

    recogniser = KoreanRecognizer()
    square = np.full((150, 330, 3), 200, np.uint8)  # read in both layouts
    n_views = len(recogniser.views(square))
    assert n_views >= 2
    for seed in range(12):
        rng = np.random.default_rng(seed)
        lps = np.stack([_peaked(rng) for _ in range(n_views)])
        monkeypatch.setattr(recogniser, "log_probs", lambda batch, lps=lps: lps)
        decoded = recogniser.read_crop(square, "white").decoded
        alone = [constrained(lp) for lp in lps]
        best = max(alone, key=lambda d: (d.valid, d.log_prob))
        assert (decoded.text, decoded.valid) == (best.text, best.valid)
        assert decoded.log_prob == pytest.approx(best.log_prob, abs=1e-6)


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
        decoded = recogniser.read_crop(one_line, colour).decoded
        assert decoded.text == expected
    decoded = recogniser.read_crop(one_line, "blue").decoded
    # An EV plate prints no region: the read gives the badge's column to the class digits.
    assert decoded.text == "113고2060"
    assert decoded.valid
    # A crop whose shape leaves its layout open is also read as two lines, and that read may keep
    # a region: a faded green regional plate can look blue.
    square = np.full((150, 330, 3), 200, np.uint8)
    decoded = recogniser.read_crop(square, "blue").decoded
    assert decoded.text == "인천13고2060"


def test_the_colour_is_worked_out_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = spell("인천13고2060")
    steps[2] = {"인천": 0.6, "1": 0.35}
    recogniser = _reading(monkeypatch, steps)
    blue = np.zeros((40, 200, 3), np.uint8)
    blue[:] = (200, 120, 40)  # BGR: a saturated blue
    assert recogniser.read_crop(blue).decoded.text == "113고2060"
    assert recogniser.plate(blue).plate_type == "ev"


def test_the_regional_start_takes_only_plates_that_begin_with_their_region() -> None:
    from qrpark.plates.domain import GRAMMAR_START_REGIONAL, REGIONS, grammar_accepts, tokenize

    assert grammar_accepts(tokenize("서울72바6984"), GRAMMAR_START_REGIONAL)
    assert not grammar_accepts(tokenize("72바6984"), GRAMMAR_START_REGIONAL)
    assert grammar_accepts(tokenize("72바6984"))
    # A faint region ahead of a plain read: greedy drops it, the regional search keeps it.
    steps = spell("72바6984", start=8)
    steps[3] = {"경기": 0.3, "": 0.7}
    lp = logits(steps)
    assert constrained(lp).text == "72바6984"
    assert not greedy(lp, GRAMMAR_START_REGIONAL).valid
    regional = constrained(lp, start=GRAMMAR_START_REGIONAL)
    assert (regional.text, regional.valid) == ("경기72바6984", True)
    # The same from the vectorised search, which the pruned one gives way to on a flat lattice.
    assert decode._full_search(lp, GRAMMAR_START_REGIONAL) == regional
    # No region anywhere: the only valid reads invent one, at a confidence no threshold takes.
    bare = constrained(logits(spell("72바6984", start=8)), start=GRAMMAR_START_REGIONAL)
    assert bare.valid
    assert bare.text[:2] in REGIONS
    assert bare.confidence < 0.01


def test_a_yellow_or_orange_plate_is_read_with_its_region(monkeypatch: pytest.MonkeyPatch) -> None:
    # A construction-machinery plate whose region, alone on a faint top line, lost to blanks.
    steps = spell("04노7823", start=8)
    steps[3] = {"경기": 0.3, "": 0.7}
    recogniser = _reading(monkeypatch, steps)
    square = np.full((150, 330, 3), 200, np.uint8)
    for colour, expected in (
        ("white", "04노7823"),
        ("green", "04노7823"),
        ("blue", "04노7823"),
        ("yellow", "경기04노7823"),
        ("orange", "경기04노7823"),
    ):
        decoded = recogniser.read_crop(square, colour).decoded
        assert (decoded.text, decoded.valid) == (expected, True), colour


def _collapse_ids(path: tuple[int, ...]) -> list[int]:
    out, prev = [], 0
    for k in path:
        if k and k != prev:
            out.append(k)
        prev = k
    return out


@pytest.mark.parametrize(
    ("columns", "tokens", "labels"),
    [(4, 3, [1, 2]), (5, 3, [1, 1]), (3, 2, []), (6, 4, [2, 3, 2]), (5, 4, [3])],
)
def test_the_text_posterior_sums_every_labelling_of_the_text(
    columns: int, tokens: int, labels: list[int]
) -> None:
    """Against every frame labelling enumerated: the sum of the probabilities of those that
    collapse to the text, per view (a repeated label needs a blank between its copies)."""
    rng = np.random.default_rng(columns * 10 + tokens)
    x = rng.normal(size=(2, columns, tokens))
    lp = x - np.log(np.exp(x).sum(axis=-1, keepdims=True))
    expected = []
    for view in lp:
        total = -np.inf
        for path in itertools.product(range(tokens), repeat=columns):
            if _collapse_ids(path) == labels:
                total = np.logaddexp(total, sum(view[t, k] for t, k in enumerate(path)))
        expected.append(total)
    got = decode.text_log_posterior(lp.astype(np.float32), labels)
    assert got == pytest.approx(expected, abs=1e-5)


def test_the_text_posterior_is_at_least_the_best_path_and_less_where_columns_waver() -> None:
    sure = logits(spell("12가3456"))
    unsure_steps = spell("12가3456")
    unsure_steps[8] = {"가": 0.55, "나": 0.4}
    unsure = logits(unsure_steps)
    for lp in (sure, unsure):
        d = constrained(lp)
        labels = [TOKEN_INDEX[t] for t in d.tokens]
        assert decode.text_log_posterior(lp[None], labels)[0] >= d.log_prob - 1e-6
    labels = [TOKEN_INDEX[t] for t in tokenize("12가3456")]
    both = decode.text_log_posterior(np.stack([sure, unsure]), labels)
    assert both[1] < both[0] - 0.5  # the syllable's doubt costs the whole text
    assert np.exp(both[1]) < 0.6


def test_a_card_may_take_the_text_posterior_as_the_confidence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A card naming ``text_posterior`` reads the same text in the same layout as one without,
    with the text's probability over its layout's views, averaged in log space, as the
    confidence, and a read one view doubts gets less of it than the weakest character gives."""
    from qrpark.plates.reader import KoreanRecognizer, ModelMissingError
    from tests.plates.conftest import model_copy

    posterior = KoreanRecognizer(model_path=model_copy(tmp_path, confidence="text_posterior"))
    weakest = KoreanRecognizer()
    assert (posterior.confidence_measure, weakest.confidence_measure) == (
        "text_posterior",
        "weakest_character",
    )
    doubted = spell("12가3456")
    doubted[8] = {"가": 0.6, "나": 0.38}
    lps = np.stack([logits(spell("12가3456")), logits(doubted)])  # one layout, two views
    for recogniser in (posterior, weakest):
        monkeypatch.setattr(recogniser, "log_probs", lambda batch: lps[: len(batch)])
    one_line = np.full((40, 200, 3), 200, np.uint8)
    assert len(posterior.views(one_line)) == 2
    a, b = posterior.read_crop(one_line, "white"), weakest.read_crop(one_line, "white")
    assert (a.decoded, a.layout) == (b.decoded, b.layout)
    assert a.decoded.text == "12가3456"
    labels = [TOKEN_INDEX[t] for t in a.decoded.tokens]
    expected = float(np.exp(decode.text_log_posterior(lps, labels).mean()))
    assert a.confidence == pytest.approx(expected)
    assert b.confidence == pytest.approx(a.decoded.confidence)
    assert a.confidence < b.confidence
    plate = posterior.plate(one_line)
    assert plate.confidence == pytest.approx(expected)
    assert plate.accepted == (expected >= posterior.threshold)
    # Blank columns: the grammar forces a plate through them, which neither view believes.
    monkeypatch.setattr(posterior, "log_probs", lambda batch: np.stack([logits({})] * len(batch)))
    assert posterior.read_crop(one_line, "white").confidence < 1e-6
    with pytest.raises(ModelMissingError, match="confidence"):
        KoreanRecognizer(model_path=model_copy(tmp_path, confidence="loudest_character"))


@pytest.mark.parametrize(
    ("columns", "labels"),
    [(5, [1, 2]), (5, [1, 1]), (4, []), (6, [2, 3, 2]), (3, [1, 1]), (5, [3])],
)
def test_the_forced_alignment_is_the_best_path_to_the_text(columns: int, labels: list[int]) -> None:
    """Against every frame labelling enumerated: the best of those that collapse to the text.
    Only blanks and the text's labels can spell it, so the enumeration keeps to those."""
    rng = np.random.default_rng(columns * 10 + len(labels))
    x = rng.normal(0, 2, size=(columns, len(TOKENS)))
    lp = (x - np.log(np.exp(x).sum(axis=-1, keepdims=True))).astype(np.float32)
    tokens = tuple(TOKENS[k] for k in labels)
    used = sorted({0, *labels})
    best, best_path = -np.inf, None
    for path in itertools.product(used, repeat=columns):
        if _collapse_ids(path) == labels:
            score = sum(float(lp[t, k]) for t, k in enumerate(path))
            if score > best:
                best, best_path = score, path
    assert decode.aligned_log_prob(lp, tokens) == pytest.approx(best, abs=1e-4)
    d = decode.aligned(lp, tokens)
    assert d.tokens == tokens
    assert d.log_prob == pytest.approx(best, abs=1e-4)
    probs = np.exp(lp)
    # Each character's confidence is its best column on the path, as a decoded read's is.
    assert best_path is not None
    assert d.char_confidences == pytest.approx(
        decode._collapse(np.array(best_path), probs)[1], abs=1e-5
    )


def test_a_text_the_columns_cannot_spell_aligns_nowhere() -> None:
    lp = logits({})[:2]
    tokens = tuple(tokenize("11"))
    assert decode.aligned_log_prob(lp, tokens) == -np.inf
    d = decode.aligned(lp, tokens)
    assert (d.valid, d.log_prob) == (False, -np.inf)


def _layout_mean_reference(lps: np.ndarray, layouts: list[object]) -> tuple[str, object, float]:
    """Every view's best valid read searched on its own, each scored by its text's forced
    alignment in every view of its layout, averaged: the best candidate's text and layout and
    its text's best path among those views."""
    best: tuple[float, str, object, float] | None = None
    for i, lp in enumerate(lps):
        read = constrained(lp)
        if not read.valid:
            continue
        group = [k for k, lay in enumerate(layouts) if lay is layouts[i]]
        held = [decode.aligned_log_prob(lps[k], read.tokens) for k in group]
        score = sum(held) / len(held)
        if best is None or score > best[0]:
            best = (score, read.text, layouts[i], max(held))
    assert best is not None
    return best[1], best[2], best[3]


def test_a_layout_mean_card_reads_the_text_its_layouts_views_hold_best(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The reader prunes the views' searches against the best average so far; the read must be
    the one that searching every view on its own and scoring every candidate would give."""
    from qrpark.plates.reader import KoreanRecognizer
    from tests.plates.conftest import model_copy

    recogniser = KoreanRecognizer(model_path=model_copy(tmp_path, choice="layout_mean"))
    assert recogniser.choice == "layout_mean"
    square = np.full((150, 330, 3), 200, np.uint8)  # read in both layouts
    layouts = [lay for lay, _ in recogniser.views(square)]
    assert len(layouts) == 4
    assert len(set(layouts)) == 2
    for seed in range(40):
        rng = np.random.default_rng(2000 + seed)
        if seed % 2:  # views of one plate, each a little different
            base = _peaked(rng)
            raw = np.stack([base + rng.normal(0, 1.5, base.shape) for _ in layouts])
            lps = raw - np.log(np.exp(raw).sum(axis=-1, keepdims=True))
        else:  # views that read different plates
            lps = np.stack([_peaked(rng) for _ in layouts])
        lps = lps.astype(np.float32)
        monkeypatch.setattr(recogniser, "log_probs", lambda batch, lps=lps: lps)
        read = recogniser.read_crop(square, "white")
        text, layout, held = _layout_mean_reference(lps, layouts)
        assert (read.decoded.text, read.decoded.valid, read.layout) == (text, True, layout)
        assert read.decoded.log_prob == pytest.approx(held, abs=1e-3)
        assert read.confidence == pytest.approx(read.decoded.confidence)


def test_the_text_both_views_hold_wins_over_one_views_best_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """One view leans to 가 and the other firmly to 나: the best single path is the first view's
    가, but 나 is held better by the two together; its confidence is the second view's path's."""
    from qrpark.plates.reader import KoreanRecognizer, ModelMissingError
    from tests.plates.conftest import model_copy

    leaning = spell("12가3456")
    leaning[8] = {"가": 0.6, "나": 0.38}
    firm = spell("12나3456")
    firm[8] = {"나": 0.55, "가": 0.05, "": 0.4}
    lps = np.stack([logits(leaning), logits(firm)])  # one layout, two views
    mean = KoreanRecognizer(model_path=model_copy(tmp_path, choice="layout_mean"))
    single = KoreanRecognizer()
    for recogniser in (mean, single):
        monkeypatch.setattr(recogniser, "log_probs", lambda batch: lps[: len(batch)])
    one_line = np.full((40, 200, 3), 200, np.uint8)
    assert len(mean.views(one_line)) == 2
    assert single.read_crop(one_line, "white").decoded.text == "12가3456"
    read = mean.read_crop(one_line, "white")
    assert read.decoded.text == "12나3456"
    assert read.decoded == decode.aligned(lps[1], read.decoded.tokens)
    assert read.confidence == pytest.approx(0.55, abs=0.01)
    with pytest.raises(ModelMissingError, match="choice"):
        KoreanRecognizer(model_path=model_copy(tmp_path, choice="loudest_view"))


@pytest.mark.parametrize(
    ("bgr", "colour"),
    [
        ((245, 245, 245), "white"),
        ((40, 40, 40), "white"),
        ((200, 110, 20), "blue"),
        ((60, 160, 40), "green"),
        ((20, 200, 230), "yellow"),
        ((20, 110, 240), "orange"),
    ],
)
def test_plate_colour_is_the_background_under_the_characters(
    bgr: tuple[int, int, int], colour: str
) -> None:
    crop = np.zeros((60, 200, 3), np.uint8)
    crop[:] = bgr
    ink = (255, 255, 255) if colour == "orange" else (0, 0, 0)
    cv2.putText(crop, "12 3456", (12, 44), cv2.FONT_HERSHEY_SIMPLEX, 1.2, ink, 3)
    assert plate_colour(crop) == colour


def test_plate_colour_of_a_crop_too_small_to_see_is_white() -> None:
    assert plate_colour(np.zeros((0, 4, 3), np.uint8)) == "white"
    assert plate_colour(np.full((40, 120), 30, np.uint8)) == "white"  # grey: no colour to see


@pytest.mark.parametrize("seed", range(12))
def test_the_full_search_keeps_its_best_path_among_tied_scores(seed: int) -> None:
    """Whole-nat log-probs tie many paths: the full search's path is still valid, scores what
    it says, and that score is the best valid one (the plain dynamic programme's)."""
    from qrpark.plates.domain import GRAMMAR_START_REGIONAL, grammar_accepts

    rng = np.random.default_rng(2000 + seed)
    lp = np.minimum(np.round(rng.normal(0, 3, (int(rng.integers(8, T + 1)), len(TOKENS)))), 0)
    lp = (lp - 1).astype(np.float32)
    for start in (decode.GRAMMAR_START, GRAMMAR_START_REGIONAL):
        full = decode._full_search(lp, start)
        plain = start == decode.GRAMMAR_START
        reference = _reference_best_valid(lp.astype(np.float64)) if plain else None
        if full is None:
            assert reference is None
            continue
        assert full.valid
        assert grammar_accepts(list(full.tokens), start)
        if reference is not None:
            assert full.log_prob == pytest.approx(reference, abs=1e-6)
