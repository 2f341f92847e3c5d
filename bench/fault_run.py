"""Fault run (issue 9): kill -9 the worker, the API and the Temporal dev server during 200 requests, and
hold the case database locked for 60 s; then check that nothing was lost or duplicated, that no answer
was a 500, that every 503/504 said when to retry, that no request took over 15 s, and that every
workflow's history still replays.

Every part of the service runs as its own OS process, as in production, so that each can be killed on
its own: the Temporal dev server (cli/stack.py's `dev_server_command`, on a SQLite file in the temp dir,
so it finds its workflows again when it restarts), `ehcp migrate`, `ehcp worker` and `ehcp api`, with
accounts and an agency made by `ehcp users add` and `ehcp agencies add`. The driver, in this process, is
4 concurrent clients making 200 requests as caseworkers, a manager and an agency would: requests for an
assessment, decisions to assess (the 5 reg 6 advice requests, all to the one agency) or refusals,
withdrawals, the agency's advice as a small PDF, plans transferred in from another LA, and the manager's
lists. Every command carries an Idempotency-Key; an answer of 503 or 504, a refused or dropped connection
or a timeout is retried with the same key after the answer's Retry-After, as a client should, for up to
3 minutes a request. Every HTTP attempt's status and wall time is recorded (the client waits up to 30 s,
so a slow answer is measured, not hidden).

The faults come at fixed points of progress (requests answered): at 40 the worker is killed and
restarted 5 s later; at 80 the API (3 s); at 120 the dev server (5 s, on the same database file); at 160
a separate sqlite3 connection holds `BEGIN EXCLUSIVE` on the case database for 60 s, then rolls back.
Then, once every case's read model has caught up with its workflow (bounded, 3 minutes), it checks:

    lost        a case answered 201 missing from the read model or from Temporal; a decision, an
                advice answered 200 without its record; a notice not delivered, or without its file
    duplicated  notices (outbox rows and files against distinct idempotency keys, and the same notice
                under two keys), cases (two ids for one key, or cases and workflows nobody created),
                decisions (twice for one update id, or twice of one kind on a case), documents
    statuses    every HTTP status seen; 500 (must be 0), other 5xx but 503/504 (must be 0), 503/504
                without Retry-After (must be 0)
    time        the slowest attempt; attempts over 15 s (must be 0)
    replay      every run of every workflow (assessment, advice, plan) replayed with worker.main's
                WORKFLOWS and WORKFLOW_RUNNER and the service's converter: failures (must be 0)

and exits non-zero if any "must" fails (a history that does not replay is kept, and where is printed);
it also prints the notices sent and the commands whose audit line went to the API's log instead of the
database. It stops every process it started however it ends, and removes the temp dir unless --keep.

    python bench/fault_run.py [--requests 200] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from api.services.clock import today_in_england
from api.services.idempotency import hashed_key
from cli.stack import dev_server_command, stop, temporal_binary
from core.settings import Settings
from core.temporal import connect, data_converter
from notify.base import key_digest
from notify.file import SUFFIX, TEMP_PREFIX
from tests.documents import pdf
from worker.main import WORKFLOW_RUNNER, WORKFLOWS

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _stack import free_port, note  # bench/ is not a package: found through sys.path

LA_CODE = "202"
CONCURRENCY = 4
CLIENT_TIMEOUT = 30.0  # seconds an attempt may take before the client gives up on it (and retries)
RETRY_BUDGET = 180.0  # seconds a request is retried for, from its first attempt
SLOW = 15.0  # the acceptance: no attempt over this
QUIET_SECONDS = 180.0
STARTUP_SECONDS = 60.0
LOCK_SECONDS = 60.0
# (after how many requests answered, what): each fault begins once the previous one is over.
FAULTS = ((40, "worker", 5.0), (80, "api", 3.0), (120, "temporal", 5.0), (160, "lock", LOCK_SECONDS))
# The reg 6(1) advice of a year-5 child, by advice id; all requested of the one agency.
ADVICE = {
    "parent": "parent",
    "school": "educational",
    "health": "medical",
    "ep": "psychological",
    "social": "social_care",
}
CHILD = {"given_name": "Fault", "family_name": "Run", "date_of_birth": "2015-03-01", "year_group": 5}
PARENT = {
    "name": "Fault-run parent",
    "relationship": "mother",
    "email": "parent@example.org",
    "parental_responsibility": True,
}
JOURNEYS = ("assess_and_answer", "refuse", "assess_and_withdraw", "plan_transfer_in", "withdraw")


# ---- the service's processes ----


@dataclass
class Service:
    """One process of the service: started, killed with SIGKILL, restarted and stopped by its pid."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    down: bool = False  # killed on purpose: not an unexpected exit
    exits: list[str] = field(default_factory=list)  # unexpected exits: code and the log's last line

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.down = False

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill9(self) -> None:
        self.down = True
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)

    def stop(self) -> None:
        self.down = True
        if self.process is not None:
            stop(self.process)

    def last_line(self) -> str:
        with contextlib.suppress(OSError):
            lines = self.log.read_text(errors="replace").strip().splitlines()
            return lines[-1][:200] if lines else "no log"
        return "no log"


