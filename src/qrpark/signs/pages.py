"""The page a sign's QR code opens: it proves where the driver is before anything is asked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.lots import repository
from qrpark.lots.location import area_map_link
from qrpark.lots.models import Area, Lot
from qrpark.operators.models import Operator
from qrpark.signs.domain import CODE_RE, SignRef, verify
from qrpark.tariffs import repository as tariff_repository
from qrpark.tariffs.schemas import rules_from
from qrpark.tariffs.text import describe_tariff
from qrpark.web.container import Container
from qrpark.web.deps import AppContainer, Locale, Session
from qrpark.web.i18n import LOCALES, translator

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Landing:
    operator: Operator
    lot: Lot
    area: Area


def _switch_links(request: Request) -> dict[str, str]:
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    return {loc: f"{request.url.path}?{urlencode({**params, 'lang': loc})}" for loc in LOCALES}


def _page(
    request: Request, c: AppContainer, locale: str, name: str, status: int, **ctx: object
) -> HTMLResponse:
    html = c.templates.get_template(name).render(
        t=translator(locale), locale=locale, switch=_switch_links(request), **ctx
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LOCALES:
        response.set_cookie("lang", locale, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


async def landing_context(
    session: AsyncSession, c: Container, locale: str, operator: Operator, lot: Lot, area: Area
) -> dict[str, Any]:
    """What the landing page shows before anything is asked: where, whose, and for how much."""
    tariff = await tariff_repository.in_force(session, lot.id, c.clock.now())
    tariff_lines = (
        describe_tariff(rules_from(tariff, lot.currency), locale, lot.time_zone) if tariff else None
    )
    return {
        "operator": operator,
        "lot": lot,
        "area": area,
        "tariff_lines": tariff_lines,
        "map_url": area_map_link(lot, area),
    }


@router.get("/a/{lot_code}/{area_code}", response_class=HTMLResponse)
async def landing(
    request: Request,
    lot_code: str,
    area_code: str,
    session: Session,
    c: AppContainer,
    locale: Locale,
    k: str = "",
    s: str = "",
) -> Response:
    if not (CODE_RE.fullmatch(lot_code) and CODE_RE.fullmatch(area_code)):
        return _page(request, c, locale, "signs/refused.html", 404, reason="unknown")
    if not verify(SignRef(lot_code, area_code, k, s), c.keys):
        # Forged, altered, or signed with a key that has been retired: never show a form.
        return _page(request, c, locale, "signs/refused.html", 400, reason="bad")
    found = await repository.area_by_codes(session, lot_code, area_code)
    if found is None:
        return _page(request, c, locale, "signs/refused.html", 404, reason="unknown")
    from qrpark.stays.pages import entry_context, open_stay_from_cookie, render

    token = await open_stay_from_cookie(request, session)
    if token is not None:
        return RedirectResponse(f"/s/{token}", status_code=303)
    operator, lot, area = found
    ctx = await landing_context(session, c, locale, operator, lot, area)
    entry = entry_context(operator, lot, area, k, s) if ctx["tariff_lines"] else None
    response = render(
        request, c, locale, "signs/landing.html", entry=entry, switch=_switch_links(request), **ctx
    )
    if request.query_params.get("lang") in LOCALES:
        response.set_cookie("lang", locale, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


@router.get("/a/{rest:path}", response_class=HTMLResponse)
async def not_a_sign(request: Request, rest: str, c: AppContainer, locale: Locale) -> HTMLResponse:
    """Anything else under /a/ is a sign we never printed."""
    return _page(request, c, locale, "signs/refused.html", 404, reason="unknown")
