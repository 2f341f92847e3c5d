"""The audit line written after a command never changes the command's answer (issue 9 s.2): applied is
200 and refused is 409 even when the case database cannot take the line, which is then logged with its
ids (api/services/audit.py). An agency's read is the other way round: no audit line, no data (503).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator, MutableMapping
from contextlib import AsyncExitStack, contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from structlog.testing import capture_logs

from api.services import audit as audit_service
from core.settings import Settings

from .conftest import People, Temporal
from .test_cases import open_case


class Locked:
    """`append_audit` as it fails when the database stays locked; counts the tries."""

    def __init__(self) -> None:
        self.tries = 0

    async def __call__(self, **_: Any) -> None:
        self.tries += 1
        raise OperationalError(
            "INSERT INTO audit_log ...", {}, sqlite3.OperationalError("database is locked")
        )


def unwritten(logs: list[MutableMapping[str, Any]]) -> list[str]:
    return [line["action"] for line in logs if line["event"] == "audit.unwritten"]


async def test_a_command_is_answered_though_its_audit_line_cannot_be_written(
    api: httpx.AsyncClient, people: People, temporal: Temporal, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = Locked()
    monkeypatch.setattr(audit_service, "append_audit", locked)
    today = (await temporal.today()).isoformat()
    with capture_logs() as logs:
        case_id = await open_case(api, people, temporal)
        withdrawn = await api.post(
            f"/api/cases/{case_id}/withdrawal",
            json={"withdrawn_on": today},
            headers=people.caseworker.command(),
        )
        again = await api.post(
            f"/api/cases/{case_id}/withdrawal",
            json={"withdrawn_on": today},
            headers=people.caseworker.command(),
        )

    assert withdrawn.status_code == 200, withdrawn.text  # applied by the workflow: so answered
    assert withdrawn.json()["state"]["stage"] == "withdrawn"
    assert again.status_code == 409, again.text  # a refusal stays a refusal
    assert unwritten(logs) == ["command.acknowledge_request", "command.withdraw", "command.withdraw.refused"]
    assert locked.tries == 3 * audit_service.ATTEMPTS  # each line tried again before it is logged
    line = next(line for line in logs if line["event"] == "audit.unwritten")
    assert str(line["case_id"]) == case_id
    assert line["actor_id"] == people.caseworker.id
    assert line["error"] == "OperationalError"
    assert "Ada" not in repr(logs)  # ids, never the child's name


async def test_an_agency_read_is_refused_when_its_audit_line_cannot_be_written(
    api: httpx.AsyncClient, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = Locked()
    monkeypatch.setattr(audit_service, "append_audit", locked)
    monkeypatch.setattr(audit_service, "append_read", locked)  # SQLite's: the line written alone
    answer = await api.get("/api/advice-requests", headers=people.health.auth)
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "5"
    assert "retry" in answer.json()["detail"]
    assert locked.tries == audit_service.ATTEMPTS


@contextmanager
def write_lock(settings: Settings) -> Iterator[None]:
    """Another process's write transaction on the SQLite file, held until the block ends."""
    holder = sqlite3.connect(make_url(settings.database_url).database or "", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


async def test_a_held_write_lock_refuses_an_agency_read_briefly_then_lets_it_through(
    api: httpx.AsyncClient, people: People, settings: Settings
) -> None:
    if not settings.database_url.startswith("sqlite"):
        return  # the write lock of a whole file is SQLite's
    with write_lock(settings):
        refused = await api.get("/api/advice-requests", headers=people.health.auth)
    assert refused.status_code == 503, refused.text  # each try waited LOCK_WAIT, not SQLite's 30 s
    assert (await api.get("/api/advice-requests", headers=people.health.auth)).status_code == 200


async def test_a_held_write_lock_refuses_a_command_briefly_and_each_connection_gets_its_wait_back(
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id = await open_case(api, people, temporal)
    today = (await temporal.today()).isoformat()
    withdraw: dict[str, Any] = {"json": {"withdrawn_on": today}, "headers": people.caseworker.command()}
    with capture_logs() as logs, write_lock(settings):
        refused = await api.post(f"/api/cases/{case_id}/withdrawal", **withdraw)
    # The command's Idempotency-Key is recorded before it goes to Temporal (issue 9 s.3): a database that
    # cannot take it within a few seconds refuses the command, nothing applied, and the retry applies it.
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"]
    assert [line["event"] for line in logs if line["event"].startswith("idempotency.")] == [
        "idempotency.unrecorded"
    ]
    withdrawn = await api.post(f"/api/cases/{case_id}/withdrawal", **withdraw)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["state"]["stage"] == "withdrawn"

    # Every pooled connection waits the engine's 30 s again for the next writer (db/engine.py).
    async with AsyncExitStack() as stack:
        held = [await stack.enter_async_context(sessions()) for _ in range(5)]
        waits = await asyncio.gather(*(s.execute(text("PRAGMA busy_timeout")) for s in held))
    assert [wait.scalar_one() for wait in waits] == [30000] * 5
