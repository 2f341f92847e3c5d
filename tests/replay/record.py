"""Record the histories that tests/replay/ replays: `make replay-record` (never part of the test run).

Each branch of the assessment and of the plan's life runs on the time-skipping server with the
production data converter (pydantic + the AES-GCM codec under the fixed development key) and fake side
effects; every workflow's history (each run of its own, for a plan's review cycles) is saved as JSON.
Re-record only when a change to a workflow is meant to break old histories, and say so in the commit:
running cases would break the same way.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.statute import StatuteActivities
from core.settings import Settings
from core.temporal import data_converter, register_search_attributes
from tests.workflows.conftest import CASEWORKER, MANAGER, Fakes, advice_set, agency, new_plan_start, new_start
from worker.main import WORKFLOW_RUNNER, WORKFLOWS
from workflows.advice.messages import SubmitAdvice
from workflows.advice.workflow import AdviceRequestWorkflow
from workflows.assessment.messages import (
    ApproveException,
    ClaimException,
    DecideAssessment,
    DecideIssue,
    DecideParentRequest,
    ImportedCase,
    IssueFinalPlan,
    RecordSchoolClosure,
    RecordTribunalOutcome,
    ServeDraft,
    Withdraw,
)
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.ids import advice_workflow_id, assessment_workflow_id, plan_workflow_id
from workflows.common.messages import StatuteEvent
from workflows.plan.messages import (
    CeasePlan,
    ConcedeAppeal,
    DecideNotToAmend,
    DecideReassessment,
    DecideReview,
    DecideToCease,
    HoldReviewMeeting,
    IssueAmendedPlan,
    PlanState,
    ProposeAmendments,
    RecordAppeal,
    RecordAppealOutcome,
    RecordMediation,
    RecordMove,
    RecordReviewInvitations,
    RecordReviewReport,
    RequestReassessment,
    TransferPlanOut,
    WaiveReviewStep,
)
from workflows.plan.workflow import PlanWorkflow

HISTORIES = Path(__file__).parent / "histories"
TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
AGENCY_OF = {"educational": "school", "medical": "health", "psychological": "ep", "social_care": "social"}

Scenario = Callable[[WorkflowEnvironment, Client, str], Awaitable[list[str]]]


def production_settings() -> Settings:
    return Settings(_env_file=None)


async def _open(
    env: WorkflowEnvironment,
    client: Client,
    queue: str,
    *,
    received_on: date | None = None,
    **changes: object,
) -> WorkflowHandle[object, object]:
    start = new_start(received_on or (await env.get_current_time()).date(), **changes)
    operation = WithStartWorkflowOperation(
        AssessmentWorkflow.run,
        start,
        id=assessment_workflow_id(start.case_id),
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_queue=queue,
    )
    await client.execute_update_with_start_workflow(
        AssessmentWorkflow.acknowledge_request, start_workflow_operation=operation, id="create"
    )
    return await operation.workflow_handle()


async def _assess_and_answer(
    env: WorkflowEnvironment, client: Client, handle: WorkflowHandle[object, object]
) -> str:
    today = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=today, advice=advice_set()),
    )
    case = handle.id.removeprefix("assessment-")
    for spec in advice_set():
        await client.get_workflow_handle(advice_workflow_id(case, spec.advice_id)).execute_update(
            AdviceRequestWorkflow.submit_advice,
            SubmitAdvice(actor=agency(AGENCY_OF.get(spec.advice, "parent")), received_on=today),
        )
    await env.sleep(timedelta(seconds=3))
    return case


async def _to_final_plan(env: WorkflowEnvironment, handle: WorkflowHandle[object, object]) -> None:
    """Decide to issue and serve the draft today, issue the final plan 16 days later: the assessment ends."""
    today = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.decide_issue, DecideIssue(actor=CASEWORKER, outcome="issue", decided_on=today)
    )
    await handle.execute_update(AssessmentWorkflow.serve_draft, ServeDraft(actor=CASEWORKER, served_on=today))
    await env.sleep(timedelta(days=16))
    issued = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.issue_final_plan, IssueFinalPlan(actor=CASEWORKER, issued_on=issued)
    )
    await handle.result()


async def on_time(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    handle = await _open(env, client, queue)
    case = await _assess_and_answer(env, client, handle)
    await _to_final_plan(env, handle)
    await env.sleep(timedelta(days=400))  # the plan's first review falls due and is breached
    return [handle.id, advice_workflow_id(case, "health"), plan_workflow_id(case)]


async def refused(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    handle = await _open(env, client, queue)
    today = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="refuse", decided_on=today, reasons="no evidence of SEN"),
    )
    await env.sleep(timedelta(days=70))
    await handle.result()
    return [handle.id]


async def refusal_appealed(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """A refusal to assess, its mediation declined and the certificate, the appeal, and the tribunal's
    order to assess (issue 11 s.1): the assessment starts again, advice and all."""
    handle = await _open(env, client, queue)
    today = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="refuse", decided_on=today, reasons="no evidence of SEN"),
    )
    await env.sleep(timedelta(days=20))
    day = (await env.get_current_time()).date()
    contact = RecordMediation(actor=CASEWORKER, on=day, step="adviser_contacted", wants_mediation=False)
    await handle.execute_update(AssessmentWorkflow.record_mediation, contact)
    await handle.execute_update(
        AssessmentWorkflow.record_mediation,
        RecordMediation(actor=CASEWORKER, on=day, step="certificate_issued"),
    )
    await handle.execute_update(
        AssessmentWorkflow.record_appeal, RecordAppeal(actor=CASEWORKER, lodged_on=day)
    )
    await env.sleep(timedelta(days=120))  # past the appeal window: the case waits for the tribunal
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.record_appeal_outcome,
        RecordTribunalOutcome(actor=CASEWORKER, decided_on=day, outcome="assess"),
    )
    await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=day, advice=advice_set()),
    )
    await env.sleep(timedelta(days=3))
    return [handle.id]


async def parent_request_refused(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """The parent asked for advice from a particular person; the LA found it not reasonable, with its
    reasons (reg 6(1)(h), issue 11 s.3), and assessed without it."""
    handle = await _open(env, client, queue, parent_requested=["Dr Patel"])
    today = (await env.get_current_time()).date()
    decision = DecideParentRequest(
        actor=CASEWORKER, person="Dr Patel", reasonable=False, decided_on=today, reasons="Covered already."
    )
    await handle.execute_update(AssessmentWorkflow.decide_parent_request, decision)
    await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=today, advice=advice_set()),
    )
    await env.sleep(timedelta(days=3))
    return [handle.id]


async def not_issued(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    handle = await _open(env, client, queue)
    await _assess_and_answer(env, client, handle)
    today = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.decide_issue,
        DecideIssue(
            actor=CASEWORKER, outcome="not_issue", decided_on=today, reasons="needs met at SEN support"
        ),
    )
    await env.sleep(timedelta(days=70))
    await handle.result()
    return [handle.id]


async def late_and_excepted(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    handle = await _open(env, client, queue)
    today = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=today, advice=advice_set()),
    )
    await env.sleep(timedelta(days=2))
    claimed = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.claim_exception,
        ClaimException(
            actor=CASEWORKER,
            deadline="advice",
            advice_id="health",
            kind="missed_appointment",
            start=claimed,
            evidence="clinic letter",
            claimed_on=claimed,
        ),
        id="claim",
    )
    await handle.execute_update(
        AssessmentWorkflow.approve_exception,
        ApproveException(actor=MANAGER, claim_id="claim", approved_on=claimed),
    )
    await env.sleep(timedelta(weeks=9))  # the other advice is reminded, chased and escalated
    withdrawn = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.withdraw, Withdraw(actor=CASEWORKER, withdrawn_on=withdrawn)
    )
    await handle.result()
    case = handle.id.removeprefix("assessment-")
    return [handle.id, advice_workflow_id(case, "health"), advice_workflow_id(case, "ep")]


async def _plan(env: WorkflowEnvironment, client: Client, queue: str) -> WorkflowHandle[object, PlanState]:
    start = new_plan_start((await env.get_current_time()).date())
    handle = await client.start_workflow(
        PlanWorkflow.run, start, id=plan_workflow_id(start.case_id), task_queue=queue
    )
    await handle.execute_update(PlanWorkflow.acknowledge)
    return handle


async def _review_to_amend(env: WorkflowEnvironment, handle: WorkflowHandle[object, PlanState]) -> PlanState:
    """The first annual review, 300 days on, decided `amend` with its proposed amendments."""
    await env.sleep(timedelta(days=300))
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.record_review_invitations, RecordReviewInvitations(actor=CASEWORKER, sent_on=day)
    )
    await env.sleep(timedelta(days=14))
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.hold_review_meeting, HoldReviewMeeting(actor=CASEWORKER, held_on=day)
    )
    await handle.execute_update(
        PlanWorkflow.record_review_report, RecordReviewReport(actor=CASEWORKER, sent_on=day)
    )
    return await handle.execute_update(
        PlanWorkflow.decide_review, DecideReview(actor=CASEWORKER, decided_on=day, outcome="amend")
    )


async def plan_not_amended(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """A review that amends the plan, then the LA's decision not to amend after all (reg 22(4), issue 11
    s.5), with the right to appeal; its window closes unused."""
    handle = await _plan(env, client, queue)
    first = await _review_to_amend(env, handle)
    await env.sleep(timedelta(days=10))
    day = (await env.get_current_time()).date()
    reasons = "The new OT advice confirms the provision in section F."
    second = await handle.execute_update(
        PlanWorkflow.decide_not_to_amend, DecideNotToAmend(actor=CASEWORKER, decided_on=day, reasons=reasons)
    )
    await env.sleep(timedelta(days=70))
    return [f"{handle.id}@{first.run_id}", f"{handle.id}@{second.run_id}"]


async def plan_step_waived(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """A review held with no invitations and decided with no report; a manager waives both as not needed
    (issue 11 s.5) and the next cycle opens."""
    handle = await _plan(env, client, queue)
    await env.sleep(timedelta(days=300))
    held = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.hold_review_meeting, HoldReviewMeeting(actor=CASEWORKER, held_on=held)
    )
    await env.sleep(timedelta(days=21))
    day = (await env.get_current_time()).date()
    first = await handle.execute_update(
        PlanWorkflow.decide_review, DecideReview(actor=CASEWORKER, decided_on=day, outcome="keep")
    )
    for step in ("review_report", "review_invitations"):
        waiver = WaiveReviewStep(
            actor=MANAGER, step=step, meeting_on=held, waived_on=day, reasons="Decided at the meeting."
        )
        await handle.execute_update(PlanWorkflow.waive_review_step, waiver)
    await env.sleep(timedelta(days=30))
    return [f"{handle.id}@{first.run_id}", handle.id]


async def plan_amended(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """A review that amends the plan (a continue-as-new to cycle 2), the amended plan, then a review
    missed: breached and escalated."""
    handle = await _plan(env, client, queue)
    first = await _review_to_amend(env, handle)
    await env.sleep(timedelta(days=20))
    day = (await env.get_current_time()).date()
    second = await handle.execute_update(
        PlanWorkflow.issue_amended_plan, IssueAmendedPlan(actor=CASEWORKER, issued_on=day)
    )
    await env.sleep(timedelta(days=400))
    return [f"{handle.id}@{first.run_id}", f"{handle.id}@{second.run_id}"]


async def plan_ceased(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """A decision to cease, appealed, the appeal dismissed, the plan ceased."""
    handle = await _plan(env, client, queue)
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.decide_to_cease,
        DecideToCease(actor=CASEWORKER, decided_on=day, reasons="left education"),
    )
    await env.sleep(timedelta(days=20))
    day = (await env.get_current_time()).date()
    await handle.execute_update(PlanWorkflow.record_appeal, RecordAppeal(actor=CASEWORKER, lodged_on=day))
    await env.sleep(timedelta(days=90))
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.record_appeal_outcome,
        RecordAppealOutcome(actor=CASEWORKER, decided_on=day, outcome="dismissed"),
    )
    await handle.execute_update(PlanWorkflow.cease_plan, CeasePlan(actor=CASEWORKER, ceased_on=day))
    await handle.result()
    return [handle.id]


async def plan_transferred(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """A reassessment refused, then a move: the plan transferred to the new LA."""
    handle = await _plan(env, client, queue)
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.request_reassessment, RequestReassessment(actor=CASEWORKER, requested_on=day)
    )
    await handle.execute_update(
        PlanWorkflow.decide_reassessment,
        DecideReassessment(actor=CASEWORKER, decided_on=day, outcome="refuse", reasons="no change"),
    )
    await env.sleep(timedelta(days=30))
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.record_move,
        RecordMove(actor=CASEWORKER, aware_on=day, move_on=day + timedelta(days=10), to_la="Southshire"),
    )
    await env.sleep(timedelta(days=25))  # the transfer is late: breached
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.transfer_plan_out, TransferPlanOut(actor=CASEWORKER, transferred_on=day)
    )
    await handle.result()
    return [handle.id]


async def plan_mediated(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """A decision to cease, mediation, an appeal, the tribunal's order to amend, the amended plan."""
    handle = await _plan(env, client, queue)
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.decide_to_cease, DecideToCease(actor=CASEWORKER, decided_on=day, reasons="left school")
    )
    await env.sleep(timedelta(days=14))
    day = (await env.get_current_time()).date()
    for step in ("adviser_contacted", "held", "certificate_issued"):
        await handle.execute_update(
            PlanWorkflow.record_mediation,
            RecordMediation(actor=CASEWORKER, on=day, step=step, wants_mediation=True),  # type: ignore[arg-type]
        )
    await handle.execute_update(PlanWorkflow.record_appeal, RecordAppeal(actor=CASEWORKER, lodged_on=day))
    await env.sleep(timedelta(days=120))
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.record_appeal_outcome,
        RecordAppealOutcome(actor=CASEWORKER, decided_on=day, outcome="amend"),
    )
    await env.sleep(timedelta(days=20))
    day = (await env.get_current_time()).date()
    state = await handle.execute_update(
        PlanWorkflow.issue_amended_plan, IssueAmendedPlan(actor=CASEWORKER, issued_on=day)
    )
    return [f"{handle.id}@{state.run_id}"]


