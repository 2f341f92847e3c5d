"""`FakeNotifier`: what activity tests rely on (recording, idempotency, failing on demand)."""

from __future__ import annotations

import pytest

from notify.base import Notifier, NotifyPermanentError, NotifyTemporaryError
from notify.fake import FakeNotifier

from .messages import email


async def test_records_each_key_once_and_returns_the_same_delivery() -> None:
    fake = FakeNotifier()
    first = await fake.send(email("a"))
    again = await fake.send(email("a"))
    await fake.send(email("b", case_ref="assessment-77aa"))

    assert again == first
    assert [m.idempotency_key for m in fake.sent] == ["a", "b"]
    assert [m.idempotency_key for m in fake.sent_for_case("assessment-77aa")] == ["b"]
    assert fake.attempts == 3


async def test_fails_the_next_sends_then_delivers_like_a_retried_activity() -> None:
    fake: Notifier = FakeNotifier()
    assert isinstance(fake, FakeNotifier)
    fake.fail_next(2)

    for _ in range(2):
        with pytest.raises(NotifyTemporaryError):
            await fake.send(email())
    delivery = await fake.send(email())

    assert delivery.status == "delivered"
    assert len(fake.sent) == 1
    assert fake.attempts == 3


async def test_fails_with_the_error_it_is_given() -> None:
    fake = FakeNotifier()
    fake.fail_next(error=NotifyPermanentError("address refused"))

    with pytest.raises(NotifyPermanentError, match="address refused"):
        await fake.send(email())
    assert fake.sent == []
