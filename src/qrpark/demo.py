"""The demo operator, lot (20 areas over two levels) and tariff that ``qrpark demo`` seeds."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.clock import Clock
from qrpark.lots import repository
from qrpark.lots.models import Area, Lot, LotKind
from qrpark.lots.schemas import AreaCreate, LotCreate
from qrpark.lots.service import create_area, create_lot
from qrpark.operators.models import Operator
from qrpark.operators.service import create_operator, get_operator
from qrpark.tariffs.schemas import TariffCreate
from qrpark.tariffs.service import add_version

OPERATOR_CODE = "demo"
LOT_CODE = "gangnam-b"
ACTOR = "cli:demo"


async def seed(session: AsyncSession, clock: Clock) -> tuple[Operator, Lot, list[Area]]:
    """Create the demo data; running it again changes nothing and returns what is there."""
    operator = await get_operator(session, OPERATOR_CODE)
    if operator is None:
        operator = await create_operator(session, clock, OPERATOR_CODE, "큐알파크 데모 운영")
    lot = await repository.lot_by_code(session, LOT_CODE)
    if lot is None:
        lot = await create_lot(
            session,
            clock,
            operator,
            LotCreate(
                code=LOT_CODE,
                name="강남역 B 공영주차장",
                name_en="Gangnam Station Car Park B",
                address="서울특별시 강남구 강남대로 396",
                latitude=37.497952,
                longitude=127.027619,
                kind=LotKind.INDOOR,
                gated=False,
                currency="KRW",
                time_zone="Asia/Seoul",
                opening_hours="24시간 / 24 hours",
            ),
            ACTOR,
        )
        for level in ("B1", "B2"):
            for zone in ("A", "C"):
                for n in range(1, 6):
                    space = f"{n + (0 if zone == 'A' else 10):03d}"
                    await create_area(
                        session,
                        clock,
                        lot,
                        AreaCreate(
                            code=f"{level}-{zone}-{space}",
                            level=level,
                            zone=zone,
                            space_number=space,
                            description=f"지하 {level[1]}층 {zone}구역, 엘리베이터 오른쪽 기둥 옆",
                            description_en=(
                                f"Basement {level[1]}, zone {zone}, by the pillar right of the lift"
                            ),
                            latitude=37.497952,
                            longitude=127.027619,
                        ),
                        ACTOR,
                    )
        await add_version(
            session,
            clock,
            lot,
            TariffCreate(
                free_minutes=10,
                first_period_minutes=30,
                first_period_price=1000,
                unit_minutes=10,
                unit_price=500,
                daily_cap=20000,
            ),
            ACTOR,
        )
    areas = list(await repository.areas(session, lot.id))
    return operator, lot, areas
