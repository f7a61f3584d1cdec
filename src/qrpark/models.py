"""Every table, imported in one place for Alembic and for metadata-wide checks."""

from qrpark.audit.models import AuditEntry
from qrpark.kit.db import Base
from qrpark.lots.models import Area, Lot
from qrpark.operators.models import ApiToken, Operator, StaffUser
from qrpark.tariffs.models import Tariff

__all__ = ["ApiToken", "Area", "AuditEntry", "Base", "Lot", "Operator", "StaffUser", "Tariff"]
