"""A site with the demo lot, the sandbox gateway, the sandbox SMS box and a frozen clock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from qrpark.demo import seed
from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.kit.outbox import Worker
from qrpark.kit.signing import KeyRing
from qrpark.messages.sms import SandboxSms
from qrpark.payments.sandbox import SandboxGateway
from qrpark.runtime import build_worker
from qrpark.settings import Settings
from qrpark.signs.domain import parse_sign_url, sign_url
from qrpark.web.app import create_app

WEBHOOK_SECRET = "whsec_dGVzdC13ZWJob29rLXNlY3JldC0xMjM0NTY="


@dataclass
class Site:
    client: httpx.AsyncClient
    db: Database
    clock: FrozenClock
    sandbox: SandboxGateway
    sms: SandboxSms
    settings: Settings
    worker: Worker
    token: str

    def sign(self, area: str = "B2-C-014") -> str:
        return sign_url(
            self.settings.public_base_url, "gangnam-b", area, KeyRing(self.settings.signing_keys)
        )

    async def csrf(self, url: str) -> str:
        page = await self.client.get(url)
        match = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert match, page.text[:500]
        return match.group(1)

    async def enter(
        self,
        plate: str = "12가3456",
        phone: str = "010-1234-5678",
        card: str = "4242 4242 4242 4242",
        area: str = "B2-C-014",
        lang: str = "ko",
    ) -> httpx.Response:
        """The whole entry as a person does it: landing form, card page, back to the stay page."""
        url = self.sign(area)
        ref = parse_sign_url(url)
        token = await self.csrf(url + f"&lang={lang}")
        form = {
            "csrf": token,
            "k": ref.kid,
            "s": ref.signature,
            "phone": phone,
            "plate": plate,
            "consent": "yes",
            "card": "new",
        }
        to_card = await self.client.post(f"/a/gangnam-b/{area}/entry", data=form)
        assert to_card.status_code == 303, to_card.text
        card_url = to_card.headers["location"].removeprefix("https://park.example")
        return await self.client.post(
            card_url,
            data={"card_number": card, "expiry": "12/30", "cvc": "123"},
            follow_redirects=True,
        )

    def last_sms(self, phone: str = "+821012345678") -> str:
        return self.sms.messages(phone)[-1]["text"]


@pytest.fixture
async def site(db: Database, clock: FrozenClock, tmp_path: Path, settings: Settings):
    async for built in _site(db, clock, tmp_path, settings):
        yield built


@pytest.fixture
async def live_site(fresh_db: Database, clock: FrozenClock, tmp_path: Path, settings: Settings):
    """The same site on a database whose commits are real, for concurrent requests."""
    async for built in _site(fresh_db, clock, tmp_path, settings):
        yield built


async def _site(db: Database, clock: FrozenClock, tmp_path: Path, settings: Settings):
    from qrpark.operators.service import issue_api_token

    async with db.transaction() as s:
        operator, _, _ = await seed(s, clock)
        token = await issue_api_token(s, clock, operator, "test")
    sandbox = SandboxGateway(
        tmp_path / "gw.sqlite3", base_url="https://park.example", webhook_secret=WEBHOOK_SECRET
    )
    sms = SandboxSms(tmp_path / "sms.jsonl")
    app = create_app(settings, db=db, clock=clock, gateways={"sandbox": sandbox}, sms=sms)
    worker = build_worker(app.state.container.payments, sms)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://park.example"
    )
    async with client:
        yield Site(client, db, clock, sandbox, sms, settings, worker, token)
