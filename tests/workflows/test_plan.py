"""`PlanWorkflow` on the time-skipping server: five years of review cycles, each a run of its own, and every
illegal step refused.

The read model the plan's projections build (each replacing only its cycle's deadlines) is checked against
the statute engine run over all the plan's events at once: every date the same as `ehcp timeline` gives.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta
from typing import Any, Literal

import pytest
from temporalio.client import WorkflowContinuedAsNewError, WorkflowHandle
from temporalio.service import RPCError
from typer.testing import CliRunner

from activities.statute import timeline_for
from cli import app
from statute.conventions import Conventions
from statute.rules import months
from workflows.advice.messages import SubmitAdvice
from workflows.advice.workflow import AdviceRequestWorkflow
from workflows.assessment.messages import CaseRecord
from workflows.common.deadlines import start_of
from workflows.common.ids import plan_workflow_id
from workflows.common.messages import Stage, StatuteEvent, TimelineRequest
from workflows.common.records import CaseProjection
from workflows.plan.messages import (
    CeasePlan,
    ConcedeAppeal,
    DecideNotToAmend,
    DecideReassessment,
    DecideReview,
    DecideToCease,
    HoldReviewMeeting,
    IssueAmendedPlan,
    PlanStart,
    PlanState,
    ProposeAmendments,
    RecordAppeal,
    RecordAppealOutcome,
    RecordMediation,
    RecordMove,
    RecordPhaseTransfer,
    RecordReviewInvitations,
    RecordReviewReport,
    RecordTransferInformed,
    RequestReassessment,
    TransferPlanOut,
    WaiveReviewStep,
)
from workflows.plan.workflow import PlanWorkflow

from .conftest import (
    CASEWORKER,
    DAY,
    MANAGER,
    Harness,
    advice_set,
    agency,
    eventually,
    new_plan_start,
    new_start,
    refused,
)

WEEK = timedelta(weeks=1)
Outcome = Literal["keep", "amend", "cease"]


async def start_plan(h: Harness) -> tuple[WorkflowHandle[Any, PlanState], PlanStart]:
    """A plan made today, as the assessment starts it: with the assessment's history."""
    start = new_plan_start(await h.today())
    handle = await h.client.start_workflow(
        PlanWorkflow.run, start, id=plan_workflow_id(start.case_id), task_queue=h.task_queue
    )
    await handle.execute_update(PlanWorkflow.acknowledge)
    return handle, start


async def sleep_to(h: Harness, day: date) -> None:
    """Skip time to `day`, at the time of day the clock has now."""
    today = await h.today()
    assert day >= today, f"{day} is already past ({today})"
    if day > today:
        await h.env.sleep(day - today)


async def next_cycle(h: Harness, state: PlanState) -> PlanState:
    """The plan's state once the run that answered `state` has continued as new with the next cycle."""
    old = h.client.get_workflow_handle(state.workflow_id, run_id=state.run_id)
    with pytest.raises(WorkflowContinuedAsNewError):
        await old.result(follow_runs=False)
    handle = h.client.get_workflow_handle_for(PlanWorkflow.run, state.workflow_id)
    new = await handle.query(PlanWorkflow.state)
    for _ in range(250):  # the new run answers queries before its first timeline is computed
        if new.run_id != state.run_id and new.deadlines:
            break
        await asyncio.sleep(0.02)
        new = await handle.query(PlanWorkflow.state)
    assert new.run_id != state.run_id
    assert new.cycle == state.cycle + 1
    return new


async def annual_review(
    h: Harness, handle: WorkflowHandle[Any, PlanState], outcome: Outcome, *, meeting: date
) -> PlanState:
    """Invitations 2 weeks before `meeting`, the report a week after, the decision 3 weeks after."""
    await sleep_to(h, meeting - 2 * WEEK)
    await handle.execute_update(
        PlanWorkflow.record_review_invitations,
        RecordReviewInvitations(actor=CASEWORKER, sent_on=meeting - 2 * WEEK),
    )
    await sleep_to(h, meeting)
    await handle.execute_update(
        PlanWorkflow.hold_review_meeting, HoldReviewMeeting(actor=CASEWORKER, held_on=meeting)
    )
    await sleep_to(h, meeting + WEEK)
    await handle.execute_update(
        PlanWorkflow.record_review_report, RecordReviewReport(actor=CASEWORKER, sent_on=meeting + WEEK)
    )
    await sleep_to(h, meeting + 3 * WEEK)
    reasons = "no longer needs special educational provision" if outcome == "cease" else ""
    return await handle.execute_update(
        PlanWorkflow.decide_review,
        DecideReview(actor=CASEWORKER, decided_on=meeting + 3 * WEEK, outcome=outcome, reasons=reasons),
        id=f"review-{(await handle.query(PlanWorkflow.state)).cycle}",
    )


