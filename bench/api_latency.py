"""Benchmark: API latency of create, decide, submit advice and the overdue list, beside bare counterparts.

Target: with 20 concurrent clients, each operation's p99 through the API is at most 1.5 times the p99 of
its bare counterpart measured in the same run:

    create            POST /api/requests (update-with-start of AssessmentWorkflow)
                      bare: update-with-start of a trivial workflow
    decide            POST /api/cases/{id}/decision-to-assess (5 advice requests)
                      bare: a trivial update with a validator on a trivial running workflow
    submit advice     POST /api/advice-requests/{id}/{advice}/advice (multipart, one PDF)
                      bare: a trivial update with a validator on a trivial running workflow
    floor             POST /bench/floor/{id}: a route added to the same app that only forwards a bare decide
                      (no token, no database, no codec): what HTTP through FastAPI and uvicorn adds to any
                      command on this machine, beside the same bare update called directly
    overdue list      GET /api/overdue (first page of 50)
                      bare: the SQL of db/deadlines.py list_overdue_steps on the raw sqlite3 module, on the
                      same database file, from 20 threads

Everything runs on the embedded stack (bench/_stack.py): the real uvicorn server, worker and SQLite. The
read model is first filled with a few thousand synthetic cases' deadlines (bench/_read_model.py, rows
inserted directly) so the overdue list has rows to find. The clients run in a separate process. Each
operation gets --requests measured calls after a warm-up; the stack is let settle (its background work,
such as the advice requests a decision sends, done) before each measured batch, API and bare alike.

    python bench/api_latency.py [--requests 200] [--clients 20] [--list-cases 3000] [--pdf-kb 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import sqlite3
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from temporalio import workflow
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter

from api.services.clock import today_in_england
from tests.documents import pdf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

with workflow.unsafe.imports_passed_through():
    from _bare_case import BareAnswer, BareCase, BareCaseStart, BareCommand, bare_worker
    from _overdue_sql import PAGE, Query, bare_params, bare_sql
    from _read_model import Generator, Staff, load_sqlite, sqlite_connect, timestamp
    from _stack import ADVICE, Stack, embedded_stack, note, percentile, run_driver, run_main

TARGET = 1.5
DRIVER_TIMEOUT = 900.0
SETTLE_SECONDS = 180.0
OPERATIONS = ("create", "decide", "submit advice", "floor", "overdue list")
FIRST_PAGE = Query("first page")


# ---- the read model for the overdue list ----


def fill_read_model(path: Path, stack: Stack, cases: int, seed: int) -> tuple[int, int]:
    """Insert `cases` synthetic cases (children, cases, deadlines) of the stack's authority, caseworker and
    agencies straight into the database; return how many deadlines, and how many of them are overdue."""
    staff = Staff(
        caseworkers=[uuid.UUID(stack.caseworker.id).hex],
        agencies={
            kind: [uuid.UUID(stack.agencies[advice_id].agency_id or "").hex]
            for advice_id, (_, _, kind) in ADVICE.items()
        },
    )
    generator = Generator(
        random.Random(seed),
        cases,
        today_in_england(),
        timestamp("sqlite"),
        staff,
        la_codes=(stack.settings.la_code,),
    )
    conn = sqlite_connect(path)
    try:
        load_sqlite(conn, generator)
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return generator.stats.deadlines, generator.stats.overdue_listed


# ---- the driver (its own process) ----


def _progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    print(f"\r  {label:<22} {done:>4}/{total}  {rate:7.1f}/s", end="", file=sys.stderr, flush=True)


async def timed_calls(
    label: str, total: int, warm: int, clients: int, call: Callable[[int], Awaitable[None]]
) -> list[float]:
    """`total` calls by `clients` concurrent clients; the latency (ms) of each but the first `warm`."""
    indexes = iter(range(total))
    latencies: list[float] = []
    started = time.perf_counter()
    done = 0

    async def client() -> None:
        nonlocal done
        for index in indexes:
            began = time.perf_counter()
            try:
                await call(index)
            except Skipped:
                continue
            except Failed as error:
                FAILURES[label.split(maxsplit=1)[1]].append((error.status, error.detail))
            except Exception as error:  # a dropped connection (httpx.ReadError), a timeout: counted too
                FAILURES[label.split(maxsplit=1)[1]].append((type(error).__name__, str(error)[:200]))
            if index >= warm:
                latencies.append((time.perf_counter() - began) * 1000)
            done += 1
            _progress(label, done, total, started)

    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(clients))), timeout=DRIVER_TIMEOUT)
    print(file=sys.stderr)
    return latencies


def threaded_calls(
    label: str, total: int, warm: int, clients: int, *, call: Callable[[sqlite3.Connection], None], db: str
) -> list[float]:
    """The same, from `clients` threads, each with its own raw sqlite3 connection."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = time.monotonic() + DRIVER_TIMEOUT

    def client() -> None:
        conn = sqlite_connect(db)
        try:
            while time.monotonic() < deadline:
                with lock:
                    index = next(counter)
                if index >= total:
                    return
                began = time.perf_counter()
                call(conn)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    if index >= warm:
                        latencies.append(elapsed)
                    _progress(label, index + 1, total, started)
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    print(file=sys.stderr)
    return latencies


