"""The calibration's memory of appearances, the descriptor behind it, and fixed-camera renders."""

from __future__ import annotations

import json

import numpy as np
import pytest
from training.occupancy.fixed import FixedCamera, occupancy_chain, parked_cars, render_cameras
from training.occupancy.render import render_patch
from training.occupancy.shifted import evaluate, fitter

from qrpark.occupancy.calibration import (
    MEMORY_WIDTH,
    Calibration,
    CalibrationError,
    fit_calibration,
)
from qrpark.occupancy.classical import ClassicalScorer
from qrpark.occupancy.scoring import (
    APPEARANCE_SIZE,
    RawScores,
    describe_all,
    describe_appearance,
)


def _rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(((a.astype(np.float64) - b) ** 2).mean()))


def test_appearance_is_a_standardised_edge_map_that_ignores_overall_light() -> None:
    rng = np.random.default_rng(1)
    place = render_patch(rng, False, 64)
    other = render_patch(rng, False, 64)
    looks = describe_appearance(place)
    assert looks.shape == (APPEARANCE_SIZE,)
    assert looks.dtype == np.float32
    assert abs(float(looks.mean())) < 1e-4
    assert float(looks.std()) == pytest.approx(1.0, abs=0.05)
    dimmer = np.clip(place.astype(np.float64) * 0.6 + 20, 0, 255).astype(np.uint8)
    # the same place in dimmer light stays close; another place is about as far as random
    assert _rms(describe_appearance(dimmer), looks) < 0.2
    assert _rms(describe_appearance(other), looks) > 0.8
    # any size and grey patches are described at the scorers' input size
    big = np.kron(place, np.ones((3, 3, 1), np.uint8))
    assert _rms(describe_appearance(big), looks) < 0.2
    assert describe_appearance(place[..., 0]).shape == (APPEARANCE_SIZE,)
    assert describe_all([]).shape == (0, APPEARANCE_SIZE)


def test_scorers_describe_every_patch() -> None:
    patches = [render_patch(np.random.default_rng(i), i % 2 == 0, 80) for i in range(3)]
    raw = ClassicalScorer().score(patches)
    assert raw.appearance is not None
    np.testing.assert_allclose(raw.appearance, describe_all(patches), atol=1e-5)
    empty = ClassicalScorer().score([])
    assert empty.appearance is not None
    assert empty.appearance.shape == (0, APPEARANCE_SIZE)


def _places(seed: int, n: int) -> np.ndarray:
    """``n`` standardised random appearance vectors: distinct places of one camera."""
    looks = np.random.default_rng(seed).normal(0, 1, (n, APPEARANCE_SIZE))
    return (looks - looks.mean(axis=1, keepdims=True)) / looks.std(axis=1, keepdims=True)


def _memory_camera() -> tuple[Calibration, np.ndarray, np.ndarray]:
    """A calibration on 10 places seen free and 10 seen busy, from an uninformative model."""
    places = _places(5, 20)
    busy = np.arange(20) >= 10
    rng = np.random.default_rng(6)
    z0 = rng.normal(0, 0.3, 20)  # the model cannot tell this camera's spaces apart
    feats = rng.normal(0, 1, (20, 8))
    cal = fit_calibration(z0, feats, busy, "cnn:abc", appearance=places)
    return cal, places, busy


def test_memory_recognises_places_it_saw_and_is_silent_elsewhere() -> None:
    cal, places, busy = _memory_camera()
    assert cal.method == "memory"
    assert cal.remembers
    rng = np.random.default_rng(7)
    again = places + rng.normal(0, 0.1, places.shape)  # the same places, a little changed
    z_new, f_new = rng.normal(0, 0.3, 20), rng.normal(0, 1, (20, 8))
    head_only = fit_calibration(z_new, f_new, busy, "cnn:abc", method="map")
    assert ((head_only.logits(z_new, f_new) > 0) == busy).mean() < 0.8
    assert ((cal.logits(z_new, f_new, again) > 0) == busy).all()
    # places never seen (about 1.4 apart, 4.7 kernel widths): the memory all but vanishes
    unseen = _places(8, 20)
    assert np.abs(cal.memory_logits(unseen)).max() < 0.05
    assert np.abs(cal.memory_logits(again)).min() > 3


