"""`AdviceRequestWorkflow`: one reg 6 advice request, from sending to the agency's answer (reg 8).

Sends the request, reminds the agency before the 6-week due date, chases on the day it becomes overdue,
escalates to the caseworker's manager a configurable time later, takes the agency's advice, and tells the
assessment. A reg 8(2) exception (judged and approved on the assessment) stops the chasing.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, FailureError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from workflows.advice import rules
    from workflows.advice.messages import (
        AdviceArrived,
        AdviceExcepted,
        AdviceRequestStart,
        AdviceState,
        SubmitAdvice,
    )
    from workflows.common.commands import Commands, command_handlers
    from workflows.common.ids import ADVICE_ARRIVED, ADVICE_EXCEPTED, ADVICE_WORKFLOW, STATE_QUERY
    from workflows.common.messages import ActivityName
    from workflows.common.records import (
        AdviceReceivedRecord,
        AdviceRequestRecord,
        AdviceWithdrawnRecord,
        Change,
        Notice,
        Recipient,
    )

command = command_handlers(AdviceState)


# Runs since this patch record a withdrawn request in the read model (`advice_requests.status`), so the
# agency's inbox stops showing it as asked; runs before it replay as they ran. Decided in the first
# activation, as the assessment's patches are.
WITHDRAWAL_RECORDED = "advice-withdrawal-recorded"


@workflow.defn(name=ADVICE_WORKFLOW)
class AdviceRequestWorkflow(Commands[AdviceState]):
    @workflow.init
    def __init__(self, start: AdviceRequestStart) -> None:
        # Set from the start input, so an answer is accepted the moment the request exists.
        self._start = start
        advice = start.advice
        self._state = AdviceState(
            case_id=start.case_id,
            advice_id=advice.advice_id,
            advice=advice.advice,
            agency_id=advice.agency_id,
            due=start.due,
            practical_due=start.practical_due,
            status="requested",
        )
        self._submitted: SubmitAdvice | None = None
        self._excepted = start.excepted
        self._init_lock()

    @workflow.run
    async def run(self, start: AdviceRequestStart) -> AdviceState:
        self._records_withdrawal = workflow.patched(WITHDRAWAL_RECORDED)
        advice = start.advice
        # Recorded and sent in one activity: the request row, then the agency's notice.
        opened = AdviceRequestRecord(
            case_id=start.case_id, advice=advice, requested_on=start.requested_on, due=start.due
        )
        if start.imported_on is None:
            await self._notice(
                "advice_request", "agency", "advice requested", start.requested_on, opened=opened
            )
        else:  # asked before the case was imported: recorded, not sent again
            await self._side_effects.run(
                ActivityName.APPLY_CHANGE, Change(case_id=start.case_id, advice_requests=[opened])
            )
        try:
            await self._chase_until_answered(start)
            await self._deliver(start)
        except (asyncio.CancelledError, ActivityError) as error:
            # The assessment was withdrawn, or decided without waiting for this advice. Advice already
            # accepted still counts: the cancellation may have come while it was being delivered (an
            # activity cancelled mid-way surfaces as an ActivityError caused by the cancellation).
            if not is_cancelled_exception(error):
                raise
            if self._submitted is None:
                self._set(status="withdrawn")
                if self._records_withdrawal:  # the agency's inbox no longer shows it as asked
                    withdrawn = AdviceWithdrawnRecord(case_id=start.case_id, advice_id=advice.advice_id)
                    await self._side_effects.run(
                        ActivityName.APPLY_CHANGE, Change(case_id=start.case_id, advice_withdrawn=[withdrawn])
                    )
            else:
                await self._deliver(start)
        return self._state

    async def _deliver(self, start: AdviceRequestStart) -> None:
        """Record the accepted advice and tell the assessment; both are safe to repeat."""
        received = self._submitted
        assert received is not None
        advice_id = start.advice.advice_id
        record = AdviceReceivedRecord(
            case_id=start.case_id,
            advice_id=advice_id,
            received_on=received.received_on,
            document_ids=received.document_ids,
        )
        await self._side_effects.run(
            ActivityName.APPLY_CHANGE, Change(case_id=start.case_id, advice_received=[record])
        )
        parent = workflow.info().parent
        if parent is None:
            return
        arrived = AdviceArrived(
            advice_id=advice_id, received_on=received.received_on, document_ids=received.document_ids
        )
        try:
            await workflow.get_external_workflow_handle(parent.workflow_id).signal(ADVICE_ARRIVED, arrived)
        except FailureError:
            # The assessment has closed (withdrawn, or finished): the advice is recorded all the same.
            workflow.logger.info("advice.parent_closed", extra={"advice_id": advice_id})

    async def _chase_until_answered(self, start: AdviceRequestStart) -> None:
        for step in rules.chase_steps(start, workflow.now(), imported_on=start.imported_on):
            wait = step.at - workflow.now()
            if wait > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(self._answered, timeout=wait)
            if self._answered():
                break
            self._set(status=step.status)
            await self._notice(step.template, step.to, step.status, start.due)
        # Excepted or escalated, the advice is still wanted: wait for it however long it takes.
        await workflow.wait_condition(lambda: self._submitted is not None)

    def _answered(self) -> bool:
        return self._submitted is not None or self._excepted

    def _set(self, **changes: object) -> None:
        self._state = self._state.model_copy(update=changes)

    async def _notice(
        self, template: str, to: Recipient, step: str, on: date, *, opened: AdviceRequestRecord | None = None
    ) -> None:
        start, state = self._start, self._state
        notice = Notice(
            idempotency_key=f"{workflow.info().workflow_id}:{template}",
            case_id=start.case_id,
            workflow_id=workflow.info().workflow_id,
            template=template,
            to=to,
            agency_id=state.agency_id,
            step=f"{state.advice} advice ({state.advice_id}): {step}",
            on=on,
            facts={"due": state.due.isoformat(), "practical_due": state.practical_due.isoformat()},
        )
        change = Change(case_id=start.case_id, notices=[notice], advice_requests=[opened] if opened else [])
        await self._side_effects.run(ActivityName.APPLY_CHANGE, change)

    @command(rules.check_submit_advice)
    async def submit_advice(self, cmd: SubmitAdvice) -> None:
        """The agency's advice (reg 8(1)). Accepted once; the assessment is told."""
        self._submitted = cmd
        self._set(status="received", received_on=cmd.received_on)
        await workflow.wait_condition(lambda: True)

    @workflow.signal(name=ADVICE_EXCEPTED)
    def excepted(self, exception: AdviceExcepted) -> None:
        """A reg 8(2) exception was approved on the assessment: stop chasing, still take the advice."""
        self._excepted = True
        if self._submitted is None:
            self._set(status="excepted")

    @workflow.query(name=STATE_QUERY)
    def state(self) -> AdviceState:
        return self._state

    def _facts(self) -> rules.AdviceFacts:
        return rules.AdviceFacts(
            start=self._start,
            state=self._state,
            submitted=self._submitted is not None,
            today=workflow.now().date(),
        )
