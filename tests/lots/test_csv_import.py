"""CSV import is all or nothing, and names the line of every bad row."""

import pytest
from sqlalchemy import func, select

from qrpark.demo import seed
from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.lots.csv_import import ImportFailed, import_areas, import_lots
from qrpark.lots.models import Area, Lot

GOOD_LOTS = """code,name,address,kind,latitude,longitude,currency,time_zone
jongno-1,종로1가 노상,서울 종로구 종로 1,on_street,37.57,126.98,KRW,Asia/Seoul
mapo-2,망원 공영,서울 마포구 망원로 2,off_street,37.55,126.90,KRW,Asia/Seoul
"""


async def _count(db: Database, model: type) -> int:
    async with db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_good_lots_are_all_imported(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        operator, _, _ = await seed(s, clock)
        assert await import_lots(s, clock, operator, GOOD_LOTS, "test") == 2
    assert await _count(db, Lot) == 3


async def test_one_bad_row_imports_nothing_and_names_its_line(
    db: Database, clock: FrozenClock
) -> None:
    bad = GOOD_LOTS + "busan-3,부산,부산 중구,rooftop,35.1,129.0,KRW,Asia/Seoul\n"
    bad += "jongno-1,again,somewhere,indoor,,,KRW,Asia/Seoul\n"
    async with db.transaction() as s:
        operator, _, _ = await seed(s, clock)
    with pytest.raises(ImportFailed) as failure:
        async with db.transaction() as s:
            await import_lots(s, clock, operator, bad, "test")
    lines = [e.line for e in failure.value.errors]
    assert lines == [4, 5]
    assert "kind" in failure.value.errors[0].message
    assert "repeats line 2" in failure.value.errors[1].message
    assert await _count(db, Lot) == 1


async def test_areas_clashing_with_existing_ones_import_nothing(
    db: Database, clock: FrozenClock
) -> None:
    text = (
        "code,level,zone,space_number,description\nB3-A-001,B3,A,001,new\nB1-A-001,B1,A,001,dup\n"
    )
    async with db.transaction() as s:
        _, lot, _ = await seed(s, clock)
    with pytest.raises(ImportFailed) as failure:
        async with db.transaction() as s:
            await import_areas(s, clock, lot, text, "test")
    assert [e.line for e in failure.value.errors] == [3]
    assert await _count(db, Area) == 20


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("code,level\n", "no rows"),
        ("code,colour\nA-1,red\n", "unknown column"),
        ("code,level\nA-1,B1,extra\n", "more values"),
    ],
)
async def test_malformed_files_are_explained(
    db: Database, clock: FrozenClock, text: str, message: str
) -> None:
    async with db.transaction() as s:
        _, lot, _ = await seed(s, clock)
    with pytest.raises(ImportFailed) as failure:
        async with db.transaction() as s:
            await import_areas(s, clock, lot, text, "test")
    assert message in str(failure.value.errors[0])
