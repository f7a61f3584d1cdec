"""Cameras at the edge: what the API accepts and returns."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qrpark.cameras.domain import CameraKind, LaneDirection, Mark
from qrpark.lots.schemas import Code
from qrpark.occupancy.crop import BadPolygonError, normalise_polygon

#: Spaces one camera may watch: a wide view of a lot holds a few dozen.
MAX_SPACES = 200

Point = tuple[float, float]


class SpaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Code
    polygon: list[Point] = Field(
        min_length=4,
        max_length=4,
        description="Four (x, y) points in frame pixels; the first is the space's top-left as "
        "its patch is cut, the rest follow round the space.",
    )
    area_code: str | None = Field(default=None, min_length=1, max_length=40)

    @model_validator(mode="after")
    def _convex(self) -> Self:
        try:
            normalise_polygon(self.polygon)
        except BadPolygonError as exc:
            msg = f"space {self.label}: {exc}"
            raise ValueError(msg) from exc
        return self


def check_spaces(spaces: list[SpaceIn], width: int, height: int) -> None:
    labels = [s.label for s in spaces]
    if len(set(labels)) != len(labels):
        msg = "space labels must be unique within a camera"
        raise ValueError(msg)
    for space in spaces:
        for x, y in space.polygon:
            if not (0 <= x <= width and 0 <= y <= height):
                msg = (
                    f"space {space.label}: point ({x}, {y}) lies outside the {width}×{height} frame"
                )
                raise ValueError(msg)


class CameraCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    kind: CameraKind
    lane_direction: LaneDirection | None = None
    frame_width: int = Field(ge=16, le=8192)
    frame_height: int = Field(ge=16, le=8192)
    spaces: list[SpaceIn] = Field(default_factory=list, max_length=MAX_SPACES)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind is CameraKind.LANE:
            if self.lane_direction is None:
                msg = "a lane camera needs lane_direction (entry, exit or both)"
                raise ValueError(msg)
            if self.spaces:
                msg = "a lane camera watches a lane, not spaces"
                raise ValueError(msg)
        elif self.lane_direction is not None:
            msg = "only a lane camera has a lane_direction"
            raise ValueError(msg)
        check_spaces(self.spaces, self.frame_width, self.frame_height)
        return self


class SpacesReplace(BaseModel):
    """The whole new set of a space camera's spaces (polygons in its frame coordinates)."""

    model_config = ConfigDict(extra="forbid")

    spaces: list[SpaceIn] = Field(min_length=1, max_length=MAX_SPACES)


class SpaceOut(BaseModel):
    label: str
    polygon: list[Point]
    area_code: str | None


class CalibrationOut(BaseModel):
    state: str = Field(
        description="none (too few marks), calibrated, or stale (fitted for "
        "another model; fitted again from the stored marks at the next read)"
    )
    busy_marks: int
    free_marks: int
    missing: dict[str, int] = Field(description="More marks of each class needed to calibrate.")
    method: str | None = None
    scorer: str | None = None
    calibrated_at: dt.datetime | None = None


class CameraOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: CameraKind
    lane_direction: LaneDirection | None
    frame_width: int
    frame_height: int
    spaces: list[SpaceOut]
    calibration: CalibrationOut | None = Field(default=None, description="Space cameras only.")
    created_at: dt.datetime


class SpaceRead(BaseModel):
    label: str
    area_code: str | None
    probability: float = Field(description="P(occupied), calibrated when the camera is.")
    occupied: bool
    raw_probability: float = Field(description="The model's P(occupied) before calibration.")


class OccupancyOut(BaseModel):
    camera: str
    calibrated: bool
    scorer: str
    spaces: list[SpaceRead]
    occupied: int
    free: int


class MarksOut(BaseModel):
    camera: str
    snapshot_sha256: str
    marked: dict[str, Mark]
    replaced: int = Field(description="Earlier marks of this same snapshot that these replace.")
    calibration: CalibrationOut
