"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a test clock, the app.

Every test that asks for ``db`` runs twice, once per backend, inside a transaction that is rolled
back at the end. PostgreSQL is taken from ``QRPARK_TEST_POSTGRES_URL`` (default: the local server);
when it cannot be reached those runs skip, unless ``QRPARK_TEST_REQUIRE_POSTGRES=1`` (set by CI),
which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database, make_engine, upgrade
from qrpark.settings import Settings

PG_URL = os.environ.get(
    "QRPARK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("QRPARK_TEST_REQUIRE_POSTGRES") == "1"
SHARED_DATA = Path(
    os.environ.get(
        "QRPARK_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
).resolve()
START = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)  # a Monday, 12:00 in Seoul
TEST_KEYS = "t2:test-signing-key-number-two,t1:test-signing-key-number-one"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    url = make_url(PG_URL)
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
        timeout=5,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_database(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database for this test run, dropped at the end."""
    name = f"qrpark_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, Exception) as exc:
        message = f"PostgreSQL is not reachable at {PG_URL}: {exc}"
        if REQUIRE_PG:
            pytest.fail(message + " (QRPARK_TEST_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    url = _pg_database(name)
    upgrade(url)
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    url = f"sqlite+aiosqlite:///{path.as_posix()}"
    upgrade(url)
    return url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database, once per backend."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_template"))
    return str(request.getfixturevalue("pg_template"))


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[Database]:
    """A database whose every change in the test is rolled back at the end."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        yield Database(engine, bind=conn)
        await outer.rollback()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path,
        public_base_url="https://park.example",
        signing_keys=TEST_KEYS,  # type: ignore[arg-type]
    )


@pytest.fixture
async def client(
    settings: Settings, db: Database, clock: FrozenClock
) -> AsyncIterator[httpx.AsyncClient]:
    from qrpark.web.app import create_app

    app = create_app(settings, db=db, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://park.example") as c:
        yield c


@pytest.fixture
async def tokens(db: Database, clock: FrozenClock) -> dict[str, str]:
    """API tokens of the demo lot's operator (``demo``) and of another operator (``other``)."""
    from qrpark.demo import seed
    from qrpark.operators.service import create_operator, issue_api_token

    async with db.transaction() as s:
        operator, _, _ = await seed(s, clock)
        other = await create_operator(s, clock, "other", "Other Parking Co.")
        return {
            "demo": await issue_api_token(s, clock, operator, "test"),
            "other": await issue_api_token(s, clock, other, "test"),
        }


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared evaluation data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database whose commits are real (for concurrency and crash tests)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
        upgrade(url)
        yield url
        return
    request.getfixturevalue("pg_template")
    name = f"qrpark_fresh_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = _pg_database(name)
    upgrade(url)
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def fresh_db(fresh_database_url: str) -> AsyncIterator[Database]:
    pool = {"pool_size": 20, "max_overflow": 40} if "postgresql" in fresh_database_url else {}
    database = Database.from_url(fresh_database_url, **pool)
    yield database
    await database.dispose()


# --- card data must never be logged or stored -------------------------------------------------
# Every log record of the whole run goes to test-artifacts/test.log. When the run ends, that log
# and every SQLite database the tests left behind (qrpark's and the sandbox gateway's) are
# scanned for card numbers and security codes; any finding fails the run.

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
_log_handler: logging.FileHandler | None = None


def pytest_sessionstart(session: pytest.Session) -> None:
    global _log_handler
    ARTIFACTS.mkdir(exist_ok=True)
    _log_handler = logging.FileHandler(ARTIFACTS / "test.log", mode="w", encoding="utf-8")
    _log_handler.setLevel(logging.DEBUG)
    _log_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(_log_handler)
    root.setLevel(logging.DEBUG)
    logging.getLogger("aiosqlite").setLevel(
        logging.INFO
    )  # one line per cursor call drowns the rest


def _sqlite_text(path: Path) -> str:
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return ""
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(repr(row) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"'))
    except sqlite3.Error:
        return ""
    finally:
        conn.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from qrpark.kit.carddata import find_card_data

    if _log_handler is not None:
        _log_handler.flush()
        logging.getLogger().removeHandler(_log_handler)
        _log_handler.close()
    findings: list[str] = []
    log_file = ARTIFACTS / "test.log"
    log_lines = 0
    if log_file.exists():
        with log_file.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                log_lines += 1
                findings += [f"test.log:{log_lines}: {f}" for f in find_card_data(line)]
    basetemp = session.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    databases = sorted(Path(basetemp).rglob("*.sqlite3"))
    for db_file in databases:
        findings += [f"{db_file.name}: {f}" for f in find_card_data(_sqlite_text(db_file))]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    summary = (
        f"card-data scan: {log_lines} log lines and {len(databases)} databases scanned, "
        f"{len(findings)} finding(s)"
    )
    if reporter is not None:
        reporter.write_line(summary)
        for finding in findings[:20]:
            reporter.write_line(f"  {finding}")
    if findings:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
