"""Use cases for cameras: set one up, draw its spaces, mark snapshots to calibrate it, and read
a snapshot's occupancy with its calibration. Services flush but never commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import anyio
import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.audit.service import record
from qrpark.cameras import repository
from qrpark.cameras.domain import (
    MAX_MARKS,
    CameraKind,
    Mark,
    MarkCounts,
    calibration_state,
)
from qrpark.cameras.models import CalibrationMark, Camera, CameraSpace
from qrpark.cameras.schemas import (
    CalibrationOut,
    CameraCreate,
    CameraOut,
    MarksOut,
    OccupancyOut,
    SpaceIn,
    SpaceOut,
    SpaceRead,
    SpacesReplace,
    check_spaces,
)
from qrpark.kit.clock import Clock
from qrpark.kit.errors import Conflict, InvalidInput, NotFound
from qrpark.lots.models import Lot
from qrpark.lots.service import AreaNotFound
from qrpark.occupancy.calibration import Calibration, CalibrationError, fit_calibration
from qrpark.occupancy.scoring import PatchScorer
from qrpark.occupancy.snapshot import (
    BadSnapshotError,
    cut_spaces,
    decode_patch,
    decode_snapshot,
    encode_patch,
)


class CameraNotFound(NotFound):
    code = "camera_not_found"
    message_en = "There is no camera {code} in this lot."
    message_ko = "이 주차장에 {code} 카메라가 없습니다."


class CameraCodeTaken(Conflict):
    code = "camera_code_taken"
    message_en = "The camera code {code} already exists in this lot."
    message_ko = "이 주차장에 카메라 코드 {code}이(가) 이미 있습니다."


class NotASpaceCamera(Conflict):
    code = "not_a_space_camera"
    message_en = "Camera {code} watches a lane, not spaces."
    message_ko = "{code} 카메라는 주차면이 아니라 차로를 봅니다."


class BadSnapshot(InvalidInput):
    code = "bad_snapshot"
    message_en = "The snapshot cannot be used: {reason}."
    message_ko = "스냅샷을 사용할 수 없습니다: {reason}."


class BadMarks(InvalidInput):
    code = "bad_marks"
    message_en = "The marks cannot be used: {reason}."
    message_ko = "표시를 사용할 수 없습니다: {reason}."


class BadSpaces(InvalidInput):
    code = "bad_spaces"
    message_en = "The spaces cannot be used: {reason}."
    message_ko = "주차면 정보를 사용할 수 없습니다: {reason}."


class CalibrationFull(Conflict):
    code = "calibration_full"
    message_en = (
        "Camera {code} already keeps {kept} marks and at most {limit} are kept; "
        "delete its calibration to start again."
    )
    message_ko = (
        "{code} 카메라에는 이미 표시 {kept}개가 있고 최대 {limit}개까지 보관합니다. "
        "보정을 삭제한 뒤 다시 시작하세요."
    )


def _audit(
    session: AsyncSession,
    clock: Clock,
    lot: Lot,
    camera: Camera,
    actor: str,
    action: str,
    **data: Any,
) -> None:
    record(
        session,
        clock,
        actor=actor,
        action=action,
        entity="camera",
        entity_id=camera.id,
        operator_id=lot.operator_id,
        data={"lot": lot.code, "code": camera.code, **data},
    )


async def camera_for(
    session: AsyncSession, lot: Lot, code: str, *, for_update: bool = False
) -> Camera:
    """The camera ``code`` of ``lot``; ``for_update`` for a change of its spaces or marks (or a
    read that may refit a stale calibration)."""
    camera = await repository.camera_by_code(session, lot.id, code, for_update=for_update)
    if camera is None:
        raise CameraNotFound(code=code)
    return camera


async def _area_ids(
    session: AsyncSession, lot: Lot, spaces: Sequence[SpaceIn]
) -> dict[str, uuid.UUID]:
    wanted = {s.area_code for s in spaces if s.area_code is not None}
    found = await repository.areas_by_code(session, lot.id, wanted)
    missing = sorted(wanted - found.keys())
    if missing:
        raise AreaNotFound(code=", ".join(missing))
    return found


async def create_camera(
    session: AsyncSession, clock: Clock, lot: Lot, data: CameraCreate, actor: str
) -> Camera:
    """Add a camera to ``lot``; a space camera with the spaces it watches."""
    if await repository.camera_by_code(session, lot.id, data.code) is not None:
        raise CameraCodeTaken(code=data.code)
    areas = await _area_ids(session, lot, data.spaces)
    camera = Camera(
        lot_id=lot.id,
        code=data.code,
        name=data.name,
        kind=data.kind,
        lane_direction=data.lane_direction,
        frame_width=data.frame_width,
        frame_height=data.frame_height,
        created_at=clock.now(),
    )
    session.add(camera)
    await session.flush()
    for position, space in enumerate(data.spaces):
        session.add(_space_row(camera, space, position, areas))
    await session.flush()
    _audit(
        session,
        clock,
        lot,
        camera,
        actor,
        "camera.create",
        kind=camera.kind.value,
        spaces=len(data.spaces),
    )
    return camera


def _space_row(
    camera: Camera, space: SpaceIn, position: int, areas: Mapping[str, uuid.UUID]
) -> CameraSpace:
    return CameraSpace(
        camera_id=camera.id,
        label=space.label,
        area_id=None if space.area_code is None else areas[space.area_code],
        polygon=[[float(x), float(y)] for x, y in space.polygon],
        position=position,
    )


def _same_polygon(stored: list[list[float]], given: Sequence[tuple[float, float]]) -> bool:
    return len(stored) == len(given) and all(
        abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6
        for a, b in zip(stored, given, strict=True)
    )


async def replace_spaces(
    session: AsyncSession,
    clock: Clock,
    lot: Lot,
    camera: Camera,
    data: SpacesReplace,
    actor: str,
    scorer: PatchScorer,
) -> Camera:
    """Give a space camera a new set of spaces.

    A space whose label and polygon are unchanged keeps its marks; a space that moved or went
    away loses them (its old patches no longer show it), and the calibration is fitted again
    from the marks that remain.
    """
    _space_camera(camera)
    try:
        check_spaces(data.spaces, camera.frame_width, camera.frame_height)
    except ValueError as exc:
        raise BadSpaces(reason=str(exc)) from exc
    areas = await _area_ids(session, lot, data.spaces)
    old = {space.label: space for space, _ in await repository.spaces(session, camera.id)}
    given = {s.label: s for s in data.spaces}
    gone = [
        row.id
        for label, row in old.items()
        if label not in given or not _same_polygon(row.polygon, given[label].polygon)
    ]
    await repository.delete_spaces(session, gone)
    kept = {label for label, row in old.items() if row.id not in gone}
    for position, space in enumerate(data.spaces):
        if space.label in kept:
            row = old[space.label]
            row.position = position
            row.area_id = None if space.area_code is None else areas[space.area_code]
        else:
            session.add(_space_row(camera, space, position, areas))
    await session.flush()
    await _refit(session, clock, camera, scorer)
    _audit(
        session,
        clock,
        lot,
        camera,
        actor,
        "camera.spaces.replace",
        spaces=len(data.spaces),
        kept=len(kept),
        dropped=len(gone),
    )
    return camera


def _space_camera(camera: Camera) -> None:
    if camera.kind is not CameraKind.SPACE:
        raise NotASpaceCamera(code=camera.code)


async def describe(session: AsyncSession, camera: Camera, scorer: PatchScorer) -> CameraOut:
    spaces = await repository.spaces(session, camera.id)
    calibration = None
    if camera.kind is CameraKind.SPACE:
        calibration = await _calibration_out(session, camera, scorer)
    return CameraOut(
        id=camera.id,
        code=camera.code,
        name=camera.name,
        kind=camera.kind,
        lane_direction=camera.lane_direction,
        frame_width=camera.frame_width,
        frame_height=camera.frame_height,
        spaces=[
            SpaceOut(label=s.label, polygon=[(p[0], p[1]) for p in s.polygon], area_code=code)
            for s, code in spaces
        ],
        calibration=calibration,
        created_at=camera.created_at,
    )


async def _calibration_out(
    session: AsyncSession, camera: Camera, scorer: PatchScorer
) -> CalibrationOut:
    counts = await repository.mark_counts(session, camera.id)
    stored = camera.calibration or {}
    return CalibrationOut(
        state=calibration_state(counts, stored.get("scorer"), scorer.name),
        busy_marks=counts.busy,
        free_marks=counts.free,
        missing=counts.missing(),
        method=stored.get("method"),
        scorer=stored.get("scorer"),
        calibrated_at=camera.calibrated_at,
    )


def _parse_marks(marks: object, labels: set[str]) -> dict[str, Mark]:
    if not isinstance(marks, dict) or not all(isinstance(v, str) for v in marks.values()):
        raise BadMarks(reason='marks must map space labels to "busy" or "free"')
    if not marks:
        raise BadMarks(reason="mark at least one space as busy or free")
    unknown = sorted(set(marks) - labels)
    if unknown:
        raise BadMarks(reason=f"this camera has no space {', '.join(unknown)}")
    parsed: dict[str, Mark] = {}
    for label, value in marks.items():
        try:
            parsed[label] = Mark(value)
        except ValueError as exc:
            raise BadMarks(reason=f"space {label}: {value!r} is neither busy nor free") from exc
    return parsed


async def _cut(
    data: bytes, camera: Camera, polygons: Sequence[list[list[float]]]
) -> tuple[list[np.ndarray], str]:
    def work() -> list[np.ndarray]:
        image = decode_snapshot(data)
        return cut_spaces(image, polygons, (camera.frame_width, camera.frame_height))

    try:
        patches = await anyio.to_thread.run_sync(work)
    except BadSnapshotError as exc:
        raise BadSnapshot(reason=str(exc)) from exc
    return patches, hashlib.sha256(data).hexdigest()


async def mark_snapshot(
    session: AsyncSession,
    clock: Clock,
    lot: Lot,
    camera: Camera,
    snapshot: bytes,
    marks: object,
    taken_at: dt.datetime | None,
    actor: str,
    scorer: PatchScorer,
) -> MarksOut:
    """Keep the operator's marks on one snapshot and fit the camera's calibration again.

    ``marks`` maps space labels to ``busy`` or ``free`` (as decoded from the request's JSON;
    anything else is refused with :class:`BadMarks`).

    Each marked space is cut from the snapshot and kept as a small patch with its mark. The
    same snapshot marked again replaces its earlier marks, so a retried upload or a corrected
    mark never counts twice.
    """
    _space_camera(camera)
    spaces = [s for s, _ in await repository.spaces(session, camera.id)]
    parsed = _parse_marks(marks, {s.label for s in spaces})
    chosen = [s for s in spaces if s.label in parsed]
    patches, digest = await _cut(snapshot, camera, [s.polygon for s in chosen])
    replaced = await repository.delete_snapshot_marks(session, camera.id, digest)
    counts = await repository.mark_counts(session, camera.id)
    if counts.total + len(chosen) > MAX_MARKS:
        raise CalibrationFull(code=camera.code, kept=counts.total, limit=MAX_MARKS)
    now = clock.now()
    for space, patch in zip(chosen, patches, strict=True):
        session.add(
            CalibrationMark(
                camera_id=camera.id,
                space_id=space.id,
                snapshot_sha256=digest,
                busy=parsed[space.label] is Mark.BUSY,
                patch_png=encode_patch(patch),
                taken_at=taken_at,
                marked_by=actor,
                created_at=now,
            )
        )
    await session.flush()
    await _refit(session, clock, camera, scorer)
    _audit(
        session,
        clock,
        lot,
        camera,
        actor,
        "camera.calibration.mark",
        snapshot_sha256=digest,
        busy=sum(1 for m in parsed.values() if m is Mark.BUSY),
        free=sum(1 for m in parsed.values() if m is Mark.FREE),
        replaced=replaced,
    )
    return MarksOut(
        camera=camera.code,
        snapshot_sha256=digest,
        marked=parsed,
        replaced=replaced,
        calibration=await _calibration_out(session, camera, scorer),
    )


async def reset_calibration(
    session: AsyncSession, clock: Clock, lot: Lot, camera: Camera, actor: str
) -> int:
    """Forget every mark and the calibration of ``camera``; returns how many marks went."""
    _space_camera(camera)
    removed = await repository.delete_marks(session, camera.id)
    camera.calibration = None
    camera.calibrated_at = None
    await session.flush()
    _audit(session, clock, lot, camera, actor, "camera.calibration.reset", marks=removed)
    return removed


async def delete_camera(
    session: AsyncSession, clock: Clock, lot: Lot, camera: Camera, actor: str
) -> None:
    """Remove ``camera`` with its spaces, its marks (and their patches) and its calibration."""
    _audit(session, clock, lot, camera, actor, "camera.delete", kind=camera.kind.value)
    await session.delete(camera)
    await session.flush()


def _stored(value: Any) -> Any:
    """``value`` with every float kept to 7 significant digits, as float32 holds them: the row
    stays a third of the size, and it holds no long digit runs (which the card-data guard that
    scans every test database would take for card numbers)."""
    if isinstance(value, float):
        return float(f"{value:.7g}")
    if isinstance(value, dict):
        return {k: _stored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stored(v) for v in value]
    return value


async def _refit(session: AsyncSession, clock: Clock, camera: Camera, scorer: PatchScorer) -> None:
    """Fit the calibration on every kept mark (oldest first), or clear it with too few."""
    rows = await repository.marks(session, camera.id)
    counts = MarkCounts(
        busy=sum(1 for r in rows if r.busy), free=sum(1 for r in rows if not r.busy)
    )
    if not counts.enough:
        camera.calibration = None
        camera.calibrated_at = None
        await session.flush()
        return
    patches = [r.patch_png for r in rows]
    busy = np.array([r.busy for r in rows], dtype=bool)

    def work() -> Calibration:
        try:
            raw = scorer.score([decode_patch(p) for p in patches])
        except BadSnapshotError as exc:
            raise CalibrationError(str(exc)) from exc
        return fit_calibration(
            raw.logits, raw.features, busy, scorer.name, appearance=raw.appearance
        )

    calibration = await anyio.to_thread.run_sync(work)
    camera.calibration = _stored(calibration.to_dict())
    camera.calibrated_at = clock.now()
    await session.flush()


async def read_occupancy(
    session: AsyncSession,
    clock: Clock,
    camera: Camera,
    snapshot: bytes,
    scorer: PatchScorer,
) -> OccupancyOut:
    """Each space's P(occupied) on one snapshot, through the camera's calibration.

    A calibration fitted for another model (the model file changed) is fitted again from the
    stored marks first, so an upgrade never applies stale numbers nor loses the marks.
    """
    _space_camera(camera)
    rows = await repository.spaces(session, camera.id)
    patches, _ = await _cut(snapshot, camera, [s.polygon for s, _ in rows])
    if (await _calibration_out(session, camera, scorer)).state == "stale":
        await _refit(session, clock, camera, scorer)
    calibration = None if camera.calibration is None else Calibration.from_dict(camera.calibration)

    def work() -> tuple[np.ndarray, np.ndarray]:
        raw = scorer.score(patches)
        own = raw.probabilities()
        if calibration is None:
            return own, own
        return calibration.probabilities(raw.logits, raw.features, raw.appearance), own

    probs, raw_probs = await anyio.to_thread.run_sync(work)
    reads = [
        SpaceRead(
            label=space.label,
            area_code=code,
            probability=round(float(p), 4),
            occupied=bool(p >= 0.5),
            raw_probability=round(float(r), 4),
        )
        for (space, code), p, r in zip(rows, probs, raw_probs, strict=True)
    ]
    occupied = sum(1 for r in reads if r.occupied)
    return OccupancyOut(
        camera=camera.code,
        calibrated=calibration is not None,
        scorer=scorer.name,
        spaces=reads,
        occupied=occupied,
        free=len(reads) - occupied,
    )