async def watch(services: list[Service]) -> None:
    """Restart a service that exits when it was not killed on purpose, and note the exit: a finding."""
    while True:
        await asyncio.sleep(0.5)
        for service in services:
            process = service.process
            if process is None or service.down or process.poll() is None:
                continue
            service.exits.append(f"exit code {process.returncode}: {service.last_line()}")
            note(f"!! {service.name} exited unexpectedly ({service.exits[-1]}); restarting it")
            service.start()


def cli(env: dict[str, str], *args: str) -> str:
    """Run `ehcp ARGS` with the stack's settings; its standard output."""
    done = subprocess.run(
        [str(temporal_binary().parent / "ehcp"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ehcp {args[0]} {args[1] if len(args) > 1 else ''} failed: {done.stderr[-500:]}")
    return done.stdout


async def wait_for_temporal(settings: Settings, server: Service) -> Client:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"the Temporal dev server stopped: {server.last_line()}")
        try:
            client = await connect(settings)
            await client.count_workflows()
            return client
        except Exception:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the Temporal dev server did not answer in {STARTUP_SECONDS:.0f} s"
                ) from None
            await asyncio.sleep(0.25)


async def wait_for_api(http: httpx.AsyncClient, path: str, api: Service) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if api.process is not None and api.process.poll() is not None:
            raise RuntimeError(f"ehcp api stopped: {api.last_line()}")
        with contextlib.suppress(httpx.HTTPError):
            if (await http.get(path, timeout=5)).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"ehcp api did not answer {path} with 200 in {STARTUP_SECONDS:.0f} s")
        await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Accounts:
    caseworker: tuple[uuid.UUID, str]  # (user id, token)
    manager: tuple[uuid.UUID, str]
    agency: tuple[uuid.UUID, str]
    agency_id: str


def make_accounts(env: dict[str, str], db: Path) -> Accounts:
    """An agency and three accounts through the `ehcp` commands; the ids from the database."""
    added = cli(
        env, "agencies", "add", "Northtown Advice Service", "--kind", "other", "--email", "advice@example.org"
    )
    agency_id = added.strip().rsplit(": ", 1)[1]
    tokens = {}
    for name, role in (
        ("fault-caseworker", "caseworker"),
        ("fault-manager", "manager"),
        ("fault-agency", "agency"),
    ):
        extra = ["--agency-id", agency_id] if role == "agency" else []
        tokens[name] = cli(env, "users", "add", name, "--role", role, *extra).strip().splitlines()[-1]
    conn = sqlite3.connect(db)
    try:
        ids = {
            name: uuid.UUID(str(user_id)) for user_id, name in conn.execute("SELECT id, username FROM users")
        }
    finally:
        conn.close()
    return Accounts(
        caseworker=(ids["fault-caseworker"], tokens["fault-caseworker"]),
        manager=(ids["fault-manager"], tokens["fault-manager"]),
        agency=(ids["fault-agency"], tokens["fault-agency"]),
        agency_id=agency_id,
    )


# ---- the driver ----


@dataclass(frozen=True)
class Attempt:
    what: str
    status: str  # the HTTP status, or what went wrong on the way: "refused connection", ...
    seconds: float
    retry_after: str | None


class OutOfRequests(Exception):
    """The run's requests are all made: the journey stops where it is."""


class Stopped(Exception):
    """A request ended without the answer it should have had: the journey goes no further."""


