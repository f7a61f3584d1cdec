"""A lot's space camera as tests see it: drawn frames with known cars, and the real model."""

from __future__ import annotations

from collections.abc import AsyncIterator

import cv2
import httpx
import numpy as np
import pytest

from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.occupancy.classifier import OnnxOccupancyModel
from qrpark.settings import Settings

WIDTH, HEIGHT = 640, 360
#: two rows of six spaces, 100×150 px, with a driving lane between them
SPACE_W, SPACE_H = 100, 150
LEFT, TOPS = 20, (10, 200)


def space_polygons() -> dict[str, list[list[float]]]:
    out = {}
    for row, top in enumerate(TOPS):
        for i in range(6):
            x = LEFT + i * SPACE_W
            label = f"{'AB'[row]}{i + 1}"
            out[label] = [
                [x, top],
                [x + SPACE_W, top],
                [x + SPACE_W, top + SPACE_H],
                [x, top + SPACE_H],
            ]
    return out


def draw_frame(
    busy: set[str], seed_: int = 0, light: float = 1.0, painted: frozenset[str] = frozenset()
) -> np.ndarray:
    """A top-down frame: asphalt, white bay lines, a car (body, windscreens, outline) in each
    space of ``busy``, and in each ``painted`` space a blue painted bay with a white ring and a
    dark bar, which the bundled model takes for a car until a calibration says otherwise."""
    rng = np.random.default_rng(seed_)
    img = np.clip(rng.normal(95, 9, (HEIGHT, WIDTH, 3)), 0, 255).astype(np.uint8)
    for label, poly in space_polygons().items():
        (x0, y0), _, (x1, y1), _ = poly
        x0, y0, x1, y1 = int(x0), int(y0), int(x1), int(y1)
        cv2.rectangle(img, (x0, y0), (x1, y1), (235, 235, 235), 3)
        if label in painted:
            cv2.rectangle(img, (x0 + 8, y0 + 8), (x1 - 8, y1 - 8), (150, 70, 20), -1)
            cv2.circle(img, ((x0 + x1) // 2, (y0 + y1) // 2), 25, (240, 240, 240), 4)
            cv2.rectangle(img, (x0 + 30, y0 + 20), (x1 - 30, y0 + 40), (30, 30, 30), -1)
        if label in busy:
            colour = tuple(int(v) for v in rng.integers(20, 230, 3))
            cv2.rectangle(img, (x0 + 14, y0 + 12), (x1 - 14, y1 - 12), colour, -1)
            cv2.rectangle(img, (x0 + 22, y0 + 30), (x1 - 22, y0 + 55), (40, 30, 30), -1)
            cv2.rectangle(img, (x0 + 22, y1 - 50), (x1 - 22, y1 - 32), (40, 30, 30), -1)
            cv2.rectangle(img, (x0 + 14, y0 + 12), (x1 - 14, y1 - 12), (15, 15, 15), 2)
    return np.clip(img.astype(np.float32) * light, 0, 255).astype(np.uint8)


def jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return bytes(data.tobytes())


@pytest.fixture(scope="session")
def model() -> OnnxOccupancyModel:
    return OnnxOccupancyModel()


@pytest.fixture
async def camera_client(
    settings: Settings, db: Database, clock: FrozenClock, model: OnnxOccupancyModel
) -> AsyncIterator[httpx.AsyncClient]:
    from qrpark.web.app import create_app

    app = create_app(settings, db=db, clock=clock, occupancy=model)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://park.example") as c:
        yield c
