"""The driver's proxy payment QR and the payer's page (any phone camera, no app, no account)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qrpark.kit.money import format_amount
from qrpark.lots.models import Area, Lot
from qrpark.proxy import domain, service
from qrpark.proxy.models import ProxyPayment
from qrpark.signs.service import qr_svg
from qrpark.stays import service as stays
from qrpark.stays import text
from qrpark.stays.models import Stay
from qrpark.stays.pages import render
from qrpark.stays.vehicle import mask
from qrpark.web import csrf
from qrpark.web.container import Container
from qrpark.web.deps import AppContainer, Locale, Session

router = APIRouter(include_in_schema=False)


def pass_url(c: Container, token: str) -> str:
    return f"{c.settings.public_base_url}/p/{token}"


@router.get("/s/{token}/proxy", response_class=HTMLResponse)
async def show_qr(
    token: str,
    request: Request,
    session: Session,
    c: AppContainer,
    locale: Locale,
    amount: int | None = None,
) -> Response:
    """A fresh pass on every load; the page reloads itself shortly before the pass expires."""
    stay = await stays.stay_by_token(session, token)
    if stay.exited_at is not None:
        return RedirectResponse(f"/s/{token}", status_code=303)
    asked = amount if amount and amount > 0 else None
    try:
        row, pass_token = await service.issue(session, c.clock, c.keys, stay, asked)
    except service.AskTooSmall as exc:
        lot = await session.get(Lot, stay.lot_id)
        assert lot is not None
        return render(
            request,
            c,
            locale,
            "proxy/ask.html",
            422,
            token=token,
            error=exc.message(locale),
            minimum=format_amount(lot.proxy_min_amount, stay.currency, locale),
        )
    lot = await session.get(Lot, stay.lot_id)
    assert lot is not None
    url = pass_url(c, pass_token)
    ttl = int((row.expires_at - c.clock.now()).total_seconds())
    return render(
        request,
        c,
        locale,
        "proxy/qr.html",
        token=token,
        url=url,
        svg=qr_svg(url, scale=6),
        refresh_after=max(5, ttl - 20),
        refresh_url=f"/s/{token}/proxy" + (f"?amount={asked}" if asked else ""),
        asked=format_amount(asked, stay.currency, locale) if asked else None,
        expires=text.local_time(row.expires_at, lot),
    )


async def _payer_context(
    session: Session, c: Container, view: service.PassView, locale: str
) -> dict[str, Any]:
    area = await session.get(Area, view.stay.area_id)
    assert area is not None
    elapsed = int((c.clock.now() - view.stay.entered_at).total_seconds())

    def money(amount: int) -> str:
        return format_amount(amount, view.stay.currency, locale)

    quick = domain.quick_amounts(view.unpaid, view.room, view.minimum, service.QUICK_STEPS)
    return {
        "lot_name": text.lot_name(view.lot, locale),
        "area": area.code,
        "plate": mask(view.stay.plate),
        "elapsed": text.elapsed_words(elapsed, locale),
        "fee": money(view.fee_now),
        "unpaid": money(view.unpaid),
        "asked": money(view.pass_.asked_amount) if view.pass_.asked_amount else None,
        "quick": [(a, money(a)) for a in quick],
        "minimum": view.minimum,
        "room": view.room,
        "minimum_formatted": money(view.minimum),
        "room_formatted": money(view.room),
        "currency": view.stay.currency,
    }


@router.get("/p/{token}", response_class=HTMLResponse)
async def payer_page(
    token: str, request: Request, session: Session, c: AppContainer, locale: Locale
) -> Response:
    try:
        view = await service.open_pass(session, c.clock, c.keys, token)
    except service.PassRefused as exc:
        return render(
            request, c, locale, "proxy/refused.html", exc.status_code, message=exc.message(locale)
        )
    ctx = await _payer_context(session, c, view, locale)
    from qrpark.merchants.pages import COOKIE
    from qrpark.merchants.service import signed_in

    who = await signed_in(session, c.clock, request.cookies.get(COOKIE))
    merchant = who.merchant.name if who and who.merchant.lot_id == view.lot.id else None
    return render(
        request, c, locale, "proxy/pay.html", token=token, error=None, merchant=merchant, **ctx
    )


@router.post("/p/{token}/pay")
async def payer_pay(
    token: str,
    request: Request,
    session: Session,
    c: AppContainer,
    locale: Locale,
    amount: Annotated[str, Form(max_length=16)] = "",
    other: Annotated[str, Form(max_length=16)] = "",
    receipt_to: Annotated[str, Form(max_length=254)] = "",
    csrf_token: Annotated[str, Form(alias="csrf", max_length=64)] = "",
) -> Response:
    csrf.check(request, csrf_token)
    raw = (other or amount).replace(",", "").strip()
    value = int(raw) if raw.isdigit() else 0
    await session.commit()
    try:
        _, url = await service.start_payment(
            c.db,
            c.clock,
            c.keys,
            c.payments,
            token,
            value,
            return_url=f"{c.settings.public_base_url}/p/done/{{payment}}",
            receipt_to=receipt_to.strip() or None,
        )
    except service.PassRefused as exc:
        return render(
            request, c, locale, "proxy/refused.html", exc.status_code, message=exc.message(locale)
        )
    except (service.AmountRefused, service.CapReached, service.ReceiptPhoneInvalid) as exc:
        async with c.db.transaction() as s:
            try:
                view = await service.open_pass(s, c.clock, c.keys, token)
            except service.PassRefused as refused:
                return render(
                    request,
                    c,
                    locale,
                    "proxy/refused.html",
                    refused.status_code,
                    message=refused.message(locale),
                )
            ctx = await _payer_context(s, c, view, locale)
        return render(
            request,
            c,
            locale,
            "proxy/pay.html",
            exc.status_code,
            token=token,
            error=exc.message(locale),
            **ctx,
        )
    return RedirectResponse(url, status_code=303)


@router.get("/p/done/{payment_id}", response_class=HTMLResponse)
async def payer_done(
    payment_id: uuid.UUID, request: Request, c: AppContainer, locale: Locale
) -> HTMLResponse:
    """Back from the gateway: the payment is confirmed with the gateway, then the receipt."""
    payment = await service.confirm(c.db, c.clock, c.payments, payment_id)
    async with c.db.transaction() as s:
        stay = await s.get(Stay, payment.stay_id)
        assert stay is not None
        lot = await s.get(Lot, stay.lot_id)
        area = await s.get(Area, stay.area_id)
        assert lot is not None
        assert area is not None
        fresh = await s.get(ProxyPayment, payment_id)
        assert fresh is not None
    return render(
        request,
        c,
        locale,
        "proxy/receipt.html",
        payment_status=fresh.status,
        amount=format_amount(fresh.amount, stay.currency, locale),
        plate=mask(stay.plate),
        lot_name=text.lot_name(lot, locale),
        area=area.code,
        at=text.local_time(fresh.updated_at, lot),
    )
