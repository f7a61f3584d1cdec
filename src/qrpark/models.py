"""Every table, imported in one place for Alembic and for metadata-wide checks."""

from qrpark.audit.models import AuditEntry
from qrpark.cameras.models import CalibrationMark, Camera, CameraSpace
from qrpark.kit.db import Base
from qrpark.kit.idempotency import IdempotencyRecord
from qrpark.kit.inbox import InboxMessage
from qrpark.kit.outbox import OutboxJob
from qrpark.ledger.models import Account, JournalEntry, JournalLine
from qrpark.lots.models import Area, Lot
from qrpark.merchants.models import Merchant, MerchantLogin, MerchantStaff, Pledge
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
    "CalibrationMark",
    "Camera",
    "CameraSpace",
    "CardRegistration",
    "EntryDraft",
    "IdempotencyRecord",
    "InboxMessage",
    "JournalEntry",
    "JournalLine",
    "Lot",
    "Merchant",
    "MerchantLogin",
    "MerchantStaff",
    "OneTimeCode",
    "Operator",
    "OutboxJob",
    "PaymentIntent",
    "PaymentMethod",
    "Pledge",
    "ProxyPass",
    "ProxyPayment",
    "Refund",
    "StaffUser",
    "Stay",
    "StayEvent",
    "Tariff",
]
