"""Evaluation on the real CNRPark patches in ../shared/data (never used for training)."""

from __future__ import annotations

import pytest

from qrpark.occupancy.classifier import OnnxOccupancyModel
from qrpark.occupancy.evaluate import evaluate_folder

from .conftest import shared_cnrpark

DATA = shared_cnrpark()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (DATA / "B" / "busy").is_dir(),
        reason=f"evaluation data absent: {DATA} (set QRPARK_SHARED_DATA to shared/data)",
    ),
]


def test_calibrated_model_on_camera_a_beats_its_majority_baseline() -> None:
    report = evaluate_folder(DATA / "A", OnnxOccupancyModel(), calibrate=25)
    assert report["n"] == 6171 - 50
    lo, _ = report["accuracy_wilson95"]
    assert lo > report["majority_baseline"] + 0.3
    # 0.926 measured for the second model (0.958 for the first, which was better on A)
    assert report["balanced_accuracy"] >= 0.92


def test_calibrated_model_on_camera_b_beats_its_majority_baseline() -> None:
    # camera B is the weak spot (docs/occupancy.md): 0.815 measured with the default memory
    # calibration (0.787 with the MAP head alone) against a 0.747 majority baseline; this guards
    # that it stays clearly above it with both classes told apart
    model = OnnxOccupancyModel()
    report = evaluate_folder(DATA / "B", model, calibrate=25)
    assert report["n"] == 6413 - 50
    assert report["calibration"]["method"] == "memory"
    lo, _ = report["accuracy_wilson95"]
    assert lo > report["majority_baseline"] + 0.04
    assert min(report["recall"].values()) >= 0.7
    head_only = evaluate_folder(DATA / "B", model, calibrate=25, method="map")
    assert report["accuracy"] > head_only["accuracy"]
