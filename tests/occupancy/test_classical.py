"""The classical fallback: statistics, its fixed head, and when it is chosen."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qrpark.occupancy.classical import FEATURE_NAMES, ClassicalScorer, classical_features
from qrpark.occupancy.classifier import OnnxOccupancyModel, load_scorer

from .conftest import Render


def test_features_are_finite_for_colour_grey_and_flat_patches() -> None:
    rng = np.random.default_rng(0)
    for patch in (
        rng.integers(0, 256, (150, 150, 3), dtype=np.uint8),
        rng.integers(0, 256, (40, 40), dtype=np.uint8),
        np.full((64, 64, 3), 128, np.uint8),
    ):
        feats = classical_features(patch)
        assert feats.shape == (len(FEATURE_NAMES),)
        assert np.isfinite(feats).all()


def test_a_car_has_more_edges_than_bare_asphalt() -> None:
    rng = np.random.default_rng(1)
    asphalt = np.clip(rng.normal(100, 6, (64, 64, 3)), 0, 255).astype(np.uint8)
    car = asphalt.copy()
    car[12:52, 16:48] = (40, 40, 170)
    car[20:30, 20:44] = (30, 30, 30)
    edges = FEATURE_NAMES.index("canny_density")
    assert classical_features(car)[edges] > classical_features(asphalt)[edges] + 0.05


def test_fixed_head_beats_chance_on_unseen_synthetic_patches(render: Render) -> None:
    patches, busy = render(404, 300, 64)
    raw = ClassicalScorer().score(patches)
    accuracy = ((raw.logits > 0) == busy).mean()
    assert accuracy > 0.6
    assert raw.features.shape == (300, len(FEATURE_NAMES))


def test_fallback_is_chosen_when_the_bundled_model_is_absent(tmp_path: Path) -> None:
    scorer = load_scorer(bundled=tmp_path / "occupancy.onnx")
    assert isinstance(scorer, ClassicalScorer)
    assert isinstance(load_scorer(classical=True), ClassicalScorer)


def test_bundled_model_is_chosen_when_present() -> None:
    assert isinstance(load_scorer(), OnnxOccupancyModel)
