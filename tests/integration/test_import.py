"""`ehcp import` against the real worker (every activity real: records, read model, outbox) on the
time-skipping server, over SQLite and PostgreSQL (issue 11 s.6): bad lines refused by number and reason
while the others go on, nothing past announced, the same file run again changing nothing, and what falls
due after the import chased."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from bench._import_file import ADVICE, case_events, lines
from cli.import_lines import case_id_of
from cli.importer import Tally, run_import
from core.settings import Settings
from core.temporal import register_search_attributes
from db.agencies import create_agency
from db.cases import get_case, list_case_deadlines
from db.models import AuditEntry, Case, Decision, OutboxMessage
from db.users import create_user
from statute.history import parse_history
from statute.timeline import compute_timeline
from worker.main import running_worker
from workflows.common.deadlines import WINDOWS
from workflows.plan.cycle import REMIND

from .conftest import Database

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
KINDS = {"parent": "other", "school": "school", "health": "health", "ep": "educational_psychology"}
KINDS |= {"social": "social_care"}


@dataclass
class Stack:
    settings: Settings
    env: WorkflowEnvironment
    database: Database
    today: date
    said: list[str]

    @property
    def client(self) -> Client:
        return self.env.client

    async def run(self, texts: list[str]) -> Tally:
        def echo(message: str, err: bool = False) -> None:
            self.said.append(message)

        return await run_import(
            texts, settings=self.settings, client=self.client, concurrency=32, today=self.today, echo=echo
        )

    async def count(self, table: Any) -> int:
        async with self.database.sessions() as session:
            return (await session.execute(select(func.count()).select_from(table))).scalar_one()

    async def outbox(self) -> list[OutboxMessage]:
        async with self.database.sessions() as session:
            return list((await session.execute(select(OutboxMessage))).scalars())


@pytest.fixture
async def stack(database: Database, tmp_path: Path) -> AsyncIterator[Stack]:
    settings = Settings(
        database_url=database.url, task_queue=f"tq-{uuid.uuid4()}", outbox_dir=str(tmp_path / "outbox")
    )
    async with database.sessions.begin() as session:
        for advice_id, (_, name) in ADVICE.items():
            await create_agency(
                session=session, name=name, kind=KINDS[advice_id], email=f"{advice_id}@example.org"
            )
        await create_user(session=session, username="j.smith", display_name="J Smith", role="caseworker")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=pydantic_data_converter
    )
    async with env:
        await register_search_attributes(env.client)
        async with running_worker(settings, client=env.client):
            today = (await env.get_current_time()).date()
            yield Stack(settings=settings, env=env, database=database, today=today, said=[])


def line(reference: str, events: list[dict[str, Any]], **changes: Any) -> str:
    value: dict[str, Any] = {
        "reference": reference,
        "caseworker": "j.smith",
        "child": {"given_name": "Sam", "family_name": "Lee", "date_of_birth": "2016-03-02", "year_group": 5},
        "agencies": {advice_id: name for advice_id, (_, name) in ADVICE.items()},
        "events": events,
    }
    value.update(changes)
    return json.dumps(value)


async def test_bad_lines_are_refused_by_number_and_the_rest_imported_once(stack: Stack) -> None:
    today = stack.today
    gathering = case_events("gathering", today, random.Random(3))
    plan = case_events("plan_review_overdue", today, random.Random(4))
    mended = line(
        "NT-4",
        [
            {"event": "request_received", "date": (today - timedelta(weeks=10)).isoformat()},
            {
                "event": "decision_to_assess",
                "date": (today - timedelta(weeks=4)).isoformat(),
                "outcome": "refuse",
            },
        ],
    )
    texts = [
        line("NT-1", gathering),
        "{not json",
        line("NT-2", plan),
        line("NT-3", gathering, agencies={"school": "Nowhere School"}),
        # The decision whether to issue before any to assess: refused by the workflow's own rule.
        line(
            "NT-4",
            [
                {"event": "request_received", "date": (today - timedelta(weeks=10)).isoformat()},
                {
                    "event": "decision_to_issue",
                    "date": (today - timedelta(weeks=4)).isoformat(),
                    "outcome": "issue",
                },
            ],
        ),
        "",
        line("NT-5", [{"event": "request_received", "date": (today + timedelta(days=1)).isoformat()}]),
        line("NT-1", gathering),
    ]
    tally = await stack.run(texts)
    assert (tally.assessments, tally.plans, tally.already) == (1, 1, 0)
    refusals = dict(tally.refused)
    assert sorted(refusals) == [2, 4, 5, 7, 8]
    assert refusals[2].startswith("not valid JSON")
    assert refusals[4].startswith("agencies.school: no agency is named 'Nowhere School'")
    assert refusals[5].startswith("events[1]: the case is awaiting_decision_to_assess")
    assert refusals[7].startswith("events[0].date:")
    assert refusals[8] == "reference: the same reference as line 1"
    assert "ehcp import: line 5: events[1]: the case is awaiting_decision_to_assess" in " ".join(stack.said)
    assert await stack.count(Case) == 2
    assert await stack.outbox() == [], "an imported case announced something past"
    # Its deadlines as the statute engine has them over the same events, as of the day of the import.
    case_id = case_id_of(stack.settings.la_code, "NT-1")
    for _ in range(100):  # the read model lands just after the import's answer
        async with stack.database.sessions() as session:
            case = await get_case(session=session, case_id=case_id)
            rows = await list_case_deadlines(session=session, case_id=case_id)
        if case is not None and case.stage == "gathering_advice":
            break
        await asyncio.sleep(0.05)
    assert case is not None
    assert case.stage == "gathering_advice"
    expected = compute_timeline(parse_history({"events": gathering, "child": {"year_group": 5}}), as_of=today)
    assert sorted((r.deadline, r.key or None, r.due) for r in rows) == sorted(
        (d.deadline, d.id, d.due) for d in expected.deadlines
    )
    decisions = await stack.count(Decision)
    # The trail says the steps came from the council's earlier records, not that someone took them today.
    async with stack.database.sessions() as session:
        lines = (await session.execute(select(AuditEntry).where(AuditEntry.case_id == case_id))).scalars()
        trail = {line.action: line.detail.get("imported_on") for line in lines}
    assert trail == {"case.recorded": today.isoformat(), "decision.decision_to_assess": today.isoformat()}

    # The same file again changes nothing; the line mended is imported.
    again = await stack.run(texts)
    assert (again.imported, again.already, sorted(dict(again.refused))) == (0, 2, [2, 4, 5, 7, 8])
    assert await stack.count(Decision) == decisions
    texts[4] = mended
    last = await stack.run(texts)
    assert (last.assessments, last.already) == (1, 2)
    assert await stack.count(Case) == 3
    assert await stack.outbox() == []


@pytest.mark.parametrize("empty_url", ["sqlite"], indirect=True)  # a minute: one database is enough
async def test_generated_cases_announce_only_what_falls_due_after_the_import(stack: Stack) -> None:
    """A thousand cases at every stage (bench/import_cases.py imports 10,000 and finds nothing past
    announced; a few thousand here took `make test` past its 15 minutes): at the import, only the
    reminders that fall due that day are sent; a day later, besides the next day's reminders, exactly the
    breaches and chasers of what fell due on the day of the import, and nothing of what fell due before."""
    today = stack.today
    texts = list(lines(1050, today=today, caseworker="j.smith", seed=7))
    tally = await stack.run(texts)
    assert tally.refused == []
    assert tally.imported == 1050
    assert tally.missed > 500  # the generated cases are late in many ways
    expected_now, expected_next = _expected(texts, today)
    # Seed 7: some steps and some advice fall due on the day of the import, whichever day that is.
    assert expected_next["deadline_breached"] > 0
    assert expected_next["advice_overdue"] > 0
    assert _templates(await _settled(stack, sum(expected_now.values()))) == expected_now

    tomorrow = datetime.combine(today + timedelta(days=1), time(1), tzinfo=UTC)
    await stack.env.sleep((tomorrow - await stack.env.get_current_time()).total_seconds())
    sent = await _settled(stack, sum(expected_next.values()))
    assert _templates(sent) == expected_next


def _expected(texts: list[str], today: date) -> tuple[Counter[str], Counter[str]]:
    """What the statute engine says is announced over each line's events: at the import, the reminders of
    advice still awaited due in 7 days (`remind_before_days`) and of reviews due in 8 weeks; by 01:00 the
    next day, those of the next day as well, a breach of each deadline still owed that was due on the day
    of the import and is overdue the next (not an advice's, which its request chases, nor a family's
    window), and a chaser of each advice still awaited that was due that day."""
    now: Counter[str] = Counter()
    later: Counter[str] = Counter()
    remind = timedelta(days=7)
    next_day = today + timedelta(days=1)
    for text in texts:
        events = json.loads(text)["events"]
        history = parse_history({"events": events, "child": {"year_group": 5}})
        closed = any(e["event"] in ("decision_to_issue", "final_issued") for e in events)
        for d in compute_timeline(history, as_of=next_day).deadlines:
            if d.met_on is not None or d.status not in ("open", "overdue"):
                continue
            if d.deadline == "advice":
                if closed:
                    continue
                now["advice_reminder"] += d.due - remind == today
                later["advice_reminder"] += d.due - remind in (today, next_day)
                later["advice_overdue"] += d.due == today
                continue
            if d.deadline in REMIND:
                before = REMIND[d.deadline][0]
                now["review_reminder"] += d.due - before == today
                later["review_reminder"] += d.due - before in (today, next_day)
            if d.deadline not in WINDOWS:
                later["deadline_breached"] += d.due == today and d.status == "overdue"
    return +now, +later


def _templates(sent: list[OutboxMessage]) -> Counter[str]:
    return Counter(m.template for m in sent)


async def _settled(stack: Stack, at_least: int) -> list[OutboxMessage]:
    """The outbox once the notices due have landed (activities run after the timers fire)."""
    previous = -1
    for _ in range(300):
        sent = await stack.outbox()
        if len(sent) >= at_least and len(sent) == previous:
            return sent
        previous = len(sent)
        await asyncio.sleep(0.2)
    return await stack.outbox()


class _Flaky:
    """The stack's client, but Temporal is unreachable for the case of one reference."""

    def __init__(self, client: Client, down: uuid.UUID) -> None:
        self._client, self._down = client, down

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def execute_update_with_start_workflow(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs["id"] == f"import-{self._down}":  # the update id `ehcp import` gives a case
            raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")
        return await self._client.execute_update_with_start_workflow(*args, **kwargs)


@pytest.mark.parametrize("empty_url", ["sqlite"], indirect=True)
async def test_a_case_temporal_did_not_take_is_refused_and_taken_when_run_again(stack: Stack) -> None:
    today = stack.today
    texts = [line(f"NT-{n}", [{"event": "request_received", "date": today.isoformat()}]) for n in (1, 2)]
    down = case_id_of(stack.settings.la_code, "NT-2")
    flaky = _Flaky(stack.client, down)
    tally = await run_import(
        texts,
        settings=stack.settings,
        client=flaky,
        today=today,
        echo=lambda *a, **k: None,  # type: ignore[arg-type]
    )
    assert tally.imported == 1
    assert tally.refused == [
        (2, "Temporal did not take it (connection refused); run the same file again once Temporal is up")
    ]
    again = await stack.run(texts)
    assert (again.imported, again.already) == (1, 1)
