"""Benchmark: complete assessment pathways through the API on the embedded stack, beside a bare workflow.

Target: pathways per second through the API at least 60% of the bare figure, and at least 2 pathways/s
on a 2-core machine. A complete pathway, as caseworkers and agencies would drive it over HTTP: create the
request -> decide to assess, sending the 5 reg 6 advice requests -> each of the 5 agencies' advice is
recorded as a PDF (by the caseworker, as advice that came by post: an agency's own upload is received the
day it arrives, and the pathway's dates lie in the past) -> (the caseworker reads the case until all 5
have arrived) -> decide to issue ->
serve the draft -> issue the final plan; it counts as done when the final-plan update answers 200. Its
dates lie in the past, in order (request 30 weeks ago, draft served 20 days ago), so the 15-day
representations window has closed and the final plan can be issued at once.

The bare counterpart runs in the same process, on the same dev server, in the same run: workflows defined
here with the same shape as the real pathway (the same activities per step, local activities, updates
with validators, signals, child workflows and timers; the number of deadline notices is taken from the
real warm-up pathways' histories), trivial activities, no database, the plain pydantic converter (no
codec, no search attributes), driven with the Temporal client directly. Both are driven from a separate
process, so the clients' CPU is not charged to the service. Both histories are counted after the run and
printed side by side.

    python bench/pathways.py [--pathways 40] [--concurrency 8] [--warmup 3] [--pdf-kb 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

with workflow.unsafe.imports_passed_through():
    import httpx
    from _stack import ADVICE, Stack, cpu_seconds, embedded_stack, note, percentile, run_driver, run_main
    from pydantic import BaseModel

    from api.services.clock import today_in_england
    from tests.documents import pdf
    from workflows.common.ids import advice_workflow_id, assessment_workflow_id, plan_workflow_id

TARGET_RATIO = 0.60
TARGET_RATE = 2.0
DRIVER_TIMEOUT = 900.0
STEPS = ("create", "decide_assess", "submit_advice", "read_until_advised", "decide_issue", "draft", "final")
IN_STEP_NOTICES = 3  # request received, draft served, final plan issued (workflows/assessment/workflow.py)


def pathway_dates(today: date) -> dict[str, date]:
    """Every step of one pathway, in order and in the past; the draft 20 days ago, so reg 13(1)(a)'s
    15 days have run and the final plan can be issued today."""
    received = today - timedelta(weeks=30)
    return {
        "received": received,
        "assess": received + timedelta(weeks=5),
        "advice": received + timedelta(weeks=9),
        "issue": received + timedelta(weeks=14),
        "draft": today - timedelta(days=20),
        "final": today,
    }


# ---- the bare pathway: the real one's shape, trivial activities ----


class BareItem(BaseModel):
    case_id: str
    what: str = ""
    on: date | None = None


class BareStart(BaseModel):
    case_id: str
    received_on: date
    loop_notices: int  # the deadline notices the real main loop sends (dates in the past: breaches)
    plan_notices: int  # the notices the real plan workflow sends when it starts


class BareAdviceStart(BaseModel):
    case_id: str
    advice_id: str
    requested_on: date
    due: date


class BareDecision(BaseModel):
    on: date
    advice: list[str] = []


class BareState(BaseModel):
    stage: str
    received: list[str]


@activity.defn(name="bare_record_case")
async def bare_record_case(item: BareItem) -> None:
    return None


@activity.defn(name="bare_project_case")
async def bare_project_case(item: BareItem) -> None:
    return None


@activity.defn(name="bare_record_decision")
async def bare_record_decision(item: BareItem) -> None:
    return None


@activity.defn(name="bare_send_notice")
async def bare_send_notice(item: BareItem) -> None:
    return None


@activity.defn(name="bare_record_advice_request")
async def bare_record_advice_request(item: BareItem) -> None:
    return None


@activity.defn(name="bare_record_advice_received")
async def bare_record_advice_received(item: BareItem) -> None:
    return None


@activity.defn(name="bare_compute_timeline")
async def bare_compute_timeline(item: BareItem) -> BareItem:
    return item


BARE_ACTIVITIES = [
    bare_record_case,
    bare_project_case,
    bare_record_decision,
    bare_send_notice,
    bare_record_advice_request,
    bare_record_advice_received,
    bare_compute_timeline,
]


async def _act(name: str, item: BareItem) -> None:
    await workflow.execute_activity(name, item, start_to_close_timeout=timedelta(seconds=30))


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=workflow.now().tzinfo)


@workflow.defn
class BareAdvice:
    """AdviceRequestWorkflow's shape: record, notify, remind/chase/escalate while unanswered, take the
    answer (an update with a validator), record it, signal the parent."""

    def __init__(self) -> None:
        self._submitted: BareDecision | None = None

    @workflow.run
    async def run(self, start: BareAdviceStart) -> str:
        item = BareItem(case_id=start.case_id, what=start.advice_id, on=start.requested_on)
        await _act("bare_record_advice_request", item)
        await _act("bare_send_notice", item)
        for at in (
            start.due - timedelta(days=7),
            start.due + timedelta(days=1),
            start.due + timedelta(days=8),
        ):
            wait = _start_of(at) - workflow.now()
            if wait > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(lambda: self._submitted is not None, timeout=wait)
            if self._submitted is not None:
                break
            await _act("bare_send_notice", item)
        await workflow.wait_condition(lambda: self._submitted is not None)
        await _act("bare_record_advice_received", item)
        parent = workflow.info().parent
        if parent is not None:
            await workflow.get_external_workflow_handle(parent.workflow_id).signal(
                "advice_arrived", start.advice_id
            )
        return "received"

    @workflow.update
    async def submit_advice(self, answer: BareDecision) -> str:
        self._submitted = answer
        return "received"

    @submit_advice.validator
    def _check(self, answer: BareDecision) -> None:
        if self._submitted is not None:
            raise ValueError("already received")


@workflow.defn
class BarePlan:
    """PlanWorkflow's start: a timeline (local activity), a projection, its notices, then a long timer."""

    @workflow.run
    async def run(self, start: BareStart) -> None:
        item = BareItem(case_id=start.case_id)
        await workflow.execute_local_activity(
            "bare_compute_timeline", item, result_type=BareItem, start_to_close_timeout=timedelta(seconds=10)
        )
        await _act("bare_project_case", item)
        for _ in range(start.plan_notices):
            await _act("bare_send_notice", item)
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: False, timeout=timedelta(days=365))


