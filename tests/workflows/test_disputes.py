"""A family's disagreement with a refusal on the time-skipping server (issue 11 s.1): mediation, the appeal,
the tribunal's order or the LA not opposing it, each starting the duties of regs 44-45 on their clocks,
and every step out of order refused before anything is written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from workflows.assessment.messages import (
    ConcedeRefusalAppeal,
    DecideAssessment,
    DecideIssue,
    IssueFinalPlan,
    RecordTribunalOutcome,
    ServeDraft,
)
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.messages import Stage
from workflows.plan.messages import RecordAppeal, RecordMediation

from .conftest import CASEWORKER, Harness, advice_set, eventually, new_start, refused
from .test_assessment import answer_all, assess

WEEK = timedelta(weeks=1)


def due(state: Any, name: str, id: str | None = None) -> Any:
    return next(d for d in state.deadlines if d.deadline == name and (id is None or d.id == id))


async def test_a_refusal_to_assess_mediated_appealed_and_ordered_reopens_the_assessment(
    harness: Harness,
) -> None:
    h = harness
    today = await h.today()
    handle, _ = await h.open_case(new_start(today))
    refusal = DecideAssessment(
        actor=CASEWORKER, outcome="refuse", decided_on=today, reasons="no evidence of SEN"
    )
    state = await handle.execute_update(AssessmentWorkflow.decide_assessment, refusal)
    first_due = due(state, "appeal", "refuse_assess").due
    too_early = await refused(
        handle, AssessmentWorkflow.record_appeal_outcome,
        RecordTribunalOutcome(actor=CASEWORKER, decided_on=today, outcome="assess"),
    )  # fmt: skip
    assert "no appeal is with the tribunal" in too_early.message

    await h.env.sleep(5 * WEEK)
    contacted = today + 5 * WEEK
    no_mediation = RecordMediation(
        actor=CASEWORKER, on=contacted, step="adviser_contacted", wants_mediation=False
    )
    await handle.execute_update(AssessmentWorkflow.record_mediation, no_mediation)
    held = await refused(
        handle,
        AssessmentWorkflow.record_mediation,
        RecordMediation(actor=CASEWORKER, on=contacted, step="held"),
    )
    assert "did not want mediation" in held.message
    state = await handle.execute_update(
        AssessmentWorkflow.record_mediation,
        RecordMediation(actor=CASEWORKER, on=contacted, step="certificate_issued"),
    )
    moved = due(state, "appeal", "refuse_assess").due
    assert moved >= first_due  # a month from the certificate, if later than 2 months from the notice

    await h.env.sleep(WEEK)
    lodged = today + 6 * WEEK
    state = await handle.execute_update(
        AssessmentWorkflow.record_appeal, RecordAppeal(actor=CASEWORKER, lodged_on=lodged)
    )
    assert state.stage is Stage.APPEALED
    assert due(state, "appeal", "refuse_assess").met_on == lodged
    twice = await refused(
        handle, AssessmentWorkflow.record_appeal, RecordAppeal(actor=CASEWORKER, lodged_on=lodged)
    )
    assert "already recorded" in twice.message
    await h.env.sleep(
        moved - today + 10 * WEEK
    )  # the case stays open, past the appeal window, for the tribunal
    assert (await handle.query(AssessmentWorkflow.state)).stage is Stage.APPEALED

    ordered = await h.today()
    wrong = await refused(
        handle, AssessmentWorkflow.record_appeal_outcome,
        RecordTribunalOutcome(actor=CASEWORKER, decided_on=ordered, outcome="make_and_maintain"),
    )  # fmt: skip
    assert (wrong.type, wrong.message.split(":")[0]) == ("InvalidInput", "outcome")
    state = await handle.execute_update(
        AssessmentWorkflow.record_appeal_outcome,
        RecordTribunalOutcome(actor=CASEWORKER, decided_on=ordered, outcome="assess"),
    )
    assert state.stage is Stage.AWAITING_DECISION_TO_ASSESS
    assert due(state, "tribunal_notify_assess").due == ordered + 2 * WEEK  # reg 44(2)(b)
    assert due(state, "tribunal_final_plan").due == ordered + 14 * WEEK
    state = await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=ordered, advice=advice_set()),
    )
    assert state.stage is Stage.GATHERING_ADVICE
    assert due(state, "tribunal_notify_assess").met_on == ordered
    kinds = [
        d.kind
        for d in await eventually(lambda: [d for d in h.fakes.decisions if d.kind.startswith("appeal")])
    ]
    assert kinds == ["appeal", "appeal_outcome"]


async def test_a_decision_not_to_issue_conceded_leads_to_the_plan_on_its_clock(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, _ = await h.open_case(start)
    await assess(h, handle, today)
    await h.env.sleep(WEEK)
    decided = today + WEEK
    await answer_all(h, start.case_id, decided)
    await h.env.sleep(timedelta(seconds=5))
    await handle.execute_update(
        AssessmentWorkflow.decide_issue,
        DecideIssue(
            actor=CASEWORKER, outcome="not_issue", decided_on=decided, reasons="needs met at SEN support"
        ),
    )
    await handle.execute_update(
        AssessmentWorkflow.record_appeal, RecordAppeal(actor=CASEWORKER, lodged_on=decided)
    )
    wrong = await refused(
        handle, AssessmentWorkflow.concede_appeal,
        ConcedeRefusalAppeal(actor=CASEWORKER, conceded_on=decided, appeal="refuse_assess"),
    )  # fmt: skip
    assert (wrong.type, wrong.message) == (
        "InvalidInput",
        "appeal: the appeal is against not_issue; concede it as refuse_issue",
    )
    state = await handle.execute_update(
        AssessmentWorkflow.concede_appeal,
        ConcedeRefusalAppeal(actor=CASEWORKER, conceded_on=decided, appeal="refuse_issue"),
    )
    assert state.stage is Stage.DRAFTING
    assert due(state, "tribunal_draft").due == decided + 5 * WEEK  # reg 45
    assert due(state, "tribunal_final").due == decided + 11 * WEEK
    await handle.execute_update(
        AssessmentWorkflow.serve_draft, ServeDraft(actor=CASEWORKER, served_on=decided)
    )
    await h.env.sleep(3 * WEEK)
    issued = decided + 3 * WEEK
    state = await handle.execute_update(
        AssessmentWorkflow.issue_final_plan, IssueFinalPlan(actor=CASEWORKER, issued_on=issued)
    )
    assert state.stage is Stage.FINAL_ISSUED
    assert due(state, "tribunal_final").met_on == issued
    assert due(state, "tribunal_draft").met_on == decided


async def test_an_appeal_dismissed_closes_the_case(harness: Harness) -> None:
    h = harness
    today = await h.today()
    handle, _ = await h.open_case(new_start(today))
    await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="refuse", decided_on=today, reasons="no evidence of SEN"),
    )
    await handle.execute_update(
        AssessmentWorkflow.record_appeal, RecordAppeal(actor=CASEWORKER, lodged_on=today)
    )
    await handle.execute_update(
        AssessmentWorkflow.record_appeal_outcome,
        RecordTribunalOutcome(actor=CASEWORKER, decided_on=today, outcome="dismissed"),
    )
    final = await handle.result()
    assert final.stage is Stage.CLOSED
