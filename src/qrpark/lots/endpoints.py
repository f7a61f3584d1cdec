"""JSON API for lots, areas and tariffs. Reads are public; writes need an operator token."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response, status

from qrpark.lots import repository, service
from qrpark.lots.schemas import AreaCreate, AreaOut, LotCreate, LotOut
from qrpark.signs.domain import sign_url
from qrpark.signs.service import qr_png, qr_svg
from qrpark.tariffs import repository as tariff_repository
from qrpark.tariffs import service as tariff_service
from qrpark.tariffs.schemas import TariffCreate, TariffOut, rules_from
from qrpark.tariffs.text import describe_tariff
from qrpark.web.deps import AppContainer, CurrentOperator, Session

router = APIRouter(prefix="/api/v1", tags=["lots"])


def _tariff_out(tariff: object, currency: str, time_zone: str, locale: str) -> TariffOut:
    out = TariffOut.model_validate(tariff)
    out.description = describe_tariff(rules_from(out, currency), locale, time_zone)
    return out


@router.get("/lots", response_model=list[LotOut])
async def list_lots(session: Session) -> list[LotOut]:
    return [LotOut.model_validate(lot) for lot in await repository.lots(session)]


@router.post("/lots", response_model=LotOut, status_code=status.HTTP_201_CREATED)
async def create_lot(
    body: LotCreate, session: Session, operator: CurrentOperator, c: AppContainer
) -> LotOut:
    lot = await service.create_lot(session, c.clock, operator, body, actor=f"api:{operator.code}")
    return LotOut.model_validate(lot)


@router.get("/lots/{lot_code}", response_model=LotOut)
async def get_lot(lot_code: str, session: Session) -> LotOut:
    return LotOut.model_validate(await service.lot_for(session, lot_code))


@router.get("/lots/{lot_code}/areas", response_model=list[AreaOut])
async def list_areas(lot_code: str, session: Session) -> list[AreaOut]:
    lot = await service.lot_for(session, lot_code)
    return [AreaOut.model_validate(a) for a in await repository.areas(session, lot.id)]


@router.post("/lots/{lot_code}/areas", response_model=AreaOut, status_code=status.HTTP_201_CREATED)
async def create_area(
    lot_code: str, body: AreaCreate, session: Session, operator: CurrentOperator, c: AppContainer
) -> AreaOut:
    lot = await service.lot_for(session, lot_code, operator)
    area = await service.create_area(session, c.clock, lot, body, actor=f"api:{operator.code}")
    out = AreaOut.model_validate(area)
    out.sign_url = sign_url(c.settings.public_base_url, lot.code, area.code, c.keys)
    return out


@router.get("/lots/{lot_code}/areas/{area_code}/sign", response_model=AreaOut)
async def area_sign(
    lot_code: str, area_code: str, session: Session, operator: CurrentOperator, c: AppContainer
) -> AreaOut:
    """The signed URL a sign for this area must carry (operator only: signs are printed by staff)."""
    lot = await service.lot_for(session, lot_code, operator)
    found = await repository.area_by_codes(session, lot.code, area_code)
    if found is None:
        raise service.AreaNotFound(code=area_code)
    out = AreaOut.model_validate(found[2])
    out.sign_url = sign_url(c.settings.public_base_url, lot.code, area_code, c.keys)
    return out


@router.get(
    "/lots/{lot_code}/areas/{area_code}/qr",
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
    response_class=Response,
)
async def area_qr(
    lot_code: str,
    area_code: str,
    session: Session,
    operator: CurrentOperator,
    c: AppContainer,
    fmt: str = Query("svg", alias="format", pattern="^(svg|png)$"),
) -> Response:
    """The sign's QR code as SVG (for print) or PNG."""
    lot = await service.lot_for(session, lot_code, operator)
    if await repository.area_by_codes(session, lot.code, area_code) is None:
        raise service.AreaNotFound(code=area_code)
    url = sign_url(c.settings.public_base_url, lot.code, area_code, c.keys)
    if fmt == "png":
        return Response(qr_png(url), media_type="image/png")
    return Response(qr_svg(url), media_type="image/svg+xml")


@router.get("/lots/{lot_code}/tariffs", response_model=list[TariffOut])
async def list_tariffs(lot_code: str, session: Session, lang: str = "en") -> list[TariffOut]:
    lot = await service.lot_for(session, lot_code)
    return [
        _tariff_out(t, lot.currency, lot.time_zone, lang)
        for t in await tariff_repository.versions(session, lot.id)
    ]


@router.get("/lots/{lot_code}/tariff", response_model=TariffOut)
async def current_tariff(
    lot_code: str, session: Session, c: AppContainer, lang: str = "en"
) -> TariffOut:
    lot = await service.lot_for(session, lot_code)
    tariff = await tariff_service.in_force(session, lot, c.clock.now())
    return _tariff_out(tariff, lot.currency, lot.time_zone, lang)


@router.post(
    "/lots/{lot_code}/tariffs", response_model=TariffOut, status_code=status.HTTP_201_CREATED
)
async def add_tariff(
    lot_code: str, body: TariffCreate, session: Session, operator: CurrentOperator, c: AppContainer
) -> TariffOut:
    lot = await service.lot_for(session, lot_code, operator)
    tariff = await tariff_service.add_version(
        session, c.clock, lot, body, actor=f"api:{operator.code}"
    )
    return _tariff_out(tariff, lot.currency, lot.time_zone, "en")
