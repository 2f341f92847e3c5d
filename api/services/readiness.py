"""Readiness: can the API take work now? (issue 9 s.2)

`/api/health` is liveness: the process answers and its database does. Readiness asks more, each part
within the Temporal deadline (`EHCP_TEMPORAL_DEADLINE_SECONDS`) and all three at once: the case database
answers a query, Temporal answers, and a worker has polled the task queue lately. Without a worker, a
command is not taken (503) and a case's reads do not answer, so a load balancer or an operator should
know. What each part says names no host, queue, account or case: it is answered to anyone.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import TaskQueueKind, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest, GetSystemInfoRequest
from temporalio.client import Client
from temporalio.service import RPCError

from api.schemas.health import ReadinessCheck, ReadinessRead
from api.services.temporal import unanswered, within

# A worker long-polls its task queue again as soon as a poll ends, and a poll lasts at most about a
# minute; Temporal goes on listing a poller for minutes after its last poll, so a stopped worker shows
# as a poller whose last poll is older than this.
POLLED_WITHIN = timedelta(minutes=2)


async def check_database(
    sessions: async_sessionmaker[AsyncSession] | None, deadline: timedelta
) -> ReadinessCheck:
    if sessions is None:
        return ReadinessCheck(ready=False, detail="the case database is not connected yet; retry shortly")
    try:
        async with within(deadline), sessions() as session:
            await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError, TimeoutError):
        return ReadinessCheck(
            ready=False,
            detail="the case database does not answer: check it runs and EHCP_DATABASE_URL reaches it",
        )
    return ReadinessCheck(ready=True, detail="the case database answers")


def _temporal_down(what: str) -> ReadinessCheck:
    return ReadinessCheck(
        ready=False,
        detail=f"{what}: check Temporal runs and EHCP_TEMPORAL_ADDRESS reaches it",
    )


async def check_temporal(client: Client | None, deadline: timedelta) -> ReadinessCheck:
    if client is None:
        return _temporal_down("the workflow service is not connected yet")
    try:
        async with within(deadline):
            await client.workflow_service.get_system_info(
                GetSystemInfoRequest(), retry=True, timeout=deadline
            )
    except (RPCError, TimeoutError) as error:
        unanswered(error, call="ready.temporal")
        return _temporal_down("the workflow service does not answer")
    return ReadinessCheck(ready=True, detail="the workflow service answers")


async def check_worker(
    client: Client | None, *, task_queue: str, deadline: timedelta, now: datetime
) -> ReadinessCheck:
    cannot_tell = ReadinessCheck(
        ready=False, detail="cannot tell whether a worker is polling: the workflow service does not answer"
    )
    if client is None:
        return cannot_tell
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    try:
        async with within(deadline):
            described = await client.workflow_service.describe_task_queue(
                request, retry=True, timeout=deadline
            )
    except (RPCError, TimeoutError) as error:
        unanswered(error, call="ready.worker")
        return cannot_tell
    polled = [p.last_access_time.ToDatetime(tzinfo=UTC) for p in described.pollers]
    if any(now - at <= POLLED_WITHIN for at in polled):
        return ReadinessCheck(ready=True, detail="a worker is polling the task queue")
    minutes = int(POLLED_WITHIN.total_seconds() // 60)
    return ReadinessCheck(
        ready=False,
        detail=(
            f"no worker has polled the task queue in the last {minutes} minutes: start `ehcp worker` "
            "with the same EHCP_TASK_QUEUE (commands wait for it and answer 503 until then)"
        ),
    )


async def readiness(
    *,
    sessions: async_sessionmaker[AsyncSession] | None,
    client: Client | None,
    task_queue: str,
    deadline: timedelta,
    now: datetime | None = None,
) -> ReadinessRead:
    """Every part checked at once, each within `deadline`."""
    database, temporal, worker = await asyncio.gather(
        check_database(sessions, deadline),
        check_temporal(client, deadline),
        check_worker(client, task_queue=task_queue, deadline=deadline, now=now or datetime.now(UTC)),
    )
    ready = database.ready and temporal.ready and worker.ready
    return ReadinessRead(
        status="ready" if ready else "not_ready", database=database, temporal=temporal, worker=worker
    )
