"""The training command's ``--kind-extra``: how it is written and the split each kind's crops are
drawn from."""

from __future__ import annotations

import argparse

import pytest

pytest.importorskip("torch", reason="needs the train extra (make train-plates)")

from training.plates import generate
from training.plates.dataset import STREAM_SPLIT
from training.plates.train import (
    TWO_LINE_SPLIT,
    kind_extra_arg,
    kind_extra_split,
)


def test_a_kind_extra_names_a_kind_and_a_count() -> None:
    assert kind_extra_arg("orange2=16000") == ("orange2", 16000)


@pytest.mark.parametrize("text", ["orange2", "orange3=10", "orange2=many", "orange2=0", "=5"])
def test_a_kind_extra_without_a_known_kind_and_a_count_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        kind_extra_arg(text)


def test_each_kinds_extra_crops_come_from_a_split_no_other_set_draws() -> None:
    splits = [kind_extra_split(kind) for kind in generate.KINDS]
    assert len(set(splits)) == len(splits)
    # Not training (0), validation (1), calibration (2), the checks (3, 4), the two-line extra
    # or the stream.
    assert not set(splits) & {0, 1, 2, 3, 4, TWO_LINE_SPLIT, STREAM_SPLIT}
