"""The driver's journey through the pages (no JavaScript): entry, message, live fee, exit, charge."""

import asyncio
import datetime as dt
import re

from sqlalchemy import func, select

from qrpark.ledger import service as ledger
from qrpark.payments.models import PaymentIntent
from qrpark.runtime import check_everything
from qrpark.stays.models import Stay, StayEvent, StayStatus

from .conftest import Site


def stay_token(response) -> str:
    return re.search(r"/s/([A-Za-z0-9_-]+)", str(response.url)).group(1)


async def test_entry_by_qr_sends_the_location_and_a_private_link(site: Site) -> None:
    page = await site.enter()
    assert page.status_code == 200
    assert "입차가 등록되었습니다" in page.text
    assert "B2층 C구역 014번" in page.text
    assert "0원" in page.text  # within the free minutes
    await site.worker.run_due()
    message = site.last_sms()
    assert "입차 완료 12가3456" in message
    assert "위치: B2층 C구역 014번" in message
    assert "openstreetmap.org" in message
    link = re.search(r"https://park\.example(/s/\S+)", message).group(1)
    assert (await site.client.get(link)).status_code == 200


async def test_the_fee_rises_with_time_and_the_exit_charges_it_once(site: Site) -> None:
    page = await site.enter()
    token = stay_token(page)
    site.clock.advance(dt.timedelta(hours=2))
    view = (await site.client.get(f"/api/v1/stays/{token}?lang=en")).json()
    assert view["fee"]["total"] == 5500
    assert view["fee"]["lines"][0]["text"] == "First 30 min"
    confirm = await site.client.get(f"/s/{token}/exit")
    assert "5,500원" in confirm.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', confirm.text).group(1)
    receipt = await site.client.post(f"/s/{token}/exit", data={"csrf": csrf}, follow_redirects=True)
    assert "결제 완료" in receipt.text
    assert "5,500원" in receipt.text
    # A double tap and a late camera signal change nothing.
    again = await site.client.post(f"/s/{token}/exit", data={"csrf": csrf}, follow_redirects=True)
    assert again.status_code == 200
    assert len(site.sandbox.paid_totals()) == 1
    async with site.db.transaction() as s:
        stay = (await s.scalars(select(Stay))).one()
        assert stay.status is StayStatus.PAID
        assert (stay.fee, stay.driver_charged) == (5500, 5500)
        assert await ledger.balance(s, f"stay:{stay.id}:receivable") == 0
        assert await ledger.balance(s, f"operator:{stay.operator_id}:revenue") == -5500
        ignored = await s.scalar(
            select(func.count()).select_from(StayEvent).where(StayEvent.applied.is_(False))
        )
        assert ignored == 1


async def test_concurrent_exit_signals_charge_once(live_site: Site) -> None:
    site = live_site
    page = await site.enter()
    token = stay_token(page)
    site.clock.advance(dt.timedelta(minutes=95))
    results = await asyncio.gather(
        *[site.client.post(f"/api/v1/stays/{token}/exit") for _ in range(5)]
    )
    assert {r.status_code for r in results} == {200}
    assert len(site.sandbox.paid_totals()) == 1
    async with site.db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(PaymentIntent)) == 1


async def test_form_errors_are_explained_and_nothing_is_kept(site: Site) -> None:
    url = site.sign()
    token = await site.csrf(url + "&lang=en")
    ref = url.split("?")[1]
    k, s = re.search(r"k=([^&]+)&s=(.+)", ref).groups()
    response = await site.client.post(
        "/a/gangnam-b/B2-C-014/entry",
        data={
            "csrf": token,
            "k": k,
            "s": s,
            "phone": "02-123-4567",
            "plate": "12갑3456",
            "card": "new",
        },
    )
    assert response.status_code == 422
    assert "Enter a mobile number that can receive text messages." in response.text
    assert "That letter is not used on Korean plates." in response.text
    assert "You must agree" in response.text
    assert 'value="12갑3456"' in response.text  # what was typed is kept for correction
    async with site.db.transaction() as s2:
        assert await s2.scalar(select(func.count()).select_from(Stay)) == 0


