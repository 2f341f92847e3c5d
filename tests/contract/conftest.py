"""The contract lane: Schemathesis against the real app, the real worker and the time-skipping server.

The API lane's accounts and database (`tests/integration/api/conftest.py`: `sessions`, `people`) are
reused; the worker is the production one (`worker.main.running_worker`: every activity real, notices into
a temporary outbox), because what a fuzzer finds often lands in the records and the read model, which the
API lane's fakes never write.

The async fixtures are made on the test's event loop; a Schemathesis test is synchronous (Hypothesis
drives it), and between its requests that loop stands still. Schemathesis calls the app through
`OnTheLoop`, which runs the loop on the test's thread until the app has answered.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from schemathesis.core.parameters import ParameterLocation
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from core.settings import Settings
from core.temporal import data_converter, register_search_attributes
from db.models import AdviceRequest, Case
from tests.integration.api.conftest import (
    LA_CODE,
    TEST_SERVER,
    UPLOAD_MAX_BYTES,
    Account,
    People,
    advice_for,
    new_request,
    people,
    sessions,
)
from worker.main import running_worker

from . import multipart

__all__ = ["people", "sessions"]  # the API lane's fixtures, reused by name

BASE_URL = "http://ehcp.test"
# The Idempotency-Key the API documents (api/deps.py).
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,200}")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The API lane's settings, with the outbox under the test's own folder, a failed-authentication limit
    the fuzzer's probes cannot reach (Schemathesis sends a request without and with a wrong token for
    every operation; the limit is tested in tests/integration/api/test_auth.py) and a short Temporal
    deadline, so a command that hangs is answered (503 or 504) within the test."""
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ehcp.db'}",
        la_code=LA_CODE,
        task_queue=f"tq-{uuid.uuid4()}",
        upload_max_bytes=UPLOAD_MAX_BYTES,
        outbox_dir=tmp_path / "outbox",
        auth_failure_limit=1_000_000,
        temporal_deadline_seconds=5,
    )


@pytest.fixture
async def temporal(settings: Settings) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server and the production worker on it."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=data_converter(settings)
    )
    async with env:
        await register_search_attributes(env.client)
        async with running_worker(settings, client=env.client):
            yield env


@pytest.fixture
def app(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    temporal: WorkflowEnvironment,
) -> FastAPI:
    return create_app(settings, client=temporal.client, session_factory=sessions)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # an unhandled error is a 500
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
async def loop() -> asyncio.AbstractEventLoop:
    """The event loop every async fixture of the test ran on."""
    return asyncio.get_running_loop()


@dataclass(frozen=True)
class Seeded:
    """What the lane records before Schemathesis starts, so lists and reads answer something real."""

    case_id: str
    plan_id: str


async def _settled(sessions: async_sessionmaker[AsyncSession], *ids: str) -> None:
    """Wait until the worker has recorded these cases and their advice requests (up to 10 s)."""
    wanted = {uuid.UUID(i) for i in ids}
    for _ in range(500):
        async with sessions() as session:
            cases = set((await session.execute(select(Case.id).where(Case.id.in_(wanted)))).scalars())
            advice = (await session.execute(select(AdviceRequest.case_id))).scalars().all()
        if cases == wanted and advice:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the seeded cases never reached the records")


@pytest.fixture
async def seeded(
    api: httpx.AsyncClient,
    people: People,
    temporal: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
) -> Seeded:
    """A request decided on (its reg 6 advice requests sent to the agencies) and a plan transferred in."""
    today = (await temporal.get_current_time()).date()
    cw = people.caseworker
    made = await api.post("/api/requests", json=new_request(today - timedelta(days=7)), headers=cw.command())
    assert made.status_code == 201, made.text
    case_id = made.json()["case_id"]
    decided = await api.post(
        f"/api/cases/{case_id}/decision-to-assess",
        json={"decided_on": today.isoformat(), "outcome": "assess", "advice": advice_for(people)},
        headers=cw.command(),
    )
    assert decided.status_code == 200, decided.text
    arrived = await api.post("/api/plans", json=plan_arrival(today), headers=cw.command())
    assert arrived.status_code == 201, arrived.text
    plan_id = arrived.json()["case_id"]
    await _settled(sessions, case_id, plan_id)
    return Seeded(case_id=case_id, plan_id=plan_id)


def plan_arrival(today: date) -> dict[str, Any]:
    return {
        "from_la": "Southshire",
        "made_on": (today - timedelta(days=200)).isoformat(),
        "transferred_on": today.isoformat(),
        "child": {"given_name": "Bo", "family_name": "Example", "date_of_birth": "2012-01-09"},
    }


