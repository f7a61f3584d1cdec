"""Compare recognisers' speed on the same crops, read crop by crop in turn.

    python -m training.plates.speed --model A.onnx --model B.onnx --faces 9 --seed 20261299 \\
        --n 300 --rounds 5

A busy machine drifts: on a 2-core VM three rounds of one model have differed by 11 %, so
reading one model's rounds and then the other's can find a difference in the same graph. Here
every crop is read by each model in turn, the order turned round from one crop to the next and
from one round to the next, so that drift falls on every model alike. Each read is the product's
(``KoreanRecognizer.read_crop``: every layout and view of the model's card), on one thread. The
crops are fresh synthetic ones of the seed; real photos are never used.

Prints one JSON object: per model its plates per second in each round and over all of them, and
for each model after the first its time over all rounds against the first's, in per cent
(``slower_than_first_percent``; negative when faster).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress
from training.plates import generate
from training.plates.args import add_faces
from training.plates.check import faces_for

from qrpark.plates.reader import KoreanRecognizer

#: Crops each model reads, untimed, before the first round (the runtime's first calls are slow).
WARM_UP = 5


def crops(seed: int, n: int, faces: generate.Typefaces) -> list[np.ndarray]:
    """``n`` synthetic crops drawn in turn from one generator of ``seed``."""
    rng = np.random.default_rng(seed)
    return [generate.sample(rng, faces).image for _ in range(n)]


def turn_order(models: int, crop: int, round_: int) -> list[int]:
    """The order the models read a crop in: forwards and backwards in turn from crop to crop,
    starting the other way round each round."""
    order = list(range(models))
    return order if (crop + round_) % 2 == 0 else order[::-1]


def compare(
    recognisers: Sequence[KoreanRecognizer], images: Sequence[np.ndarray], rounds: int
) -> list[list[float]]:
    """Seconds each recogniser spent on each round (``[model][round]``), every crop read by
    every recogniser in turn."""
    if rounds < 1 or not images or not recognisers:
        raise ValueError("speed needs at least one model, one crop and one round")
    for recogniser in recognisers:
        for image in images[:WARM_UP]:
            recogniser.read_crop(image)
    spent = [[0.0] * rounds for _ in recognisers]
    with Progress(console=Console(stderr=True)) as progress:
        task = progress.add_task("reading crop by crop in turn", total=rounds * len(images))
        for r in range(rounds):
            for i, image in enumerate(images):
                for m in turn_order(len(recognisers), i, r):
                    start = time.perf_counter()
                    recognisers[m].read_crop(image)
                    spent[m][r] += time.perf_counter() - start
                progress.advance(task)
    return spent


def report(models: Sequence[Path], spent: list[list[float]], n: int) -> dict:
    """Plates per second per round and over the rounds, and each model's time against the
    first's."""
    total_first = sum(spent[0])
    out: dict = {"n": n, "rounds": len(spent[0]), "models": []}
    for model, seconds in zip(models, spent, strict=True):
        entry: dict = {
            "model": str(model),
            "plates_per_second": [round(n / s, 1) for s in seconds],
            "plates_per_second_overall": round(n * len(seconds) / sum(seconds), 1),
        }
        if out["models"]:
            entry["slower_than_first_percent"] = round(100 * (sum(seconds) / total_first - 1), 2)
        out["models"].append(entry)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, action="append", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    add_faces(ap)
    args = ap.parse_args()
    if args.n < 1 or args.rounds < 1:
        ap.error("--n and --rounds must be at least 1")
    recognisers = [KoreanRecognizer(model_path=m) for m in args.model]
    images = crops(args.seed, args.n, faces_for(args.faces))
    spent = compare(recognisers, images, args.rounds)
    result = {"faces": args.faces, "seed": args.seed, **report(args.model, spent, args.n)}
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
