"""Shared helpers for the occupancy tests: the training renderer and the shared data folder."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # ``training`` lives at the repository root, outside src/
    sys.path.insert(0, str(REPO))


def shared_cnrpark() -> Path:
    """Where the CNRPark evaluation patches are expected (env QRPARK_SHARED_DATA overrides)."""
    base = os.environ.get("QRPARK_SHARED_DATA")
    root = Path(base) if base else REPO.parent / "shared" / "data"
    return root / "occupancy-cnrpark"


Render = Callable[[int, int, int], tuple[list[np.ndarray], np.ndarray]]


@pytest.fixture(scope="session")
def render() -> Render:
    """``render(seed, n, size)`` → (patches, is_busy) drawn by the training renderer."""
    from training.occupancy.render import render_patch

    def _render(seed: int, n: int, size: int = 64) -> tuple[list[np.ndarray], np.ndarray]:
        rng = np.random.default_rng(seed)
        labels = np.arange(n) % 2 == 1
        return [render_patch(rng, bool(y), size) for y in labels], labels

    return _render
