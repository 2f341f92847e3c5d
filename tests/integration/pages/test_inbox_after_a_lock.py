"""An agency's inbox is shown when the audit line's write had to be tried again (a locked SQLite): the
rows already read are not lost with the rolled-back try (bench/pages.py found 26 of 300 answered 500).
On SQLite the line is written alone, in autocommit, on a connection of its own (api/services/audit.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.services import audit
from db.audit import append_audit, append_read
from db.models import AuditEntry
from tests.integration.api.test_advice import assessed_case

from .conftest import People, Temporal, signed_in


@pytest.fixture
async def icb_inbox(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> httpx.AsyncClient:
    """The health agency's user signed in, with a request for its advice in their inbox."""
    await assessed_case(api, people, temporal, sessions)
    await signed_in(browser, sessions, "icb")
    return browser


async def test_the_inbox_survives_a_retried_audit_line(
    icb_inbox: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = icb_inbox
    tries: list[str] = []

    async def locked_once(**line: Any) -> Any:
        tries.append(line["action"])
        if len(tries) == 1:
            raise OperationalError("INSERT INTO audit_log", {}, Exception("database is locked"))
        return await append_audit(**line)

    async def read_locked_once(**line: Any) -> None:
        tries.append(line["action"])
        if len(tries) == 1:
            raise OperationalError("INSERT INTO audit_log", {}, Exception("database is locked"))
        await append_read(**line)

    monkeypatch.setattr(audit, "append_audit", locked_once)
    monkeypatch.setattr(audit, "append_read", read_locked_once)
    inbox = await browser.get("/inbox")
    assert inbox.status_code == 200, inbox.text[-500:]
    assert tries == ["agency.advice_requests.listed"] * 2  # refused once, then written
    assert "Medical" in inbox.text


async def test_on_sqlite_the_line_is_written_alone_and_committed(
    icb_inbox: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = icb_inbox
    alone: list[bool] = []

    async def watched(**line: Any) -> None:
        connection = line["connection"]
        raw = await connection.get_raw_connection()
        alone.append(raw.driver_connection.isolation_level is None)  # sqlite3's autocommit
        await append_read(**line)

    monkeypatch.setattr(audit, "append_read", watched)
    assert (await browser.get("/inbox")).status_code == 200
    async with sessions() as session:
        dialect = session.get_bind().dialect.name
        listed = await session.scalar(
            select(func.count()).where(AuditEntry.action == "agency.advice_requests.listed")
        )
    assert alone == ([True] if dialect == "sqlite" else [])
    assert listed == 1  # committed: another session reads it
