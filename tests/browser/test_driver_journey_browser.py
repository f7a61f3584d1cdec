"""The driver's journey in a real browser: from the QR on a printed sign to the receipt.

Once in Korean with JavaScript (the fee updates live) and once in English without JavaScript
(the essential path needs none). Every page is audited with axe-core; screenshots are kept in
test-artifacts/browser/.
"""

import datetime as dt
import io
import re

import pytest
import zxingcpp
from axe_playwright_python.async_playwright import Axe
from PIL import Image

from qrpark.kit.signing import KeyRing
from qrpark.signs.domain import sign_url
from qrpark.signs.service import qr_png

from .conftest import SHOTS, LiveServer

pytestmark = pytest.mark.browser
PAGE_BUDGET = 100 * 1024


async def audit(page, name: str, javascript: bool = True, locale: str = "ko-KR") -> None:
    """No serious or critical accessibility violation on the page. axe-core is JavaScript: for a
    page seen without JavaScript, the same address is audited in a twin context that has it."""
    if not javascript:
        twin = await page.context.browser.new_context(locale=locale)
        await twin.add_cookies(await page.context.cookies())
        twin_page = await twin.new_page()
        await twin_page.goto(page.url)
        try:
            await audit(twin_page, name)
        finally:
            await twin.close()
        return
    results = await Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: " + "; ".join(f"{v['id']}: {v['help']}" for v in bad)


async def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def scanned_sign(server: LiveServer, area: str) -> str:
    url = sign_url(server.url, "gangnam-b", area, KeyRing(server.settings.signing_keys))
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(url))))
    assert len(decoded) == 1
    return decoded[0].text


class Weigher:
    """Bytes transferred per page load (document, styles, scripts)."""

    def __init__(self, page) -> None:
        self.total = 0
        page.on("response", self._count)

    async def _count(self, response) -> None:
        try:
            self.total += len(await response.body())
        except Exception:
            return

    def take(self) -> int:
        total, self.total = self.total, 0
        return total


@pytest.mark.parametrize(("locale", "javascript"), [("ko", True), ("en", False)])
async def test_from_sign_to_receipt(
    live_server: LiveServer, browser, locale: str, javascript: bool
) -> None:
    ko = locale == "ko"
    context = await browser.new_context(
        locale="ko-KR" if ko else "en-US",
        java_script_enabled=javascript,
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
    )
    context.set_default_timeout(20_000)
    page = await context.new_page()
    weigher = Weigher(page)
    url = scanned_sign(live_server, "B2-C-014")
    await page.goto(url)
    assert weigher.take() < PAGE_BUDGET
    assert (await page.locator("h1").inner_text()).endswith("B2-C-014")
    assert await page.get_by_text(
        "예: 2시간 = 5,500원" if ko else "Example: 2 hours = ₩5,500"
    ).is_visible()
    await audit(page, f"landing-{locale}", javascript, "ko-KR" if ko else "en-US")
    await shot(page, f"1-landing-{locale}")

    await page.get_by_label("휴대폰 번호" if ko else "Mobile phone number", exact=True).fill(
        "010-1234-5678"
    )
    await page.get_by_label("차량 번호" if ko else "Vehicle number", exact=True).fill("12가 3456")
    await page.locator("#consent").check()
    await page.get_by_role("button", name="입차 등록" if ko else "Start parking").click()

    await page.wait_for_url(re.compile(r".*/sandbox-gateway/cards/.*"))
    await audit(page, f"card-{locale}", javascript, "ko-KR" if ko else "en-US")
    await shot(page, f"2-card-page-{locale}")
    await page.get_by_label(re.compile("Card number")).fill("4242 4242 4242 4242")
    await page.get_by_label(re.compile("Expiry")).fill("12/30")
    await page.get_by_label("CVC").fill("123")
    await page.get_by_role("button", name=re.compile("Register")).click()

    await page.wait_for_url(re.compile(r".*/s/[A-Za-z0-9_-]+\?welcome=1"))
    weigher.take()
    await page.reload()
    assert weigher.take() < PAGE_BUDGET
    body = await page.locator("main").inner_text()
    assert ("B2층 C구역 014번" if ko else "Level B2, zone C, space 014") in body
    assert ("B2-C-014") in body
    await audit(page, f"stay-{locale}", javascript, "ko-KR" if ko else "en-US")
    await shot(page, f"3-stay-confirmed-{locale}")
    fee = page.locator("#fee")
    assert await fee.inner_text() == ("0원" if ko else "₩0")

    live_server.clock.advance(dt.timedelta(hours=2))
    expected = "5,500원" if ko else "₩5,500"
    if javascript:
        await page.evaluate("window.qrparkRefresh()")  # the same call the page makes every 15 s
        await page.wait_for_function(
            "([el, text]) => el.textContent === text", arg=[await fee.element_handle(), expected]
        )
    else:
        await page.reload()
        assert await fee.inner_text() == expected
    assert await fee.get_attribute("aria-live") == "polite"
    await shot(page, f"4-stay-after-two-hours-{locale}")

    await page.get_by_role("link", name="출차하기" if ko else "I'm leaving").click()
    await audit(page, f"exit-{locale}", javascript, "ko-KR" if ko else "en-US")
    await page.get_by_role("button", name="출차 확인" if ko else "Yes, I'm leaving").click()
    await page.wait_for_url(re.compile(r".*/s/[A-Za-z0-9_-]+$"))
    receipt = await page.locator("main").inner_text()
    assert ("결제 완료" if ko else "Paid") in receipt
    assert await page.locator("#charged").inner_text() == expected
    await audit(page, f"receipt-{locale}", javascript, "ko-KR" if ko else "en-US")
    await shot(page, f"5-receipt-{locale}")
    assert list(live_server.sandbox.paid_totals().values()) == [5500]

    await live_server.run_worker()
    [message] = [m["text"] for m in live_server.sms.messages("+821012345678")]
    assert ("위치: B2층 C구역 014번" if ko else "Where: Level B2, zone C, space 014") in message
    await context.close()
