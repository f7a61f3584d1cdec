"""The sandbox gateway's own pages (card window, confirmation step, one-off checkout).

They stand in for a real gateway's pages: qrpark's own code never sees what is typed here, and
the sandbox keeps only a billing key, the brand and the last four digits.
"""

from __future__ import annotations

import sqlite3
from typing import Annotated, cast

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qrpark.kit.money import format_amount
from qrpark.payments.gateway import RegistrationFailed
from qrpark.payments.sandbox import PREFIX, SandboxGateway, classify_card
from qrpark.web.container import Container
from qrpark.web.deps import AppContainer, Locale
from qrpark.web.i18n import translator

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _sandbox(c: Container) -> SandboxGateway:
    return cast(SandboxGateway, c.payments.gateway("sandbox"))


def _render(c: Container, locale: str, name: str, status: int = 200, **ctx: object) -> HTMLResponse:
    html = c.templates.get_template(name).render(
        t=translator(locale), locale=locale, switch=None, **ctx
    )
    # The card window must never be cached or framed.
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _closed(c: Container, locale: str) -> HTMLResponse:
    return _render(
        c, locale, "error.html", 410, title="Sandbox", message="This payment window has closed."
    )


def _card_form(
    c: Container, locale: str, remote_id: str, error: str | None = None, status: int = 200
) -> HTMLResponse:
    """The card-registration window, empty or with the reason the last card was refused."""
    return _render(
        c,
        locale,
        "sandbox/card.html",
        status,
        action=f"{PREFIX}/cards/{remote_id}",
        cancel=f"{PREFIX}/cards/{remote_id}/cancel",
        title="카드 등록 · Register a card",
        amount=None,
        error=error,
    )


def _checkout_form(
    c: Container, locale: str, row: sqlite3.Row, error: str | None = None, status: int = 200
) -> HTMLResponse:
    """The one-off checkout window for an open order ``row``, empty or with a refusal."""
    return _render(
        c,
        locale,
        "sandbox/card.html",
        status,
        action=f"{PREFIX}/checkout/{row['order_id']}",
        cancel=None,
        title=row["name"],
        amount=format_amount(row["amount"], row["currency"], locale),
        error=error,
    )


@router.get("/cards/{remote_id}", response_class=HTMLResponse)
async def card_page(remote_id: str, c: AppContainer, locale: Locale) -> HTMLResponse:
    row = _sandbox(c).registration(remote_id)
    if row is None or row["status"] not in ("open", "confirm"):
        return _closed(c, locale)
    if row["status"] == "confirm":
        return _render(
            c,
            locale,
            "sandbox/confirm.html",
            remote_id=remote_id,
            brand=row["pending_brand"],
            last4=row["pending_last4"],
        )
    return _card_form(c, locale, remote_id)


@router.post("/cards/{remote_id}", response_class=HTMLResponse)
async def card_submit(
    remote_id: str,
    c: AppContainer,
    locale: Locale,
    card_number: Annotated[str, Form(max_length=30)] = "",
    expiry: Annotated[str, Form(max_length=7)] = "",
    cvc: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    sandbox = _sandbox(c)
    row = sandbox.registration(remote_id)
    if row is None or row["status"] != "open":
        return _closed(c, locale)
    try:
        card = classify_card(card_number, expiry, cvc, c.clock.now().date())
        step = sandbox.submit_card(remote_id, card)
    except RegistrationFailed as exc:
        return _card_form(c, locale, remote_id, str(exc), 422)
    if step == "confirm":
        return RedirectResponse(f"{PREFIX}/cards/{remote_id}", status_code=303)
    return RedirectResponse(row["return_url"], status_code=303)


@router.post("/cards/{remote_id}/confirm")
async def card_confirm(
    remote_id: str, c: AppContainer, locale: Locale, decision: Annotated[str, Form()] = ""
) -> Response:
    sandbox = _sandbox(c)
    row = sandbox.registration(remote_id)
    if row is None:
        return _closed(c, locale)
    try:
        sandbox.confirm(remote_id, approve=decision == "approve")
    except RegistrationFailed:
        return _closed(c, locale)
    return RedirectResponse(row["return_url"], status_code=303)


@router.post("/cards/{remote_id}/cancel")
async def card_cancel(remote_id: str, c: AppContainer, locale: Locale) -> Response:
    sandbox = _sandbox(c)
    row = sandbox.registration(remote_id)
    if row is None:
        return _closed(c, locale)
    sandbox.cancel(remote_id)
    return RedirectResponse(row["return_url"], status_code=303)


@router.get("/checkout/{order_id}", response_class=HTMLResponse)
async def checkout_page(order_id: str, c: AppContainer, locale: Locale) -> HTMLResponse:
    row = _sandbox(c).checkout(order_id)
    if row is None or row["status"] != "open":
        return _closed(c, locale)
    return _checkout_form(c, locale, row)


@router.post("/checkout/{order_id}", response_class=HTMLResponse)
async def checkout_submit(
    order_id: str,
    c: AppContainer,
    locale: Locale,
    card_number: Annotated[str, Form(max_length=30)] = "",
    expiry: Annotated[str, Form(max_length=7)] = "",
    cvc: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    sandbox = _sandbox(c)
    row = sandbox.checkout(order_id)
    if row is None or row["status"] != "open":
        return _closed(c, locale)
    try:
        sandbox.pay_checkout(
            order_id, classify_card(card_number, expiry, cvc, c.clock.now().date())
        )
    except RegistrationFailed as exc:
        return _checkout_form(c, locale, row, str(exc), 422)
    return RedirectResponse(row["return_url"], status_code=303)


@router.get("/", response_class=HTMLResponse)
async def about(request: Request, c: AppContainer, locale: Locale) -> HTMLResponse:
    return _render(c, locale, "sandbox/about.html")