@dataclass
class Driver:
    http: httpx.AsyncClient
    accounts: Accounts
    total: int
    today: date = field(default_factory=today_in_england)
    attempts: list[Attempt] = field(default_factory=list)
    started: int = 0  # requests begun
    answered: int = 0  # requests ended, however
    retried: int = 0  # requests that needed more than one attempt
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    created: dict[str, str] = field(default_factory=dict)  # case id -> "assessment" | "plan"
    case_ids_by_key: dict[str, set[str]] = field(default_factory=dict)
    decisions: list[tuple[str, str, str]] = field(default_factory=list)  # (case id, update id, what)
    advice: list[tuple[str, str]] = field(default_factory=list)  # (case id, advice id) answered
    commands: list[tuple[str, str]] = field(default_factory=list)  # (update id, what) answered 2xx
    failed: list[str] = field(default_factory=list)  # requests that never got their answer
    began: float = field(default_factory=time.monotonic)

    def iso(self, days_ago: int = 0) -> str:
        return (self.today - timedelta(days=days_ago)).isoformat()

    def auth(self, who: tuple[uuid.UUID, str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {who[1]}"}

    async def request(
        self,
        what: str,
        method: str,
        path: str,
        *,
        who: tuple[uuid.UUID, str],
        ok: int = 200,
        command: bool = True,
        not_yet: tuple[int, ...] = (),
        **body: Any,
    ) -> tuple[Any, str | None]:
        """One request, retried with the same key until answered `ok`; (its JSON, its key)."""
        if self.started >= self.total:
            raise OutOfRequests
        self.started += 1
        key = str(uuid.uuid4()) if command else None
        headers = {**self.auth(who), **({"Idempotency-Key": key} if key else {})}
        first = time.monotonic()
        tries = 0
        try:
            while True:
                tries += 1
                status, retry_after, answer = await self._attempt(what, method, path, headers, body)
                if status == str(ok):
                    if key is not None:
                        self.commands.append((hashed_key(user_id=who[0], key=key), what))
                    return answer, key
                retryable = status in ("503", "504") or not status.isdigit() or int(status) in not_yet
                if not retryable:
                    self.failed.append(f"{what}: {status} {str(answer)[:160]}")
                    raise Stopped
                if time.monotonic() - first > RETRY_BUDGET:
                    self.failed.append(f"{what}: still {status} after {RETRY_BUDGET:.0f} s of retries")
                    raise Stopped
                await asyncio.sleep(_pause(retry_after, status))
        finally:
            self.retried += tries > 1
            self.answered += 1
            self.progress.set()
            if self.answered % 20 == 0 or self.answered == self.total:
                self.report_progress()

    async def _attempt(
        self, what: str, method: str, path: str, headers: dict[str, str], body: dict[str, Any]
    ) -> tuple[str, str | None, Any]:
        began = time.monotonic()
        retry_after = None
        answer: Any = None
        try:
            response = await self.http.request(method, path, headers=headers, **body)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            status = "refused connection"
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            status = "dropped connection"
        except httpx.TimeoutException:
            status = f"no answer in {CLIENT_TIMEOUT:.0f} s"
        else:
            status = str(response.status_code)
            retry_after = response.headers.get("Retry-After")
            try:
                answer = response.json()
            except ValueError:
                answer = response.text[:200]
        self.attempts.append(Attempt(what, status, time.monotonic() - began, retry_after))
        return status, retry_after, answer

    def report_progress(self) -> None:
        statuses = Counter(a.status for a in self.attempts)
        not_ok = sum(n for s, n in statuses.items() if not (s.isdigit() and int(s) < 300))
        note(
            f"{self.answered:>4}/{self.total} requests answered at {time.monotonic() - self.began:5.0f} s: "
            f"{len(self.attempts)} attempts, {not_ok} not 2xx ({_short(statuses)})"
        )

    # -- the steps --

    async def create(self) -> str:
        body = {"received_on": self.iso(14), "source": "parent", "child": CHILD, "contacts": [PARENT]}
        answer, key = await self.request(
            "create", "POST", "/api/requests", who=self.accounts.caseworker, ok=201, json=body
        )
        return self._created(answer, key, "assessment")

    def _created(self, answer: Any, key: str | None, kind: str) -> str:
        case_id = str(answer["case_id"])
        self.created[case_id] = kind
        self.case_ids_by_key.setdefault(key or "", set()).add(case_id)
        return case_id

    async def decide(self, case_id: str, outcome: str) -> None:
        body: dict[str, Any] = {"outcome": outcome, "decided_on": self.iso(7)}
        if outcome == "assess":
            body["advice"] = [
                {"advice_id": a, "advice": kind, "agency_id": self.accounts.agency_id}
                for a, kind in ADVICE.items()
            ]
        else:
            body["reasons"] = "Needs can be met from the school's resources."
        path = f"/api/cases/{case_id}/decision-to-assess"
        _, key = await self.request(
            f"decide {outcome}", "POST", path, who=self.accounts.caseworker, json=body
        )
        self._decided(case_id, key, "decision_to_assess")

    def _decided(self, case_id: str, key: str | None, what: str) -> None:
        update_id = hashed_key(user_id=self.accounts.caseworker[0], key=key or "")
        self.decisions.append((case_id, update_id, what))

    async def withdraw(self, case_id: str) -> None:
        body = {"withdrawn_on": self.iso(), "reasons": "Parent withdrew the request in writing."}
        path = f"/api/cases/{case_id}/withdrawal"
        _, key = await self.request("withdraw", "POST", path, who=self.accounts.caseworker, json=body)
        self._decided(case_id, key, "withdrawn")

    async def answer(self, case_id: str, advice_id: str) -> None:
        """The agency's advice as a small PDF; 404 until the advice request's workflow has recorded it."""
        document = pdf(f"{case_id}:{advice_id}")
        await self.request(
            "advice",
            "POST",
            f"/api/advice-requests/{case_id}/{advice_id}/advice",
            who=self.accounts.agency,
            not_yet=(404,),
            files=[("files", (f"{advice_id}.pdf", document, "application/pdf"))],
            data={"received_on": self.iso(), "summary": "Needs a quiet space to learn."},
        )
        self.advice.append((case_id, advice_id))

    async def plan(self) -> str:
        body = {
            "from_la": "Southshire",
            "made_on": self.iso(200),
            "transferred_on": self.iso(10),
            "child": CHILD,
            "contacts": [PARENT],
        }
        answer, key = await self.request(
            "plan in", "POST", "/api/plans", who=self.accounts.caseworker, ok=201, json=body
        )
        case_id = self._created(answer, key, "plan")
        path = f"/api/plans/{case_id}/transfer-informed"
        body = {"informed_on": self.iso()}
        await self.request("plan informed", "POST", path, who=self.accounts.caseworker, json=body)
        return case_id

    async def lists(self, which: str) -> None:
        if which == "overdue":
            await self.request("overdue", "GET", "/api/overdue", who=self.accounts.manager, command=False)
        else:
            params = {"received_from": self.iso(60), "received_to": self.iso()}
            await self.request(
                "kpis", "GET", "/api/kpis", who=self.accounts.manager, command=False, params=params
            )

    async def journey(self, n: int) -> None:
        kind = JOURNEYS[n % len(JOURNEYS)]
        if kind == "plan_transfer_in":
            await self.plan()
            await self.lists("kpis")
            return
        case_id = await self.create()
        if kind == "refuse":
            await self.decide(case_id, "refuse")
        elif kind == "withdraw":
            await self.withdraw(case_id)
        else:
            await self.decide(case_id, "assess")
            if kind == "assess_and_answer":
                await self.answer(case_id, "ep")
                await self.answer(case_id, "health")
                await self.lists("overdue")
            else:
                await self.answer(case_id, "school")
                await self.withdraw(case_id)

    async def run(self) -> None:
        journeys = itertools.count()

        async def client() -> None:
            while self.started < self.total:
                try:
                    await self.journey(next(journeys))
                except Stopped:
                    continue
                except OutOfRequests:
                    return

        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))


