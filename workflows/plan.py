"""`PlanWorkflow`: one EHC plan for its whole life, up to the end of the academic year the young person
turns 25 (CFA s.44-45; regs 18-31).

This first version holds the plan, its statutory timeline (the case's whole history, so the read model
keeps the assessment's measures), and the annual review clock (CFA s.44(1)): it tells the caseworker when
a review is overdue and escalates. It continues as new when Temporal suggests it, carrying the history
and what it has already notified, so its timers re-arm from the absolute dates. The review cycle's
commands (meetings, amendments, phase transfers, ceasing) arrive with the next issue.
"""

from __future__ import annotations

import asyncio
from datetime import date

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.common import (
        DeadlineWatch,
        Publisher,
        is_pending,
        key_of,
        run_activity,
        run_local,
        wait_until,
    )
    from workflows.messages import (
        ActivityName,
        CaseProjection,
        Change,
        Notice,
        PlanStart,
        PlanState,
        Recipient,
        Stage,
        TimelineRequest,
        TimelineResult,
    )


@workflow.defn
class PlanWorkflow:
    @workflow.init
    def __init__(self, start: PlanStart) -> None:
        self._start = start
        self._id = workflow.info().workflow_id
        self._events = list(start.events)
        self._publisher = Publisher(state_version=start.state_version)
        self._timeline: TimelineResult | None = None
        self._watch = DeadlineWatch(
            escalate_after_days=start.escalate_after_days,
            breached=set(start.breached),
            escalated=set(start.escalated),
        )
        self._stage = Stage.PLAN_MAINTAINED
        self._lock = asyncio.Lock()

    @workflow.run
    async def run(self, start: PlanStart) -> PlanState:
        while True:
            async with self._lock:
                projection = await self._refresh()
                assert self._timeline is not None
                notices = [
                    self._notice(template, d.deadline, d.rule, d.due, key_of(d))
                    for template, d in self._watch.due_now(self._timeline.deadlines, workflow.now())
                ]
                if projection is not None or notices:  # one change: the read model and its notices
                    change = Change(case_id=start.case_id, projection=projection, notices=notices)
                    await run_activity(ActivityName.APPLY_CHANGE, change)
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    start.model_copy(
                        update={
                            "events": self._events,
                            "state_version": self._publisher.state_version,
                            "breached": sorted(self._watch.breached),
                            "escalated": sorted(self._watch.escalated),
                        }
                    )
                )
            await wait_until(self._watch.next_wake(self._timeline.deadlines), lambda: False)

    async def _refresh(self) -> CaseProjection | None:
        """Recompute the timeline (recorded in history); the read model to write, if it changed."""
        start = self._start
        self._timeline = await run_local(
            ActivityName.COMPUTE_TIMELINE,
            TimelineRequest(events=self._events, school_closures=start.school_closures, now=workflow.now()),
            TimelineResult,
        )
        return self._publisher.prepare(
            CaseProjection(
                case_id=start.case_id,
                workflow_id=start.assessment_workflow_id,
                la_code=start.la_code,
                stage=self._stage,
                state_version=0,
                deadlines=self._timeline.deadlines,
                agency_by_advice_id=start.agency_by_advice_id,
                caseworker_id=start.caseworker_id,
                final_issued_on=start.made_on,
                week20_exception=any(
                    d.deadline == "final_plan" and d.exception_accepted for d in self._timeline.deadlines
                ),
            )
        )

    def _notice(self, template: str, deadline: str, rule: str, due: date, key: str) -> Notice:
        to: Recipient = "caseworker" if template == "deadline_breached" else "manager"
        return Notice(
            idempotency_key=f"{self._id}:{template}:{key}",
            case_id=self._start.case_id,
            workflow_id=self._start.assessment_workflow_id,
            template=template,
            to=to,
            step=f"{deadline} ({rule})",
            on=due,
        )

    @workflow.query
    def state(self) -> PlanState:
        timeline = self._timeline
        deadlines = timeline.deadlines if timeline else []
        reviews = [d for d in deadlines if d.deadline in ("review_due", "transfer_review") and is_pending(d)]
        return PlanState(
            case_id=self._start.case_id,
            workflow_id=self._id,
            stage=self._stage,
            state_version=self._publisher.state_version,
            as_of=timeline.as_of if timeline else self._start.made_on,
            made_on=self._start.made_on,
            review_due=min((d.due for d in reviews), default=None),
            deadlines=deadlines,
        )
