"""How a workflow runs its side effects: activities by name, retried until they succeed (every activity
is idempotent), and the statute engine as a local activity whose answer is recorded in history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.common.messages import ActivityName

T = TypeVar("T")

# Writes are idempotent, so an activity may be retried until the database or the notifier is back.
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5))


async def run_activity(name: ActivityName, arg: Any, result_type: type[T] | None = None) -> T | None:
    """Run one side effect, retried until it succeeds (every activity is idempotent)."""
    result: T | None = await workflow.execute_activity(
        name, arg, result_type=result_type, start_to_close_timeout=timedelta(seconds=30), retry_policy=RETRY
    )
    return result


async def run_local(name: ActivityName, arg: Any, result_type: type[T]) -> T:
    """Run pure work whose answer must be recorded in history (the statute engine)."""
    result: T = await workflow.execute_local_activity(
        name, arg, result_type=result_type, start_to_close_timeout=timedelta(seconds=10)
    )
    return result
