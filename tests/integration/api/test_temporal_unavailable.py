"""Nothing waits for ever on Temporal (issue 9 s.2): with no worker, a command is answered 503 within the
deadline the settings give (`EHCP_TEMPORAL_DEADLINE_SECONDS`) and says to retry with the same key; with
Temporal unreachable, every route answers JSON 503 with `Retry-After`, never a 500.

A time-skipping Temporal with a worker the test stops, so the case exists and then nobody takes its
work; its client records the deadline each call was given. No test measures time: each asserts the
deadline passed, and a guard fails a call that would otherwise never answer (today's code).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    QueryWorkflowInput,
    StartWorkflowUpdateInput,
    StartWorkflowUpdateWithStartInput,
    WorkflowUpdateHandle,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.statute import StatuteActivities
from api.app import create_app
from api.errors import ApiError
from api.services.idempotency import hashed_key
from api.services.temporal import query_workflow, start_case
from core.settings import Settings
from core.temporal import data_converter, register_search_attributes
from tests.workflows.conftest import Fakes
from workflows.advice.workflow import AdviceRequestWorkflow
from workflows.assessment.messages import AssessmentStart, AssessmentState
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.ids import assessment_workflow_id
from workflows.plan.workflow import PlanWorkflow

from .conftest import LA_CODE, TEST_SERVER, People, new_request

DEADLINE = timedelta(seconds=1)
TODAY = date(2025, 3, 3)
T = TypeVar("T")


async def guarded(call: Awaitable[T]) -> T:
    """A call that must answer; one that never would (no deadline) fails the test instead of hanging it."""
    return await asyncio.wait_for(call, timeout=120)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ehcp.db'}",
        la_code=LA_CODE,
        task_queue=f"tq-{uuid.uuid4()}",
        temporal_deadline_seconds=DEADLINE.total_seconds(),
    )


class Deadlines(Interceptor):
    """Records the deadline (`rpc_timeout`) of every update, update-with-start and query the API makes."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, timedelta | None]] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Recording(next, self.seen)


class _Recording(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, seen: list[tuple[str, timedelta | None]]) -> None:
        super().__init__(next)
        self.seen = seen

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> WorkflowUpdateHandle[Any]:
        self.seen.append(("update", input.rpc_timeout))
        return await super().start_workflow_update(input)

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> WorkflowUpdateHandle[Any]:
        self.seen.append(("update_with_start", input.rpc_timeout))
        return await super().start_update_with_start_workflow(input)

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        self.seen.append(("query", input.rpc_timeout))
        return await super().query_workflow(input)


