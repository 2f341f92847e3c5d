"""A query can never break replay: a plan polled every 10 ms from the moment its final plan is issued (as
`GET /api/plans/{id}` was, in the issue's reproduction) leaves a history that replays with the worker's
own configuration, on the real dev server with the real worker and activities.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowQueryFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError
from temporalio.worker import Replayer

from cli.timeline import today_in_england
from core.settings import Settings
from core.temporal import data_converter
from db.agencies import create_agency
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.users import create_user
from worker.main import WORKFLOW_RUNNER, WORKFLOWS, running_worker
from workflows.assessment.messages import (
    AssessmentStart,
    DecideAssessment,
    DecideIssue,
    IssueFinalPlan,
    ServeDraft,
)
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.ids import advice_workflow_id, assessment_workflow_id, plan_workflow_id
from workflows.common.messages import Actor, AdviceSpec, ChildRecord

from .test_dev_server import connected, running_dev_server

ROUNDS = 3  # the plan failed to replay in the first round before the fix
POLL = 0.01
KINDS = ("parent", "educational", "medical", "psychological", "social_care")


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_dev_server(tmp_path_factory.mktemp("temporal-queries")) as address:
        yield address


async def poll(client: Client, workflow_id: str, stop: asyncio.Event) -> int:
    """Query a workflow's state every 10 ms until `stop`, from before it exists; how many answers came."""
    answered = 0
    handle = client.get_workflow_handle(workflow_id)
    while not stop.is_set():
        with contextlib.suppress(RPCError, WorkflowQueryFailedError):
            await handle.query("state")
            answered += 1
        await asyncio.sleep(POLL)
    return answered


async def take_to_final_plan(
    client: Client, settings: Settings, start: AssessmentStart, actor: Actor, advice: list[AdviceSpec]
) -> None:
    """A request of 24 weeks ago taken to its final plan, every step dated in the past."""
    operation = WithStartWorkflowOperation(
        AssessmentWorkflow.run,
        start,
        id=assessment_workflow_id(start.case_id),
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_queue=settings.task_queue,
    )
    await client.execute_update_with_start_workflow(
        AssessmentWorkflow.acknowledge_request, start_workflow_operation=operation
    )
    handle = await operation.workflow_handle()
    decided = start.received_on + timedelta(weeks=5)
    assess = DecideAssessment(actor=actor, outcome="assess", decided_on=decided, advice=advice)
    await handle.execute_update(AssessmentWorkflow.decide_assessment, assess)
    issue = decided + timedelta(weeks=7)  # every advice deadline has passed
    decision = DecideIssue(actor=actor, outcome="issue", decided_on=issue)
    await handle.execute_update(AssessmentWorkflow.decide_issue, decision)
    served = issue + timedelta(weeks=1)
    await handle.execute_update(AssessmentWorkflow.serve_draft, ServeDraft(actor=actor, served_on=served))
    final = IssueFinalPlan(actor=actor, issued_on=served + timedelta(days=16))
    await handle.execute_update(AssessmentWorkflow.issue_final_plan, final)


async def test_workflows_polled_from_their_first_tasks_replay(dev_server: str, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ehcp.db'}"
    await upgrade(url)
    settings = Settings(
        _env_file=None,
        temporal_address=dev_server,
        database_url=url,
        task_queue=f"tq-{uuid.uuid4()}",
        outbox_dir=str(tmp_path),
    )
    engine = make_engine(url)
    async with make_session_factory(engine).begin() as session:
        user, _ = await create_user(session=session, username="cw", display_name="Cw", role="caseworker")
        agency = await create_agency(session=session, name="All", kind="other", email="a@example.invalid")
    await engine.dispose()
    advice = [AdviceSpec(advice_id=kind, advice=kind, agency_id=agency.id) for kind in KINDS]
    actor = Actor(actor_id=user.id, role="caseworker")
    client = await connected(settings)
    replayer = Replayer(
        workflows=WORKFLOWS, workflow_runner=WORKFLOW_RUNNER, data_converter=data_converter(settings)
    )
    child = ChildRecord(given_name="Ada", family_name="Example", date_of_birth=date(2015, 3, 1), year_group=5)
    async with running_worker(settings, client=client):
        for _ in range(ROUNDS):
            start = AssessmentStart(
                case_id=uuid.uuid4(),
                la_code=settings.la_code,
                received_on=today_in_england() - timedelta(weeks=24),
                child=child,
                caseworker_id=actor.actor_id,
            )
            ids = [
                assessment_workflow_id(start.case_id),
                advice_workflow_id(start.case_id, "psychological"),
                plan_workflow_id(start.case_id),
            ]
            stop = asyncio.Event()
            pollers = [asyncio.create_task(poll(client, workflow_id, stop)) for workflow_id in ids]
            await take_to_final_plan(client, settings, start, actor, advice)
            await asyncio.sleep(3)  # the plan's first tasks, under the polls
            stop.set()
            answered = await asyncio.gather(*pollers)
            assert all(answered), dict(zip(ids, answered, strict=True))
            for workflow_id in ids:
                history = await client.get_workflow_handle(workflow_id).fetch_history()
                result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
                assert result.replay_failure is None, f"{workflow_id}: {result.replay_failure}"
