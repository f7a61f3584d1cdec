"""Writing the audit log. Called by services inside their own unit of work."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from qrpark.audit.models import AuditEntry
from qrpark.kit.clock import Clock


def record(
    session: AsyncSession,
    clock: Clock,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | uuid.UUID | None = None,
    operator_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one audit entry to the session; it commits with the change it describes."""
    entry = AuditEntry(
        at=clock.now(),
        operator_id=operator_id,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        data=data or {},
    )
    session.add(entry)
    return entry