def _pause(retry_after: str | None, status: str) -> float:
    """What the answer's Retry-After asks (at most 10 s); a second after a failed connection."""
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after), 10.0)
    return 1.0 if not status.isdigit() else 2.0


def _short(statuses: Counter[str]) -> str:
    return ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))


# ---- the faults ----


@dataclass
class Faults:
    services: dict[str, Service]
    settings: Settings
    http: httpx.AsyncClient
    db: Path
    log: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def say(self, driver: Driver, message: str) -> None:
        line = f"[{time.monotonic() - driver.began:5.0f} s, {driver.answered:>3} answered] {message}"
        self.log.append(line)
        note(f"fault: {line}")

    async def run(self, driver: Driver) -> None:
        for at, what, seconds in FAULTS:
            while driver.answered < min(at, driver.total) and driver.started < driver.total:
                driver.progress.clear()
                await driver.progress.wait()
            if driver.answered < at:
                self.say(driver, f"the requests ended before {at}; {what} fault not made")
                continue
            if what == "lock":
                await self.lock(driver, seconds)
            else:
                await self.kill(driver, what, seconds)

    async def kill(self, driver: Driver, name: str, seconds: float) -> None:
        service = self.services[name]
        pid = service.pid
        service.kill9()
        self.say(driver, f"kill -9 {name} (pid {pid}); restarting it in {seconds:.0f} s")
        await asyncio.sleep(seconds)
        service.start()
        began = time.monotonic()
        if name == "temporal":
            client = await wait_for_temporal(self.settings, service)
            del client
            ready = "answering"
        elif name == "api":
            await wait_for_api(self.http, "/api/health", service)
            ready = "answering /api/health"
        else:
            ready = "started"
        self.say(
            driver, f"{name} restarted (pid {service.pid}), {ready} after {time.monotonic() - began:.1f} s"
        )

    async def lock(self, driver: Driver, seconds: float) -> None:
        held = threading.Event()
        holding = asyncio.create_task(asyncio.to_thread(_hold_lock, self.db, seconds, held, self.release))
        while not held.is_set() and not holding.done():
            await asyncio.sleep(0.05)
        self.say(driver, f"BEGIN EXCLUSIVE on the case database, held for {seconds:.0f} s")
        waited = await holding
        self.say(driver, f"lock released (ROLLBACK); it took {waited:.1f} s to get")


