"""Synthetic domain-shift validation: held-out "virtual cameras" unlike the training mix.

    python -m training.occupancy.shifted [--model PATH | --classical] [--sweep] [--json OUT]

Each virtual camera pins the camera-level choices of the renderer (:class:`Style`) to one
setting at or past the edge of what training draws: a low oblique camera, a camera straight
overhead, heavy tree shadows, dusk and night, rain and poor compression, a low sun in the lens,
cars the colour of the asphalt, tight offset crops with neighbours over the lines, strong colour
casts at low resolution, and people and motorbikes in free spaces. Its patches are rendered
from seeds no training run uses, with about 70 % busy (as car parks in use are).

Every camera is scored as ``qrpark occupancy eval DIR --calibrate 25`` scores a folder:
uncalibrated, then with the first 25 busy and 25 free patches fitting the per-camera head and
left out of the score, next to the majority baseline. ``--sweep`` scores the calibration
methods and prior strengths side by side; that table chose :data:`MAP_L2`.

This is how design choices (renderer, augmentation, architecture, calibration) are judged
without looking at any photograph.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from training.occupancy.render import Style, render_patch

from qrpark.occupancy.calibration import (
    MEMORY_WEIGHT,
    MEMORY_WIDTH,
    CalibrationError,
    fit_calibration,
)
from qrpark.occupancy.evaluate import take
from qrpark.occupancy.scoring import PatchScorer, RawScores

CAMERAS: dict[str, Style] = {
    "low-oblique": Style(lean=1.6, squash=0.25, shrink=0.45, crop="bbox", margin=1.0, offset=0.3),
    "overhead": Style(lean=0.05, squash=0.95, shrink=0.95, skew=0.0, crop="rectified", margin=1.2),
    "tree-shadows": Style(lean=0.7, shadows=1.0, sun=30.0, light="day", contrast=1.3),
    "dusk-night": Style(lean=0.8, light="night", noise=10.0, jpeg=40, blur=1.0),
    "rain-jpeg": Style(lean=0.9, light="rain", contrast=0.5, jpeg=18, saturation=0.5),
    "low-sun-glare": Style(lean=1.0, light="glare", sun=40.0, gamma=0.7, crop="bbox"),
    "grey-cars": Style(lean=0.6, ground_cars=0.8, light="overcast", saturation=0.3),
    "tight-offset": Style(lean=1.2, margin=0.7, offset=0.9, occupancy=1.0, intrude=0.6, blur=1.5),
    "cast-lowres": Style(lean=0.9, cast=(1.25, 0.85, 0.7), lowres=0.3, contrast=0.6, gamma=1.4),
    "people-bikes": Style(lean=0.7, clutter=0.9, view=math.pi / 2, crop="bbox", margin=1.3),
}
SEED = 424_242  # far from training (7, 7 + 1_000_003) and from the tests' seeds
N_PER_CAMERA = 360
BUSY_SHARE = 0.7
CALIBRATE = 25


@dataclass(frozen=True, slots=True)
class ShiftedCamera:
    """One virtual camera's patches in render order (its "time" order) and labels."""

    name: str
    patches: list[np.ndarray]
    busy: np.ndarray


def render_cameras(
    n: int = N_PER_CAMERA,
    seed: int = SEED,
    names: Sequence[str] | None = None,
    size: int = 64,
) -> list[ShiftedCamera]:
    """Render ``n`` patches of each virtual camera (of ``names``; default all)."""
    out = []
    for i, name in enumerate(CAMERAS):
        if names is not None and name not in names:
            continue
        rng = np.random.default_rng([seed, i])
        busy = rng.random(n) < BUSY_SHARE
        style = CAMERAS[name]
        patches = [render_patch(rng, bool(b), size, style) for b in busy]
        out.append(ShiftedCamera(name, patches, busy))
    return out


Fitter = Callable[[RawScores, np.ndarray], Callable[[RawScores], np.ndarray]]


def calibrated_accuracy(raw: RawScores, busy: np.ndarray, fit: Fitter | None) -> float:
    """Accuracy at logit 0; with ``fit``, the first 25 of each class fit it and are not scored."""
    if fit is None:
        return float(((raw.logits > 0) == busy).mean())
    cal = np.concatenate([np.flatnonzero(busy)[:CALIBRATE], np.flatnonzero(~busy)[:CALIBRATE]])
    rest = np.setdiff1d(np.arange(busy.size), cal)
    predict = fit(take(raw, cal), busy[cal])
    logits = predict(take(raw, rest))
    return float(((logits > 0) == busy[rest]).mean())


