from __future__ import annotations

import cv2
import numpy as np
from training.plates import generate

from qrpark.plates.domain import is_valid_korean
from qrpark.plates.reader import PlateReader


def test_model_reads_clean_synthetic_plates(
    reader_kr: PlateReader, model_fonts: generate.Typefaces
) -> None:
    """Clean plates of the generator version the shipped model was trained on."""
    fonts = model_fonts
    rng = np.random.default_rng(2024)
    kinds = list(generate.KINDS)
    total = right = 0
    for i in range(30):
        plate, text = generate.render_plate(rng, kinds[i % len(kinds)], fonts)
        crop = cv2.cvtColor(plate, cv2.COLOR_RGB2BGR)
        crop = cv2.copyMakeBorder(crop, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=(90, 90, 90))
        best = reader_kr.read(crop, crop=True).best
        assert best is not None
        assert is_valid_korean(best.text) or best.confidence == 0.0
        total += 1
        right += best.text == text
    assert right / total >= 0.9, f"{right}/{total} clean synthetic plates read exactly"


def test_model_gives_low_confidence_on_noise(reader_kr: PlateReader) -> None:
    noise = np.random.default_rng(0).integers(0, 255, (60, 280, 3), dtype=np.uint8)
    best = reader_kr.read(noise, crop=True).best
    assert best is not None
    assert not best.accepted
