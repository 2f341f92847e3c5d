"""Benchmark: the worker's memory with N open plans, and a command on a plan out of the worker's cache,
beside a bare workflow of the same history length in the same run.

Target: with 10,000 open plans, the worker's memory and the p99 of a command on a plan that is not in
the worker's cache are at most 1.5 times the bare figures.

Everything runs on the embedded stack (bench/_stack.py: the dev server, the real worker in its own process
as `ehcp run` starts it, SQLite), with the worker's cache (EHCP_WORKER_MAX_CACHED_WORKFLOWS) below N:

1. N plans are opened as an assessment opens them: the case row and its child written straight into the
   case database, then `PlanWorkflow` started with the service's client (the production converter and
   AES-GCM codec), the final plan made on a day in the last year, and acknowledged.
2. The worker's resident memory (VmRSS) is read, idle, before any plan, after a few (warm), once the cache
   is full, at each doubling beyond it and with all N open. A cached workflow's cost is the growth from
   warm to full over the workflows added; the doublings show whether memory stays bounded by the cache;
   the worker's memory with all N open is what a council provisions.
3. `record_review_invitations` goes to the --commands plans touched longest ago (so out of the cache: each
   is replayed from its history), one command per plan, from --clients concurrent clients; then to as many
   of the most recently touched (in the cache), for comparison. The worker's and the dev server's CPU per
   command are read from /proc.
4. The same for N bare workflows (bench/_bare_plan.py: an acknowledgement, a padding update, one command
   with a validator; the plain pydantic converter, no codec), each padded with updates to the plans' median
   history length, run by their own worker in its own process with the same cache size.

    python bench/plan_cache.py [--plans 10000] [--cache 1000] [--commands 200] [--clients 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio import workflow
from temporalio.client import Client

from api.services.clock import today_in_england
from cli.stack import stop
from core.settings import Settings
from workflows.common.ids import assessment_workflow_id, plan_workflow_id
from workflows.common.messages import Actor, StatuteEvent
from workflows.plan.messages import PlanStart, RecordReviewInvitations
from workflows.plan.workflow import PlanWorkflow

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

with workflow.unsafe.imports_passed_through():
    from _bare_plan import BarePlan, BarePlanStart, BareStep, pads_for
    from _read_model import sqlite_connect
    from _stack import LA_CODE, Stack, cpu_seconds, embedded_stack, note, percentile, run_main

TARGET = 1.5
CACHE_VARIABLE = "EHCP_WORKER_MAX_CACHED_WORKFLOWS"
DEFAULT_CACHE: int = Settings.model_fields["worker_max_cached_workflows"].default
STATE_VERSION = 12  # the read model's version as the assessment left it; the plan's projections follow it
IDLE_CPU_SECONDS = 0.03  # a worker using less CPU than this in a second is idle
IDLE_TIMEOUT = 600.0
CALL_TIMEOUT = 120.0  # a call unanswered this long: a worker has stopped
KIB = 1024

Call = Callable[[int], Awaitable[None]]


def rss_kib(pid: int) -> int:
    """The resident memory of a process (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


async def idle(pid: int, label: str) -> None:
    """Wait until the worker has finished what it was given: under IDLE_CPU_SECONDS a second, 3 in a row."""
    started, calm, last = time.monotonic(), 0, cpu_seconds(pid)
    while calm < 3:
        if time.monotonic() - started > IDLE_TIMEOUT:
            note(f"{label}: the worker is still busy after {IDLE_TIMEOUT:.0f} s; measuring anyway")
            return
        await asyncio.sleep(1)
        now = cpu_seconds(pid)
        calm = calm + 1 if now - last < IDLE_CPU_SECONDS else 0
        last = now


@dataclass
class Batch:
    """Calls made with bounded concurrency: each one's latency (ms), and the failures."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


async def each(label: str, indexes: range, clients: int, call: Call, *, strict: bool = False) -> Batch:
    """`call(i)` for every index by `clients` concurrent clients, with a progress line on stderr.

    A failure is counted (its latency kept); with `strict` the first one ends the bench."""
    batch, pending, done, started = Batch(), iter(indexes), 0, time.perf_counter()

    async def client() -> None:
        nonlocal done
        for i in pending:
            began = time.perf_counter()
            try:
                await asyncio.wait_for(call(i), timeout=CALL_TIMEOUT)
            except Exception as error:
                if strict:
                    raise
                batch.failures.append(f"{type(error).__name__}: {str(error)[:200]}")
            batch.latencies.append((time.perf_counter() - began) * 1000)
            done += 1
            elapsed = time.perf_counter() - started
            rate = done / max(elapsed, 1e-9)
            left = (len(indexes) - done) / max(rate, 1e-9)
            print(
                f"\r  {label:<30} {done:>6}/{len(indexes)}  {rate:6.1f}/s  {left:5.0f} s left ",
                end="",
                file=sys.stderr,
                flush=True,
            )

    await asyncio.gather(*(client() for _ in range(clients)))
    print(file=sys.stderr)
    return batch


@dataclass
class Side:
    """One side of the comparison, the service's plans or the bare workflows, and its figures."""

    name: str
    pid: int
    memory: dict[int, int] = field(default_factory=dict)  # KiB by workflows open (0: idle, none yet)
    events: list[int] = field(default_factory=list)  # history length of each commanded workflow
    history_bytes: list[int] = field(default_factory=list)
    commands: dict[str, Batch] = field(default_factory=dict)  # "uncached" and "cached"
    cpu: dict[str, tuple[float, float]] = field(default_factory=dict)  # ms per command: worker, server


class Run:
    """The plans and the bare workflows of one run, opened, measured and commanded."""

    def __init__(self, args: argparse.Namespace, stack: Stack, bare: Client) -> None:
        self.args, self.stack, self.bare = args, stack, bare
        self.today = today_in_england()
        rng = random.Random(args.seed)
        self.cases = [uuid.uuid4() for _ in range(args.plans)]
        self.made = [self.today - timedelta(days=rng.randint(1, 360)) for _ in range(args.plans)]
        self.bare_ids = [f"bare-plan-{uuid.uuid4()}" for _ in range(args.plans)]
        self.bare_queue = f"bare-{uuid.uuid4().hex[:8]}"
        self.actor = Actor(actor_id=uuid.UUID(stack.caseworker.id), role="caseworker")
        self.pads = 0
        n, cache = args.plans, args.cache
        self.warm = max(1, min(100, cache // 10))
        # Idle, warm, the cache full, then at each doubling: does memory stay bounded by the cache?
        self.checkpoints = [self.warm, cache]
        while self.checkpoints[-1] * 2 < n:
            self.checkpoints.append(self.checkpoints[-1] * 2)
        self.checkpoints.append(n)

    # ---- the plans ----

    def write_cases(self) -> None:
        """Each plan's case as the assessment leaves it (final plan issued), straight into SQLite."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        caseworker = uuid.UUID(self.stack.caseworker.id).hex
        children, cases = [], []
        for case, made in zip(self.cases, self.made, strict=True):
            child = uuid.uuid4().hex
            children.append((child, "Synthetic", "Child", "2015-03-01", 5))
            received = (made - timedelta(weeks=20)).isoformat()
            workflow_id = assessment_workflow_id(case)
            case_row = (case.hex, workflow_id, LA_CODE, child, caseworker, received, "parent")
            cases.append((*case_row, "final_issued", STATE_VERSION, None, made.isoformat(), False, stamp))
        conn = sqlite_connect(str(self.stack.db_path))
        try:
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO children (id, given_name, family_name, date_of_birth, year_group) "
                "VALUES (?, ?, ?, ?, ?)",
                children,
            )
            conn.executemany(
                "INSERT INTO cases (id, workflow_id, la_code, child_id, caseworker_id, received_on, "
                "request_source, stage, state_version, closed_on, final_issued_on, week20_exception, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                cases,
            )
            conn.execute("COMMIT")
        finally:
            conn.close()

    async def open_plan(self, i: int) -> None:
        """Start the plan as `issue_final_plan` does, and wait until it has projected itself."""
        case, made = self.cases[i], self.made[i]
        start = PlanStart(
            case_id=case,
            assessment_workflow_id=assessment_workflow_id(case),
            la_code=LA_CODE,
            made_on=made,
            events=[StatuteEvent(event="final_issued", date=made)],
            caseworker_id=self.actor.actor_id,
            state_version=STATE_VERSION,
        )
        handle = await self.stack.client.start_workflow(
            PlanWorkflow.run, start, id=plan_workflow_id(case), task_queue=self.stack.settings.task_queue
        )
        await handle.execute_update(PlanWorkflow.acknowledge)

    async def invite_plan(self, i: int) -> None:
        handle = self.stack.client.get_workflow_handle_for(PlanWorkflow.run, plan_workflow_id(self.cases[i]))
        command = RecordReviewInvitations(actor=self.actor, sent_on=self.today)
        await handle.execute_update(PlanWorkflow.record_review_invitations, command, id=str(uuid.uuid4()))

    # ---- the bare workflows ----

    async def open_bare(self, i: int) -> None:
        handle = await self.bare.start_workflow(
            BarePlan.run,
            BarePlanStart(plan_id=self.bare_ids[i], made_on=self.made[i]),
            id=self.bare_ids[i],
            task_queue=self.bare_queue,
        )
        await handle.execute_update(BarePlan.acknowledge)
        for _ in range(self.pads):
            await handle.execute_update(BarePlan.pad, BareStep(on=self.made[i]))

    async def invite_bare(self, i: int) -> None:
        handle = self.bare.get_workflow_handle_for(BarePlan.run, self.bare_ids[i])
        await handle.execute_update(BarePlan.record_review_invitations, BareStep(on=self.today))

    # ---- the measurements, the same for both ----

    async def open_all(self, side: Side, client: Client, workflow_ids: list[str], opener: Call) -> None:
        """Open every workflow, reading the worker's memory idle at each checkpoint."""
        await idle(side.pid, side.name)
        side.memory[0] = rss_kib(side.pid)
        opened = 0
        for upto in self.checkpoints:
            label, clients = f"{side.name}: open to {upto:,}", self.args.setup_clients
            await each(label, range(opened, upto), clients, opener, strict=True)
            opened = upto
            await idle(side.pid, side.name)
            side.memory[upto] = rss_kib(side.pid)
        for workflow_id in workflow_ids[: self.args.commands]:
            described = await client.get_workflow_handle(workflow_id).describe()
            side.events.append(described.history_length)
            side.history_bytes.append(described.raw_info.history_size_bytes)

    async def command(self, side: Side, kind: str, targets: range, call: Call) -> None:
        """One command per target; the worker's and the dev server's CPU per command, once settled."""
        await idle(side.pid, side.name)
        worker, server = cpu_seconds(side.pid), cpu_seconds(self.stack.server_pid)
        side.commands[kind] = await each(f"{side.name}: command, {kind}", targets, self.args.clients, call)
        await idle(side.pid, side.name)
        count = len(targets)
        side.cpu[kind] = (
            (cpu_seconds(side.pid) - worker) * 1000 / count,
            (cpu_seconds(self.stack.server_pid) - server) * 1000 / count,
        )

    async def measure(self, side: Side, invite: Call) -> None:
        n, commands = self.args.plans, self.args.commands
        await self.command(side, "uncached", range(commands), invite)  # touched longest ago
        await self.command(side, "cached", range(n - commands, n), invite)  # touched last


async def run(args: argparse.Namespace) -> None:
    os.environ[CACHE_VARIABLE] = str(args.cache)  # the service worker's process inherits it
    async with embedded_stack("plan-cache") as stack:
        assert stack.worker_pid is not None
        bare = await stack.bare_client()
        bench = Run(args, stack, bare)
        plans = Side("plan", stack.worker_pid)
        note(f"writing {args.plans:,} cases (final plan issued) into the case database")
        bench.write_cases()
        plan_ids = [plan_workflow_id(c) for c in bench.cases]
        await bench.open_all(plans, stack.client, plan_ids, bench.open_plan)
        bench.pads = pads_for(int(statistics.median(plans.events)))

        config = {
            "temporal_address": stack.settings.temporal_address,
            "namespace": stack.settings.temporal_namespace,
            "task_queue": bench.bare_queue,
            "max_cached_workflows": args.cache,
        }
        with (stack.tmp / "bare-worker.log").open("ab") as log:
            worker = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("_bare_plan.py")), json.dumps(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            bares = Side("bare", worker.pid)
            await bench.open_all(bares, bare, bench.bare_ids, bench.open_bare)
            await bench.measure(plans, bench.invite_plan)
            await bench.measure(bares, bench.invite_bare)
        finally:
            stop(worker)
        report(args, bench, plans, bares)


def report(args: argparse.Namespace, bench: Run, plans: Side, bares: Side) -> None:
    def kib(values: list[int]) -> float:
        return statistics.median(values) / KIB

    print(
        f"Worker cache: {args.plans:,} open plans, worker cache {args.cache:,} workflows "
        f"({CACHE_VARIABLE}), {os.cpu_count()} cores; {args.commands} commands a batch "
        f"(record_review_invitations, one per workflow), {args.clients} concurrent clients"
    )
    print(
        f"history when commanded (median): plan {statistics.median(plans.events):.0f} events, "
        f"{kib(plans.history_bytes):.1f} KiB; bare {statistics.median(bares.events):.0f} events, "
        f"{kib(bares.history_bytes):.1f} KiB ({bench.pads} padding updates each)"
    )
    print()
    header = f"{'worker memory (VmRSS)':<34} {'plan MiB':>9} {'bare MiB':>9} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    n, cache, warm = args.plans, args.cache, bench.warm
    named = {0: "idle, no workflow", warm: f"{warm:,} open (warm)", cache: f"{cache:,} open (cache full)"}
    for count in [0, *bench.checkpoints]:
        p, b = plans.memory[count] / KIB, bares.memory[count] / KIB
        print(f"{named.get(count, f'{count:,} open'):<34} {p:>9.1f} {b:>9.1f} {p / b:>5.2f}x")
    per = {s.name: (s.memory[cache] - s.memory[warm]) / (cache - warm) for s in (plans, bares)}
    beyond = {s.name: (s.memory[n] - s.memory[cache]) / (n - cache) for s in (plans, bares)}
    for what, figures in (("per cached workflow", per), ("per workflow beyond the cache", beyond)):
        ratio = figures["plan"] / figures["bare"] if figures["bare"] > 0 else float("nan")
        print(f"{what:<34} {figures['plan']:>5.1f} KiB {figures['bare']:>5.1f} KiB {ratio:>5.2f}x")
    print()
    header = (
        f"{'command':<26} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'worker CPU':>11} {'server CPU':>11} "
        f"{'failed':>7}"
    )
    print(header)
    print("-" * len(header))
    for side in (plans, bares):
        for kind, where in (("uncached", "out of the cache"), ("cached", "in the cache")):
            batch = side.commands[kind]
            worker, server = side.cpu[kind]
            print(
                f"{side.name + ', ' + where:<26} {percentile(batch.latencies, 50):>8.1f} "
                f"{percentile(batch.latencies, 99):>8.1f} {max(batch.latencies):>8.1f} "
                f"{worker:>8.1f} ms {server:>8.1f} ms {len(batch.failures):>7}"
            )
    print("(CPU per command, from /proc, includes what the command set going: the plan's records)")
    print()
    print(f"target: at most {TARGET}x the bare figures")

    def uncached(side: Side, q: float) -> float:
        return percentile(side.commands["uncached"].latencies, q)

    all_open = (plans.memory[n] / KIB, bares.memory[n] / KIB)
    verdicts: list[tuple[str, float, float, str]] = [
        ("memory per cached workflow", per["plan"], per["bare"], "KiB"),
        (f"worker memory, {n:,} open", *all_open, "MiB"),
        ("p99, out of the cache", uncached(plans, 99), uncached(bares, 99), "ms"),
        ("p50, out of the cache", uncached(plans, 50), uncached(bares, 50), "ms"),
    ]
    for what, plan, bare, unit in verdicts:
        ratio = plan / bare
        met = "met" if ratio <= TARGET else "NOT met"
        print(f"  {what:<30} plan {plan:8.1f} {unit}, bare {bare:8.1f} {unit}: {ratio:5.2f}x  {met}")
    for side in (plans, bares):
        for kind, batch in side.commands.items():
            if batch.failures:
                print(f"  {side.name} {kind} failures: {len(batch.failures)}; first: {batch.failures[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000, help="open plans (and bare workflows)")
    parser.add_argument(
        "--cache",
        type=int,
        default=None,
        help=f"the workers' max_cached_workflows (default: {DEFAULT_CACHE:,}, or half of --plans if fewer)",
    )
    parser.add_argument(
        "--commands", type=int, default=400, help="commands a batch, each to its own workflow"
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients sending the commands")
    parser.add_argument("--setup-clients", type=int, default=16, help="concurrent clients opening workflows")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.cache is None:
        args.cache = min(DEFAULT_CACHE, args.plans // 2)
    slack = 2 * args.setup_clients  # workflows opened together finish in any order
    if args.commands < 1 or args.clients < 1 or args.setup_clients < 1:
        parser.error("--commands, --clients and --setup-clients must be at least 1")
    if args.cache < 2 * args.commands:
        parser.error("--cache must hold at least 2 x --commands (the cached batch must stay in the cache)")
    if args.plans < args.cache + args.commands + slack:
        parser.error(
            f"--plans must be at least --cache + --commands + {slack}, so that the plans touched longest "
            "ago are out of the cache"
        )
    run_main(lambda: run(args))


if __name__ == "__main__":
    main()
