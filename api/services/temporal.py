"""Commands and queries on case workflows, with Temporal's failures turned into the API's errors.

The API names workflows, queries and updates as `workflows/common/ids.py` and each command message's
`update_name` do; it never imports a workflow class.

Nothing waits for ever (issue 9): every call here has a deadline, `EHCP_TEMPORAL_DEADLINE_SECONDS`. It is
each RPC's own timeout, and it also bounds the whole call, since the client retries an unreachable
server (for about 6 s) and polls an update again and again until it has an outcome. A command waits for
its update to be *accepted* (the workflow's validator passed it and it is in the history) and then for
its result, and the answer says which of the two did not come in time:

- not accepted: 503 with `Retry-After`. The command is not applied yet. The server may hold it until the
  worker is back and the case may take it then, so the caller retries with the same Idempotency-Key:
  the update's id, which is never applied twice and answers the command's result.
- accepted, not finished: 504 with `Retry-After`. It will be applied; the same key answers its result.

A Temporal that does not answer at all (down, unreachable, or answering an unexpected status) is a 503
with `Retry-After` on every route, never a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WithStartWorkflowOperation,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError, Conflict, NotFound, NotTaken, TimedOut, Unavailable, refusal
from core.logging import get_logger
from core.settings import Settings
from workflows.assessment.messages import AssessmentStart, AssessmentState
from workflows.common.ids import (
    ACKNOWLEDGE_PLAN,
    ACKNOWLEDGE_REQUEST,
    ASSESSMENT_WORKFLOW,
    PLAN_WORKFLOW,
    STATE_QUERY,
    assessment_workflow_id,
    plan_workflow_id,
)
from workflows.common.messages import Command, Stage
from workflows.plan.messages import PlanStart, PlanState

log = get_logger(__name__)

# What a caller that does not pass the setting gets: the setting's own default.
DEFAULT_DEADLINE = timedelta(seconds=Settings.model_fields["temporal_deadline_seconds"].default)
RETRY_AFTER = {"Retry-After": "5"}  # seconds: a worker restarting, a server failing over

# How a call ends when Temporal does not answer by its deadline, or not at all.
UNANSWERED = (RPCError, RPCTimeoutOrCancelledError, TimeoutError)


@asynccontextmanager
async def within(deadline: timedelta) -> AsyncIterator[None]:
    """The whole of a call, retries and polls included, ends by `deadline` (TimeoutError)."""
    async with asyncio.timeout(deadline.total_seconds()):
        yield


def _seconds(deadline: timedelta) -> str:
    return f"{deadline.total_seconds():g} s"


def unanswered(error: BaseException, *, call: str) -> None:
    """Log a Temporal call that got no answer: its status, never a payload."""
    status = error.status.name if isinstance(error, RPCError) else type(error).__name__
    log.warning("temporal.unanswered", call=call, status=status)


def _not_taken(error: BaseException, deadline: timedelta) -> NotTaken:
    unanswered(error, call="update")
    if isinstance(error, RPCError) and error.status not in (
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.CANCELLED,
    ):
        reason, back = "the workflow service does not answer just now", "it is"
    else:
        reason = f"the case did not take it within {_seconds(deadline)} (its worker may be down or busy)"
        back = "the worker is"
    return NotTaken(
        f"the command is not applied yet: {reason}. The case may still take it once {back} back; retry "
        "in a few seconds with the same Idempotency-Key, which answers the command's result and never "
        "applies it twice",
        headers=RETRY_AFTER,
    )


def _not_finished(error: BaseException, deadline: timedelta) -> TimedOut:
    unanswered(error, call="update.result")
    return TimedOut(
        f"the case accepted the command but did not finish it within {_seconds(deadline)}; it will be "
        "applied: retry with the same Idempotency-Key for its result (it is never applied twice)",
        headers=RETRY_AFTER,
    )


def _unreadable(error: BaseException, deadline: timedelta) -> Unavailable:
    unanswered(error, call="read")
    return Unavailable(
        f"the case's workflow did not answer within {_seconds(deadline)} (the workflow service or its "
        "worker is not available just now); retry in a few seconds",
        headers=RETRY_AFTER,
    )


T = TypeVar("T", bound=BaseModel)


class Missing:
    """What to say when a workflow is unknown (404) or has completed (409)."""

    def __init__(self, *, unknown: str, closed: str) -> None:
        self.unknown = unknown
        self.closed = closed

    async def closed_detail(self, handle: WorkflowHandle[Any, Any], *, deadline: timedelta) -> str:
        """What to say of the completed workflow behind `handle`."""
        return self.closed


class PlanMissing(Missing):
    """A plan's workflow completes when the plan ceases or moves to another LA: say so, from its result."""

    async def closed_detail(self, handle: WorkflowHandle[Any, Any], *, deadline: timedelta) -> str:
        try:
            async with within(deadline):
                state = PlanState.model_validate(await handle.result(rpc_timeout=deadline))
        except (WorkflowFailureError, ValidationError, *UNANSWERED):
            return self.closed
        if state.ceased_on is not None:
            return f"the plan ceased on {state.ceased_on}; no further steps can be taken"
        moved = next((e.date for e in reversed(state.events) if e.event == "transferred"), None)
        if state.stage is Stage.PLAN_TRANSFERRED and moved is not None:
            return f"the plan was transferred to another LA on {moved}; no further steps can be taken here"
        return self.closed


