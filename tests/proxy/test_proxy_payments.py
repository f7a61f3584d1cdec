"""Proxy payment end to end through the pages, the refusals, and concurrent payers."""

import asyncio
import base64
import datetime as dt
import os
import random
import re
import uuid

import pytest
from sqlalchemy import select
from tests.stays.conftest import Site

from qrpark.kit.signing import KeyRing
from qrpark.ledger import service as ledger
from qrpark.proxy import service as proxy
from qrpark.proxy.domain import make_token
from qrpark.proxy.models import ProxyPayment
from qrpark.runtime import check_everything
from qrpark.stays.models import Stay, StayStatus


def stay_token(response) -> str:
    return re.search(r"/s/([A-Za-z0-9_-]+)", str(response.url)).group(1)


async def qr_link(site: Site, token: str, amount: int | None = None) -> str:
    page = await site.client.get(f"/s/{token}/proxy" + (f"?amount={amount}" if amount else ""))
    assert page.status_code == 200, page.text
    assert "<svg" in page.text
    return re.search(r'readonly value="https://park\.example(/p/[^"]+)"', page.text).group(1)


async def pay(
    site: Site, link: str, amount: int, card: str = "4242 4242 4242 4242", receipt: str = ""
):
    page = await site.client.get(link)
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    started = await site.client.post(
        f"{link}/pay", data={"csrf": csrf, "other": str(amount), "receipt_to": receipt}
    )
    if started.status_code != 303:
        return started
    checkout = started.headers["location"].removeprefix("https://park.example")
    return await site.client.post(
        checkout, data={"card_number": card, "expiry": "12/30", "cvc": "123"}, follow_redirects=True
    )


async def leave(site: Site, token: str) -> dict:
    return (await site.client.post(f"/api/v1/stays/{token}/exit")).json()


async def test_a_payer_covers_part_and_the_driver_pays_the_rest(site: Site) -> None:
    token = stay_token(await site.enter())
    site.clock.advance(dt.timedelta(hours=2))  # 5,500 so far
    link = await qr_link(site, token)
    payer_page = await site.client.get(link)
    assert "12가3**6" in payer_page.text  # masked plate
    assert "12가3456" not in payer_page.text
    assert "010" not in payer_page.text
    receipt = await pay(site, link, 2000, receipt="010-7777-8888")
    assert "결제되었습니다" in receipt.text
    view = (await site.client.get(f"/api/v1/stays/{token}")).json()
    assert view["proxy_paid"] == 2000
    assert view["unpaid_now"] == 3500
    await site.worker.run_due()
    assert "다른 분이 결제했습니다" in site.last_sms()
    assert "영수증" in site.last_sms("+821077778888")
    left = await leave(site, token)
    assert left["status"] == "paid"
    assert (left["covered"]["proxy"], left["covered"]["driver"]) == (2000, 3500)
    async with site.db.transaction() as s:
        assert (await check_everything(s))[1] == []


async def test_an_overpayment_is_refunded_to_the_payer_at_exit(site: Site) -> None:
    token = stay_token(await site.enter())
    site.clock.advance(dt.timedelta(hours=1))  # 2,500 so far
    link = await qr_link(site, token, amount=10000)  # the driver asks for more than the fee so far
    receipt = await pay(site, link, 10000)
    assert "결제되었습니다" in receipt.text
    left = await leave(site, token)
    assert (left["fee"]["total"], left["covered"]["proxy"], left["covered"]["driver"]) == (
        2500,
        2500,
        0,
    )
    await site.worker.run_due()  # the refund goes out through the payments core
    async with site.db.transaction() as s:
        [payment] = (await s.scalars(select(ProxyPayment))).all()
        assert (payment.applied_amount, payment.refunded_amount) == (2500, 7500)
        assert await ledger.balance(s, f"proxy:{payment.id}") == 0
        assert (await check_everything(s))[1] == []
    assert sorted(site.sandbox.paid_totals().values()) == [2500]


async def test_several_payers_split_one_stay(site: Site) -> None:
    token = stay_token(await site.enter())
    site.clock.advance(dt.timedelta(hours=3))  # 8,500
    for amount in (3000, 2500, 1000):
        await pay(site, await qr_link(site, token), amount)
    left = await leave(site, token)
    assert (left["covered"]["proxy"], left["covered"]["driver"]) == (6500, 2000)


