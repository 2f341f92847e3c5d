"""The bare workflow bench/plan_cache.py compares a plan with, and its worker (run in its own process).

A trivial long-running workflow with the plan's shape of messages and nothing else: an acknowledgement,
`pad` (an update that only lengthens the history, so a bare workflow can be given as many events as a
plan has) and one command with a validator.

Its worker runs in a process of its own started as `python bench/_bare_plan.py CONFIG_JSON`: a lean one
(temporalio and pydantic only), so its memory is the bare figure the plan's worker is compared with.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

# The events an update that is accepted and completed adds (workflow task scheduled, started, completed;
# update accepted, completed), and those a bare workflow has once started and acknowledged.
EVENTS_PER_UPDATE = 5
EVENTS_ACKNOWLEDGED = 6


class BarePlanStart(BaseModel):
    plan_id: str
    made_on: date


class BareStep(BaseModel):
    on: date


class BarePlanState(BaseModel):
    steps: int
    invited_on: date | None = None


@workflow.defn
class BarePlan:
    """Open until stopped; `record_review_invitations` is accepted once, as the plan's is."""

    def __init__(self) -> None:
        self._steps = 0
        self._invited_on: date | None = None

    @workflow.run
    async def run(self, start: BarePlanStart) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.update
    async def acknowledge(self) -> BarePlanState:
        return self._state()

    @workflow.update
    async def pad(self, step: BareStep) -> BarePlanState:
        self._steps += 1
        return self._state()

    @workflow.update
    async def record_review_invitations(self, step: BareStep) -> BarePlanState:
        self._invited_on = step.on
        return self._state()

    @record_review_invitations.validator
    def _check_record_review_invitations(self, step: BareStep) -> None:
        if self._invited_on is not None:
            raise ValueError(f"invitations were already sent on {self._invited_on}")

    def _state(self) -> BarePlanState:
        return BarePlanState(steps=self._steps, invited_on=self._invited_on)


def pads_for(events: int) -> int:
    """How many `pad` updates bring an acknowledged bare workflow nearest to `events` history events."""
    return max(0, round((events - EVENTS_ACKNOWLEDGED) / EVENTS_PER_UPDATE))


async def bare_plan_worker(config: dict[str, Any]) -> None:
    """The bare workflows' worker, with the service worker's cache size, until this process is stopped."""
    client = await Client.connect(
        config["temporal_address"], namespace=config["namespace"], data_converter=pydantic_data_converter
    )
    await Worker(
        client,
        task_queue=config["task_queue"],
        workflows=[BarePlan],
        max_cached_workflows=config["max_cached_workflows"],
    ).run()


if __name__ == "__main__":
    # By its module name (bench/ is on the path), not __main__: the sandbox re-imports the workflow's module.
    from _bare_plan import bare_plan_worker as run_worker

    asyncio.run(run_worker(json.loads(sys.argv[1])))
