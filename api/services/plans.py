"""Caseworkers' and managers' work on EHC plans: each step of the review cycle, amendments, phase
transfers and ceasing as one update of the plan's workflow (CFA s.44-45; regs 18-31), the plan as it
stands, and the phase-transfer cohort of a year (reg 18).

The plan's workflow holds only its current review cycle; the read model (`deadlines`) holds every
cycle's deadlines, so a plan is read from both.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import CommandKey, Principal
from api.errors import NotFound, Unprocessable
from api.schemas.plans import DeadlineRead, PhaseTransferPage, PhaseTransferRead, PlanArrivalCreate, PlanRead
from api.services.audit import audit
from api.services.cases import summary
from api.services.checks import check_advice_agencies, check_caseworker, refused_cursor
from api.services.commands import CommandRunner
from api.services.idempotency import record_new_case, state_now
from api.services.temporal import Missing, plan_missing, query_workflow, start_plan
from core.settings import Settings
from db.cases import get_case_with_child, list_case_deadlines
from db.errors import InvalidCursor
from db.plans import TransferPlan, list_transfer_plans
from statute.conventions import Conventions
from statute.phases import (
    invitations_by,
    kind_due_on,
    latest_review_meeting,
    next_transfer_year,
    transfer_status,
    year_group,
)
from workflows.assessment.messages import AssessmentStart, CaseRecord
from workflows.common.ids import plan_workflow_id
from workflows.common.messages import Command, StatuteEvent
from workflows.plan.messages import DecideReassessment, PlanStart, PlanState


async def read_plan(*, session: AsyncSession, case_id: uuid.UUID, state: PlanState | None) -> PlanRead:
    """The case's row, the plan's live state, and the deadlines of every review cycle: those the read
    model holds from the plan's making on (the assessment's own stay on the case)."""
    found = await get_case_with_child(session=session, case_id=case_id)
    row = found.case if found is not None else None
    made = state.made_on if state is not None else row.final_issued_on if row is not None else None
    deadlines = await list_case_deadlines(session=session, case_id=case_id)
    return PlanRead(
        case_id=case_id,
        workflow_id=plan_workflow_id(case_id),
        record=summary(found) if found is not None else None,
        state=state,
        deadlines=[DeadlineRead.model_validate(d) for d in deadlines if made is None or d.from_date >= made],
    )


class PlanCommandRunner(CommandRunner[PlanState, PlanRead]):
    """A caseworker's or manager's command on a plan (CFA s.44-45; regs 18-31)."""

    result_type = PlanState

    def workflow_id(self, case_id: uuid.UUID) -> str:
        return plan_workflow_id(case_id)

    def missing(self, case_id: uuid.UUID) -> Missing:
        return plan_missing(case_id)

    async def read(self, *, session: AsyncSession, case_id: uuid.UUID, state: PlanState | None) -> PlanRead:
        return await read_plan(session=session, case_id=case_id, state=state)

    async def __call__(self, *, session: AsyncSession, command: Command, **rest: Any) -> PlanRead:
        # A reassessment's advice requests name agencies that must exist before the workflow sees them.
        if isinstance(command, DecideReassessment):
            await check_advice_agencies(session=session, advice=command.advice)
        return await super().__call__(session=session, command=command, **rest)


run_plan_command = PlanCommandRunner()


async def receive_plan(
    *,
    session: AsyncSession,
    client: Client,
    settings: Settings,
    user: Principal,
    arrival: PlanArrivalCreate,
    idempotency_key: CommandKey,
    today: date,
) -> PlanRead:
    """A plan transferred in (reg 15): its case recorded and its workflow started, once per
    Idempotency-Key; the new LA's duties (tell the family within 6 weeks, review) start from the transfer.
    A retry answers the plan as it now stands."""
    if arrival.transferred_on > today:
        raise Unprocessable(
            f"transferred_on: {arrival.transferred_on} is in the future", field="transferred_on"
        )
    if arrival.made_on > arrival.transferred_on:
        raise Unprocessable(
            f"made_on: {arrival.made_on} is after the transfer, {arrival.transferred_on}", field="made_on"
        )
    await check_caseworker(session=session, caseworker_id=arrival.caseworker_id)
    case_id, key = await record_new_case(
        session=session, la_code=settings.la_code, user=user, key=idempotency_key, body=arrival
    )
    workflow_id = plan_workflow_id(case_id)
    deadline = settings.temporal_deadline
    if key.applied:
        # Received by an earlier try: answered as the plan now stands, nothing sent again.
        now = await query_workflow(
            client=client, workflow_id=workflow_id, result_type=PlanState, deadline=deadline
        )
        return await read_plan(session=session, case_id=case_id, state=now)
    caseworker_id = arrival.caseworker_id or (user.id if user.role == "caseworker" else None)
    record = CaseRecord(
        case_id=case_id,
        workflow_id=workflow_id,
        start=AssessmentStart(
            case_id=case_id,
            la_code=settings.la_code,
            received_on=arrival.transferred_on,
            source="other",
            child=arrival.child,
            contacts=arrival.contacts,
            caseworker_id=caseworker_id,
            actor_id=user.id,
        ),
    )
    start = PlanStart(
        case_id=case_id,
        assessment_workflow_id=workflow_id,
        la_code=settings.la_code,
        made_on=arrival.made_on,
        events=[
            StatuteEvent(event="final_issued", date=arrival.made_on),
            StatuteEvent(event="transferred", date=arrival.transferred_on),
        ],
        caseworker_id=caseworker_id,
        escalate_after_days=settings.escalate_after_days,
        arriving=record,
    )
    state = await start_plan(
        client=client,
        start=start,
        task_queue=settings.task_queue,
        request_id=key.update_id,
        deadline=deadline,
    )
    await audit(
        session=session,
        user=user,
        action="command.receive_plan",
        case_id=case_id,
        update_id=key.update_id,
        detail={"from_la": arrival.from_la},
        with_line=key.mark_applied,
    )
    if key.repeat:
        state = await state_now(
            client=client, workflow_id=workflow_id, result_type=PlanState, deadline=deadline, answered=state
        )
    return await read_plan(session=session, case_id=case_id, state=state)


async def get_plan(
    *, session: AsyncSession, client: Client, case_id: uuid.UUID, deadline: timedelta
) -> PlanRead:
    """The plan's live state (asked of Temporal within `deadline`) and every cycle's deadlines; 404 unless
    the workflow or the read model knows a plan (a final plan issued) for the case."""
    state = await query_workflow(
        client=client, workflow_id=plan_workflow_id(case_id), result_type=PlanState, deadline=deadline
    )
    found = await read_plan(session=session, case_id=case_id, state=state)
    if found.state is None and (found.record is None or found.record.final_issued_on is None):
        raise NotFound(f"no plan {case_id}")
    return found


def _transfer_read(plan: TransferPlan, *, year: int, today: date) -> PhaseTransferRead:
    meeting = latest_review_meeting(plan.due)
    return PhaseTransferRead(
        case_id=plan.case_id,
        caseworker_id=plan.caseworker_id,
        kind=kind_due_on(plan.due),
        source="recorded" if plan.recorded else "date_of_birth",
        year_group=year_group(plan.date_of_birth, year),
        deadline=plan.due,
        latest_review_meeting=meeting,
        invitations_by=invitations_by(meeting),
        review_meeting_on=plan.meeting_on,
        review_decided_on=plan.decided_on,
        settled=plan.settled_on is not None,
        settled_on=plan.settled_on,
        status=transfer_status(
            due=plan.due,
            today=today,
            meeting_on=plan.meeting_on,
            decided_on=plan.decided_on,
            settled_on=plan.settled_on,
        ),
    )


async def phase_transfer_cohort(
    *,
    session: AsyncSession,
    la_code: str,
    year: int | None,
    today: date,
    conventions: Conventions,
    after: str | None,
    limit: int,
) -> PhaseTransferPage:
    """The maintained plans whose child changes phase in September of `year` (by default the next
    September's), soonest deadline first, each with where its reg 18 review stands on `today`."""
    year = year if year is not None else next_transfer_year(today)
    try:
        page = await list_transfer_plans(
            session=session, la_code=la_code, year=year, conventions=conventions, after=after, limit=limit
        )
    except InvalidCursor:
        raise refused_cursor() from None
    return PhaseTransferPage(
        year=year,
        as_of=today,
        items=[_transfer_read(plan, year=year, today=today) for plan in page.plans],
        next_after=page.next_after,
    )
