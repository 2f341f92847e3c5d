"""Benchmark: the managers' overdue list over a national-size deadlines read model, SQLite and PostgreSQL.

Target: 640,000 plans and about 5,000,000 deadlines; `db.deadlines.list_overdue_steps` answers with a
p50 of at most 50 ms on PostgreSQL and 200 ms on SQLite, each shown beside its bare counterpart (the same
SQL on a raw driver connection, no SQLAlchemy: bench/_overdue_sql.py) measured in the same run.

Each backend gets a fresh database (a SQLite file, a PostgreSQL schema) migrated by the real Alembic
migrations, so the indexes are the production ones. The synthetic read model (bench/_read_model.py, with
made-up agencies and caseworkers) is loaded with COPY on PostgreSQL and large executemany transactions on
SQLite, then analysed. Loading is timed but is not the figure; the queries are: the first page, a page
deep into the list (past 20 pages), and the first page filtered by an agency and by a caseworker (the
busiest of each).

    python bench/overdue_list.py [--plans 640000] [--repeats 200] [--backend both] [--seed 1] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from _overdue_sql import PAGE, Query, bare_params, bare_sql
from _read_model import (
    Generator,
    OnBatch,
    Stats,
    load_postgresql,
    load_sqlite,
    national_staff,
    sqlite_connect,
    timestamp,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.deadlines import OverduePage, list_overdue_steps
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_MS = {"postgresql": 50.0, "sqlite": 200.0}
ENGLAND = ZoneInfo("Europe/London")
DEEP_PAGES = 20

# ---- progress on stderr ----


class Progress:
    """A bar redrawn in place: plans done, rows written, rows/s and the time left."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = total
        self.started = time.perf_counter()
        self.drawn = 0.0

    def update(self, done: int, rows: int, *, final: bool = False) -> None:
        now = time.perf_counter()
        if not final and now - self.drawn < 0.25:
            return
        self.drawn = now
        elapsed = now - self.started
        share = done / self.total if self.total else 1.0
        eta = elapsed * (1 - share) / share if share else 0.0
        bar = "#" * int(30 * share)
        print(
            f"\r  {self.label} [{bar:<30}] {share:6.1%}  {done:>9,}/{self.total:,} plans  {rows:>11,} rows  "
            f"{rows / elapsed if elapsed else 0:>9,.0f} rows/s  "
            f"{'took' if final else 'ETA '} {int((elapsed if final else eta) // 60)}:"
            f"{int((elapsed if final else eta) % 60):02d}",
            end="\n" if final else "",
            file=sys.stderr,
            flush=True,
        )


