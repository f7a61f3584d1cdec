"""The page a sign opens: verified signs show where you are and the price; others are refused."""

import io

import httpx
import pytest
import zxingcpp
from PIL import Image

from qrpark.demo import seed
from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.kit.signing import KeyRing
from qrpark.settings import Settings
from qrpark.signs.domain import parse_sign_url, sign_url
from qrpark.signs.service import qr_png


@pytest.fixture
async def demo(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        await seed(s, clock)


def _url(settings: Settings, area: str = "B2-C-014", keys: KeyRing | None = None) -> str:
    return sign_url(
        settings.public_base_url, "gangnam-b", area, keys or KeyRing(settings.signing_keys)
    )


def _decode(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    return str(results[0].text)


async def test_a_scanned_sign_opens_its_area_with_location_and_price(
    demo: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    scanned = _decode(qr_png(_url(settings)))
    response = await client.get(scanned, headers={"accept-language": "en-US,en;q=0.9"})
    assert response.status_code == 200
    page = response.text
    assert "B2-C-014" in page
    assert "Gangnam Station Car Park B" in page
    assert "Basement 2, zone C, by the pillar right of the lift" in page
    assert "Example: 2 hours = ₩5,500" in page
    assert "openstreetmap.org/?mlat=37.497952" in page
    # Where, whose and how much come first; the entry form follows them.
    assert page.index("Example: 2 hours") < page.index("<form")


async def test_korean_is_chosen_from_the_browser_and_can_be_switched(
    demo: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    url = _url(settings)
    ko = await client.get(url, headers={"accept-language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert '<html lang="ko">' in ko.text
    assert "예: 2시간 = 5,500원" in ko.text
    en = await client.get(url + "&lang=en", headers={"accept-language": "ko-KR"})
    assert '<html lang="en">' in en.text
    assert en.cookies.get("lang") == "en"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda u: u.replace("B2-C-014", "B2-C-015"),  # the sticker moved to another space
        lambda u: u.replace("gangnam-b", "jongno-a"),  # another lot
        lambda u: u[:-1] + ("B" if u[-1] == "A" else "A"),  # signature altered
        lambda u: u.split("?")[0],  # no signature at all
        lambda u: u.replace("k=t2", "k=zz"),  # unknown key id
    ],
)
async def test_tampered_signs_get_a_warning_and_never_a_form(
    demo: None, client: httpx.AsyncClient, settings: Settings, tamper
) -> None:
    response = await client.get(tamper(_url(settings)), headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "could not be verified" in response.text
    assert "결제 정보를 입력하지 마세요" in response.text  # the warning speaks both languages
    assert "<form" not in response.text
    assert "Gangnam" not in response.text


async def test_a_forged_sign_made_with_another_key_is_refused(
    demo: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    forger = KeyRing({"t2": "not-the-operators-key-at-all"})
    response = await client.get(_url(settings, keys=forger))
    assert response.status_code == 400


async def test_unknown_areas_and_paths_are_refused(
    demo: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    missing = await client.get(_url(settings, area="Z9-Z-999"))
    assert missing.status_code == 404
    assert "<form" not in missing.text
    for path in ("/a/gangnam-b", "/a/", "/a/gangnam-b/B1-A-001/extra", "/a/%00/x"):
        response = await client.get(path)
        assert response.status_code == 404, path


async def test_a_sign_signed_with_a_rotated_out_key_still_works_during_the_window(
    demo: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    old_only = KeyRing({"t1": settings.signing_keys["t1"]})
    url = _url(settings, keys=old_only)
    assert parse_sign_url(url).kid == "t1"
    assert (await client.get(url)).status_code == 200


async def test_pages_send_security_headers(
    demo: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.get(_url(settings))
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
