"""Merchant staff pages: sign in, validate a scanned pass, the monthly statement (HTML and CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.kit.money import format_amount
from qrpark.lots.models import Lot
from qrpark.merchants import service
from qrpark.proxy import service as proxy
from qrpark.stays.pages import render
from qrpark.stays.vehicle import mask
from qrpark.web import csrf
from qrpark.web.container import Container
from qrpark.web.deps import AppContainer, Locale, Session

router = APIRouter(include_in_schema=False)
COOKIE = "qrpark_merchant"


def _secure(c: Container) -> bool:
    return c.settings.public_base_url.startswith("https://")


@router.get("/m/login", response_class=HTMLResponse)
async def login_page(
    request: Request, c: AppContainer, locale: Locale, next: str = "/m"
) -> HTMLResponse:
    return render(
        request,
        c,
        locale,
        "merchants/login.html",
        error=None,
        next=next if next.startswith("/") else "/m",
    )


@router.post("/m/login")
async def login(
    request: Request,
    session: Session,
    c: AppContainer,
    locale: Locale,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=300)] = "/m",
    csrf_token: Annotated[str, Form(alias="csrf", max_length=64)] = "",
) -> Response:
    csrf.check(request, csrf_token)
    c.limits["entry_ip"].hit(f"merchant-login:{request.client.host if request.client else ''}")
    try:
        token = await service.sign_in(session, c.clock, email, password)
    except service.SignInFailed as exc:
        return render(
            request,
            c,
            locale,
            "merchants/login.html",
            401,
            error=exc.message(locale),
            next=next_url,
        )
    target = next_url if next_url.startswith("/") and not next_url.startswith("//") else "/m"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(c),
        max_age=int(service.LOGIN_TTL.total_seconds()),
    )
    return response


@router.post("/m/logout")
async def logout(
    request: Request,
    session: Session,
    csrf_token: Annotated[str, Form(alias="csrf", max_length=64)] = "",
) -> Response:
    csrf.check(request, csrf_token)
    token = request.cookies.get(COOKIE)
    if token:
        await service.sign_out(session, token)
    response = RedirectResponse("/m/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.post("/p/{token}/validate", response_class=HTMLResponse)
async def validate(
    token: str,
    request: Request,
    session: Session,
    c: AppContainer,
    locale: Locale,
    csrf_token: Annotated[str, Form(alias="csrf", max_length=64)] = "",
) -> Response:
    """A signed-in merchant scans the driver's pass and pledges cover (no card is charged)."""
    csrf.check(request, csrf_token)
    who = await service.signed_in(session, c.clock, request.cookies.get(COOKIE))
    if who is None:
        return RedirectResponse(f"/m/login?next=/p/{token}", status_code=303)
    try:
        view = await proxy.open_pass(session, c.clock, c.keys, token, allow_used=True)
        lot = await session.get(Lot, who.merchant.lot_id)
        assert lot is not None
        if view.lot.id != lot.id:
            raise proxy.PassRefused("wrong_lot")
        await service.pledge(session, c.clock, who, view.stay)
    except proxy.PassRefused as exc:
        return render(
            request, c, locale, "proxy/refused.html", exc.status_code, message=exc.message(locale)
        )
    return render(
        request,
        c,
        locale,
        "merchants/validated.html",
        merchant=who.merchant.name,
        plate=mask(view.stay.plate),
    )


def _month(raw: str | None, now: dt.datetime, tz: str) -> tuple[int, int]:
    if (
        raw
        and len(raw) == 7
        and raw[4] == "-"
        and raw[:4].isdigit()
        and raw[5:].isdigit()
        and 1 <= int(raw[5:]) <= 12
    ):
        return int(raw[:4]), int(raw[5:])
    local = now.astimezone(ZoneInfo(tz))
    return local.year, local.month


async def _statement(
    request: Request, session: AsyncSession, c: Container, month: str | None
) -> tuple[service.SignedIn, Lot, int, int, list[service.StatementLine]] | None:
    """The signed-in merchant, its lot, the month asked for (default: this one) and its lines."""
    who = await service.signed_in(session, c.clock, request.cookies.get(COOKIE))
    if who is None:
        return None
    lot = await session.get(Lot, who.merchant.lot_id)
    assert lot is not None
    year, mon = _month(month, c.clock.now(), lot.time_zone)
    return who, lot, year, mon, await service.statement(session, who.merchant, year, mon)


@router.get("/m", response_class=HTMLResponse)
async def statement_page(
    request: Request, session: Session, c: AppContainer, locale: Locale, month: str | None = None
) -> Response:
    found = await _statement(request, session, c, month)
    if found is None:
        return RedirectResponse("/m/login", status_code=303)
    who, lot, year, mon, lines = found
    total = sum(line.amount for line in lines)
    tz = ZoneInfo(lot.time_zone)
    return render(
        request,
        c,
        locale,
        "merchants/statement.html",
        merchant=who.merchant,
        month=f"{year:04d}-{mon:02d}",
        rows=[
            (
                f"{x.applied_at.astimezone(tz):%Y-%m-%d %H:%M}",
                x.plate,
                format_amount(x.amount, lot.currency, locale),
            )
            for x in lines
        ],
        total=format_amount(total, lot.currency, locale),
    )


@router.get("/m/statement.csv")
async def statement_csv(
    request: Request, session: Session, c: AppContainer, month: str | None = None
) -> Response:
    found = await _statement(request, session, c, month)
    if found is None:
        return RedirectResponse("/m/login", status_code=303)
    who, lot, year, mon, lines = found
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["applied_at", "plate", "lot", "amount", "currency"])
    tz = ZoneInfo(lot.time_zone)
    for line in lines:
        writer.writerow(
            [
                f"{line.applied_at.astimezone(tz):%Y-%m-%d %H:%M}",
                line.plate,
                line.lot,
                line.amount,
                lot.currency,
            ]
        )
    name = f"qrpark-{who.merchant.id}-{year:04d}-{mon:02d}.csv"
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
