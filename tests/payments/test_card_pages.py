"""The sandbox's card window, used as a person would, and proof that no card data stays behind."""

import logging
import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from sqlalchemy import MetaData, select

from qrpark.demo import seed
from qrpark.kit.carddata import find_card_data
from qrpark.kit.clock import SystemClock
from qrpark.kit.db import Database
from qrpark.operators.service import issue_api_token
from qrpark.payments.sandbox import SandboxGateway
from qrpark.settings import Settings
from qrpark.web.app import create_app

from .conftest import WEBHOOK_SECRET

CARD, CVC = "4242 4242 4242 4242", "987"


async def _dump(db: Database) -> str:
    meta = MetaData()
    async with db.engine.connect() as conn:
        await conn.run_sync(meta.reflect)
        parts = []
        for table in meta.sorted_tables:
            parts += [repr(tuple(row)) for row in (await conn.execute(select(table))).all()]
    return "\n".join(parts)


def _dump_sqlite(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(repr(row) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"'))
    finally:
        conn.close()


@pytest.fixture
async def site(fresh_db: Database, tmp_path: Path):
    clock = SystemClock()
    sandbox = SandboxGateway(
        tmp_path / "gw.sqlite3", base_url="https://park.example", webhook_secret=WEBHOOK_SECRET
    )
    async with fresh_db.transaction() as s:
        operator, _, _ = await seed(s, clock)
        token = await issue_api_token(s, clock, operator, "test")
    settings = Settings(
        environment="test", data_dir=tmp_path, public_base_url="https://park.example"
    )
    app = create_app(settings, db=fresh_db, clock=clock, gateways={"sandbox": sandbox})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://park.example"
    ) as c:
        yield c, token, sandbox, fresh_db, tmp_path


async def _start(c: httpx.AsyncClient, token: str) -> tuple[str, str]:
    r = await c.post(
        "/api/v1/payment-methods/registrations",
        json={"owner_ref": "driver-7"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    return r.json()["registration_id"], r.json()["redirect_url"]


async def test_registering_a_card_on_the_card_page_keeps_only_a_billing_key(site, caplog) -> None:
    c, token, _sandbox, db, tmp_path = site
    caplog.set_level(logging.DEBUG)
    reg_id, url = await _start(c, token)
    page = await c.get(url)
    assert page.status_code == 200
    assert 'autocomplete="cc-number"' in page.text
    bad = await c.post(
        url, data={"card_number": "4242 4242 4242 4241", "expiry": "12/30", "cvc": CVC}
    )
    assert bad.status_code == 422
    assert "not valid" in bad.text
    assert "4241" not in bad.text  # the page never echoes what was typed
    done = await c.post(
        url, data={"card_number": CARD, "expiry": "12/30", "cvc": CVC}, follow_redirects=True
    )
    assert done.status_code == 200, done.text
    assert "VISA •••• 4242" in done.text
    method = await c.get(
        f"/api/v1/payment-methods/registrations/{reg_id}/method",
        headers={"authorization": f"Bearer {token}"},
    )
    assert method.json()["last4"] == "4242"
    assert await c.get(url) != page  # the window is closed now
    assert (await c.get(url)).status_code == 410
    everything = await _dump(db) + _dump_sqlite(tmp_path / "gw.sqlite3") + caplog.text + done.text
    assert find_card_data(everything) == []
    # digit-bounded: a timestamp such as 537712.323987 holds the digits by chance, a stored
    # security code would stand as a number of its own
    assert re.search(rf"(?<!\d){CVC}(?!\d)", _dump_sqlite(tmp_path / "gw.sqlite3")) is None


async def test_a_card_that_needs_confirmation_asks_first(site) -> None:
    c, token, _, _, _ = site
    _reg_id, url = await _start(c, token)
    step = await c.post(
        url,
        data={"card_number": "4000 0027 6000 3184", "expiry": "01/31", "cvc": "123"},
        follow_redirects=True,
    )
    assert "Confirm with your bank" in step.text
    done = await c.post(f"{url}/confirm", data={"decision": "approve"}, follow_redirects=True)
    assert "•••• 3184" in done.text


@pytest.mark.parametrize(
    ("expiry", "cvc", "reason"),
    [("13/30", "123", "MM/YY"), ("01/20", "123", "expired"), ("12/30", "12", "security code")],
)
async def test_bad_card_details_are_explained(site, expiry: str, cvc: str, reason: str) -> None:
    c, token, _, _, _ = site
    _, url = await _start(c, token)
    response = await c.post(url, data={"card_number": CARD, "expiry": expiry, "cvc": cvc})
    assert response.status_code == 422
    assert reason in response.text


def test_the_card_data_finder_finds_what_it_must() -> None:
    assert find_card_data("pan=4242424242424242") == ["card number ending 4242"]
    assert find_card_data("4000 0027 6000 3184") == ["card number ending 3184"]
    assert find_card_data("cvc: 987") == ["card security code near offset 0"]
    assert find_card_data("order 01a20bd86275 amount 1234567890123") == []  # not Luhn-valid
    # digit runs inside hex identifiers are not card numbers
    assert (
        find_card_data(
            "01a20bdd17a774528f50208192994711 7b8c-9548-421735167ff5 sbx_pay_69663c0968175670221f"
        )
        == []
    )
