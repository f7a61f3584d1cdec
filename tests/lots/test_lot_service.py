"""Lots, areas and tariff versions against a real database."""

import datetime as dt

import pytest
from sqlalchemy import select

from qrpark.audit.models import AuditEntry
from qrpark.demo import seed
from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.lots.models import LotKind
from qrpark.lots.schemas import AreaCreate, LotCreate
from qrpark.lots.service import AreaCodeTaken, LotCodeTaken, create_area, create_lot
from qrpark.tariffs import repository as tariff_repository
from qrpark.tariffs.schemas import TariffCreate
from qrpark.tariffs.service import BadTariff, add_version


async def test_demo_seeds_twenty_areas_over_two_levels_and_is_idempotent(
    db: Database, clock: FrozenClock
) -> None:
    async with db.transaction() as s:
        _, lot, areas = await seed(s, clock)
    async with db.transaction() as s:
        _, again, areas_again = await seed(s, clock)
    assert again.id == lot.id
    assert len(areas) == len(areas_again) == 20
    assert {a.level for a in areas} == {"B1", "B2"}


async def test_codes_are_unique(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        operator, lot, _ = await seed(s, clock)
    with pytest.raises(LotCodeTaken):
        async with db.transaction() as s:
            await create_lot(
                s,
                clock,
                operator,
                LotCreate(code=lot.code, name="x", address="y", kind=LotKind.ON_STREET),
                "test",
            )
    with pytest.raises(AreaCodeTaken):
        async with db.transaction() as s:
            await create_area(s, clock, lot, AreaCreate(code="B1-A-001"), "test")


async def test_tariff_versions_take_effect_in_order_and_old_ones_stay(
    db: Database, clock: FrozenClock
) -> None:
    async with db.transaction() as s:
        _, lot, _ = await seed(s, clock)
        later = clock.now() + dt.timedelta(days=7)
        v2 = await add_version(
            s,
            clock,
            lot,
            TariffCreate(
                effective_from=later,
                first_period_minutes=60,
                first_period_price=2000,
                unit_minutes=15,
                unit_price=700,
            ),
            "test",
        )
    assert v2.version == 2
    async with db.transaction() as s:
        now_version = await tariff_repository.in_force(s, lot.id, clock.now())
        later_version = await tariff_repository.in_force(s, lot.id, later)
    assert now_version is not None
    assert now_version.version == 1
    assert later_version is not None
    assert later_version.version == 2
    assert later_version.effective_from == later


async def test_a_tariff_cannot_start_in_the_past(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        _, lot, _ = await seed(s, clock)
    with pytest.raises(BadTariff):
        async with db.transaction() as s:
            await add_version(
                s,
                clock,
                lot,
                TariffCreate(
                    effective_from=clock.now() - dt.timedelta(days=1),
                    first_period_minutes=0,
                    first_period_price=0,
                    unit_minutes=10,
                    unit_price=100,
                ),
                "test",
            )


async def test_every_change_is_in_the_audit_log(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        await seed(s, clock)
    async with db.transaction() as s:
        actions = (await s.scalars(select(AuditEntry.action))).all()
    assert actions.count("area.create") == 20
    assert {"operator.create", "lot.create", "tariff.add"} <= set(actions)
    assert all(isinstance(a, str) for a in actions)
