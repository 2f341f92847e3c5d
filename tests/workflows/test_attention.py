"""A side effect that fails for good leaves the case waiting, visible and retryable (issue 9 s.2): the
workflow does not fail, the `attention` query says which step and why, `retry_failed_steps` runs it again
once mended (refused when nothing waits), and nothing is lost or done twice."""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.statute import StatuteActivities
from core.temporal import register_search_attributes
from workflows.advice.workflow import AdviceRequestWorkflow
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.effects import RETRY, RETRY_FOR
from workflows.common.ids import ATTENTION_QUERY, RETRY_FAILED_STEPS
from workflows.common.messages import ActivityName, Attention
from workflows.common.records import Change
from workflows.plan.workflow import PlanWorkflow

from .conftest import TEST_SERVER, Fakes, Harness, eventually, new_start


@dataclass
class Breakable:
    """The workflow lane's fakes, with `apply_change` refusing for good while `broken`."""

    fakes: Fakes
    broken: bool = True
    refused: int = 0

    def activities(self) -> list[object]:
        record_case, apply_change = self.fakes.activities()

        @activity.defn(name=ActivityName.APPLY_CHANGE)
        async def breakable_apply_change(change: Change) -> None:
            if self.broken:
                self.refused += 1
                raise ApplicationError(
                    "value too long for type character varying(13)", type="DataError", non_retryable=True
                )
            await apply_change(change)

        return [record_case, breakable_apply_change]


@pytest.fixture
async def breakable() -> AsyncIterator[tuple[Harness, Breakable]]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=pydantic_data_converter
    )
    async with env:
        await register_search_attributes(env.client)
        fakes = Fakes()
        parts = Breakable(fakes)
        task_queue = f"tq-{uuid.uuid4()}"
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
            async with Worker(
                env.client,
                task_queue=task_queue,
                workflows=[AssessmentWorkflow, AdviceRequestWorkflow, PlanWorkflow],
                activities=[*parts.activities(), StatuteActivities().compute_timeline],
                activity_executor=executor,
            ):
                yield Harness(env=env, client=env.client, fakes=fakes, task_queue=task_queue), parts


def test_retries_are_bounded_and_catch_up_soon_after_an_outage() -> None:
    assert timedelta(hours=1) <= RETRY_FOR <= timedelta(days=2)  # bounded: a step that never passes surfaces
    assert RETRY.maximum_interval is not None
    assert RETRY.maximum_interval <= timedelta(minutes=1)  # a mended database is noticed within a minute


async def test_a_step_that_failed_for_good_waits_visibly_until_retried(
    breakable: tuple[Harness, Breakable],
) -> None:
    h, parts = breakable
    start = new_start(await h.today())
    handle, state = await h.open_case(start)  # the case is taken: its record is written first
    await eventually(lambda: parts.refused > 0)
    failed: list[Attention] = []
    for _ in range(250):  # the activity has failed; the workflow records it at its next task
        failed = await handle.query(ATTENTION_QUERY, result_type=list[Attention])
        if failed:
            break
        await asyncio.sleep(0.02)
    assert [f.step for f in failed] == ["apply_change"]
    assert failed[0].reason.startswith("DataError: value too long")
    assert parts.refused == 1  # non-retryable: not retried behind anyone's back

    await h.env.sleep(timedelta(days=3))  # still waiting, still running: the case did not fail
    description = await handle.describe()
    assert description.status is not None
    assert description.status.name == "RUNNING"
    assert not h.fakes.projections

    parts.broken = False  # the cause is mended
    assert await handle.execute_update(RETRY_FAILED_STEPS, result_type=int) == 1
    await eventually(lambda: h.fakes.projections)
    assert await handle.query(ATTENTION_QUERY, result_type=list[Attention]) == []
    assert [n.template for n in h.fakes.notices] == ["request_received"]  # sent once, after the retry

    with pytest.raises(WorkflowUpdateFailedError) as nothing:
        await handle.execute_update(RETRY_FAILED_STEPS, result_type=int)
    assert isinstance(nothing.value.cause, ApplicationError)
    assert nothing.value.cause.type == "IllegalStep"
    assert state.stage.value == "awaiting_decision_to_assess"
