"""The notification outbox: each message once per idempotency key, with its delivery status.

A retried activity adds the same key again and gets the row already there, so nothing is sent twice.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db._sql import dialect_insert
from db.base import new_id, utcnow
from db.errors import InvalidRecord, NotFound
from db.models import OUTBOX_STATUSES, OutboxMessage, OutboxStatus


async def _by_key(session: AsyncSession, idempotency_key: str, *, lock: bool = False) -> OutboxMessage | None:
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.idempotency_key == idempotency_key)
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_to_outbox(
    *,
    session: AsyncSession,
    idempotency_key: str,
    case_id: uuid.UUID | None,
    recipient_kind: str,
    recipient_address: str,
    recipient_name: str,
    template: str,
    subject: str,
    body: str,
) -> OutboxMessage:
    """Queue a message; with a key already queued, write nothing and return the queued message."""
    stmt = (
        dialect_insert(session, OutboxMessage)
        .values(
            id=new_id(),
            idempotency_key=idempotency_key,
            case_id=case_id,
            recipient_kind=recipient_kind,
            recipient_address=recipient_address,
            recipient_name=recipient_name,
            template=template,
            subject=subject,
            body=body,
            status="pending",
            attempts=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )
    await session.execute(stmt)
    message = await _by_key(session, idempotency_key)
    assert message is not None  # inserted above, or already there
    return message


async def mark_outbox(
    *,
    session: AsyncSession,
    idempotency_key: str,
    status: OutboxStatus,
    provider_ref: str | None = None,
    error: str | None = None,
) -> OutboxMessage:
    """Record a send attempt or a delivery receipt.

    `sent` and `failed` after `pending` or `failed` count an attempt; `delivered` is final, so a late
    `sent` from a retried activity does not undo it.
    """
    if status not in OUTBOX_STATUSES:
        raise InvalidRecord(f"unknown outbox status {status!r}")
    message = await _by_key(session, idempotency_key, lock=True)
    if message is None:
        raise NotFound(f"no outbox message with key {idempotency_key!r}")
    if message.status == "delivered":
        return message
    if status in ("sent", "failed") and message.status in ("pending", "failed"):
        message.attempts += 1
    if status == "sent" and message.sent_at is None:
        message.sent_at = utcnow()
    if provider_ref is not None:
        message.provider_ref = provider_ref
    message.last_error = error if status == "failed" else None
    message.status = status
    await session.flush()
    return message


async def list_outbox(
    *, session: AsyncSession, status: OutboxStatus = "pending", limit: int = 100
) -> list[OutboxMessage]:
    """Messages in one status, oldest first (the sender's queue)."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == status)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())
