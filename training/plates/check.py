"""Score recognisers on fresh synthetic crops read the way the product reads them.

    python -m training.plates.check --model A.onnx --model B.onnx --seed 777 --faces held-out

The crops are split 3 of the seed (0 trains, 1 validates, 2 calibrates), so no training run
has seen them. ``--faces`` picks the typefaces they are drawn with: a generator version's, or
the held-out faces that no version trains on (the typeface-shift check: how a model copes with
a typeface it has never seen, as it must with the real plate typeface). ``--kind`` limits the
crops to some kinds of plate (drawn by their shares among themselves) and ``--option NAME=CHANCE``
sets one of the faces' options (``generate.Typefaces``), so that one narrow sort of plate can be
checked on its own: ``--kind orange2 --option machinery_top=1`` draws construction-machinery
plates only. Every model reads the same crops, so each model after the first is also compared
with the first crop by crop (``against_first``: the crops each alone reads right, the difference
and its paired standard error) and at the first model's reject threshold (``at_first_threshold``:
its accepted share, accepted and exact, and wrong among the accepted there), so that a step of the
calibration's grid between the two thresholds does not decide a comparison; and the crops each
alone reads right and accepts at its own threshold (``accepted_exact_against_first``), for two
cards whose thresholds hold for different confidences. Real photos are never used.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from training.plates import generate
from training.plates.args import add_faces, option_arg
from training.plates.calibrate import Reads, product_reads

from qrpark.plates.reader import KoreanRecognizer

#: The split the check reads: none of training, validation or calibration.
SPLIT = 3


def faces_for(name: str) -> generate.Typefaces:
    if name == "held-out":
        return generate.typefaces(held_out=True, strict=True)
    return generate.typefaces(int(name), strict=True)


def _exact_where(correct: np.ndarray, where: np.ndarray) -> float | None:
    """The share of the crops ``where`` read right (None when there are none)."""
    return round(float(correct[where].mean()), 4) if where.any() else None


def paired(first: np.ndarray, other: np.ndarray) -> dict:
    """How ``other``'s reads of the same crops differ from ``first``'s (both: read right?): the
    crops each alone reads right, and the difference in points with its paired standard error."""
    diff = other.astype(np.float64) - first.astype(np.float64)
    return {
        "only_first": int((first & ~other).sum()),
        "only_this": int((other & ~first).sum()),
        "difference_points": round(100 * float(diff.mean()), 2),
        "standard_error_points": round(100 * float(diff.std(ddof=1) / np.sqrt(len(diff))), 2),
    }


def at_threshold(reads: Reads, threshold: float) -> dict:
    """Accepted, accepted and exact, and the wrong share among the accepted, of ``reads`` at
    ``threshold``: at the model's own threshold, or at another model's so that two models are
    compared without a step of the calibration's grid between them."""
    accepted = reads.conf >= threshold
    return {
        "threshold": threshold,
        "accepted": round(float(accepted.mean()), 4),
        "accepted_exact": round(float((reads.correct & accepted).mean()), 4),
        "wrong_among_accepted": round(float(1 - reads.correct[accepted].mean()), 4)
        if accepted.any()
        else None,
    }


def score(model: Path, seed: int, n: int, workers: int, faces: generate.Typefaces) -> dict:
    return figures(model, n, product_reads(model, seed, n, workers, faces, split=SPLIT))


def figures(model: Path, n: int, reads: Reads) -> dict:
    """The check's figures for ``model`` from its ``reads`` of the check's crops."""
    recogniser = KoreanRecognizer(model_path=model)
    threshold = recogniser.threshold
    own = at_threshold(reads, threshold)
    accepted = reads.conf >= threshold
    one = ~reads.two_line
    return {
        "model": str(model),
        "n": n,
        "exact": round(float(reads.correct.mean()), 4),
        "accepted_exact": own["accepted_exact"],
        "one_line_exact": _exact_where(reads.correct, one),
        "two_line_exact": _exact_where(reads.correct, reads.two_line),
        "short_exact": _exact_where(reads.correct, reads.short),
        # Each kind drawn, in the generator's order: where a weak kind shows.
        "kind_exact": {
            kind: _exact_where(reads.correct, reads.kind == kind)
            for kind in generate.KINDS
            if (reads.kind == kind).any()
        },
        # Read right and accepted: how many short plates a lot would take without a person.
        "short_accepted_exact": _exact_where(reads.correct & accepted, reads.short),
        "side_trims": list(recogniser.side_trims),
        "choice": recogniser.choice,
        "confidence_measure": recogniser.confidence_measure,
        "reject_threshold": threshold,
        "accepted": own["accepted"],
        "wrong_among_accepted": own["wrong_among_accepted"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, action="append", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--n", type=int, default=2_000)
    ap.add_argument("--workers", type=int, default=2)
    add_faces(ap)
    ap.add_argument(
        "--kind",
        action="append",
        choices=list(generate.KINDS),
        help="draw only this kind of plate (repeat for several; default: every kind)",
    )
    ap.add_argument(
        "--option",
        action="append",
        type=option_arg,
        default=[],
        metavar="NAME=CHANCE",
        help="set one of the faces' options, e.g. machinery_top=1 (repeat for several)",
    )
    args = ap.parse_args()
    faces = generate.with_options(faces_for(args.faces), args.option)
    kinds = None if args.kind is None else tuple(args.kind)
    drawn = {"faces": args.faces, "seed": args.seed}
    if kinds is not None:
        drawn["kinds"] = list(kinds)
    if args.option:
        drawn["options"] = dict(args.option)
    first: np.ndarray | None = None
    first_accepted = np.zeros(0, bool)
    first_threshold = 0.0
    for model in args.model:
        reads = product_reads(model, args.seed, args.n, args.workers, faces, SPLIT, kinds)
        result = figures(model, args.n, reads)
        accepted_exact = reads.correct & (reads.conf >= result["reject_threshold"])
        if first is None:
            first, first_threshold = reads.correct, result["reject_threshold"]
            first_accepted = accepted_exact
        else:  # every model reads the same crops, so the comparison is paired
            result["against_first"] = paired(first, reads.correct)
            result["at_first_threshold"] = at_threshold(reads, first_threshold)
            result["accepted_exact_against_first"] = paired(first_accepted, accepted_exact)
        print(json.dumps({**drawn, **result}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
