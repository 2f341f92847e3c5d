"""The synthetic read model the overdue-list benchmarks query: cases, children and their deadlines.

`Generator` makes plans deterministically from a seed (their deadlines in the order they fall due: the
20 weeks, then annual review cycles), with each deadline's status as the statute engine would state it
as of a given day, and counts what it made (`Stats`). `load_sqlite` and `load_postgresql` write them
straight into a migrated database, in batches, as SQLAlchemy would store them; the read model's own
indexes are then what a query meets. bench/overdue_list.py loads a national caseload with made-up staff;
bench/api_latency.py a few thousand cases for the running stack's caseworker and agencies; bench/pages.py
a national caseload with the reg 6 advice requests its agencies' inboxes list (`advice_requests=True`).
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg

from statute.catalogue import CATALOGUE
from statute.events import DEADLINE_NAMES
from workflows.common.ids import assessment_workflow_id

BATCH_PLANS = 10_000  # plans per COPY round / per SQLite transaction (about 100,000 rows)
DEADLINES_PER_PLAN = 7.8125  # 5,000,000 / 640,000
N_CASEWORKERS = 2_000
FIRST_DUE = date(2014, 1, 1)
LAST_DUE = date(2027, 12, 31)
# The pragmas db/engine.py gives every SQLite connection.
SQLITE_PRAGMAS = ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000")

# Advice requested under reg 6, by advice id, and the kind of agency that gives it (parent: no agency).
ADVICE = (("parent", None), ("school", "school"), ("health", "health"), ("ep", "educational_psychology"))
SOCIAL = ("social", "social_care")
AGENCY_MIX = (("school", 80), ("health", 50), ("educational_psychology", 40), ("social_care", 30))
GIVEN = ("Alex", "Sam", "Jordan", "Riley", "Taylor", "Morgan", "Casey", "Jamie", "Charlie", "Robin")
FAMILY = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Khan")
LA_CODES = tuple(str(code) for code in range(201, 941, 5))[:153]
STAGES = ("final_issued", "plan_maintained", "plan_maintained", "plan_maintained", "drafting", "closed")
SOURCES = ("parent", "school", "young_person", "health")
# The kind of advice each advice id asks for, as the advice_requests table keeps it.
ADVICE_KIND = {"school": "educational", "health": "medical", "ep": "psychological", "social": "social_care"}

# The columns each table is loaded with.
AGENCY_COLUMNS = ("id", "name", "kind", "email", "webhook_url", "created_at")
# token_expires_at has no server default on PostgreSQL (migration 0002): the made-up tokens expire at once.
USER_COLUMNS = (
    "id",
    "username",
    "display_name",
    "role",
    "agency_id",
    "token_hash",
    "created_at",
    "disabled",
    "token_expires_at",
)
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
ADVICE_COLUMNS = (
    "id",
    "case_id",
    "advice_id",
    "kind",
    "agency_id",
    "requested_on",
    "received_by_body_on",
    "due_on",
    "received_on",
    "status",
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
    advice_requests: int = 0
    status: Counter[str] = field(default_factory=Counter)
    by_agency: Counter[str] = field(default_factory=Counter)
    by_caseworker: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class Batch:
    children: list[Row]
    cases: list[Row]
    deadlines: list[Row]
    advice: list[Row] = field(default_factory=list)  # reg 6 requests, when the generator makes them


def _uuid_int(rng: random.Random) -> int:
    """A random version-4 UUID as an int."""
    value = rng.getrandbits(128)
    return (value & ~(0xF << 76) & ~(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)


def _hex(value: int) -> str:
    # Both backends take 32 hex digits: SQLAlchemy's Uuid keeps exactly this on SQLite.
    return f"{value:032x}"


@dataclass(slots=True)
class Staff:
    """Whom the deadlines fall to: caseworkers, and agencies by kind (ids of 32 hex digits), with the rows
    that create them when they are made up here (none when they already exist, as on a running stack)."""

    caseworkers: list[str]
    agencies: dict[str, list[str]]
    agency_rows: list[Row] = field(default_factory=list)
    user_rows: list[Row] = field(default_factory=list)


def national_staff(rng: random.Random, timestamp: str) -> Staff:
    """200 agencies of four kinds, 2,000 caseworkers and a manager, all made up."""
    staff = Staff(caseworkers=[], agencies={})
    for kind, count in AGENCY_MIX:
        for n in range(count):
            agency_id = _hex(_uuid_int(rng))
            staff.agencies.setdefault(kind, []).append(agency_id)
            staff.agency_rows.append(
                (agency_id, f"{kind} {n + 1}", kind, f"{kind}{n + 1}@example.org", None, timestamp)
            )
    staff.caseworkers = [_hex(_uuid_int(rng)) for _ in range(N_CASEWORKERS)]
    tail = (timestamp, False, timestamp)  # created_at, disabled, token_expires_at
    staff.user_rows = [
        (cw, f"caseworker{n}", f"Caseworker {n}", "caseworker", None, f"{n:064x}", *tail)
        for n, cw in enumerate(staff.caseworkers)
    ]
    manager = (_hex(_uuid_int(rng)), "manager", "Manager", "manager", None, f"{N_CASEWORKERS:064x}")
    staff.user_rows.append((*manager, *tail))
    return staff


class Generator:
    """Deterministic synthetic plans, their children and their deadlines, as plain values per row, for
    the `staff` given and the local authorities `la_codes`.

    UUIDs are 32 hex digits, dates ISO strings, booleans Python bools: what SQLAlchemy stores on SQLite
    and what PostgreSQL's COPY text format reads. With `advice_requests`, each advice deadline owed by an
    agency also gets its reg 6 request row (received once met), as an agency's inbox lists them; their
    ids come from a generator of their own, so the plans are the same for a seed either way.
    """

    def __init__(
        self,
        rng: random.Random,
        plans: int,
        as_of: date,
        timestamp: str,
        staff: Staff,
        *,
        la_codes: Sequence[str] = LA_CODES,
        advice_requests: bool = False,
    ) -> None:
        self.rng = rng
        self.plans = plans
        self.as_of = as_of.toordinal()
        self.timestamp = timestamp
        self.staff = staff
        self.la_codes = tuple(la_codes)
        self.advice_rng = random.Random(plans) if advice_requests else None
        self.stats = Stats()
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
            self.stats.advice_requests += len(batch.advice)
            yield batch

    def _plan(self, case_int: int, batch: Batch) -> None:
        rng, iso, base, as_of = self.rng, self._iso, self._base, self.as_of
        case_id = _hex(case_int)
        child_id = _hex(_uuid_int(rng))
        caseworkers = self.staff.caseworkers
        caseworker = caseworkers[rng.randrange(len(caseworkers))]
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
                assessment_workflow_id(uuid.UUID(int=case_int)),
                self.la_codes[rng.randrange(len(self.la_codes))],
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
                pool = self.staff.agencies[step.agency_kind]
                agency = pool[rng.randrange(len(pool))]
                stats.by_agency[agency] += 1
                if self.advice_rng is not None:
                    request = self._advice_request(
                        case_id, step.key, agency, requested=from_date, due=due, met_on=met_on
                    )
                    batch.advice.append(request)
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

    def _advice_request(
        self, case_id: str, advice_id: str, agency: str, *, requested: int, due: int, met_on: int | None
    ) -> Row:
        assert self.advice_rng is not None
        iso, base = self._iso, self._base
        return (
            _hex(_uuid_int(self.advice_rng)),
            case_id,
            advice_id,
            ADVICE_KIND[advice_id],
            agency,
            iso[requested - base],
            iso[requested - base],
            iso[due - base],
            None if met_on is None else iso[met_on - base],
            "requested" if met_on is None else "received",
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


# ---- loading ----

OnBatch = Callable[[int, int], None]  # told (plans written, rows written) after each batch


def timestamp(backend: str) -> str:
    """Now, as a timestamp column of `backend` stores it."""
    now = datetime.now(UTC).replace(microsecond=0)
    return now.strftime("%Y-%m-%d %H:%M:%S.%f") + ("+00" if backend == "postgresql" else "")


def sqlite_connect(path: str | Path) -> sqlite3.Connection:
    """A raw connection with the pragmas db/engine.py gives every SQLite connection; any thread may use it."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    return conn


