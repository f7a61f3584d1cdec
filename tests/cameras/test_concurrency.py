"""Two operators' marks arriving at once both end up in the camera's calibration."""

from __future__ import annotations

import asyncio

from qrpark.cameras import service
from qrpark.cameras.schemas import CameraCreate, SpaceIn
from qrpark.demo import LOT_CODE, seed
from qrpark.kit.clock import FrozenClock
from qrpark.kit.db import Database
from qrpark.lots.service import lot_for
from qrpark.occupancy.calibration import Calibration
from qrpark.occupancy.classifier import OnnxOccupancyModel
from tests.cameras.conftest import HEIGHT, WIDTH, draw_frame, jpeg, space_polygons

MORNING = {"A1", "A3", "A4", "B2", "B5", "B6"}
EVENING = {"A1", "A5", "B1", "B4", "B5", "B6"}


async def test_marks_posted_together_are_all_in_the_calibration(
    fresh_db: Database, clock: FrozenClock, model: OnnxOccupancyModel
) -> None:
    async with fresh_db.transaction() as s:
        await seed(s, clock)
        lot = await lot_for(s, LOT_CODE)
        spaces = [SpaceIn(label=k, polygon=v) for k, v in space_polygons().items()]
        await service.create_camera(
            s,
            clock,
            lot,
            CameraCreate(
                code="cam-1",
                name="both rows",
                kind="space",
                frame_width=WIDTH,
                frame_height=HEIGHT,
                spaces=spaces,
            ),
            actor="test",
        )

    async def mark(busy: set[str], frame_seed: int) -> None:
        async with fresh_db.transaction() as s:
            lot = await lot_for(s, LOT_CODE)
            camera = await service.camera_for(s, lot, "cam-1", for_update=True)
            marks = {k: "busy" if k in busy else "free" for k in space_polygons()}
            image = jpeg(draw_frame(busy, frame_seed))
            await service.mark_snapshot(s, clock, lot, camera, image, marks, None, "test", model)

    await asyncio.gather(mark(MORNING, 0), mark(EVENING, 1))
    async with fresh_db.transaction() as s:
        lot = await lot_for(s, LOT_CODE)
        camera = await service.camera_for(s, lot, "cam-1")
        assert camera.calibration is not None
        assert len(Calibration.from_dict(camera.calibration).remembered) == 24
