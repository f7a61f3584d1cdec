from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "src" / "qrpark" / "plates" / "models" / "kr_plate_crnn.onnx"


def shared_data() -> Path:
    return Path(os.environ.get("QRPARK_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def fonts() -> list[tuple[str, int]]:
    from training.plates import generate

    try:
        return generate.available_fonts()
    except RuntimeError as exc:
        pytest.skip(f"synthetic plates need Hangul fonts: {exc}")


@pytest.fixture(scope="session")
def reader_kr() -> object:
    from qrpark.plates.reader import Mode, PlateReader

    return PlateReader(Mode.KR)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
