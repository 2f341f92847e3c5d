"""What `test_read_model_truth.py` needs besides its strategy: a world of its own for each example, the
case's events as the vocabulary writes them, the statute engine as `ehcp timeline` runs it, and each view
of a case's deadlines (the live state, the read model's rows, the engine's answer) in one comparable shape.

A world is a fresh database (a SQLite file, or a PostgreSQL schema dropped afterwards), the API lane's
agencies and accounts, a time-skipping Temporal server and the production worker (every activity real:
the API lane's fakes never write the read model this test reads), and the app over `httpx.ASGITransport`.
Each example gets its own, so no case, timer or clock of one example reaches another: the measures over a
period count this example's case alone.

"Today" is one date for everyone: the Temporal server's clock, in England. The workflows and the statute
engine read it there; the API's routes read `today_in_england`, which the world points at the same clock,
so that time advanced with `env.sleep` is time passed for `/api/overdue` too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

import api.routes.cases
import api.routes.manager
import api.routes.plans
from api.app import create_app
from cli import app as ehcp
from core.settings import Settings
from core.temporal import data_converter, register_search_attributes
from db.agencies import create_agency
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import AdviceRequest, CaseDeadline
from db.users import create_user
from tests.integration.api.conftest import LA_CODE, TEST_SERVER, UPLOAD_MAX_BYTES, Account, People
from tests.integration.conftest import _postgres_schema_url
from worker.main import running_worker
from workflows.common.ids import advice_workflow_id, assessment_workflow_id, plan_workflow_id

ENGLAND = ZoneInfo("Europe/London")
RUNNING = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
BASE_URL = "http://ehcp.test"
# The fields a deadline is compared by: everything the engine says of it that the service keeps.
FIELDS = (
    "from_event",
    "due",
    "practical_due",
    "rule",
    "statutory",
    "status",
    "met_on",
    "exception_kind",
    "exception_accepted",
)
Key = tuple[str, str, str]  # (deadline, id or '', the day its clock started): the read model's key
View = dict[Key, dict[str, Any]]


@dataclass
class Clock:
    """Today in England by the Temporal server's clock, as the API is made to read it."""

    today: date

    def read(self) -> date:
        return self.today


@dataclass
class World:
    api: httpx.AsyncClient
    env: WorkflowEnvironment
    sessions: async_sessionmaker[AsyncSession]
    people: People
    clock: Clock

    async def advance(self, days: int) -> None:
        """Let `days` pass on the Temporal server (its timers fire on the way), and for the API."""
        await self.env.sleep(timedelta(days=days))
        self.clock.today = await england_today(self.env)


async def england_today(env: WorkflowEnvironment) -> date:
    now: datetime = await env.get_current_time()
    return now.astimezone(ENGLAND).date()


async def _people(sessions: async_sessionmaker[AsyncSession]) -> People:
    """The API lane's agencies and accounts (tests/integration/api/conftest.py, `people`)."""
    async with sessions.begin() as session:
        health = await create_agency(
            session=session, name="Northshire ICB", kind="health", email="a@nhs.test"
        )
        ep = await create_agency(
            session=session, name="Northshire EP service", kind="educational_psychology", email="ep@la.test"
        )

        async def account(username: str, role: Any, agency_id: uuid.UUID | None = None) -> Account:
            user, token = await create_user(
                session=session, username=username, display_name=username, role=role, agency_id=agency_id
            )
            return Account(id=user.id, token=token, agency_id=agency_id)

        return People(
            caseworker=await account("cw", "caseworker"),
            manager=await account("mgr", "manager"),
            admin=await account("admin", "admin"),
            health=await account("icb", "agency", health.id),
            psychology=await account("ep", "agency", ep.id),
        )


