"""Pre-render the synthetic training set once into an .npz (training/runs/ is git-ignored).

Sample ``i`` of a set is drawn from ``default_rng([seed, split, i // CHUNK])``, so the bytes do not
depend on how many worker processes rendered them.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from training.plates import generate

from qrpark.plates.domain import TOKEN_INDEX, tokenize
from qrpark.plates.preprocess import ARRANGE_VERSION, INPUT_H, INPUT_W, Layout, arrange, to_grey

CHUNK = 500
T = TypeVar("T")
MAX_LABEL = 10
#: Share of samples shown in the wrong layout with an empty target, so that reading a one-line
#: plate as two lines (or the reverse) scores low and the layout choice can rely on the score.
WRONG_LAYOUT = 0.10


def render_chunk(
    version: int,
    args: tuple[int, int, int, int],
    kinds: tuple[str, ...] | None = None,
    arrange_version: int = ARRANGE_VERSION,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One chunk of inputs arranged as ``arrange_version`` does, labels and lengths; ``kinds``
    limits the kinds of plate drawn (by their shares among themselves), all kinds by default."""
    seed, split, chunk, count = args
    rng = np.random.default_rng([seed, split, chunk])
    fonts = generate.typefaces(version, strict=True)
    images = np.zeros((count, INPUT_H, INPUT_W), np.uint8)
    labels = np.zeros((count, MAX_LABEL), np.int16)
    lengths = np.zeros(count, np.int16)
    for i in range(count):
        s = generate.sample(rng, fonts, None if kinds is None else generate.pick_kind(rng, kinds))
        layout = s.layout
        tokens = [TOKEN_INDEX[t] for t in tokenize(s.text)]
        if rng.random() < WRONG_LAYOUT:
            layout = Layout.ONE_LINE if layout is Layout.TWO_LINE else Layout.TWO_LINE
            tokens = []
        images[i] = arrange(to_grey(s.image), layout, arrange_version)
        labels[i, : len(tokens)] = tokens
        lengths[i] = len(tokens)
    return images, labels, lengths


def map_chunks(
    fn: Callable[[tuple[int, int, int, int]], T],
    seed: int,
    split: int,
    n: int,
    workers: int,
    label: str | None = None,
) -> list[T]:
    """``fn((seed, split, chunk, count))`` for each chunk of ``n`` samples, in chunk order, in
    ``workers`` forked processes (or in this one); with a ``label``, a progress bar on stderr
    (a line per tenth of the work when stderr is not a terminal)."""
    jobs = [(seed, split, c, min(CHUNK, n - c * CHUNK)) for c in range((n + CHUNK - 1) // CHUNK)]
    with contextlib.ExitStack() as stack:
        results: Iterator[T]
        if workers > 1:
            pool = stack.enter_context(mp.get_context("fork").Pool(workers))
            results = pool.imap(fn, jobs)
        else:
            results = map(fn, jobs)
        if label is None:
            return list(results)
        progress = stack.enter_context(Progress(console=Console(stderr=True)))
        task = progress.add_task(label, total=n)
        out: list[T] = []
        for (_, _, _, count), result in zip(jobs, results, strict=True):
            out.append(result)
            progress.advance(task, count)
            if not progress.console.is_terminal and len(out) % max(1, len(jobs) // 10) == 0:
                progress.console.print(f"{label}: {sum(j[3] for j in jobs[: len(out)])}/{n}")
        return out


def cached_render(
    path: Path,
    render: Callable[[tuple[int, int, int, int]], tuple[np.ndarray, ...]],
    keys: tuple[str, ...],
    seed: int,
    split: int,
    n: int,
    workers: int,
    label: str,
    *,
    compressed: bool = True,
) -> dict[str, np.ndarray]:
    """The ``n`` samples of ``split``, read from ``path`` when present; else rendered in chunks
    by ``render`` (one array per name in ``keys``, progress shown as ``label``), joined and saved
    there; ``compressed=False`` for large image sets, where compression costs more time than the
    disk it saves."""
    if path.exists():
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    parts = map_chunks(render, seed, split, n, workers, label)
    data = {k: np.concatenate([p[i] for p in parts]) for i, k in enumerate(keys)}
    path.parent.mkdir(parents=True, exist_ok=True)
    (np.savez_compressed if compressed else np.savez)(path, **data)
    return data


def load_or_build(
    path: Path,
    seed: int,
    split: int,
    n: int,
    workers: int,
    version: int = generate.GENERATOR_VERSION,
    kinds: tuple[str, ...] | None = None,
    arrange_version: int = ARRANGE_VERSION,
    *,
    compressed: bool = True,
) -> dict[str, np.ndarray]:
    """Recogniser inputs arranged as ``arrange_version`` does, labels and label lengths of
    generator ``version`` (of the ``kinds`` of plate given, or all); ``compressed=False`` for
    training sets (see :func:`cached_render`)."""
    return cached_render(
        path,
        partial(render_chunk, version, kinds=kinds, arrange_version=arrange_version),
        ("images", "labels", "lengths"),
        seed,
        split,
        n,
        workers,
        f"rendering split {split}",
        compressed=compressed,
    )


def step_progress(label: str) -> Progress:
    """A progress bar for ``label``'s training steps, showing a ``loss`` field."""
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} loss {task.fields[loss]:.3f}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
