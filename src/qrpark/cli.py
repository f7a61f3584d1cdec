"""The ``qrpark`` command line. Each domain that has commands registers a Typer sub-app here."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from qrpark.occupancy.cli import app as occupancy_app
from qrpark.plates.cli import app as plates_app
from qrpark.settings import Settings

T = TypeVar("T")

app = typer.Typer(
    name="qrpark",
    help="qrpark: gateless parking by signed QR signs and CCTV.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
qr_app = typer.Typer(help="QR signs.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import lots and areas from CSV (all or nothing).", no_args_is_help=True
)
token_app = typer.Typer(help="Operator API tokens.", no_args_is_help=True)
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(qr_app, name="qr")
app.add_typer(import_app, name="import")
app.add_typer(token_app, name="token")
app.add_typer(ledger_app, name="ledger")
app.add_typer(occupancy_app, name="occupancy")
app.add_typer(plates_app, name="plates")


def _run(work: Callable[..., Awaitable[T]], *args: object) -> T:
    """Run one unit of work against the configured database and commit it."""
    from qrpark.kit.clock import SystemClock
    from qrpark.kit.db import Database

    settings = Settings()

    async def main() -> T:
        db = Database.from_url(settings.resolved_database_url)
        try:
            async with db.transaction() as session:
                return await work(session, SystemClock(), settings, *args)
        finally:
            await db.dispose()

    return asyncio.run(main())


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


@app.command()
def version() -> None:
    """Print the installed qrpark version."""
    from qrpark import __version__

    typer.echo(__version__)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the web application and the API."""
    import uvicorn

    uvicorn.run(
        "qrpark.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level=Settings().log_level.lower(),
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the migrations up to REVISION (default: the newest)."""
    from qrpark.kit.db import upgrade

    settings = Settings()
    upgrade(settings.resolved_database_url, revision)
    typer.echo(f"database at {revision}: {_safe_url(settings.resolved_database_url)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. base.")],
) -> None:
    """Revert the migrations down to REVISION."""
    from qrpark.kit.db import downgrade

    settings = Settings()
    downgrade(settings.resolved_database_url, revision)
    typer.echo(f"database at {revision}: {_safe_url(settings.resolved_database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def demo() -> None:
    """Seed a demo operator, a lot with 20 areas over two levels and a tariff; print a sign URL."""
    from qrpark.demo import seed
    from qrpark.kit.signing import KeyRing
    from qrpark.operators.service import issue_api_token
    from qrpark.signs.domain import sign_url

    async def work(session, clock, settings):  # type: ignore[no-untyped-def]
        operator, lot, areas = await seed(session, clock)
        token = await issue_api_token(session, clock, operator, "demo")
        url = sign_url(
            settings.public_base_url, lot.code, areas[0].code, KeyRing(settings.signing_keys)
        )
        return lot, areas, token, url

    lot, areas, token, url = _run(work)
    typer.echo(f"demo lot {lot.code}: {len(areas)} areas")
    typer.echo(f"operator API token (shown once): {token}")
    typer.echo(f"landing URL of sign {areas[0].code}:")
    typer.echo(url)


@qr_app.command("sheet")
def qr_sheet(
    lot: Annotated[str, typer.Option(help="Lot code.")],
    out: Annotated[Path, typer.Option(help="Where to write the print-ready HTML.")],
    area: Annotated[list[str] | None, typer.Option(help="Only these area codes.")] = None,
) -> None:
    """Write a print-ready sheet (A5, one sign per page) with the signed QR of each area."""
    from rich.progress import track

    from qrpark.kit.signing import KeyRing
    from qrpark.lots import repository
    from qrpark.lots.service import lot_for
    from qrpark.operators.models import Operator
    from qrpark.signs.service import render_sheet
    from qrpark.web.container import make_templates

    async def work(session, clock, settings):  # type: ignore[no-untyped-def]
        the_lot = await lot_for(session, lot)
        operator = await session.get(Operator, the_lot.operator_id)
        areas = [
            a for a in await repository.areas(session, the_lot.id) if not area or a.code in area
        ]
        return settings, operator, the_lot, areas

    from qrpark.kit.errors import QrparkError

    try:
        settings, operator, the_lot, areas = _run(work)
    except QrparkError as exc:
        raise _fail(str(exc)) from exc
    missing = sorted(set(area or []) - {a.code for a in areas})
    if missing:
        raise _fail(f"no such area(s) in {lot}: {', '.join(missing)}")
    keys = KeyRing(settings.signing_keys)
    chosen = list(track(areas, description="Rendering signs", transient=True, console=None))
    html = render_sheet(make_templates(), settings.public_base_url, operator, the_lot, chosen, keys)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    typer.echo(f"wrote {len(chosen)} sign(s) to {out}")


def _import(kind: str, owner: str, csv_file: Path) -> int:
    from qrpark.kit.errors import QrparkError
    from qrpark.lots.csv_import import ImportFailed, import_areas, import_lots
    from qrpark.lots.service import lot_for
    from qrpark.operators.service import get_operator

    try:
        text = csv_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read {csv_file}: {exc}") from exc

    async def work(session, clock, _settings):  # type: ignore[no-untyped-def]
        actor = f"cli:import:{csv_file.name}"
        if kind == "lots":
            operator = await get_operator(session, owner)
            if operator is None:
                raise _fail(f"no operator {owner}")
            return await import_lots(session, clock, operator, text, actor)
        return await import_areas(session, clock, await lot_for(session, owner), text, actor)

    try:
        count: int = _run(work)
    except ImportFailed as exc:
        typer.secho(f"nothing imported from {csv_file}:", fg=typer.colors.RED, err=True)
        for err in exc.errors:
            typer.echo(f"  {csv_file.name}:{err.line}: {err.message}", err=True)
        raise typer.Exit(code=1) from exc
    except QrparkError as exc:
        raise _fail(str(exc)) from exc
    return count


@import_app.command("lots")
def import_lots_cmd(
    csv_file: Annotated[Path, typer.Argument(help="CSV with a header of lot fields.")],
    operator: Annotated[str, typer.Option(help="Operator code that will own the lots.")],
) -> None:
    """Import lots. Columns: code,name,name_en,address,latitude,longitude,kind,gated,currency,..."""
    typer.echo(f"imported {_import('lots', operator, csv_file)} lot(s)")


@import_app.command("areas")
def import_areas_cmd(
    csv_file: Annotated[Path, typer.Argument(help="CSV with a header of area fields.")],
    lot: Annotated[str, typer.Option(help="Lot code the areas belong to.")],
) -> None:
    """Import areas. Columns: code,level,zone,space_number,description,description_en,latitude,..."""
    typer.echo(f"imported {_import('areas', lot, csv_file)} area(s)")


@token_app.command("create")
def token_create(
    operator: Annotated[str, typer.Option(help="Operator code.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
) -> None:
    """Issue an API token for an operator; it is printed once and only its hash is stored."""
    from qrpark.operators.service import get_operator, issue_api_token

    async def work(session, clock, _settings):  # type: ignore[no-untyped-def]
        op = await get_operator(session, operator)
        if op is None:
            raise _fail(f"no operator {operator}")
        return await issue_api_token(session, clock, op, name)

    typer.echo(_run(work))


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run what is due once and exit.")] = False,
    poll: Annotated[float, typer.Option(help="Seconds between polls when idle.")] = 1.0,
) -> None:
    """Run the outbox worker: messages, payment recovery, gateway notifications."""
    from qrpark.runtime import run_worker

    counts = asyncio.run(run_worker(Settings(), once=once, poll=poll))
    if once:
        typer.echo(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing due")


@ledger_app.command("check")
def ledger_check() -> None:
    """Verify that every journal entry balances and every payment and refund is booked exactly."""
    from qrpark.runtime import check_everything

    async def work(session, _clock, _settings):  # type: ignore[no-untyped-def]
        return await check_everything(session)

    checked, problems = _run(work)
    for problem in problems:
        typer.secho(f"  {problem}", fg=typer.colors.RED, err=True)
    if problems:
        raise _fail(f"ledger check: {len(problems)} problem(s) in {checked} record(s)")
    typer.echo(f"ledger check: {checked} record(s), all consistent")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
