"""Where the gateway's card page sends the person back to."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qrpark.web.deps import AppContainer, Locale
from qrpark.web.i18n import translator

router = APIRouter(include_in_schema=False)


@router.get("/payments/registrations/{registration_id}/return")
async def registration_return(
    registration_id: uuid.UUID, c: AppContainer, locale: Locale
) -> Response:
    method = await c.payments.finish_registration(registration_id)
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
