"""`SendOnce`: one delivery per key within a process, even when sends overlap."""

from __future__ import annotations

import asyncio

import pytest

from notify.base import Delivery, NotifyTemporaryError
from notify.once import SendOnce


async def test_overlapping_sends_of_one_key_run_once_and_share_the_delivery() -> None:
    once = SendOnce()
    calls = 0
    release = asyncio.Event()

    async def send() -> Delivery:
        nonlocal calls
        calls += 1
        await release.wait()
        return Delivery("sent", provider_ref=f"ref-{calls}")

    first = asyncio.create_task(once.run("k", send))
    second = asyncio.create_task(once.run("k", send))
    await asyncio.sleep(0)  # let both reach the point where they wait
    release.set()
    assert await first == await second == Delivery("sent", provider_ref="ref-1")
    assert calls == 1
    assert await once.run("k", send) == Delivery("sent", provider_ref="ref-1")
    assert calls == 1


async def test_a_failed_send_is_not_remembered_and_waiters_see_the_failure() -> None:
    once = SendOnce()
    release = asyncio.Event()

    async def failing() -> Delivery:
        await release.wait()
        raise NotifyTemporaryError("relay down")

    first = asyncio.create_task(once.run("k", failing))
    second = asyncio.create_task(once.run("k", failing))
    await asyncio.sleep(0)
    release.set()
    for task in (first, second):
        with pytest.raises(NotifyTemporaryError, match="relay down"):
            await task
    assert "k" not in once

    async def working() -> Delivery:
        return Delivery("sent")

    assert await once.run("k", working) == Delivery("sent")
    assert "k" in once


async def test_a_cancelled_first_send_asks_waiters_to_retry() -> None:
    once = SendOnce()
    never = asyncio.Event()

    async def hangs() -> Delivery:
        await never.wait()
        return Delivery("sent")

    first = asyncio.create_task(once.run("k", hangs))
    await asyncio.sleep(0)
    second = asyncio.create_task(once.run("k", hangs))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    with pytest.raises(NotifyTemporaryError, match="retry"):
        await second


async def test_the_oldest_keys_are_forgotten_beyond_capacity() -> None:
    once = SendOnce(capacity=2)

    async def send() -> Delivery:
        return Delivery("sent")

    for key in ("a", "b", "c"):
        await once.run(key, send)
    assert "a" not in once
    assert "b" in once
    assert "c" in once