def deadline(state: PlanState, name: str, from_date: date | None = None) -> Any:
    found = [
        d for d in state.deadlines if d.deadline == name and (from_date is None or d.from_date == from_date)
    ]
    return max(found, key=lambda d: d.from_date)


def read_model(projections: list[CaseProjection]) -> dict[tuple[str, str, date], Any]:
    """The deadlines table as the projections leave it, applied in state-version order, as the activity
    applies them (a projection older than the stored one is skipped)."""
    rows: dict[tuple[str, str, date], Any] = {}
    for p in sorted(projections, key=lambda p: p.state_version):
        cut = p.replace_from or date.min
        rows = {k: v for k, v in rows.items() if k[2] < cut}
        rows.update({(d.deadline, d.id or "", d.from_date): d for d in p.deadlines})
    return rows


async def test_five_years_of_reviews_each_cycle_a_run_carrying_its_state(harness: Harness) -> None:
    h = harness
    handle, start = await start_plan(h)
    made = start.made_on
    state = await handle.query(PlanWorkflow.state)
    assert state.cycle == 1
    assert state.stage is Stage.PLAN_MAINTAINED
    assert [e.event for e in state.events] == ["final_issued"]  # the assessment's history stays behind
    review_due = made.replace(year=made.year + 1) - DAY  # CFA s.44(1): 12 months beginning with the day
    assert state.review_due == review_due
    first_run = (await handle.describe()).run_id
    log = EventLog()

    # Year 1: amend. The decision goes with the proposed amendments (Devon [2022]); the next cycle opens.
    decided = log.add(await annual_review(h, handle, "amend", meeting=review_due - 6 * WEEK))
    assert decided.run_id == first_run
    on = review_due - 3 * WEEK
    assert deadline(decided, "review_decision").met_on == on
    assert deadline(decided, "review_due", made).met_on == on
    assert deadline(decided, "amended_plan").due == on + 8 * WEEK
    state = await next_cycle(h, decided)
    # The decision retried with the same Idempotency-Key reaches the next cycle's run: answered, not
    # refused, not applied again.
    decisions = len(h.fakes.decisions)
    retry = DecideReview(actor=CASEWORKER, decided_on=on, outcome="amend")
    again = await handle.execute_update(PlanWorkflow.decide_review, retry, id="review-1")
    assert again.run_id == state.run_id
    assert [e.event for e in again.events] == ["plan_reviewed", "amendment_notice_sent"]
    assert len(h.fakes.decisions) == decisions
    assert state.cycle_from == on
    assert [(e.event, e.date) for e in state.events] == [("plan_reviewed", on), ("amendment_notice_sent", on)]
    assert deadline(state, "amended_plan").due == on + 8 * WEEK
    assert state.review_due == on.replace(year=on.year + 1) - DAY

    await sleep_to(h, on + 10 * DAY)
    early = await refused(
        handle, PlanWorkflow.issue_amended_plan, IssueAmendedPlan(actor=CASEWORKER, issued_on=on + 10 * DAY)
    )
    assert "15 days for representations" in early.message
    await sleep_to(h, on + 3 * WEEK)
    state = log.add(
        await handle.execute_update(
            PlanWorkflow.issue_amended_plan, IssueAmendedPlan(actor=CASEWORKER, issued_on=on + 3 * WEEK)
        )
    )
    assert deadline(state, "amended_plan").met_on == on + 3 * WEEK
    assert state.cycle == 2  # an amendment inside a cycle does not open another

    # Year 2: keep.
    review_due = state.review_due
    assert review_due is not None
    state = await next_cycle(
        h, log.add(await annual_review(h, handle, "keep", meeting=review_due - 5 * WEEK))
    )
    on = review_due - 2 * WEEK
    assert [(e.event, e.date) for e in state.events] == [("plan_reviewed", on)]
    assert state.events[0].model_dump()["outcome"] == "keep"

    # Year 3: a phase transfer next September. Reviewed and amended before 15 February (reg 18).
    # The first September after this cycle's review: no review since then has settled the transfer.
    september = date(on.year, 9, 1) if on < date(on.year, 9, 1) else date(on.year + 1, 9, 1)
    await sleep_to(h, september)
    today = await h.today()
    transfer_year = today.year + 1
    state = await handle.execute_update(
        PlanWorkflow.record_phase_transfer,
        RecordPhaseTransfer(actor=CASEWORKER, kind="school", year=transfer_year, recorded_on=today),
    )
    transfer = deadline(state, "phase_transfer_review")
    assert transfer.due == date(transfer_year, 2, 14)
    assert transfer.status == "open"
    again = await refused(
        handle,
        PlanWorkflow.record_phase_transfer,
        RecordPhaseTransfer(actor=CASEWORKER, kind="school", year=transfer_year, recorded_on=today),
    )
    assert "already recorded" in again.message
    log.add(await annual_review(h, handle, "amend", meeting=today + 2 * WEEK))
    on = today + 5 * WEEK
    # The phase transfer review is not settled until the amended plan is issued: the cycle waits for it.
    await h.env.sleep(timedelta(seconds=5))
    assert (await handle.query(PlanWorkflow.state)).cycle == 3
    await sleep_to(h, on + 15 * DAY)
    state = log.add(
        await handle.execute_update(
            PlanWorkflow.issue_amended_plan, IssueAmendedPlan(actor=CASEWORKER, issued_on=on + 15 * DAY)
        )
    )
    assert deadline(state, "phase_transfer_review").met_on == on + 15 * DAY
    state = await next_cycle(h, state)
    assert [e.event for e in state.events] == [
        "plan_reviewed",
        "amendment_notice_sent",
        "amended_plan_issued",
        "decision_notice_sent",  # the amended plan's notice, with the right to appeal it
    ]

    # Year 4: keep, on time again.
    review_due = state.review_due
    assert review_due is not None
    state = await next_cycle(
        h, log.add(await annual_review(h, handle, "keep", meeting=review_due - 4 * WEEK))
    )

    # Year 5: cease. The plan stays maintained through the appeal window (CFA s.45), then ceases.
    review_due = state.review_due
    assert review_due is not None
    state = log.add(await annual_review(h, handle, "cease", meeting=review_due - 4 * WEEK))
    on = review_due - WEEK
    appeal = deadline(state, "appeal")
    assert appeal.id == "cease"
    assert appeal.due >= on + 8 * WEEK
    notice = await eventually(
        lambda: next((n for n in h.fakes.notices if n.template == "decision_cease"), None)
    )
    assert notice.facts["appeal_due"] == appeal.due.isoformat()
    assert notice.workflow_id == start.assessment_workflow_id
    # The decision opens cycle 6, which carries the decision to cease and its appeal window.
    state = await next_cycle(h, state)
    assert [(e.event, e.date) for e in state.events] == [("plan_reviewed", on), ("decision_notice_sent", on)]
    assert state.cease_decided_on == on
    await sleep_to(h, on + WEEK)
    too_soon = await refused(
        handle, PlanWorkflow.cease_plan, CeasePlan(actor=CASEWORKER, ceased_on=on + WEEK)
    )
    assert f"until {appeal.due}" in too_soon.message
    await sleep_to(h, appeal.due + DAY)
    state = await handle.execute_update(
        PlanWorkflow.cease_plan, CeasePlan(actor=CASEWORKER, ceased_on=appeal.due + DAY)
    )
    assert state.stage is Stage.PLAN_CEASED
    final = log.add(await handle.result())
    assert final.stage is Stage.PLAN_CEASED
    assert final.ceased_on == appeal.due + DAY
    with pytest.raises(RPCError):  # the ceased plan's workflow has ended: nothing more reaches it
        await handle.execute_update(
            PlanWorkflow.propose_amendments, ProposeAmendments(actor=CASEWORKER, served_on=appeal.due + DAY)
        )

    # Every review on time: nothing was breached, and each decision was recorded with its actor.
    assert not [n for n in h.fakes.notices if n.template.startswith("deadline_")]
    kinds = [d.kind for d in h.fakes.decisions]
    assert kinds.count("review_decision") == 5
    assert kinds.count("amended_plan") == 2
    assert kinds[-1] == "plan_ceased"
    assert {n.template for n in h.fakes.notices} >= {
        "amendment_notice",
        "decision_plan_content",
        "review_decision_keep",
        "decision_cease",
        "plan_ceased",
    }

    # The read model the five runs built holds every deadline the engine gives for all the plan's
    # events at once, with the same dates: each run replaced only its own cycle's rows.
    await eventually(lambda: h.fakes.projections and h.fakes.projections[-1].stage is Stage.PLAN_CEASED)
    versions = sorted(p.state_version for p in h.fakes.projections)
    assert len(versions) == len(set(versions))
    rows = read_model(h.fakes.projections)
    whole = timeline_for(TimelineRequest(events=log.events(), now=start_of(await h.today())), Conventions())
    expected = {(d.deadline, d.id or "", d.from_date): (d.due, d.met_on) for d in whole.deadlines}
    assert {k: (v.due, v.met_on) for k, v in rows.items()} == expected
    assert len(expected) >= 25
    # And `ehcp timeline` says the same of the same events.
    history = {"events": [e.model_dump(mode="json") for e in log.events()]}
    result = CliRunner().invoke(
        app, ["timeline", "-", "--as-of", (await h.today()).isoformat()], input=json.dumps(history)
    )
    assert result.exit_code == 0, result.output
    told = {
        (d["deadline"], d.get("id") or "", date.fromisoformat(d["from"]["date"])): (
            date.fromisoformat(d["due"]),
            date.fromisoformat(d["met_on"]) if d.get("met_on") else None,
        )
        for d in json.loads(result.stdout)["deadlines"]
    }
    assert told == expected


