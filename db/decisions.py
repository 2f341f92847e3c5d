"""Decisions with their maker: to assess, to issue, to approve an exception (the panel's minutes)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db._sql import dialect_insert
from db.base import new_id, utcnow
from db.models import Decision


async def record_decision(
    *,
    session: AsyncSession,
    update_id: str,
    case_id: uuid.UUID,
    kind: str,
    outcome: str,
    decided_on: date,
    actor_id: uuid.UUID,
    reasons: str = "",
) -> Decision:
    """Record a decision once per Temporal update id: a second call with the same `update_id` writes
    nothing and returns the decision already recorded (even if its other arguments differ)."""
    stmt = (
        dialect_insert(session, Decision)
        .values(
            id=new_id(),
            update_id=update_id,
            case_id=case_id,
            kind=kind,
            outcome=outcome,
            decided_on=decided_on,
            actor_id=actor_id,
            reasons=reasons,
            recorded_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )
    await session.execute(stmt)
    return (await session.execute(select(Decision).where(Decision.update_id == update_id))).scalar_one()


async def list_decisions(*, session: AsyncSession, case_id: uuid.UUID) -> list[Decision]:
    stmt = (
        select(Decision)
        .where(Decision.case_id == case_id)
        .order_by(Decision.decided_on, Decision.recorded_at)
    )
    return list((await session.execute(stmt)).scalars())
