"""Benchmark: the history of a 20-year EHC plan, run by run.

Target: every run of `PlanWorkflow` (one per review cycle, and one more each time Temporal suggests
continuing as new) stays under 1,000 history events and 100 KB.

A plan is driven for 20 years on the time-skipping test server with the production data converter (the
AES-GCM codec, so payloads are the size they are in production) and the real statute local activity;
`apply_change` is a no-op, as the records are not what is measured. Each year: invitations, the meeting,
the report and the decision, alternately keeping and amending the plan (an amended plan 3 weeks later); a
phase transfer in years 4, 8 and 12; a review held late in years 6 and 15 (so the review deadline is
breached and escalated on timers); the plan ceases after an appeal window in year 20.

    python bench/plan_history.py [--years 20]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.statute import StatuteActivities
from core.settings import Settings
from core.temporal import data_converter, register_search_attributes
from workflows.common.ids import assessment_workflow_id, plan_workflow_id
from workflows.common.messages import ActivityName, Actor, StatuteEvent
from workflows.common.records import Change
from workflows.plan.messages import (
    CeasePlan,
    DecideReview,
    HoldReviewMeeting,
    IssueAmendedPlan,
    PlanStart,
    PlanState,
    RecordPhaseTransfer,
    RecordReviewInvitations,
    RecordReviewReport,
)
from workflows.plan.workflow import PlanWorkflow

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
MAX_EVENTS = 1000
MAX_BYTES = 100 * 1024
ACTOR = Actor(actor_id=uuid.UUID(int=1), role="caseworker")
WEEK = timedelta(weeks=1)
TRANSFER_YEARS = (4, 8, 12)
LATE_YEARS = (6, 15)


@activity.defn(name=ActivityName.APPLY_CHANGE)
async def apply_change(change: Change) -> None:
    """The records are not measured here."""


@dataclass
class Run:
    run_id: str
    cycle: int
    events: int
    size: int  # bytes of the history's events, as Temporal stores them (protobuf)


class Plan:
    """One plan driven year by year; remembers each run that answered it."""

    def __init__(self, env: WorkflowEnvironment, handle: WorkflowHandle[Any, PlanState]) -> None:
        self.env, self.handle = env, handle
        self.run_ids: list[str] = []
        self.state: PlanState | None = None  # the latest answer (queries could reach a run as it closes)

    async def today(self) -> date:
        return (await self.env.get_current_time()).date()

    async def until(self, day: date) -> None:
        today = await self.today()
        if day > today:
            await self.env.sleep(day - today)

    async def do(self, update: Any, command: Any) -> PlanState:
        state: PlanState = await (
            self.handle.execute_update(update)
            if command is None
            else self.handle.execute_update(update, command)
        )
        self.state = state
        if state.run_id not in self.run_ids:
            self.run_ids.append(state.run_id)
        return state

    async def year(self, number: int) -> None:
        assert self.state is not None
        review_due = self.state.review_due
        assert review_due is not None, "the plan has no review due"
        meeting = review_due + 3 * WEEK if number in LATE_YEARS else review_due - 6 * WEEK
        if number in TRANSFER_YEARS:
            transfer_from = await self.today()
            await self.do(
                PlanWorkflow.record_phase_transfer,
                RecordPhaseTransfer(
                    actor=ACTOR, kind="school", year=transfer_from.year + 1, recorded_on=transfer_from
                ),
            )
        await self.until(meeting - 2 * WEEK)
        await self.do(
            PlanWorkflow.record_review_invitations,
            RecordReviewInvitations(actor=ACTOR, sent_on=meeting - 2 * WEEK),
        )
        await self.until(meeting)
        await self.do(PlanWorkflow.hold_review_meeting, HoldReviewMeeting(actor=ACTOR, held_on=meeting))
        await self.until(meeting + WEEK)
        await self.do(
            PlanWorkflow.record_review_report, RecordReviewReport(actor=ACTOR, sent_on=meeting + WEEK)
        )
        decided = meeting + 3 * WEEK
        await self.until(decided)
        outcome = "amend" if number % 2 or number in TRANSFER_YEARS else "keep"
        await self.do(
            PlanWorkflow.decide_review, DecideReview(actor=ACTOR, decided_on=decided, outcome=outcome)
        )
        if outcome == "amend":
            await self.until(decided + 3 * WEEK)
            await self.do(
                PlanWorkflow.issue_amended_plan, IssueAmendedPlan(actor=ACTOR, issued_on=decided + 3 * WEEK)
            )

    async def cease(self) -> None:
        assert self.state is not None
        review_due = self.state.review_due
        assert review_due is not None
        meeting = review_due - 6 * WEEK
        await self.until(meeting)
        await self.do(PlanWorkflow.hold_review_meeting, HoldReviewMeeting(actor=ACTOR, held_on=meeting))
        decided = meeting + 2 * WEEK
        await self.until(decided)
        state = await self.do(
            PlanWorkflow.decide_review,
            DecideReview(actor=ACTOR, decided_on=decided, outcome="cease", reasons="left education"),
        )
        appeal = next(d for d in state.deadlines if d.deadline == "appeal")
        ceased = appeal.due + timedelta(days=1)
        await self.until(ceased)
        await self.do(PlanWorkflow.cease_plan, CeasePlan(actor=ACTOR, ceased_on=ceased))
        await self.handle.result()


async def measure(client: Client, workflow_id: str, run_ids: list[str]) -> list[Run]:
    runs: list[Run] = []
    for run_id in run_ids:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        started = history.events[0].workflow_execution_started_event_attributes
        start = await client.data_converter.decode(list(started.input.payloads), [PlanStart])
        cycle = start[0].cycle if start else 0
        runs.append(Run(run_id, cycle, len(history.events), sum(e.ByteSize() for e in history.events)))
    return runs


async def drive(years: int) -> tuple[list[Run], float]:
    converter = data_converter(Settings(_env_file=None))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=converter
    )
    async with env:
        await register_search_attributes(env.client)
        queue = f"bench-{uuid.uuid4()}"
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as executor:
            async with Worker(
                env.client,
                task_queue=queue,
                workflows=[PlanWorkflow],
                activities=[apply_change, StatuteActivities().compute_timeline],
                activity_executor=executor,
            ):
                made = (await env.get_current_time()).date()
                case_id = uuid.uuid4()
                start = PlanStart(
                    case_id=case_id,
                    assessment_workflow_id=assessment_workflow_id(case_id),
                    la_code="999",
                    made_on=made,
                    events=[StatuteEvent(event="final_issued", date=made)],
                )
                handle = await env.client.start_workflow(
                    PlanWorkflow.run, start, id=plan_workflow_id(case_id), task_queue=queue
                )
                plan = Plan(env, handle)
                await plan.do(PlanWorkflow.acknowledge, None)
                for number in range(1, years):
                    await plan.year(number)
                    print(f"\r  year {number:>2}/{years}", end="", file=sys.stderr, flush=True)
                await plan.cease()
                print(f"\r  year {years:>2}/{years}: ceased", file=sys.stderr, flush=True)
                runs = await measure(env.client, handle.id, plan.run_ids)
                assert plan.state is not None
                assert plan.state.ceased_on is not None
                span = (plan.state.ceased_on - made).days / 365.25
    return runs, span


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=20, help="years of reviews before the plan ceases")
    args = parser.parse_args()
    if args.years < 2:
        parser.error("--years must be at least 2")
    runs, span = asyncio.run(drive(args.years))
    worst_events = max(r.events for r in runs)
    worst_size = max(r.size for r in runs)
    print(
        f"A plan made and ceased {span:.1f} years apart: {len(runs)} runs (one per review cycle), "
        f"{sum(r.events for r in runs):,} events and {sum(r.size for r in runs) / 1024:,.0f} KiB of history "
        "in all"
    )
    print(f"{'run':>4} {'cycle':>6} {'events':>7} {'KiB':>7}")
    for i, r in enumerate(runs, 1):
        print(f"{i:>4} {r.cycle:>6} {r.events:>7} {r.size / 1024:>7.1f}")
    met = worst_events < MAX_EVENTS and worst_size < MAX_BYTES
    print(
        f"largest run: {worst_events} events (target < {MAX_EVENTS}), {worst_size / 1024:.1f} KiB "
        f"(target < {MAX_BYTES // 1024} KiB): {'met' if met else 'NOT met'}"
    )
    sys.stdout.flush()
    os._exit(0 if met else 1)  # the Temporal core may crash in interpreter shutdown; the figures are out


if __name__ == "__main__":
    main()