@workflow.defn
class BareAssessment:
    """AssessmentWorkflow's shape: every change runs the timeline (a local activity) and a projection;
    every command is an update with a validator under one lock; a main loop refreshes after each change
    and sends the deadline notices; advice requests are child workflows that signal back."""

    @workflow.init
    def __init__(self, start: BareStart) -> None:
        self._start = start
        self._stage = "awaiting_decision_to_assess"
        self._advice: list[str] = []
        self._received: list[str] = []
        self._lock = asyncio.Lock()
        self._ready = False
        self._dirty = True  # the real loop refreshes at once: a request 30 weeks old has breached deadlines
        self._owed = start.loop_notices

    @workflow.run
    async def run(self, start: BareStart) -> BareState:
        item = BareItem(case_id=start.case_id, on=start.received_on)
        await _act("bare_record_case", item)
        async with self._lock:
            await self._refresh()
            await _act("bare_send_notice", item)
        self._ready = True
        while self._stage != "final_issued":
            await workflow.wait_condition(lambda: self._dirty or self._stage == "final_issued")
            async with self._lock:
                if self._stage == "final_issued":
                    break
                self._dirty = False
                await self._refresh()
                while self._owed > 0:
                    self._owed -= 1
                    await _act("bare_send_notice", item)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    async def _refresh(self) -> None:
        item = BareItem(case_id=self._start.case_id, what=self._stage)
        await workflow.execute_local_activity(
            "bare_compute_timeline", item, result_type=BareItem, start_to_close_timeout=timedelta(seconds=10)
        )
        await _act("bare_project_case", item)

    async def _decision(self, what: str, on: date) -> BareItem:
        item = BareItem(case_id=self._start.case_id, what=what, on=on)
        await _act("bare_record_decision", item)
        return item

    @workflow.update
    async def acknowledge_request(self) -> BareState:
        await workflow.wait_condition(lambda: self._ready)
        return self.state()

    @workflow.update
    async def decide_assessment(self, cmd: BareDecision) -> BareState:
        async with self._lock:
            self._check_assess(cmd)
            await self._decision("decision_to_assess", cmd.on)
            self._stage = "gathering_advice"
            self._advice = list(cmd.advice)
            await self._refresh()
            for advice_id in cmd.advice:
                await workflow.start_child_workflow(
                    BareAdvice.run,
                    BareAdviceStart(
                        case_id=self._start.case_id,
                        advice_id=advice_id,
                        requested_on=cmd.on,
                        due=cmd.on + timedelta(weeks=6),
                    ),
                    id=f"{workflow.info().workflow_id.replace('assessment', 'advice')}-{advice_id}",
                )
            self._dirty = True
            return self.state()

    @decide_assessment.validator
    def _check_assess(self, cmd: BareDecision) -> None:
        if self._stage != "awaiting_decision_to_assess" or len(cmd.advice) != len(ADVICE):
            raise ValueError("illegal step")

    @workflow.update
    async def decide_issue(self, cmd: BareDecision) -> BareState:
        async with self._lock:
            self._check_issue(cmd)
            await self._decision("decision_to_issue", cmd.on)
            self._stage = "drafting"
            await self._refresh()
            self._dirty = True
            return self.state()

    @decide_issue.validator
    def _check_issue(self, cmd: BareDecision) -> None:
        if self._stage != "gathering_advice" or set(self._received) != set(self._advice):
            raise ValueError("illegal step")

    @workflow.update
    async def serve_draft(self, cmd: BareDecision) -> BareState:
        async with self._lock:
            self._check_draft(cmd)
            item = await self._decision("draft_served", cmd.on)
            self._stage = "draft_served"
            await self._refresh()
            await _act("bare_send_notice", item)
            self._dirty = True
            return self.state()

    @serve_draft.validator
    def _check_draft(self, cmd: BareDecision) -> None:
        if self._stage != "drafting":
            raise ValueError("illegal step")

    @workflow.update
    async def issue_final_plan(self, cmd: BareDecision) -> BareState:
        async with self._lock:
            self._check_final(cmd)
            item = await self._decision("final_issued", cmd.on)
            self._stage = "final_issued"
            await self._refresh()
            await _act("bare_send_notice", item)
            await workflow.start_child_workflow(
                BarePlan.run,
                self._start,
                id=workflow.info().workflow_id.replace("assessment", "plan"),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            )
            return self.state()

    @issue_final_plan.validator
    def _check_final(self, cmd: BareDecision) -> None:
        if self._stage != "draft_served":
            raise ValueError("illegal step")

    @workflow.signal
    def advice_arrived(self, advice_id: str) -> None:
        if advice_id in self._advice and advice_id not in self._received:
            self._received.append(advice_id)
            self._dirty = True

    @workflow.query
    def state(self) -> BareState:
        return BareState(stage=self._stage, received=list(self._received))


