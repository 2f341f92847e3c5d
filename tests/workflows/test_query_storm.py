"""Queries arriving while a workflow's first tasks run (its local activities, its patches) must leave a
history that replays. Each case workflow is queried without pause while it starts and while it takes a
command; its history is then replayed with the worker's own sandbox configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle, WorkflowQueryFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.worker import Replayer

from worker.main import WORKFLOW_RUNNER, WORKFLOWS
from workflows.assessment.messages import DecideAssessment
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.ids import advice_workflow_id, plan_workflow_id
from workflows.plan.messages import HoldReviewMeeting, RecordReviewInvitations
from workflows.plan.workflow import PlanWorkflow

from .conftest import CASEWORKER, Harness, advice_set, new_plan_start, new_start

QUERIES = 30


async def storm(handle: WorkflowHandle[Any, Any]) -> int:
    """Query the workflow's state as fast as it answers; how many answers came."""
    answered = 0
    for _ in range(QUERIES):
        with contextlib.suppress(RPCError, WorkflowQueryFailedError):  # not started yet: try again
            await handle.query("state")
            answered += 1
    return answered


# Where a history that fails to replay is kept, for whoever looks into it (it holds only test data).
KEPT = Path(__file__).resolve().parents[2] / "var" / "failed-replays"


async def replays(handle: WorkflowHandle[Any, Any]) -> None:
    history = await handle.fetch_history()
    replayer = Replayer(
        workflows=WORKFLOWS, workflow_runner=WORKFLOW_RUNNER, data_converter=pydantic_data_converter
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    if result.replay_failure is not None:
        KEPT.mkdir(parents=True, exist_ok=True)
        kept = KEPT / f"{history.workflow_id}.json"
        kept.write_text(history.to_json())
        raise AssertionError(f"the history does not replay (kept in {kept}): {result.replay_failure}")


async def test_a_plan_queried_while_it_starts_and_takes_commands_replays(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_plan_start(today)
    handle = await h.client.start_workflow(
        PlanWorkflow.run, start, id=plan_workflow_id(start.case_id), task_queue=h.task_queue
    )
    answered, _ = await asyncio.gather(storm(handle), handle.execute_update(PlanWorkflow.acknowledge))
    invited = RecordReviewInvitations(actor=CASEWORKER, sent_on=today)
    met = HoldReviewMeeting(actor=CASEWORKER, held_on=today)

    async def commands() -> None:
        # One after the other, as a caseworker takes them. (Sent at once under the storm, the test server's
        # core once failed the task: "UpdateMachine in state CompletedCommandCreated ... UpdateAccepted".)
        await handle.execute_update(PlanWorkflow.record_review_invitations, invited, id="invited")
        await handle.execute_update(PlanWorkflow.hold_review_meeting, met, id="met")

    more, _ = await asyncio.gather(storm(handle), commands())
    assert answered + more > 0
    await replays(handle)


async def test_an_assessment_and_its_advice_queried_while_they_start_replay(harness: Harness) -> None:
    h = harness
    today = await h.today()
    start = new_start(today)
    (handle, _), answered = await asyncio.gather(
        h.open_case(start), storm(h.client.get_workflow_handle(f"assessment-{start.case_id}"))
    )
    decided = DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=today, advice=advice_set())
    advice = h.client.get_workflow_handle(advice_workflow_id(start.case_id, "ep"))
    _, more, _ = await asyncio.gather(
        handle.execute_update(AssessmentWorkflow.decide_assessment, decided, id="decided"),
        storm(handle),
        storm(advice),
    )
    assert answered + more > 0
    await replays(handle)
    await replays(advice)
