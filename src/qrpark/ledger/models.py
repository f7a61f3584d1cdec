from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from qrpark.kit.db import Base, IdMixin


class Account(IdMixin, Base):
    """A ledger account, named by a code such as ``stay:<id>:receivable`` or ``gateway:sandbox``."""

    __tablename__ = "ledger_accounts"

    code: Mapped[str] = mapped_column(String(120), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[dt.datetime]


class JournalEntry(IdMixin, Base):
    """An entry's header. Inserted after its lines; the database refuses it if they do not balance."""

    __tablename__ = "journal_entries"

    at: Mapped[dt.datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # A business reference such as "charge:<intent id>": the same movement can never post twice.
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("journal_entries.id"))
    memo: Mapped[str | None] = mapped_column(String(400))


class JournalLine(IdMixin, Base):
    __tablename__ = "journal_lines"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("journal_entries.id", deferrable=True, initially="DEFERRED"), index=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    #: Signed minor units: positive debits, negative credits.
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
