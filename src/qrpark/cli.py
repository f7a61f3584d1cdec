"""The ``qrpark`` command line. Each domain that has commands registers a Typer sub-app here."""

from __future__ import annotations

import typer

from qrpark.plates.cli import app as plates_app

app = typer.Typer(
    name="qrpark",
    help="qrpark: gateless parking by signed QR signs and CCTV.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

app.add_typer(plates_app, name="plates")


@app.command()
def version() -> None:
    """Print the installed qrpark version."""
    from qrpark import __version__

    typer.echo(__version__)


def main() -> None:
    app()
