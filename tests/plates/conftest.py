from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

if TYPE_CHECKING:
    from training.plates.generate import Typefaces

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "src" / "qrpark" / "plates" / "models" / "kr_plate_crnn.onnx"


def model_copy(tmp_path: Path, **card: object) -> Path:
    """A copy of the shipped recogniser in ``tmp_path``, its card changed by ``card`` (a None
    value removes the key)."""
    path = tmp_path / MODEL.name
    shutil.copy(MODEL, path)
    meta = json.loads(MODEL.with_suffix(".json").read_text(encoding="utf-8"))
    for key, value in card.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    return path


def shared_data() -> Path:
    return Path(os.environ.get("QRPARK_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def fonts() -> Typefaces:
    from training.plates import generate

    try:
        return generate.available_fonts()
    except RuntimeError as exc:
        pytest.skip(f"synthetic plates need Hangul fonts: {exc}")


@pytest.fixture(scope="session")
def model_fonts(fonts: Typefaces) -> Typefaces:
    """The faces of the generator version the shipped recogniser was trained on: tests that
    measure the shipped model read plates drawn as its training plates were, not as a newer
    generator draws them."""
    from training.plates import generate
    from training.plates.calibrate import card_generator_version

    return generate.typefaces(card_generator_version(MODEL))


@pytest.fixture(scope="session")
def every_face() -> None:
    """Skip unless every face of every generator version and the held-out faces are installed
    (training, and so the dataset renderer, refuses a machine that lacks one)."""
    from training.plates import generate

    try:
        for version in generate.GENERATOR_VERSIONS:
            generate.typefaces(version, strict=True)
        generate.typefaces(held_out=True, strict=True)
    except RuntimeError as exc:
        pytest.skip(f"synthetic plates need every face: {exc}")


@pytest.fixture
def drawn_kinds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kind of every synthetic sample drawn from here on in this process, in order
    (``generate.sample`` recorded, drawing as it does)."""
    from training.plates import generate

    drawn: list[str] = []
    sample = generate.sample

    def recording(*args: Any, **kwargs: Any) -> Any:
        out = sample(*args, **kwargs)
        drawn.append(out.kind)
        return out

    monkeypatch.setattr(generate, "sample", recording)
    return drawn


@pytest.fixture(scope="session")
def reader_kr() -> object:
    from qrpark.plates.reader import Mode, PlateReader

    return PlateReader(Mode.KR)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