def load_sqlite(conn: sqlite3.Connection, generator: Generator, on_batch: OnBatch | None = None) -> int:
    """Insert the staff, then the plans one transaction a batch; the rows written."""

    def insert(table: str, columns: Sequence[str], data: Sequence[Row]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", data)

    conn.execute("BEGIN")
    insert("agencies", AGENCY_COLUMNS, generator.staff.agency_rows)
    insert("users", USER_COLUMNS, generator.staff.user_rows)
    conn.execute("COMMIT")
    rows = 0
    for batch in generator.batches():
        conn.execute("BEGIN")
        insert("children", CHILD_COLUMNS, batch.children)
        insert("cases", CASE_COLUMNS, batch.cases)
        insert("deadlines", DEADLINE_COLUMNS, batch.deadlines)
        insert("advice_requests", ADVICE_COLUMNS, batch.advice)
        conn.execute("COMMIT")
        rows += len(batch.children) + len(batch.cases) + len(batch.deadlines) + len(batch.advice)
        if on_batch is not None:
            on_batch(generator.stats.plans, rows)
    return rows


def load_postgresql(
    conn: psycopg.Connection[Any], generator: Generator, on_batch: OnBatch | None = None
) -> int:
    """COPY the staff, then the plans one commit a batch; the rows written."""
    rows = 0
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")  # a generated data set: no need to wait for the WAL
        for table, columns, data in (
            ("agencies", AGENCY_COLUMNS, generator.staff.agency_rows),
            ("users", USER_COLUMNS, generator.staff.user_rows),
        ):
            _copy(cur, table, columns, data)
        conn.commit()
        for batch in generator.batches():
            _copy(cur, "children", CHILD_COLUMNS, batch.children)
            _copy(cur, "cases", CASE_COLUMNS, batch.cases)
            _copy(cur, "deadlines", DEADLINE_COLUMNS, batch.deadlines)
            if batch.advice:
                _copy(cur, "advice_requests", ADVICE_COLUMNS, batch.advice)
            conn.commit()
            rows += len(batch.children) + len(batch.cases) + len(batch.deadlines) + len(batch.advice)
            if on_batch is not None:
                on_batch(generator.stats.plans, rows)
    return rows


def _copy(cur: psycopg.Cursor[Any], table: str, columns: Sequence[str], data: Sequence[Row]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in data:
            copy.write_row(row)
