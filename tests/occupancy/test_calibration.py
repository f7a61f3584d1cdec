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


@pytest.mark.parametrize(
    ("method", "l2"), [("direction", None), ("map", 1.0)], ids=["direction", "weak-map"]
)
def test_calibration_learns_the_camera_from_few_patches(method: str, l2: float | None) -> None:
    z0, feats, y = _camera(1, 50)
    cal = fit_calibration(z0, feats, y, scorer="test", method=method, l2=l2, l2_a=l2)
    z_test, f_test, y_test = _camera(2, 2000)
    before = ((z_test > 0) == y_test).mean()
    after = ((cal.logits(z_test, f_test) > 0) == y_test).mean()
    assert before < 0.6
    assert after > 0.85


def test_default_map_prior_still_fixes_a_camera_bias() -> None:
    # the default prior holds the feature weights firmly (chosen on synthetic shifted cameras)
    # but lets the offset move: a model that calls everything busy is mostly set straight
    z0, feats, y = _camera(1, 50)
    z0 = np.where(y, 4.0, 1.0) + np.random.default_rng(12).normal(0, 0.5, 50)
    cal = fit_calibration(z0, feats, y, scorer="test", method="map")
    rng = np.random.default_rng(13)
    y_test = np.arange(2000) % 2 == 1
    z_test = np.where(y_test, 4.0, 1.0) + rng.normal(0, 0.5, 2000)
    f_test = rng.normal(0, 1, (2000, 8))
    assert ((z_test > 0) == y_test).mean() < 0.55
    assert ((cal.logits(z_test, f_test) > 0) == y_test).mean() > 0.85  # measured 0.886


def test_calibration_keeps_a_good_model_when_features_are_noise() -> None:
    rng = np.random.default_rng(3)
    y = np.arange(50) % 2 == 1
    z0 = np.where(y, 3.0, -3.0) + rng.normal(0, 1, 50)
    cal = fit_calibration(z0, rng.normal(0, 1, (50, 16)), y, scorer="test", method="map")
    z_new = np.where(np.arange(1000) % 2 == 1, 3.0, -3.0) + rng.normal(0, 1, 1000)
    f_new = rng.normal(0, 1, (1000, 16))
    assert ((cal.logits(z_new, f_new) > 0) == (np.arange(1000) % 2 == 1)).mean() > 0.97


def test_round_trip_through_json() -> None:
    z0, feats, y = _camera(4, 40)
    cal = fit_calibration(z0, feats, y, scorer="cnn:abc", method="map")
    again = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again == cal
    np.testing.assert_allclose(again.probabilities(z0, feats), cal.probabilities(z0, feats))


def test_restoring_refuses_other_versions_and_bad_shapes() -> None:
    z0, feats, y = _camera(5, 20)
    data = fit_calibration(z0, feats, y, scorer="x", method="map").to_dict()
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


@pytest.mark.parametrize("method", ["map", "direction"])
def test_both_methods_learn_and_round_trip(method: str) -> None:
    z0, feats, y = _camera(7, 50)
    cal = fit_calibration(z0, feats, y, scorer="cnn:abc", method=method, l2=1.0, l2_a=1.0)
    assert cal.method == method
    z_test, f_test, y_test = _camera(8, 2000)
    assert ((cal.logits(z_test, f_test) > 0) == y_test).mean() > 0.8
    assert Calibration.from_dict(json.loads(json.dumps(cal.to_dict()))) == cal


def test_map_prior_pulls_towards_the_trained_head() -> None:
    z0, feats, y = _camera(9, 50)
    weak = fit_calibration(z0, feats, y, scorer="x", method="map", l2=1.0, l2_a=1.0)
    strong = fit_calibration(z0, feats, y, scorer="x", method="map", l2=1e5, l2_a=1e5)
    default = fit_calibration(z0, feats, y, scorer="x", method="map")
    assert np.linalg.norm(strong.weights) < np.linalg.norm(default.weights)
    assert np.linalg.norm(default.weights) < np.linalg.norm(weak.weights)
    assert np.linalg.norm(strong.weights) < 0.01 * np.linalg.norm(weak.weights)
    assert strong.a == pytest.approx(1.0, abs=0.01)
    assert abs(weak.a - 1.0) > abs(strong.a - 1.0)


def test_map_cannot_hurt_a_good_model_much_on_a_misleading_slice() -> None:
    # the calibration slice has one noise feature that happens to match its labels exactly
    # (as a time block can); the strong prior keeps most trust in the trained logit
    rng = np.random.default_rng(10)
    y = np.arange(50) % 2 == 1
    z0 = np.where(y, 2.5, -2.5) + rng.normal(0, 1, 50)
    feats = rng.normal(0, 1, (50, 32))
    feats[:, 0] = np.where(y, 1.0, -1.0) + rng.normal(0, 0.1, 50)
    cal = fit_calibration(z0, feats, y, scorer="x", method="map")
    y_new = np.arange(2000) % 2 == 1
    z_new = np.where(y_new, 2.5, -2.5) + rng.normal(0, 1, 2000)
    f_new = rng.normal(0, 1, (2000, 32))  # later on, feature 0 says nothing
    base = ((z_new > 0) == y_new).mean()
    assert ((cal.logits(z_new, f_new) > 0) == y_new).mean() >= base - 0.03


def test_stored_calibrations_without_a_method_read_as_the_first_version() -> None:
    z0, feats, y = _camera(11, 30)
    data = fit_calibration(z0, feats, y, scorer="x", method="direction").to_dict()
    del data["method"]
    assert Calibration.from_dict(data).method == "direction"
    with pytest.raises(CalibrationError, match="method"):
        Calibration.from_dict({**data, "method": "magic"})
    with pytest.raises(CalibrationError, match="method"):
        fit_calibration(z0, feats, y, scorer="x", method="magic")


def test_each_scorer_gets_its_own_default_method() -> None:
    z0, feats, y = _camera(12, 40)
    looks = np.random.default_rng(12).normal(0, 1, (40, 256))
    assert fit_calibration(z0, feats, y, scorer="cnn:abc", appearance=looks).method == "memory"
    assert fit_calibration(z0, feats, y, scorer="classical:v1").method == "direction"
    forced = fit_calibration(z0, feats, y, scorer="classical:v1", method="map")
    assert forced.method == "map"
