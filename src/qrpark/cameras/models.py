from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.cameras.domain import CameraKind, LaneDirection
from qrpark.kit.db import Base, IdMixin, str_enum


class Camera(IdMixin, Base):
    """A CCTV camera of a lot. Space cameras carry polygons and, once marked, a calibration."""

    __tablename__ = "cameras"
    __table_args__ = (
        UniqueConstraint("lot_id", "code"),
        CheckConstraint("frame_width > 0 AND frame_height > 0", name="frame_size"),
        CheckConstraint(
            "(kind = 'lane') = (lane_direction IS NOT NULL)", name="lane_direction_for_lanes"
        ),
    )

    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CameraKind] = mapped_column(str_enum(CameraKind))
    lane_direction: Mapped[LaneDirection | None] = mapped_column(str_enum(LaneDirection))
    # The size of the frames the polygons are drawn on, in pixels.
    frame_width: Mapped[int] = mapped_column(Integer)
    frame_height: Mapped[int] = mapped_column(Integer)
    # Calibration.to_dict() of the occupancy model, fitted on this camera's marked patches.
    calibration: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    calibrated_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


class CameraSpace(IdMixin, Base):
    """One parking space as a camera sees it: a four-point polygon in its frame coordinates."""

    __tablename__ = "camera_spaces"
    __table_args__ = (UniqueConstraint("camera_id", "label"),)

    camera_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(40))
    # The area (QR sign) this space is, where the lot has one per space.
    area_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("areas.id", ondelete="SET NULL"), index=True
    )
    # [[x, y], ...] four points, clockwise from the space's top-left as the patch is cut.
    polygon: Mapped[list[list[float]]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer)


class CalibrationMark(IdMixin, Base):
    """An operator's mark on one space of one snapshot, with the patch it was cut to.

    The patch (64×64 PNG, far too small to read a plate) is kept so that the calibration can be
    fitted again when the model changes, without asking for new marks.
    """

    __tablename__ = "camera_calibration_marks"
    __table_args__ = (UniqueConstraint("space_id", "snapshot_sha256"),)

    camera_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), index=True
    )
    space_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("camera_spaces.id", ondelete="CASCADE"), index=True
    )
    # The same snapshot marked again replaces its marks (a retry, or a correction).
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    busy: Mapped[bool] = mapped_column(Boolean)
    patch_png: Mapped[bytes] = mapped_column(LargeBinary)
    taken_at: Mapped[dt.datetime | None]
    marked_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]
