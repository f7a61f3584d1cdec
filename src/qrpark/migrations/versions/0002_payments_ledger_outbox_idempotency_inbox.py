"""Payments, the double-entry ledger, the outbox, idempotency keys and the webhook inbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "inbox_messages",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_messages")),
        sa.UniqueConstraint(
            "source", "external_id", name=op.f("uq_inbox_messages_source_external_id")
        ),
    )
    op.create_table(
        "journal_entries",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("memo", sa.String(length=400), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["journal_entries.id"],
            name=op.f("fk_journal_entries_reverses_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("reference", name=op.f("uq_journal_entries_reference")),
    )
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_entries_at"), ["at"], unique=False)

    op.create_table(
        "ledger_accounts",
        sa.Column("code", sa.String(length=120), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_ledger_accounts_code")),
    )
    op.create_table(
        "outbox_jobs",
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_jobs_dedupe_key")),
    )
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_jobs_run_after"), ["run_after"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_jobs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_jobs_topic"), ["topic"], unique=False)

    op.create_table(
        "journal_lines",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_journal_lines_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_journal_lines_entry_id_journal_entries"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_lines")),
    )
    with op.batch_alter_table("journal_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journal_lines_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_journal_lines_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "payment_methods",
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("owner_ref", sa.String(length=120), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("billing_key", sa.String(length=200), nullable=False),
        sa.Column("brand", sa.String(length=20), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_payment_methods_operator_id_operators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_methods")),
        sa.UniqueConstraint("billing_key", name=op.f("uq_payment_methods_billing_key")),
    )
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_methods_operator_id"), ["operator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_methods_owner_ref"), ["owner_ref"], unique=False
        )

    op.create_table(
        "card_registrations",
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("owner_ref", sa.String(length=120), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("remote_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("failure_code", sa.String(length=60), nullable=True),
        sa.Column("return_to", sa.String(length=500), nullable=True),
        sa.Column("payment_method_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_card_registrations_operator_id_operators"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_method_id"],
            ["payment_methods.id"],
            name=op.f("fk_card_registrations_payment_method_id_payment_methods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_registrations")),
        sa.UniqueConstraint("remote_id", name=op.f("uq_card_registrations_remote_id")),
    )
    op.create_table(
        "payment_intents",
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("charge", "checkout", name="intentkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "succeeded",
                "failed",
                "ambiguous",
                "refunded",
                name="intentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("payment_method_id", sa.Uuid(), nullable=True),
        sa.Column("account", sa.String(length=120), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("gateway_payment_id", sa.String(length=200), nullable=True),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=False),
        sa.Column("failure_code", sa.String(length=60), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_intents_amount_positive")),
        sa.CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= amount",
            name=op.f("ck_payment_intents_refund_within"),
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_payment_intents_operator_id_operators")
        ),
        sa.ForeignKeyConstraint(
            ["payment_method_id"],
            ["payment_methods.id"],
            name=op.f("fk_payment_intents_payment_method_id_payment_methods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_intents")),
        sa.UniqueConstraint("reference", name=op.f("uq_payment_intents_reference")),
    )
    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_intents_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_intents_operator_id"), ["operator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_payment_intents_status"), ["status"], unique=False)

    op.create_table(
        "refunds",
        sa.Column("intent_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        sa.Column("gateway_refund_id", sa.String(length=200), nullable=True),
        sa.Column("failure", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["intent_id"], ["payment_intents.id"], name=op.f("fk_refunds_intent_id_payment_intents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint("reference", name=op.f("uq_refunds_reference")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refunds_intent_id"), ["intent_id"], unique=False)

    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "payment_gateway", sa.String(length=20), server_default="sandbox", nullable=False
            )
        )

    # The ledger keeps itself honest: an entry's header is inserted after its lines, and the
    # database refuses a header whose lines do not balance per currency; nothing is ever updated
    # or deleted.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION qrpark_check_entry_balanced() RETURNS trigger AS $$
            BEGIN
                IF (SELECT count(*) FROM journal_lines WHERE entry_id = NEW.id) < 2 THEN
                    RAISE EXCEPTION 'journal entry % has fewer than two lines', NEW.id;
                END IF;
                IF EXISTS (SELECT 1 FROM journal_lines WHERE entry_id = NEW.id
                           GROUP BY currency HAVING sum(amount) <> 0) THEN
                    RAISE EXCEPTION 'journal entry % does not balance', NEW.id;
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER journal_entries_balanced BEFORE INSERT ON journal_entries "
            "FOR EACH ROW EXECUTE FUNCTION qrpark_check_entry_balanced()"
        )
        for table in ("journal_entries", "journal_lines"):
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION qrpark_refuse_change()"
            )
    else:
        op.execute(
            """
            CREATE TRIGGER journal_entries_balanced BEFORE INSERT ON journal_entries
            WHEN (SELECT count(*) FROM journal_lines WHERE entry_id = NEW.id) < 2
              OR EXISTS (SELECT 1 FROM journal_lines WHERE entry_id = NEW.id
                         GROUP BY currency HAVING sum(amount) <> 0)
            BEGIN SELECT RAISE(ABORT, 'journal entry does not balance'); END
            """
        )
        for table in ("journal_entries", "journal_lines"):
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{event} on {table} is not allowed: the table is append-only'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("journal_entries", "journal_lines"):
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP TRIGGER journal_entries_balanced ON journal_entries")
        op.execute("DROP FUNCTION qrpark_check_entry_balanced()")
    else:
        op.execute("DROP TRIGGER journal_entries_balanced")
        for table in ("journal_entries", "journal_lines"):
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{event}")

    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.drop_column("payment_gateway")

    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refunds_intent_id"))

    op.drop_table("refunds")
    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_intents_status"))
        batch_op.drop_index(batch_op.f("ix_payment_intents_operator_id"))
        batch_op.drop_index(batch_op.f("ix_payment_intents_created_at"))

    op.drop_table("payment_intents")
    op.drop_table("card_registrations")
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_methods_owner_ref"))
        batch_op.drop_index(batch_op.f("ix_payment_methods_operator_id"))

    op.drop_table("payment_methods")
    with op.batch_alter_table("journal_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_lines_entry_id"))
        batch_op.drop_index(batch_op.f("ix_journal_lines_account_id"))

    op.drop_table("journal_lines")
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_jobs_topic"))
        batch_op.drop_index(batch_op.f("ix_outbox_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_outbox_jobs_run_after"))

    op.drop_table("outbox_jobs")
    op.drop_table("ledger_accounts")
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_entries_at"))

    op.drop_table("journal_entries")
    op.drop_table("inbox_messages")
    op.drop_table("idempotency_keys")
