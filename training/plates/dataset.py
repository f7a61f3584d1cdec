"""Pre-render the synthetic training set once into an .npz (training/runs/ is git-ignored).

Sample ``i`` of a set is drawn from ``default_rng([seed, split, i // CHUNK])``, so the bytes do not
depend on how many worker processes rendered them.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from multiprocessing.pool import AsyncResult
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
    options: tuple[tuple[str, float], ...] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One chunk of inputs arranged as ``arrange_version`` does, labels and lengths; ``kinds``
    limits the kinds of plate drawn (by their shares among themselves), all kinds by default,
    and ``options`` sets some of the faces' chances (``generate.OPTIONS``) as given."""
    seed, split, chunk, count = args
    rng = np.random.default_rng([seed, split, chunk])
    fonts = generate.with_options(generate.typefaces(version, strict=True), options)
    images = np.zeros((count, INPUT_H, INPUT_W), np.uint8)
    labels = np.zeros((count, MAX_LABEL), np.int16)
    lengths = np.zeros(count, np.int16)
    for i in range(count):
        s = generate.sample(rng, fonts, kinds=kinds)
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
    options: tuple[tuple[str, float], ...] = (),
    compressed: bool = True,
) -> dict[str, np.ndarray]:
    """Recogniser inputs arranged as ``arrange_version`` does, labels and label lengths of
    generator ``version`` (of the ``kinds`` of plate given, or all; with ``options`` set as
    :func:`render_chunk` sets them); ``compressed=False`` for training sets (see
    :func:`cached_render`)."""
    return cached_render(
        path,
        partial(
            render_chunk, version, kinds=kinds, arrange_version=arrange_version, options=options
        ),
        ("images", "labels", "lengths"),
        seed,
        split,
        n,
        workers,
        f"rendering split {split}",
        compressed=compressed,
    )


#: The split of a seed that a training stream renders (0 trains, 1 validates, 2 calibrates, 3 is
#: the synthetic check's, 4 the track check's and 5 the extra two-line crops').
STREAM_SPLIT = 6
#: A chunk of a rendered training set: images, labels and label lengths.
Chunk = tuple[np.ndarray, np.ndarray, np.ndarray]


def interleave(shares: Sequence[int]) -> list[int]:
    """One period of a repeating pattern of source indices in which source ``i`` comes up
    ``shares[i]`` times (shares reduced by their common divisor), spread as evenly as it goes:
    ``[4, 1, 1]`` gives ``[0, 0, 1, 0, 2, 0]``."""
    if not shares or any(s < 0 for s in shares) or sum(shares) == 0:
        raise ValueError(f"shares must be non-negative and not all zero, not {list(shares)}")
    common = int(np.gcd.reduce(np.array([s for s in shares if s > 0])))
    reduced = [s // common for s in shares]
    total = sum(reduced)
    seen = [0] * len(reduced)
    pattern = []
    for i in range(total):
        # The source furthest behind its share so far goes next (ties: the first); counted in
        # whole numbers (times ``total``), so that no rounding breaks a tie.
        behind = [r * (i + 1) - seen[k] * total for k, r in enumerate(reduced)]
        k = int(np.argmax(behind))
        seen[k] += 1
        pattern.append(k)
    return pattern


class Stream:
    """Fresh training chunks rendered in the background while a network trains.

    Chunk ``k`` is rendered by ``sources[pattern[k % len(pattern)]]`` from
    ``default_rng([seed, STREAM_SPLIT, k])``, so what the stream hands over depends on the seed
    and the sources alone, not on the number of workers or their speed. :meth:`take` hands the
    chunks over in order and waits for one that is not ready yet; at most ``ahead`` chunks are
    rendered before they are taken, so memory stays bounded however slowly they are taken.
    """

    def __init__(
        self,
        sources: Sequence[Callable[[tuple[int, int, int, int]], Chunk]],
        pattern: Sequence[int],
        seed: int,
        workers: int,
        ahead: int | None = None,
    ) -> None:
        if not pattern or any(not 0 <= k < len(sources) for k in pattern):
            raise ValueError("the pattern must name sources by their index")
        self._sources = list(sources)
        self._pattern = list(pattern)
        self._seed = seed
        self._pool = mp.get_context("fork").Pool(max(1, workers))
        self._pending: deque[AsyncResult[Chunk]] = deque()
        self._next = 0
        self._closed = False
        self.taken = 0
        for _ in range(ahead or 2 * max(1, workers)):
            self._submit()

    def _submit(self) -> None:
        k = self._next
        source = self._sources[self._pattern[k % len(self._pattern)]]
        self._pending.append(
            self._pool.apply_async(source, ((self._seed, STREAM_SPLIT, k, CHUNK),))
        )
        self._next += 1

    def wait_for(self, count: int) -> None:
        """Wait until the next ``count`` chunks are rendered (to time the workers)."""
        for result in list(self._pending)[:count]:
            result.wait()

    def take(self) -> dict[str, np.ndarray]:
        """The next chunk of the stream, waiting for it when it is not rendered yet."""
        images, labels, lengths = self._pending.popleft().get()
        self._submit()
        self.taken += 1
        return {"images": images, "labels": labels, "lengths": lengths}

    def close(self, timeout: float = 120.0) -> None:
        """Stop the workers once the chunks under way are rendered (a second call does nothing).
        Terminating them at once can leave one killed halfway through sending a chunk back,
        holding the lock the pool needs to shut down, and the shutdown then waits forever; so
        they are terminated only when the chunks under way are not back within ``timeout``
        seconds (workers killed by an interrupt never send theirs)."""
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + timeout
        for result in self._pending:
            result.wait(max(0.0, deadline - time.monotonic()))
        finished = all(result.ready() for result in self._pending)
        self._pending.clear()
        if finished:
            self._pool.close()
        else:
            self._pool.terminate()
        self._pool.join()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def step_progress(label: str) -> Progress:
    """A progress bar for ``label``'s training steps, showing a ``loss`` field."""
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} loss {task.fields[loss]:.3f}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