class EventLog:
    """Every event of the plan, in order, from the states its runs answered (each run's are a suffix)."""

    def __init__(self) -> None:
        self._seen: dict[str, StatuteEvent] = {}

    def add(self, state: PlanState) -> PlanState:
        for e in state.events:
            self._seen.setdefault(e.model_dump_json(), e)
        return state

    def events(self) -> list[StatuteEvent]:
        return list(self._seen.values())


async def test_illegal_plan_steps_are_refused_before_anything_is_written(harness: Harness) -> None:
    h = harness
    handle, start = await start_plan(h)
    today = start.made_on
    written = len(h.fakes.decisions)

    no_meeting = await refused(
        handle, PlanWorkflow.decide_review, DecideReview(actor=CASEWORKER, decided_on=today, outcome="keep")
    )
    assert "review meeting first" in no_meeting.message
    nothing_proposed = await refused(
        handle, PlanWorkflow.issue_amended_plan, IssueAmendedPlan(actor=CASEWORKER, issued_on=today)
    )
    assert "amendment notice sent first" in nothing_proposed.message
    not_ceasing = await refused(handle, PlanWorkflow.cease_plan, CeasePlan(actor=CASEWORKER, ceased_on=today))
    assert "decision notice sent first" in not_ceasing.message
    forbidden = await refused(
        handle, PlanWorkflow.hold_review_meeting, HoldReviewMeeting(actor=agency("school"), held_on=today)
    )
    assert forbidden.type == "Forbidden"
    before = await refused(
        handle, PlanWorkflow.hold_review_meeting, HoldReviewMeeting(actor=CASEWORKER, held_on=today - DAY)
    )
    assert before.type == "InvalidInput"
    assert "held_on" in before.message
    future = await refused(
        handle,
        PlanWorkflow.hold_review_meeting,
        HoldReviewMeeting(actor=CASEWORKER, held_on=today + 30 * DAY),
    )
    assert "in the future" in future.message
    no_reasons = await refused(
        handle, PlanWorkflow.decide_to_cease, DecideToCease(actor=CASEWORKER, decided_on=today, reasons=" ")
    )
    assert no_reasons.type == "InvalidInput"
    assert len(h.fakes.decisions) == written

    await handle.execute_update(
        PlanWorkflow.hold_review_meeting, HoldReviewMeeting(actor=CASEWORKER, held_on=today)
    )
    second = await refused(
        handle, PlanWorkflow.hold_review_meeting, HoldReviewMeeting(actor=CASEWORKER, held_on=today)
    )
    assert "still awaits the LA's decision" in second.message
    await handle.execute_update(
        PlanWorkflow.propose_amendments, ProposeAmendments(actor=CASEWORKER, served_on=today)
    )
    twice = await refused(
        handle, PlanWorkflow.propose_amendments, ProposeAmendments(actor=CASEWORKER, served_on=today)
    )
    assert "await their amended plan" in twice.message
    amend = await refused(
        handle, PlanWorkflow.decide_review, DecideReview(actor=CASEWORKER, decided_on=today, outcome="amend")
    )
    assert "await their amended plan" in amend.message


