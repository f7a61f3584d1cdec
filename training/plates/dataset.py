"""Pre-render the synthetic training set once into an .npz (training/runs/ is git-ignored).

Sample ``i`` of a set is drawn from ``default_rng([seed, split, i // CHUNK])``, so the bytes do not
depend on how many worker processes rendered them.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from training.plates import generate

from qrpark.plates.domain import TOKEN_INDEX, tokenize
from qrpark.plates.preprocess import INPUT_H, INPUT_W, Layout, arrange, to_grey

CHUNK = 500
T = TypeVar("T")
MAX_LABEL = 10
#: Share of samples shown in the wrong layout with an empty target, so that reading a one-line
#: plate as two lines (or the reverse) scores low and the layout choice can rely on the score.
WRONG_LAYOUT = 0.10


def render_chunk(args: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    seed, split, chunk, count = args
    rng = np.random.default_rng([seed, split, chunk])
    fonts = generate.available_fonts()
    images = np.zeros((count, INPUT_H, INPUT_W), np.uint8)
    labels = np.zeros((count, MAX_LABEL), np.int16)
    lengths = np.zeros(count, np.int16)
    for i in range(count):
        s = generate.sample(rng, fonts)
        layout = s.layout
        tokens = [TOKEN_INDEX[t] for t in tokenize(s.text)]
        if rng.random() < WRONG_LAYOUT:
            layout = Layout.ONE_LINE if layout is Layout.TWO_LINE else Layout.TWO_LINE
            tokens = []
        images[i] = arrange(to_grey(s.image), layout)
        labels[i, : len(tokens)] = tokens
        lengths[i] = len(tokens)
    return images, labels, lengths


def map_chunks(
    fn: Callable[[tuple[int, int, int, int]], T], seed: int, split: int, n: int, workers: int
) -> list[T]:
    """``fn((seed, split, chunk, count))`` for each chunk of ``n`` samples, in chunk order, in
    ``workers`` forked processes (or in this one)."""
    jobs = [(seed, split, c, min(CHUNK, n - c * CHUNK)) for c in range((n + CHUNK - 1) // CHUNK)]
    if workers > 1:
        with mp.get_context("fork").Pool(workers) as pool:
            return pool.map(fn, jobs)
    return [fn(j) for j in jobs]


def build(seed: int, split: int, n: int, workers: int) -> dict[str, np.ndarray]:
    parts = map_chunks(render_chunk, seed, split, n, workers)
    return {
        "images": np.concatenate([p[0] for p in parts]),
        "labels": np.concatenate([p[1] for p in parts]),
        "lengths": np.concatenate([p[2] for p in parts]),
    }


def load_or_build(path: Path, seed: int, split: int, n: int, workers: int) -> dict[str, np.ndarray]:
    if path.exists():
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    data = build(seed, split, n, workers)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **data)
    return data
