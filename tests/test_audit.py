import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from qrpark.demo import seed
from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database


async def test_the_audit_log_refuses_update_and_delete_on_postgresql(
    db: Database, clock: FrozenClock
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    async with db.transaction() as s:
        await seed(s, clock)
    for sql in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.transaction() as s:
                await s.execute(text(sql))