async def test_the_cap_is_the_larger_of_the_fee_and_the_ask(site: Site) -> None:
    token = stay_token(await site.enter())
    site.clock.advance(dt.timedelta(hours=1))  # 2,500
    refused = await pay(site, await qr_link(site, token), 3000)
    assert refused.status_code == 422
    await pay(site, await qr_link(site, token), 2500)
    await site.worker.run_due()
    covered = await qr_link(site, token)
    page = await site.client.get(covered)
    assert "이미 다른 분들이 결제해" in page.text
    assert "<form" not in page.text
    forced = await site.client.post(
        f"{covered}/pay", data={"csrf": site.client.cookies["qrpark_csrf"], "other": "1000"}
    )
    assert forced.status_code == 409
    assert len(site.sandbox.paid_totals()) == 1


async def test_refused_tokens_never_reach_a_payment_form(site: Site) -> None:
    token = stay_token(await site.enter())
    link = await qr_link(site, token)
    tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
    assert (await site.client.get(tampered)).status_code == 410
    # replay: a pass starts one payment only
    site.clock.advance(dt.timedelta(hours=1))
    used = await qr_link(site, token)
    await pay(site, used, 1000)
    replay = await site.client.get(used)
    assert replay.status_code == 410
    assert "이미 사용됨" in replay.text
    # expiry
    expiring = await qr_link(site, token)
    site.clock.advance(dt.timedelta(minutes=4))
    expired = await site.client.get(expiring)
    assert expired.status_code == 410
    assert "만료됨" in expired.text
    # closed stay
    late = await qr_link(site, token)
    await leave(site, token)
    closed = await site.client.get(late)
    assert closed.status_code == 410
    assert "<form" not in closed.text


async def test_ten_thousand_random_tokens_open_nothing(site: Site) -> None:
    rng = random.Random(1124)
    keys = KeyRing({"zz": "someone-elses-key-entirely"})
    async with site.db.transaction() as s:
        for i in range(10_000):
            kind = i % 3
            if kind == 0:
                token = base64.urlsafe_b64encode(os.urandom(rng.randrange(1, 60))).decode()
            elif kind == 1:
                token = make_token(uuid.UUID(int=rng.getrandbits(128)), "gangnam-b", keys)
            else:
                token = ".".join(
                    base64.urlsafe_b64encode(os.urandom(n)).decode().rstrip("=")
                    for n in (16, 2, 12)
                )
            with pytest.raises(proxy.PassRefused):
                await proxy.open_pass(s, site.clock, KeyRing(site.settings.signing_keys), token)


async def test_ten_concurrent_payers_cannot_pass_the_cap(live_site: Site) -> None:
    site = live_site
    token = stay_token(await site.enter())
    site.clock.advance(dt.timedelta(hours=2))  # cap 5,500
    links = [await qr_link(site, token) for _ in range(10)]
    pages = [await site.client.get(link) for link in links]
    csrfs = [re.search(r'name="csrf" value="([^"]+)"', p.text).group(1) for p in pages]
    responses = await asyncio.gather(
        *[
            site.client.post(f"{link}/pay", data={"csrf": csrf, "other": "1000"})
            for link, csrf in zip(links, csrfs, strict=True)
        ]
    )
    accepted = [r for r in responses if r.status_code == 303]
    refused = [r for r in responses if r.status_code != 303]
    assert len(accepted) == 5
    assert {r.status_code for r in refused} == {409}
    for r in accepted:
        await site.client.post(
            r.headers["location"].removeprefix("https://park.example"),
            data={"card_number": "4242424242424242", "expiry": "12/30", "cvc": "123"},
        )
    assert (
        sum(site.sandbox.paid_totals().values()) == 5000
    )  # the refused five never reached the gateway
    async with site.db.transaction() as s:
        stay = (await s.scalars(select(Stay))).one()
        assert stay.proxy_reserved == 5000
        assert stay.status is StayStatus.ACTIVE


async def test_asking_for_less_than_the_minimum_is_explained(site: Site) -> None:
    token = stay_token(await site.enter())
    page = await site.client.get(f"/s/{token}/proxy?amount=500")
    assert page.status_code == 422
    assert "최소 1,000원 이상을 요청하세요." in page.text