# ---- the drivers (run in their own process) ----


async def _clients(
    label: str, n: int, concurrency: int, one: Callable[[int], Awaitable[dict[str, float]]]
) -> tuple[float, list[dict[str, float]]]:
    """`n` pathways by `concurrency` clients; each client takes the next pathway when it finishes one."""
    queue = iter(range(n))
    done: list[dict[str, float]] = []
    started = time.perf_counter()
    cpu = time.process_time()

    async def client() -> None:
        for index in queue:
            done.append(await one(index))
            elapsed = time.perf_counter() - started
            print(
                f"\r  {label}: {len(done):>4}/{n} pathways  {len(done) / elapsed:6.2f}/s",
                end="",
                file=sys.stderr,
                flush=True,
            )

    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(concurrency))), timeout=DRIVER_TIMEOUT)
    print(file=sys.stderr)
    done.append({"driver_cpu": time.process_time() - cpu})
    return time.perf_counter() - started, done


def _pdf(case_id: str, advice_id: str, size: int) -> bytes:
    """A real PDF of about `size` bytes (the API takes only whole PDFs), one per advice."""
    return pdf(f"advice {advice_id} for case {case_id}", pad=max(0, size - 1000))


CHILD = {"given_name": "Bench", "family_name": "Child", "date_of_birth": "2015-03-01", "year_group": 5}
PARENT = {
    "name": "Bench parent",
    "relationship": "mother",
    "email": "parent@example.org",  # the API takes only addresses that could receive mail
    "parental_responsibility": True,
}


