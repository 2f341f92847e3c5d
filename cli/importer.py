"""`ehcp import FILE`: a council's cases in flight, brought in from its earlier records (issue 11 s.6).

Each line of FILE (JSON lines; `-` for standard input) is one case: the events of `ehcp timeline`'s input
(its first the request), the school closures, and who the case concerns and who works on it:

    {"reference": "NT-2024-0117", "caseworker": "j.smith",
     "child": {"given_name": "Sam", "family_name": "Lee", "date_of_birth": "2016-03-02", "year_group": 4},
     "contacts": [{"name": "Alex Lee", "relationship": "parent", "email": "alex@example.org",
                   "parental_responsibility": true}],
     "agencies": {"school": "Riverside Primary School", "ep": "Northtown Educational Psychology Service"},
     "events": [{"event": "request_received", "date": "2026-09-14", "source": "parent"}, ...]}

A case whose final plan is issued starts its plan's workflow; any other its assessment's, which takes
each step the events describe through the same rule as the API's command. Nothing already past is
announced: no request, notice, chaser, breach or escalation of anything due before today is sent; the
deadlines already missed are in the read model (the overdue list and the dashboard show them), and what
falls due from today on is chased as on any case.

A line is refused with its number and the reason, and the others go on. A case's id comes from the
council's code and the line's `reference`, so running the same file again imports only the lines not
imported yet (after mending those refused). docs/import.md has the format, field by field.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import select
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError

from cli.import_lines import Directory, LineRefused, Prepared, prepare
from cli.settings import load_settings
from cli.shell import fail
from cli.timeline import today_in_england
from core.settings import Settings
from core.temporal import connect
from db.agencies import list_agencies
from db.engine import make_engine, make_session_factory
from db.models import Case, User
from workflows.common.ids import (
    ACKNOWLEDGE_PLAN,
    ACKNOWLEDGE_REQUEST,
    ASSESSMENT_WORKFLOW,
    PLAN_WORKFLOW,
    assessment_workflow_id,
    plan_workflow_id,
)

app = typer.Typer()

PROGRESS_EVERY = 2.0  # seconds between progress lines


@dataclass
class Tally:
    """What became of the lines."""

    lines: int = 0
    assessments: int = 0
    plans: int = 0
    already: int = 0
    missed: int = 0  # deadlines the imported cases had missed before the import
    refused: list[tuple[int, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.assessments + self.plans

    @property
    def done(self) -> int:
        return self.imported + self.already + len(self.refused)


@app.command(name="import")
def import_cases(
    file: Annotated[
        str, typer.Argument(help="Cases in JSON lines, one a line (docs/import.md), or - for standard input.")
    ],
    concurrency: Annotated[
        int, typer.Option(min=1, max=200, help="How many cases are started at once.")
    ] = 16,
) -> None:
    """Bring in cases in flight from the council's earlier records, announcing nothing already past."""
    settings = load_settings("import")

    async def main() -> Tally:
        with _lines(file) as lines:
            texts = list(lines)
        try:
            client = await connect(settings)
        except RuntimeError as error:
            fail(
                "import",
                f"cannot reach Temporal at {settings.temporal_address} ({error}); start the service "
                "(`make run`) or set EHCP_TEMPORAL_ADDRESS",
            )
        return await run_import(texts, settings=settings, client=client, concurrency=concurrency)

    tally = asyncio.run(main())
    if tally.refused:
        typer.echo(
            f"ehcp import: {len(tally.refused):,} lines refused (each named above); mend them and run the "
            "same file again: the cases already imported are left as they are",
            err=True,
        )
    _exit_now(1 if tally.refused else 0)


