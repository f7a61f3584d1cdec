"""Cameras through the JSON API: set-up, marks that calibrate a camera, and occupancy reads that
use the stored calibration. The bundled model scores every patch; frames are drawn."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.audit.models import AuditEntry
from qrpark.cameras import service
from qrpark.cameras.models import CalibrationMark, Camera, CameraSpace
from qrpark.kit.db import Database
from qrpark.occupancy.calibration import Calibration
from tests.cameras.conftest import HEIGHT, WIDTH, draw_frame, jpeg, space_polygons

BASE = "/api/v1/lots/gangnam-b/cameras"
PAINTED = frozenset({"A2", "B3"})
MORNING = {"A1", "A3", "A4", "B2", "B5", "B6"}
EVENING = {"A1", "A5", "B1", "B4", "B5", "B6"}


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def camera_body(code: str = "cam-1", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "name": "Row A and B, from the pole",
        "kind": "space",
        "frame_width": WIDTH,
        "frame_height": HEIGHT,
        "spaces": [{"label": k, "polygon": v} for k, v in space_polygons().items()],
    }
    body["spaces"][0]["area_code"] = "B1-A-001"
    body.update(extra)
    return body


async def create(client: httpx.AsyncClient, token: str, **extra: Any) -> httpx.Response:
    return await client.post(BASE, json=camera_body(**extra), headers=auth(token))


async def mark(
    client: httpx.AsyncClient, token: str, image: bytes, marks: dict[str, str], code: str = "cam-1"
) -> httpx.Response:
    return await client.post(
        f"{BASE}/{code}/calibration/marks",
        files={"snapshot": ("snap.jpg", image, "image/jpeg")},
        data={"marks": json.dumps(marks)},
        headers=auth(token),
    )


async def occupancy(
    client: httpx.AsyncClient, token: str, image: bytes, code: str = "cam-1"
) -> httpx.Response:
    return await client.post(
        f"{BASE}/{code}/occupancy",
        files={"snapshot": ("snap.jpg", image, "image/jpeg")},
        headers=auth(token),
    )


async def calibrated_camera(client: httpx.AsyncClient, token: str) -> None:
    """cam-1, calibrated on every space of the morning frame."""
    await create(client, token)
    morning = jpeg(draw_frame(MORNING, 0, painted=PAINTED))
    assert (await mark(client, token, morning, all_marks(MORNING))).status_code == 200


async def stored_camera(session: AsyncSession) -> Camera:
    camera = await session.scalar(select(Camera).where(Camera.code == "cam-1"))
    assert camera is not None
    return camera


def calibration(camera: Camera) -> dict[str, Any]:
    assert camera.calibration is not None
    return camera.calibration


def all_marks(busy: set[str]) -> dict[str, str]:
    return {label: "busy" if label in busy else "free" for label in space_polygons()}


def occupied(read: dict[str, Any]) -> set[str]:
    return {s["label"] for s in read["spaces"] if s["occupied"]}


async def test_a_space_camera_is_created_with_its_spaces_and_no_calibration(
    tokens: dict[str, str], camera_client: httpx.AsyncClient
) -> None:
    created = await create(camera_client, tokens["demo"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert [s["label"] for s in body["spaces"]] == list(space_polygons())
    assert body["spaces"][0]["area_code"] == "B1-A-001"
    assert body["spaces"][1]["area_code"] is None
    assert body["calibration"] == {
        "state": "none",
        "busy_marks": 0,
        "free_marks": 0,
        "missing": {"busy": 5, "free": 5},
        "method": None,
        "scorer": None,
        "calibrated_at": None,
    }
    listed = (await camera_client.get(BASE, headers=auth(tokens["demo"]))).json()
    assert [c["code"] for c in listed] == ["cam-1"]
    again = await create(camera_client, tokens["demo"])
    assert again.status_code == 409
    assert again.json()["error"] == "camera_code_taken"


async def test_marks_calibrate_the_camera_and_later_frames_are_read_through_it(
    tokens: dict[str, str], camera_client: httpx.AsyncClient, db: Database
) -> None:
    token = tokens["demo"]
    await create(camera_client, token)
    evening = jpeg(draw_frame(EVENING, 1, light=0.8, painted=PAINTED))
    before = (await occupancy(camera_client, token, evening)).json()
    assert before["calibrated"] is False
    # the painted bays look like cars to the model until this camera is calibrated
    assert occupied(before) == EVENING | PAINTED

    morning = jpeg(draw_frame(MORNING, 0, painted=PAINTED))
    marked = await mark(camera_client, token, morning, all_marks(MORNING))
    assert marked.status_code == 200, marked.text
    result = marked.json()
    assert result["replaced"] == 0
    assert result["calibration"]["state"] == "calibrated"
    assert (result["calibration"]["busy_marks"], result["calibration"]["free_marks"]) == (6, 6)
    assert result["calibration"]["method"] == "memory"

    after = (await occupancy(camera_client, token, evening)).json()
    assert after["calibrated"] is True
    assert occupied(after) == EVENING
    assert after["occupied"] == 6
    assert after["free"] == 6
    a2 = next(s for s in after["spaces"] if s["label"] == "A2")
    assert a2["raw_probability"] > 0.5 > a2["probability"]

    async with db.transaction() as s:
        camera = await stored_camera(s)
        stored = Calibration.from_dict(calibration(camera))
        assert stored.method == "memory"
        assert len(stored.remembered) == 12
        actions = (
            await s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "camera"))
        ).all()
        assert set(actions) == {"camera.create", "camera.calibration.mark"}


async def test_the_same_snapshot_marked_again_replaces_its_marks(
    tokens: dict[str, str], camera_client: httpx.AsyncClient
) -> None:
    token = tokens["demo"]
    await create(camera_client, token)
    morning = jpeg(draw_frame(MORNING, 0, painted=PAINTED))
    first = await mark(camera_client, token, morning, {"A1": "busy", "A2": "busy"})
    assert first.json()["calibration"]["missing"] == {"busy": 3, "free": 5}
    corrected = (await mark(camera_client, token, morning, {"A1": "busy", "A2": "free"})).json()
    assert corrected["replaced"] == 2
    assert (corrected["calibration"]["busy_marks"], corrected["calibration"]["free_marks"]) == (
        1,
        1,
    )
    assert corrected["calibration"]["state"] == "none"


async def test_too_few_marks_leave_the_camera_uncalibrated(
    tokens: dict[str, str], camera_client: httpx.AsyncClient
) -> None:
    token = tokens["demo"]
    await create(camera_client, token)
    morning = jpeg(draw_frame(MORNING, 0, painted=PAINTED))
    marks = {"A1": "busy", "A3": "busy", "A4": "busy", "B2": "busy", "B5": "busy"}
    marks |= {"A2": "free", "A5": "free", "A6": "free", "B1": "free"}
    result = (await mark(camera_client, token, morning, marks)).json()
    assert result["calibration"]["state"] == "none"
    assert result["calibration"]["missing"] == {"busy": 0, "free": 1}
    read = (await occupancy(camera_client, token, morning)).json()
    assert read["calibrated"] is False


async def test_a_calibration_for_another_model_is_fitted_again_from_the_kept_marks(
    tokens: dict[str, str], camera_client: httpx.AsyncClient, db: Database
) -> None:
    token = tokens["demo"]
    await calibrated_camera(camera_client, token)
    async with db.transaction() as s:
        camera = await stored_camera(s)
        old = dict(calibration(camera), scorer="cnn:000000000000")
        await s.execute(update(Camera).where(Camera.id == camera.id).values(calibration=old))
    shown = (await camera_client.get(f"{BASE}/cam-1", headers=auth(token))).json()
    assert shown["calibration"]["state"] == "stale"
    evening = jpeg(draw_frame(EVENING, 1, light=0.8, painted=PAINTED))
    read = (await occupancy(camera_client, token, evening)).json()
    assert read["calibrated"] is True
    assert occupied(read) == EVENING
    shown = (await camera_client.get(f"{BASE}/cam-1", headers=auth(token))).json()
    assert shown["calibration"]["state"] == "calibrated"
    assert shown["calibration"]["scorer"] == read["scorer"]


async def test_a_snapshot_at_another_resolution_of_the_same_shape_is_scaled(
    tokens: dict[str, str], camera_client: httpx.AsyncClient
) -> None:
    import cv2

    token = tokens["demo"]
    await create(camera_client, token)
    frame = draw_frame(EVENING, 1)
    half = cv2.resize(frame, (WIDTH // 2, HEIGHT // 2), interpolation=cv2.INTER_AREA)
    read = await occupancy(camera_client, token, jpeg(half))
    assert read.status_code == 200, read.text
    assert occupied(read.json()) == EVENING
    squeezed = cv2.resize(frame, (WIDTH, HEIGHT // 2))
    refused = await occupancy(camera_client, token, jpeg(squeezed))
    assert refused.status_code == 422
    assert refused.json()["error"] == "bad_snapshot"
    assert "640×360" in refused.json()["message"]


async def test_spaces_replaced_keep_the_marks_of_spaces_that_did_not_move(
    tokens: dict[str, str], camera_client: httpx.AsyncClient, db: Database
) -> None:
    token = tokens["demo"]
    await calibrated_camera(camera_client, token)
    polygons = space_polygons()
    moved = [[x + 4, y] for x, y in polygons["A1"]]
    spaces = [{"label": "A1", "polygon": moved}] + [
        {"label": k, "polygon": v} for k, v in polygons.items() if k not in ("A1", "A2")
    ]
    replaced = await camera_client.put(
        f"{BASE}/cam-1/spaces", json={"spaces": spaces}, headers=auth(token)
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert [s["label"] for s in body["spaces"]] == [s["label"] for s in spaces]
    assert body["spaces"][1]["area_code"] is None
    # A1 (busy) moved and A2 (free) went: their marks went with them; ten stay, still enough
    assert (body["calibration"]["busy_marks"], body["calibration"]["free_marks"]) == (5, 5)
    assert body["calibration"]["state"] == "calibrated"
    async with db.transaction() as s:
        camera = await stored_camera(s)
        assert len(calibration(camera)["remembered"]) == 10
    # without B6 (busy) too, four busy marks are too few: the calibration goes, the marks stay
    fewer = [s for s in spaces if s["label"] != "B6"]
    body = (
        await camera_client.put(f"{BASE}/cam-1/spaces", json={"spaces": fewer}, headers=auth(token))
    ).json()
    assert (body["calibration"]["busy_marks"], body["calibration"]["free_marks"]) == (4, 5)
    assert body["calibration"]["state"] == "none"
    read = (await occupancy(camera_client, token, jpeg(draw_frame(EVENING, 1)))).json()
    assert read["calibrated"] is False
    outside = [{"label": "Z1", "polygon": [[600, 300], [700, 300], [700, 350], [600, 350]]}]
    bad = await camera_client.put(
        f"{BASE}/cam-1/spaces", json={"spaces": outside}, headers=auth(token)
    )
    assert bad.status_code == 422
    assert bad.json()["error"] == "bad_spaces"


async def test_deleting_the_calibration_forgets_every_mark(
    tokens: dict[str, str], camera_client: httpx.AsyncClient, db: Database
) -> None:
    token = tokens["demo"]
    await calibrated_camera(camera_client, token)
    deleted = await camera_client.delete(f"{BASE}/cam-1/calibration", headers=auth(token))
    assert deleted.status_code == 204
    shown = (await camera_client.get(f"{BASE}/cam-1", headers=auth(token))).json()
    assert shown["calibration"]["state"] == "none"
    assert shown["calibration"]["busy_marks"] == shown["calibration"]["free_marks"] == 0
    async with db.transaction() as s:
        assert (await s.scalars(select(CalibrationMark))).all() == []


async def test_the_marks_a_camera_keeps_are_bounded(
    tokens: dict[str, str], camera_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "MAX_MARKS", 20)
    token = tokens["demo"]
    await create(camera_client, token)
    await mark(camera_client, token, jpeg(draw_frame(MORNING, 0)), all_marks(MORNING))
    # marking the same snapshot again replaces, so it never hits the bound
    assert (
        await mark(camera_client, token, jpeg(draw_frame(MORNING, 0)), all_marks(MORNING))
    ).status_code == 200
    full = await mark(camera_client, token, jpeg(draw_frame(EVENING, 1)), all_marks(EVENING))
    assert full.status_code == 409
    assert full.json()["error"] == "calibration_full"
    shown = (await camera_client.get(f"{BASE}/cam-1", headers=auth(token))).json()
    assert shown["calibration"]["busy_marks"] + shown["calibration"]["free_marks"] == 12


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"kind": "lane"}, "lane_direction"),
        ({"kind": "lane", "lane_direction": "entry"}, "not spaces"),
        ({"lane_direction": "exit"}, "only a lane camera"),
        ({"frame_width": 320}, "outside the 320×360 frame"),
        (
            {"spaces": [{"label": "X", "polygon": [[0, 0], [50, 50], [100, 0], [50, 100]]}]},
            "concave",
        ),
        ({"spaces": [{"label": "X", "polygon": [[0, 0], [9, 0], [9, 9]]}]}, "at least 4"),
        (
            {"spaces": [{"label": "X", "polygon": [[0, 0], [9, 0], [9, 9], [0, 9]]}] * 2},
            "unique",
        ),
    ],
)
async def test_a_camera_that_cannot_be_is_refused_with_the_reason(
    tokens: dict[str, str], camera_client: httpx.AsyncClient, change: dict[str, Any], needle: str
) -> None:
    refused = await create(camera_client, tokens["demo"], **change)
    assert refused.status_code == 422
    assert needle in refused.text


async def test_marks_that_cannot_be_used_are_refused_and_nothing_is_kept(
    tokens: dict[str, str], camera_client: httpx.AsyncClient, db: Database
) -> None:
    token = tokens["demo"]
    await create(camera_client, token)
    image = jpeg(draw_frame(MORNING, 0))
    cases = [
        ({"A1": "busy", "Q9": "free"}, "no space Q9"),
        ({"A1": "parked"}, "neither busy nor free"),
        ({}, "at least one space"),
    ]
    for marks, needle in cases:
        refused = await mark(camera_client, token, image, marks)
        assert refused.status_code == 422
        assert refused.json()["error"] == "bad_marks"
        assert needle in refused.json()["message"]
    not_json = await camera_client.post(
        f"{BASE}/cam-1/calibration/marks",
        files={"snapshot": ("snap.jpg", image, "image/jpeg")},
        data={"marks": "A1=busy"},
        headers=auth(token),
    )
    assert not_json.status_code == 422
    assert "not JSON" in not_json.json()["message"]
    not_an_image = await mark(camera_client, token, b"GIF89a not really", {"A1": "busy"})
    assert not_an_image.status_code == 422
    assert not_an_image.json()["error"] == "bad_snapshot"
    async with db.transaction() as s:
        assert (await s.scalars(select(CalibrationMark))).all() == []


async def test_cameras_belong_to_the_lot_s_operator(
    tokens: dict[str, str], camera_client: httpx.AsyncClient
) -> None:
    await create(camera_client, tokens["demo"])
    assert (await camera_client.get(BASE)).status_code == 401
    other = await camera_client.get(f"{BASE}/cam-1", headers=auth(tokens["other"]))
    assert other.status_code == 403
    assert (await create(camera_client, tokens["other"], code="cam-2")).status_code == 403
    missing = await camera_client.get(f"{BASE}/cam-9", headers=auth(tokens["demo"]))
    assert missing.status_code == 404
    assert missing.json()["error"] == "camera_not_found"
    unknown_area = camera_body("cam-3")
    unknown_area["spaces"][1]["area_code"] = "NOPE"
    refused = await camera_client.post(BASE, json=unknown_area, headers=auth(tokens["demo"]))
    assert refused.status_code == 404
    assert refused.json()["error"] == "area_not_found"


async def test_a_lane_camera_has_no_spaces_to_calibrate(
    tokens: dict[str, str], camera_client: httpx.AsyncClient
) -> None:
    token = tokens["demo"]
    lane = await create(
        camera_client, token, code="gate-in", kind="lane", lane_direction="entry", spaces=[]
    )
    assert lane.status_code == 201, lane.text
    assert lane.json()["calibration"] is None
    refused = await mark(
        camera_client, token, jpeg(draw_frame(MORNING, 0)), {"A1": "busy"}, "gate-in"
    )
    assert refused.status_code == 409
    assert refused.json()["error"] == "not_a_space_camera"


async def test_deleting_a_camera_removes_its_spaces_and_kept_patches(
    tokens: dict[str, str], camera_client: httpx.AsyncClient, db: Database
) -> None:
    token = tokens["demo"]
    await calibrated_camera(camera_client, token)
    other = await camera_client.delete(f"{BASE}/cam-1", headers=auth(tokens["other"]))
    assert other.status_code == 403
    deleted = await camera_client.delete(f"{BASE}/cam-1", headers=auth(token))
    assert deleted.status_code == 204
    gone = await camera_client.get(f"{BASE}/cam-1", headers=auth(token))
    assert gone.status_code == 404
    async with db.transaction() as s:
        assert (await s.scalars(select(CalibrationMark))).all() == []
        assert (await s.scalars(select(CameraSpace))).all() == []
        actions = (
            await s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "camera"))
        ).all()
        assert "camera.delete" in actions
