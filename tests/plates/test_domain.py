from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qrpark.plates.domain import (
    PLATE_SYLLABLES,
    REGIONS,
    TOKEN_INDEX,
    TOKENS,
    PlateUse,
    grammar_accepts,
    is_valid_korean,
    is_valid_latin,
    levenshtein,
    normalise,
    parse_korean,
    tokenize,
    wilson_interval,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@st.composite
def korean_plates(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from((None, *REGIONS)))
    n_class = draw(st.integers(1, 2) if region else st.integers(2, 3))
    klass = "".join(draw(digits) for _ in range(n_class))
    syllable = draw(st.sampled_from(PLATE_SYLLABLES))
    serial = "".join(draw(digits) for _ in range(4))
    return f"{region or ''}{klass}{syllable}{serial}"


@pytest.mark.parametrize(
    "text",
    [
        "12가3456",
        "123가4567",
        "서울12가3456",
        "경기04노7823",
        "서울72바6984",
        "제주79바4470",
        "107저8473",
        "55구1601",
        "12하3456",
        "345허6789",
        "부산27무6162",
    ],
)
def test_real_plate_formats_are_valid(text: str) -> None:
    assert is_valid_korean(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12가345",
        "1가3456",
        "1234가5678",
        "12가34567",
        "12A3456",
        "12갸3456",
        "뉴욕12가3456",
        "서울123가4567",
        "12가가3456",
        "가123456",
    ],
)
def test_malformed_plates_are_rejected(text: str) -> None:
    assert not is_valid_korean(text)


def test_normalise_strips_spaces_dashes_and_full_width_digits() -> None:
    assert normalise(" 12가 3456 ") == "12가3456"
    assert normalise("１２가３４５６") == "12가3456"
    assert normalise("rk-776ai") == "RK776AI"
    # Decomposed Hangul (NFD jamo) is composed back.
    assert normalise("12\u1100\u11613456") == "12가3456"


def test_parse_splits_fields_and_use() -> None:
    plate = parse_korean("서울72바6984")
    assert plate is not None
    assert (plate.region, plate.vehicle_class, plate.syllable, plate.serial) == (
        "서울",
        "72",
        "바",
        "6984",
    )
    assert plate.use is PlateUse.COMMERCIAL
    rental = parse_korean("12호3456")
    assert rental is not None
    assert rental.use is PlateUse.RENTAL
    assert rental.region is None


def test_region_is_one_token() -> None:
    assert tokenize("경기04노7823") == ["경기", "0", "4", "노", "7", "8", "2", "3"]
    with pytest.raises(ValueError, match="alphabet"):
        tokenize("12X3456")


def test_vocabulary_starts_with_blank_and_is_unique() -> None:
    assert TOKENS[0] == ""
    assert len(set(TOKENS)) == len(TOKENS)
    assert all(TOKEN_INDEX[t] == i for i, t in enumerate(TOKENS))
    assert len(REGIONS) == 17


@given(korean_plates())
def test_grammar_automaton_agrees_with_parser(text: str) -> None:
    assert is_valid_korean(text)
    assert grammar_accepts(tokenize(text))
    parsed = parse_korean(text)
    assert parsed is not None
    assert parsed.text == text


@given(korean_plates(), st.integers(0, 20))
def test_dropping_a_token_breaks_the_grammar(text: str, pos: int) -> None:
    tokens = tokenize(text)
    del tokens[pos % len(tokens)]
    joined = "".join(tokens)
    # Dropping one token only stays valid when a class digit is dropped from 3 -> 2 or 2 -> 1
    # with a region; the automaton and the regex must agree either way.
    assert grammar_accepts(tokens) == is_valid_korean(joined)


@given(st.text(max_size=12))
def test_normalise_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


def test_latin_plausibility() -> None:
    assert is_valid_latin("RK776AI")
    assert is_valid_latin("6ryj486")
    assert not is_valid_latin("STOP")
    assert not is_valid_latin("ABCDEFGHIJ1")


def test_levenshtein_and_wilson() -> None:
    assert levenshtein("12가3456", "12가3456") == 0
    assert levenshtein("12가3456", "12나3456") == 1
    assert levenshtein("", "abc") == 3
    lo, hi = wilson_interval(50, 100)
    assert lo < 0.5 < hi
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(59, 59)
    assert hi == pytest.approx(1.0)
    assert 0.9 < lo < 1.0