def _exit_now(status: int) -> NoReturn:
    """End the process at once, everything written: the Temporal client's native threads can outlive the
    event loop, and the interpreter's teardown then aborts (temporalio/sdk-python#300: exit status 134
    after a finished import)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


async def run_import(
    texts: Iterable[str],
    *,
    settings: Settings,
    client: Client,
    concurrency: int = 16,
    today: date | None = None,
    echo: Callable[..., Any] = typer.echo,
) -> Tally:
    """Read every line, refuse those that cannot be taken, start the others' workflows `concurrency` at a
    time (each once: a case the read model holds already is left as it is), and tell how it went."""
    today = today or today_in_england()
    numbered = [(n, text) for n, text in enumerate(texts, start=1) if text.strip()]
    directory = await _directory(settings)
    tally = Tally(lines=len(numbered))
    prepared: list[Prepared] = []
    seen: dict[uuid.UUID, int] = {}
    for n, text in numbered:
        try:
            ready = prepare(text, line=n, settings=settings, directory=directory, today=today)
        except LineRefused as refused:
            _refuse(tally, n, str(refused), echo)
            continue
        if ready.case_id in seen:
            _refuse(tally, n, f"reference: the same reference as line {seen[ready.case_id]}", echo)
            continue
        seen[ready.case_id] = n
        prepared.append(ready)
    known = await _known_cases(settings, [p.case_id for p in prepared])
    fresh = [p for p in prepared if p.case_id not in known]
    tally.already = len(prepared) - len(fresh)
    echo(f"==> importing {len(fresh):,} of {tally.lines:,} lines, {concurrency} at once")
    slots = asyncio.Semaphore(concurrency)
    began = last = time.monotonic()

    async def one(ready: Prepared) -> None:
        nonlocal last
        async with slots:
            problem = await _start(client, settings, ready)
        if problem is not None:
            _refuse(tally, ready.line, problem, echo)
            return
        tally.plans += ready.is_plan
        tally.assessments += not ready.is_plan
        tally.missed += ready.missed
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY:
            last = now
            rate = tally.imported / (now - began)
            echo(f"    {tally.done:,} of {tally.lines:,} lines, {rate:,.0f} cases a second")

    await asyncio.gather(*(one(ready) for ready in fresh))
    elapsed = time.monotonic() - began
    rate = tally.imported / elapsed if elapsed > 0 else 0.0
    echo(f"    {tally.done:,} of {tally.lines:,} lines in {elapsed:,.1f} s, {rate:,.0f} cases a second")
    echo(
        f"==> imported {_cases(tally.imported)} ({tally.assessments:,} assessments, {tally.plans:,} plans); "
        f"{tally.already:,} imported before, left as they are; {len(tally.refused):,} refused"
    )
    if tally.imported:
        echo(
            f"    {tally.missed:,} deadlines the imported cases had missed are in the read model (the "
            "overdue list and the dashboard show them); none was announced"
        )
    return tally


def _cases(count: int) -> str:
    return f"{count:,} case" + ("" if count == 1 else "s")


def _refuse(tally: Tally, line: int, problem: str, echo: Callable[..., Any]) -> None:
    tally.refused.append((line, problem))
    echo(f"ehcp import: line {line}: {problem}", err=True)


async def _start(client: Client, settings: Settings, ready: Prepared) -> str | None:
    """Start the case's workflow and wait for its first answer; the refusal of one of its steps, if any."""
    is_plan = ready.is_plan
    workflow_id = plan_workflow_id(ready.case_id) if is_plan else assessment_workflow_id(ready.case_id)
    operation: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
        PLAN_WORKFLOW if is_plan else ASSESSMENT_WORKFLOW,
        ready.start,
        id=workflow_id,
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # A line its workflow refused leaves a failed run and nothing written: the mended line starts anew.
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    )
    try:
        await client.execute_update_with_start_workflow(
            ACKNOWLEDGE_PLAN if is_plan else ACKNOWLEDGE_REQUEST,
            start_workflow_operation=operation,
            id=f"import-{ready.case_id}",
        )
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        return cause.message if isinstance(cause, ApplicationError) else str(cause)
    except WorkflowAlreadyStartedError:
        return (
            f"its workflow {workflow_id} ran before and has closed, but the case is not in the database; "
            "check EHCP_DATABASE_URL is the service's"
        )
    except RPCError as error:  # the others go on; this one is imported when the file is run again
        return f"Temporal did not take it ({error.message}); run the same file again once Temporal is up"
    return None


async def _directory(settings: Settings) -> Directory:
    """The caseworkers (and managers) by username, the agencies by name and by id."""
    engine = make_engine(settings.database_url)
    try:
        async with make_session_factory(engine)() as session:
            staff = select(User.username, User.id).where(User.role.in_(("caseworker", "manager")))
            users = (await session.execute(staff)).all()
            agencies = await list_agencies(session=session)
    except Exception as error:
        fail("import", f"cannot read the database ({error}); run `ehcp migrate` or check EHCP_DATABASE_URL")
    finally:
        await engine.dispose()
    by_name = {a.name: a.id for a in agencies} | {str(a.id): a.id for a in agencies}
    return Directory(caseworkers={row.username: row.id for row in users}, agencies=by_name)


async def _known_cases(settings: Settings, case_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these cases the read model holds already: imported by an earlier run."""
    engine = make_engine(settings.database_url)
    known: set[uuid.UUID] = set()
    try:
        async with make_session_factory(engine)() as session:
            for at in range(0, len(case_ids), 500):
                chunk = case_ids[at : at + 500]
                known |= set((await session.execute(select(Case.id).where(Case.id.in_(chunk)))).scalars())
    finally:
        await engine.dispose()
    return known


@contextmanager
def _lines(file: str) -> Iterator[Iterable[str]]:
    """The file's lines, or standard input's for `-`."""
    if file == "-":
        yield sys.stdin
        return
    try:
        with Path(file).open(encoding="utf-8") as handle:
            yield handle
    except FileNotFoundError:
        fail("import", f"no file '{file}'; give the path of a JSON lines file, or - for standard input")
    except (OSError, UnicodeDecodeError) as error:
        fail("import", f"cannot read '{file}': {error}")