async def test_a_forged_sign_cannot_post_an_entry(site: Site) -> None:
    url = site.sign()
    token = await site.csrf(url)
    response = await site.client.post(
        "/a/gangnam-b/B2-C-014/entry",
        data={
            "csrf": token,
            "k": "t2",
            "s": "AAAAAAAAAAAAAAAA",
            "phone": "010-1234-5678",
            "plate": "12가3456",
            "consent": "yes",
        },
    )
    assert response.status_code == 400


async def test_a_post_without_the_csrf_token_is_refused(site: Site) -> None:
    response = await site.client.post("/a/gangnam-b/B2-C-014/entry", data={"phone": "x"})
    assert response.status_code == 403


async def test_a_second_entry_for_a_parked_plate_is_refused_with_an_offer(site: Site) -> None:
    await site.enter()
    await site.worker.run_due()
    site.client.cookies.clear()  # another phone, another browser
    url = site.sign("B1-A-003")
    csrf = await site.csrf(url)
    k, s = re.search(r"k=([^&]+)&s=(.+)", url).groups()
    again = await site.client.post(
        "/a/gangnam-b/B1-A-003/entry",
        data={
            "csrf": csrf,
            "k": k,
            "s": s,
            "phone": "010-9999-8888",
            "plate": "12 가 3456",
            "consent": "yes",
        },
    )
    assert again.status_code == 409
    assert "이미 주차 중인 차량입니다" in again.text
    assert "010" not in again.text  # nothing about the other driver is shown
    csrf = re.search(r'name="csrf" value="([^"]+)"', again.text).group(1)
    sent = await site.client.post("/entries/resend-link", data={"csrf": csrf, "plate": "12가3456"})
    assert "링크를 보냈습니다" in sent.text
    await site.worker.run_due()
    assert "진행 중인 주차 링크" in site.last_sms("+821012345678")  # to the registered phone only
    assert site.sms.messages("+821099998888") == []


async def test_rescanning_with_an_open_stay_opens_it(site: Site) -> None:
    page = await site.enter()
    token = stay_token(page)
    rescan = await site.client.get(site.sign("B1-A-001"))
    assert rescan.status_code == 303
    assert rescan.headers["location"] == f"/s/{token}"


