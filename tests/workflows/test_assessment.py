"""`AssessmentWorkflow` on the time-skipping server: every branch, and every illegal step refused."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from workflows.advice.messages import SubmitAdvice
from workflows.advice.workflow import AdviceRequestWorkflow
from workflows.assessment.messages import (
    ApproveException,
    ClaimException,
    ConsultSchool,
    DecideAssessment,
    DecideIssue,
    IssueFinalPlan,
    RecordSchoolResponse,
    ServeDraft,
    Withdraw,
)
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.ids import advice_workflow_id, plan_workflow_id
from workflows.common.messages import Stage
from workflows.plan.workflow import PlanWorkflow

from .conftest import CASEWORKER, DAY, MANAGER, Harness, advice_set, agency, eventually, new_start, refused


def deadline(state: Any, name: str, id: str | None = None) -> Any:
    return next(d for d in state.deadlines if d.deadline == name and d.id == id)


async def assess(h: Harness, handle: WorkflowHandle[Any, Any], on: date) -> Any:
    """Decide to assess, and wait until the five advice requests have started (they start after)."""
    state = await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=on, advice=advice_set()),
    )
    await eventually(lambda: sum(r.case_id == state.case_id for r in h.fakes.advice_requests) == 5)
    return state


async def answer_all(h: Harness, case_id: Any, on: date) -> None:
    for spec in advice_set():
        kind = {"educational": "school", "medical": "health", "psychological": "ep", "social_care": "social"}
        await h.advice_handle(case_id, spec.advice_id).execute_update(
            AdviceRequestWorkflow.submit_advice,
            SubmitAdvice(actor=agency(kind.get(spec.advice, "parent")), received_on=on),
        )


async def test_on_time_pathway_to_a_final_plan_and_the_plans_workflow(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, state = await h.open_case(start)
    assert state.stage is Stage.AWAITING_DECISION_TO_ASSESS
    assert deadline(state, "decision_to_assess").due == today + timedelta(weeks=6)
    assert deadline(state, "final_plan").due == today + timedelta(weeks=20)

    state = await assess(h, handle, today)
    assert state.stage is Stage.GATHERING_ADVICE
    assert {d.id for d in state.deadlines if d.deadline == "advice"} == {
        "parent",
        "school",
        "health",
        "ep",
        "social",
    }
    await answer_all(h, start.case_id, today)
    state = await handle.query(AssessmentWorkflow.state)
    for _ in range(20):  # the signals from the five advice requests arrive asynchronously
        if state.stage is Stage.DECIDING_WHETHER_TO_ISSUE:
            break
        await h.env.sleep(timedelta(seconds=1))
        state = await handle.query(AssessmentWorkflow.state)
    assert state.stage is Stage.DECIDING_WHETHER_TO_ISSUE
    assert set(state.advice_received) == {"parent", "school", "health", "ep", "social"}

    state = await handle.execute_update(
        AssessmentWorkflow.decide_issue, DecideIssue(actor=CASEWORKER, outcome="issue", decided_on=today)
    )
    assert state.stage is Stage.DRAFTING
    state = await handle.execute_update(
        AssessmentWorkflow.serve_draft, ServeDraft(actor=CASEWORKER, served_on=today)
    )
    window = deadline(state, "representations_end")
    assert window.due == today + timedelta(days=14)  # 15 days beginning with the day of service
    state = await handle.execute_update(
        AssessmentWorkflow.consult_school,
        ConsultSchool(actor=CASEWORKER, school="Riverside", consulted_on=today),
    )
    assert deadline(state, "school_response", "Riverside").due == today + timedelta(days=15)

    reason = await refused(
        handle, AssessmentWorkflow.issue_final_plan, IssueFinalPlan(actor=CASEWORKER, issued_on=today)
    )
    assert reason.type == "IllegalStep"
    assert f"representations window runs to {window.due}" in reason.message

    await h.env.sleep(timedelta(days=15))
    issue_day = await h.today()
    await handle.execute_update(
        AssessmentWorkflow.record_school_response,
        RecordSchoolResponse(actor=CASEWORKER, school="Riverside", responded_on=issue_day),
    )
    state = await handle.execute_update(
        AssessmentWorkflow.issue_final_plan,
        IssueFinalPlan(actor=CASEWORKER, issued_on=issue_day, school_named="Riverside"),
    )
    assert state.stage is Stage.FINAL_ISSUED
    assert deadline(state, "final_plan").status == "met"
    assert state.plan_workflow_id == plan_workflow_id(start.case_id)
    final = await handle.result()
    assert final.stage is Stage.FINAL_ISSUED

    plan = await h.client.get_workflow_handle_for(PlanWorkflow.run, state.plan_workflow_id).query(
        PlanWorkflow.state
    )
    assert plan.made_on == issue_day
    review = issue_day.replace(year=issue_day.year + 1) - DAY  # CFA s.44(1): 12 months starting with the day
    assert plan.review_due == review
    # The final plan's notice is a decision the parent can appeal (its sections B, F and I): it carries the
    # last day to appeal, which the plan tracks as the refusals' appeal deadlines are tracked.
    appeal = next(d for d in plan.deadlines if d.deadline == "appeal")
    assert (appeal.id, appeal.from_date, appeal.status) == ("plan_content", issue_day, "open")
    assert appeal.due >= issue_day + timedelta(days=59)  # 2 months, or later off August or Christmas
    notice = await eventually(
        lambda: next((n for n in h.fakes.notices if n.template == "decision_plan_content"), None)
    )
    assert (notice.to, notice.on) == ("parent", issue_day)
    assert notice.facts == {
        "decision": "plan_content",
        "appeal_due": appeal.due.isoformat(),
        "plan": "final EHC plan",
        "school_named": "Riverside",
    }
    assert "final_issued" not in {n.template for n in h.fakes.notices}
    assert [d.kind for d in h.fakes.decisions] == [
        "decision_to_assess",
        "decision_to_issue",
        "draft_served",
        "school_consulted",
        "school_responded",
        "final_issued",
    ]
    assert all(d.actor_id == CASEWORKER.actor_id for d in h.fakes.decisions)
    assert h.fakes.cases[0].case_id == start.case_id
    # Projections may land out of order (the read model keeps the highest version): each version once,
    # none missing.
    versions = sorted(p.state_version for p in h.fakes.projections)
    assert versions == list(range(versions[0], versions[-1] + 1))


async def test_a_retried_create_makes_no_second_case(harness: Harness) -> None:
    h = harness
    start = new_start(await h.today())
    first_handle, first = await h.open_case(start, request_id="key-1")
    again_handle, again = await h.open_case(start, request_id="key-1")
    other_handle, other = await h.open_case(start, request_id="key-2")
    assert first_handle.id == again_handle.id == other_handle.id
    assert first.case_id == again.case_id == other.case_id
    assert len(h.fakes.cases) == 1


async def test_refusal_sends_the_appeal_notice_and_closes_after_the_appeal_window(harness: Harness) -> None:
    h = harness
    today = await h.today()
    handle, _ = await h.open_case(new_start(today))
    reason = await refused(
        handle,
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="refuse", decided_on=today),
    )
    assert reason.type == "InvalidInput"
    assert "reasons" in reason.message
    state = await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="refuse", decided_on=today, reasons="no evidence of SEN"),
    )
    assert state.stage is Stage.REFUSED_TO_ASSESS
    appeal = deadline(state, "appeal", "refuse_assess")
    notice = await eventually(
        lambda: next((n for n in h.fakes.notices if n.template == "decision_refuse_assess"), None)
    )
    assert notice.to == "parent"
    assert notice.facts["appeal_due"] == appeal.due.isoformat()
    assert not any(d.deadline == "final_plan" for d in state.deadlines)

    again = await refused(
        handle,
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=today, advice=advice_set()),
    )
    assert again.type == "IllegalStep"
    assert f"already made on {today}" in again.message

    await h.env.sleep(appeal.due - today + timedelta(days=2))
    final = await handle.result()
    assert final.stage is Stage.CLOSED


async def test_not_to_issue_after_advice(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, _ = await h.open_case(start)
    await assess(h, handle, today)
    await answer_all(h, start.case_id, today)
    await h.env.sleep(timedelta(seconds=5))
    state = await handle.execute_update(
        AssessmentWorkflow.decide_issue,
        DecideIssue(
            actor=CASEWORKER, outcome="not_issue", decided_on=today, reasons="needs met at SEN support"
        ),
    )
    assert state.stage is Stage.NOT_ISSUED
    assert deadline(state, "decision_not_to_issue").status == "met"
    await eventually(lambda: "decision_not_issue" in h.fakes.templates())
    # The case stays open through the appeal window, then closes: the timer is re-armed after the
    # decision (the 16-week wake it had before would come later than the window's end).
    appeal = deadline(state, "appeal", "not_issue")
    await h.env.sleep(appeal.due - today + timedelta(days=2))
    closed = await handle.query(AssessmentWorkflow.state)
    assert closed.stage is Stage.CLOSED
    assert (await handle.result()).stage is Stage.CLOSED


async def test_a_missed_decision_is_breached_then_escalated(harness: Harness) -> None:
    h = harness
    today = await h.today()
    handle, _ = await h.open_case(new_start(today, escalate_after_days=7))
    await h.env.sleep(timedelta(weeks=6, days=2))
    assert [n.template for n in h.fakes.notices if n.template.startswith("deadline")] == ["deadline_breached"]
    breach = next(n for n in h.fakes.notices if n.template == "deadline_breached")
    assert breach.to == "caseworker"
    assert breach.step.startswith("decision_to_assess")
    await h.env.sleep(timedelta(days=7))
    escalations = [n for n in h.fakes.notices if n.template == "deadline_escalated"]
    assert [n.to for n in escalations] == ["manager"]
    state = await handle.query(AssessmentWorkflow.state)
    assert deadline(state, "decision_to_assess").status == "overdue"
    assert h.fakes.projections[-1].deadlines == state.deadlines


async def test_late_advice_is_reminded_chased_and_escalated(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today, remind_before_days=7, escalate_after_days=7)
    handle, _ = await h.open_case(start)
    await assess(h, handle, today)
    health = h.advice_handle(start.case_id, "health")
    await h.env.sleep(timedelta(weeks=5, days=1))
    assert (await health.query(AdviceRequestWorkflow.state)).status == "reminded"
    await h.env.sleep(timedelta(weeks=1, days=1))
    assert (await health.query(AdviceRequestWorkflow.state)).status == "chased"
    await h.env.sleep(timedelta(days=8))
    assert (await health.query(AdviceRequestWorkflow.state)).status == "escalated"
    prefix = advice_workflow_id(start.case_id, "health")
    assert h.fakes.templates(prefix) == [
        "advice_request",
        "advice_reminder",
        "advice_overdue",
        "advice_escalated",
    ]
    escalation = next(n for n in h.fakes.notices if n.idempotency_key == f"{prefix}:advice_escalated")
    assert escalation.to == "manager"

    late = await h.today()
    await health.execute_update(
        AdviceRequestWorkflow.submit_advice, SubmitAdvice(actor=agency("health"), received_on=late)
    )
    state = await health.result()
    assert state.status == "received"
    assert state.received_on == late
    for _ in range(10):
        parent = await handle.query(AssessmentWorkflow.state)
        if "health" in parent.advice_received:
            break
        await h.env.sleep(timedelta(seconds=1))
    assert parent.advice_received["health"] == late
    assert deadline(parent, "advice", "health").met_on == late


async def test_an_agency_cannot_answer_another_agencys_request(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, _ = await h.open_case(start)
    await assess(h, handle, today)
    reason = await refused(
        h.advice_handle(start.case_id, "health"),
        AdviceRequestWorkflow.submit_advice,
        SubmitAdvice(actor=agency("school"), received_on=today),
    )
    assert reason.type == "NotFound"


async def test_advice_on_a_withdrawn_request_is_refused(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, _ = await h.open_case(start)
    await assess(h, handle, today)
    state = await handle.execute_update(
        AssessmentWorkflow.withdraw,
        Withdraw(actor=CASEWORKER, withdrawn_on=today, reasons="family moved away"),
    )
    assert state.stage is Stage.WITHDRAWN
    for asked in advice_set():  # each request ends, and records its end, on its own workflow
        child = h.advice_handle(start.case_id, asked.advice_id)
        assert (await child.result()).status == "withdrawn"
    # Recorded, so the agency's inbox stops showing it as asked: every request, none answered.
    assert sorted(w.advice_id for w in h.fakes.advice_withdrawn) == sorted(a.advice_id for a in advice_set())
    with pytest.raises(Exception, match=r"(?i)complete|not found"):
        await child.execute_update(
            AdviceRequestWorkflow.submit_advice, SubmitAdvice(actor=agency("ep"), received_on=today)
        )
    assert (await handle.result()).stage is Stage.WITHDRAWN


async def test_illegal_steps_are_refused_before_anything_is_written(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, _ = await h.open_case(start)
    written = len(h.fakes.decisions)

    early = await refused(
        handle, AssessmentWorkflow.serve_draft, ServeDraft(actor=CASEWORKER, served_on=today)
    )
    assert early.type == "IllegalStep"
    missing = await refused(
        handle,
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=today, advice=advice_set()[:4]),
    )
    assert "social_care" in missing.message
    before = await refused(
        handle,
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(
            actor=CASEWORKER, outcome="assess", decided_on=today - timedelta(days=3), advice=advice_set()
        ),
    )
    assert before.type == "InvalidInput"
    assert "decided_on" in before.message
    forbidden = await refused(
        handle,
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=agency("school"), outcome="assess", decided_on=today, advice=advice_set()),
    )
    assert forbidden.type == "Forbidden"
    assert len(h.fakes.decisions) == written

    await assess(h, handle, today)
    waiting = await refused(
        handle,
        AssessmentWorkflow.decide_issue,
        DecideIssue(actor=CASEWORKER, outcome="issue", decided_on=today),
    )
    assert "still awaited" in waiting.message
    twice = await refused(
        handle,
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=today, advice=advice_set()),
    )
    assert "already made" in twice.message


async def test_an_exception_the_law_allows_is_approved_and_the_parent_told(harness: Harness) -> None:
    h = harness
    today = await h.today()
    handle, state = await h.open_case(new_start(today))
    claim = ClaimException(
        actor=CASEWORKER,
        deadline="final_plan",
        kind="personal_circumstances",
        start=today,
        evidence="bereavement in the family",
        claimed_on=today,
    )
    state = await handle.execute_update(AssessmentWorkflow.claim_exception, claim, id="claim-1")
    assert state.claims[0].accepted is True
    assert state.claims[0].approved_by is None
    caseworker_approves = await refused(
        handle,
        AssessmentWorkflow.approve_exception,
        ApproveException(actor=CASEWORKER, claim_id="claim-1", approved_on=today),
    )
    assert caseworker_approves.type == "Forbidden"
    state = await handle.execute_update(
        AssessmentWorkflow.approve_exception,
        ApproveException(actor=MANAGER, claim_id="claim-1", approved_on=today),
    )
    assert state.claims[0].approved_by == MANAGER.actor_id
    assert deadline(state, "final_plan").exception_accepted is True
    await eventually(lambda: h.fakes.projections[-1].week20_exception)
    told = await eventually(
        lambda: next((n for n in h.fakes.notices if n.template == "exception_applied"), None)
    )
    assert told.to == "parent"
    twice = await refused(
        handle,
        AssessmentWorkflow.approve_exception,
        ApproveException(actor=MANAGER, claim_id="claim-1", approved_on=today),
    )
    assert "already approved" in twice.message


async def test_an_exception_the_law_refuses_cannot_be_approved(harness: Harness) -> None:
    h = harness
    today = await h.today()
    handle, _ = await h.open_case(new_start(today))
    claim = ClaimException(
        actor=CASEWORKER,
        deadline="final_plan",
        kind="missed_appointment",
        start=today,
        evidence="did not attend the clinic",
        claimed_on=today,
    )
    state = await handle.execute_update(AssessmentWorkflow.claim_exception, claim, id="claim-2")
    assert state.claims[0].accepted is False
    assert "advice deadline only" in state.claims[0].reason
    reason = await refused(
        handle,
        AssessmentWorkflow.approve_exception,
        ApproveException(actor=MANAGER, claim_id="claim-2", approved_on=today),
    )
    assert reason.type == "IllegalStep"
    assert "the law does not allow this exception" in reason.message
    assert not any(n.template == "exception_applied" for n in h.fakes.notices)


async def test_an_approved_advice_exception_stops_the_chasing(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, _ = await h.open_case(start)
    await assess(h, handle, today)
    claim = ClaimException(
        actor=CASEWORKER,
        deadline="advice",
        advice_id="health",
        kind="missed_appointment",
        start=today + DAY,
        evidence="clinic letter",
        claimed_on=today + DAY,
    )
    await h.env.sleep(timedelta(days=2))
    state = await handle.execute_update(AssessmentWorkflow.claim_exception, claim, id="claim-3")
    assert state.claims[0].accepted is True
    await handle.execute_update(
        AssessmentWorkflow.approve_exception,
        ApproveException(actor=MANAGER, claim_id="claim-3", approved_on=await h.today()),
    )
    await h.env.sleep(timedelta(weeks=8))
    health = await h.advice_handle(start.case_id, "health").query(AdviceRequestWorkflow.state)
    assert health.status == "excepted"
    assert h.fakes.templates(advice_workflow_id(start.case_id, "health")) == ["advice_request"]
    ep = h.fakes.templates(advice_workflow_id(start.case_id, "ep"))
    assert "advice_overdue" in ep  # the others are still chased
    # Excepted is not abandoned: the advice is still taken when it comes.
    late = await h.today()
    child = h.advice_handle(start.case_id, "health")
    await child.execute_update(
        AdviceRequestWorkflow.submit_advice, SubmitAdvice(actor=agency("health"), received_on=late)
    )
    done = await child.result()
    assert done.status == "received"
    assert done.received_on == late


async def test_advice_accepted_as_the_case_is_decided_is_never_lost(harness: Harness) -> None:
    """The agency's answer is accepted; the caseworker decides in the same moment (the advice being
    overdue, that is allowed) and the outstanding requests are withdrawn. The answer still counts."""
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, _ = await h.open_case(start)
    await assess(h, handle, today)
    await h.env.sleep(timedelta(weeks=7))
    late = await h.today()
    health = h.advice_handle(start.case_id, "health")
    h.fakes.advice_received_gate = asyncio.Event()  # hold the delivery of the accepted answer open
    await health.execute_update(
        AdviceRequestWorkflow.submit_advice, SubmitAdvice(actor=agency("health"), received_on=late)
    )
    await handle.execute_update(
        AssessmentWorkflow.decide_issue, DecideIssue(actor=CASEWORKER, outcome="issue", decided_on=late)
    )  # withdraws the outstanding requests, health's among them, while its delivery is under way
    # Release the delivery only once the withdrawal has reached it (the activity's cancellation is
    # recorded): the interleaving under test, and the time-skipping server rejects a cancellation of an
    # activity that has already finished, which a real server accepts.
    for _ in range(50):
        events = (await health.fetch_history()).events
        if any(e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED for e in events):
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the withdrawal never reached the advice request's delivery")
    h.fakes.advice_received_gate.set()
    assert (await health.result()).status == "received"
    # Recorded (the cancelled attempt may finish too; recording is idempotent by case and advice id).
    assert {r.advice_id for r in h.fakes.advice_received} == {"health"}
    for _ in range(10):
        state = await handle.query(AssessmentWorkflow.state)
        if "health" in state.advice_received:
            break
        await h.env.sleep(timedelta(seconds=1))
    assert state.advice_received["health"] == late
    assert (await h.advice_handle(start.case_id, "ep").result()).status == "withdrawn"