# A request unanswered for this long never answers: the app gives up on Temporal after its own deadline
# (`temporal_deadline_seconds` above) and answers 503 or 504, so this only trips on a real hang.
NEVER_ANSWERED_SECONDS = 30.0

Environ = dict[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class NeverAnswered(AssertionError):
    """The app did not answer a request within `NEVER_ANSWERED_SECONDS`."""


class OnTheLoop:
    """The app as a WSGI app for Schemathesis, answering from the test's event loop on the test's thread.

    Schemathesis calls a WSGI app in the calling thread (an ASGI app it runs on a loop of its own, in
    another thread, where the Temporal client, the worker and the database engine, made on the test's loop,
    cannot follow). So each request runs the test's loop until the app has answered it, through
    `httpx.ASGITransport`: the worker polls, runs workflow tasks and writes the read model meanwhile. The
    loop only ever runs on this thread: SQLAlchemy's async sessions cannot move between threads.
    """

    def __init__(self, api: httpx.AsyncClient, loop: asyncio.AbstractEventLoop, tally: Counter[str]) -> None:
        self._api = api
        self._loop = loop
        self._tally = tally

    def __call__(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        method: str = environ["REQUEST_METHOD"]
        uri: str = environ.get("REQUEST_URI") or environ["PATH_INFO"]  # as sent, still percent-encoded
        if environ.get("QUERY_STRING"):
            uri = f"{uri}?{environ['QUERY_STRING']}"
        headers = [
            (name[5:].replace("_", "-").lower().encode("latin-1"), str(value).encode("latin-1"))
            for name, value in environ.items()
            if name.startswith("HTTP_")
        ]
        if environ.get("CONTENT_TYPE"):
            headers.append((b"content-type", environ["CONTENT_TYPE"].encode("latin-1")))
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        call = self._api.request(method, uri, headers=headers, content=body)
        try:
            answer = self._loop.run_until_complete(asyncio.wait_for(call, NEVER_ANSWERED_SECONDS))
        except TimeoutError:
            raise NeverAnswered(f"{method} {uri} had no answer within {NEVER_ANSWERED_SECONDS} s") from None
        self._tally[str(answer.status_code)] += 1
        start_response(f"{answer.status_code} {answer.reason_phrase}", answer.headers.multi_items())
        return [answer.content]


# The answers the lane had, by status: `pytest_terminal_summary` prints them after the run.
TALLY: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(TALLY.items()))
        terminalreporter.write_line(f"contract lane: {TALLY.total()} requests answered ({statuses})")


@dataclass
class Caller:
    """One account calling the API through Schemathesis: its token, the app on the test's loop, and a
    fresh Idempotency-Key for every command."""

    role: str
    account: Account
    app: OnTheLoop
    seeded: Seeded
    _keys: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def token(self) -> str:
        return self.account.token

    def fresh_key(self, case: Any) -> None:
        """A retried command is answered, not applied again, and a create request with a key already
        used answers the case it made: so every request gets a key of its own, or most commands of a run
        would be retries of the first (Hypothesis draws the same few short keys again and again). The key
        Schemathesis made is kept as the new key's start, so it still matches the documented pattern;
        one it made invalid on purpose (a negative case) is sent as it made it, and one it made invalid
        in a case meant to be valid fails the test."""
        headers: Mapping[str, Any] | None = case.headers
        key = headers.get("Idempotency-Key") if headers is not None else None
        if not isinstance(key, str):
            return
        if IDEMPOTENCY_KEY.fullmatch(key):
            case.headers["Idempotency-Key"] = f"{key[:180]}.{next(self._keys)}"
        elif case.meta is not None and not case.meta.is_negative_at(ParameterLocation.HEADER):
            raise AssertionError(f"Schemathesis made an Idempotency-Key outside its pattern: {key!r}")


ROLES = ("caseworker", "manager", "agency")


@pytest.fixture(params=ROLES)
def caller(
    request: pytest.FixtureRequest,
    api: httpx.AsyncClient,
    loop: asyncio.AbstractEventLoop,
    people: People,
    seeded: Seeded,
) -> Caller:
    role: str = request.param
    account = {"caseworker": people.caseworker, "manager": people.manager, "agency": people.health}[role]
    return Caller(role=role, account=account, app=OnTheLoop(api, loop, TALLY), seeded=seeded)


@pytest.fixture(autouse=True, scope="session")
def _forms_sent_whole() -> None:
    multipart.install()


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32.5's `from_fixture` reads and writes pytest's private `Node._nodeid`, which pytest
    9.2 replaced with `Node._id`; it only names each operation's subtest by it."""
    request.node._nodeid = request.node.nodeid