def _hold_lock(db: Path, seconds: float, held: threading.Event, release: threading.Event) -> float:
    """Hold SQLite's write lock on `db` for `seconds` (or until `release`); how long it took to get."""
    conn = sqlite3.connect(db, timeout=60, isolation_level=None)
    try:
        began = time.monotonic()
        conn.execute("BEGIN EXCLUSIVE")
        waited = time.monotonic() - began
        held.set()
        release.wait(seconds)
        conn.execute("ROLLBACK")
        return waited
    finally:
        conn.close()


# ---- after the run: quiet, then the checks ----


async def wait_quiet(driver: Driver, client: Client, db: Path) -> tuple[bool, str, list[str]]:
    """Wait until every case's read model shows its workflow's state version, no notice is pending and
    no workflow has an activity pending; (quiet, what was still busy, and in what)."""
    deadline = time.monotonic() + QUIET_SECONDS
    pending_cases = dict(driver.created)
    while True:
        for case_id, kind in list(pending_cases.items()):
            path = f"/api/cases/{case_id}" if kind == "assessment" else f"/api/plans/{case_id}"
            status, _, answer = await driver._attempt(
                "settle read", "GET", path, driver.auth(driver.accounts.caseworker), {}
            )
            record, state = (answer.get("record"), answer.get("state")) if status == "200" else (None, None)
            if record and state and record["state_version"] == state["state_version"]:
                del pending_cases[case_id]
        pending_notices = _one(db, "SELECT count(*) FROM outbox WHERE status = 'pending'")
        late = time.monotonic() > deadline
        details = []
        if late or (not pending_cases and not pending_notices):
            details = await still_busy(client)
        busy = (
            f"{len(pending_cases)} read models behind their workflow, {pending_notices} notices pending, "
            f"{sum(' activity ' in d for d in details)} activities pending"
        )
        if not pending_cases and not pending_notices and not details:
            return True, busy, []
        if late:
            behind = [f"read model behind: {kind}-{case_id}" for case_id, kind in pending_cases.items()]
            return False, busy, behind + details
        await asyncio.sleep(1.0)


async def still_busy(client: Client) -> list[str]:
    """Every workflow's pending activities (with their attempt and last failure, decoded) and failing
    workflow tasks."""
    found = []
    async for execution in client.list_workflows():
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        raw = (await handle.describe()).raw_description
        for pending in raw.pending_activities:
            why = ""
            if pending.HasField("last_failure"):
                error = await client.data_converter.decode_failure(pending.last_failure)
                why = f": {type(error).__name__}: {str(error)[:160]}"
            found.append(
                f"{execution.id}: activity {pending.activity_type.name}, attempt {pending.attempt}, "
                f"state {pending.state}{why}"
            )
        task = raw.pending_workflow_task
        if raw.HasField("pending_workflow_task") and task.attempt > 1:
            found.append(f"{execution.id}: workflow task on its attempt {task.attempt}")
    return found


def _one(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db, timeout=30)
    try:
        value: int = conn.execute(sql).fetchone()[0]
        return value
    finally:
        conn.close()


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _uuid(value: Any) -> str:
    return str(uuid.UUID(value.hex() if isinstance(value, bytes) else str(value)))


@dataclass
class Check:
    name: str
    value: int | str
    must_be_zero: bool = False
    detail: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.must_be_zero and self.value != 0


