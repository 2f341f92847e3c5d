"""How a workflow runs its side effects: activities by name, retried within bounds, and the statute engine
as a local activity whose answer is recorded in history.

An activity is retried while its failure may pass (the database locked or away, the notifier down), for
about a day; a failure that cannot pass by waiting (the database refusing the data, a notice template
that does not exist) is non-retryable (activities/failures.py). Either way the case does not fail: the
step waits, the workflow says what needs attention (the search attribute `EhcpAttention` and the
`attention` query), and a manager or admin retries it once the cause is mended (the `retry_failed_steps`
update, `POST /api/attention/{workflow_id}/retry`). Nothing is lost and nothing is skipped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from workflows.common.messages import ActivityName, Attention
    from workflows.common.search import ATTENTION

T = TypeVar("T")

# Every activity is idempotent, so retrying is safe; bounded, so a failure that never passes surfaces.
# 1 s doubling to a minute, so a case catches up within a minute of an outage mended; for a day at most.
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
RETRY_FOR = timedelta(days=1)
REASON_MAX = 500  # characters of the failure kept for the attention list


def reason_of(error: ActivityError) -> str:
    """What went wrong, as the activity said it (activities/failures.py keeps values out of it)."""
    cause: BaseException | None = error.cause
    while isinstance(cause, FailureError) and not isinstance(cause, ApplicationError) and cause.cause:
        cause = cause.cause
    text = f"{cause.type}: {cause.message}" if isinstance(cause, ApplicationError) else str(cause or error)
    return text[:REASON_MAX]


class SideEffects:
    """A workflow's activities, and those that failed for good and wait for someone to retry them."""

    def __init__(self) -> None:
        self.failed: list[Attention] = []
        self._retries = 0  # goes up on each `retry()`: every step waiting then runs again

    async def run(self, name: ActivityName, arg: Any, result_type: type[T] | None = None) -> T | None:
        """Run one side effect; if it fails for good, wait until retried, then run it again."""
        while True:
            try:
                result: T | None = await workflow.execute_activity(
                    name,
                    arg,
                    result_type=result_type,
                    start_to_close_timeout=timedelta(seconds=30),
                    schedule_to_close_timeout=RETRY_FOR,
                    retry_policy=RETRY,
                )
                return result
            except ActivityError as error:
                if is_cancelled_exception(error):
                    raise  # the workflow cancelled it (an advice request withdrawn): not a failure
                failed = Attention(step=name.value, reason=reason_of(error), failed_at=workflow.now())
                workflow.logger.error("side effect failed for good; waiting for a retry: %s", failed.reason)
                await self._wait_for_retry(failed)

    async def _wait_for_retry(self, failed: Attention) -> None:
        self.failed.append(failed)
        self._show()
        retries = self._retries
        await workflow.wait_condition(lambda: self._retries > retries)

    def retry(self) -> int:
        """Run every failed step again; how many there were."""
        count = len(self.failed)
        self.failed = []
        self._retries += 1
        self._show()
        return count

    def _show(self) -> None:
        steps = sorted({f.step for f in self.failed})
        workflow.upsert_search_attributes(
            [ATTENTION.value_set(",".join(steps)) if steps else ATTENTION.value_unset()]
        )


async def run_local(name: ActivityName, arg: Any, result_type: type[T]) -> T:
    """Run pure work whose answer must be recorded in history (the statute engine)."""
    result: T = await workflow.execute_local_activity(
        name, arg, result_type=result_type, start_to_close_timeout=timedelta(seconds=10)
    )
    return result
