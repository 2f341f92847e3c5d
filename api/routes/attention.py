"""What needs attention: cases whose side effects failed for good, and their retry once the cause is
mended (workflows/common/effects.py). For managers and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from api.deps import DashboardReader, Operator, SessionDep, SettingsDep, TemporalDep
from api.query import refuse_unknown_query
from api.schemas.attention import AttentionPage, RetryRead
from api.schemas.common import error_responses
from api.services.attention import needing_attention, retry_failed

router = APIRouter(prefix="/api/attention", tags=["operations"], dependencies=[Depends(refuse_unknown_query)])

WorkflowId = Annotated[
    str,
    Path(
        max_length=120,
        pattern=r"^(assessment|plan|advice)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"(-[A-Za-z0-9._-]{1,40})?$",
        description="The workflow, as `GET /api/attention` lists it.",
        examples=["assessment-3f2b8c1e-7a4d-4e59-9c1a-2b6f0d8e4a71"],
    ),
]


@router.get(
    "",
    response_model=AttentionPage,
    summary="List cases that need attention",
    description=(
        "The workflows with a side effect (a case record, a read-model write, a notice) that failed for "
        "good: retried for about a day, or refused in a way no retry mends (a value the database refuses, a "
        "notice channel set up wrongly). Each shows the step, why, and when. The case waits, nothing is "
        "lost, and no notice the SEND Regulations 2014 require is silently dropped; mend the cause, then "
        "retry. Roles: manager, admin."
    ),
    responses=error_responses(401, 403, 422, 503),
)
async def get_attention(
    *,
    user: DashboardReader,
    client: TemporalDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> AttentionPage:
    return await needing_attention(client=client, limit=limit, deadline=settings.temporal_deadline)


@router.post(
    "/{workflow_id}/retry",
    response_model=RetryRead,
    summary="Retry a case's failed steps",
    description=(
        "Runs the workflow's failed steps again, once their cause is mended (each step is idempotent: "
        "nothing is written or sent twice), so the case's steps under the SEND Regulations 2014 go on. "
        "409 when nothing on the workflow waits for a retry. Audited. Roles: manager, admin."
    ),
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def post_retry(
    *,
    workflow_id: WorkflowId,
    user: Operator,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> RetryRead:
    return await retry_failed(
        session=session,
        client=client,
        user=user,
        workflow_id=workflow_id,
        deadline=settings.temporal_deadline,
    )