def case_missing(case_id: object) -> Missing:
    return Missing(
        unknown=f"no case {case_id}",
        closed=f"case {case_id} is closed: no further steps can be taken on it",
    )


def plan_missing(case_id: object) -> Missing:
    return PlanMissing(
        unknown=f"no plan {case_id}",
        closed=f"the plan of case {case_id} is closed: no further steps can be taken on it",
    )


async def _missing_or_closed(
    client: Client, handle: WorkflowHandle[Any, Any], missing: Missing, deadline: timedelta
) -> ApiError:
    """Temporal answers NOT_FOUND both for an unknown workflow and for an update on a completed one."""
    # The raw description: its status is all that is needed, and decoding the search attributes fails on
    # a datetime attribute unset by the workflow (the time-skipping test server keeps it as null).
    request = DescribeWorkflowExecutionRequest(
        namespace=client.namespace, execution=WorkflowExecution(workflow_id=handle.id)
    )
    try:
        async with within(deadline):
            described = await client.workflow_service.describe_workflow_execution(
                request, retry=True, timeout=deadline
            )
    except UNANSWERED as error:
        if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND:
            return NotFound(missing.unknown)
        return _unreadable(error, deadline)
    if described.workflow_execution_info.status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING:
        return Conflict(await missing.closed_detail(handle, deadline=deadline))
    return Unavailable(
        "the case could not take the command just now; retry with the same Idempotency-Key",
        headers=RETRY_AFTER,
    )


async def run_update(
    *,
    client: Client,
    workflow_id: str,
    command: Command,
    update_id: str,
    result_type: type[T],
    missing: Missing,
    deadline: timedelta = DEFAULT_DEADLINE,
) -> T:
    """Run one command as the update its message names; the workflow's validator refuses an illegal step
    before anything is written. Accepted and finished within `deadline`, or answered as the module says."""
    handle = client.get_workflow_handle(workflow_id)
    accepted = False
    try:
        async with within(deadline):
            update = await handle.start_update(
                command.update_name,
                command,
                id=update_id,
                result_type=result_type,
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
                rpc_timeout=deadline,
            )
            accepted = True
            result: T = await update.result(rpc_timeout=deadline)
    except WorkflowUpdateFailedError as error:
        answer = refusal(error.cause)
        if type(answer) is ApiError:  # not a refusal: the workflow may have completed under the update
            closed = await _missing_or_closed(client, handle, missing, deadline)
            answer = closed if isinstance(closed, Conflict) else answer
        raise answer from error
    except UNANSWERED as error:
        if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND:
            raise await _missing_or_closed(client, handle, missing, deadline) from error
        raise (_not_finished if accepted else _not_taken)(error, deadline) from error
    return result


