"""An assessment's advice requests (reg 6(1)): one `AdviceRequestWorkflow` child per item of advice, started
when the decision to assess is made, cancelled when the advice is no longer owed (the decision whether to
issue, a withdrawal), and told when a manager approves an exception to its deadline.

The assessment owns the case's events; this module only holds the children's handles and talks to them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ChildWorkflowError, FailureError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from workflows.advice.messages import AdviceExcepted, AdviceRequestStart, AdviceState
    from workflows.advice.workflow import AdviceRequestWorkflow

Child = workflow.ChildWorkflowHandle[Any, Any]


class AdviceRequests:
    """The case's advice requests that have started, by advice id."""

    def __init__(self) -> None:
        self._children: dict[str, Child] = {}

    async def send(self, start: AdviceRequestStart, workflow_id: str) -> None:
        """Start the request: it notifies the agency and waits for its answer (reg 8)."""
        self._children[start.advice.advice_id] = await workflow.start_child_workflow(
            AdviceRequestWorkflow.run,
            start,
            id=workflow_id,
            parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
        )

    def withdraw(self, received: Collection[str]) -> dict[str, Child]:
        """Cancel every request not yet answered; those cancelled, by advice id."""
        outstanding = {a: child for a, child in self._children.items() if a not in received}
        for child in outstanding.values():
            child.cancel()
        return outstanding

    @staticmethod
    async def received_on(child: Child) -> date | None:
        """When a cancelled request's answer was received, if one was accepted just before the cancellation
        (the request then delivers it rather than withdrawing): its result says so."""
        try:
            ended: AdviceState = await child
        except ChildWorkflowError:
            return None
        return ended.received_on

    async def tell_excepted(
        self, advice_id: str, excepted: AdviceExcepted, *, ended: bool, truthful: bool
    ) -> None:
        """Tell a request an exception to its deadline was approved. One that has answered or been withdrawn
        has ended: it needs no telling, and signalling it would fail the approval after it was applied."""
        child = self._children.get(advice_id)
        if child is None or (truthful and ended):
            return
        try:
            await child.signal(AdviceRequestWorkflow.excepted, excepted)
        except FailureError:
            if not truthful:
                raise
            workflow.logger.info("advice.request_ended", extra={"advice_id": advice_id})
