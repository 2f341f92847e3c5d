"""`/api/ready` (issue 9 s.2): 200 when the case database, Temporal and a worker on the task queue are all
there; 503 naming the part that is not, and what to do. No sign-in, and nothing in it names a host,
queue, account or case. `/api/health` stays liveness: it does not ask Temporal.

Stand-ins for Temporal give each answer; the last test asks the real dev server, before and after a
worker polls.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.taskqueue.v1 import PollerInfo
from temporalio.api.workflowservice.v1 import (
    DescribeTaskQueueRequest,
    DescribeTaskQueueResponse,
    GetSystemInfoRequest,
    GetSystemInfoResponse,
)
from temporalio.client import Client
from temporalio.service import RPCStatusCode

from api.app import create_app
from core.settings import Settings
from db.engine import make_engine, make_session_factory
from tests.integration.test_dev_server import connected, running_dev_server
from worker.main import running_worker

from .conftest import LA_CODE
from .test_temporal_unavailable import Unreachable

DEADLINE = timedelta(seconds=3)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ehcp.db'}",
        la_code=LA_CODE,
        task_queue=f"tq-{uuid.uuid4()}",
        temporal_deadline_seconds=DEADLINE.total_seconds(),
        outbox_dir=tmp_path / "outbox",
    )


@dataclass
class Polled:
    """A Temporal that answers, whose task queue's pollers last polled at `polled`."""

    polled: list[datetime]
    namespace: str = "default"
    asked: list[tuple[str, Any]] = field(default_factory=list)  # (call, its timeout)
    queues: list[str] = field(default_factory=list)

    @property
    def workflow_service(self) -> Polled:
        return self

    async def get_system_info(
        self, request: GetSystemInfoRequest, *, retry: bool, timeout: timedelta
    ) -> GetSystemInfoResponse:
        self.asked.append(("get_system_info", timeout))
        return GetSystemInfoResponse()

    async def describe_task_queue(
        self, request: DescribeTaskQueueRequest, *, retry: bool, timeout: timedelta
    ) -> DescribeTaskQueueResponse:
        self.asked.append(("describe_task_queue", timeout))
        self.queues.append(request.task_queue.name)
        pollers = []
        for at in self.polled:
            stamp = Timestamp()
            stamp.FromDatetime(at)
            pollers.append(PollerInfo(last_access_time=stamp, identity="1234@worker-host"))
        return DescribeTaskQueueResponse(pollers=pollers)


async def ready(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], temporal: object
) -> httpx.Response:
    app = create_app(settings, client=cast(Client, temporal), session_factory=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ehcp.test") as api:
        return await api.get("/api/ready")


def assert_reveals_nothing(answer: httpx.Response, settings: Settings) -> None:
    for secret in (settings.task_queue, settings.temporal_address, "worker-host", str(settings.database_url)):
        assert secret not in answer.text, secret


async def test_ready_when_the_database_temporal_and_a_worker_are_all_there(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    temporal = Polled(polled=[datetime.now(UTC) - timedelta(seconds=30)])
    answer = await ready(settings, sessions, temporal)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ready"
    assert [body[part]["ready"] for part in ("database", "temporal", "worker")] == [True, True, True]
    assert temporal.queues == [settings.task_queue]
    # Each call has the deadline of the settings.
    assert temporal.asked == [("get_system_info", DEADLINE), ("describe_task_queue", DEADLINE)]
    assert_reveals_nothing(answer, settings)


@pytest.mark.parametrize(
    "polled",
    [[], [datetime.now(UTC) - timedelta(minutes=5)]],
    ids=["no worker ever", "a worker that stopped polling"],
)
async def test_not_ready_without_a_worker_polling_and_says_to_start_one(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], polled: list[datetime]
) -> None:
    answer = await ready(settings, sessions, Polled(polled=polled))
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "5"
    body = answer.json()
    assert body["status"] == "not_ready"
    assert body["database"]["ready"] is True
    assert body["temporal"]["ready"] is True
    assert body["worker"]["ready"] is False
    assert "ehcp worker" in body["worker"]["detail"]
    assert_reveals_nothing(answer, settings)


async def test_not_ready_when_temporal_does_not_answer(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    answer = await ready(settings, sessions, Unreachable(RPCStatusCode.UNAVAILABLE))
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert (body["database"]["ready"], body["temporal"]["ready"], body["worker"]["ready"]) == (
        True,
        False,
        False,
    )
    assert "EHCP_TEMPORAL_ADDRESS" in body["temporal"]["detail"]
    assert "cannot tell" in body["worker"]["detail"]


async def test_not_ready_when_the_database_does_not_answer(settings: Settings, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-such-folder' / 'ehcp.db'}")
    try:
        answer = await ready(settings, make_session_factory(engine), Polled(polled=[datetime.now(UTC)]))
    finally:
        await engine.dispose()
        # aiosqlite opens a connection on a thread of its own, which hands the failure back to this
        # test's event loop: give it the moment it takes before the loop closes (seen once in CI: else
        # the next test's setup fails on "Event loop is closed" from that thread).
        await asyncio.sleep(0.2)
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["database"]["ready"] is False
    assert "EHCP_DATABASE_URL" in body["database"]["detail"]
    assert (body["temporal"]["ready"], body["worker"]["ready"]) == (True, True)


async def test_health_stays_liveness_and_does_not_ask_temporal(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    app = create_app(
        settings, client=cast(Client, Unreachable(RPCStatusCode.UNAVAILABLE)), session_factory=sessions
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ehcp.test") as api:
        assert (await api.get("/api/health")).json() == {"status": "ok"}


async def test_ready_on_the_dev_server_once_a_worker_polls(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    with running_dev_server(tmp_path) as address:
        live = settings.model_copy(update={"temporal_address": address})
        client = await connected(live)
        app = create_app(live, client=client, session_factory=sessions)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ehcp.test") as api:
            before = await api.get("/api/ready")
            assert before.status_code == 503, before.text
            assert before.json()["temporal"]["ready"] is True
            assert before.json()["worker"]["ready"] is False

            async with running_worker(live, client=client):
                for _ in range(60):  # the worker's first poll reaches the server soon after it starts
                    after = await api.get("/api/ready")
                    if after.status_code == 200:
                        break
                    await asyncio.sleep(0.5)
            assert after.status_code == 200, after.text
            assert after.json()["worker"]["ready"] is True