async def check(driver: Driver, client: Client, db: Path, outbox: Path, settings: Settings) -> list[Check]:
    checks: list[Check] = []

    # lost
    in_read_model = {_uuid(r[0]) for r in _rows(db, "SELECT id FROM cases")}
    no_row = [c for c in driver.created if c not in in_read_model]
    not_in_temporal = []
    for case_id, kind in driver.created.items():
        workflow_id = f"{kind}-{case_id}"
        try:
            await client.get_workflow_handle(workflow_id).describe()
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            not_in_temporal.append(workflow_id)
    checks.append(Check("lost: cases answered 201, not in the read model", len(no_row), True, no_row))
    checks.append(
        Check("lost: cases answered 201, not in Temporal", len(not_in_temporal), True, not_in_temporal)
    )
    recorded = {r[0] for r in _rows(db, "SELECT update_id FROM decisions")}
    unrecorded = [
        f"{what} on {case}" for case, update_id, what in driver.decisions if update_id not in recorded
    ]
    checks.append(Check("lost: decisions answered 200, not recorded", len(unrecorded), True, unrecorded))
    received = {
        (_uuid(r[0]), r[1])
        for r in _rows(db, "SELECT case_id, advice_id FROM advice_requests WHERE received_on IS NOT NULL")
    }
    unreceived = [f"{a} on {c}" for c, a in driver.advice if (c, a) not in received]
    checks.append(
        Check("lost: advice answered 200, not recorded as received", len(unreceived), True, unreceived)
    )
    rows = _rows(db, "SELECT idempotency_key, status FROM outbox")
    undelivered = [f"{key} ({status})" for key, status in rows if status != "delivered"]
    checks.append(Check("lost: notices not delivered (outbox status)", len(undelivered), True, undelivered))
    files = [p.name for p in outbox.glob(f"*{SUFFIX}")] if outbox.exists() else []
    stems = {name.removesuffix(SUFFIX) for name in files}
    keys = [key for key, _ in rows]
    no_file = [key for key in keys if key_digest(key) not in stems]
    checks.append(Check("lost: notices in the outbox table without their file", len(no_file), True, no_file))

    # duplicated
    checks.append(
        Check("duplicated: outbox rows beyond one per idempotency key", len(keys) - len(set(keys)), True)
    )
    digests = {key_digest(key) for key in keys}
    stray = sorted(stems - digests)
    checks.append(
        Check(
            "duplicated: outbox files beyond one per key (or with no row)",
            len(files) - len(stems) + len(stray),
            True,
            stray,
        )
    )
    partial = list(outbox.glob(f"{TEMP_PREFIX}*")) if outbox.exists() else []
    checks.append(Check("half-written outbox files left (.partial-*)", len(partial)))
    same = _rows(
        db,
        "SELECT template, recipient_kind, count(*) FROM outbox "
        "GROUP BY case_id, template, recipient_kind, recipient_address, subject, body HAVING count(*) > 1",
    )
    checks.append(
        Check(
            "duplicated: one notice (same case, recipient, words) under two keys",
            sum(r[2] - 1 for r in same),
            True,
            [f"{r[0]} to {r[1]} x{r[2]}" for r in same],
        )
    )
    two_ids = [key for key, ids in driver.case_ids_by_key.items() if len(ids) > 1]
    checks.append(
        Check("duplicated: creates answered with two case ids for one key", len(two_ids), True, two_ids)
    )
    extra_rows = sorted(in_read_model - set(driver.created))
    checks.append(
        Check("duplicated: cases in the read model nobody created", len(extra_rows), True, extra_rows)
    )
    workflows: list[tuple[str, str, str]] = []  # (type, id, run id)
    async for execution in client.list_workflows():
        workflows.append((execution.workflow_type, execution.id, execution.run_id))
    top = {wid for kind, wid, _ in workflows if kind != "AdviceRequestWorkflow"}
    expected = {f"{kind}-{case_id}" for case_id, kind in driver.created.items()}
    extra_workflows = sorted(top - expected)
    checks.append(
        Check(
            "duplicated: assessment/plan workflows nobody created",
            len(extra_workflows),
            True,
            extra_workflows,
        )
    )
    decisions = _rows(db, "SELECT update_id, case_id, kind FROM decisions")
    ids = [r[0] for r in decisions]
    twice = Counter((_uuid(r[1]), r[2]) for r in decisions)
    checks.append(Check("duplicated: decisions beyond one per update id", len(ids) - len(set(ids)), True))
    doubled = [f"{k} on {c} x{n}" for (c, k), n in twice.items() if n > 1]
    checks.append(
        Check("duplicated: one kind of decision recorded twice on a case", len(doubled), True, doubled)
    )
    documents = _rows(db, "SELECT count(*) FROM documents GROUP BY case_id, sha256 HAVING count(*) > 1")
    checks.append(
        Check("duplicated: documents stored twice on a case", sum(r[0] - 1 for r in documents), True)
    )

    # statuses and time
    statuses = Counter(a.status for a in driver.attempts)
    settling = Counter(a.status for a in driver.attempts if a.what == "settle read")
    checks.append(Check("statuses of the requests: " + _short(statuses - settling), ""))
    checks.append(Check("statuses of the reads until quiet: " + _short(settling), ""))
    checks.append(Check("statuses: 500", statuses.get("500", 0), True))
    other = {
        s: n
        for s, n in statuses.items()
        if s.isdigit() and s.startswith("5") and s not in ("500", "503", "504")
    }
    checks.append(Check("statuses: other 5xx than 503/504", sum(other.values()), True, [str(other)]))
    bare = [a for a in driver.attempts if a.status in ("503", "504") and not a.retry_after]
    checks.append(
        Check(
            "statuses: 503/504 without Retry-After", len(bare), True, [f"{a.what} {a.status}" for a in bare]
        )
    )
    slowest = max(driver.attempts, key=lambda a: a.seconds)
    checks.append(
        Check(f"time: slowest attempt {slowest.seconds:.1f} s ({slowest.what}, {slowest.status})", "")
    )
    slow = [a for a in driver.attempts if a.seconds > SLOW]
    checks.append(
        Check(
            f"time: attempts over {SLOW:.0f} s",
            len(slow),
            True,
            [f"{a.what} {a.status} {a.seconds:.1f} s" for a in slow],
        )
    )
    checks.append(Check("requests that never got their answer", len(driver.failed), True, driver.failed))

    # replay: every run, through one replayer, as the worker runs them
    replayer = Replayer(
        workflows=WORKFLOWS, workflow_runner=WORKFLOW_RUNNER, data_converter=data_converter(settings)
    )
    by_type = Counter(kind for kind, _, _ in workflows)
    workflow_of = {run_id: workflow_id for _, workflow_id, run_id in workflows}

    fetched: dict[str, WorkflowHistory] = {}

    async def histories() -> AsyncIterator[WorkflowHistory]:
        for _, workflow_id, run_id in workflows:
            fetched[run_id] = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
            yield fetched[run_id]

    replayed = await replayer.replay_workflows(histories(), raise_on_replay_failure=False)
    failures = [
        f"{workflow_of.get(run_id, '?')} ({run_id}): {str(error)[:200]}"
        for run_id, error in replayed.replay_failures.items()
    ]
    if failures:
        # Kept whatever --keep says: a history that does not replay is the finding itself. Its payloads
        # are sealed with the public development key and hold only this run's made-up case.
        kept = Path(tempfile.mkdtemp(prefix="ehcp-fault-histories-"))
        for run_id in replayed.replay_failures:
            name = f"{workflow_of.get(run_id, 'unknown')}.{run_id}.json"
            (kept / name).write_text(fetched[run_id].to_json())
        failures.insert(0, f"the histories that failed are kept in {kept}")
    checks.append(Check(f"replay: {len(workflows)} runs replayed ({_short(by_type)})", ""))
    checks.append(Check("replay: failures", len(replayed.replay_failures), True, failures))

    # The API writes a command's audit line after the workflow answered; a database that cannot take it
    # within a few seconds gets the line in the API's log instead (audit.unwritten), by design.
    audited = {r[0] for r in _rows(db, "SELECT update_id FROM audit_log WHERE update_id IS NOT NULL")}
    unaudited = Counter(what for update_id, what in driver.commands if update_id not in audited)
    checks.append(
        Check(f"commands answered 2xx without an audit line (logged instead): {_short(unaudited) or 0}", "")
    )
    sent = Counter(status for _, status in rows)
    checks.append(Check(f"notices: {len(rows)} in the outbox ({_short(sent)}), {len(files)} files", ""))
    return checks


