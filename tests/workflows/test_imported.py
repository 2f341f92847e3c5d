"""Cases brought in by `ehcp import` (issue 11 s.6): each starts at the state its events describe, its steps
judged by the same rules as the API's commands; nothing already past is announced, and what falls due
from the day of the import on is chased as on any other case."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.client import WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from statute.history import parse_history
from statute.timeline import compute_timeline
from workflows.assessment.messages import ImportedCase
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.ids import assessment_workflow_id, plan_workflow_id
from workflows.common.messages import Stage, StatuteEvent
from workflows.plan.workflow import PlanWorkflow

from .conftest import AGENCIES, CASEWORKER, Harness, eventually, new_plan_start, new_start

WEEK = timedelta(weeks=1)
ADVICE = {
    "parent": "parent",
    "school": "educational",
    "health": "medical",
    "ep": "psychological",
    "social": "social_care",
}


def in_flight(today: date) -> list[dict[str, Any]]:
    """A request 14 weeks ago, decided a week late; two of five advice in, the rest a week overdue."""
    asked = today - 7 * WEEK
    return [
        {"event": "request_received", "date": (today - 14 * WEEK).isoformat(), "source": "parent"},
        {"event": "decision_to_assess", "date": asked.isoformat(), "outcome": "assess"},
        *(
            {"event": "advice_requested", "date": asked.isoformat(), "id": advice_id, "advice": kind}
            for advice_id, kind in ADVICE.items()
        ),
        {"event": "advice_received", "date": (today - 6 * WEEK).isoformat(), "id": "parent"},
        {"event": "advice_received", "date": (today - 3 * WEEK).isoformat(), "id": "school"},
    ]


async def import_case(h: Harness, events: list[dict[str, Any]], *, plan: bool = False) -> Any:
    today = await h.today()
    parsed = [StatuteEvent.model_validate(e) for e in events]
    if plan:
        start: Any = new_plan_start(max(e.date for e in parsed if e.event == "final_issued"))
        start = start.model_copy(update={"events": parsed, "imported_on": today})
        workflow, acknowledge = PlanWorkflow.run, PlanWorkflow.acknowledge
        workflow_id = plan_workflow_id(start.case_id)
    else:
        imported = ImportedCase(
            imported_on=today, actor=CASEWORKER, events=parsed, agencies={a: AGENCIES[a] for a in ADVICE}
        )
        start = new_start(parsed[0].date, imported=imported)
        workflow, acknowledge = AssessmentWorkflow.run, AssessmentWorkflow.acknowledge_request
        workflow_id = assessment_workflow_id(start.case_id)
    operation = WithStartWorkflowOperation(
        workflow,
        start,
        id=workflow_id,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_queue=h.task_queue,
    )
    state = await h.client.execute_update_with_start_workflow(
        acknowledge, start_workflow_operation=operation, id=f"import-{uuid.uuid4()}"
    )
    return await operation.workflow_handle(), state


async def test_a_case_in_flight_announces_nothing_past_and_chases_what_falls_due(harness: Harness) -> None:
    h = harness
    today = await h.today()
    events = in_flight(today)
    handle, state = await import_case(h, events)

    assert state.stage is Stage.GATHERING_ADVICE
    assert state.advice_received == {"parent": today - 6 * WEEK, "school": today - 3 * WEEK}
    # The same deadlines as the statute engine over the same events, as of the day of the import.
    expected = compute_timeline(parse_history({"events": events, "child": {"year_group": 5}}), as_of=today)
    assert [(d.deadline, d.id, d.due, d.status) for d in state.deadlines] == [
        (d.deadline, d.id, d.due, d.status) for d in expected.deadlines
    ]
    assert {d.deadline: d.status for d in state.deadlines if d.id is None}["decision_to_assess"] == "met_late"
    # Recorded, decided and awaited: the three advice still out are asked again of no one, and recorded.
    await eventually(lambda: len(h.fakes.advice_requests) == 3)
    assert sorted(r.advice.advice_id for r in h.fakes.advice_requests) == ["ep", "health", "social"]
    assert len(h.fakes.cases) == 1
    await eventually(lambda: h.fakes.projections)
    assert {d.kind for d in h.fakes.decisions} == {"decision_to_assess"}
    assert h.fakes.notices == []

    # The draft's target falls due on the day of the import, the final plan (20 weeks) six weeks later:
    # both are missed after the import, so both are told.
    await h.env.sleep(6 * WEEK + 2 * timedelta(days=1))
    await eventually(lambda: h.fakes.templates().count("deadline_breached") == 2)
    breached = [n for n in h.fakes.notices if n.template == "deadline_breached"]
    assert [n.step.split(" ")[0] for n in breached] == ["draft_target", "final_plan"]
    chased = [n for n in h.fakes.notices if n.template.startswith("advice_")]
    assert not chased, "advice overdue before the import was chased"
    await handle.terminate()


async def test_advice_due_after_the_import_is_chased_from_then(harness: Harness) -> None:
    h = harness
    today = await h.today()
    asked = today - 3 * WEEK  # due in 3 weeks: reminded a week before, chased the day after
    events = [
        {"event": "request_received", "date": (today - 5 * WEEK).isoformat()},
        {"event": "decision_to_assess", "date": asked.isoformat(), "outcome": "assess"},
        *(
            {"event": "advice_requested", "date": asked.isoformat(), "id": advice_id, "advice": kind}
            for advice_id, kind in ADVICE.items()
        ),
    ]
    handle, _ = await import_case(h, events)
    await eventually(lambda: len(h.fakes.advice_requests) == 5)
    assert h.fakes.notices == []
    await h.env.sleep(3 * WEEK + 2 * timedelta(days=1))
    await eventually(lambda: h.fakes.templates().count("advice_overdue") == 5)
    assert h.fakes.templates().count("advice_reminder") == 5
    assert "advice_request" not in h.fakes.templates()  # sent before the import, not again
    await handle.terminate()


async def test_an_illegal_step_refuses_the_case_and_writes_nothing(harness: Harness) -> None:
    h = harness
    today = await h.today()
    events = [
        {"event": "request_received", "date": (today - 10 * WEEK).isoformat()},
        {"event": "decision_to_issue", "date": (today - 2 * WEEK).isoformat(), "outcome": "issue"},
    ]
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await import_case(h, events)
    cause = failure.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.message.startswith("events[1]: the case is awaiting_decision_to_assess")
    assert h.fakes.cases == []
    assert h.fakes.decisions == []
    assert h.fakes.notices == []
    assert h.fakes.projections == []


async def test_a_refusal_whose_appeal_window_is_open_keeps_it_without_a_new_notice(harness: Harness) -> None:
    h = harness
    today = await h.today()
    refused_on = today - 3 * WEEK
    events = [
        {"event": "request_received", "date": (today - 8 * WEEK).isoformat()},
        {"event": "decision_to_assess", "date": refused_on.isoformat(), "outcome": "refuse"},
        {"event": "decision_notice_sent", "date": refused_on.isoformat(), "decision": "refuse_assess"},
    ]
    handle, state = await import_case(h, events)
    assert state.stage is Stage.REFUSED_TO_ASSESS
    assert [d.status for d in state.deadlines if d.deadline == "appeal"] == ["open"]
    await eventually(lambda: h.fakes.projections)
    assert h.fakes.notices == []
    await handle.terminate()


async def test_a_plan_imported_is_not_reminded_of_a_review_already_overdue(harness: Harness) -> None:
    h = harness
    today = await h.today()
    made = today - 14 * 4 * WEEK  # 56 weeks ago: its review was due 4 weeks ago
    events = [
        {"event": "request_received", "date": (made - 20 * WEEK).isoformat()},
        {"event": "final_issued", "date": made.isoformat()},
    ]
    handle, state = await import_case(h, events, plan=True)
    assert [d.status for d in state.deadlines if d.deadline == "review_due"] == ["overdue"]
    await eventually(lambda: h.fakes.projections)
    await h.env.sleep(2 * WEEK)
    assert h.fakes.notices == []
    await handle.terminate()


async def test_a_decision_overdue_before_the_import_is_not_announced_nor_escalated(harness: Harness) -> None:
    h = harness
    today = await h.today()
    request = {"event": "request_received", "date": (today - 7 * WEEK).isoformat()}
    handle, state = await import_case(h, [request])
    assert [d.status for d in state.deadlines if d.deadline == "decision_to_assess"] == ["overdue"]
    await eventually(lambda: h.fakes.projections)
    await h.env.sleep(2 * WEEK)  # past its escalation, a week after it was breached
    assert h.fakes.notices == []
    await handle.terminate()