def settle(db: str, label: str) -> None:
    """Wait until the worker's background work is done: the case database stops changing for 1.5 s."""
    conn = sqlite_connect(db)
    query = (
        "SELECT (SELECT count(*) FROM outbox), (SELECT total(state_version) FROM cases), "
        "(SELECT count(*) FROM advice_requests), (SELECT count(received_on) FROM advice_requests), "
        "(SELECT count(*) FROM decisions)"
    )
    started = time.monotonic()
    try:
        last, stable = None, 0
        while stable < 3 and time.monotonic() - started < SETTLE_SECONDS:
            now = conn.execute(query).fetchone()
            stable = stable + 1 if now == last else 0
            last = now
            time.sleep(0.5)
    finally:
        conn.close()
    if stable < 3:
        print(f"  {label}: still busy after {SETTLE_SECONDS:.0f} s; measuring anyway", file=sys.stderr)


FAILURES: dict[str, list[tuple[str, str]]] = defaultdict(list)  # by operation: (status, detail)


class Skipped(Exception):
    """No case to act on: the create (or decision) for this index failed."""


class Failed(Exception):
    """The API answered something other than success: counted, and the timing kept."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(f"{status} {detail}")
        self.status, self.detail = status, detail


def _check(response: Any, ok: int, what: str) -> Any:
    if response.status_code != ok:
        raise Failed(str(response.status_code), f"{what}: {response.text[:200]}")
    return response.json()


class Calls:
    """One call of each operation, through the API and bare; `i` picks the case (or bare workflow)."""

    def __init__(self, config: dict[str, Any], http: Any, temporal: Client) -> None:
        self.config, self.http, self.temporal = config, http, temporal
        self.today = today_in_england()
        self.received, self.decided = self.today - timedelta(days=14), self.today - timedelta(days=7)
        agencies = config["agencies"]
        self.advice = [
            {"advice_id": a, "advice": kind, "agency_id": agencies[a]["agency_id"]}
            for a, (kind, _, _) in ADVICE.items()
        ]
        self.agency = {"Authorization": f"Bearer {agencies['ep']['token']}"}
        self.manager = {"Authorization": f"Bearer {config['manager']['token']}"}
        # a real PDF (the API takes only whole ones); documents are kept once per case, so one will do
        self.pdf = pdf("bench advice", pad=config["pdf_kb"] * 1024)
        total = config["requests"] + config["warm"]
        self.cases = [""] * total
        self.bare_ids = [f"bare-case-{uuid.uuid4()}" for _ in range(total)]
        # the floor's own bare workflows: the first half through the API's floor route, the second direct
        self.floor_ids = [f"bare-floor-{uuid.uuid4()}" for _ in range(2 * total)]

    def command(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.config['caseworker']['token']}",
            "Idempotency-Key": str(uuid.uuid4()),
        }

    async def create(self, i: int) -> None:
        child = {
            "given_name": "Bench",
            "family_name": "Child",
            "date_of_birth": "2015-03-01",
            "year_group": 5,
        }
        body = {"received_on": self.received.isoformat(), "source": "parent", "child": child}
        response = await self.http.post("/api/requests", json=body, headers=self.command())
        self.cases[i] = _check(response, 201, "create")["case_id"]

    def case(self, i: int) -> str:
        if not self.cases[i]:
            raise Skipped
        return self.cases[i]

    async def decide(self, i: int) -> None:
        body = {"outcome": "assess", "decided_on": self.decided.isoformat(), "advice": self.advice}
        url = f"/api/cases/{self.case(i)}/decision-to-assess"
        _check(await self.http.post(url, json=body, headers=self.command()), 200, "decide")

    async def submit(self, i: int) -> None:
        response = await self.http.post(
            f"/api/advice-requests/{self.case(i)}/ep/advice",
            headers=self.agency,
            files=[("files", ("ep.pdf", self.pdf, "application/pdf"))],
            data={"received_on": self.today.isoformat(), "summary": "Needs a quiet space to learn."},
        )
        _check(response, 200, "submit advice")

    async def overdue(self, _i: int) -> None:
        _check(await self.http.get("/api/overdue", headers=self.manager), 200, "overdue list")

    async def bare_create(self, i: int) -> None:
        operation = WithStartWorkflowOperation(
            BareCase.run,
            BareCaseStart(case_id=self.bare_ids[i], received_on=self.received),
            id=self.bare_ids[i],
            task_queue=self.config["task_queue"],
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        await self.temporal.execute_update_with_start_workflow(
            BareCase.acknowledge, start_workflow_operation=operation, id=str(uuid.uuid4())
        )

    async def bare_decide(self, i: int) -> None:
        handle = self.temporal.get_workflow_handle_for(BareCase.run, self.bare_ids[i])
        await handle.execute_update(BareCase.decide, BareCommand(on=self.decided), id=str(uuid.uuid4()))

    async def bare_submit(self, i: int) -> None:
        handle = self.temporal.get_workflow_handle_for(BareCase.run, self.bare_ids[i])
        await handle.execute_update(BareCase.submit, BareCommand(on=self.today), id=str(uuid.uuid4()))

    async def floor(self, i: int) -> None:
        body = {"on": self.decided.isoformat()}
        _check(await self.http.post(f"/bench/floor/{self.floor_ids[i]}", json=body), 200, "floor")

    async def bare_floor(self, i: int) -> None:
        handle = self.temporal.get_workflow_handle_for(BareCase.run, self.floor_ids[i + len(self.cases)])
        await handle.execute_update(BareCase.decide, BareCommand(on=self.decided), id=str(uuid.uuid4()))

    def bare_list(self, conn: sqlite3.Connection) -> None:
        conn.execute(bare_sql("sqlite", FIRST_PAGE), bare_params("sqlite", FIRST_PAGE, self.today)).fetchall()


async def drive(config: dict[str, Any]) -> dict[str, Any]:
    """Every operation through the API, then its bare counterpart, with a settle before each batch."""
    warm, clients, db = config["warm"], config["clients"], config["db_path"]
    n = config["requests"] + warm
    temporal = await Client.connect(
        config["temporal_address"], namespace=config["namespace"], data_converter=pydantic_data_converter
    )
    results: dict[str, list[float]] = {}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=config["api_url"], timeout=60, limits=limits) as http:
        calls = Calls(config, http, temporal)
        await asyncio.gather(*(start_bare(temporal, config, wf) for wf in calls.floor_ids))
        for name, api_call, bare_call in (
            ("floor", calls.floor, calls.bare_floor),
            ("create", calls.create, calls.bare_create),
            ("decide", calls.decide, calls.bare_decide),
            ("submit advice", calls.submit, calls.bare_submit),
        ):
            settle(db, name)
            results[name] = await timed_calls(f"api  {name}", n, warm, clients, api_call)
            settle(db, name)
            results[f"bare {name}"] = await timed_calls(f"bare {name}", n, warm, clients, bare_call)
        settle(db, "overdue list")
        await same_rows(http, config, db, calls.today)
        results["overdue list"] = await timed_calls("api  overdue list", n, warm, clients, calls.overdue)
        results["bare overdue list"] = threaded_calls(
            "bare overdue list", n, warm, clients, call=calls.bare_list, db=db
        )
    return {"latency": results, "failures": dict(FAILURES)}


async def start_bare(temporal: Client, config: dict[str, Any], workflow_id: str) -> None:
    await temporal.start_workflow(
        BareCase.run,
        BareCaseStart(case_id=workflow_id, received_on=today_in_england()),
        id=workflow_id,
        task_queue=config["task_queue"],
    )


def add_floor_route(app: Any, client: Client) -> None:
    """POST /bench/floor/{workflow_id}: parse a body, run a bare decide on that workflow, answer its JSON."""

    async def floor(workflow_id: str, command: BareCommand) -> BareAnswer:
        handle = client.get_workflow_handle_for(BareCase.run, workflow_id)
        return await handle.execute_update(BareCase.decide, command, id=str(uuid.uuid4()))

    app.add_api_route("/bench/floor/{workflow_id}", floor, methods=["POST"], response_model=BareAnswer)


async def same_rows(pool: Any, config: dict[str, Any], db: str, as_of: date) -> None:
    """The bare SQL must answer what the API lists: the same first page, in the same order."""
    auth = {"Authorization": f"Bearer {config['manager']['token']}"}
    page = _check(await pool.get("/api/overdue", headers=auth), 200, "overdue list")
    conn = sqlite_connect(db)
    try:
        rows = conn.execute(
            bare_sql("sqlite", FIRST_PAGE), bare_params("sqlite", FIRST_PAGE, as_of)
        ).fetchall()
    finally:
        conn.close()
    listed = [(uuid.UUID(s["case_id"]), s["deadline"], s["key"]) for s in page["items"]]
    if not listed or listed != [(uuid.UUID(r[0]), r[2], r[3]) for r in rows[:PAGE]]:
        raise RuntimeError("the bare SQL does not return the API's first page of the overdue list")


# ---- the run ----


async def run(args: argparse.Namespace) -> None:
    async with embedded_stack("latency") as stack:
        note(f"filling the read model with {args.list_cases:,} cases' deadlines")
        rows, overdue = fill_read_model(stack.db_path, stack, args.list_cases, args.seed)
        bare_client = await stack.bare_client()
        add_floor_route(stack.app, bare_client)
        config = {
            **stack.plain(),
            "requests": args.requests,
            "warm": max(10, args.requests // 10),
            "clients": args.clients,
            "pdf_kb": args.pdf_kb,
            "task_queue": f"bare-{uuid.uuid4().hex[:8]}",
        }
        # The bare workflows' worker runs in its own process, as the service's worker does: the API's
        # process (this one) serves HTTP only, for the service and for the floor route alike.
        bare = asyncio.create_task(run_driver(bare_worker, config, timeout=2 * DRIVER_TIMEOUT))
        driving = asyncio.create_task(run_driver(drive, config, timeout=DRIVER_TIMEOUT))
        try:
            await asyncio.wait({driving, bare}, return_when=asyncio.FIRST_COMPLETED)
            if bare.done():
                bare.result()  # the bare worker stopped: its error, rather than a driver waiting on it
                raise RuntimeError("the bare workflows' worker stopped")
            outcome = driving.result()
        finally:
            for task in (driving, bare):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        report(
            args,
            results=outcome["latency"],
            failures=outcome["failures"],
            rows=rows,
            overdue=overdue,
            warm=config["warm"],
        )


def report(
    args: argparse.Namespace,
    *,
    results: dict[str, list[float]],
    failures: dict[str, list[tuple[str, str]]],
    rows: int,
    overdue: int,
    warm: int,
) -> None:
    print(
        f"API latency, {args.requests} measured calls per operation (after {warm} warm-up), {args.clients} "
        f"concurrent clients, {os.cpu_count()} cores; read model: {args.list_cases:,} synthetic cases, "
        f"{rows:,} deadlines, {overdue:,} overdue; advice PDF {args.pdf_kb} KiB"
    )
    header = (
        f"{'operation':<14} {'p50 ms':>8} {'p99 ms':>8} {'bare p50':>9} {'bare p99':>9} {'p99 ratio':>10} "
        f"{'failed':>7}  target met (p99 <= {TARGET}x bare)"
    )
    print(header)
    print("-" * len(header))
    for name in OPERATIONS:
        api, bare = results[name], results[f"bare {name}"]
        p50, p99, b50, b99 = (
            percentile(api, 50),
            percentile(api, 99),
            percentile(bare, 50),
            percentile(bare, 99),
        )
        ratio = p99 / b99
        failed = len(failures.get(name, []))
        met = "yes" if ratio <= TARGET and not failed else "NO"
        print(f"{name:<14} {p50:>8.1f} {p99:>8.1f} {b50:>9.1f} {b99:>9.1f} {ratio:>9.1f}x {failed:>7}  {met}")
    print(
        "(bare: create = update-with-start of a trivial workflow; decide, submit advice = a trivial update "
        "with a validator on it; floor = the API's HTTP alone, a route forwarding a bare decide; "
        "overdue list = list_overdue_steps' SQL on raw sqlite3 from "
        f"{args.clients} threads; failed: calls answered with an error, timed and counted, with the warm-up)"
    )
    for name, errors in failures.items():
        kinds: dict[str, int] = defaultdict(int)
        for status, _ in errors:
            kinds[status] += 1
        print(f"  {name} failures by status: {dict(kinds)}; first: {errors[0][1][:200]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="measured calls per operation")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--list-cases", type=int, default=3000, help="synthetic cases in the read model")
    parser.add_argument("--pdf-kb", type=int, default=100, help="size of the advice PDF")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.requests < 1 or args.clients < 1 or args.list_cases < 100:
        parser.error("--requests and --clients must be at least 1, --list-cases at least 100")
    run_main(lambda: run(args))


if __name__ == "__main__":
    main()
