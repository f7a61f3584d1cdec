"""A real qrpark server (uvicorn in a thread, a test clock) and Debian's Chromium driven by
Playwright. Skips without Chromium, except in CI (QRPARK_TEST_REQUIRE_BROWSER=1) where it fails."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from tests.conftest import ARTIFACTS, START, TEST_KEYS

from qrpark.demo import seed
from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database, upgrade
from qrpark.messages.sms import SandboxSms
from qrpark.payments.sandbox import SandboxGateway
from qrpark.runtime import build_worker
from qrpark.settings import Settings
from qrpark.web.app import create_app

CHROMIUM = os.environ.get("QRPARK_CHROMIUM", "/usr/bin/chromium")
SHOTS = ARTIFACTS / "browser"


@dataclass
class LiveServer:
    url: str
    clock: FrozenClock
    sandbox: SandboxGateway
    sms: SandboxSms
    database_url: str
    settings: Settings

    async def run_worker(self) -> None:
        from qrpark.payments.service import Payments

        db = Database.from_url(self.database_url)
        payments = Payments(
            db=db, clock=self.clock, gateways={"sandbox": self.sandbox}, public_base_url=self.url
        )
        await build_worker(payments, self.sms).run_due()
        await db.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def live_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'live.sqlite3'}"
    await asyncio.to_thread(upgrade, database_url)  # Alembic runs its own event loop
    clock = FrozenClock(START)
    seed_db = Database.from_url(database_url)
    async with seed_db.transaction() as s:
        await seed(s, clock)
    await seed_db.dispose()
    settings = Settings(
        environment="test", data_dir=tmp_path, public_base_url=url, signing_keys=TEST_KEYS
    )  # type: ignore[arg-type]
    sandbox = SandboxGateway(
        tmp_path / "gw.sqlite3", base_url=url, webhook_secret="whsec_YnJvd3Nlci10ZXN0cw=="
    )
    sms = SandboxSms(tmp_path / "sms.jsonl")
    db = Database.from_url(database_url)
    app = create_app(settings, db=db, clock=clock, gateways={"sandbox": sandbox}, sms=sms)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("qrpark did not start")
        await asyncio.sleep(0.02)
    yield LiveServer(url, clock, sandbox, sms, database_url, settings)
    server.should_exit = True
    await asyncio.to_thread(thread.join, 10)


@pytest.fixture(scope="session")
async def browser():
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - once per session
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("QRPARK_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        instance = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield instance
        await instance.close()
