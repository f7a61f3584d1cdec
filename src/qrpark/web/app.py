"""The application factory: the one composition root for the web process."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from qrpark import __version__
from qrpark.kit.clock import Clock, SystemClock
from qrpark.kit.db import Database
from qrpark.kit.errors import QrparkError
from qrpark.kit.ratelimit import RateLimiter
from qrpark.kit.signing import KeyRing
from qrpark.messages.sms import SandboxSms, SmsSender
from qrpark.occupancy.classifier import LazyScorer
from qrpark.occupancy.scoring import PatchScorer
from qrpark.payments.gateway import Gateway
from qrpark.payments.service import Payments
from qrpark.payments.wiring import build_gateways
from qrpark.settings import Settings
from qrpark.web.container import STATIC, Container, make_templates
from qrpark.web.deps import locale
from qrpark.web.i18n import translator

log = logging.getLogger("qrpark.web")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(self), geolocation=(), microphone=()",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/healthz",)


def render_error(request: Request, status: int, title: str, message: str) -> Response:
    c: Container = request.app.state.container
    loc = locale(request)
    html = c.templates.get_template("error.html").render(
        t=translator(loc), locale=loc, title=title, message=message, status=status
    )
    return HTMLResponse(html, status_code=status)


def create_app(
    settings: Settings | None = None,
    db: Database | None = None,
    clock: Clock | None = None,
    gateways: Mapping[str, Gateway] | None = None,
    sms: SmsSender | None = None,
    occupancy: PatchScorer | None = None,
) -> FastAPI:
    settings = settings or Settings()
    settings.check_production_safety()
    owns_db = db is None
    database = db or Database.from_url(settings.resolved_database_url)
    the_clock = clock or SystemClock()
    container = Container(
        settings=settings,
        db=database,
        clock=the_clock,
        keys=KeyRing(settings.signing_keys),
        templates=make_templates(),
        payments=Payments(
            db=database,
            clock=the_clock,
            gateways=gateways if gateways is not None else build_gateways(settings),
            public_base_url=settings.public_base_url,
        ),
        sms=sms or SandboxSms(settings.data_dir / "sandbox-sms.jsonl"),
        limits={
            # Entry attempts: per client address, and per sign (a sticker being hammered).
            "entry_ip": RateLimiter(
                the_clock, limit=settings.entry_limit_per_ip, window=dt.timedelta(minutes=10)
            ),
            "entry_area": RateLimiter(
                the_clock, limit=settings.entry_limit_per_area, window=dt.timedelta(minutes=10)
            ),
            "code_phone": RateLimiter(the_clock, limit=5, window=dt.timedelta(minutes=15)),
        },
        occupancy=LazyScorer(occupancy),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_db:
            await database.dispose()

    app = FastAPI(
        title="qrpark",
        version=__version__,
        summary="Gateless parking by signed QR signs and CCTV, with proxy payment.",
        lifespan=lifespan,
    )
    app.state.container = container

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(QrparkError)
    async def qrpark_error(request: Request, exc: QrparkError) -> Response:
        if _wants_json(request):
            return JSONResponse(exc.to_json(), status_code=exc.status_code)
        loc = locale(request)
        return render_error(
            request, exc.status_code, translator(loc)["error_title"], exc.message(loc)
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse(
                {"error": "invalid_input", "message": "The input is not valid.", "errors": errors},
                status_code=422,
            )
        loc = locale(request)
        return render_error(
            request, 422, translator(loc)["error_title"], "; ".join(e["msg"] for e in errors)
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"error": "http_error", "message": exc.detail}, status_code=exc.status_code
            )
        loc = locale(request)
        return render_error(
            request, exc.status_code, translator(loc)["error_title"], str(exc.detail)
        )

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        from sqlalchemy import text

        async with database.sessionmaker() as s:
            await s.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": database.dialect}

    _include_routers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _include_routers(app: FastAPI) -> None:
    """Every domain's API and pages. Imported here so that building the app is the only import-time
    cost of the web layer."""
    from qrpark.cameras.endpoints import router as cameras_api
    from qrpark.lots.endpoints import router as lots_api
    from qrpark.merchants.endpoints import router as merchants_api
    from qrpark.merchants.pages import router as merchant_pages
    from qrpark.payments.endpoints import router as payments_api
    from qrpark.payments.pages import router as payment_pages
    from qrpark.payments.sandbox_pages import router as sandbox_pages
    from qrpark.proxy.pages import router as proxy_pages
    from qrpark.signs.pages import router as sign_pages
    from qrpark.stays.endpoints import operator_router as stays_operator_api
    from qrpark.stays.endpoints import router as stays_api
    from qrpark.stays.pages import router as stay_pages

    app.include_router(lots_api)
    app.include_router(cameras_api)
    app.include_router(payments_api)
    app.include_router(payment_pages)
    app.include_router(sandbox_pages)
    app.include_router(stays_api)
    app.include_router(stays_operator_api)
    app.include_router(stay_pages)
    app.include_router(merchant_pages)
    app.include_router(merchants_api)
    app.include_router(proxy_pages)
    app.include_router(sign_pages)
