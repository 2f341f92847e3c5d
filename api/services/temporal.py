"""Commands and queries on case workflows, with Temporal's failures turned into the API's errors.

The API names workflows, queries and updates as `workflows/common/ids.py` and each command message's
`update_name` do; it never imports a workflow class.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError, Conflict, NotFound, TimedOut, Unavailable, refusal
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

T = TypeVar("T", bound=BaseModel)


class Missing:
    """What to say when a workflow is unknown (404) or has completed (409)."""

    def __init__(self, *, unknown: str, closed: str) -> None:
        self.unknown = unknown
        self.closed = closed

    async def closed_detail(self, handle: WorkflowHandle[Any, Any]) -> str:
        """What to say of the completed workflow behind `handle`."""
        return self.closed


class PlanMissing(Missing):
    """A plan's workflow completes when the plan ceases or moves to another LA: say so, from its result."""

    async def closed_detail(self, handle: WorkflowHandle[Any, Any]) -> str:
        try:
            state = PlanState.model_validate(await handle.result())
        except (WorkflowFailureError, RPCError, ValidationError):
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


async def _missing_or_closed(client: Client, handle: WorkflowHandle[Any, Any], missing: Missing) -> ApiError:
    """Temporal answers NOT_FOUND both for an unknown workflow and for an update on a completed one."""
    # The raw description: its status is all that is needed, and decoding the search attributes fails on
    # a datetime attribute unset by the workflow (the time-skipping test server keeps it as null).
    request = DescribeWorkflowExecutionRequest(
        namespace=client.namespace, execution=WorkflowExecution(workflow_id=handle.id)
    )
    try:
        described = await client.workflow_service.describe_workflow_execution(request)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return NotFound(missing.unknown)
        raise
    if described.workflow_execution_info.status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING:
        return Conflict(await missing.closed_detail(handle))
    return Unavailable("the case could not take the command just now; retry with the same Idempotency-Key")


async def run_update(
    *,
    client: Client,
    workflow_id: str,
    command: Command,
    update_id: str,
    result_type: type[T],
    missing: Missing,
) -> T:
    """Run one command as the update its message names; the workflow's validator refuses an illegal step
    before anything is written."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        result: T = await handle.execute_update(
            command.update_name, command, id=update_id, result_type=result_type
        )
    except WorkflowUpdateFailedError as error:
        answer = refusal(error.cause)
        if type(answer) is ApiError:  # not a refusal: the workflow may have completed under the update
            closed = await _missing_or_closed(client, handle, missing)
            answer = closed if isinstance(closed, Conflict) else answer
        raise answer from error
    except WorkflowUpdateRPCTimeoutOrCancelledError as error:
        raise TimedOut("the case did not answer in time; retry with the same Idempotency-Key") from error
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        raise await _missing_or_closed(client, handle, missing) from error
    return result


async def start_case(
    *, client: Client, start: AssessmentStart, task_queue: str, request_id: str
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
    )


async def start_plan(*, client: Client, start: PlanStart, task_queue: str, request_id: str) -> PlanState:
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
) -> T:
    """Update-with-start: a retried request (same id) reaches the same workflow and never starts another,
    whether that workflow is still running (USE_EXISTING) or has closed (REJECT_DUPLICATE)."""
    operation: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
        workflow,
        start,
        id=workflow_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        result_type=result_type,
    )
    try:
        state: T = await client.execute_update_with_start_workflow(
            acknowledge,
            start_workflow_operation=operation,
            id=request_id,
            result_type=result_type,
        )
    except (WorkflowAlreadyStartedError, RPCError) as error:
        if isinstance(error, RPCError) and error.status != RPCStatusCode.ALREADY_EXISTS:
            raise
        # The workflow has closed: the retried request answers it as it now stands.
        closed = await query_workflow(client=client, workflow_id=workflow_id, result_type=result_type)
        if closed is None:
            raise NotFound(missing.unknown) from None
        return closed
    except WorkflowUpdateFailedError as error:
        raise refusal(error.cause) from error
    except WorkflowUpdateRPCTimeoutOrCancelledError as error:
        raise TimedOut(
            "the request was not acknowledged in time; retry with the same Idempotency-Key"
        ) from error
    return state


async def query_workflow(*, client: Client, workflow_id: str, result_type: type[T]) -> T | None:
    """A workflow's `state` query (of its latest run, closed or not); None when Temporal no longer holds
    the workflow."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        state: T = await handle.query(STATE_QUERY, result_type=result_type)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    except WorkflowQueryFailedError as error:
        raise Unavailable(f"the case's state could not be read: {error.message}") from error
    return state
