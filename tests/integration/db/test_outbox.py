"""The outbox: one message per idempotency key, and its delivery status."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import NotFound
from db.models import OutboxMessage
from db.outbox import add_to_outbox, list_outbox, mark_outbox


def _message(**overrides: Any) -> dict[str, Any]:
    return {
        "case_id": uuid.uuid4(),
        "recipient_kind": "agency",
        "recipient_address": "send@icb.test",
        "recipient_name": "Northshire ICB",
        "template": "advice_request",
        "subject": "Advice requested",
        "body": "Please send your advice by 21 April 2025.",
    } | overrides


async def test_the_same_key_twice_queues_one_message(session: AsyncSession) -> None:
    first = await add_to_outbox(session=session, idempotency_key="case-1/advice/health", **_message())
    again = await add_to_outbox(
        session=session, idempotency_key="case-1/advice/health", **_message(subject="Something else")
    )
    assert again.id == first.id
    assert again.subject == "Advice requested"
    assert (again.status, again.attempts) == ("pending", 0)
    count = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert count == 1


async def test_status_moves_through_sent_and_delivered(session: AsyncSession) -> None:
    await add_to_outbox(session=session, idempotency_key="k", **_message())
    await add_to_outbox(session=session, idempotency_key="other", **_message())
    failed = await mark_outbox(session=session, idempotency_key="k", status="failed", error="timeout")
    assert (failed.status, failed.attempts, failed.last_error, failed.sent_at) == (
        "failed",
        1,
        "timeout",
        None,
    )
    sent = await mark_outbox(session=session, idempotency_key="k", status="sent", provider_ref="notify-123")
    assert (sent.status, sent.attempts, sent.provider_ref, sent.last_error) == ("sent", 2, "notify-123", None)
    assert sent.sent_at is not None
    assert sent.sent_at.tzinfo is not None
    delivered = await mark_outbox(session=session, idempotency_key="k", status="delivered")
    assert (delivered.status, delivered.provider_ref) == ("delivered", "notify-123")
    # A retried activity reporting "sent" after the receipt does not undo the delivery.
    late = await mark_outbox(session=session, idempotency_key="k", status="sent", provider_ref="notify-999")
    assert (late.status, late.attempts, late.provider_ref) == ("delivered", 2, "notify-123")
    assert [m.idempotency_key for m in await list_outbox(session=session)] == ["other"]
    assert [m.idempotency_key for m in await list_outbox(session=session, status="delivered")] == ["k"]


async def test_marking_an_unknown_key_fails(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await mark_outbox(session=session, idempotency_key="nope", status="sent")
