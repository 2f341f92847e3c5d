"""The bare workflow the latency bench compares the service with, and its worker (run in its own process).

A module of its own so the worker's spawned process can import it by name (the sandbox re-imports it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker


class BareCaseStart(BaseModel):
    case_id: str
    received_on: date


class BareCommand(BaseModel):
    on: date
    what: str = ""


class BareAnswer(BaseModel):
    stage: str


@workflow.defn
class BareCase:
    """A trivial running workflow: an acknowledgement for update-with-start, two updates with validators."""

    def __init__(self) -> None:
        self._stage = "awaiting_decision_to_assess"
        self._submitted = False

    @workflow.run
    async def run(self, start: BareCaseStart) -> str:
        await workflow.wait_condition(lambda: self._stage == "closed")
        return self._stage

    @workflow.update
    async def acknowledge(self) -> BareAnswer:
        return BareAnswer(stage=self._stage)

    @workflow.update
    async def decide(self, cmd: BareCommand) -> BareAnswer:
        self._stage = "gathering_advice"
        return BareAnswer(stage=self._stage)

    @decide.validator
    def _check_decide(self, cmd: BareCommand) -> None:
        if self._stage != "awaiting_decision_to_assess":
            raise ValueError("the decision was already made")

    @workflow.update
    async def submit(self, cmd: BareCommand) -> BareAnswer:
        self._submitted = True
        return BareAnswer(stage=self._stage)

    @submit.validator
    def _check_submit(self, cmd: BareCommand) -> None:
        if self._submitted:
            raise ValueError("the advice was already received")


async def bare_worker(config: dict[str, Any]) -> None:
    """The bare workflows' worker, until this process is stopped."""
    client = await Client.connect(
        config["temporal_address"], namespace=config["namespace"], data_converter=pydantic_data_converter
    )
    await Worker(client, task_queue=config["task_queue"], workflows=[BareCase]).run()