async def plan_reminded(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """A plan left alone for a year: reminded to arrange its review, then breached and escalated."""
    handle = await _plan(env, client, queue)
    await env.sleep(timedelta(days=380))
    return [handle.id]


async def plan_reminders_decided_first(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """The same year as `plan_reminded`, recorded since the reminders are decided in the run's first
    activation (the patch `review-reminders-decided-first`): both kinds of plan must replay."""
    return await plan_reminded(env, client, queue)


async def withdrawn_with_advice_out(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """Recorded since `read-model-truth` and `advice-ids-hashed`: advice requested under hashed ids, one
    answered, the rest overdue and chased, then the request withdrawn (the `request_withdrawn` event, the
    outstanding requests cancelled and their results awaited in the background)."""
    handle = await _open(env, client, queue)
    today = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=today, advice=advice_set()),
    )
    case = handle.id.removeprefix("assessment-")
    await client.get_workflow_handle(advice_workflow_id(case, "health")).execute_update(
        AdviceRequestWorkflow.submit_advice, SubmitAdvice(actor=agency("health"), received_on=today)
    )
    await env.sleep(timedelta(weeks=7))
    withdrawn_on = (await env.get_current_time()).date()
    await handle.execute_update(
        AssessmentWorkflow.withdraw,
        Withdraw(actor=CASEWORKER, withdrawn_on=withdrawn_on, reasons="moved away"),
    )
    await handle.result()
    return [handle.id, advice_workflow_id(case, "ep")]


async def plan_content_appealed(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """A school's closure learned during the assessment (issue 11 s.4); the final plan's notice with appeal
    rights (s.2), its content appealed after mediation and the appeal conceded; the amended plan's own
    notice with appeal rights."""
    handle = await _open(env, client, queue)
    case = await _assess_and_answer(env, client, handle)
    today = (await env.get_current_time()).date()
    closure = RecordSchoolClosure(
        actor=CASEWORKER,
        school="Riverside",
        first_closed=today + timedelta(days=3),
        reopens=today + timedelta(days=45),
        recorded_on=today,
    )
    await handle.execute_update(AssessmentWorkflow.record_school_closure, closure)
    await _to_final_plan(env, handle)
    plan = client.get_workflow_handle(plan_workflow_id(case))
    await env.sleep(timedelta(days=10))
    day = (await env.get_current_time()).date()
    contacted = RecordMediation(actor=CASEWORKER, on=day, step="adviser_contacted", wants_mediation=False)
    await plan.execute_update(PlanWorkflow.record_mediation, contacted)
    await plan.execute_update(
        PlanWorkflow.record_mediation, RecordMediation(actor=CASEWORKER, on=day, step="certificate_issued")
    )
    await env.sleep(timedelta(days=7))
    day = (await env.get_current_time()).date()
    await plan.execute_update(PlanWorkflow.record_appeal, RecordAppeal(actor=CASEWORKER, lodged_on=day))
    await env.sleep(timedelta(days=30))
    day = (await env.get_current_time()).date()
    await plan.execute_update(
        PlanWorkflow.concede_appeal, ConcedeAppeal(actor=CASEWORKER, conceded_on=day, appeal="content")
    )
    await env.sleep(timedelta(days=21))
    day = (await env.get_current_time()).date()
    await plan.execute_update(
        PlanWorkflow.issue_amended_plan,
        IssueAmendedPlan(actor=CASEWORKER, issued_on=day, school_named="Northshire Primary"),
    )
    await env.sleep(timedelta(days=70))  # the amended plan's appeal window closes unused
    return [handle.id, plan_workflow_id(case)]


async def plan_reassessed_with_advice(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """A reassessment that gathers its reg 6 advice (reg 26, issue 11 s.5): five requests, the EP's answer
    signalled to the plan, the amended plan issued, the four still awaited withdrawn."""
    handle = await _plan(env, client, queue)
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.request_reassessment, RequestReassessment(actor=CASEWORKER, requested_on=day)
    )
    advice = [spec.model_copy(update={"advice_id": f"{spec.advice_id}-2"}) for spec in advice_set()]
    await handle.execute_update(
        PlanWorkflow.decide_reassessment,
        DecideReassessment(actor=CASEWORKER, decided_on=day, outcome="reassess", advice=advice),
    )
    case_id = plan_id_case(handle.id)
    ep = client.get_workflow_handle_for(AdviceRequestWorkflow.run, advice_workflow_id(case_id, "ep-2"))
    for _ in range(100):  # the request starts a moment after the decision's answer
        try:
            await ep.describe()
            break
        except RPCError:
            await asyncio.sleep(0.05)
    await env.sleep(timedelta(days=20))
    day = (await env.get_current_time()).date()
    await ep.execute_update(
        AdviceRequestWorkflow.submit_advice, SubmitAdvice(actor=agency("ep"), received_on=day)
    )
    await ep.result()
    await env.sleep(timedelta(days=30))
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.propose_amendments, ProposeAmendments(actor=CASEWORKER, served_on=day)
    )
    await env.sleep(timedelta(days=16))
    day = (await env.get_current_time()).date()
    await handle.execute_update(
        PlanWorkflow.issue_amended_plan, IssueAmendedPlan(actor=CASEWORKER, issued_on=day)
    )
    school = client.get_workflow_handle_for(
        AdviceRequestWorkflow.run, advice_workflow_id(case_id, "school-2")
    )
    await school.result()  # withdrawn
    return [handle.id, ep.id, school.id]


async def imported_in_flight(env: WorkflowEnvironment, client: Client, queue: str) -> list[str]:
    """A case brought in by `ehcp import` (issue 11 s.6): decided a week late, two of five advice in, one
    overdue before the import; its steps taken by their rules at the start, then what falls due after the
    import chased (the draft's target, the final plan)."""
    today = (await env.get_current_time()).date()
    week = timedelta(weeks=1)
    asked = today - 7 * week
    events = [
        StatuteEvent(event="request_received", date=today - 14 * week),
        StatuteEvent(event="decision_to_assess", date=asked, outcome="assess"),
        *(
            StatuteEvent(event="advice_requested", date=asked, id=spec.advice_id, advice=spec.advice)
            for spec in advice_set()
        ),
        StatuteEvent(event="advice_received", date=today - 6 * week, id="parent"),
        StatuteEvent(event="advice_received", date=today - 3 * week, id="school"),
    ]
    imported = ImportedCase(
        imported_on=today,
        actor=CASEWORKER,
        events=events,
        agencies={spec.advice_id: spec.agency_id for spec in advice_set()},
    )
    handle = await _open(env, client, queue, received_on=today - 14 * week, imported=imported)
    await env.sleep(timedelta(weeks=7))
    return [handle.id]


def plan_id_case(workflow_id: str) -> str:
    return workflow_id.removeprefix("plan-")


SCENARIOS: dict[str, Scenario] = {
    "on_time": on_time,
    "refused": refused,
    "not_issued": not_issued,
    "late_and_excepted": late_and_excepted,
    "plan_amended": plan_amended,
    "plan_ceased": plan_ceased,
    "plan_transferred": plan_transferred,
    "plan_mediated": plan_mediated,
    "plan_reminded": plan_reminded,
    "plan_reminders_decided_first": plan_reminders_decided_first,
    "withdrawn_with_advice_out": withdrawn_with_advice_out,
    "plan_content_appealed": plan_content_appealed,
    "plan_not_amended": plan_not_amended,
    "refusal_appealed": refusal_appealed,
    "plan_step_waived": plan_step_waived,
    "parent_request_refused": parent_request_refused,
    "plan_reassessed_with_advice": plan_reassessed_with_advice,
    "imported_in_flight": imported_in_flight,
}


async def record(only: list[str]) -> None:
    HISTORIES.mkdir(exist_ok=True)
    converter = data_converter(production_settings())
    unknown = set(only) - set(SCENARIOS)
    if unknown:
        raise SystemExit(
            f"no such scenario: {', '.join(sorted(unknown))}; the scenarios are {', '.join(SCENARIOS)}"
        )
    for name, scenario in SCENARIOS.items():
        if only and name not in only:
            continue
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(TEST_SERVER), data_converter=converter
        )
        async with env:
            await register_search_attributes(env.client)
            queue = f"replay-{uuid.uuid4()}"
            with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
                async with Worker(
                    env.client,
                    task_queue=queue,
                    workflows=WORKFLOWS,
                    activities=[*Fakes().activities(), StatuteActivities().compute_timeline],
                    activity_executor=executor,
                    workflow_runner=WORKFLOW_RUNNER,  # the production worker's sandbox, as replay uses
                ):
                    ids = await scenario(env, env.client, queue)
                    for index, name_and_run in enumerate(ids):
                        workflow_id, _, run_id = name_and_run.partition("@")  # a run of its own, if named
                        handle = env.client.get_workflow_handle(workflow_id, run_id=run_id or None)
                        history = await handle.fetch_history()
                        kind = workflow_id.split("-", 1)[0]
                        path = HISTORIES / f"{name}.{index}.{kind}.json"
                        path.write_text(history.to_json())
                        print(f"recorded {path.relative_to(HISTORIES.parent.parent.parent)}")  # noqa: T201


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1:]))  # scenario names: only those; none: every scenario
    # Exit at once: the Temporal core can crash in interpreter shutdown after its test server has gone
    # (PyGILState_Release), which would fail `make replay-record` after every file was written.
    sys.stdout.flush()
    os._exit(0)
