"""The synthetic domain-shift suite: held-out virtual cameras and how it scores a scorer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from training.occupancy.render import Style, render_patch
from training.occupancy.shifted import (
    CALIBRATE,
    CAMERAS,
    ShiftedCamera,
    evaluate,
    fitter,
    render_cameras,
    summary,
)

from qrpark.occupancy.scoring import RawScores


class _ByBrightness:
    """A fake scorer: busy when the patch is bright; its feature is the brightness."""

    name = "fake"

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def score(self, patches: Sequence[np.ndarray]) -> RawScores:
        level = np.array([float(p.mean()) for p in patches])
        return RawScores((level - self.threshold) / 10, level[:, None])


def _toy_camera(n: int = 200) -> ShiftedCamera:
    busy = np.arange(n) % 10 < 7
    patches = [np.full((8, 8, 3), 200 if b else 50, np.uint8) for b in busy]
    return ShiftedCamera("toy", patches, busy)


def test_rendering_is_reproducible_and_pins_the_camera() -> None:
    first = render_cameras(6, names=["dusk-night", "overhead"])
    again = render_cameras(6, names=["dusk-night", "overhead"])
    assert [c.name for c in first] == ["overhead", "dusk-night"]
    for a, b in zip(first, again, strict=True):
        assert all(np.array_equal(p, q) for p, q in zip(a.patches, b.patches, strict=True))
        np.testing.assert_array_equal(a.busy, b.busy)
        assert all(p.shape == (64, 64, 3) for p in a.patches)
    night = np.mean([p.mean() for p in first[1].patches])
    overhead = np.mean([p.mean() for p in first[0].patches])
    assert night < overhead


def test_style_pins_what_it_names() -> None:
    pinned = {"light": "day", "noise": 0.0, "jpeg": 100, "cast": (1.0, 1.0, 1.0)}
    grey = render_patch(np.random.default_rng(3), True, 64, Style(saturation=0.0, **pinned))
    colour = render_patch(np.random.default_rng(3), True, 64, Style(saturation=1.5, **pinned))
    # without saturation the channels differ only by the small per-shot white-balance jitter
    grey_spread = np.ptp(grey.astype(int), axis=2).mean()
    assert grey_spread < 5
    assert np.ptp(colour.astype(int), axis=2).mean() > 3 * grey_spread


def test_every_camera_is_distinct_and_has_a_busy_majority() -> None:
    assert len(CAMERAS) >= 8
    assert len(set(CAMERAS.values())) == len(CAMERAS)
    cams = render_cameras(200, names=["grey-cars"])
    assert 0.6 < cams[0].busy.mean() < 0.8


def test_evaluate_reports_majority_and_leaves_calibration_patches_out() -> None:
    cam = _toy_camera()
    rows = evaluate(_ByBrightness(125), [cam], {"raw": None, "cal": fitter("map")})
    assert rows[0]["majority"] == pytest.approx(0.7)
    assert rows[0]["raw"] == 1.0
    assert rows[0]["cal"] == 1.0
    # a scorer that calls everything free scores the free share, below the majority baseline
    wrong = evaluate(_ByBrightness(255), [cam], {"raw": None})
    assert wrong[0]["raw"] == pytest.approx(0.3)
    assert summary(wrong, ["raw"])["raw"]["below_majority"] == 1


def test_calibration_on_the_first_patches_repairs_a_shifted_threshold() -> None:
    # the scorer's threshold sits just above the busy level: all free until calibrated
    cam = _toy_camera()
    rows = evaluate(_ByBrightness(215), [cam], {"raw": None, "cal": fitter("map")})
    assert rows[0]["raw"] == pytest.approx(0.3)
    assert rows[0]["cal"] == 1.0
    assert CALIBRATE == 25
