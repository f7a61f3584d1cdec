"""Proxy payment with two phones: the driver shows the QR, the payer scans it from the screen."""

import datetime as dt
import re

import pytest
import zxingcpp
from PIL import Image

from .conftest import SHOTS, LiveServer
from .test_driver_journey_browser import audit, scanned_sign, shot

pytestmark = pytest.mark.browser


async def _park(browser, server: LiveServer):
    driver = await browser.new_context(locale="ko-KR", viewport={"width": 390, "height": 844})
    page = await driver.new_page()
    page.set_default_timeout(20_000)
    await page.goto(scanned_sign(server, "B1-C-012"))
    await page.get_by_label("휴대폰 번호", exact=True).fill("010-1234-5678")
    await page.get_by_label("차량 번호", exact=True).fill("34나5678")
    await page.locator("#consent").check()
    await page.get_by_role("button", name="입차 등록").click()
    await page.wait_for_url(re.compile(r".*/sandbox-gateway/cards/.*"))
    await page.get_by_label(re.compile("Card number")).fill("4242 4242 4242 4242")
    await page.get_by_label(re.compile("Expiry")).fill("12/30")
    await page.get_by_label("CVC").fill("123")
    await page.get_by_role("button", name=re.compile("Register")).click()
    await page.wait_for_url(re.compile(r".*/s/[A-Za-z0-9_-]+\?welcome=1"))
    return driver, page, page.url.split("?")[0]


async def _scan_driver_screen(driver_page, name: str) -> str:
    """Screenshot the QR on the driver's phone and decode it, as the payer's camera would."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await driver_page.locator("#proxy-qr").screenshot(path=str(path))
    decoded = zxingcpp.read_barcodes(Image.open(path))
    assert len(decoded) == 1
    return str(decoded[0].text)


async def _payer_pays(browser, url: str, amount: int, name: str) -> None:
    payer = await browser.new_context(locale="ko-KR", viewport={"width": 390, "height": 844})
    page = await payer.new_page()
    page.set_default_timeout(20_000)
    await page.goto(url)
    assert "34나5**8" in await page.locator("main").inner_text()
    await audit(page, f"{name}-payer")
    await shot(page, f"{name}-payer")
    await page.get_by_label(re.compile("다른 금액")).fill(str(amount))
    await page.get_by_role("button", name="카드로 결제").click()
    await page.wait_for_url(re.compile(r".*/sandbox-gateway/checkout/.*"))
    await page.get_by_label(re.compile("Card number")).fill("5555 5555 5555 4444")
    await page.get_by_label(re.compile("Expiry")).fill("11/29")
    await page.get_by_label("CVC").fill("321")
    await page.get_by_role("button", name=re.compile("Pay")).click()
    await page.wait_for_url(re.compile(r".*/p/done/.*"))
    assert "결제되었습니다" in await page.locator("main").inner_text()
    await shot(page, f"{name}-payer-receipt")
    await payer.close()


@pytest.mark.parametrize(
    ("scenario", "hours", "asked", "paid", "fee", "driver_charge", "refund"),
    [
        ("part", 2, None, 2000, 5500, 3500, 0),
        ("overpay", 1, 10000, 10000, 2500, 0, 7500),
    ],
)
async def test_a_friend_pays_from_the_drivers_screen(
    live_server: LiveServer,
    browser,
    scenario: str,
    hours: int,
    asked: int | None,
    paid: int,
    fee: int,
    driver_charge: int,
    refund: int,
) -> None:
    driver, page, stay_url = await _park(browser, live_server)
    live_server.clock.advance(dt.timedelta(hours=hours))
    await page.goto(stay_url + (f"/proxy?amount={asked}" if asked else "/proxy"))
    await audit(page, f"proxy-qr-{scenario}")
    url = await _scan_driver_screen(page, f"proxy-qr-{scenario}")
    assert url.startswith(f"{live_server.url}/p/")
    await page.goto(stay_url)
    proxy_paid = page.locator("#proxy-paid")
    assert await proxy_paid.inner_text() == "0원"

    await _payer_pays(browser, url, paid, f"proxy-{scenario}")

    await page.evaluate("window.qrparkRefresh()")  # the poll the page runs by itself, no reload
    await page.wait_for_function(
        "([el, t]) => el.textContent === t", arg=[await proxy_paid.element_handle(), f"{paid:,}원"]
    )
    await shot(page, f"proxy-{scenario}-driver-sees-it")

    await page.get_by_role("link", name="출차하기").click()
    await page.get_by_role("button", name="출차 확인").click()
    await page.wait_for_url(re.compile(r".*/s/[A-Za-z0-9_-]+$"))
    assert await page.locator("#charged").inner_text() == f"{driver_charge:,}원"
    receipt = await page.locator("main").inner_text()
    assert "대리결제" in receipt
    await shot(page, f"proxy-{scenario}-receipt")
    await live_server.run_worker()  # refunds go out from the outbox
    paid_at_gateway = sorted(live_server.sandbox.paid_totals().values())
    expected = sorted(v for v in (paid - refund, driver_charge) if v)
    assert paid_at_gateway == expected
    assert sum(paid_at_gateway) == fee
    await driver.close()


async def test_a_shop_validates_from_its_own_phone(live_server: LiveServer, browser) -> None:
    from qrpark.kit.db import Database
    from qrpark.lots.service import lot_for
    from qrpark.merchants import service as merchants
    from qrpark.merchants.domain import Rule, RuleKind
    from qrpark.operators.service import get_operator

    db = Database.from_url(live_server.database_url)
    async with db.transaction() as s:
        operator = await get_operator(s, "demo")
        merchant = await merchants.create_merchant(
            s,
            live_server.clock,
            operator,
            await lot_for(s, "gangnam-b"),
            "카페 피사",
            Rule(RuleKind.FIRST_MINUTES, 60),
            None,
            None,
        )
        await merchants.add_staff(
            s, live_server.clock, merchant, "barista@pisa.example", "correct horse battery"
        )
    await db.dispose()
    driver, page, stay_url = await _park(browser, live_server)
    live_server.clock.advance(dt.timedelta(hours=2))
    await page.goto(stay_url + "/proxy")
    url = await _scan_driver_screen(page, "merchant-qr")

    shop = await browser.new_context(locale="ko-KR", viewport={"width": 390, "height": 844})
    staff = await shop.new_page()
    staff.set_default_timeout(20_000)
    await staff.goto(f"{live_server.url}/m/login")
    await audit(staff, "merchant-login")
    await staff.get_by_label("이메일").fill("barista@pisa.example")
    await staff.get_by_label("비밀번호").fill("correct horse battery")
    await staff.get_by_role("button", name="로그인").click()
    await staff.wait_for_url(re.compile(r".*/m$"))
    await staff.goto(url)
    await staff.get_by_role("button", name="이 주차를 가맹점이 지원하기").click()
    assert "주차 지원이 등록되었습니다" in await staff.locator("main").inner_text()
    await shot(staff, "merchant-validated")

    await page.goto(stay_url + "/exit")
    await page.get_by_role("button", name="출차 확인").click()
    await page.wait_for_url(re.compile(r".*/s/[A-Za-z0-9_-]+$"))
    assert (
        await page.locator("#charged").inner_text() == "3,000원"
    )  # 5,500 less the first hour (2,500)
    await staff.goto(f"{live_server.url}/m")
    assert await staff.locator("#total").inner_text() == "2,500원"
    await audit(staff, "merchant-statement")
    await shot(staff, "merchant-statement")
    await shop.close()
    await driver.close()
