"""Training on a stream: fresh chunks rendered in the background join the training crops at fixed
steps, in an order fixed by the seed alone, so a deadline-paced run can be trained again."""

from __future__ import annotations

import time

import numpy as np
import pytest
from training.plates.dataset import STREAM_SPLIT, Stream, interleave


def _marked(source: int, job: tuple[int, int, int, int]) -> tuple[np.ndarray, ...]:
    """A chunk whose every crop says which source drew it and from which seed, split and chunk."""
    seed, split, chunk, count = job
    images = np.zeros((count, 32, 128), np.uint8)
    images[:, 0, :4] = (source, seed % 256, split, chunk % 256)
    labels = np.full((count, 10), source + 1, np.int16)
    lengths = np.full(count, 3, np.int16)
    return images, labels, lengths


def _source_a(job: tuple[int, int, int, int]) -> tuple[np.ndarray, ...]:
    return _marked(0, job)


def _source_b(job: tuple[int, int, int, int]) -> tuple[np.ndarray, ...]:
    return _marked(1, job)


def test_interleave_spreads_each_source_by_its_share() -> None:
    assert interleave([4, 1, 1]) == [0, 0, 1, 0, 2, 0]
    # Shares are reduced by their common divisor: one period of the run's real mix is five chunks.
    pattern = interleave([64_000, 64_000, 32_000])
    assert sorted(pattern) == [0, 0, 1, 1, 2]
    assert interleave([0, 3]) == [1]
    for bad in ([], [0, 0], [2, -1]):
        with pytest.raises(ValueError, match="shares"):
            interleave(bad)


@pytest.mark.parametrize("workers", [1, 3])
def test_a_stream_hands_over_its_chunks_in_seed_order_whatever_its_workers(workers: int) -> None:
    with Stream([_source_a, _source_b], [0, 0, 1], seed=7, workers=workers, ahead=2) as stream:
        stream.wait_for(2)
        chunks = [stream.take() for _ in range(7)]
        assert stream.taken == 7
    for k, chunk in enumerate(chunks):
        source = (0, 0, 1)[k % 3]
        assert chunk["images"].shape == (500, 32, 128)
        assert chunk["images"][0, 0, :4].tolist() == [source, 7, STREAM_SPLIT, k]
        assert (chunk["labels"] == source + 1).all()


def _slow(job: tuple[int, int, int, int]) -> tuple[np.ndarray, ...]:
    time.sleep(60)
    return _marked(0, job)


def test_closing_a_stream_gives_up_on_chunks_that_do_not_come_back_in_time() -> None:
    stream = Stream([_slow], [0], seed=1, workers=2)
    started = time.monotonic()
    stream.close(timeout=0.5)
    assert time.monotonic() - started < 30  # the workers were terminated, not waited for
    stream.close()  # a second call does nothing


def test_a_stream_refuses_a_pattern_naming_no_source() -> None:
    with pytest.raises(ValueError, match="pattern"):
        Stream([_source_a], [0, 1], seed=1, workers=1)


def _set(n: int, seed: int, width: int = 10) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, width + 1, n).astype(np.int16)
    labels = np.zeros((n, width), np.int16)
    for i, k in enumerate(lengths):
        labels[i, :k] = rng.integers(1, 60, k)
    images = rng.integers(0, 256, (n, 32, 128), dtype=np.uint8)
    return {"images": images, "labels": labels, "lengths": lengths}


@pytest.mark.parametrize("on_device", [False, True])
def test_chunks_that_join_read_as_if_the_set_had_held_them_from_the_start(on_device: bool) -> None:
    torch = pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    from training.plates.train import Batches, merge_sets

    first = _set(5, 1)
    joining = [_set(3, 2), _set(7, 3, width=8), _set(4, 4)]
    grown = Batches(first, torch.device("cpu"), on_device=on_device)
    whole = first
    for chunk in joining:  # the room doubles twice on the way
        grown.extend(chunk)
        whole = merge_sets(whole, chunk)
    assert grown.size == 19
    held = Batches(whole, torch.device("cpu"), on_device=on_device)
    idx = np.array([0, 4, 5, 8, 9, 14, 15, 18])
    assert torch.equal(grown.inputs(idx, 2), held.inputs(idx, 2))
    for a, b in zip(grown.targets(idx), held.targets(idx), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="columns"):
        grown.extend(_set(2, 5, width=12))


def test_the_stream_is_paced_with_slack_and_never_below_one_step() -> None:
    pytest.importorskip("torch", reason="needs the train extra (make train-plates)")
    from training.plates.train import STREAM_SLACK, stream_every

    # A chunk every 0.3 s and a step every 10 ms: 30 steps a chunk, taken a quarter less often.
    assert stream_every(0.3, 0.01) == int(np.ceil(30 * STREAM_SLACK))
    assert stream_every(0.001, 1.0) == 1
