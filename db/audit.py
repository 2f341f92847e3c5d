"""The audit log: every command and every agency read, append-only (triggers refuse UPDATE and DELETE).

No personal data in `detail`: ids and outcomes, not names.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db._sql import dialect_insert
from db.base import utcnow
from db.models import AuditEntry


async def append_audit(
    *,
    session: AsyncSession,
    action: str,
    actor_id: uuid.UUID | None,
    case_id: uuid.UUID | None,
    update_id: str | None,
    detail: dict[str, Any],
) -> AuditEntry:
    """Append one entry. With an `update_id`, a second entry for the same (update, action) is not
    written: the first one is returned, so a retried activity audits once."""
    stmt = (
        dialect_insert(session, AuditEntry)
        .values(
            at=utcnow(), action=action, actor_id=actor_id, case_id=case_id, update_id=update_id, detail=detail
        )
        .on_conflict_do_nothing()
        .returning(AuditEntry.id)
    )
    entry_id = (await session.execute(stmt)).scalar_one_or_none()
    if entry_id is None:
        found = select(AuditEntry).where(AuditEntry.update_id == update_id, AuditEntry.action == action)
        return (await session.execute(found)).scalar_one()
    return (await session.execute(select(AuditEntry).where(AuditEntry.id == entry_id))).scalar_one()


async def append_read(
    *,
    connection: AsyncConnection,
    action: str,
    actor_id: uuid.UUID | None,
    case_id: uuid.UUID | None,
    detail: dict[str, Any],
) -> None:
    """Append one entry of a read in a single statement on `connection`: on a connection in autocommit,
    written and committed at once (api/services/audit.py, `audit_read`)."""
    values = {"at": utcnow(), "action": action, "actor_id": actor_id, "case_id": case_id, "detail": detail}
    await connection.execute(insert(AuditEntry).values(**values))


async def list_audit_for_case(*, session: AsyncSession, case_id: uuid.UUID) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.at, AuditEntry.id)
    return list((await session.execute(stmt)).scalars())
