"""Caseworkers' and managers' work on assessment requests: create, command, read and list (regs 3-14).

Every command is one workflow update whose id is derived from the caller's Idempotency-Key, recorded
with the request first (api/services/idempotency.py); the read model (`cases`) serves lists, and the
workflow's `state` query the live statutory timeline.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import CommandKey, Principal
from api.errors import NotFound, Unprocessable
from api.schemas.cases import CaseCreate, CasePage, CaseRead, CaseSummary
from api.schemas.common import ChildRead
from api.services.audit import audit
from api.services.checks import (
    check_advice_agencies,
    check_caseworker,
    check_evidence_documents,
    refused_cursor,
)
from api.services.commands import CommandRunner
from api.services.idempotency import record_new_case, state_now
from api.services.temporal import (
    Missing,
    case_missing,
    query_workflow,
    start_case,
)
from core.settings import Settings
from db.cases import CaseWithChild, get_case_with_child
from db.cases import list_cases as db_list_cases
from db.errors import InvalidCursor
from workflows.assessment.messages import (
    AssessmentStart,
    AssessmentState,
    ClaimException,
    DecideAssessment,
    RequestFurtherAdvice,
)
from workflows.common.ids import ACKNOWLEDGE_REQUEST, assessment_workflow_id
from workflows.common.messages import Command, Stage


def summary(row: CaseWithChild) -> CaseSummary:
    """The case's row as the API shows it, with who the case is about."""
    return CaseSummary.model_validate(row.case).model_copy(
        update={"child": ChildRead.model_validate(row.child)}
    )


async def read_case(*, session: AsyncSession, case_id: uuid.UUID, state: AssessmentState | None) -> CaseRead:
    row = await get_case_with_child(session=session, case_id=case_id)
    return CaseRead(
        case_id=case_id,
        workflow_id=assessment_workflow_id(case_id),
        record=summary(row) if row is not None else None,
        state=state,
    )


async def create_case(
    *,
    session: AsyncSession,
    client: Client,
    settings: Settings,
    user: Principal,
    request: CaseCreate,
    idempotency_key: CommandKey,
    today: date,
) -> CaseRead:
    """Start the assessment's workflow, or find the one a previous try of this request started (and
    answer it as it now stands)."""
    if request.received_on > today:
        raise Unprocessable(f"received_on: {request.received_on} is in the future", field="received_on")
    await check_caseworker(session=session, caseworker_id=request.caseworker_id)
    case_id, key = await record_new_case(
        session=session, la_code=settings.la_code, user=user, key=idempotency_key, body=request
    )
    workflow_id = assessment_workflow_id(case_id)
    deadline = settings.temporal_deadline
    if key.applied:
        # The case was made by an earlier try: answered as it now stands, nothing sent again.
        now = await query_workflow(
            client=client, workflow_id=workflow_id, result_type=AssessmentState, deadline=deadline
        )
        return await read_case(session=session, case_id=case_id, state=now)
    caseworker_id = request.caseworker_id or (user.id if user.role == "caseworker" else None)
    start = AssessmentStart(
        case_id=case_id,
        la_code=settings.la_code,
        actor_id=user.id,
        caseworker_id=caseworker_id,
        remind_before_days=min(settings.remind_before_days, 42),
        escalate_after_days=settings.escalate_after_days,
        **request.model_dump(exclude={"caseworker_id"}),
    )
    state = await start_case(
        client=client,
        start=start,
        task_queue=settings.task_queue,
        request_id=key.update_id,
        deadline=deadline,
    )
    await audit(
        session=session,
        user=user,
        action=f"command.{ACKNOWLEDGE_REQUEST}",
        case_id=case_id,
        update_id=key.update_id,
        detail={"stage": state.stage.value},
        with_line=key.mark_applied,
    )
    if key.repeat:
        state = await state_now(
            client=client,
            workflow_id=workflow_id,
            result_type=AssessmentState,
            deadline=deadline,
            answered=state,
        )
    return await read_case(session=session, case_id=case_id, state=state)


class AssessmentCommandRunner(CommandRunner[AssessmentState, CaseRead]):
    """A caseworker's or manager's command on an assessment (regs 3-14)."""

    result_type = AssessmentState

    def workflow_id(self, case_id: uuid.UUID) -> str:
        return assessment_workflow_id(case_id)

    def missing(self, case_id: uuid.UUID) -> Missing:
        return case_missing(case_id)

    async def read(
        self, *, session: AsyncSession, case_id: uuid.UUID, state: AssessmentState | None
    ) -> CaseRead:
        return await read_case(session=session, case_id=case_id, state=state)

    async def __call__(self, *, session: AsyncSession, command: Command, **rest: Any) -> CaseRead:
        # The agencies a decision sends advice requests to must exist before the workflow sees it: the
        # activities that record the requests would meet the foreign key, and retry for ever.
        if isinstance(command, DecideAssessment | RequestFurtherAdvice):
            await check_advice_agencies(session=session, advice=command.advice)
        if isinstance(command, ClaimException):  # its evidence documents are on this case
            await check_evidence_documents(
                session=session, case_id=rest["case_id"], document_ids=command.evidence_document_ids
            )
        return await super().__call__(session=session, command=command, **rest)


run_case_command = AssessmentCommandRunner()


async def get_case_with_state(
    *, session: AsyncSession, client: Client, case_id: uuid.UUID, deadline: timedelta
) -> CaseRead:
    """The read-model row and the live state (asked of Temporal within `deadline`); 404 when neither
    knows the case."""
    state = await live_state(client=client, case_id=case_id, deadline=deadline)
    return await case_with(session=session, case_id=case_id, state=state)


async def live_state(*, client: Client, case_id: uuid.UUID, deadline: timedelta) -> AssessmentState | None:
    """The assessment's live state, asked of its workflow within `deadline`; None when Temporal does not
    hold it (or did not answer in time). It needs no database session, so a page can read its other parts
    while the worker answers."""
    return await query_workflow(
        client=client,
        workflow_id=assessment_workflow_id(case_id),
        result_type=AssessmentState,
        deadline=deadline,
    )


async def case_with(*, session: AsyncSession, case_id: uuid.UUID, state: AssessmentState | None) -> CaseRead:
    """The read-model row beside the live `state` already asked; 404 when neither knows the case."""
    found = await read_case(session=session, case_id=case_id, state=state)
    if found.record is None and found.state is None:
        raise NotFound(f"no case {case_id}")
    return found


async def list_cases(
    *,
    session: AsyncSession,
    la_code: str,
    stage: Stage | None = None,
    caseworker_id: uuid.UUID | None = None,
    name: str | None = None,
    born_on: date | None = None,
    after: str | None = None,
    limit: int = 50,
) -> CasePage:
    """The authority's cases from the read model with who each is about, oldest request first, a page at
    a time; `name` finds the children whose given name, family name or "given family" starts with it
    (whatever the case), `born_on` those born that day."""
    try:
        page = await db_list_cases(
            session=session,
            la_code=la_code,
            stage=stage.value if stage is not None else None,
            caseworker_id=caseworker_id,
            name=name,
            born_on=born_on,
            after=after,
            limit=limit,
        )
    except InvalidCursor:
        raise refused_cursor() from None
    return CasePage(items=[summary(row) for row in page.rows], next_after=page.next_after)