async def test_an_appeal_keeps_the_plan_until_the_tribunal_decides(harness: Harness) -> None:
    h = harness
    handle, start = await start_plan(h)
    today = start.made_on
    state = await handle.execute_update(
        PlanWorkflow.decide_to_cease,
        DecideToCease(actor=CASEWORKER, decided_on=today, reasons="moved to higher education"),
    )
    appeal = deadline(state, "appeal")
    twice = await refused(
        handle,
        PlanWorkflow.decide_to_cease,
        DecideToCease(actor=CASEWORKER, decided_on=today, reasons="again"),
    )
    assert "already decided to cease" in twice.message
    await sleep_to(h, today + 3 * WEEK)
    state = await handle.execute_update(
        PlanWorkflow.record_appeal, RecordAppeal(actor=CASEWORKER, lodged_on=today + 3 * WEEK)
    )
    assert deadline(state, "appeal").met_on == today + 3 * WEEK
    await sleep_to(h, appeal.due + 2 * DAY)
    pending = await refused(
        handle, PlanWorkflow.cease_plan, CeasePlan(actor=CASEWORKER, ceased_on=appeal.due + 2 * DAY)
    )
    assert "appeal against the decision to cease is pending" in pending.message

    # The tribunal orders the plan continued: the decision to cease is gone, and the plan stays.
    decided = appeal.due + 2 * DAY
    state = await handle.execute_update(
        PlanWorkflow.record_appeal_outcome,
        RecordAppealOutcome(actor=CASEWORKER, decided_on=decided, outcome="continue"),
    )
    assert state.cease_decided_on is None
    gone = await refused(handle, PlanWorkflow.cease_plan, CeasePlan(actor=CASEWORKER, ceased_on=decided))
    assert "decide to cease first" in gone.message
    assert state.stage is Stage.PLAN_MAINTAINED


