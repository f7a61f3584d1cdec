"""The crop-by-crop speed comparison (``training.plates.speed``)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
import pytest
from training.plates import generate, speed

from qrpark.plates.reader import KR_MODEL, KoreanRecognizer


class Counting:
    """A recogniser stand-in that writes down which crop it read, and when."""

    def __init__(self, name: str, log: list[tuple[str, int]]) -> None:
        self.name, self.log = name, log

    def read_crop(self, crop: np.ndarray) -> None:
        self.log.append((self.name, int(crop[0, 0, 0])))


def test_each_crop_is_read_by_every_model_in_turn_the_order_turned_round() -> None:
    log: list[tuple[str, int]] = []
    models = cast("list[KoreanRecognizer]", [Counting("a", log), Counting("b", log)])
    images = [np.full((4, 8, 3), i, np.uint8) for i in range(3)]
    spent = speed.compare(models, images, rounds=2)
    assert len(spent) == 2
    assert all(len(rounds) == 2 and min(rounds) >= 0.0 for rounds in spent)
    # Each model first reads a few crops untimed, one model after the other.
    warm = min(speed.WARM_UP, len(images))
    assert log[: 2 * warm] == [("a", i) for i in range(warm)] + [("b", i) for i in range(warm)]
    timed = log[2 * warm :]
    # Round 0: a first on crop 0, b first on crop 1, a first on crop 2; round 1 the other way.
    assert timed == [
        ("a", 0), ("b", 0), ("b", 1), ("a", 1), ("a", 2), ("b", 2),
        ("b", 0), ("a", 0), ("a", 1), ("b", 1), ("b", 2), ("a", 2),
    ]  # fmt: skip


def test_turn_order_alternates_by_crop_and_by_round() -> None:
    assert speed.turn_order(3, 0, 0) == [0, 1, 2]
    assert speed.turn_order(3, 1, 0) == [2, 1, 0]
    assert speed.turn_order(3, 0, 1) == [2, 1, 0]
    assert speed.turn_order(1, 5, 2) == [0]


def test_nothing_to_read_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        speed.compare([KoreanRecognizer()], [], rounds=1)
    with pytest.raises(ValueError, match="at least one"):
        speed.compare([KoreanRecognizer()], [np.zeros((4, 8, 3), np.uint8)], rounds=0)


def test_the_report_gives_each_models_time_against_the_first() -> None:
    models = [Path("a.onnx"), Path("b.onnx")]
    result = speed.report(models, [[1.0, 1.0], [1.1, 1.1]], n=100)
    first, second = result["models"]
    assert first["plates_per_second"] == [100.0, 100.0]
    assert "slower_than_first_percent" not in first
    assert second["plates_per_second_overall"] == round(200 / 2.2, 1)
    assert second["slower_than_first_percent"] == 10.0
    assert result["rounds"] == 2


def test_the_shipped_model_reads_synthetic_crops_in_turn_with_itself(
    fonts: generate.Typefaces,
) -> None:
    images = speed.crops(7, 3, fonts)
    assert len(images) == 3
    assert all(image.ndim == 3 for image in images)
    spent = speed.compare([KoreanRecognizer(KR_MODEL), KoreanRecognizer(KR_MODEL)], images, 1)
    assert all(seconds[0] > 0.0 for seconds in spent)