# ---- the run ----


async def run(args: argparse.Namespace) -> int:
    if not temporal_binary().exists():
        raise RuntimeError(f"no Temporal dev server at {temporal_binary()}: run `make setup`")
    tmp = Path(tempfile.mkdtemp(prefix="ehcp-fault-"))
    db = tmp / "ehcp.db"
    outbox = tmp / "outbox"
    temporal_port, ui_port, api_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "EHCP_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "EHCP_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "EHCP_TASK_QUEUE": f"ehcp-fault-{uuid.uuid4().hex[:8]}",
        "EHCP_OUTBOX_DIR": str(outbox),
        "EHCP_LA_CODE": LA_CODE,
        "EHCP_DEMO": "true",  # the public development codec key: a demo holding no real data
        "EHCP_API_HOST": "127.0.0.1",
        "EHCP_API_PORT": str(api_port),
        "EHCP_LOG_LEVEL": "warning",
    }
    settings = Settings(
        _env_file=None,
        database_url=env["EHCP_DATABASE_URL"],
        temporal_address=env["EHCP_TEMPORAL_ADDRESS"],
        task_queue=env["EHCP_TASK_QUEUE"],
        outbox_dir=outbox,
        la_code=LA_CODE,
        demo=True,
    )
    ehcp = str(temporal_binary().parent / "ehcp")
    services = {
        "temporal": Service(
            "temporal",
            dev_server_command(tmp, port=temporal_port, ui_port=ui_port),
            env,
            tmp / "temporal.log",
        ),
        "worker": Service("worker", [ehcp, "worker"], env, tmp / "worker.log"),
        "api": Service("api", [ehcp, "api"], env, tmp / "api.log"),
    }
    watching: asyncio.Task[None] | None = None
    faults: Faults | None = None
    began = time.monotonic()
    try:
        note(f"starting the Temporal dev server on 127.0.0.1:{temporal_port} ({tmp})")
        services["temporal"].start()
        client = await wait_for_temporal(settings, services["temporal"])
        note("ehcp migrate; ehcp agencies add; ehcp users add (caseworker, manager, agency)")
        cli(env, "migrate")
        accounts = make_accounts(env, db)
        services["worker"].start()
        services["api"].start()
        limits = httpx.Limits(max_connections=CONCURRENCY * 2)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{api_port}", timeout=CLIENT_TIMEOUT, limits=limits
        ) as http:
            await wait_for_api(http, "/api/ready", services["api"])
            note(
                f"ready after {time.monotonic() - began:.0f} s: worker and API on http://127.0.0.1:{api_port}"
            )
            watching = asyncio.create_task(watch(list(services.values())))
            driver = Driver(http, accounts, args.requests)
            faults = Faults(services, settings, http, db)
            faulting = asyncio.create_task(faults.run(driver))
            try:
                await driver.run()
                await faulting  # every fault over (the lock released) before the checks
            finally:
                faulting.cancel()
                faults.release.set()
            driven = time.monotonic() - driver.began
            note(f"{driver.answered} requests answered in {driven:.0f} s; waiting for the system to be quiet")
            client = await connect(settings)
            quiet, busy, details = await wait_quiet(driver, client, db)
            note(("quiet: " if quiet else f"not quiet after {QUIET_SECONDS:.0f} s: ") + busy)
            note("checking, and replaying every workflow's history")
            checks = await check(driver, client, db, outbox, settings)
            checks.insert(
                0, Check(f"quiet within {QUIET_SECONDS:.0f} s ({busy})", int(not quiet), True, details)
            )
            for service in services.values():
                checks.append(
                    Check(f"unexpected exits of {service.name}", len(service.exits), True, service.exits)
                )
        return report(driver, faults, checks, driven, time.monotonic() - began)
    finally:
        if watching is not None:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching
        if faults is not None:
            faults.release.set()
        for name in ("api", "worker", "temporal"):
            note(f"stopping {name}")
            services[name].stop()
        if args.keep:
            note(f"kept {tmp} (logs: temporal.log, worker.log, api.log; ehcp.db; outbox/)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def report(driver: Driver, faults: Faults, checks: list[Check], driven: float, total: float) -> int:
    cases = Counter(driver.created.values())
    settling = sum(a.what == "settle read" for a in driver.attempts)
    print(
        f"Fault run: {driver.answered} requests by {CONCURRENCY} clients in {driven:.0f} s "
        f"({len(driver.attempts) - settling} HTTP attempts, {driver.retried} requests retried; then "
        f"{settling} reads until quiet), "
        f"{os.cpu_count()} cores; {cases['assessment']} assessments and {cases['plan']} plans created, "
        f"{len(driver.decisions)} decisions, "
        f"{len(driver.advice)} advice answers; whole run {total:.0f} s"
    )
    for line in faults.log:
        print(f"  fault {line}")
    failed = [c for c in checks if c.failed]
    for c in checks:
        mark = "FAIL" if c.failed else ("ok  " if c.must_be_zero else "    ")
        value = f": {c.value}" if c.value != "" else ""
        print(f"{mark} {c.name}{value}")
        if c.failed:
            for line in c.detail[:5]:
                print(f"       {line}")
            if len(c.detail) > 5:
                print(f"       ... and {len(c.detail) - 5} more")
    print("passed: every must holds" if not failed else f"FAILED: {len(failed)} of the musts")
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests in all (faults at 40/80/120/160)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, databases, outbox)")
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("--requests must be at least 1")

    async def guarded() -> int:
        task = asyncio.current_task()
        assert task is not None
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            return await run(args)
        except asyncio.CancelledError:
            print("\ninterrupted; everything this run started was stopped", file=sys.stderr)
            return 130
        except Exception:
            traceback.print_exc()
            return 2

    code = asyncio.run(guarded())
    sys.stdout.flush()
    sys.stderr.flush()
    # The Temporal core's threads and a lock thread cut short must not hold the interpreter open.
    os._exit(code)


if __name__ == "__main__":
    main()