class ApiPathway:
    """One client's pathways through the HTTP API: a caseworker and the five agencies."""

    def __init__(self, http: Any, config: dict[str, Any], counts: Counter[str]) -> None:
        self.http = http
        self.config = config
        self.counts = counts
        self.caseworker = {"Authorization": f"Bearer {config['caseworker']['token']}"}
        self.iso = {name: d.isoformat() for name, d in pathway_dates(today_in_england()).items()}
        self.times: dict[str, float] = {}

    async def timed(self, name: str, call: Awaitable[Any], ok: int = 200) -> Any:
        started = time.perf_counter()
        response = await call
        self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - started
        if response.status_code != ok:
            raise RuntimeError(f"{name}: {response.status_code} {response.text[:300]}")
        return response.json()

    def command(self, path: str, body: dict[str, Any]) -> Awaitable[Any]:
        headers = {**self.caseworker, "Idempotency-Key": str(uuid.uuid4())}
        return self.http.post(path, json=body, headers=headers)  # type: ignore[no-any-return]

    async def submit(self, case_id: str, advice_id: str) -> None:
        """One agency's advice as a PDF, dated when it came by post; 404 until the advice request's
        workflow has recorded the request."""
        pdf = _pdf(case_id, advice_id, self.config["pdf_kb"] * 1024)
        started = time.perf_counter()
        for _ in range(200):
            response = await self.http.post(
                f"/api/cases/{case_id}/advice/{advice_id}",
                headers=self.caseworker,
                files=[("files", (f"{advice_id}.pdf", pdf, "application/pdf"))],
                data={
                    "received_on": self.iso["advice"],
                    "summary": "Needs a quiet space to learn.",
                    "reason": "Came by post; recorded from the post tray.",
                },
            )
            if response.status_code not in (404, 503):
                break
            self.counts["advice_retries"] += 1
            await asyncio.sleep(0.05)
        self.times["submit_advice"] = self.times.get("submit_advice", 0.0) + time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"submit_advice: {response.status_code} {response.text[:300]}")

    async def read_until_advised(self, case_id: str) -> None:
        """The caseworker reads the case until every advice has arrived (the decision to issue needs it)."""
        started = time.perf_counter()
        for _ in range(400):
            response = await self.http.get(f"/api/cases/{case_id}", headers=self.caseworker)
            self.counts["case_reads"] += 1
            received = response.json()["state"]["advice_received"] if response.status_code == 200 else {}
            if len(received) == len(ADVICE):
                self.times["read_until_advised"] = time.perf_counter() - started
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"case {case_id}: the advice never all arrived")

    async def run(self) -> tuple[str, dict[str, float]]:
        self.times = {}
        iso, agencies = self.iso, self.config["agencies"]
        body = {"received_on": iso["received"], "source": "parent", "child": CHILD, "contacts": [PARENT]}
        case_id: str = (await self.timed("create", self.command("/api/requests", body), ok=201))["case_id"]
        case = f"/api/cases/{case_id}"
        advice = [
            {"advice_id": a, "advice": kind, "agency_id": agencies[a]["agency_id"]}
            for a, (kind, _, _) in ADVICE.items()
        ]
        decision = {"outcome": "assess", "decided_on": iso["assess"], "advice": advice}
        await self.timed("decide_assess", self.command(f"{case}/decision-to-assess", decision))
        for advice_id in agencies:
            await self.submit(case_id, advice_id)
        await self.read_until_advised(case_id)
        decide = {"outcome": "issue", "decided_on": iso["issue"]}
        await self.timed("decide_issue", self.command(f"{case}/decision-to-issue", decide))
        await self.timed("draft", self.command(f"{case}/draft", {"served_on": iso["draft"]}))
        await self.timed("final", self.command(f"{case}/final-plan", {"issued_on": iso["final"]}))
        return case_id, self.times


