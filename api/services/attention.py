"""Cases that need attention: workflows whose side effects failed for good, found by the search attribute
`EhcpAttention` (Temporal's visibility), each asked why (its `attention` query); and the retry a manager or
admin runs once the cause is mended (the `retry_failed_steps` update). workflows/common/effects.py says
when a step fails for good."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Principal
from api.errors import NotFound, Unavailable, refusal
from api.schemas.attention import AttentionPage, AttentionRead, RetryRead
from api.services.audit import audit
from api.services.temporal import RETRY_AFTER, UNANSWERED, within
from workflows.common.ids import ATTENTION_QUERY, RETRY_FAILED_STEPS
from workflows.common.messages import Attention
from workflows.common.search import ATTENTION

_CASE = re.compile(
    r"^(?:assessment|plan|advice)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


def case_of(workflow_id: str) -> uuid.UUID | None:
    found = _CASE.match(workflow_id)
    return uuid.UUID(found.group(1)) if found else None


async def needing_attention(*, client: Client, limit: int, deadline: timedelta) -> AttentionPage:
    """The running workflows with a failed step, up to `limit`, each with its failures."""
    items: list[AttentionRead] = []
    more = False
    try:
        async with within(deadline):
            async for execution in client.list_workflows(
                f"{ATTENTION.name} IS NOT NULL AND ExecutionStatus = 'Running'", limit=limit + 1
            ):
                if len(items) == limit:
                    more = True
                    break
                handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
                try:
                    failed = await handle.query(ATTENTION_QUERY, result_type=list[Attention])
                except WorkflowQueryFailedError:
                    continue
                if failed:  # retried since visibility last saw it: nothing to show
                    items.append(
                        AttentionRead(workflow_id=execution.id, case_id=case_of(execution.id), failed=failed)
                    )
    except UNANSWERED as error:
        raise Unavailable(
            "Temporal did not answer in time: the list of cases needing attention could not be read; try "
            "again in a few seconds",
            headers=RETRY_AFTER,
        ) from error
    return AttentionPage(items=items, more=more)


async def retry_failed(
    *, session: AsyncSession, client: Client, user: Principal, workflow_id: str, deadline: timedelta
) -> RetryRead:
    """Run a workflow's failed steps again (the validator refuses when none wait: 409); audited."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        async with within(deadline):
            retried: int = await handle.execute_update(
                RETRY_FAILED_STEPS, result_type=int, rpc_timeout=deadline
            )
    except WorkflowUpdateFailedError as error:
        raise refusal(error.cause) from error
    except UNANSWERED as error:
        if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND:
            raise NotFound(f"no running workflow {workflow_id}") from error
        raise Unavailable(
            "Temporal did not answer in time: the retry may not have run; list what needs attention again "
            "and retry if it is still there",
            headers=RETRY_AFTER,
        ) from error
    await audit(
        session=session,
        user=user,
        action="attention.retried",
        case_id=case_of(workflow_id),
        detail={"workflow_id": workflow_id, "retried": retried},
    )
    return RetryRead(workflow_id=workflow_id, retried=retried)
