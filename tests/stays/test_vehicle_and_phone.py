"""Table tests: what drivers type, what qrpark keeps, and what it refuses."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qrpark.stays.phone import InvalidPhone, mask_phone, parse_phone
from qrpark.stays.vehicle import (
    PRIVATE,
    REGIONS,
    InvalidPlate,
    PlateKind,
    mask,
    parse,
)

VALID_PLATES = [
    ("12가3456", "12가3456", PlateKind.PRIVATE),
    ("123가4567", "123가4567", PlateKind.PRIVATE),
    ("12 가 3456", "12가3456", PlateKind.PRIVATE),
    ("12가 3456", "12가3456", PlateKind.PRIVATE),
    ("12-가-3456", "12가3456", PlateKind.PRIVATE),
    ("１２가３４５６", "12가3456", PlateKind.PRIVATE),  # full-width digits
    ("１２３ 허 ４５６７", "123허4567", PlateKind.RENTAL),
    ("12하3456", "12하3456", PlateKind.RENTAL),
    ("34호5678", "34호5678", PlateKind.RENTAL),
    ("서울12가3456", "서울12가3456", PlateKind.PRIVATE),
    ("서울 12 가 3456", "서울12가3456", PlateKind.PRIVATE),
    ("서울72바6984", "서울72바6984", PlateKind.COMMERCIAL),
    ("경기04노7823", "경기04노7823", PlateKind.PRIVATE),
    ("제주79바4470", "제주79바4470", PlateKind.COMMERCIAL),
    ("부산 34 아 1234", "부산34아1234", PlateKind.COMMERCIAL),
    ("인천99자0001", "인천99자0001", PlateKind.COMMERCIAL),
    ("12사3456", "12사3456", PlateKind.COMMERCIAL),
    ("80배1234", "80배1234", PlateKind.DELIVERY),
    ("107저8473", "107저8473", PlateKind.PRIVATE),
    ("333수9999", "333수9999", PlateKind.PRIVATE),
    ("01구0001", "01구0001", PlateKind.PRIVATE),
    ("세종11두2222", "세종11두2222", PlateKind.PRIVATE),
    ("12외교3456", "12외교3456", PlateKind.DIPLOMATIC),
    ("\u1100\u1161", None, None),  # placeholder replaced below (jamo input composes)
]
# Hangul typed as separate jamo (ᄀ + ᅡ = 가) composes to the syllable.
VALID_PLATES[-1] = ("12\u1100\u11613456", "12가3456", PlateKind.PRIVATE)

INVALID_PLATES = [
    ("", "empty"),
    ("   ", "empty"),
    ("12가345", "serial"),
    ("12가34567", "format"),
    ("1가3456", "format"),
    ("1234가5678", "format"),
    ("12갑3456", "letter"),
    ("12A3456", "format"),
    ("가3456", "format"),
    ("12가", "serial"),
    ("서울123가4567", "region_with_three_digits"),
    ("뉴욕12가3456", "letter"),  # not a Korean region
    ("ABC1234", "format"),  # foreign plates only where the lot allows them
    ("12가3456가", "serial"),
    ("12가3456789012345", "too_long"),
    ("12 가 34 56 7", "format"),
    ("12가-３４５", "serial"),
    ("12힣3456", "letter"),
]

FOREIGN = [
    ("abc 123", "ABC123"),
    ("B-MW 1234", "BMW1234"),
    ("7ABC123", "7ABC123"),
    ("ＸＹ１２", "XY12"),
]


@pytest.mark.parametrize(("raw", "text", "kind"), VALID_PLATES)
def test_valid_plates_normalise(raw: str, text: str, kind: PlateKind) -> None:
    plate = parse(raw)
    assert plate.text == text
    assert plate.kind is kind


@pytest.mark.parametrize(("raw", "code"), INVALID_PLATES)
def test_invalid_plates_are_refused_with_a_reason(raw: str, code: str) -> None:
    with pytest.raises(InvalidPlate) as err:
        parse(raw)
    assert err.value.code == code


@pytest.mark.parametrize(("raw", "text"), FOREIGN)
def test_foreign_plates_only_in_a_lot_that_allows_them(raw: str, text: str) -> None:
    assert parse(raw, allow_foreign=True).text == text
    assert parse(raw, allow_foreign=True).kind is PlateKind.FOREIGN
    with pytest.raises(InvalidPlate):
        parse(raw)


def test_korean_plates_still_parse_as_korean_in_a_foreign_friendly_lot() -> None:
    assert parse("12가3456", allow_foreign=True).kind is PlateKind.PRIVATE


def test_at_least_forty_plate_strings_are_covered() -> None:
    assert len(VALID_PLATES) + len(INVALID_PLATES) + len(FOREIGN) >= 40


@pytest.mark.parametrize(
    ("text", "masked"),
    [("12가3456", "12가3**6"), ("서울12가3456", "서울12가3**6"), ("ABC1234", "AB***34")],
)
def test_masking(text: str, masked: str) -> None:
    assert mask(text) == masked


@given(
    st.sampled_from(("", *REGIONS)),
    st.integers(10, 99),
    st.sampled_from(list(PRIVATE)),
    st.integers(0, 9999),
    st.sampled_from([" ", "-", ""]),
)
def test_any_well_formed_plate_survives_separators(
    region: str, num: int, letter: str, serial: int, sep: str
) -> None:
    canonical = f"{region}{num}{letter}{serial:04d}"
    typed = (
        sep.join([region, str(num), letter, f"{serial:04d}"])
        if region
        else sep.join([str(num), letter, f"{serial:04d}"])
    )
    assert parse(typed).text == canonical
    assert parse(parse(typed).text).text == canonical  # idempotent


VALID_PHONES = [
    ("010-1234-5678", "+821012345678"),
    ("01012345678", "+821012345678"),
    ("010 1234 5678", "+821012345678"),
    ("+82 10-1234-5678", "+821012345678"),
    ("+82-10-9876-5432", "+821098765432"),
    ("011-234-5678", "+82112345678"),
    ("(010) 2222-3333", "+821022223333"),
    ("+1 202-555-0143", "+12025550143"),
    ("+44 7911 123456", "+447911123456"),
    ("+81 90-1234-5678", "+819012345678"),
    ("０１０-１２３４-５６７８", "+821012345678"),
]
INVALID_PHONES = [
    ("", "format"),
    ("hello", "format"),
    ("010-1234", "invalid"),
    ("02-123-4567", "not_mobile"),  # a Seoul landline cannot receive an SMS
    ("031-123-4567", "not_mobile"),
    ("+82 2 123 4567", "not_mobile"),
    ("1234", "invalid"),
    ("+999 123456789", "format"),
    ("010-1234-56789-0", "invalid"),
    ("+" + "1" * 40, "format"),
]


@pytest.mark.parametrize(("raw", "e164"), VALID_PHONES)
def test_valid_phones_become_e164(raw: str, e164: str) -> None:
    assert parse_phone(raw) == e164


@pytest.mark.parametrize(("raw", "code"), INVALID_PHONES)
def test_invalid_phones_are_refused_with_a_reason(raw: str, code: str) -> None:
    with pytest.raises(InvalidPhone) as err:
        parse_phone(raw)
    assert err.value.code == code


def test_at_least_twenty_phone_strings_are_covered() -> None:
    assert len(VALID_PHONES) + len(INVALID_PHONES) >= 20


def test_phone_masking() -> None:
    assert mask_phone("+821012345678") == "+8210****5678"