async def test_a_reassessment_refused_then_made_meets_its_14_weeks(harness: Harness) -> None:
    h = harness
    handle, start = await start_plan(h)
    today = start.made_on
    await handle.execute_update(
        PlanWorkflow.request_reassessment, RequestReassessment(actor=CASEWORKER, requested_on=today)
    )
    waiting = await refused(
        handle, PlanWorkflow.request_reassessment, RequestReassessment(actor=CASEWORKER, requested_on=today)
    )
    assert "still awaits its decision" in waiting.message
    no_reasons = await refused(
        handle,
        PlanWorkflow.decide_reassessment,
        DecideReassessment(actor=CASEWORKER, decided_on=today, outcome="refuse"),
    )
    assert no_reasons.type == "InvalidInput"
    state = await handle.execute_update(
        PlanWorkflow.decide_reassessment,
        DecideReassessment(
            actor=CASEWORKER, decided_on=today, outcome="refuse", reasons="no change in needs"
        ),
    )
    assert deadline(state, "reassessment_decision").met_on == today
    assert deadline(state, "reassessment_decision").due == today + 15 * DAY  # R3: within 15 days, d + 15
    appeal = deadline(state, "appeal")
    assert appeal.id == "refuse_assess"
    notice = await eventually(
        lambda: next((n for n in h.fakes.notices if n.template == "decision_refuse_reassess"), None)
    )
    assert notice.facts["appeal_due"] == appeal.due.isoformat()

    await sleep_to(h, today + 4 * WEEK)
    asked = today + 4 * WEEK
    await handle.execute_update(
        PlanWorkflow.request_reassessment, RequestReassessment(actor=CASEWORKER, requested_on=asked)
    )
    await sleep_to(h, asked + 7 * DAY)
    decided = asked + 7 * DAY
    reassess = DecideReassessment(actor=CASEWORKER, decided_on=decided, outcome="reassess")
    no_advice = await refused(handle, PlanWorkflow.decide_reassessment, reassess)
    assert "reg 26" in no_advice.message  # regs 6-10 apply: the advice is gathered again
    again = [spec.model_copy(update={"advice_id": f"{spec.advice_id}-2"}) for spec in advice_set()]
    state = await handle.execute_update(
        PlanWorkflow.decide_reassessment, reassess.model_copy(update={"advice": again})
    )
    assert deadline(state, "reassessment_plan").due == decided + 14 * WEEK
    asked_again = [d for d in state.deadlines if d.deadline == "advice"]
    assert sorted(d.id or "" for d in asked_again) == sorted(spec.advice_id for spec in again)
    assert {d.due for d in asked_again} == {decided + 6 * WEEK}
    # Each a request of its own, to its agency: the EP answers, and the plan has it.
    await eventually(lambda: {r.advice.advice_id for r in h.fakes.advice_requests} >= {"ep-2", "school-2"})
    await h.advice_handle(start.case_id, "ep-2").execute_update(
        AdviceRequestWorkflow.submit_advice, SubmitAdvice(actor=agency("ep"), received_on=decided)
    )

    async def answered() -> bool:
        now = await handle.query(PlanWorkflow.state)
        return any(d.deadline == "advice" and d.id == "ep-2" and d.met_on for d in now.deadlines)

    for _ in range(50):
        if await answered():
            break
        await asyncio.sleep(0.1)
    assert await answered()
    await sleep_to(h, asked + 10 * WEEK)
    served = asked + 10 * WEEK
    await handle.execute_update(
        PlanWorkflow.propose_amendments, ProposeAmendments(actor=CASEWORKER, served_on=served)
    )
    await sleep_to(h, served + 15 * DAY)
    state = await handle.execute_update(
        PlanWorkflow.issue_amended_plan, IssueAmendedPlan(actor=CASEWORKER, issued_on=served + 15 * DAY)
    )
    assert deadline(state, "reassessment_plan").met_on == served + 15 * DAY
    # The plan issued, the advice still awaited is wanted no longer: those requests are withdrawn.
    await eventually(lambda: len(h.fakes.advice_withdrawn) == 4)
    assert {w.advice_id for w in h.fakes.advice_withdrawn} == {"parent-2", "school-2", "health-2", "social-2"}