@dataclass
class Lane:
    env: WorkflowEnvironment
    client: Client  # the API's: records each call's deadline
    api: httpx.AsyncClient
    settings: Settings
    deadlines: Deadlines
    fakes: Fakes = field(default_factory=Fakes)

    @asynccontextmanager
    async def worker(self) -> AsyncIterator[None]:
        """The case's worker, running until the block ends."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
            async with Worker(
                self.env.client,
                task_queue=self.settings.task_queue,
                workflows=[AssessmentWorkflow, AdviceRequestWorkflow, PlanWorkflow],
                activities=[*self.fakes.activities(), StatuteActivities().compute_timeline],
                activity_executor=executor,
                # No sticky queue: the time-skipping server would keep offering the case to a stopped
                # worker's, and the next worker would never see it.
                max_cached_workflows=0,
            ):
                yield

    def seen(self, kind: str) -> list[timedelta | None]:
        return [deadline for call, deadline in self.deadlines.seen if call == kind]


@pytest.fixture
async def lane(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], people: People
) -> AsyncIterator[Lane]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=data_converter(settings)
    )
    async with env:
        await register_search_attributes(env.client)
        deadlines = Deadlines()
        config = env.client.config()
        config["interceptors"] = [deadlines]
        client = Client(**config)
        app = create_app(settings, client=client, session_factory=sessions)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://ehcp.test"
        ) as api:
            yield Lane(env=env, client=client, api=api, settings=settings, deadlines=deadlines)


async def open_case(lane: Lane, people: People) -> str:
    today = (await lane.env.get_current_time()).date()
    async with lane.worker():
        created = await lane.api.post(
            "/api/requests", json=new_request(today), headers=people.caseworker.command()
        )
    assert created.status_code == 201, created.text
    case_id: str = created.json()["case_id"]
    return case_id


async def test_a_command_with_the_worker_down_is_not_taken_then_taken_on_retry(
    lane: Lane, people: People
) -> None:
    case_id = await open_case(lane, people)
    today = (await lane.env.get_current_time()).date().isoformat()
    withdraw: dict[str, Any] = {
        "json": {"withdrawn_on": today},
        "headers": people.caseworker.command("withdraw-1"),
    }

    refused = await guarded(lane.api.post(f"/api/cases/{case_id}/withdrawal", **withdraw))

    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/")
    assert refused.headers["Retry-After"] == "5"
    detail = refused.json()["detail"]
    assert "not applied yet" in detail, detail
    assert "same Idempotency-Key" in detail, detail
    assert lane.seen("update") == [DEADLINE]  # the setting, not the client's default of none

    # The worker is back: retried with the same key, as the answer says, the command is taken once and
    # answers its result. Temporal first offers the case to the stopped worker (its sticky queue), so
    # the first retries may still be told to come back.
    async with lane.worker():
        for _ in range(30):
            taken = await guarded(lane.api.post(f"/api/cases/{case_id}/withdrawal", **withdraw))
            if taken.status_code != 503:
                break
    assert taken.status_code == 200, taken.text
    assert taken.json()["state"]["stage"] == "withdrawn"
    assert set(lane.seen("update")) == {DEADLINE}
    withdrawn = [d.update_id for d in lane.fakes.decisions if d.kind == "withdrawn"]
    assert withdrawn == [hashed_key(user_id=people.caseworker.id, key="withdraw-1")]  # once


async def test_a_create_request_and_a_read_with_the_worker_down_answer_within_their_deadline(
    lane: Lane,
) -> None:
    today = (await lane.env.get_current_time()).date()
    case_id = uuid.uuid4()
    start = AssessmentStart.model_validate(
        {**new_request(today), "case_id": case_id, "la_code": LA_CODE, "actor_id": uuid.uuid4()}
    )
    with pytest.raises(ApiError) as created:
        await guarded(
            start_case(
                client=lane.client,
                start=start,
                task_queue=lane.settings.task_queue,
                request_id="create-1",
                deadline=DEADLINE,
            )
        )
    assert created.value.status_code == 503
    assert "same Idempotency-Key" in created.value.detail
    assert lane.seen("update_with_start") == [DEADLINE]

    with pytest.raises(ApiError) as read:
        await guarded(
            query_workflow(
                client=lane.client,
                workflow_id=assessment_workflow_id(case_id),
                result_type=AssessmentState,
                deadline=DEADLINE,
            )
        )
    assert read.value.status_code == 503
    assert read.value.headers["Retry-After"] == "5"
    assert lane.seen("query") == [DEADLINE]


async def test_a_command_with_temporal_gone_answers_json_503(lane: Lane, people: People) -> None:
    case_id = await open_case(lane, people)
    today = (await lane.env.get_current_time()).date().isoformat()
    await lane.env.shutdown()  # the server stops; the API's client stays, as after a crash

    answer = await guarded(
        lane.api.post(
            f"/api/cases/{case_id}/withdrawal",
            json={"withdrawn_on": today},
            headers=people.caseworker.command(),
        )
    )

    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "5"
    assert "same Idempotency-Key" in answer.json()["detail"]


class Unreachable:
    """A Temporal client whose every service call fails with `status`, as a server that is down, slow or
    answering something unexpected does."""

    namespace = "default"

    def __init__(self, status: RPCStatusCode) -> None:
        self.status = status

    def get_workflow_handle(self, workflow_id: str) -> Unreachable:
        return self

    @property
    def workflow_service(self) -> Unreachable:
        return self

    def __getattr__(self, name: str) -> Any:
        async def call(*args: Any, **kwargs: Any) -> Any:
            raise RPCError("tcp connect error", self.status, b"")

        return call


@pytest.mark.parametrize(
    "status",
    [RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.INTERNAL],
    ids=lambda status: status.name,
)
async def test_every_route_that_asks_temporal_answers_json_503_when_it_cannot(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], people: People, status: RPCStatusCode
) -> None:
    app = create_app(settings, client=cast(Client, Unreachable(status)), session_factory=sessions)
    case_id = uuid.uuid4()
    caseworker = people.caseworker
    calls: dict[str, tuple[str, str, dict[str, Any]]] = {
        "create": ("POST", "/api/requests", {"json": new_request(TODAY)}),
        "command": (
            "POST",
            f"/api/cases/{case_id}/withdrawal",
            {"json": {"withdrawn_on": TODAY.isoformat()}},
        ),
        "read case": ("GET", f"/api/cases/{case_id}", {}),
        "read plan": ("GET", f"/api/plans/{case_id}", {}),
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ehcp.test") as api:
        for name, (method, url, extra) in calls.items():
            answer = await api.request(method, url, headers=caseworker.command(), **extra)
            assert answer.status_code == 503, (name, answer.text)
            assert answer.headers["content-type"].startswith("application/"), name
            assert answer.headers["Retry-After"] == "5", name
            assert answer.json()["detail"], name


async def test_a_temporal_failure_no_service_answered_is_still_json_503(settings: Settings) -> None:
    """The exception handlers' net (api/errors.py): an RPCError that escapes a route is no plain 500."""
    app = create_app(settings, client=cast(Client, Unreachable(RPCStatusCode.UNAVAILABLE)))

    @app.get("/api/escapes")
    async def escapes() -> None:
        raise RPCError("tcp connect error", RPCStatusCode.UNAVAILABLE, b"")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ehcp.test") as api:
        answer = await api.get("/api/escapes")
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "5"
    assert "retry" in answer.json()["detail"]