def _note(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


# ---- the queries, through the service and bare ----


def _percentile(sorted_ms: Sequence[float], q: float) -> float:
    return sorted_ms[max(0, math.ceil(q / 100 * len(sorted_ms)) - 1)]


@dataclass(frozen=True, slots=True)
class Result:
    backend: str
    query: str
    orm_ms: list[float]
    bare_ms: list[float]
    rows: int


async def measure(
    backend: str,
    query: Query,
    *,
    sessions: async_sessionmaker[AsyncSession],
    bare: Callable[[str, tuple[Any, ...]], list[Any]],
    as_of: date,
    repeats: int,
) -> Result:
    """`repeats` timed calls of each, service and bare taking turns, after a warm-up of both."""

    async def service() -> OverduePage:
        async with sessions() as session:
            return await list_overdue_steps(
                session=session,
                as_of=as_of,
                agency_id=None if query.agency is None else uuid.UUID(query.agency),
                caseworker_id=None if query.caseworker is None else uuid.UUID(query.caseworker),
                after=query.after,
                limit=PAGE,
            )

    sql, params = bare_sql(backend, query), bare_params(backend, query, as_of)
    page = await service()
    rows = bare(sql, params)
    got = [(s.case_id, s.deadline, s.key, s.from_date) for s in page.steps]
    expected = [
        (r[0] if isinstance(r[0], uuid.UUID) else uuid.UUID(r[0]), r[2], r[3], _as_date(r[4]))
        for r in rows[:PAGE]
    ]
    if got != expected:
        raise SystemExit(f"{backend} {query.name}: the bare SQL does not return the service's rows")
    for _ in range(max(5, repeats // 10)):
        await service()
        bare(sql, params)
    orm_ms: list[float] = []
    bare_ms: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        await service()
        orm_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        bare(sql, params)
        bare_ms.append((time.perf_counter() - started) * 1000)
    return Result(backend, query.name, sorted(orm_ms), sorted(bare_ms), len(page.steps))


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


async def _walk(sessions: async_sessionmaker[AsyncSession], as_of: date, pages: int) -> OverduePage:
    """Follow the list page after page, as a manager would, and return the last page read."""
    after: str | None = None
    page = OverduePage(steps=(), next_after=None)
    for _ in range(pages):
        async with sessions() as session:
            page = await list_overdue_steps(session=session, as_of=as_of, after=after, limit=PAGE)
        if page.next_after is None:
            break
        after = page.next_after
    return page


async def queries_for(sessions: async_sessionmaker[AsyncSession], as_of: date, stats: Stats) -> list[Query]:
    last = await _walk(sessions, as_of, DEEP_PAGES)
    deep = Query("first page")
    if last.next_after is not None and last.steps:
        s = last.steps[-1]
        deep = Query(
            f"page {DEEP_PAGES + 1} (cursor)",
            after=last.next_after,
            after_key=(s.due, s.case_id, s.deadline, s.key, s.from_date),
        )
    agency = stats.by_agency.most_common(1)[0][0]
    caseworker = stats.by_caseworker.most_common(1)[0][0]
    return [
        Query("first page"),
        deep,
        Query("first page, agency_id", agency=agency),
        Query("first page, caseworker_id", caseworker=caseworker),
    ]


async def measure_all(
    sessions: async_sessionmaker[AsyncSession],
    conn: psycopg.Connection[Any] | sqlite3.Connection,
    stats: Stats,
    *,
    as_of: date,
    repeats: int,
) -> tuple[list[Result], dict[str, list[str]]]:
    """Every query measured, through the service's `sessions` and bare on `conn`, and the bare SQL's query
    plan for each."""
    backend = "sqlite" if isinstance(conn, sqlite3.Connection) else "postgresql"

    def bare(sql: str, params: tuple[Any, ...]) -> list[Any]:
        return list(conn.execute(sql, params).fetchall())

    def explain(sql: str, params: tuple[Any, ...]) -> list[str]:
        if isinstance(conn, sqlite3.Connection):
            return _explain_sqlite(conn, sql, params)
        return _explain_pg(conn, sql, params)

    results = []
    plans = {}
    for query in await queries_for(sessions, as_of, stats):
        _note(f"{backend}: {query.name}")
        results.append(
            await measure(backend, query, sessions=sessions, bare=bare, as_of=as_of, repeats=repeats)
        )
        plans[query.name] = explain(bare_sql(backend, query), bare_params(backend, query, as_of))
    return results, plans


# ---- the backends ----


@dataclass(slots=True)
class Outcome:
    backend: str
    stats: Stats
    load_s: float
    analyze_s: float
    size_bytes: int
    results: list[Result]
    plans: dict[str, list[str]]
    where: str


def _generator(args: argparse.Namespace, as_of: date, backend: str) -> Generator:
    """The national read model of `args.plans` plans, the same for a seed on either backend."""
    rng = random.Random(args.seed)
    stamp = timestamp(backend)
    return Generator(rng, args.plans, as_of, stamp, national_staff(rng, stamp))


def _load(label: str, generator: Generator, load: Callable[[OnBatch], int]) -> None:
    """Run `load`, drawing its progress."""
    progress = Progress(label, generator.plans)
    rows = load(progress.update)
    progress.update(generator.stats.plans, rows, final=True)


def _pg_connect(url: URL) -> psycopg.Connection[Any]:
    args: dict[str, Any] = url.translate_connect_args(username="user", database="dbname")
    args.update({k: v for k, v in url.query.items() if isinstance(v, str)})
    return psycopg.connect(**args)


def _explain_pg(conn: psycopg.Connection[Any], sql: str, params: tuple[Any, ...]) -> list[str]:
    with psycopg.ClientCursor(conn) as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return [str(r[0]) for r in cur.fetchall()]


def _explain_sqlite(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[str]:
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    depth: dict[int, int] = {0: 0}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        lines.append("  " * (depth[node] - 1) + str(detail))
    return lines


async def run_postgresql(args: argparse.Namespace, as_of: date) -> Outcome:
    base = make_url(args.postgres_url)
    schema = f"bench_overdue_{uuid.uuid4().hex[:10]}"
    admin = _pg_connect(base.set(drivername="postgresql"))
    admin.autocommit = True
    admin.execute(f'CREATE SCHEMA "{schema}"')
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    shown = url.render_as_string(hide_password=True)
    try:
        _note(f"postgresql: migrating schema {schema}")
        await upgrade(url.render_as_string(hide_password=False))
        generator = _generator(args, as_of, "postgresql")
        with _pg_connect(url.set(drivername="postgresql")) as conn:
            started = time.perf_counter()
            _load("postgresql", generator, lambda on_batch: load_postgresql(conn, generator, on_batch))
            load_s = time.perf_counter() - started
            _note("postgresql: VACUUM (ANALYZE)")
            conn.autocommit = True
            started = time.perf_counter()
            for table in ("agencies", "users", "children", "cases", "deadlines"):
                conn.execute(f"VACUUM (ANALYZE) {table}")
            analyze_s = time.perf_counter() - started
            schema_size = conn.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                (schema,),
            ).fetchone()
            engine = make_engine(url.render_as_string(hide_password=False), pool_size=1)
            try:
                sessions = make_session_factory(engine)
                results, plans = await measure_all(
                    sessions, conn, generator.stats, as_of=as_of, repeats=args.repeats
                )
            finally:
                await engine.dispose()
        return Outcome(
            "postgresql",
            generator.stats,
            load_s,
            analyze_s,
            int(schema_size[0] if schema_size else 0),
            results,
            plans,
            f"schema {schema} at {shown}",
        )
    finally:
        if args.keep:
            _note(f"postgresql: kept schema {schema} ({shown})")
        else:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


async def run_sqlite(args: argparse.Namespace, as_of: date) -> Outcome:
    tmp: Path | None = None
    if args.sqlite_path:
        path = Path(args.sqlite_path)
        if path.exists():
            raise SystemExit(
                f"{path} exists: the benchmark needs a fresh database; remove it or pick another"
            )
    else:
        tmp = Path(tempfile.mkdtemp(prefix="ehcp-bench-"))
        path = tmp / "ehcp.db"
    url = f"sqlite+aiosqlite:///{path}"
    try:
        _note(f"sqlite: migrating {path}")
        await upgrade(url)
        generator = _generator(args, as_of, "sqlite")
        conn = sqlite_connect(path)
        try:
            started = time.perf_counter()
            _load("sqlite    ", generator, lambda on_batch: load_sqlite(conn, generator, on_batch))
            load_s = time.perf_counter() - started
            _note("sqlite: ANALYZE")
            started = time.perf_counter()
            conn.execute("ANALYZE")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            analyze_s = time.perf_counter() - started
            size = path.stat().st_size
            engine = make_engine(url)
            try:
                sessions = make_session_factory(engine)
                results, plans = await measure_all(
                    sessions, conn, generator.stats, as_of=as_of, repeats=args.repeats
                )
            finally:
                await engine.dispose()
        finally:
            conn.close()
        return Outcome("sqlite", generator.stats, load_s, analyze_s, size, results, plans, str(path))
    finally:
        if args.keep:
            _note(f"sqlite: kept {path}")
        elif tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


# ---- the report ----


_PLAN_WORDS = ("Scan", "Index Cond", "Filter", "Rows Removed")


def report(outcome: Outcome) -> None:
    s = outcome.stats
    mix = ", ".join(f"{name} {count / s.deadlines:.1%}" for name, count in s.status.most_common())
    print(f"\n== {outcome.backend} ({outcome.where})")
    print(
        f"data:       {s.plans:,} plans, {s.deadlines:,} deadlines ({s.deadlines / s.plans:.2f} per plan), "
        f"{s.overdue_listed:,} listed as overdue ({s.overdue_listed / s.deadlines:.1%})"
    )
    print(f"status mix: {mix}")
    print(
        f"load:       {outcome.load_s:.1f} s ({(2 * s.plans + s.deadlines) / outcome.load_s:,.0f} rows/s, "
        f"generation included), then {outcome.analyze_s:.1f} s "
        f"{'VACUUM (ANALYZE)' if outcome.backend == 'postgresql' else 'ANALYZE'}; "
        f"{outcome.size_bytes / 2**20:,.0f} MiB"
    )
    print(
        f"filters:    busiest agency {s.by_agency.most_common(1)[0][1]:,} deadlines, "
        f"busiest caseworker {s.by_caseworker.most_common(1)[0][1]:,} deadlines"
    )
    target = TARGET_MS[outcome.backend]
    header = (
        f"{'backend':<11} {'query':<27} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'bare p50':>9} {'ratio':>6}  {'target':<10} met"
    )
    print(header)
    print("-" * len(header))
    for r in outcome.results:
        p50 = _percentile(r.orm_ms, 50)
        bare50 = _percentile(r.bare_ms, 50)
        print(
            f"{r.backend:<11} {r.query:<27} {p50:>8.2f} {_percentile(r.orm_ms, 95):>8.2f} "
            f"{_percentile(r.orm_ms, 99):>8.2f} {bare50:>9.2f} {p50 / bare50:>5.2f}x  "
            f"<= {target:<4.0f} ms {'yes' if p50 <= target else 'NO'}"
        )
    print(
        f"(service: list_overdue_steps in its own session, rows as OverdueStep; bare: the same SQL on a raw "
        f"{'psycopg' if outcome.backend == 'postgresql' else 'sqlite3'} connection, rows fetched; "
        f"{len(outcome.results[0].orm_ms)} calls each, p95/p99 of the bare calls: "
        + ", ".join(
            f"{_percentile(r.bare_ms, 95):.2f}/{_percentile(r.bare_ms, 99):.2f}" for r in outcome.results
        )
        + ")"
    )
    what = "EXPLAIN (ANALYZE, BUFFERS)" if outcome.backend == "postgresql" else "EXPLAIN QUERY PLAN"
    for name, lines in outcome.plans.items():
        if name == "first page" or outcome.backend != "postgresql":
            shown = lines[:14]
            print(f"\n{what}, {name}:")
        else:  # the access path and what it filtered away
            shown = [line for line in lines if any(word in line for word in _PLAN_WORDS)]
            print(f"\n{what}, {name} (scan nodes only):")
        for line in shown:
            print(f"  {line}")
        timing = [line for line in lines if line.startswith("Execution Time")]
        if len(lines) > len(shown):
            print(f"  ... ({len(lines) - len(shown)} more lines) {' '.join(timing)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=640_000)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the databases (file, schema) afterwards")
    parser.add_argument("--sqlite-path", help="the SQLite file to create (default: under a temp dir)")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("EHCP_TEST_POSTGRES_URL", POSTGRES_URL), help="the server"
    )
    args = parser.parse_args()
    as_of = datetime.now(ENGLAND).date()
    print(
        f"overdue list, as of {as_of.isoformat()}: {args.plans:,} plans, {args.repeats} calls per query, "
        f"page of {PAGE}, seed {args.seed}"
    )
    runners: dict[str, Callable[[argparse.Namespace, date], Coroutine[Any, Any, Outcome]]] = {
        "postgresql": run_postgresql,
        "sqlite": run_sqlite,
    }
    for backend in ("postgresql", "sqlite") if args.backend == "both" else (args.backend,):
        outcome = asyncio.run(runners[backend](args, as_of))
        report(outcome)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
