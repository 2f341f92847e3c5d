"""What the assessment tells the read model is what happened (issue 9 s.4): nothing stays owed on a
withdrawn request, advice overtaken by the decision is withdrawn rather than owed for ever, a step done
late is `met_late`, reg 10(1)'s limit passing undecided is no breach, and a breach of the service's own
target does not call it statutory."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from workflows.advice.messages import SubmitAdvice
from workflows.advice.workflow import AdviceRequestWorkflow
from workflows.assessment.messages import DecideIssue, IssueFinalPlan, ServeDraft, Withdraw
from workflows.assessment.workflow import AssessmentWorkflow

from .conftest import CASEWORKER, Harness, agency, new_start
from .test_assessment import assess, deadline

OWED = ("open", "overdue")


def statuses(deadlines: Any, name: str) -> set[str]:
    return {d.status for d in deadlines if d.deadline == name}


async def test_a_withdrawn_request_owes_nothing_and_its_read_model_says_so(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, _ = await h.open_case(start)
    await assess(h, handle, today)
    await h.env.sleep(timedelta(weeks=7))  # the advice is overdue now, and chased

    withdrawn_on = await h.today()
    state = await handle.execute_update(
        AssessmentWorkflow.withdraw,
        Withdraw(actor=CASEWORKER, withdrawn_on=withdrawn_on, reasons="moved away"),
    )
    for name in ("advice", "decision_not_to_issue", "draft_target", "final_plan"):
        assert statuses(state.deadlines, name) == {"withdrawn"}, name
    await handle.result()
    last = [p for p in h.fakes.projections if p.case_id == start.case_id][-1]
    assert not [d for d in last.deadlines if d.status in OWED], "a withdrawn case still owes steps"


async def test_advice_overtaken_by_the_decision_is_withdrawn_to_the_end(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, _ = await h.open_case(start)
    await assess(h, handle, today)
    await h.advice_handle(start.case_id, "ep").execute_update(
        AdviceRequestWorkflow.submit_advice, SubmitAdvice(actor=agency("ep"), received_on=today)
    )
    await h.env.sleep(timedelta(weeks=7))
    decided = await h.today()
    state = await handle.execute_update(
        AssessmentWorkflow.decide_issue, DecideIssue(actor=CASEWORKER, outcome="issue", decided_on=decided)
    )
    by_id = {d.id: d.status for d in state.deadlines if d.deadline == "advice"}
    assert by_id == {
        "ep": "met",
        "parent": "withdrawn",
        "school": "withdrawn",
        "health": "withdrawn",
        "social": "withdrawn",
    }

    await handle.execute_update(
        AssessmentWorkflow.serve_draft, ServeDraft(actor=CASEWORKER, served_on=decided)
    )
    await h.env.sleep(timedelta(days=16))
    issued = await h.today()
    await handle.execute_update(
        AssessmentWorkflow.issue_final_plan, IssueFinalPlan(actor=CASEWORKER, issued_on=issued)
    )
    final = await handle.result()
    assert statuses(final.deadlines, "advice") == {"met", "withdrawn"}
    last = [p for p in h.fakes.projections if p.case_id == start.case_id and p.stage is final.stage][-1]
    assert statuses(last.deadlines, "advice") == {"met", "withdrawn"}


async def test_late_steps_are_met_late_and_reg_10_passing_undecided_is_no_breach(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, _ = await h.open_case(start)
    await assess(h, handle, today)
    await h.env.sleep(timedelta(weeks=21))  # past the 14-week target, reg 10(1)'s 16 weeks and the 20 weeks
    state = await handle.query(AssessmentWorkflow.state)
    assert deadline(state, "decision_not_to_issue").status == "closed"
    assert deadline(state, "draft_target").status == "overdue"

    breaches = [
        n for n in h.fakes.notices if n.case_id == start.case_id and n.template == "deadline_breached"
    ]
    missed = {n.step.split(" ")[0]: n for n in breaches}
    assert "decision_not_to_issue" not in missed, "a limit that binds only a refusal was announced as missed"
    assert missed["draft_target"].facts["limit"] == "target (not a statutory time limit)"
    assert missed["final_plan"].facts["limit"] == "statutory time limit"

    decided = await h.today()
    await handle.execute_update(
        AssessmentWorkflow.decide_issue, DecideIssue(actor=CASEWORKER, outcome="issue", decided_on=decided)
    )
    state = await handle.execute_update(
        AssessmentWorkflow.serve_draft, ServeDraft(actor=CASEWORKER, served_on=decided)
    )
    assert deadline(state, "draft_target").status == "met_late"
    assert deadline(state, "draft_target").met_on == decided
    assert not [d for d in state.deadlines if d.deadline == "decision_not_to_issue"]