async def test_a_plan_transferred_out_ends_here_without_the_new_las_duties(harness: Harness) -> None:
    h = harness
    handle, start = await start_plan(h)
    today = start.made_on
    await sleep_to(h, today + 10 * DAY)
    aware = today + 10 * DAY
    backwards = await refused(
        handle,
        PlanWorkflow.record_move,
        RecordMove(actor=CASEWORKER, aware_on=aware, move_on=aware - DAY, to_la="Southshire"),
    )
    assert backwards.type == "InvalidInput"
    assert "move_on" in backwards.message
    early = await refused(
        handle, PlanWorkflow.transfer_plan_out, TransferPlanOut(actor=CASEWORKER, transferred_on=aware)
    )
    assert "transfer aware first" in early.message
    state = await handle.execute_update(
        PlanWorkflow.record_move,
        RecordMove(actor=CASEWORKER, aware_on=aware, move_on=aware + 30 * DAY, to_la="Southshire"),
    )
    assert deadline(state, "transfer_plan").due == aware + 30 * DAY  # 15 working days' notice or more
    await sleep_to(h, aware + 20 * DAY)
    state = await handle.execute_update(
        PlanWorkflow.transfer_plan_out, TransferPlanOut(actor=CASEWORKER, transferred_on=aware + 20 * DAY)
    )
    assert state.stage is Stage.PLAN_TRANSFERRED
    assert deadline(state, "transfer_plan").met_on == aware + 20 * DAY
    final = await handle.result()
    assert final.stage is Stage.PLAN_TRANSFERRED
    last = await eventually(
        lambda: next((p for p in reversed(h.fakes.projections) if p.stage is Stage.PLAN_TRANSFERRED), None)
    )
    assert last.closed_on == aware + 20 * DAY
    assert not {d.deadline for d in last.deadlines} & {"transfer_inform", "transfer_review"}
    assert "plan_transferred" in h.fakes.templates()


async def test_a_plan_transferred_in_is_recorded_and_its_family_told(harness: Harness) -> None:
    h = harness
    today = await h.today()
    made = today - 200 * DAY
    case_id = uuid.uuid4()
    record = CaseRecord(
        case_id=case_id,
        workflow_id=plan_workflow_id(case_id),
        start=new_start(today, case_id=case_id),
    )
    start = PlanStart(
        case_id=case_id,
        assessment_workflow_id=plan_workflow_id(case_id),
        la_code="999",
        made_on=made,
        events=[StatuteEvent(event="final_issued", date=made), StatuteEvent(event="transferred", date=today)],
        caseworker_id=CASEWORKER.actor_id,
        arriving=record,
    )
    handle = await h.client.start_workflow(
        PlanWorkflow.run, start, id=plan_workflow_id(case_id), task_queue=h.task_queue
    )
    state = await handle.execute_update(PlanWorkflow.acknowledge)
    assert [c.case_id for c in h.fakes.cases] == [case_id]
    assert state.stage is Stage.PLAN_MAINTAINED
    assert deadline(state, "transfer_inform").due == today + 6 * WEEK
    # reg 15(5): within 12 months of the making or 3 months of the transfer, whichever is later.
    review = made.replace(year=made.year + 1) - DAY
    assert deadline(state, "transfer_review").due == max(review, months(today, 3))
    assert not any(d.deadline == "review_due" for d in state.deadlines)
    state = await handle.execute_update(
        PlanWorkflow.record_transfer_informed, RecordTransferInformed(actor=CASEWORKER, informed_on=today)
    )
    assert deadline(state, "transfer_inform").met_on == today
    again = await refused(
        handle,
        PlanWorkflow.record_transfer_informed,
        RecordTransferInformed(actor=CASEWORKER, informed_on=today),
    )
    assert "already told" in again.message


async def test_mediation_moves_the_appeal_and_a_tribunal_amendment_is_met_by_the_amended_plan(
    harness: Harness,
) -> None:
    h = harness
    handle, start = await start_plan(h)
    today = start.made_on
    state = await handle.execute_update(
        PlanWorkflow.decide_to_cease,
        DecideToCease(actor=CASEWORKER, decided_on=today, reasons="needs met without a plan"),
    )
    first_due = deadline(state, "appeal").due
    not_contacted = await refused(
        handle, PlanWorkflow.record_mediation, RecordMediation(actor=CASEWORKER, on=today, step="held")
    )
    assert "has not been contacted" in not_contacted.message
    unsaid = await refused(
        handle,
        PlanWorkflow.record_mediation,
        RecordMediation(actor=CASEWORKER, on=today, step="adviser_contacted"),
    )
    assert unsaid.type == "InvalidInput"
    await sleep_to(h, today + 6 * WEEK)
    contacted = today + 6 * WEEK
    state = await handle.execute_update(
        PlanWorkflow.record_mediation,
        RecordMediation(actor=CASEWORKER, on=contacted, step="adviser_contacted", wants_mediation=True),
    )
    assert deadline(state, "mediation").due == contacted + 30 * DAY  # R3: within 30 days, d + 30
    await sleep_to(h, contacted + 3 * WEEK)
    held = contacted + 3 * WEEK
    await handle.execute_update(
        PlanWorkflow.record_mediation, RecordMediation(actor=CASEWORKER, on=held, step="held")
    )
    state = await handle.execute_update(
        PlanWorkflow.record_mediation, RecordMediation(actor=CASEWORKER, on=held, step="certificate_issued")
    )
    moved = deadline(state, "appeal").due
    assert moved > first_due  # a month from the certificate, later than 2 months from the notice
    await sleep_to(h, held + WEEK)
    await handle.execute_update(
        PlanWorkflow.record_appeal, RecordAppeal(actor=CASEWORKER, lodged_on=held + WEEK)
    )
    await sleep_to(h, held + 20 * WEEK)
    ordered = held + 20 * WEEK
    state = await handle.execute_update(
        PlanWorkflow.record_appeal_outcome,
        RecordAppealOutcome(actor=CASEWORKER, decided_on=ordered, outcome="amend"),
    )
    assert state.cease_decided_on is None  # the order undoes the decision to cease
    assert deadline(state, "tribunal_amended_plan").due == ordered + 5 * WEEK
    await sleep_to(h, ordered + 2 * WEEK)
    state = await handle.execute_update(
        PlanWorkflow.issue_amended_plan, IssueAmendedPlan(actor=CASEWORKER, issued_on=ordered + 2 * WEEK)
    )
    assert deadline(state, "tribunal_amended_plan").met_on == ordered + 2 * WEEK


