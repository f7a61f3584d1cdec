"""The driver's pages: the entry form on a sign's landing page, the card and code steps, the
live stay page, exit and receipt. Each works without JavaScript; JavaScript only adds live
updates."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.lots.models import Area, Lot
from qrpark.operators.models import Operator
from qrpark.payments.models import CardRegistration, IntentStatus
from qrpark.stays import service
from qrpark.stays.models import EntryDraft, Source, StayStatus
from qrpark.stays.views import stay_view
from qrpark.web import csrf
from qrpark.web.container import Container
from qrpark.web.deps import AppContainer, Locale, Session
from qrpark.web.i18n import translator

router = APIRouter(include_in_schema=False)
STAY_COOKIE = "qrpark_stay"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def render(
    request: Request, c: Container, locale: str, name: str, status: int = 200, **ctx: Any
) -> HTMLResponse:
    token = csrf.token_for(request)
    html = c.templates.get_template(name).render(
        t=translator(locale), locale=locale, switch=ctx.pop("switch", None), csrf_token=token, **ctx
    )
    response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
    csrf.remember(response, token, secure=c.settings.public_base_url.startswith("https://"))
    return response


def remember_stay(response: Response, c: Container, token: str) -> None:
    response.set_cookie(
        STAY_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        max_age=3 * 24 * 3600,
        secure=c.settings.public_base_url.startswith("https://"),
    )


async def open_stay_from_cookie(request: Request, session: Session) -> str | None:
    """A re-scan by a driver whose browser holds an open stay goes straight to it."""
    token = request.cookies.get(STAY_COOKIE)
    if not token:
        return None
    try:
        stay = await service.stay_by_token(session, token)
    except service.StayNotFound:
        return None
    return token if stay.exited_at is None else None


def entry_context(operator: Operator, lot: Lot, area: Area, k: str, s: str) -> dict[str, Any]:
    return {
        "action": f"/a/{lot.code}/{area.code}/entry",
        "k": k,
        "s": s,
        "form": {},
        "errors": {},
    }


@router.post("/a/{lot_code}/{area_code}/entry")
async def submit_entry(
    request: Request,
    lot_code: str,
    area_code: str,
    session: Session,
    c: AppContainer,
    locale: Locale,
    k: Annotated[str, Form(max_length=16)] = "",
    s: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form(alias="csrf", max_length=64)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    plate: Annotated[str, Form(max_length=40)] = "",
    consent: Annotated[str, Form(max_length=3)] = "",
    card: Annotated[str, Form(max_length=10)] = "new",
) -> Response:
    csrf.check(request, csrf_token)
    operator, lot, area = await service.resolve_sign(session, c.keys, lot_code, area_code, k, s)
    c.limits["entry_ip"].hit(client_ip(request))
    c.limits["entry_area"].hit(f"{lot.id}:{area.id}")
    values = {"phone": phone, "plate": plate, "consent": consent == "yes", "card": card}
    try:
        e164, vehicle = service.validate_entry(lot, phone, plate, consent == "yes")
    except service.EntryInvalid as exc:
        return await _landing_again(
            request, session, c, locale, operator, lot, area, k, s, values, exc.errors, 422
        )
    try:
        begun = await service.begin_entry(
            session,
            c.clock,
            c.db,
            c.payments,
            c.limits["code_phone"],
            operator=operator,
            lot=lot,
            area=area,
            phone=e164,
            plate=vehicle,
            locale=locale,
            use_saved_card=card == "saved",
        )
    except service.PlateAlreadyParked:
        await session.commit()
        return render(request, c, locale, "stays/parked.html", 409, plate=vehicle.text)
    if begun.card_url is None:
        return RedirectResponse(f"/entries/{begun.draft_id}/code", status_code=303)
    return RedirectResponse(begun.card_url, status_code=303)


async def _landing_again(
    request: Request,
    session: Session,
    c: Container,
    locale: str,
    operator: Operator,
    lot: Lot,
    area: Area,
    k: str,
    s: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int,
) -> HTMLResponse:
    from qrpark.signs.pages import landing_context

    ctx = await landing_context(session, c, locale, operator, lot, area)
    entry = entry_context(operator, lot, area, k, s)
    entry.update(form=values, errors=errors)
    return render(request, c, locale, "signs/landing.html", status, entry=entry, **ctx)


async def _begin_stay(
    request: Request,
    session: AsyncSession,
    c: Container,
    locale: str,
    draft: EntryDraft,
    method_id: uuid.UUID,
) -> Response:
    """The draft becomes a stay; the browser remembers it so a re-scan opens it."""
    try:
        _, token = await service.create_stay(
            session,
            c.clock,
            draft=draft,
            payment_method_id=method_id,
            public_base_url=c.settings.public_base_url,
        )
    except service.PlateAlreadyParked:
        await session.rollback()
        return render(request, c, locale, "stays/parked.html", 409, plate=draft.plate)
    response = RedirectResponse(f"/s/{token}?welcome=1", status_code=303)
    remember_stay(response, c, token)
    return response


@router.get("/entries/{draft_id}/card")
async def card_done(
    draft_id: uuid.UUID, request: Request, session: Session, c: AppContainer, locale: Locale
) -> Response:
    """Back from the gateway's card page: the card is confirmed server to server, then the stay begins."""
    draft = await service.live_draft(session, c.clock, draft_id)
    if draft.registration_id is None:
        raise service.DraftExpired
    await session.commit()
    method = await c.payments.finish_registration(draft.registration_id)
    async with c.db.transaction() as tx:
        draft = await service.live_draft(tx, c.clock, draft_id)
        reg = await tx.get(CardRegistration, draft.registration_id)
        if reg is None or reg.owner_ref != service.owner_ref(draft.phone):
            raise service.DraftExpired
        return await _begin_stay(request, tx, c, locale, draft, method.id)


