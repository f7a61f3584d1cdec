"""The training command's ``--kind-extra``, ``--replay-also`` and ``--option-extra``: how they
are written and the split each set's crops are drawn from."""

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
    main,
    option_extra_arg,
    option_extra_split,
    options_tag,
    replay_also_arg,
    replay_also_split,
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


def test_a_replay_also_names_a_generator_version_still_rendered_and_a_count() -> None:
    assert replay_also_arg("10=48000") == (10, 48000)


@pytest.mark.parametrize("text", ["10", "1=100", "99=100", "ten=5", "10=0", "10=-3", "=5"])
def test_a_replay_also_without_a_rendered_version_and_a_count_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        replay_also_arg(text)


def test_each_versions_replayed_crops_come_from_a_split_no_other_set_draws() -> None:
    splits = [replay_also_split(version) for version in generate.GENERATOR_VERSIONS]
    assert len(set(splits)) == len(splits)
    kinds = {kind_extra_split(kind) for kind in generate.KINDS}
    # Not the training crops (0) that --replay-version re-renders, nor any other set's split.
    assert not set(splits) & ({0, 1, 2, 3, 4, TWO_LINE_SPLIT, STREAM_SPLIT} | kinds)


def test_an_option_extra_names_an_option_of_the_faces_and_a_count() -> None:
    assert option_extra_arg("painted_rim=24000") == ("painted_rim", 24000)


@pytest.mark.parametrize(
    "text", ["painted_rim", "painted=10", "hangul=10", "painted_rim=0.5", "painted_rim=0", "=5"]
)
def test_an_option_extra_without_an_option_and_a_count_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        option_extra_arg(text)


def test_each_options_extra_crops_come_from_a_split_no_other_set_draws() -> None:
    splits = [option_extra_split(option) for option in generate.OPTIONS]
    assert len(set(splits)) == len(splits)
    others = {kind_extra_split(kind) for kind in generate.KINDS} | {
        replay_also_split(version) for version in generate.GENERATOR_VERSIONS
    }
    assert not set(splits) & ({0, 1, 2, 3, 4, TWO_LINE_SPLIT, STREAM_SPLIT} | others)


def test_a_sets_file_name_tells_the_options_its_crops_were_drawn_with() -> None:
    assert options_tag(()) == ""  # the name a set drawn without options always had
    assert options_tag((("painted_rim", 1.0),)) == "-painted_rim1"
    assert options_tag((("painted_rim", 1.0), ("wide_gaps", 0.25))) == "-painted_rim1-wide_gaps0.25"


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        (["--two-line-option", "painted_rim=1"], "give that too"),
        (
            [
                "--two-line-extra",
                "10",
                "--two-line-option",
                "painted_rim=1",
                "--two-line-option",
                "painted_rim=0.5",
            ],
            "at most once",
        ),
    ],
)
def test_two_line_options_without_two_line_crops_or_twice_are_refused_before_any_work(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], why: str
) -> None:
    monkeypatch.setattr("sys.argv", ["train", *argv])
    with pytest.raises(SystemExit):
        main()
    assert why in capsys.readouterr().err