def test_memory_round_trips_and_needs_appearances() -> None:
    cal, places, _ = _memory_camera()
    z0, feats = np.zeros(20), np.zeros((20, 8))
    again = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again == cal
    np.testing.assert_allclose(
        again.probabilities(z0, feats, places), cal.probabilities(z0, feats, places)
    )
    with pytest.raises(CalibrationError, match="appearance"):
        cal.logits(z0, feats)
    with pytest.raises(CalibrationError, match="256"):
        cal.logits(z0, feats, places[:, :100])
    data = cal.to_dict()
    with pytest.raises(CalibrationError, match="remembered"):
        Calibration.from_dict({**data, "remembered_busy": data["remembered_busy"][:-1]})
    with pytest.raises(CalibrationError, match="memory_width"):
        Calibration.from_dict({**data, "memory_width": 0.0})
    with pytest.raises(CalibrationError, match="remembers"):
        Calibration.from_dict({**data, "remembered": [], "remembered_busy": []})
    with pytest.raises(CalibrationError, match="appearance"):
        fit_calibration(z0, feats, np.arange(20) % 2 == 0, "cnn:abc", method="memory")


def test_calibrations_stored_before_the_memory_still_read() -> None:
    rng = np.random.default_rng(9)
    busy = np.arange(30) % 2 == 0
    data = fit_calibration(
        rng.normal(0, 1, 30), rng.normal(0, 1, (30, 8)), busy, "cnn:abc", method="map"
    ).to_dict()
    for key in ("remembered", "remembered_busy", "memory_width", "memory_weight"):
        del data[key]
    data["version"] = 1
    old = Calibration.from_dict(data)
    assert not old.remembers
    assert old.memory_width == MEMORY_WIDTH
    assert old.logits(np.zeros(2), np.zeros((2, 8))).shape == (2,)


def test_fixed_cameras_keep_each_place_and_car_through_the_day() -> None:
    (cam,) = render_cameras(spaces=3, moments=8, names=["overhead"])
    again = render_cameras(spaces=3, moments=8, names=["overhead"])[0]
    assert all(np.array_equal(p, q) for p, q in zip(cam.patches, again.patches, strict=True))
    assert isinstance(cam, FixedCamera)
    assert len(cam.patches) == 24
    np.testing.assert_array_equal(cam.space, np.tile(np.arange(3), 8))
    looks = describe_all(cam.patches)
    same = [
        _rms(looks[i], looks[j])
        for i in range(24)
        for j in range(i + 1, 24)
        if cam.space[i] == cam.space[j] and cam.busy[i] == cam.busy[j] == 0
    ]
    other = [
        _rms(looks[i], looks[j])
        for i in range(24)
        for j in range(i + 1, 24)
        if cam.space[i] != cam.space[j] and cam.busy[i] == cam.busy[j] == 0
    ]
    assert same
    assert other
    assert np.median(same) < np.median(other)


def test_parked_cars_keep_their_seed_for_a_stay() -> None:
    lot = parked_cars(np.random.default_rng(3), spaces=4, moments=40, seed=(1, 2))
    assert len(lot) == 40
    assert all(len(rows) == 3 and len(rows[0]) == 7 for rows in lot)
    for r in range(3):
        for c in range(7):
            for t in range(1, 40):
                now, before = lot[t][r][c], lot[t - 1][r][c]
                if now is not None and before is not None:
                    assert now == before  # the same car until it leaves
    flags = occupancy_chain(np.random.default_rng(4), 500, 60)
    assert 0.3 < flags[0].mean() < 0.5
    assert 0.6 < flags[-20:].mean() < 0.8


def test_a_pinned_lot_must_agree_with_busy_and_have_its_shape() -> None:
    rng = np.random.default_rng(0)
    row = [None, 11, None, 12]
    with pytest.raises(ValueError, match="disagree"):
        render_patch(rng, True, 64, lot=[row, row, row], moment=np.random.default_rng(1))
    with pytest.raises(ValueError, match="three rows"):
        render_patch(rng, False, 64, lot=[row, row], moment=np.random.default_rng(1))


def test_the_suite_scores_memory_on_fixed_cameras() -> None:
    class _Blind:
        """A fake scorer that cannot see cars at all but describes patches as the real ones."""

        name = "fake"

        def score(self, patches: list[np.ndarray]) -> RawScores:
            return RawScores(
                np.zeros(len(patches)), np.zeros((len(patches), 1)), describe_all(patches)
            )

    cams = render_cameras(spaces=6, moments=14, names=["overhead"])
    row = evaluate(_Blind(), cams, {"map": fitter("map"), "memory": fitter("memory")})[0]
    # a blind model is only as good as its offset; remembering the places beats it
    assert row["memory"] > row["map"] + 0.05