@router.get("/entries/{draft_id}/code", response_class=HTMLResponse)
async def code_page(
    draft_id: uuid.UUID, request: Request, session: Session, c: AppContainer, locale: Locale
) -> HTMLResponse:
    draft = await service.live_draft(session, c.clock, draft_id)
    from qrpark.stays.phone import mask_phone

    return render(
        request,
        c,
        locale,
        "stays/code.html",
        draft_id=draft.id,
        phone=mask_phone(draft.phone),
        error=None,
    )


@router.post("/entries/{draft_id}/code")
async def code_submit(
    draft_id: uuid.UUID,
    request: Request,
    session: Session,
    c: AppContainer,
    locale: Locale,
    code: Annotated[str, Form(max_length=10)] = "",
    csrf_token: Annotated[str, Form(alias="csrf", max_length=64)] = "",
) -> Response:
    csrf.check(request, csrf_token)
    from qrpark.stays.phone import mask_phone

    draft = await service.live_draft(session, c.clock, draft_id)
    try:
        method_id = await service.saved_card_by_code(session, c.clock, draft, code)
    except service.CodeRefused as exc:
        await session.commit()  # the failed attempt counts
        return render(
            request,
            c,
            locale,
            "stays/code.html",
            422,
            draft_id=draft.id,
            phone=mask_phone(draft.phone),
            error=exc.message(locale),
        )
    return await _begin_stay(request, session, c, locale, draft, method_id)


@router.post("/entries/resend-link", response_class=HTMLResponse)
async def resend_link(
    request: Request,
    session: Session,
    c: AppContainer,
    locale: Locale,
    plate: Annotated[str, Form(max_length=16)] = "",
    csrf_token: Annotated[str, Form(alias="csrf", max_length=64)] = "",
) -> HTMLResponse:
    csrf.check(request, csrf_token)
    c.limits["entry_ip"].hit(client_ip(request))
    await service.resend_link(session, c.clock, plate, c.settings.public_base_url)
    return render(request, c, locale, "stays/parked.html", 200, plate=plate, sent=True)


@router.get("/s/{token}", response_class=HTMLResponse)
async def stay_page(
    token: str,
    request: Request,
    session: Session,
    c: AppContainer,
    locale: Locale,
    welcome: int = 0,
) -> HTMLResponse:
    stay = await service.stay_by_token(session, token)
    view = await stay_view(session, stay, c.clock.now(), locale)
    response = render(
        request,
        c,
        locale,
        "stays/stay.html",
        view=view,
        token=token,
        welcome=bool(welcome),
        switch={loc: f"/s/{token}?lang={loc}" for loc in ("ko", "en")},
    )
    if request.query_params.get("lang") in ("ko", "en"):
        response.set_cookie("lang", locale, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


@router.get("/s/{token}/exit", response_class=HTMLResponse)
async def exit_confirm(
    token: str, request: Request, session: Session, c: AppContainer, locale: Locale
) -> Response:
    stay = await service.stay_by_token(session, token)
    if stay.exited_at is not None:
        return RedirectResponse(f"/s/{token}", status_code=303)
    view = await stay_view(session, stay, c.clock.now(), locale)
    return render(request, c, locale, "stays/exit.html", view=view, token=token)


@router.post("/s/{token}/exit")
async def exit_submit(
    token: str,
    request: Request,
    session: Session,
    c: AppContainer,
    csrf_token: Annotated[str, Form(alias="csrf", max_length=64)] = "",
) -> Response:
    csrf.check(request, csrf_token)
    stay = await service.stay_by_token(session, token)
    await session.commit()
    await service.exit_stay(c.db, c.clock, c.payments, stay.id, Source.DRIVER, actor="driver")
    response = RedirectResponse(f"/s/{token}", status_code=303)
    response.delete_cookie(STAY_COOKIE)
    return response


@router.post("/s/{token}/pay")
async def pay_owed(
    token: str,
    request: Request,
    session: Session,
    c: AppContainer,
    csrf_token: Annotated[str, Form(alias="csrf", max_length=64)] = "",
) -> Response:
    """A declined card: pay what is owed with another card on the gateway's own page."""
    csrf.check(request, csrf_token)
    stay = await service.stay_by_token(session, token)
    owed = service.remainder(stay)
    operator = await session.get(Operator, stay.operator_id)
    assert operator is not None
    if stay.status is not StayStatus.UNPAID or owed <= 0:
        return RedirectResponse(f"/s/{token}", status_code=303)
    attempt = stay.charge_attempts + 1
    stay.charge_attempts = attempt
    await session.commit()
    _, url = await c.payments.start_checkout(
        operator_id=stay.operator_id,
        gateway=operator.payment_gateway,
        amount=owed,
        currency=stay.currency,
        account=service.receivable(stay),
        reference=f"stay:{stay.id}:paylink:{attempt}",
        description="qrpark parking",
        return_url=f"{c.settings.public_base_url}/s/{token}/paid",
    )
    return RedirectResponse(url, status_code=303)


@router.get("/s/{token}/paid")
async def paid_return(token: str, request: Request, session: Session, c: AppContainer) -> Response:
    """Back from the gateway's payment page: ask the gateway, then record."""
    stay = await service.stay_by_token(session, token)
    intents = [
        i
        for i in await service.driver_payments(session, stay)
        if i.reference.startswith(f"stay:{stay.id}:paylink:") and i.status is IntentStatus.PENDING
    ]
    await session.commit()
    for intent in intents:
        resolved = await c.payments.resolve(intent.id)
        await service.record_intent(c.db, c.clock, stay.id, resolved.id, stay.charge_attempts)
    return RedirectResponse(f"/s/{token}", status_code=303)