async def test_an_amended_plan_can_be_appealed_as_the_final_plan_can(harness: Harness) -> None:
    """Issue 11 s.2: the amended plan's notice is the `plan_content` decision notice, with the last day to
    appeal; its content appealed and the appeal not opposed, the plan is amended again within 5 weeks."""
    h = harness
    handle, start = await start_plan(h)
    served = start.made_on
    await handle.execute_update(
        PlanWorkflow.propose_amendments, ProposeAmendments(actor=CASEWORKER, served_on=served)
    )
    await sleep_to(h, served + 3 * WEEK)
    issued = served + 3 * WEEK
    state = await handle.execute_update(
        PlanWorkflow.issue_amended_plan,
        IssueAmendedPlan(actor=CASEWORKER, issued_on=issued, school_named="Northshire Academy"),
    )
    appeal = deadline(state, "appeal", issued)
    assert (appeal.id, appeal.status) == ("plan_content", "open")
    assert [e.event for e in state.events][-2:] == ["amended_plan_issued", "decision_notice_sent"]
    notice = await eventually(
        lambda: next((n for n in h.fakes.notices if n.template == "decision_plan_content"), None)
    )
    assert notice.facts == {
        "decision": "plan_content",
        "appeal_due": appeal.due.isoformat(),
        "plan": "amended EHC plan",
        "school_named": "Northshire Academy",
    }
    assert "amended_plan_issued" not in h.fakes.templates()

    await sleep_to(h, issued + 4 * WEEK)
    lodged = issued + 4 * WEEK
    state = await handle.execute_update(
        PlanWorkflow.record_appeal, RecordAppeal(actor=CASEWORKER, lodged_on=lodged)
    )
    assert deadline(state, "appeal", issued).met_on == lodged
    await sleep_to(h, lodged + 6 * WEEK)
    conceded = lodged + 6 * WEEK
    state = await handle.execute_update(
        PlanWorkflow.concede_appeal, ConcedeAppeal(actor=CASEWORKER, conceded_on=conceded, appeal="content")
    )
    assert deadline(state, "tribunal_amended_plan").due == conceded + 5 * WEEK  # reg 45(2)


async def test_not_amending_after_a_review_can_be_appealed_and_outside_one_cannot(harness: Harness) -> None:
    """Reg 22(4): after a review's decision to amend, the LA decides not to after all. The 8 weeks are
    settled and the parent is told why, with the last day to appeal (CFA s.51(2)(e)); amendments proposed
    outside a review and not made are told with no appeal."""
    h = harness
    handle, start = await start_plan(h)
    review_due = start.made_on.replace(year=start.made_on.year + 1) - DAY
    decided = await annual_review(h, handle, "amend", meeting=review_due - 6 * WEEK)
    await next_cycle(h, decided)  # the review's decision opens the next cycle, its amendments with it
    on = review_due - 3 * WEEK
    await sleep_to(h, on + 2 * WEEK)
    dropped = on + 2 * WEEK
    reasons = "The new OT advice confirms the provision in section F."
    not_amending = DecideNotToAmend(actor=CASEWORKER, decided_on=dropped, reasons=reasons)
    state = await handle.execute_update(PlanWorkflow.decide_not_to_amend, not_amending)
    assert deadline(state, "amended_plan").met_on == dropped
    appeal = deadline(state, "appeal")
    assert (appeal.id, appeal.from_date, appeal.status) == ("refuse_amend", dropped, "open")
    notice = await eventually(
        lambda: next((n for n in h.fakes.notices if n.template == "decision_refuse_amend"), None)
    )
    assert notice.facts == {
        "decision": "refuse_amend",
        "appeal_due": appeal.due.isoformat(),
        "reasons": reasons,
    }
    assert [d.kind for d in h.fakes.decisions][-1] == "decision_not_to_amend"
    twice = await refused(handle, PlanWorkflow.decide_not_to_amend, not_amending)
    assert "no amendments are proposed" in twice.message

    later = dropped + WEEK
    await sleep_to(h, later)
    await handle.execute_update(
        PlanWorkflow.propose_amendments, ProposeAmendments(actor=CASEWORKER, served_on=later)
    )
    state = await handle.execute_update(
        PlanWorkflow.decide_not_to_amend,
        DecideNotToAmend(actor=CASEWORKER, decided_on=later, reasons=reasons),
    )
    told = await eventually(
        lambda: next((n for n in h.fakes.notices if n.template == "amendment_not_made"), None)
    )
    assert told.facts == {"reasons": reasons}
    assert [d.from_date for d in state.deadlines if d.deadline == "appeal"] == [dropped]