@contextlib.asynccontextmanager
async def _database(backend: str, folder: Path) -> AsyncIterator[str]:
    """The URL of a fresh, migrated database on `backend`; a PostgreSQL schema is dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'ehcp.db'}"
        await upgrade(url)
        yield url
        return
    url, admin, schema = await _postgres_schema_url()
    try:
        await upgrade(url)
        yield url
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@contextlib.asynccontextmanager
async def world(backend: str, folder: Path) -> AsyncIterator[World]:
    """A service of its own: database, accounts, Temporal with the production worker, the app."""
    folder.mkdir(parents=True)
    async with _database(backend, folder) as url:
        engine = make_engine(url)
        try:
            sessions = make_session_factory(engine)
            people = await _people(sessions)
            settings = Settings(
                _env_file=None,
                database_url=url,
                la_code=LA_CODE,
                task_queue=f"tq-{uuid.uuid4()}",
                upload_max_bytes=UPLOAD_MAX_BYTES,
                outbox_dir=folder / "outbox",
                temporal_deadline_seconds=5,  # a read or command that hangs fails the example soon
            )
            env = await WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=str(TEST_SERVER), data_converter=data_converter(settings)
            )
            async with env:
                await register_search_attributes(env.client)
                clock = Clock(await england_today(env))
                async with running_worker(settings, client=env.client):
                    app = create_app(settings, client=env.client, session_factory=sessions)
                    transport = httpx.ASGITransport(app=app)
                    with contextlib.ExitStack() as patches:
                        for module in (api.routes.cases, api.routes.manager, api.routes.plans):
                            patches.enter_context(mock.patch.object(module, "today_in_england", clock.read))
                        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
                            yield World(api=client, env=env, sessions=sessions, people=people, clock=clock)
        finally:
            await engine.dispose()


# ---- the case's events, as the vocabulary writes them (docs/vocabulary.md) ----


@dataclass
class History:
    """The events the accepted commands made, in the order they were accepted, as `ehcp timeline` reads
    them; and which agency each advice request went to."""

    events: list[dict[str, Any]] = field(default_factory=list)
    agency_of: dict[str, str] = field(default_factory=dict)

    def add(self, event: str, on: date, **fields: Any) -> None:
        self.events.append(
            {"event": event, "date": on.isoformat(), **{k: v for k, v in fields.items() if v is not None}}
        )

    def shown(self) -> str:
        """The events one a line, as a finding reports them."""
        return "\n".join(json.dumps(e, sort_keys=True) for e in self.events)


_runner = CliRunner()


def ehcp_timeline(history: History, as_of: date) -> list[dict[str, Any]]:
    """`ehcp timeline - --as-of DAY` over the history (the child is in year 5, as the lane's requests)."""
    case = {"events": history.events, "child": {"year_group": 5}}
    result = _runner.invoke(ehcp, ["timeline", "-", "--as-of", as_of.isoformat()], input=json.dumps(case))
    assert result.exit_code == 0, f"ehcp timeline refused the history: {result.output}\n{history.shown()}"
    deadlines: list[dict[str, Any]] = json.loads(result.stdout)["deadlines"]
    return deadlines


# ---- each view of a case's deadlines, in one shape ----


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def engine_view(deadlines: list[dict[str, Any]]) -> View:
    view: View = {}
    for d in deadlines:
        exception = d["exception"] or {}
        view[(d["deadline"], d["id"] or "", d["from"]["date"])] = {
            "from_event": d["from"]["event"],
            "due": d["due"],
            "practical_due": d["practical_due"],
            "rule": d["rule"],
            "statutory": d["statutory"],
            "status": d["status"],
            "met_on": d["met_on"],
            "exception_kind": exception.get("kind"),
            "exception_accepted": exception.get("accepted"),
        }
    return view


def state_view(deadlines: list[dict[str, Any]]) -> View:
    """The `deadlines` of a case's live state (`DeadlineView` as JSON)."""
    return {
        (d["deadline"], d["id"] or "", d["from_date"]): {name: d[name] for name in FIELDS} for d in deadlines
    }


def rows_view(rows: list[CaseDeadline]) -> View:
    return {
        (r.deadline, r.key, r.from_date.isoformat()): {name: _text(getattr(r, name)) for name in FIELDS}
        for r in rows
    }


def differences(said: View, engine: View) -> list[str]:
    """What one view says that the engine does not, one line each; empty when they agree."""
    lines = [f"only here: {key} {said[key]}" for key in sorted(said.keys() - engine.keys())]
    lines += [f"only in the engine: {key} {engine[key]}" for key in sorted(engine.keys() - said.keys())]
    for key in sorted(said.keys() & engine.keys()):
        for name in FIELDS:
            if said[key][name] != engine[key][name]:
                lines.append(f"{key} {name}: here {said[key][name]!r}, engine {engine[key][name]!r}")
    return lines


async def deadline_rows(sessions: async_sessionmaker[AsyncSession], case_id: uuid.UUID) -> list[CaseDeadline]:
    async with sessions() as session:
        found = await session.execute(select(CaseDeadline).where(CaseDeadline.case_id == case_id))
        return list(found.scalars())


async def advice_recorded(
    sessions: async_sessionmaker[AsyncSession], case_id: uuid.UUID, advice_id: str
) -> bool:
    async with sessions() as session:
        found = await session.execute(
            select(AdviceRequest.id).where(
                AdviceRequest.case_id == case_id, AdviceRequest.advice_id == advice_id
            )
        )
        return found.first() is not None


async def quiet(env: WorkflowEnvironment, case_id: uuid.UUID, advice_ids: Iterable[str]) -> None:
    """Wait until none of the case's workflows has an activity under way (a notice being sent, the read
    model being written): each step of a sequence is taken on a case at rest, as a person would take it.
    Races between a step and a notice in flight are a property of their own (below the sequence test)."""
    ids = [assessment_workflow_id(case_id), plan_workflow_id(case_id)]
    ids += [advice_workflow_id(case_id, advice_id) for advice_id in advice_ids]

    async def at_rest() -> bool:
        for workflow_id in ids:
            request = DescribeWorkflowExecutionRequest(
                namespace=env.client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
            )
            try:  # the raw answer: the test server's search attributes do not decode
                described = await env.client.workflow_service.describe_workflow_execution(request)
            except RPCError as error:
                if error.status == RPCStatusCode.NOT_FOUND:
                    continue  # no plan yet
                raise
            running = described.workflow_execution_info.status == RUNNING
            if running and described.pending_activities:
                return False
        return True

    await eventually(at_rest, "the case's workflows at rest")


async def eventually(check: Callable[[], Awaitable[Any]], what: str, *, seconds: float = 15.0) -> Any:
    """Poll `check` until it answers something truthy: a command answers before its writes land."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + seconds
    while loop.time() < give_up:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.02)
    raise AssertionError(f"still not so after {seconds} s: {what}")