async def start_case(
    *,
    client: Client,
    start: AssessmentStart,
    task_queue: str,
    request_id: str,
    deadline: timedelta = DEFAULT_DEADLINE,
) -> AssessmentState:
    """The assessment's workflow started, or found as a previous try of this request started it."""
    return await start_acknowledged(
        client=client,
        workflow=ASSESSMENT_WORKFLOW,
        start=start,
        workflow_id=assessment_workflow_id(start.case_id),
        acknowledge=ACKNOWLEDGE_REQUEST,
        task_queue=task_queue,
        request_id=request_id,
        result_type=AssessmentState,
        missing=case_missing(start.case_id),
        deadline=deadline,
    )


async def start_plan(
    *,
    client: Client,
    start: PlanStart,
    task_queue: str,
    request_id: str,
    deadline: timedelta = DEFAULT_DEADLINE,
) -> PlanState:
    """A plan transferred in: its workflow started, or found as a previous try of this request started it."""
    return await start_acknowledged(
        client=client,
        workflow=PLAN_WORKFLOW,
        start=start,
        workflow_id=plan_workflow_id(start.case_id),
        acknowledge=ACKNOWLEDGE_PLAN,
        task_queue=task_queue,
        request_id=request_id,
        result_type=PlanState,
        missing=plan_missing(start.case_id),
        deadline=deadline,
    )


async def start_acknowledged(
    *,
    client: Client,
    workflow: str,
    start: BaseModel,
    workflow_id: str,
    acknowledge: str,
    task_queue: str,
    request_id: str,
    result_type: type[T],
    missing: Missing,
    deadline: timedelta = DEFAULT_DEADLINE,
) -> T:
    """Update-with-start: a retried request (same id) reaches the same workflow and never starts another,
    whether that workflow is still running (USE_EXISTING) or has closed (REJECT_DUPLICATE). Accepted and
    finished within `deadline`, as a command is (run_update)."""
    operation: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
        workflow,
        start,
        id=workflow_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        result_type=result_type,
    )
    accepted = False
    try:
        async with within(deadline):
            update = await client.start_update_with_start_workflow(
                acknowledge,
                start_workflow_operation=operation,
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
                id=request_id,
                result_type=result_type,
                rpc_timeout=deadline,
            )
            accepted = True
            state: T = await update.result(rpc_timeout=deadline)
    except (WorkflowAlreadyStartedError, *UNANSWERED) as error:
        _settle(operation)
        closed_before = isinstance(error, WorkflowAlreadyStartedError) or (
            isinstance(error, RPCError) and error.status == RPCStatusCode.ALREADY_EXISTS
        )
        if not closed_before:
            raise (_not_finished if accepted else _not_taken)(error, deadline) from error
        # The workflow has closed: the retried request answers it as it now stands.
        closed = await query_workflow(
            client=client, workflow_id=workflow_id, result_type=result_type, deadline=deadline
        )
        if closed is None:
            raise NotFound(missing.unknown) from None
        return closed
    except WorkflowUpdateFailedError as error:
        raise refusal(error.cause) from error
    return state


def _settle(operation: WithStartWorkflowOperation[Any, Any]) -> None:
    """When update-with-start fails, the client keeps the start's failure in a future that nothing here
    reads, and asyncio would log it as lost with its traceback: read it (never waiting)."""
    started = getattr(operation, "_workflow_handle", None)  # the client's own; no public way to peek
    if isinstance(started, asyncio.Future) and started.done() and not started.cancelled():
        started.exception()


async def query_workflow(
    *, client: Client, workflow_id: str, result_type: type[T], deadline: timedelta = DEFAULT_DEADLINE
) -> T | None:
    """A workflow's `state` query (of its latest run, closed or not), answered within `deadline`; None
    when Temporal no longer holds the workflow."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        async with within(deadline):
            state: T = await handle.query(STATE_QUERY, result_type=result_type, rpc_timeout=deadline)
    except UNANSWERED as error:
        if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise _unreadable(error, deadline) from error
    except WorkflowQueryFailedError as error:
        raise Unavailable(
            f"the case's state could not be read: {error.message}", headers=RETRY_AFTER
        ) from error
    return state
