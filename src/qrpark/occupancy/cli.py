"""``qrpark occupancy``: commands for the space-occupancy classifier.

Only typer is imported here; numpy, OpenCV and onnxruntime load when a command runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Space occupancy: evaluate the classifier on labelled patches.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def occupancy() -> None:
    """Space occupancy: per-space classifier, calibration and evaluation."""


@app.command("eval")
def eval_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder with busy/ and free/ subfolders of patch images.")
    ],
    calibrate: Annotated[
        int,
        typer.Option(
            "--calibrate",
            min=0,
            help="Calibrate on the first N patches of each class (file-name order); "
            "they are left out of the score.",
        ),
    ] = 0,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="ONNX model to use instead of the bundled one."),
    ] = None,
    classical: Annotated[
        bool, typer.Option("--classical", help="Use the classical fallback, not the CNN.")
    ] = False,
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            help="Calibration: memory (the CNN's default), map or direction (the classical "
            "fallback's default). Only with --calibrate.",
        ),
    ] = None,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Patches per inference call.")] = 64,
) -> None:
    """Score a labelled folder and print one JSON object with the figures."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from qrpark.occupancy.calibration import METHODS
    from qrpark.occupancy.classifier import load_scorer
    from qrpark.occupancy.evaluate import (
        NotALabelledFolderError,
        TooFewPatchesError,
        UnreadablePatchError,
        evaluate_folder,
    )

    err = Console(stderr=True)
    if method is not None and method not in METHODS:
        err.print(f"[red]error:[/red] --method must be one of {', '.join(METHODS)}")
        raise typer.Exit(2)
    if method is not None and not calibrate:
        err.print("[red]error:[/red] --method needs --calibrate N")
        raise typer.Exit(2)
    try:
        scorer = load_scorer(model, classical=classical)
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if scorer.name.startswith("classical") and not classical:
        err.print("[yellow]no model file: using the classical fallback[/yellow]")
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("scoring patches", total=None)
        try:
            report = evaluate_folder(
                directory,
                scorer,
                calibrate=calibrate,
                method=method,
                batch=batch,
                advance=lambda n: progress.advance(task, n),
                on_total=lambda n: progress.update(task, total=n),
            )
        except (NotALabelledFolderError, TooFewPatchesError, UnreadablePatchError) as exc:
            progress.stop()
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    typer.echo(json.dumps(report))