def fitter(
    method: str,
    l2: float | None = None,
    l2_a: float | None = None,
    l2_b: float | None = None,
    memory_width: float = MEMORY_WIDTH,
    memory_weight: float = MEMORY_WEIGHT,
) -> Fitter:
    """A calibration fitter for :func:`calibrated_accuracy` (arguments as for
    :func:`~qrpark.occupancy.calibration.fit_calibration`)."""

    def fit(seen: RawScores, y: np.ndarray) -> Callable[[RawScores], np.ndarray]:
        cal = fit_calibration(
            seen.logits,
            seen.features,
            y,
            "suite",
            method=method,
            appearance=seen.appearance,
            l2=l2,
            l2_a=l2_a,
            l2_b=l2_b,
            memory_width=memory_width,
            memory_weight=memory_weight,
        )
        return lambda raw: cal.logits(raw.logits, raw.features, raw.appearance)

    return fit


def evaluate(
    scorer: PatchScorer, cameras: Sequence[ShiftedCamera], fits: dict[str, Fitter | None]
) -> list[dict[str, Any]]:
    """One row per camera: majority baseline and the accuracy under each entry of ``fits``."""
    rows = []
    for cam in cameras:
        raw = scorer.score(cam.patches)
        row: dict[str, Any] = {
            "camera": cam.name,
            "n": int(cam.busy.size),
            "busy_share": round(float(cam.busy.mean()), 3),
            "majority": round(float(max(cam.busy.mean(), 1 - cam.busy.mean())), 4),
        }
        for label, fit in fits.items():
            try:
                row[label] = round(calibrated_accuracy(raw, cam.busy, fit), 4)
            except CalibrationError:
                row[label] = float("nan")
        rows.append(row)
    return rows


def summary(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> dict[str, dict[str, float]]:
    """Mean and worst camera for each column in ``keys``."""
    return {
        k: {
            "mean": round(float(np.mean([r[k] for r in rows])), 4),
            "min": round(float(np.min([r[k] for r in rows])), 4),
            "below_majority": int(sum(r[k] < r["majority"] for r in rows)),
        }
        for k in keys
    }


def table(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> str:
    head = "| camera | majority | " + " | ".join(keys) + " |"
    rule = "| --- | ---: | " + " | ".join("---:" for _ in keys) + " |"
    body = [
        f"| {r['camera']} | {r['majority']:.3f} | " + " | ".join(f"{r[k]:.3f}" for k in keys) + " |"
        for r in rows
    ]
    s = summary(rows, keys)
    body.append("| **mean** | | " + " | ".join(f"**{s[k]['mean']:.3f}**" for k in keys) + " |")
    body.append("| worst | | " + " | ".join(f"{s[k]['min']:.3f}" for k in keys) + " |")
    return "\n".join([head, rule, *body])


def report(
    heading: str, scorer: str, rows: Sequence[dict[str, Any]], keys: Sequence[str], out: Path | None
) -> None:
    """Print ``heading`` and the table; with ``out``, also write rows and summary as JSON."""
    print(heading)
    print(table(rows, keys))
    if out is not None:
        out.write_text(
            json.dumps({"scorer": scorer, "rows": rows, "summary": summary(rows, keys)}) + "\n",
            encoding="utf-8",
        )


def suite_parser(doc: str | None, sweep: str) -> argparse.ArgumentParser:
    """The options every synthetic suite takes: ``--model``, ``--classical``, ``--sweep``
    (described by ``sweep``) and ``--json``."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--classical", action="store_true")
    parser.add_argument("--sweep", action="store_true", help=sweep)
    parser.add_argument("--json", type=Path, default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    from qrpark.occupancy.classifier import load_scorer

    parser = suite_parser(__doc__, "compare calibration settings")
    parser.add_argument("--n", type=int, default=N_PER_CAMERA)
    args = parser.parse_args(argv)

    scorer = load_scorer(args.model, classical=args.classical)
    fits: dict[str, Fitter | None] = {"uncalibrated": None}
    if args.sweep:
        fits["direction"] = fitter("direction")
        for l2 in (10.0, 30.0, 100.0, 1000.0):
            for l2_b in (0.0, 3.0, 30.0):
                fits[f"map {l2:g}/{l2_b:g}"] = fitter("map", l2=l2, l2_a=l2, l2_b=l2_b)
    else:
        fits["MAP head, 25+25"] = fitter("map")
        fits["memory, 25+25"] = fitter("memory")
    rows = evaluate(scorer, render_cameras(args.n), fits)
    report(f"scorer {scorer.name}", scorer.name, rows, list(fits), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
