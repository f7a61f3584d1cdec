"""Every table, imported in one place for Alembic and for metadata-wide checks."""

from qrpark.audit.models import AuditEntry
from qrpark.kit.db import Base
from qrpark.kit.idempotency import IdempotencyRecord
from qrpark.kit.inbox import InboxMessage
from qrpark.kit.outbox import OutboxJob
from qrpark.ledger.models import Account, JournalEntry, JournalLine
from qrpark.lots.models import Area, Lot
from qrpark.operators.models import ApiToken, Operator, StaffUser
from qrpark.payments.models import CardRegistration, PaymentIntent, PaymentMethod, Refund
from qrpark.proxy.models import ProxyPass, ProxyPayment
from qrpark.stays.models import EntryDraft, OneTimeCode, Stay, StayEvent
from qrpark.tariffs.models import Tariff

__all__ = [
    "Account",
    "ApiToken",
    "Area",
    "AuditEntry",
    "Base",
    "CardRegistration",
    "EntryDraft",
    "IdempotencyRecord",
    "InboxMessage",
    "JournalEntry",
    "JournalLine",
    "Lot",
    "OneTimeCode",
    "Operator",
    "OutboxJob",
    "PaymentIntent",
    "PaymentMethod",
    "ProxyPass",
    "ProxyPayment",
    "Refund",
    "StaffUser",
    "Stay",
    "StayEvent",
    "Tariff",
]
