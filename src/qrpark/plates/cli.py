"""``qrpark plates``: read plates in images and evaluate the reader against a labelled CSV."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Read licence plates (Korean model or Latin RapidOCR) and evaluate the reader.",
    no_args_is_help=True,
)

ModeOption = Annotated[
    str, typer.Option("--mode", help="Plate alphabet of the lot: kr (Korean) or latin.")
]
CropOption = Annotated[
    bool,
    typer.Option("--crop/--scene", help="The image is already a tight plate crop (else a frame)."),
]


def _mode(value: str) -> Any:
    from qrpark.plates.reader import Mode

    try:
        return Mode(value)
    except ValueError:
        raise typer.BadParameter(f"mode must be 'kr' or 'latin', not {value!r}") from None


FinderOption = Annotated[
    str | None,
    typer.Option(
        "--finder",
        help="Plate finder for whole frames: classical (the default), learned (opt-in; "
        "weaker on real photos) or both.",
    ),
]


def _finder(value: str | None) -> Any:
    from qrpark.plates.reader import DEFAULT_FINDER, FinderKind

    if value is None:
        return DEFAULT_FINDER
    try:
        return FinderKind(value)
    except ValueError:
        raise typer.BadParameter(
            f"finder must be 'classical', 'learned' or 'both', not {value!r}"
        ) from None


def _reader(mode: str, finder: str | None = None) -> Any:
    from qrpark.plates.reader import ModelMissingError, PlateReader

    try:
        return PlateReader(_mode(mode), finder=_finder(finder))
    except ModelMissingError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def read(
    images: Annotated[list[Path], typer.Argument(help="Image files to read.")],
    mode: ModeOption = "kr",
    crop: Annotated[
        bool, typer.Option("--crop", help="The images are tight plate crops (skip the finder).")
    ] = False,
    finder: FinderOption = None,
    track: Annotated[
        bool,
        typer.Option(
            "--track",
            help="The images are frames of one vehicle: also print the vote over their reads.",
        ),
    ] = False,
) -> None:
    """Print one JSON object per image: best plate, its confidence, box, type and time taken.

    With ``--track`` one more object follows, ``{"track": {...}}``: the reads of every frame
    voted into one (``text``, ``confidence`` its share of the weight, ``support`` the frames
    that read it, ``frames`` the frames with a read). It is ``accepted`` when at least one
    frame read that text above the reject threshold.
    """
    from qrpark.plates.domain import Read, vote
    from qrpark.plates.reader import load_image

    reader = _reader(mode, finder)
    failed = False
    frames: list[tuple[Read, bool]] = []
    for path in images:
        try:
            image = load_image(path)
        except (OSError, ValueError) as exc:
            typer.echo(json.dumps({"file": str(path), "error": str(exc)}))
            failed = True
            continue
        result = reader.read(image, crop=crop)
        best = result.best
        out: dict[str, Any] = {"file": str(path), "mode": mode}
        out.update(
            best.as_dict()
            if best
            else {"text": None, "confidence": 0.0, "accepted": False, "plate_type": None}
        )
        out["plates"] = [p.as_dict() for p in result.plates]
        out["seconds"] = round(result.seconds, 4)
        typer.echo(json.dumps(out, ensure_ascii=False))
        if best and best.confidence > 0:
            frames.append((Read(best.text, best.confidence, best.char_confidences), best.accepted))
    if track:
        voted = vote(r for r, _ in frames)
        summary: dict[str, Any] = {"text": None, "confidence": 0.0, "accepted": False}
        if voted is not None:
            summary = {
                "text": voted.text,
                "confidence": round(voted.confidence, 4),
                "accepted": any(ok and r.text == voted.text for r, ok in frames),
                "support": voted.support,
            }
        summary["frames"] = len(frames)
        typer.echo(json.dumps({"track": summary}, ensure_ascii=False))
    if failed:
        raise typer.Exit(1)


def load_labels(path: Path) -> list[tuple[Path, str]]:
    """(image path, plate text) rows of a ``file,plate_text`` CSV; paths relative to the CSV."""
    if not path.is_file():
        raise typer.BadParameter(f"labels file {path} does not exist", param_hint="--labels")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        if "file" not in fields or "plate_text" not in fields:
            raise typer.BadParameter(
                f"{path} must have a header with 'file' and 'plate_text' columns (got {fields})",
                param_hint="--labels",
            )
        rows = []
        for line, row in enumerate(reader, start=2):
            if not row.get("file") or row.get("plate_text") is None:
                raise typer.BadParameter(
                    f"{path}:{line}: empty 'file' or 'plate_text'", param_hint="--labels"
                )
            rows.append((path.parent / row["file"], row["plate_text"]))
    if not rows:
        raise typer.BadParameter(f"{path} has no rows", param_hint="--labels")
    return rows


@app.command("eval")
def evaluate(
    labels: Annotated[Path, typer.Option("--labels", help="CSV with file,plate_text columns.")],
    mode: ModeOption = "kr",
    crop: CropOption = True,
    finder: FinderOption = None,
) -> None:
    """Read every labelled image and print one JSON object with accuracy, CER and speed.

    A read below the reject threshold counts as rejected (not exact). In ``--scene`` mode the
    expected text may list several plates joined by ``|`` (left to right).
    """
    from rich.progress import Progress

    from qrpark.plates.domain import levenshtein, normalise, wilson_interval
    from qrpark.plates.reader import load_image

    rows = load_labels(labels)
    reader = _reader(mode, finder)
    n = exact = rejected = wrong = 0
    edits = chars = 0
    busy = 0.0
    misses: list[dict[str, str]] = []
    start = time.perf_counter()
    with Progress(transient=True, console=_stderr()) as progress:
        task = progress.add_task("reading plates", total=len(rows))
        for image_path, truth_raw in rows:
            truth = "|".join(normalise(t) for t in truth_raw.split("|"))
            try:
                image = load_image(image_path)
            except (OSError, ValueError) as exc:
                raise typer.BadParameter(str(exc), param_hint="--labels") from None
            result = reader.read(image, crop=crop)
            busy += result.seconds
            if crop:
                best = result.best
                got = best.text if best else ""
                accepted = bool(best and best.accepted)
            else:
                kept = sorted(
                    (p for p in result.plates if p.accepted), key=lambda p: p.box[0] if p.box else 0
                )
                got = "|".join(p.text for p in kept)
                accepted = bool(kept)
            n += 1
            edits += levenshtein(got, truth)
            chars += len(truth)
            if not accepted:
                rejected += 1
            elif got == truth:
                exact += 1
            else:
                wrong += 1
            if got != truth or not accepted:
                misses.append({"file": str(image_path.name), "truth": truth, "read": got})
            progress.advance(task)
    lo, hi = wilson_interval(exact, n)
    report = {
        "n": n,
        "exact": exact,
        "accuracy": round(exact / n, 4),
        "accuracy_wilson95": [round(lo, 4), round(hi, 4)],
        "cer": round(edits / max(chars, 1), 4),
        "rejected": rejected,
        "wrong": wrong,
        "threshold": getattr(getattr(reader, "_kr", None), "threshold", None),
        "plates_per_second": round(n / busy, 2) if busy else None,
        "wall_seconds": round(time.perf_counter() - start, 2),
        "misses": misses,
    }
    typer.echo(json.dumps(report, ensure_ascii=False))


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)
