"""The workflow lane: workflows on the time-skipping test server, with the real statute local activity and
fakes of every side-effecting activity, registered by name (docs/architecture.md, testing lane 2)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.statute import StatuteActivities
from core.temporal import register_search_attributes
from workflows.advice.messages import AdviceState
from workflows.advice.workflow import AdviceRequestWorkflow
from workflows.assessment.messages import AssessmentStart, AssessmentState, CaseRecord
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.ids import advice_workflow_id, assessment_workflow_id
from workflows.common.messages import ActivityName, Actor, AdviceSpec, ChildRecord, StatuteEvent
from workflows.common.records import (
    AdviceReceivedRecord,
    AdviceRequestRecord,
    AdviceWithdrawnRecord,
    CaseProjection,
    Change,
    DecisionRecord,
    Notice,
)
from workflows.plan.messages import PlanStart
from workflows.plan.workflow import PlanWorkflow

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
CASEWORKER = Actor(actor_id=uuid.UUID(int=1), role="caseworker")
MANAGER = Actor(actor_id=uuid.UUID(int=2), role="manager")
AGENCIES = {
    kind: uuid.UUID(int=100 + i) for i, kind in enumerate(("school", "health", "ep", "social", "parent"))
}


@dataclass
class Fakes:
    """Fake side effects: what the workflows asked to record and send, in order."""

    cases: list[CaseRecord] = field(default_factory=list)
    projections: list[CaseProjection] = field(default_factory=list)
    decisions: list[DecisionRecord] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    advice_requests: list[AdviceRequestRecord] = field(default_factory=list)
    advice_received: list[AdviceReceivedRecord] = field(default_factory=list)
    advice_withdrawn: list[AdviceWithdrawnRecord] = field(default_factory=list)
    # When set, recording received advice waits for it: lets a test land a command mid-delivery.
    advice_received_gate: asyncio.Event | None = None

    def activities(self) -> list[Any]:
        @activity.defn(name=ActivityName.RECORD_CASE)
        async def record_case(record: CaseRecord) -> None:
            self.cases.append(record)

        @activity.defn(name=ActivityName.APPLY_CHANGE)
        async def apply_change(change: Change) -> None:
            if change.advice_received and self.advice_received_gate is not None:
                await self.advice_received_gate.wait()
            self.advice_requests.extend(change.advice_requests)
            self.advice_received.extend(change.advice_received)
            self.advice_withdrawn.extend(change.advice_withdrawn)
            self.decisions.extend(change.decisions)
            if change.projection is not None:
                self.projections.append(change.projection)
            self.notices.extend(change.notices)

        return [record_case, apply_change]

    def templates(self, workflow_id_prefix: str = "") -> list[str]:
        return [n.template for n in self.notices if n.idempotency_key.startswith(workflow_id_prefix)]


@dataclass
class Harness:
    env: WorkflowEnvironment
    client: Client
    fakes: Fakes
    task_queue: str

    async def today(self) -> date:
        return (await self.env.get_current_time()).date()

    async def open_case(
        self, start: AssessmentStart, *, request_id: str = "req-1"
    ) -> tuple[WorkflowHandle[Any, Any], AssessmentState]:
        """Create a request as the API does: update-with-start, USE_EXISTING."""
        operation = WithStartWorkflowOperation(
            AssessmentWorkflow.run,
            start,
            id=assessment_workflow_id(start.case_id),
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            task_queue=self.task_queue,
        )
        state = await self.client.execute_update_with_start_workflow(
            AssessmentWorkflow.acknowledge_request, start_workflow_operation=operation, id=request_id
        )
        return await operation.workflow_handle(), state

    def advice_handle(self, case_id: uuid.UUID, advice_id: str) -> WorkflowHandle[Any, AdviceState]:
        return self.client.get_workflow_handle_for(
            AdviceRequestWorkflow.run, advice_workflow_id(case_id, advice_id)
        )


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=pydantic_data_converter
    )
    async with env:
        await register_search_attributes(env.client)
        fakes = Fakes()
        task_queue = f"tq-{uuid.uuid4()}"
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
            async with Worker(
                env.client,
                task_queue=task_queue,
                workflows=[AssessmentWorkflow, AdviceRequestWorkflow, PlanWorkflow],
                activities=[*fakes.activities(), StatuteActivities().compute_timeline],
                activity_executor=executor,
            ):
                yield Harness(env=env, client=env.client, fakes=fakes, task_queue=task_queue)


async def refused(handle: WorkflowHandle[Any, Any], update: Any, command: Any) -> ApplicationError:
    """Run `update` with `command` on the workflow and return the reason its validator refused it.

    A validator's refusal never enters the workflow's history; a failure raised in the handler comes after
    the update was accepted into it. So the history must hold no acceptance of this update: a refusal
    that only the handler makes (after something may already have been written) fails the test.
    """
    update_id = f"refused-{uuid.uuid4()}"
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await handle.execute_update(update, command, id=update_id)
    cause = failure.value.cause
    assert isinstance(cause, ApplicationError)
    accepted = [
        event
        async for event in handle.fetch_history_events()
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        and event.workflow_execution_update_accepted_event_attributes.accepted_request.meta.update_id
        == update_id
    ]
    assert not accepted, f"accepted, then failed in its handler rather than refused by its validator: {cause}"
    return cause


async def eventually(check: Callable[[], Any], *, seconds: float = 5.0) -> Any:
    """Poll `check` until it returns something truthy: a command answers before its side effects land."""
    for _ in range(int(seconds / 0.02)):
        result = check()
        if result:
            return result
        await asyncio.sleep(0.02)
    raise AssertionError(f"still not so after {seconds} s: {check}")


def new_start(received_on: date, **changes: Any) -> AssessmentStart:
    values: dict[str, Any] = {
        "case_id": uuid.uuid4(),
        "la_code": "999",
        "received_on": received_on,
        "source": "parent",
        "child": ChildRecord(
            given_name="Ada", family_name="Example", date_of_birth=date(2015, 3, 1), year_group=5
        ),
        "caseworker_id": CASEWORKER.actor_id,
    }
    values.update(changes)
    return AssessmentStart(**values)


def new_plan_start(made: date) -> PlanStart:
    """A plan made on `made`, as the assessment starts it: with the assessment's history."""
    case_id = uuid.uuid4()
    return PlanStart(
        case_id=case_id,
        assessment_workflow_id=assessment_workflow_id(case_id),
        la_code="999",
        made_on=made,
        events=[
            StatuteEvent(event="request_received", date=made - timedelta(weeks=20)),
            StatuteEvent(event="final_issued", date=made),
        ],
        caseworker_id=CASEWORKER.actor_id,
    )


def advice_set() -> list[AdviceSpec]:
    """The five reg 6(1)(a)-(e) requests a year-5 child needs."""
    return [
        AdviceSpec(advice_id="parent", advice="parent", agency_id=AGENCIES["parent"]),
        AdviceSpec(
            advice_id="school", advice="educational", agency_id=AGENCIES["school"], school="Riverside"
        ),
        AdviceSpec(advice_id="health", advice="medical", agency_id=AGENCIES["health"]),
        AdviceSpec(advice_id="ep", advice="psychological", agency_id=AGENCIES["ep"]),
        AdviceSpec(advice_id="social", advice="social_care", agency_id=AGENCIES["social"]),
    ]


def agency(kind: str) -> Actor:
    return Actor(actor_id=uuid.UUID(int=500), role="agency", agency_id=AGENCIES[kind])


DAY = timedelta(days=1)
