"""Benchmark: the managers' overdue list over a national-size deadlines read model, SQLite and PostgreSQL.

Target (issue 3): 640,000 plans and about 5,000,000 deadlines; `db.deadlines.list_overdue_steps` answers
with a p50 of at most 50 ms on PostgreSQL and 200 ms on SQLite, each shown beside its bare counterpart
(the same SQL on a raw driver connection, no SQLAlchemy) measured in the same run.

Each backend gets a fresh database (a SQLite file, a PostgreSQL schema) migrated by the real Alembic
migrations, so the indexes are the production ones. The synthetic read model is loaded with COPY on
PostgreSQL and large executemany transactions on SQLite, then analysed. Loading is timed but is not the
figure; the queries are: the first page, a page deep into the list (past 20 pages), and the first page
filtered by an agency and by a caseworker (the busiest of each).

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
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.deadlines import OverduePage, list_overdue_steps
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from statute.catalogue import CATALOGUE
from statute.events import DEADLINE_NAMES

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_MS = {"postgresql": 50.0, "sqlite": 200.0}
ENGLAND = ZoneInfo("Europe/London")
PAGE = 50
DEEP_PAGES = 20
BATCH_PLANS = 10_000  # plans per COPY round / per SQLite transaction (about 100,000 rows)
DEADLINES_PER_PLAN = 7.8125  # 5,000,000 / 640,000
N_AGENCIES = 200
N_CASEWORKERS = 2_000
FIRST_DUE = date(2014, 1, 1)
LAST_DUE = date(2027, 12, 31)

# ---- the synthetic national read model ----

# Advice requested under reg 6, by advice id, and the kind of agency that gives it (parent: no agency).
ADVICE = (("parent", None), ("school", "school"), ("health", "health"), ("ep", "educational_psychology"))
SOCIAL = ("social", "social_care")
AGENCY_MIX = (("school", 80), ("health", 50), ("educational_psychology", 40), ("social_care", 30))
GIVEN = ("Alex", "Sam", "Jordan", "Riley", "Taylor", "Morgan", "Casey", "Jamie", "Charlie", "Robin")
FAMILY = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Khan")
LA_CODES = tuple(str(code) for code in range(201, 941, 5))[:153]
STAGES = ("final_issued", "plan_maintained", "plan_maintained", "plan_maintained", "drafting", "closed")
SOURCES = ("parent", "school", "young_person", "health")

AGENCY_COLUMNS = ("id", "name", "kind", "email", "webhook_url", "created_at")
USER_COLUMNS = ("id", "username", "display_name", "role", "agency_id", "token_hash", "created_at", "disabled")
CHILD_COLUMNS = (
    "id",
    "given_name",
    "family_name",
    "date_of_birth",
    "upn",
    "year_group",
    "visual_impairment",
    "hearing_impairment",
    "postcode",
)
CASE_COLUMNS = (
    "id",
    "workflow_id",
    "la_code",
    "child_id",
    "caseworker_id",
    "received_on",
    "request_source",
    "stage",
    "state_version",
    "closed_on",
    "final_issued_on",
    "week20_exception",
    "updated_at",
)
DEADLINE_COLUMNS = (
    "case_id",
    "deadline",
    "key",
    "from_date",
    "from_event",
    "due",
    "practical_due",
    "rule",
    "statutory",
    "family_window",
    "status",
    "met_on",
    "exception_kind",
    "exception_accepted",
    "agency_id",
    "caseworker_id",
    "state_version",
)

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Step:
    """One deadline of a synthetic case's schedule, `offset` days after the request."""

    name: str
    key: str
    from_event: str
    from_offset: int
    offset: int
    agency_kind: str | None = None


@dataclass(slots=True)
class Stats:
    """What was generated: row counts, the status mix, and the listable (overdue) rows."""

    plans: int = 0
    deadlines: int = 0
    overdue_listed: int = 0
    status: Counter[str] = field(default_factory=Counter)
    by_agency: Counter[str] = field(default_factory=Counter)
    by_caseworker: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class Batch:
    children: list[Row]
    cases: list[Row]
    deadlines: list[Row]


