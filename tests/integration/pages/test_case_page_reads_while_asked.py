"""The case page asks the workflow for its state while it reads the read model, not after (issue 10 s.8):
under load the worker's answer takes tens of milliseconds that the page's own reads can fill."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import api.pages.cases as case_pages
from api.services.clock import today_in_england
from db.case_file import case_trail
from tests.integration.api.conftest import project

from .conftest import signed_in


async def test_the_state_is_asked_while_the_case_file_is_read(
    browser: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sessions() as session:
        case_id = await project(session, received_on=today_in_england() - timedelta(days=3))
        await session.commit()
    read_the_trail = asyncio.Event()

    async def trail_then_say(**kwargs: Any) -> Any:
        found = await case_trail(**kwargs)
        read_the_trail.set()
        return found

    async def state_once_the_trail_is_read(*, client: Any, case_id: uuid.UUID, deadline: timedelta) -> None:
        # Asked first and answered last: a page that awaited this before its reads would never read them.
        await asyncio.wait_for(read_the_trail.wait(), timeout=5)

    monkeypatch.setattr(case_pages, "case_trail", trail_then_say)
    monkeypatch.setattr(case_pages, "live_state", state_once_the_trail_is_read)
    await signed_in(browser, sessions, "cw")
    page = await browser.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "Ada Example" in page.text


async def test_a_read_that_fails_leaves_no_question_behind(
    browser: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sessions() as session:
        case_id = await project(session, received_on=today_in_england() - timedelta(days=3))
        await session.commit()
    asked: list[asyncio.Task[Any]] = []

    async def never_answered(*, client: Any, case_id: uuid.UUID, deadline: timedelta) -> None:
        task = asyncio.current_task()
        assert task is not None
        asked.append(task)
        await asyncio.sleep(10)  # answered only long after the read failed

    async def broken(**kwargs: Any) -> Any:
        await asyncio.sleep(0)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(case_pages, "live_state", never_answered)
    monkeypatch.setattr(case_pages, "case_notices", broken)
    await signed_in(browser, sessions, "cw")
    with pytest.raises(RuntimeError, match="the database went away"):  # the app's 500, raised to the test
        await browser.get(f"/cases/{case_id}")
    [task] = asked
    await asyncio.sleep(0)
    assert task.cancelled()
