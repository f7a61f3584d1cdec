"""JSON API for a lot's cameras. Everything here needs the lot's operator token: polygons and
snapshots show the lot as its cameras see it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile, status

from qrpark.cameras import repository, service
from qrpark.cameras.schemas import (
    CameraCreate,
    CameraOut,
    MarksOut,
    OccupancyOut,
    SpacesReplace,
)
from qrpark.lots.service import lot_for
from qrpark.occupancy.snapshot import MAX_SNAPSHOT_BYTES
from qrpark.web.deps import AppContainer, CurrentOperator, Session

router = APIRouter(prefix="/api/v1/lots/{lot_code}/cameras", tags=["cameras"])

Snapshot = Annotated[UploadFile, File(description="One JPEG or PNG frame of this camera.")]


async def _read(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_SNAPSHOT_BYTES + 1)
    if len(data) > MAX_SNAPSHOT_BYTES:
        raise service.BadSnapshot(reason=f"it is larger than {MAX_SNAPSHOT_BYTES} bytes")
    return data


@router.get("", response_model=list[CameraOut])
async def list_cameras(
    lot_code: str, session: Session, operator: CurrentOperator, c: AppContainer
) -> list[CameraOut]:
    lot = await lot_for(session, lot_code, operator)
    scorer = c.occupancy.get()
    return [
        await service.describe(session, camera, scorer)
        for camera in await repository.cameras(session, lot.id)
    ]


@router.post("", response_model=CameraOut, status_code=status.HTTP_201_CREATED)
async def create_camera(
    lot_code: str, body: CameraCreate, session: Session, operator: CurrentOperator, c: AppContainer
) -> CameraOut:
    lot = await lot_for(session, lot_code, operator)
    camera = await service.create_camera(session, c.clock, lot, body, actor=f"api:{operator.code}")
    return await service.describe(session, camera, c.occupancy.get())


@router.get("/{camera_code}", response_model=CameraOut)
async def get_camera(
    lot_code: str, camera_code: str, session: Session, operator: CurrentOperator, c: AppContainer
) -> CameraOut:
    lot = await lot_for(session, lot_code, operator)
    camera = await service.camera_for(session, lot, camera_code)
    return await service.describe(session, camera, c.occupancy.get())


@router.put("/{camera_code}/spaces", response_model=CameraOut)
async def replace_spaces(
    lot_code: str,
    camera_code: str,
    body: SpacesReplace,
    session: Session,
    operator: CurrentOperator,
    c: AppContainer,
) -> CameraOut:
    """Replace the camera's spaces. Unchanged spaces keep their calibration marks."""
    lot = await lot_for(session, lot_code, operator)
    camera = await service.camera_for(session, lot, camera_code, for_update=True)
    scorer = c.occupancy.get()
    await service.replace_spaces(
        session, c.clock, lot, camera, body, actor=f"api:{operator.code}", scorer=scorer
    )
    return await service.describe(session, camera, scorer)


@router.post("/{camera_code}/calibration/marks", response_model=MarksOut)
async def mark_snapshot(
    lot_code: str,
    camera_code: str,
    snapshot: Snapshot,
    marks: Annotated[
        str,
        Form(
            max_length=20_000,
            description='JSON object from space label to "busy" or "free", e.g. '
            '{"A1": "busy", "A2": "free"}; spaces left out are not marked.',
        ),
    ],
    session: Session,
    operator: CurrentOperator,
    c: AppContainer,
    taken_at: Annotated[dt.datetime | None, Form()] = None,
) -> MarksOut:
    """Mark spaces of one snapshot as busy or free; the calibration is fitted again."""
    lot = await lot_for(session, lot_code, operator)
    camera = await service.camera_for(session, lot, camera_code, for_update=True)
    try:
        parsed = json.loads(marks)
    except json.JSONDecodeError as exc:
        raise service.BadMarks(reason=f"marks is not JSON ({exc.msg})") from exc
    if taken_at is not None and taken_at.tzinfo is None:
        raise service.BadMarks(reason="taken_at needs a time zone offset")
    return await service.mark_snapshot(
        session,
        c.clock,
        lot,
        camera,
        await _read(snapshot),
        parsed,
        taken_at,
        actor=f"api:{operator.code}",
        scorer=c.occupancy.get(),
    )


@router.delete("/{camera_code}/calibration", status_code=status.HTTP_204_NO_CONTENT)
async def reset_calibration(
    lot_code: str, camera_code: str, session: Session, operator: CurrentOperator, c: AppContainer
) -> Response:
    """Forget the camera's marks and calibration."""
    lot = await lot_for(session, lot_code, operator)
    camera = await service.camera_for(session, lot, camera_code, for_update=True)
    await service.reset_calibration(session, c.clock, lot, camera, actor=f"api:{operator.code}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/{camera_code}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_camera(
    lot_code: str, camera_code: str, session: Session, operator: CurrentOperator, c: AppContainer
) -> Response:
    """Remove the camera with its spaces, marks and calibration."""
    lot = await lot_for(session, lot_code, operator)
    camera = await service.camera_for(session, lot, camera_code, for_update=True)
    await service.delete_camera(session, c.clock, lot, camera, actor=f"api:{operator.code}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{camera_code}/occupancy", response_model=OccupancyOut)
async def read_occupancy(
    lot_code: str,
    camera_code: str,
    snapshot: Snapshot,
    session: Session,
    operator: CurrentOperator,
    c: AppContainer,
) -> OccupancyOut:
    """Which of the camera's spaces are occupied on one snapshot."""
    lot = await lot_for(session, lot_code, operator)
    camera = await service.camera_for(session, lot, camera_code, for_update=True)
    return await service.read_occupancy(
        session, c.clock, camera, await _read(snapshot), c.occupancy.get()
    )
