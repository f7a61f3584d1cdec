"""Cameras, the spaces they watch, and the marks that calibrate them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("lane", "space", name="camerakind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "lane_direction",
            sa.Enum("entry", "exit", "both", name="lanedirection", native_enum=False, length=20),
            nullable=True,
        ),
        sa.Column("frame_width", sa.Integer(), nullable=False),
        sa.Column("frame_height", sa.Integer(), nullable=False),
        sa.Column("calibration", sa.JSON(), nullable=True),
        sa.Column("calibrated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'lane') = (lane_direction IS NOT NULL)",
            name=op.f("ck_cameras_lane_direction_for_lanes"),
        ),
        sa.CheckConstraint(
            "frame_width > 0 AND frame_height > 0", name=op.f("ck_cameras_frame_size")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_cameras_lot_id_lots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
        sa.UniqueConstraint("lot_id", "code", name=op.f("uq_cameras_lot_id_code")),
    )
    op.create_table(
        "camera_spaces",
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=True),
        sa.Column("polygon", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_camera_spaces_area_id_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_camera_spaces_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_spaces")),
        sa.UniqueConstraint("camera_id", "label", name=op.f("uq_camera_spaces_camera_id_label")),
    )
    with op.batch_alter_table("camera_spaces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_spaces_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_camera_spaces_camera_id"), ["camera_id"], unique=False)

    op.create_table(
        "camera_calibration_marks",
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.Column("busy", sa.Boolean(), nullable=False),
        sa.Column("patch_png", sa.LargeBinary(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("marked_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_camera_calibration_marks_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["camera_spaces.id"],
            name=op.f("fk_camera_calibration_marks_space_id_camera_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_calibration_marks")),
        sa.UniqueConstraint(
            "space_id",
            "snapshot_sha256",
            name=op.f("uq_camera_calibration_marks_space_id_snapshot_sha256"),
        ),
    )
    with op.batch_alter_table("camera_calibration_marks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_camera_calibration_marks_camera_id"), ["camera_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_camera_calibration_marks_space_id"), ["space_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("camera_calibration_marks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_calibration_marks_space_id"))
        batch_op.drop_index(batch_op.f("ix_camera_calibration_marks_camera_id"))

    op.drop_table("camera_calibration_marks")
    with op.batch_alter_table("camera_spaces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_spaces_camera_id"))
        batch_op.drop_index(batch_op.f("ix_camera_spaces_area_id"))

    op.drop_table("camera_spaces")
    op.drop_table("cameras")
