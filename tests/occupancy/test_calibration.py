"""Per-camera calibration: fitting, storing and restoring the small logistic head."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qrpark.occupancy.calibration import Calibration, CalibrationError, fit_calibration


def _camera(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features where busy is told by feature 3 while the raw logit says nothing useful."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2 == 1
    feats = rng.normal(0, 1, (n, 8))
    feats[:, 3] += np.where(y, 1.5, -1.5)
    z0 = rng.normal(2.0, 1.0, n)  # a shifted camera: the model calls almost everything busy
    return z0, feats, y


def test_calibration_learns_the_camera_from_few_patches() -> None:
    z0, feats, y = _camera(1, 50)
    cal = fit_calibration(z0, feats, y, scorer="test")
    z_test, f_test, y_test = _camera(2, 2000)
    before = ((z_test > 0) == y_test).mean()
    after = ((cal.logits(z_test, f_test) > 0) == y_test).mean()
    assert before < 0.6
    assert after > 0.85


def test_calibration_keeps_a_good_model_when_features_are_noise() -> None:
    rng = np.random.default_rng(3)
    y = np.arange(50) % 2 == 1
    z0 = np.where(y, 3.0, -3.0) + rng.normal(0, 1, 50)
    cal = fit_calibration(z0, rng.normal(0, 1, (50, 16)), y, scorer="test")
    z_new = np.where(np.arange(1000) % 2 == 1, 3.0, -3.0) + rng.normal(0, 1, 1000)
    f_new = rng.normal(0, 1, (1000, 16))
    assert ((cal.logits(z_new, f_new) > 0) == (np.arange(1000) % 2 == 1)).mean() > 0.97


def test_round_trip_through_json() -> None:
    z0, feats, y = _camera(4, 40)
    cal = fit_calibration(z0, feats, y, scorer="cnn:abc")
    again = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again == cal
    np.testing.assert_allclose(again.probabilities(z0, feats), cal.probabilities(z0, feats))


def test_restoring_refuses_other_versions_and_bad_shapes() -> None:
    z0, feats, y = _camera(5, 20)
    data = fit_calibration(z0, feats, y, scorer="x").to_dict()
    with pytest.raises(CalibrationError, match="version"):
        Calibration.from_dict({**data, "version": 99})
    with pytest.raises(CalibrationError, match="scale"):
        Calibration.from_dict({**data, "scale": data["scale"][:-1]})
    with pytest.raises(CalibrationError, match="malformed"):
        Calibration.from_dict({k: v for k, v in data.items() if k != "a"})
    with pytest.raises(CalibrationError, match="features"):
        Calibration.from_dict(data).logits(z0, feats[:, :3])


def test_fitting_needs_two_of_each_class() -> None:
    z0, feats, _ = _camera(6, 10)
    y = np.zeros(10, bool)
    y[0] = True
    with pytest.raises(CalibrationError, match="at least 2"):
        fit_calibration(z0, feats, y, scorer="x")
