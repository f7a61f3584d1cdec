"""Where the gateway's card page sends the person back to."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qrpark.web.deps import AppContainer, Locale
from qrpark.web.i18n import translator

router = APIRouter(include_in_schema=False)


@router.get("/payments/registrations/{registration_id}/return")
async def registration_return(
    registration_id: uuid.UUID, request: Request, c: AppContainer, locale: Locale
) -> Response:
    # What the gateway appended (PortOne's billingKey, Stripe's session id) says what to ask for;
    # the card itself is always confirmed server to server.
    method = await c.payments.finish_registration(registration_id, dict(request.query_params))
    async with c.db.transaction() as s:
        from qrpark.payments.models import CardRegistration

        reg = await s.get(CardRegistration, registration_id)
        return_to = reg.return_to if reg else None
    if return_to:
        sep = "&" if "?" in return_to else "?"
        return RedirectResponse(f"{return_to}{sep}registration={registration_id}", status_code=303)
    html = c.templates.get_template("payments/registered.html").render(
        t=translator(locale), locale=locale, switch=None, method=method
    )
    return HTMLResponse(html)


# PortOne's card windows are its browser SDK; these pages load it and hand it the request.
PORTONE_CSP = (
    "default-src 'self'; script-src 'self' https://cdn.portone.io; connect-src 'self' https://*.portone.io; "
    "frame-src https:; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; base-uri 'none'"
)


def _portone_page(c: AppContainer, locale: str, **request: object) -> HTMLResponse:
    from qrpark.payments.portone import PortOneGateway

    gateway = c.payments.gateway("portone")
    assert isinstance(gateway, PortOneGateway)
    html = c.templates.get_template("payments/portone.html").render(
        t=translator(locale),
        locale=locale,
        switch=None,
        store_id=gateway.store_id,
        channel_key=gateway.channel_key,
        request=request,
    )
    return HTMLResponse(
        html, headers={"Content-Security-Policy": PORTONE_CSP, "Cache-Control": "no-store"}
    )


@router.get("/payments/portone/issue/{registration_id}", response_class=HTMLResponse)
async def portone_issue(
    registration_id: uuid.UUID, c: AppContainer, locale: Locale
) -> HTMLResponse:
    from qrpark.payments.models import CardRegistration
    from qrpark.payments.service import RegistrationNotFound

    async with c.db.transaction() as s:
        reg = await s.get(CardRegistration, registration_id)
    if reg is None or reg.gateway != "portone" or reg.status != "started":
        raise RegistrationNotFound
    return _portone_page(
        c,
        locale,
        action="issue",
        issue_id=str(registration_id),
        redirect_url=f"{c.settings.public_base_url}/payments/registrations/{registration_id}/return",
    )


@router.get("/payments/portone/pay/{intent_id}", response_class=HTMLResponse)
async def portone_pay(
    intent_id: uuid.UUID, c: AppContainer, locale: Locale, back: str = Query("/", alias="return")
) -> HTMLResponse:
    from qrpark.payments.models import IntentStatus, PaymentIntent
    from qrpark.payments.service import IntentNotFound

    async with c.db.transaction() as s:
        intent = await s.get(PaymentIntent, intent_id)
    if intent is None or intent.gateway != "portone" or intent.status is not IntentStatus.PENDING:
        raise IntentNotFound
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    return _portone_page(
        c,
        locale,
        action="pay",
        payment_id=str(intent.id),
        order_name=intent.description,
        total_amount=intent.amount,
        currency=f"CURRENCY_{intent.currency}",
        redirect_url=f"{c.settings.public_base_url}{back}",
    )
