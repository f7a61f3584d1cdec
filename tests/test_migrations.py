"""Migrations build the schema the models describe, and go down and up again cleanly."""

import asyncio
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from qrpark.kit.db import downgrade, make_engine, upgrade
from qrpark.models import Base
from tests.conftest import _pg_admin, _pg_database


def _diff(url: str) -> list[object]:
    async def run() -> list[object]:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
                )
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
        return
    request.getfixturevalue("pg_template")  # skips or fails the same way when there is no server
    name = f"qrpark_mig_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    yield _pg_database(name)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_migrations_match_the_models_and_round_trip(empty_url: str) -> None:
    upgrade(empty_url)
    assert _diff(empty_url) == []
    downgrade(empty_url, "base")
    upgrade(empty_url)
    assert _diff(empty_url) == []
