"""The bundled CNN: its file, its card, and that it tells synthetic busy from free."""

from __future__ import annotations

import hashlib
import json

import numpy as np

from qrpark.occupancy.calibration import fit_calibration
from qrpark.occupancy.classifier import MODEL_PATH, OnnxOccupancyModel

from .conftest import Render


def test_model_file_is_small_and_matches_its_card() -> None:
    data = MODEL_PATH.read_bytes()
    card = json.loads(MODEL_PATH.with_suffix(".json").read_text(encoding="utf-8"))
    assert len(data) <= 1_000_000
    assert hashlib.sha256(data).hexdigest() == card["sha256"]
    assert card["training_data"].startswith("synthetic only")
    assert isinstance(card["seed"], int)


def test_outputs_have_one_probability_and_64_features_per_patch(render: Render) -> None:
    patches, _ = render(5, 6, 150)
    raw = OnnxOccupancyModel().score(patches)
    assert raw.logits.shape == (6,)
    assert raw.features.shape == (6, 64)
    probs = raw.probabilities()
    assert ((probs >= 0) & (probs <= 1)).all()
    assert OnnxOccupancyModel().score([]).logits.shape == (0,)


def test_model_separates_unseen_synthetic_busy_and_free(render: Render) -> None:
    # seed 9001 is neither the training seed (7) nor the validation stream (7 + 1_000_003)
    patches, busy = render(9001, 400, 64)
    probs = OnnxOccupancyModel().score(patches).probabilities()
    assert ((probs > 0.5) == busy).mean() >= 0.9
    assert np.median(probs[busy]) > 0.9
    assert np.median(probs[~busy]) < 0.1


def _shifted_camera(patches: list[np.ndarray]) -> list[np.ndarray]:
    """A camera unlike the renders: badly underexposed, with a blue-green cast."""
    tint = np.array([40.0, 10.0, 0.0], np.float32)
    return [np.clip(p.astype(np.float32) * 0.25 + tint, 0, 255).astype(np.uint8) for p in patches]


def test_calibration_recovers_a_shifted_synthetic_camera(render: Render) -> None:
    model = OnnxOccupancyModel()
    patches, busy = render(31337, 450, 64)
    raw = model.score(_shifted_camera(patches))
    cal_idx = np.concatenate([np.flatnonzero(busy)[:25], np.flatnonzero(~busy)[:25]])
    test = np.setdiff1d(np.arange(len(busy)), cal_idx)
    cal = fit_calibration(raw.logits[cal_idx], raw.features[cal_idx], busy[cal_idx], model.name)
    before = ((raw.logits[test] > 0) == busy[test]).mean()
    after = ((cal.logits(raw.logits[test], raw.features[test]) > 0) == busy[test]).mean()
    assert after >= before + 0.05