async def drive_api(config: dict[str, Any]) -> dict[str, Any]:
    """Complete pathways through the HTTP API; one HTTP connection pool per client."""
    cases: list[str] = []
    counts: Counter[str] = Counter()
    http_clients = [
        httpx.AsyncClient(base_url=config["api_url"], timeout=60) for _ in range(config["concurrency"])
    ]
    free = [ApiPathway(http, config, counts) for http in http_clients]
    try:

        async def one(_index: int) -> dict[str, float]:
            pathway = free.pop()
            try:
                case_id, times = await pathway.run()
                cases.append(case_id)
                return times
            finally:
                free.append(pathway)

        seconds, times = await _clients(config["label"], config["n"], config["concurrency"], one)
    finally:
        for http in http_clients:
            await http.aclose()
    cpu = times.pop()["driver_cpu"]
    return {"seconds": seconds, "times": times, "cases": cases, "counts": dict(counts), "cpu": cpu}


async def drive_bare(config: dict[str, Any]) -> dict[str, Any]:
    """The bare pathways, through the Temporal client directly (plain pydantic converter)."""
    client = await Client.connect(
        config["temporal_address"], namespace=config["namespace"], data_converter=pydantic_data_converter
    )
    day = pathway_dates(today_in_england())
    cases: list[str] = []
    counts: Counter[str] = Counter()

    async def one(_index: int) -> dict[str, float]:
        times: dict[str, float] = {}
        case_id = str(uuid.uuid4())
        cases.append(case_id)
        start = BareStart(
            case_id=case_id,
            received_on=day["received"],
            loop_notices=config["loop_notices"],
            plan_notices=config["plan_notices"],
        )
        started = time.perf_counter()
        operation = WithStartWorkflowOperation(
            BareAssessment.run,
            start,
            id=f"bare-assessment-{case_id}",
            task_queue=config["task_queue"],
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        await client.execute_update_with_start_workflow(
            BareAssessment.acknowledge_request, start_workflow_operation=operation, id=str(uuid.uuid4())
        )
        handle = await operation.workflow_handle()
        times["create"] = time.perf_counter() - started

        async def update(name: str, method: Any, on: date, advice: list[str] | None = None) -> None:
            started = time.perf_counter()
            await handle.execute_update(
                method, BareDecision(on=on, advice=advice or []), id=str(uuid.uuid4())
            )
            times[name] = time.perf_counter() - started

        await update("decide_assess", BareAssessment.decide_assessment, day["assess"], list(ADVICE))
        started = time.perf_counter()
        for advice_id in ADVICE:
            child = client.get_workflow_handle_for(BareAdvice.run, f"bare-advice-{case_id}-{advice_id}")
            await child.execute_update(
                BareAdvice.submit_advice, BareDecision(on=day["advice"]), id=str(uuid.uuid4())
            )
        times["submit_advice"] = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(400):
            counts["case_reads"] += 1
            if len((await handle.query(BareAssessment.state)).received) == len(ADVICE):
                break
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError(f"bare case {case_id}: the advice never all arrived")
        times["read_until_advised"] = time.perf_counter() - started
        await update("decide_issue", BareAssessment.decide_issue, day["issue"])
        await update("draft", BareAssessment.serve_draft, day["draft"])
        await update("final", BareAssessment.issue_final_plan, day["final"])
        return times

    seconds, times = await _clients(config["label"], config["n"], config["concurrency"], one)
    cpu = times.pop()["driver_cpu"]
    return {"seconds": seconds, "times": times, "cases": cases, "counts": dict(counts), "cpu": cpu}


# ---- counting the histories ----

SHAPE_ROWS = (
    ("activities", EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    ("local activities", EventType.EVENT_TYPE_MARKER_RECORDED),
    ("updates", EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
    ("signals received", EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
    ("signals sent", EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED),
    ("child workflows", EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED),
    ("timers", EventType.EVENT_TYPE_TIMER_STARTED),
    ("search attribute upserts", EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
    ("workflow tasks", EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
)


class Shape:
    """Per-pathway history counts, summed over the pathway's workflows and averaged over pathways."""

    def __init__(self) -> None:
        self.pathways = 0
        self.rows: Counter[str] = Counter()
        self.activities: Counter[str] = Counter()
        self.by_kind: dict[str, Counter[str]] = defaultdict(Counter)
        self.durations: dict[str, list[float]] = defaultdict(list)

    def mean(self, counter: Counter[str], key: str) -> float:
        return counter[key] / max(self.pathways, 1)


def workflow_ids(case_id: str, *, bare: bool) -> list[tuple[str, str]]:
    if bare:
        return [
            ("assessment", f"bare-assessment-{case_id}"),
            *(("advice", f"bare-advice-{case_id}-{advice_id}") for advice_id in ADVICE),
            ("plan", f"bare-plan-{case_id}"),
        ]
    return [
        ("assessment", assessment_workflow_id(case_id)),
        *(("advice", advice_workflow_id(case_id, advice_id)) for advice_id in ADVICE),
        ("plan", plan_workflow_id(case_id)),
    ]


async def count_shape(client: Client, cases: list[str], *, bare: bool) -> Shape:
    shape = Shape()
    for case_id in cases:
        shape.pathways += 1
        for kind, workflow_id in workflow_ids(case_id, bare=bare):
            scheduled: dict[int, str] = {}
            started: dict[int, datetime] = {}
            async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
                shape.rows["history events"] += 1
                for row, event_type in SHAPE_ROWS:
                    if event.event_type == event_type:
                        shape.rows[row] += 1
                        shape.by_kind[kind][row] += 1
                if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                    name = event.activity_task_scheduled_event_attributes.activity_type.name
                    scheduled[event.event_id] = name
                    shape.activities[name.removeprefix("bare_")] += 1
                    shape.by_kind[kind][name.removeprefix("bare_")] += 1
                elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                    started[event.activity_task_started_event_attributes.scheduled_event_id] = (
                        event.event_time.ToDatetime()
                    )
                elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                    attributes = event.activity_task_completed_event_attributes
                    name = scheduled.get(attributes.scheduled_event_id, "?").removeprefix("bare_")
                    began = started.get(attributes.scheduled_event_id)
                    if began is not None:
                        ms = (event.event_time.ToDatetime() - began).total_seconds() * 1000
                        shape.durations[name].append(ms)
    return shape


async def settle(client: Client, cases: list[str], *, bare: bool) -> None:
    """Wait (at most 60 s) until each pathway's plan workflow has armed its timer: the pathway's
    background work is over and its history complete."""
    deadline = time.monotonic() + 60
    pending = list(cases)
    while pending and time.monotonic() < deadline:
        still = []
        for case_id in pending:
            handle = client.get_workflow_handle(workflow_ids(case_id, bare=bare)[-1][1])
            armed = False
            with contextlib.suppress(Exception):
                async for event in handle.fetch_history_events():
                    armed = armed or event.event_type == EventType.EVENT_TYPE_TIMER_STARTED
            if not armed:
                still.append(case_id)
        pending = still
        if pending:
            await asyncio.sleep(0.5)
    if pending:
        note(f"{len(pending)} pathways had not settled after 60 s; their counts may be short")


# ---- the run ----


def _mean_notices(shape: Shape, kind: str) -> float:
    return shape.by_kind[kind]["send_notice"] / max(shape.pathways, 1)


async def run(args: argparse.Namespace) -> None:
    async with embedded_stack("pathways") as stack:
        bare_client = await stack.bare_client()
        bare_queue = f"bare-{uuid.uuid4().hex[:8]}"
        async with Worker(
            bare_client,
            task_queue=bare_queue,
            workflows=[BareAssessment, BareAdvice, BarePlan],
            activities=BARE_ACTIVITIES,
        ):
            await measure(args, stack, bare_client, bare_queue)


async def measure(args: argparse.Namespace, stack: Stack, bare_client: Client, bare_queue: str) -> None:
    base = {**stack.plain(), "pdf_kb": args.pdf_kb, "task_queue": bare_queue}
    warm = max(args.warmup, 1)

    note(f"warm-up: {warm} pathways through the API (their histories give the bare shape)")
    warm_config = {"n": warm, "concurrency": min(warm, args.concurrency)}
    warm_api = await run_driver(
        drive_api, {**base, **warm_config, "label": "api warm-up"}, timeout=DRIVER_TIMEOUT
    )
    await settle(stack.client, warm_api["cases"], bare=False)
    learned = await count_shape(stack.client, warm_api["cases"], bare=False)
    loop_notices = round(_mean_notices(learned, "assessment")) - IN_STEP_NOTICES
    plan_notices = round(_mean_notices(learned, "plan"))
    note(f"bare shape: {loop_notices} deadline notices from the main loop, {plan_notices} from the plan")
    shape = {**base, "loop_notices": max(loop_notices, 0), "plan_notices": plan_notices}
    warm_bare = {**shape, **warm_config, "label": "bare warm-up"}
    await run_driver(drive_bare, warm_bare, timeout=DRIVER_TIMEOUT)

    measured = {"n": args.pathways, "concurrency": args.concurrency}
    note(f"bare: {args.pathways} pathways, {args.concurrency} clients")
    bare = await with_cpu(
        stack, run_driver(drive_bare, {**shape, **measured, "label": "bare"}, timeout=DRIVER_TIMEOUT)
    )
    note(f"api: {args.pathways} pathways, {args.concurrency} clients")
    api = await with_cpu(
        stack, run_driver(drive_api, {**shape, **measured, "label": "api "}, timeout=DRIVER_TIMEOUT)
    )

    note("counting the histories")
    await settle(bare_client, bare["cases"], bare=True)
    await settle(stack.client, api["cases"], bare=False)
    bare_shape = await count_shape(bare_client, bare["cases"], bare=True)
    api_shape = await count_shape(stack.client, api["cases"], bare=False)
    report(args, api, bare, api_shape, bare_shape)


async def with_cpu(stack: Stack, driving: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """The driver's result, with the CPU seconds the service (API, and the worker's own process when it
    has one) and the dev server spent."""

    def service() -> float:
        return cpu_seconds() + (cpu_seconds(stack.worker_pid) if stack.worker_pid else 0.0)

    own, server = service(), cpu_seconds(stack.server_pid)
    result = await driving
    return {
        **result,
        "service_cpu": service() - own,
        "server_cpu": cpu_seconds(stack.server_pid) - server,
    }


def report(
    args: argparse.Namespace, api: dict[str, Any], bare: dict[str, Any], api_shape: Shape, bare_shape: Shape
) -> None:
    api_rate = args.pathways / api["seconds"]
    bare_rate = args.pathways / bare["seconds"]
    ratio = api_rate / bare_rate
    day = pathway_dates(today_in_england())
    print(
        f"assessment pathways, {args.pathways} each, {args.concurrency} concurrent clients, "
        f"{os.cpu_count()} cores; dates: request {day['received']}, assess {day['assess']}, advice "
        f"{day['advice']}, issue {day['issue']}, draft {day['draft']}, final {day['final']}; "
        f"advice PDFs {args.pdf_kb} KiB"
    )
    print(f"api  (HTTP, real worker, SQLite, codec):  {api_rate:6.2f} pathways/s  ({api['seconds']:.1f} s)")
    print(
        f"bare (Temporal client, trivial activities): {bare_rate:6.2f} pathways/s  ({bare['seconds']:.1f} s)"
    )
    met_ratio = "yes" if ratio >= TARGET_RATIO else "NO"
    met_rate = "yes" if api_rate >= TARGET_RATE else "NO"
    print(f"ratio api/bare:  {ratio:.0%}  (target >= {TARGET_RATIO:.0%}: {met_ratio})")
    print(f"api rate:        {api_rate:.2f}/s  (target >= {TARGET_RATE:.0f}/s on 2 cores: {met_rate})")

    print("\nCPU per pathway, ms (during the measured run):")
    print(f"  {'':<28} {'api':>8} {'bare':>8}")
    for label, key in (
        ("service process", "service_cpu"),
        ("Temporal dev server", "server_cpu"),
        ("clients (driver process)", "cpu"),
    ):
        print(
            f"  {label:<28} {api[key] * 1000 / args.pathways:>8.0f} {bare[key] * 1000 / args.pathways:>8.0f}"
        )
    print(
        "  (service: the API plus the real worker's process, with SQLite, for api; the bare worker for bare)"
    )

    print("\nper pathway (mean over the measured pathways, from their histories):")
    print(f"  {'':<28} {'api':>8} {'bare':>8}")
    rows = ["history events", *(row for row, _ in SHAPE_ROWS)]
    for row in rows:
        a, b = api_shape.mean(api_shape.rows, row), bare_shape.mean(bare_shape.rows, row)
        print(f"  {row:<28} {a:>8.1f} {b:>8.1f}")
    names = sorted(set(api_shape.activities) | set(bare_shape.activities))
    for name in names:
        print(
            f"    {name:<26} {api_shape.mean(api_shape.activities, name):>8.1f} "
            f"{bare_shape.mean(bare_shape.activities, name):>8.1f}"
        )
    reads = (
        api["counts"].get("case_reads", 0) / args.pathways,
        bare["counts"].get("case_reads", 0) / args.pathways,
    )
    print(f"  {'case reads (GET / query)':<28} {reads[0]:>8.1f} {reads[1]:>8.1f}")
    retries = api["counts"].get("advice_retries", 0) / args.pathways
    print(f"  {'advice posts retried (404)':<28} {retries:>8.1f} {0:>8.1f}")

    print("\nper step, ms (p50 / p99 over the measured pathways; submit_advice = all 5 agencies):")
    print(f"  {'step':<20} {'api p50':>8} {'api p99':>8} {'bare p50':>9} {'bare p99':>9}")
    for name in STEPS:
        api_ms = [t[name] * 1000 for t in api["times"]]
        bare_ms = [t[name] * 1000 for t in bare["times"]]
        print(
            f"  {name:<20} {percentile(api_ms, 50):>8.1f} {percentile(api_ms, 99):>8.1f} "
            f"{percentile(bare_ms, 50):>9.1f} {percentile(bare_ms, 99):>9.1f}"
        )
    print("\nactivity run time in the api pathways, ms (started -> completed, server clock; p50 / p99):")
    for name, values in sorted(api_shape.durations.items()):
        p50, p99 = percentile(values, 50), percentile(values, 99)
        print(f"  {name:<26} {p50:>7.1f} {p99:>7.1f}  ({len(values)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pathways", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=3, help="pathways of each kind before measuring")
    parser.add_argument("--pdf-kb", type=int, default=100, help="size of each agency's advice PDF")
    args = parser.parse_args()
    if args.pathways < 1 or args.concurrency < 1:
        parser.error("--pathways and --concurrency must be at least 1")
    run_main(lambda: run(args))


if __name__ == "__main__":
    main()
