"""The synthetic check's figures (``training.plates.check``), from reads given directly."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from training.plates import calibrate, generate
from training.plates.args import option_arg
from training.plates.calibrate import Reads
from training.plates.check import at_threshold, figures, paired
from training.plates.generate import with_options

from qrpark.plates.reader import KR_MODEL, KoreanRecognizer


def test_figures_split_the_reads_by_layout_and_count_short_plates_accepted() -> None:
    threshold = KoreanRecognizer().threshold
    high, low = min(1.0, threshold + 0.01), threshold - 0.2
    reads = Reads(
        correct=np.array([True, True, False, True, True, False]),
        conf=np.array([high, low, high, high, high, 0.0]),
        two_line=np.array([False, False, False, True, True, False]),
        kind=np.array(["white_short"] * 3 + ["orange2", "green2", "white7"]),
    )
    result = figures(KR_MODEL, 6, reads)
    assert result["exact"] == round(4 / 6, 4)
    # Read right and at or above the threshold: the first, fourth and fifth.
    assert result["accepted_exact"] == 0.5
    assert result["one_line_exact"] == 0.5
    assert result["two_line_exact"] == 1.0
    # Three short plates: two read right, one of them under the threshold.
    assert result["short_exact"] == round(2 / 3, 4)
    assert result["short_accepted_exact"] == round(1 / 3, 4)
    assert result["accepted"] == round(4 / 6, 4)
    assert result["wrong_among_accepted"] == 0.25
    # Each kind drawn, in the generator's order.
    assert result["kind_exact"] == {
        "white7": 0.0,
        "white_short": round(2 / 3, 4),
        "green2": 1.0,
        "orange2": 1.0,
    }
    assert list(result["kind_exact"]) == ["white7", "white_short", "green2", "orange2"]


def test_a_check_without_short_plates_says_so() -> None:
    reads = Reads(
        correct=np.array([True, False]),
        conf=np.array([1.0, 0.0]),
        two_line=np.array([False, True]),
        kind=np.array(["white8", "yellow2"]),
    )
    result = figures(KR_MODEL, 2, reads)
    assert result["short_exact"] is None
    assert result["short_accepted_exact"] is None


def test_reads_compare_at_another_models_threshold() -> None:
    reads = Reads(
        correct=np.array([True, True, False, True, False]),
        conf=np.array([0.99, 0.97, 0.975, 0.5, 0.0]),
        two_line=np.zeros(5, bool),
        kind=np.array(["white7"] * 5),
    )
    # At 0.98 one read is accepted, right; at 0.965 three, one of them wrong.
    assert at_threshold(reads, 0.98) == {
        "threshold": 0.98,
        "accepted": 0.2,
        "accepted_exact": 0.2,
        "wrong_among_accepted": 0.0,
    }
    lower = at_threshold(reads, 0.965)
    assert (lower["accepted"], lower["accepted_exact"]) == (0.6, 0.4)
    assert lower["wrong_among_accepted"] == round(1 / 3, 4)
    # Nothing accepted: no wrong share to give.
    assert at_threshold(reads, 1.0)["wrong_among_accepted"] is None


def test_paired_counts_the_crops_each_model_alone_reads_right() -> None:
    first = np.array([True, True, False, False])
    other = np.array([True, False, True, True])
    result = paired(first, other)
    assert (result["only_first"], result["only_this"]) == (1, 2)
    assert result["difference_points"] == 25.0


def test_an_option_names_a_chance_of_the_faces_and_sets_it(fonts: generate.Typefaces) -> None:
    assert option_arg("machinery_top=1") == ("machinery_top", 1.0)
    set_faces = with_options(fonts, [option_arg("machinery_top=1"), option_arg("wide_gaps=0")])
    assert (set_faces.machinery_top, set_faces.wide_gaps) == (1.0, 0.0)
    # Everything else, the faces included, is left as it was.
    assert set_faces.hangul == fonts.hangul
    assert set_faces.bent == fonts.bent
    assert with_options(fonts, []) == fonts


@pytest.mark.parametrize(
    "text", ["machinery_top", "hangul=1", "no_such=0.5", "machinery_top=x", "machinery_top=1.5"]
)
def test_an_option_that_is_not_a_chance_of_the_faces_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        option_arg(text)


@pytest.mark.usefixtures("every_face")
def test_a_check_can_draw_one_kind_of_plate_only(
    drawn_kinds: list[str], fonts: generate.Typefaces
) -> None:
    drawn = drawn_kinds
    reads = calibrate.product_reads(KR_MODEL, 5, 8, 1, fonts, 3, ("orange2",))
    assert drawn == ["orange2"] * 8
    assert reads.kind.tolist() == drawn
    assert reads.two_line.all()
    drawn.clear()
    calibrate.product_reads(KR_MODEL, 5, 30, 1, fonts, 3)
    assert len(set(drawn)) > 3
