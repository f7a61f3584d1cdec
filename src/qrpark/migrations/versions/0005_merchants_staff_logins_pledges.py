"""Merchants, their staff and sign-ins, and pledges.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "merchants",
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "rule_kind",
            sa.Enum(
                "first_minutes",
                "up_to_amount",
                "percent",
                name="rulekind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("rule_value", sa.Integer(), nullable=False),
        sa.Column("daily_budget", sa.BigInteger(), nullable=True),
        sa.Column("monthly_budget", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_merchants_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_merchants_operator_id_operators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchants")),
    )
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchants_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchants_operator_id"), ["operator_id"], unique=False)

    op.create_table(
        "merchant_staff",
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_staff_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_staff")),
        sa.UniqueConstraint(
            "merchant_id", "email", name=op.f("uq_merchant_staff_merchant_id_email")
        ),
    )
    with op.batch_alter_table("merchant_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchant_staff_email"), ["email"], unique=False)

    op.create_table(
        "merchant_logins",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["merchant_staff.id"],
            name=op.f("fk_merchant_logins_staff_id_merchant_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_logins")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_merchant_logins_token_hash")),
    )
    op.create_table(
        "merchant_pledges",
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("stay_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("applied_amount", sa.BigInteger(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_pledges_merchant_id_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["merchant_staff.id"],
            name=op.f("fk_merchant_pledges_staff_id_merchant_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["stay_id"], ["stays.id"], name=op.f("fk_merchant_pledges_stay_id_stays")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_pledges")),
        sa.UniqueConstraint(
            "merchant_id", "stay_id", name=op.f("uq_merchant_pledges_merchant_id_stay_id")
        ),
    )
    with op.batch_alter_table("merchant_pledges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_merchant_pledges_applied_at"), ["applied_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_merchant_pledges_merchant_id"), ["merchant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_merchant_pledges_stay_id"), ["stay_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("merchant_pledges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchant_pledges_stay_id"))
        batch_op.drop_index(batch_op.f("ix_merchant_pledges_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_merchant_pledges_applied_at"))

    op.drop_table("merchant_pledges")
    op.drop_table("merchant_logins")
    with op.batch_alter_table("merchant_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchant_staff_email"))

    op.drop_table("merchant_staff")
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchants_operator_id"))
        batch_op.drop_index(batch_op.f("ix_merchants_lot_id"))

    op.drop_table("merchants")
