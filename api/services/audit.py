"""Every command and every agency read is audited (docs/architecture.md): ids, never names."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Principal
from db.audit import append_audit


async def audit(
    *,
    session: AsyncSession,
    user: Principal,
    action: str,
    case_id: uuid.UUID | None = None,
    update_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit line and commit it with whatever the session already holds."""
    await append_audit(
        session=session,
        action=action,
        actor_id=user.id,
        case_id=case_id,
        update_id=update_id,
        detail={"role": user.role, **(detail or {})},
    )
    await session.commit()
