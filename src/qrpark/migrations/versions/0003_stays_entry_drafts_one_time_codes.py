"""Stays, their events, entry drafts and one-time codes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "one_time_codes",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_codes")),
    )
    with op.batch_alter_table("one_time_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_one_time_codes_phone"), ["phone"], unique=False)

    op.create_table(
        "entry_drafts",
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("plate_kind", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("registration_id", sa.Uuid(), nullable=True),
        sa.Column("stay_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_entry_drafts_area_id_areas")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_entry_drafts_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_entry_drafts_operator_id_operators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_drafts")),
    )
    op.create_table(
        "stays",
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("plate_kind", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("payment_method_id", sa.Uuid(), nullable=True),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "closed",
                "paid",
                "unpaid",
                name="staystatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "entry_source",
            sa.Enum(
                "qr", "camera", "driver", "operator", name="source", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("exited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "exit_source",
            sa.Enum(
                "qr", "camera", "driver", "operator", name="source", native_enum=False, length=20
            ),
            nullable=True,
        ),
        sa.Column("tariff_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=True),
        sa.Column("fee_lines", sa.JSON(), nullable=True),
        sa.Column("proxy_applied", sa.BigInteger(), nullable=False),
        sa.Column("merchant_applied", sa.BigInteger(), nullable=False),
        sa.Column("driver_charged", sa.BigInteger(), nullable=False),
        sa.Column("charge_attempts", sa.Integer(), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_stays_area_id_areas")),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_stays_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_stays_operator_id_operators")
        ),
        sa.ForeignKeyConstraint(
            ["payment_method_id"],
            ["payment_methods.id"],
            name=op.f("fk_stays_payment_method_id_payment_methods"),
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"], ["tariffs.id"], name=op.f("fk_stays_tariff_id_tariffs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stays")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_stays_access_token_hash")),
    )
    with op.batch_alter_table("stays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stays_entered_at"), ["entered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_stays_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stays_operator_id"), ["operator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stays_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_stays_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_stays_open_plate",
            ["plate"],
            unique=True,
            sqlite_where=sa.text("exited_at IS NULL"),
            postgresql_where=sa.text("exited_at IS NULL"),
        )

    op.create_table(
        "stay_events",
        sa.Column("stay_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stay_id"], ["stays.id"], name=op.f("fk_stay_events_stay_id_stays")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stay_events")),
    )
    with op.batch_alter_table("stay_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stay_events_stay_id"), ["stay_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("stay_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stay_events_stay_id"))

    op.drop_table("stay_events")
    with op.batch_alter_table("stays", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_stays_open_plate",
            sqlite_where=sa.text("exited_at IS NULL"),
            postgresql_where=sa.text("exited_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_stays_status"))
        batch_op.drop_index(batch_op.f("ix_stays_phone"))
        batch_op.drop_index(batch_op.f("ix_stays_operator_id"))
        batch_op.drop_index(batch_op.f("ix_stays_lot_id"))
        batch_op.drop_index(batch_op.f("ix_stays_entered_at"))

    op.drop_table("stays")
    op.drop_table("entry_drafts")
    with op.batch_alter_table("one_time_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_one_time_codes_phone"))

    op.drop_table("one_time_codes")
