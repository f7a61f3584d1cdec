"""Import lots or areas from CSV, all or nothing: one bad row and nothing of the file is kept."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.clock import Clock
from qrpark.kit.errors import QrparkError
from qrpark.lots import repository, service
from qrpark.lots.models import Lot
from qrpark.lots.schemas import AreaCreate, LotCreate
from qrpark.operators.models import Operator

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportFailed(QrparkError):
    status_code = 422
    code = "import_failed"
    message_en = "Nothing was imported: {count} row(s) have errors."
    message_ko = "가져오지 않았습니다: {count}개 행에 오류가 있습니다."

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors), count=len(errors))


def _explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "row"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _parse(text: str, model: type[M], key: str) -> tuple[list[tuple[int, M]], list[RowError]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = set(model.model_fields)
    if reader.fieldnames is None:
        return [], [RowError(1, "the file is empty")]
    unknown = [f for f in reader.fieldnames if f not in fields]
    if unknown:
        return [], [RowError(1, f"unknown column(s): {', '.join(unknown)}")]
    rows: list[tuple[int, M]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            errors.append(RowError(line, "more values than columns"))
            continue
        data: dict[str, Any] = {k: v for k, v in record.items() if v not in (None, "")}
        try:
            item = model.model_validate(data)
        except ValidationError as exc:
            errors.append(RowError(line, _explain(exc)))
            continue
        code = str(getattr(item, key))
        if code in seen:
            errors.append(RowError(line, f"{key} {code!r} repeats line {seen[code]}"))
            continue
        seen[code] = line
        rows.append((line, item))
    if not rows and not errors:
        errors.append(RowError(1, "the file has a header but no rows"))
    return rows, errors


async def import_lots(
    session: AsyncSession, clock: Clock, operator: Operator, text: str, actor: str
) -> int:
    """Create every lot of the CSV for ``operator``, or none of them."""
    rows, errors = _parse(text, LotCreate, "code")
    for line, lot in rows:
        if await repository.lot_by_code(session, lot.code) is not None:
            errors.append(RowError(line, f"lot code {lot.code!r} already exists"))
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.line))
    for _, data in rows:
        await service.create_lot(session, clock, operator, data, actor)
    return len(rows)


async def import_areas(session: AsyncSession, clock: Clock, lot: Lot, text: str, actor: str) -> int:
    """Create every area of the CSV in ``lot``, or none of them."""
    rows, errors = _parse(text, AreaCreate, "code")
    existing = await repository.area_codes(session, lot.id)
    errors += [
        RowError(line, f"area code {area.code!r} already exists in lot {lot.code}")
        for line, area in rows
        if area.code in existing
    ]
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.line))
    for _, data in rows:
        await service.create_area(session, clock, lot, data, actor)
    return len(rows)
