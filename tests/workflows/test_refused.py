"""The workflow tests' `refused()` tells a validator's refusal (nothing entered the history) from a failure
inside the handler (the update was accepted first, so something may already have been written)."""

from __future__ import annotations

import uuid

import pytest
from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from .conftest import Harness, refused


@workflow.defn(name="RefusesTwoWays", sandboxed=False)
class RefusesTwoWays:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.update
    async def by_validator(self, value: int) -> int:
        return value

    @by_validator.validator
    def _check(self, value: int) -> None:
        raise ApplicationError("refused before anything is written", type="IllegalStep")

    @workflow.update
    async def in_handler(self, value: int) -> int:
        raise ApplicationError("refused after the update was accepted", type="IllegalStep")


async def test_refused_accepts_a_validators_refusal_and_fails_a_handlers(harness: Harness) -> None:
    queue = f"tq-{uuid.uuid4()}"
    async with Worker(harness.client, task_queue=queue, workflows=[RefusesTwoWays]):
        handle = await harness.client.start_workflow(
            RefusesTwoWays.run, id=f"refuses-{uuid.uuid4()}", task_queue=queue
        )
        cause = await refused(handle, RefusesTwoWays.by_validator, 1)
        assert cause.message == "refused before anything is written"
        with pytest.raises(AssertionError, match="accepted, then failed in its handler"):
            await refused(handle, RefusesTwoWays.in_handler, 1)
        await handle.terminate()