def _uuid_int(rng: random.Random) -> int:
    """A random version-4 UUID as an int."""
    value = rng.getrandbits(128)
    return (value & ~(0xF << 76) & ~(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)


def _hex(value: int) -> str:
    # Both backends take 32 hex digits: SQLAlchemy's Uuid keeps exactly this on SQLite.
    return f"{value:032x}"


class Generator:
    """Deterministic synthetic plans, their children and their deadlines, as plain values per row.

    UUIDs are 32 hex digits, dates ISO strings, booleans Python bools: what SQLAlchemy stores on SQLite
    and what PostgreSQL's COPY text format reads.
    """

    def __init__(self, rng: random.Random, plans: int, as_of: date, timestamp: str) -> None:
        self.rng = rng
        self.plans = plans
        self.as_of = as_of.toordinal()
        self.timestamp = timestamp
        self.stats = Stats()
        self.agencies: dict[str, list[str]] = {}
        self.agency_rows: list[Row] = []
        for kind, count in AGENCY_MIX:
            for n in range(count):
                agency_id = _hex(_uuid_int(rng))
                self.agencies.setdefault(kind, []).append(agency_id)
                self.agency_rows.append(
                    (agency_id, f"{kind} {n + 1}", kind, f"{kind}{n + 1}@example.org", None, timestamp)
                )
        self.caseworkers = [_hex(_uuid_int(rng)) for _ in range(N_CASEWORKERS)]
        self.user_rows: list[Row] = [
            (cw, f"caseworker{n}", f"Caseworker {n}", "caseworker", None, f"{n:064x}", timestamp, False)
            for n, cw in enumerate(self.caseworkers)
        ]
        self.user_rows.append(
            (
                _hex(_uuid_int(rng)),
                "manager",
                "Manager",
                "manager",
                None,
                f"{N_CASEWORKERS:064x}",
                timestamp,
                False,
            )
        )
        # Case ids are generated up front and sorted, so the read model's primary key (case_id first)
        # grows at its end while loading: a load-time shortcut; the ids stay random version-4 UUIDs.
        self.case_ids = sorted(_uuid_int(rng) for _ in range(plans))
        base = date(2013, 1, 1).toordinal()
        self._base = base
        self._iso = [date.fromordinal(o).isoformat() for o in range(base, date(2030, 1, 1).toordinal())]
        # Weekend dues fall on the next working day (bank holidays are left out here).
        self._first_due = FIRST_DUE.toordinal()
        self._last_due = LAST_DUE.toordinal()
        self._exception_kinds = {name: sorted(CATALOGUE[name].exceptions) for name in DEADLINE_NAMES}
        self._practical = [
            o + {5: 2, 6: 1}.get(date.fromordinal(o).weekday(), 0) for o in range(base, base + 6000)
        ]

    def _schedule(self) -> list[Step]:
        """A plan's deadlines in the order they fall due: the 20 weeks, then annual review cycles."""
        rng = self.rng
        decided = rng.randint(25, 42)
        steps = [Step("decision_to_assess", "", "request_received", 0, 42)]
        advice = [*ADVICE, SOCIAL] if rng.random() < 0.5 else list(ADVICE)
        for advice_id, kind in advice:
            asked = decided + rng.randint(0, 4)
            steps.append(Step("advice", advice_id, "advice_requested", asked, asked + 42, kind))
        draft = rng.randint(80, 125)
        steps += [
            Step("draft_target", "", "request_received", 0, 98),
            Step("representations_end", "", "draft_served", draft, draft + 15),
            Step("school_response", "", "school_consulted", draft, draft + 15),
            Step("final_plan", "", "request_received", 0, 140),
        ]
        cycle = 140
        for _ in range(4):
            meeting = cycle + rng.randint(330, 365)
            steps += [
                Step(
                    "review_due", "", "final_issued" if cycle == 140 else "plan_reviewed", cycle, cycle + 365
                ),
                Step("review_report", "", "review_meeting", meeting, meeting + 14),
                Step("review_decision", "", "review_meeting", meeting, meeting + 28),
            ]
            cycle = meeting + 28
        return steps

    def batches(self) -> Iterator[Batch]:
        """The plans in batches of BATCH_PLANS: children, cases and deadlines, ready to load."""
        for start in range(0, self.plans, BATCH_PLANS):
            batch = Batch([], [], [])
            for case_int in self.case_ids[start : start + BATCH_PLANS]:
                self._plan(case_int, batch)
            self.stats.plans += len(batch.cases)
            self.stats.deadlines += len(batch.deadlines)
            yield batch

    def _plan(self, case_int: int, batch: Batch) -> None:
        rng, iso, base, as_of = self.rng, self._iso, self._base, self.as_of
        case_id = _hex(case_int)
        child_id = _hex(_uuid_int(rng))
        caseworker = self.caseworkers[rng.randrange(N_CASEWORKERS)]
        steps = self._schedule()[: rng.randint(4, 11) + (rng.random() < DEADLINES_PER_PLAN - 7.5)]
        # The request falls so that every due date lies in 2014-2027 and none was received after today.
        latest = min(as_of - 7, self._last_due - max(s.offset for s in steps))
        received = rng.randint(self._first_due, max(self._first_due, latest))
        year_group = rng.randint(0, 13)
        born = received - 365 * (year_group + 5) - rng.randint(0, 364)
        batch.children.append(
            (
                child_id,
                GIVEN[rng.randrange(len(GIVEN))],
                FAMILY[rng.randrange(len(FAMILY))],
                date.fromordinal(born).isoformat(),
                None,
                year_group,
                rng.random() < 0.02,
                rng.random() < 0.02,
                None,
            )
        )
        final_on = received + 140 + rng.randint(-30, 20)
        version = rng.randint(5, 60)
        batch.cases.append(
            (
                case_id,
                f"assessment-{uuid.UUID(int=case_int)}",
                LA_CODES[rng.randrange(len(LA_CODES))],
                child_id,
                caseworker,
                iso[received - base],
                SOURCES[rng.randrange(len(SOURCES))],
                STAGES[rng.randrange(len(STAGES))],
                version,
                None,
                iso[final_on - base] if final_on < as_of else None,
                rng.random() < 0.05,
                self.timestamp,
            )
        )
        stats = self.stats
        stats.by_caseworker[caseworker] += len(steps)
        append = batch.deadlines.append
        for step in steps:
            spec = CATALOGUE[step.name]
            due = received + step.offset
            from_date = received + step.from_offset
            status, met_on, exception = self._judge(step.name, spec.window, due, from_date)
            agency = None
            if step.agency_kind is not None:
                pool = self.agencies[step.agency_kind]
                agency = pool[rng.randrange(len(pool))]
                stats.by_agency[agency] += 1
            stats.status[status] += 1
            if met_on is None and status == "overdue":
                stats.overdue_listed += 1
            append(
                (
                    case_id,
                    step.name,
                    step.key,
                    iso[from_date - base],
                    step.from_event,
                    iso[due - base],
                    iso[self._practical[due - base] - base],
                    spec.rule,
                    spec.statutory,
                    spec.window,
                    status,
                    None if met_on is None else iso[met_on - base],
                    exception,
                    None if exception is None else True,
                    agency,
                    caseworker,
                    version,
                )
            )

    def _judge(self, name: str, window: bool, due: int, from_date: int) -> tuple[str, int | None, str | None]:
        """Status, day met and exception kind of one deadline, as the statute engine would state them.

        Past dues: mostly met (some late), a few % still unmet (more of the recent ones), about 1.5%
        excepted; a family's window mostly closes unmet. Future dues: open, some already met.
        """
        rng, as_of = self.rng, self.as_of
        u = rng.random()
        if window:
            if due >= as_of:
                return "open", None, None
            return ("met", due - rng.randint(0, 5), None) if u < 0.15 else ("closed", None, None)
        if due >= as_of:
            if u < 0.15 and from_date < as_of:
                return "met", rng.randint(from_date, as_of - 1), None
            return "open", None, None
        age = as_of - due
        late = 0.12 if age < 90 else 0.05 if age < 365 else 0.025
        kinds = self._exception_kinds[name]
        if u < late:
            return "overdue", None, None
        if kinds and u < late + 0.015:
            met_on = min(as_of - 1, due + rng.randint(1, 40)) if rng.random() < 0.5 else None
            return "excepted", met_on, kinds[rng.randrange(len(kinds))]
        if u < late + 0.135:
            return "overdue", min(as_of - 1, due + rng.randint(1, 60)), None
        return "met", max(from_date, due - rng.randint(0, 30)), None


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


@dataclass(frozen=True, slots=True)
class Query:
    """One measured call: the keyword arguments of list_overdue_steps and the bare SQL's values."""

    name: str
    agency: str | None = None
    caseworker: str | None = None
    after: str | None = None
    after_key: tuple[date, uuid.UUID, str, str, date] | None = None


def bare_sql(backend: str, query: Query) -> str:
    """The SQL list_overdue_steps sends, written by hand: same columns, WHERE, ORDER BY and LIMIT."""
    p = "%s" if backend == "postgresql" else "?"
    where = [
        "deadlines.met_on IS NULL",
        f"deadlines.status != {p}",
        "deadlines.family_window IS " + ("false" if backend == "postgresql" else "0"),
        f"deadlines.due < {p}",
    ]
    if query.agency is not None:
        where.append(f"deadlines.agency_id = {p}")
    if query.caseworker is not None:
        where.append(f"deadlines.caseworker_id = {p}")
    if query.after_key is not None:
        where.append(
            '(deadlines.due, deadlines.case_id, deadlines.deadline, deadlines."key", deadlines.from_date) '
            f"> ({p}, {p}, {p}, {p}, {p})"
        )
    return (
        'SELECT deadlines.case_id, cases.workflow_id, deadlines.deadline, deadlines."key", '
        "deadlines.from_date, deadlines.due, deadlines.practical_due, deadlines.rule, deadlines.agency_id, "
        "deadlines.caseworker_id FROM deadlines JOIN cases ON cases.id = deadlines.case_id "
        f"WHERE {' AND '.join(where)} "
        'ORDER BY deadlines.due, deadlines.case_id, deadlines.deadline, deadlines."key", deadlines.from_date '
        f"LIMIT {p}"
    )


def bare_params(backend: str, query: Query, as_of: date) -> tuple[Any, ...]:
    """The values bound to bare_sql, as each driver takes them (SQLite: the text SQLAlchemy stores)."""
    pg = backend == "postgresql"

    def day(d: date) -> Any:
        return d if pg else d.isoformat()

    def ident(value: str) -> Any:
        return uuid.UUID(value) if pg else value

    params: list[Any] = ["excepted", day(as_of)]
    if query.agency is not None:
        params.append(ident(query.agency))
    if query.caseworker is not None:
        params.append(ident(query.caseworker))
    if query.after_key is not None:
        due, case_id, deadline, key, from_date = query.after_key
        params += [day(due), case_id if pg else case_id.hex, deadline, key, day(from_date)]
    params.append(PAGE + 1)
    return tuple(params)


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


def _timestamp(backend: str) -> str:
    now = datetime.now(UTC).replace(microsecond=0)
    return now.strftime("%Y-%m-%d %H:%M:%S.%f") + ("+00" if backend == "postgresql" else "")


def load_postgresql(conn: psycopg.Connection[Any], generator: Generator) -> None:
    progress = Progress("postgresql", generator.plans)
    rows = 0
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")  # a generated data set: no need to wait for the WAL
        for table, columns, data in (
            ("agencies", AGENCY_COLUMNS, generator.agency_rows),
            ("users", USER_COLUMNS, generator.user_rows),
        ):
            _copy(cur, table, columns, data)
        conn.commit()
        for batch in generator.batches():
            _copy(cur, "children", CHILD_COLUMNS, batch.children)
            _copy(cur, "cases", CASE_COLUMNS, batch.cases)
            _copy(cur, "deadlines", DEADLINE_COLUMNS, batch.deadlines)
            conn.commit()
            rows += len(batch.children) + len(batch.cases) + len(batch.deadlines)
            progress.update(generator.stats.plans, rows)
    progress.update(generator.stats.plans, rows, final=True)


def _copy(cur: psycopg.Cursor[Any], table: str, columns: Sequence[str], data: Sequence[Row]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in data:
            copy.write_row(row)


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    """A raw connection with the pragmas db/engine.py gives every SQLite connection."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def load_sqlite(conn: sqlite3.Connection, generator: Generator) -> None:
    progress = Progress("sqlite    ", generator.plans)
    rows = 0

    def insert(table: str, columns: Sequence[str], data: Sequence[Row]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", data)

    conn.execute("BEGIN")
    insert("agencies", AGENCY_COLUMNS, generator.agency_rows)
    insert("users", USER_COLUMNS, generator.user_rows)
    conn.execute("COMMIT")
    for batch in generator.batches():
        conn.execute("BEGIN")
        insert("children", CHILD_COLUMNS, batch.children)
        insert("cases", CASE_COLUMNS, batch.cases)
        insert("deadlines", DEADLINE_COLUMNS, batch.deadlines)
        conn.execute("COMMIT")
        rows += len(batch.children) + len(batch.cases) + len(batch.deadlines)
        progress.update(generator.stats.plans, rows)
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
        generator = Generator(random.Random(args.seed), args.plans, as_of, _timestamp("postgresql"))
        with _pg_connect(url.set(drivername="postgresql")) as conn:
            started = time.perf_counter()
            load_postgresql(conn, generator)
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
                queries = await queries_for(sessions, as_of, generator.stats)

                def bare(sql: str, params: tuple[Any, ...]) -> list[Any]:
                    return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

                results = []
                plans = {}
                for query in queries:
                    _note(f"postgresql: {query.name}")
                    results.append(
                        await measure(
                            "postgresql",
                            query,
                            sessions=sessions,
                            bare=bare,
                            as_of=as_of,
                            repeats=args.repeats,
                        )
                    )
                    plans[query.name] = _explain_pg(
                        conn, bare_sql("postgresql", query), bare_params("postgresql", query, as_of)
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
        generator = Generator(random.Random(args.seed), args.plans, as_of, _timestamp("sqlite"))
        conn = _sqlite_connect(path)
        try:
            started = time.perf_counter()
            load_sqlite(conn, generator)
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
                queries = await queries_for(sessions, as_of, generator.stats)

                def bare(sql: str, params: tuple[Any, ...]) -> list[Any]:
                    return conn.execute(sql, params).fetchall()

                results = []
                plans = {}
                for query in queries:
                    _note(f"sqlite: {query.name}")
                    results.append(
                        await measure(
                            "sqlite", query, sessions=sessions, bare=bare, as_of=as_of, repeats=args.repeats
                        )
                    )
                    plans[query.name] = _explain_sqlite(
                        conn, bare_sql("sqlite", query), bare_params("sqlite", query, as_of)
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
    runners: dict[str, Callable[[argparse.Namespace, date], Awaitable[Outcome]]] = {
        "postgresql": run_postgresql,
        "sqlite": run_sqlite,
    }
    for backend in ("postgresql", "sqlite") if args.backend == "both" else (args.backend,):
        outcome = asyncio.run(runners[backend](args, as_of))
        report(outcome)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
