"""Proxy passes and proxy payments; the proxy cap counter on stays; proxy settings on lots.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "proxy_passes",
        sa.Column("stay_id", sa.Uuid(), nullable=False),
        sa.Column("asked_amount", sa.BigInteger(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stay_id"], ["stays.id"], name=op.f("fk_proxy_passes_stay_id_stays")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxy_passes")),
    )
    with op.batch_alter_table("proxy_passes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proxy_passes_stay_id"), ["stay_id"], unique=False)

    op.create_table(
        "proxy_payments",
        sa.Column("stay_id", sa.Uuid(), nullable=False),
        sa.Column("pass_id", sa.Uuid(), nullable=False),
        sa.Column("intent_id", sa.Uuid(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("applied_amount", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=False),
        sa.Column("receipt_to", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_proxy_payments_amount_positive")),
        sa.CheckConstraint(
            "applied_amount >= 0 AND refunded_amount >= 0 AND applied_amount + refunded_amount <= amount",
            name=op.f("ck_proxy_payments_settled_within"),
        ),
        sa.ForeignKeyConstraint(
            ["intent_id"],
            ["payment_intents.id"],
            name=op.f("fk_proxy_payments_intent_id_payment_intents"),
        ),
        sa.ForeignKeyConstraint(
            ["pass_id"], ["proxy_passes.id"], name=op.f("fk_proxy_payments_pass_id_proxy_passes")
        ),
        sa.ForeignKeyConstraint(
            ["stay_id"], ["stays.id"], name=op.f("fk_proxy_payments_stay_id_stays")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxy_payments")),
        sa.UniqueConstraint("pass_id", name=op.f("uq_proxy_payments_pass_id")),
    )
    with op.batch_alter_table("proxy_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proxy_payments_stay_id"), ["stay_id"], unique=False)

    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("proxy_min_amount", sa.BigInteger(), server_default="1000", nullable=False)
        )
        batch_op.add_column(
            sa.Column("proxy_pass_minutes", sa.Integer(), server_default="3", nullable=False)
        )

    with op.batch_alter_table("stays", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("proxy_reserved", sa.BigInteger(), server_default="0", nullable=False)
        )
    if op.get_bind().dialect.name == "postgresql":
        # On SQLite the counter is only ever changed by conditional updates that keep it >= 0;
        # adding a CHECK there would mean rebuilding the stays table and its partial index.
        op.create_check_constraint(
            "ck_stays_proxy_reserved_non_negative", "stays", "proxy_reserved >= 0"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("ck_stays_proxy_reserved_non_negative", "stays", type_="check")

    with op.batch_alter_table("stays", schema=None) as batch_op:
        batch_op.drop_column("proxy_reserved")

    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_column("proxy_pass_minutes")
        batch_op.drop_column("proxy_min_amount")

    with op.batch_alter_table("proxy_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proxy_payments_stay_id"))

    op.drop_table("proxy_payments")
    with op.batch_alter_table("proxy_passes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proxy_passes_stay_id"))

    op.drop_table("proxy_passes")