async def test_a_manager_waives_review_steps_never_taken_and_the_cycle_closes(harness: Harness) -> None:
    """Issue 11 s.5: a review held without invitations and decided without its report kept its cycle open
    for ever. A manager waives each, with reasons: owed no longer, and the next cycle opens."""
    h = harness
    handle, start = await start_plan(h)
    meeting = start.made_on + 40 * WEEK
    await sleep_to(h, meeting)
    await handle.execute_update(
        PlanWorkflow.hold_review_meeting, HoldReviewMeeting(actor=CASEWORKER, held_on=meeting)
    )
    await sleep_to(h, meeting + 3 * WEEK)
    decided = await handle.execute_update(
        PlanWorkflow.decide_review,
        DecideReview(actor=CASEWORKER, decided_on=meeting + 3 * WEEK, outcome="keep"),
    )
    await h.env.sleep(timedelta(seconds=5))
    assert (await handle.query(PlanWorkflow.state)).run_id == decided.run_id  # held open by the two steps
    waived_on = meeting + 3 * WEEK
    waiver = WaiveReviewStep(
        actor=MANAGER,
        step="review_report",
        meeting_on=meeting,
        waived_on=waived_on,
        reasons="The decision was made at the meeting with the family; a report adds nothing.",
    )
    by_a_caseworker = await refused(
        handle, PlanWorkflow.waive_review_step, waiver.model_copy(update={"actor": CASEWORKER})
    )
    assert by_a_caseworker.type == "Forbidden"
    unreasoned = await refused(
        handle, PlanWorkflow.waive_review_step, waiver.model_copy(update={"reasons": " "})
    )
    assert (unreasoned.type, unreasoned.message.split(":")[0]) == ("InvalidInput", "reasons")
    elsewhere = waiver.model_copy(update={"meeting_on": meeting - DAY})
    assert (await refused(handle, PlanWorkflow.waive_review_step, elsewhere)).type == "InvalidInput"
    state = await handle.execute_update(PlanWorkflow.waive_review_step, waiver)
    assert deadline(state, "review_report").status == "withdrawn"
    again = await refused(handle, PlanWorkflow.waive_review_step, waiver)
    assert "nothing to waive" in again.message
    await handle.execute_update(
        PlanWorkflow.waive_review_step, waiver.model_copy(update={"step": "review_invitations"})
    )
    state = await next_cycle(h, decided)
    assert state.cycle_from == waived_on
    waivers = [d for d in h.fakes.decisions if d.kind == "review_step_waived"]
    assert [(d.outcome, d.detail) for d in waivers] == [
        ("review_report", {"meeting_on": meeting.isoformat()}),
        ("review_invitations", {"meeting_on": meeting.isoformat()}),
    ]


async def test_the_caseworker_is_reminded_to_arrange_the_review_once(harness: Harness) -> None:
    h = harness
    handle, _ = await start_plan(h)
    state = await handle.query(PlanWorkflow.state)
    due = state.review_due
    assert due is not None
    await sleep_to(h, due - 8 * WEEK - DAY)
    await h.env.sleep(timedelta(seconds=5))
    assert "review_reminder" not in h.fakes.templates()
    await sleep_to(h, due - 8 * WEEK + DAY)
    reminder = await eventually(
        lambda: next((n for n in h.fakes.notices if n.template == "review_reminder"), None)
    )
    assert reminder.to == "caseworker"
    assert reminder.on == due
    assert reminder.facts == {
        "meeting_by": (due - 4 * WEEK).isoformat(),
        "invitations_by": (due - 6 * WEEK).isoformat(),
    }
    await sleep_to(h, due - WEEK)
    await h.env.sleep(timedelta(seconds=5))
    assert h.fakes.templates().count("review_reminder") == 1
