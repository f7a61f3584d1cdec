"""Merchant validation: accounts, staff sign-in, pledges from a scanned pass, rules and budgets
at exit, and the monthly statement."""

import datetime as dt
import re

import pytest
from tests.stays.conftest import Site

from qrpark.merchants.domain import Rule, RuleKind, cover, within_budgets
from qrpark.runtime import check_everything

from .test_proxy_payments import leave, pay, qr_link, stay_token

PASSWORD = "correct horse battery staple"


@pytest.mark.parametrize(
    ("rule", "fee", "first", "expected"),
    [
        (Rule(RuleKind.FIRST_MINUTES, 60), 5500, 2500, 2500),
        (Rule(RuleKind.FIRST_MINUTES, 600), 5500, 20000, 5500),
        (Rule(RuleKind.UP_TO_AMOUNT, 3000), 5500, 0, 3000),
        (Rule(RuleKind.UP_TO_AMOUNT, 3000), 2000, 0, 2000),
        (Rule(RuleKind.PERCENT, 50), 5500, 0, 2750),
        (Rule(RuleKind.PERCENT, 33), 1001, 0, 330),
    ],
)
def test_rules(rule: Rule, fee: int, first: int, expected: int) -> None:
    assert cover(rule, fee, first) == expected


def test_budgets_and_bad_rules() -> None:
    assert within_budgets(3000, 1000, None) == 1000
    assert within_budgets(3000, None, -5) == 0
    assert within_budgets(3000, None, None) == 3000
    with pytest.raises(ValueError, match="percent"):
        Rule(RuleKind.PERCENT, 101)


async def make_merchant(site: Site, rule: str, value: int, **budgets: int) -> str:
    auth = {"authorization": f"Bearer {site.token}"}
    merchant = await site.client.post(
        "/api/v1/operator/merchants",
        headers=auth,
        json={
            "lot": "gangnam-b",
            "name": "Café Pisa",
            "rule_kind": rule,
            "rule_value": value,
            **budgets,
        },
    )
    assert merchant.status_code == 201, merchant.text
    staff = await site.client.post(
        f"/api/v1/operator/merchants/{merchant.json()['id']}/staff",
        headers=auth,
        json={"email": "barista@pisa.example", "password": PASSWORD},
    )
    assert staff.status_code == 201, staff.text
    return merchant.json()["id"]


async def sign_in(site: Site, password: str = PASSWORD) -> int:
    page = await site.client.get("/m/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    response = await site.client.post(
        "/m/login",
        data={"csrf": csrf, "email": "Barista@pisa.example", "password": password, "next": "/m"},
    )
    return response.status_code


async def validate(site: Site, link: str) -> str:
    page = await site.client.get(link)
    assert "Café Pisa" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = await site.client.post(f"{link}/validate", data={"csrf": csrf})
    assert done.status_code == 200, done.text
    return done.text


async def test_a_shop_validates_and_its_cover_is_applied_first_at_exit(site: Site) -> None:
    await make_merchant(site, "first_minutes", 60)
    token = stay_token(await site.enter())
    site.clock.advance(dt.timedelta(hours=2))  # 5,500
    assert await sign_in(site, "wrong password") == 401
    assert await sign_in(site) == 303
    assert "주차 지원이 등록되었습니다" in await validate(site, await qr_link(site, token))
    await pay(site, await qr_link(site, token), 2000)  # a friend pays too
    left = await leave(site, token)
    assert (
        left["fee"]["total"],
        left["covered"]["merchant"],
        left["covered"]["proxy"],
        left["covered"]["driver"],
    ) == (5500, 2500, 2000, 1000)
    async with site.db.transaction() as s:
        assert (await check_everything(s))[1] == []
    statement = await site.client.get("/m?month=2026-03")
    assert "12가3**6" in statement.text
    assert "2,500원" in statement.text
    csv_file = await site.client.get("/m/statement.csv?month=2026-03")
    assert csv_file.headers["content-type"].startswith("text/csv")
    assert csv_file.text.splitlines()[1].endswith(",12가3**6,강남역 B 공영주차장,2500,KRW")


async def test_budgets_limit_the_cover(site: Site) -> None:
    await make_merchant(site, "up_to_amount", 3000, daily_budget=4000)
    await sign_in(site)
    tokens = []
    for plate in ("12가3456", "34나5678"):
        site.client.cookies.delete("qrpark_stay")
        tokens.append(stay_token(await site.enter(plate=plate)))
    site.clock.advance(dt.timedelta(hours=2))
    for token in tokens:
        await validate(site, await qr_link(site, token))
    first, second = [await leave(site, token) for token in tokens]
    assert first["covered"]["merchant"] == 3000
    assert second["covered"]["merchant"] == 1000  # the day's budget is spent
    assert second["covered"]["driver"] == 4500


async def test_a_pledge_needs_a_signed_in_merchant_of_the_same_lot(site: Site) -> None:
    await make_merchant(site, "percent", 50)
    token = stay_token(await site.enter())
    link = await qr_link(site, token)
    page = await site.client.get(link)
    assert "/validate" not in page.text  # not signed in: no validation button
    anonymous = await site.client.post(
        f"{link}/validate", data={"csrf": site.client.cookies["qrpark_csrf"]}
    )
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/m/login")
