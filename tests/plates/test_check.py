"""The synthetic check's figures (``training.plates.check``), from reads given directly."""

from __future__ import annotations

import numpy as np
from training.plates.calibrate import Reads
from training.plates.check import figures, paired

from qrpark.plates.reader import KR_MODEL, KoreanRecognizer


def test_figures_split_the_reads_by_layout_and_count_short_plates_accepted() -> None:
    threshold = KoreanRecognizer().threshold
    high, low = min(1.0, threshold + 0.01), threshold - 0.2
    reads = Reads(
        correct=np.array([True, True, False, True, True, False]),
        conf=np.array([high, low, high, high, high, 0.0]),
        two_line=np.array([False, False, False, True, True, False]),
        short=np.array([True, True, True, False, False, False]),
    )
    result = figures(KR_MODEL, 6, reads)
    assert result["exact"] == round(4 / 6, 4)
    assert result["one_line_exact"] == 0.5
    assert result["two_line_exact"] == 1.0
    # Three short plates: two read right, one of them under the threshold.
    assert result["short_exact"] == round(2 / 3, 4)
    assert result["short_accepted_exact"] == round(1 / 3, 4)
    assert result["accepted"] == round(4 / 6, 4)
    assert result["wrong_among_accepted"] == 0.25


def test_a_check_without_short_plates_says_so() -> None:
    reads = Reads(
        correct=np.array([True, False]),
        conf=np.array([1.0, 0.0]),
        two_line=np.array([False, True]),
        short=np.array([False, False]),
    )
    result = figures(KR_MODEL, 2, reads)
    assert result["short_exact"] is None
    assert result["short_accepted_exact"] is None


def test_paired_counts_the_crops_each_model_alone_reads_right() -> None:
    first = np.array([True, True, False, False])
    other = np.array([True, False, True, True])
    result = paired(first, other)
    assert (result["only_first"], result["only_this"]) == (1, 2)
    assert result["difference_points"] == 25.0
