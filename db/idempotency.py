"""Each caller's Idempotency-Keys: the request a key was first used for, and whether it was applied.

Only a hash of a key is stored (`key_hash`, made by the API from the caller's id and the key). The
primary key (user_id, key_hash) is what makes two requests racing with one key safe: the second insert
fails with an IntegrityError, and its caller reads the row the first wrote (api/services/idempotency.py).
As everywhere in `db/`, nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import IdempotencyRecord


async def add_idempotency_key(
    *,
    session: AsyncSession,
    user_id: uuid.UUID,
    key_hash: str,
    method: str,
    route: str,
    path_params: dict[str, str],
    body_sha256: str,
    case_id: uuid.UUID | None,
) -> IdempotencyRecord:
    """Record a key's first use and flush: an IntegrityError if the caller has used the key before
    (or another request with it got there first)."""
    record = IdempotencyRecord(
        user_id=user_id,
        key_hash=key_hash,
        method=method,
        route=route,
        path_params=path_params,
        body_sha256=body_sha256,
        case_id=case_id,
    )
    session.add(record)
    await session.flush()
    return record


async def get_idempotency_key(
    *, session: AsyncSession, user_id: uuid.UUID, key_hash: str
) -> IdempotencyRecord | None:
    """The key's record as the database holds it now (never a copy the session kept)."""
    stmt = (
        select(IdempotencyRecord)
        .where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key_hash == key_hash)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def mark_applied(*, session: AsyncSession, user_id: uuid.UUID, key_hash: str) -> None:
    """Temporal answered that the key's command was applied; the first time it said so is kept."""
    await session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.user_id == user_id,
            IdempotencyRecord.key_hash == key_hash,
            IdempotencyRecord.applied_at.is_(None),
        )
        .values(applied_at=utcnow())
    )
