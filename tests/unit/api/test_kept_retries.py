"""The dashboard's cases waiting for a retry: one visibility call for the managers who open it together,
kept for RETRIES_SECONDS, and asked again at once after Temporal did not answer."""

from __future__ import annotations

import asyncio

from api.pages.dashboard import RETRIES_SECONDS, KeptRetries, Retries, Waiting
from api.pages.words import read_again


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_managers_at_once_share_one_call_and_it_is_kept_for_a_while() -> None:
    clock, asked = Clock(), 0
    answer: Retries = ([Waiting("assessment-1", None, "record_case")], False)

    async def ask() -> Retries:
        nonlocal asked
        asked += 1
        await asyncio.sleep(0.01)
        return answer

    kept = KeptRetries(clock=clock)
    assert await asyncio.gather(*(kept.get(ask) for _ in range(20))) == [answer] * 20
    assert asked == 1
    clock.now += RETRIES_SECONDS - 1
    assert await kept.get(ask) == answer
    assert asked == 1
    clock.now += 1
    assert await kept.get(ask) == answer
    assert asked == 2


async def test_an_unanswered_call_is_not_kept() -> None:
    answers: list[Retries] = [None, ([], False)]

    async def ask() -> Retries:
        return answers.pop(0)

    kept = KeptRetries(clock=Clock())
    assert await kept.get(ask) is None
    assert await kept.get(ask) == ([], False)
    assert answers == []


async def test_a_request_that_leaves_does_not_stop_the_others_call() -> None:
    release = asyncio.Event()

    async def ask() -> Retries:
        await release.wait()
        return ([], True)

    kept = KeptRetries(clock=Clock())
    leaving = asyncio.create_task(kept.get(ask))
    staying = asyncio.create_task(kept.get(ask))
    await asyncio.sleep(0)
    leaving.cancel()
    release.set()
    assert await staying == ([], True)


def test_the_dashboard_says_how_often_its_counts_are_read_again() -> None:
    assert read_again(300) == "read again every 5 minutes"
    assert read_again(60) == "read again every minute"
    assert read_again(90) == "read again every 90 seconds"
    assert read_again(0) == "read again on every visit"
