"""Calibrate a recogniser's reject threshold on synthetic crops read the way the product reads them.

    python -m training.plates.calibrate --model src/qrpark/plates/models/kr_plate_crnn.onnx \\
        --seed 20261127

N fresh synthetic crops (split 2 of the seed: neither its training nor its validation split) are
read by ``KoreanRecognizer.read_crop``, as ``qrpark plates read --crop`` reads a crop: the layouts
the product tries, the model card's input arrangement, the grammar-constrained decoder. The
threshold is the lowest confidence, in steps of 0.005, at which at most ``TARGET_WRONG_RATE`` of
the accepted reads are wrong. The result is written into the model card. Real photos are never
used.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from training.plates import generate
from training.plates.dataset import map_chunks

from qrpark.plates.preprocess import Layout
from qrpark.plates.reader import CHOICES, CONFIDENCE_MEASURES, KoreanRecognizer

#: Highest share of wrong reads allowed among accepted synthetic reads.
TARGET_WRONG_RATE = 0.01
#: The calibration crops are this split of the seed (0 trains, 1 validates).
SPLIT = 2
STEP = 0.005


def threshold_for(
    correct: np.ndarray, conf: np.ndarray, target: float = TARGET_WRONG_RATE
) -> float:
    """Lowest threshold on the STEP grid whose accepted reads are wrong at most ``target`` of the
    time (the top of the grid when none is)."""
    grid = np.round(np.arange(0.0, 1.0, STEP), 3)
    for thr in grid:
        accepted = conf >= thr
        if not accepted.any():
            break
        if 1.0 - correct[accepted].mean() <= target:
            return float(thr)
    return float(grid[-1])


@dataclass(frozen=True)
class Reads:
    """Per crop: read right?, the read's confidence (0 when invalid), the crop's layout and its
    kind of plate (a name of ``generate.KINDS``)."""

    correct: np.ndarray
    conf: np.ndarray
    two_line: np.ndarray
    kind: np.ndarray

    @property
    def short(self) -> np.ndarray:
        """Per crop: a short 335×155 plate (one line of tall characters)?"""
        return self.kind == "white_short"


def _read_chunk(
    model: str,
    faces: generate.Typefaces,
    kinds: tuple[str, ...] | None,
    job: tuple[int, int, int, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    seed, split, chunk, count = job
    recogniser = KoreanRecognizer(model_path=Path(model))
    rng = np.random.default_rng([seed, split, chunk])
    correct = np.zeros(count, bool)
    conf = np.zeros(count, np.float64)
    two_line = np.zeros(count, bool)
    kind = np.zeros(count, f"<U{max(map(len, generate.KINDS))}")
    for i in range(count):
        s = generate.sample(rng, faces, kinds=kinds)
        read = recogniser.read_crop(s.image)
        correct[i] = read.decoded.valid and read.decoded.text == s.text
        conf[i] = read.confidence
        two_line[i] = s.layout is Layout.TWO_LINE
        kind[i] = s.kind
    return correct, conf, two_line, kind


def card_generator_version(model: Path) -> int:
    """The generator version ``model`` was trained on, from its card (2 when the card is older)."""
    card = json.loads(model.with_suffix(".json").read_text(encoding="utf-8"))
    return int(card.get("generator_version", 2))


def product_reads(
    model: Path,
    seed: int,
    n: int,
    workers: int,
    faces: generate.Typefaces | None = None,
    split: int = SPLIT,
    kinds: tuple[str, ...] | None = None,
) -> Reads:
    """``n`` synthetic crops of ``split`` (by default the faces of the generator version the
    model was trained on; of the ``kinds`` of plate given, or all), read as the product reads
    them."""
    if faces is None:
        faces = generate.typefaces(card_generator_version(model), strict=True)
    parts = map_chunks(
        partial(_read_chunk, str(model), faces, kinds),
        seed,
        split,
        n,
        workers,
        f"reading split {split}",
    )
    return Reads(*(np.concatenate([p[k] for p in parts]) for k in range(4)))


def calibrate_card(
    model: Path,
    seed: int,
    n: int,
    workers: int,
    side_trims: list[float] | None = None,
    confidence: str | None = None,
    choice: str | None = None,
) -> dict[str, object]:
    """Calibrate ``model`` and write the threshold and its figures into its card; with
    ``side_trims``, first set the views the recogniser reads it in, with ``confidence`` the
    measure of a read's confidence (``reader.CONFIDENCE_MEASURES``) and with ``choice`` how a
    read is chosen among the views (``reader.CHOICES``): the threshold holds for those only."""
    card_path = model.with_suffix(".json")
    changes = {
        key: value
        for key, value in (
            ("side_trims", side_trims),
            ("confidence", confidence),
            ("choice", choice),
        )
        if value is not None
    }
    if changes:
        card = json.loads(card_path.read_text(encoding="utf-8"))
        card.update(changes)
        card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", "utf-8")
    reads = product_reads(model, seed, n, workers)
    correct, conf = reads.correct, reads.conf
    threshold = threshold_for(correct, conf)
    accepted = conf >= threshold
    figures: dict[str, object] = {
        "reads": int(n),
        "seed": seed,
        "split": SPLIT,
        "target_wrong_rate": TARGET_WRONG_RATE,
        "exact": round(float(correct.mean()), 4),
        "accepted": round(float(accepted.mean()), 4),
        "wrong_among_accepted": round(float(1.0 - correct[accepted].mean()), 4)
        if accepted.any()
        else None,
    }
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["reject_threshold"] = threshold
    card["calibration"] = figures
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"reject_threshold": threshold, **figures}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, required=True, help="ONNX file with its card beside it")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--n", type=int, default=12_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--side-trims",
        type=float,
        nargs="+",
        help="the views to read each crop in, as shares of its width trimmed from each side "
        "(0: as it is); written into the card. Default: the card's own",
    )
    ap.add_argument(
        "--confidence",
        choices=CONFIDENCE_MEASURES,
        help="how a read's confidence is worked out; written into the card. Default: the "
        "card's own",
    )
    ap.add_argument(
        "--choice",
        choices=CHOICES,
        help="how a read is chosen among a crop's views; written into the card. Default: the "
        "card's own",
    )
    args = ap.parse_args()
    figures = calibrate_card(
        args.model,
        args.seed,
        args.n,
        args.workers,
        args.side_trims,
        args.confidence,
        args.choice,
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
