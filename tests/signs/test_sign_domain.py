from hypothesis import given
from hypothesis import strategies as st

from qrpark.kit.signing import KeyRing
from qrpark.signs.domain import SignRef, parse_sign_url, sign_url, verify

OLD = KeyRing({"k1": "the-first-secret-key-0001"})
ROTATING = KeyRing({"k2": "the-second-secret-key-002", "k1": "the-first-secret-key-0001"})
NEW_ONLY = KeyRing({"k2": "the-second-secret-key-002"})

codes = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)


@given(codes, codes)
def test_a_signed_url_verifies_and_names_its_area(lot: str, area: str) -> None:
    url = sign_url("https://park.example", lot, area, ROTATING)
    ref = parse_sign_url(url)
    assert (ref.lot_code, ref.area_code, ref.kid) == (lot, area, "k2")
    assert verify(ref, ROTATING)


def test_an_old_key_keeps_working_during_rotation_and_stops_after() -> None:
    ref = parse_sign_url(sign_url("https://park.example", "gangnam", "B2-C-014", OLD))
    assert ref.kid == "k1"
    assert verify(ref, ROTATING)
    assert not verify(ref, NEW_ONLY)


def test_a_signature_is_bound_to_its_lot_and_area() -> None:
    ref = parse_sign_url(sign_url("https://park.example", "gangnam", "B2-C-014", OLD))
    for other in (
        SignRef("gangnam", "B2-C-015", ref.kid, ref.signature),
        SignRef("jongno", "B2-C-014", ref.kid, ref.signature),
        SignRef(
            "gangnam",
            "B2-C-014",
            ref.kid,
            ref.signature[:-1] + ("B" if ref.signature[-1] == "A" else "A"),
        ),
        SignRef("gangnam", "B2-C-014", "k9", ref.signature),
        SignRef("gangnam", "B2-C-014", ref.kid, ""),
    ):
        assert not verify(other, OLD)