async def test_a_returning_phone_reuses_its_card_after_a_code(site: Site) -> None:
    first = await site.enter()
    token = stay_token(first)
    page = await site.client.get(f"/s/{token}/exit")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    await site.client.post(f"/s/{token}/exit", data={"csrf": csrf})
    site.clock.advance(dt.timedelta(days=1))
    url = site.sign("B1-A-002")
    csrf = await site.csrf(url)
    k, s = re.search(r"k=([^&]+)&s=(.+)", url).groups()
    to_code = await site.client.post(
        "/a/gangnam-b/B1-A-002/entry",
        data={
            "csrf": csrf,
            "k": k,
            "s": s,
            "phone": "01012345678",
            "plate": "12가3456",
            "consent": "yes",
            "card": "saved",
        },
    )
    assert to_code.status_code == 303
    assert "/code" in to_code.headers["location"]
    await site.worker.run_due()
    code = re.search(r"인증번호 (\d{6})", site.last_sms()).group(1)
    wrong = await site.client.post(
        to_code.headers["location"],
        data={"csrf": csrf, "code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 422
    done = await site.client.post(
        to_code.headers["location"], data={"csrf": csrf, "code": code}, follow_redirects=True
    )
    assert "입차가 등록되었습니다" in done.text
    assert "B1층 A구역 002번" in done.text


async def test_a_declined_card_leaves_the_stay_unpaid_with_a_pay_link(site: Site) -> None:
    page = await site.enter(card="4000 0000 0000 0002")
    token = stay_token(page)
    site.clock.advance(dt.timedelta(hours=1))
    view = (await site.client.post(f"/api/v1/stays/{token}/exit")).json()
    assert view["status"] == "unpaid"
    assert view["owed"] == 2500
    await site.worker.run_due()
    assert "결제가 거절되었습니다" in site.last_sms()
    stay_page = await site.client.get(f"/s/{token}")
    csrf = re.search(
        r'action="/s/[^"]+/pay"><input type="hidden" name="csrf" value="([^"]+)"', stay_page.text
    ).group(1)
    checkout = await site.client.post(f"/s/{token}/pay", data={"csrf": csrf})
    assert checkout.status_code == 303
    paid = await site.client.post(
        checkout.headers["location"].removeprefix("https://park.example"),
        data={"card_number": "5555 5555 5555 4444", "expiry": "12/30", "cvc": "123"},
        follow_redirects=True,
    )
    assert "결제 완료" in paid.text
    async with site.db.transaction() as s:
        stay = (await s.scalars(select(Stay))).one()
        assert stay.status is StayStatus.PAID
        assert stay.driver_charged == 2500
        assert await ledger.balance(s, f"stay:{stay.id}:receivable") == 0
        assert (await check_everything(s))[1] == []


async def test_a_declined_card_is_retried_on_a_schedule(site: Site) -> None:
    page = await site.enter(card="4000 0000 0000 9995")
    token = stay_token(page)
    site.clock.advance(dt.timedelta(hours=1))
    await site.client.post(f"/api/v1/stays/{token}/exit")
    await site.worker.run_due()
    site.clock.advance(dt.timedelta(hours=1, minutes=1))
    await site.worker.run_due()  # the first retry: declined again
    async with site.db.transaction() as s:
        intents = (await s.scalars(select(PaymentIntent).order_by(PaymentIntent.created_at))).all()
        assert [i.reference.rsplit(":", 1)[1] for i in intents] == ["1", "2"]
        assert (await s.scalars(select(Stay))).one().status is StayStatus.UNPAID


async def test_an_operator_can_close_a_stay(site: Site) -> None:
    await site.enter()
    site.clock.advance(dt.timedelta(minutes=45))
    auth = {"authorization": f"Bearer {site.token}"}
    [row] = (await site.client.get("/api/v1/operator/stays?status=active", headers=auth)).json()
    assert row["phone"] == "+8210****5678"
    closed = await site.client.post(f"/api/v1/operator/stays/{row['id']}/close", headers=auth)
    assert closed.json()["status"] == "paid"
    assert closed.json()["fee"]["total"] == 2000


async def test_the_json_api_alone_can_park_and_leave(site: Site) -> None:
    url = site.sign()
    k, s = re.search(r"k=([^&]+)&s=(.+)", url).groups()
    started = await site.client.post(
        "/api/v1/entries",
        json={
            "sign": {"lot": "gangnam-b", "area": "B2-C-014", "k": k, "s": s},
            "phone": "+82 10 5555 6666",
            "plate": "서울 12 가 3456",
            "consent": True,
            "locale": "en",
        },
    )
    assert started.status_code == 201, started.text
    body = started.json()
    site.sandbox.complete_with_token(body["card_url"].rsplit("/", 1)[1], "tok_visa")
    created = await site.client.post(f"/api/v1/entries/{body['entry_id']}/complete", json={})
    assert created.status_code == 201, created.text
    token = created.json()["access_token"]
    assert created.json()["stay"]["plate"] == "서울12가3456"
    site.clock.advance(dt.timedelta(hours=3))
    left = (await site.client.post(f"/api/v1/stays/{token}/exit?lang=en")).json()
    assert left["fee"]["total"] == 1000 + 15 * 500
    assert left["covered"]["driver"] == 8500
    invalid = await site.client.post(
        "/api/v1/entries",
        json={
            "sign": {"lot": "gangnam-b", "area": "B2-C-014", "k": k, "s": s},
            "phone": "123",
            "plate": "x",
            "consent": False,
        },
    )
    assert invalid.status_code == 422
    assert set(invalid.json()["fields"]) == {"phone", "plate", "consent"}


async def test_entry_attempts_are_rate_limited_per_address(site: Site) -> None:
    url = site.sign()
    k, s = re.search(r"k=([^&]+)&s=(.+)", url).groups()
    body = {
        "sign": {"lot": "gangnam-b", "area": "B2-C-014", "k": k, "s": s},
        "phone": "1",
        "plate": "x",
        "consent": False,
    }
    codes = [(await site.client.post("/api/v1/entries", json=body)).status_code for _ in range(21)]
    assert codes[:20] == [422] * 20
    assert codes[20] == 429
