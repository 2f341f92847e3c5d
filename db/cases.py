"""The case record and its deadlines as a workflow last projected them (the read model).

An activity calls `project_case` after every state change of an assessment workflow. It writes only when
the state version is newer than the stored one, so a retried or late activity never goes back in time.
The API reads it back: one case (`get_case`; with who it is about, `get_case_with_child`), its timeline
(`list_case_deadlines`) and the case list (`list_cases`), searchable by the child's name, date of birth
and reference, filtered by stage and by its next step's status, sorted by request date, child's name or
the next step's due date. A list reads the child's names and date of birth in its own query.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal, get_args

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from db._sql import dialect_insert
from db.base import utcnow
from db.children import CHILD_NAME_COLUMNS, ChildName, named
from db.errors import InvalidCursor
from db.models import Case, CaseDeadline, Child
from db.pagination import decode_key, encode_cursor
from statute.model import Deadline


@dataclass(frozen=True, slots=True)
class CaseProjection:
    """The fields of `cases` a workflow owns (the state version comes separately)."""

    id: uuid.UUID
    workflow_id: str
    la_code: str
    child_id: uuid.UUID
    received_on: date
    request_source: str
    stage: str
    caseworker_id: uuid.UUID | None = None
    closed_on: date | None = None
    final_issued_on: date | None = None
    week20_exception: bool = False


def _deadline_row(
    case: CaseProjection, deadline: Deadline, agency_by_advice_id: Mapping[str, uuid.UUID], state_version: int
) -> dict[str, Any]:
    exception = deadline.exception
    is_advice = deadline.deadline == "advice" and deadline.id is not None
    agency_id = agency_by_advice_id.get(deadline.id or "") if is_advice else None
    return {
        "case_id": case.id,
        "deadline": deadline.deadline,
        "key": deadline.id or "",
        "from_event": deadline.from_event,
        "from_date": deadline.from_date,
        "due": deadline.due,
        "practical_due": deadline.practical_due,
        "rule": deadline.rule,
        "statutory": deadline.statutory,
        "family_window": deadline.window,
        "status": deadline.status,
        "met_on": deadline.met_on,
        "exception_kind": exception.kind if exception else None,
        "exception_accepted": exception.accepted if exception else None,
        "agency_id": agency_id,
        "caseworker_id": case.caseworker_id,
        "state_version": state_version,
    }


def _one_row_per_key(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per occurrence as the table keys it: (deadline, key, clock start) within the case.

    The statute engine gives one occurrence per starting event, and two events of a kind can fall on the
    same day (a reassessment requested, refused and requested again that day): their occurrences share
    the key. The later stands for both, as the one still running. Inserting both broke the key, and since
    every later projection of the case holds both events, `apply_change` failed on every retry and the
    read model stayed behind the workflow for ever.
    """
    kept: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        kept[(row["deadline"], row["key"], row["from_date"])] = row
    return list(kept.values())


async def project_case(
    *,
    session: AsyncSession,
    case: CaseProjection,
    deadlines: Sequence[Deadline],
    agency_by_advice_id: Mapping[str, uuid.UUID],
    state_version: int,
    replace_from: date | None = None,
) -> bool:
    """Write the case row and replace its deadlines, unless a projection as new or newer is stored.

    `replace_from` limits the replacement to deadlines starting on or after it: a plan's review cycle
    owns those, and earlier cycles' rows stay as last written.

    Returns True when it wrote, False when the stored state version is >= `state_version`. The upsert's
    WHERE decides atomically (the row is locked on PostgreSQL), so two racing projections cannot both
    win. Runs in the caller's transaction.
    """
    values = {**asdict(case), "state_version": state_version, "updated_at": utcnow()}
    insert_case = dialect_insert(session, Case).values(**values)
    upsert = insert_case.on_conflict_do_update(
        index_elements=[Case.id],
        set_={name: insert_case.excluded[name] for name in values if name != "id"},
        where=Case.state_version < insert_case.excluded.state_version,
    ).returning(Case.id)
    if (await session.execute(upsert)).first() is None:
        return False
    replaced = delete(CaseDeadline).where(CaseDeadline.case_id == case.id)
    if replace_from is not None:
        replaced = replaced.where(CaseDeadline.from_date >= replace_from)
    await session.execute(replaced)
    rows = _one_row_per_key(_deadline_row(case, d, agency_by_advice_id, state_version) for d in deadlines)
    if rows:
        await session.execute(insert(CaseDeadline), rows)
    return True


async def get_case(*, session: AsyncSession, case_id: uuid.UUID) -> Case | None:
    return (
        await session.execute(
            select(Case).where(Case.id == case_id).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class CaseWithChild:
    """A case's read-model row, and who the case is about."""

    case: Case
    child: ChildName


def _with_child() -> Select[Case, str, str, date]:
    return select(Case, *CHILD_NAME_COLUMNS).join(Child, Child.id == Case.child_id)


async def get_case_with_child(*, session: AsyncSession, case_id: uuid.UUID) -> CaseWithChild | None:
    """The case's row and the child's names and date of birth, in one query; None before it is recorded."""
    stmt = _with_child().where(Case.id == case_id).execution_options(populate_existing=True)
    row = (await session.execute(stmt)).one_or_none()
    return CaseWithChild(case=row.Case, child=ChildName.of(row)) if row is not None else None


async def list_case_deadlines(*, session: AsyncSession, case_id: uuid.UUID) -> list[CaseDeadline]:
    """A case's statutory timeline as last projected, in due order."""
    stmt = (
        select(CaseDeadline)
        .where(CaseDeadline.case_id == case_id)
        .order_by(CaseDeadline.due, CaseDeadline.deadline, CaseDeadline.key, CaseDeadline.from_date)
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


@dataclass(frozen=True, slots=True)
class CasePage:
    rows: tuple[CaseWithChild, ...]
    next_after: str | None  # pass back as `after` for the next page; None on the last page

    @property
    def cases(self) -> tuple[Case, ...]:
        return tuple(row.case for row in self.rows)


CaseSort = Literal["due", "name", "received"]
NextStep = Literal["overdue", "due_soon", "open"]
CASE_SORTS: Final[tuple[CaseSort, ...]] = get_args(CaseSort)
NEXT_STEPS: Final[tuple[NextStep, ...]] = get_args(NextStep)
DUE_SOON: Final = timedelta(days=7)  # "due this week", as the pages tag a step: today to 7 days on
_Key = Sequence[InstrumentedAttribute[Any] | ColumnElement[Any]]
_BY_RECEIVED: Final[_Key] = (Case.received_on, Case.id)
# By name, whatever the case: an index on children of the first three serves it (see docs/pages.md).
_NAMES = [func.lower(name, type_=String) for name in (Child.family_name, Child.given_name)]
_BY_NAME: Final[_Key] = (*_NAMES, Child.id, Case.id)


def _owed(step: Any) -> tuple[ColumnElement[bool], ...]:
    """A step still owed, as `db.case_file.next_steps` chooses a case's next: unmet, open or overdue."""
    return (step.met_on.is_(None), step.status.in_(("open", "overdue")), step.family_window.is_(False))


# A case's next step: the step still owed first (by due date, then by its key).
_STEP, _EARLIER = aliased(CaseDeadline, name="step"), aliased(CaseDeadline, name="earlier")
_FIRST = ~exists().where(
    _EARLIER.case_id == _STEP.case_id,
    *_owed(_EARLIER),
    tuple_(_EARLIER.due, _EARLIER.deadline, _EARLIER.key, _EARLIER.from_date)
    < tuple_(_STEP.due, _STEP.deadline, _STEP.key, _STEP.from_date),
)
_BY_DUE: Final[_Key] = (_STEP.due, _STEP.case_id)


def _beyond(columns: _Key, values: Sequence[Any], descending: bool) -> ColumnElement[bool]:
    """The rows after a cursor's key, in the list's direction, each value bound with its column's type."""
    row, key = tuple_(*columns), tuple_(*(literal(v, c.type) for c, v in zip(columns, values, strict=True)))
    return row < key if descending else row > key


def _ordered(columns: _Key, descending: bool) -> list[Any]:
    return [c.desc() for c in columns] if descending else list(columns)


def _bounds(today: date) -> dict[NextStep, tuple[date | None, date | None]]:
    """Each status's due dates, as the pages tag a next step on `today` (inclusive; None: unbounded)."""
    soon, day = today + DUE_SOON, timedelta(days=1)
    return {"overdue": (None, today - day), "due_soon": (today, soon), "open": (soon + day, None)}


def _within(due: Any, low: date | None, high: date | None) -> ColumnElement[bool]:
    return and_(true(), *([due >= low] if low else []), *([due <= high] if high else []))


def _next_step_in(wanted: Collection[NextStep], today: date) -> ColumnElement[bool]:
    """The case's next step still owed has one of the statuses `wanted`: a step owed within its dates,
    and none before them. Due this week alone, a window of 8 days, is found from the steps due then;
    any other, which can hold most of the authority's cases, case by case in the list's order."""
    conditions = []
    for status in wanted:
        (low, high), step, prior = _bounds(today)[status], aliased(CaseDeadline), aliased(CaseDeadline)
        first = (
            ~exists().where(prior.case_id == step.case_id, *_owed(prior), prior.due < low) if low else true()
        )
        condition = and_(*_owed(step), _within(step.due, low, high), first)
        if set(wanted) == {"due_soon"}:
            return Case.id.in_(select(step.case_id).where(condition))
        conditions.append(exists().where(step.case_id == Case.id, condition))
    return or_(*conditions)


def _page(rows: list[tuple[CaseWithChild, list[str]]], limit: int) -> CasePage:
    """A page of `limit` rows (each with its sort key), and the next page's cursor if a row is left."""
    return CasePage(
        rows=tuple(row for row, _ in rows[:limit]),
        next_after=encode_cursor(rows[limit - 1][1]) if len(rows) > limit else None,
    )


def _row(row: Any) -> CaseWithChild:
    return CaseWithChild(case=row.Case, child=ChildName.of(row))


def _received(case: Case) -> list[str]:
    return [case.received_on.isoformat(), case.id.hex]


def _optional_day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


async def list_cases(
    *,
    session: AsyncSession,
    la_code: str | None = None,
    stage: str | None = None,
    caseworker_id: uuid.UUID | None = None,
    name: str | None = None,
    born_on: date | None = None,
    after: str | None = None,
    limit: int = 50,
    stages: Collection[str] | None = None,
    case_id_prefix: str | None = None,
    next_step: Collection[NextStep] | None = None,
    today: date | None = None,
    sort: CaseSort = "received",
    descending: bool = False,
) -> CasePage:
    """Cases with who each is about, a page at a time (`after`: the last page's `next_after`, else
    `InvalidCursor`); each filter narrows the list: `name` to the children whose given name, family
    name or "given family" starts with it, whatever the case (`db.children.named`); `born_on`; `stages`;
    `case_id_prefix` (hex digits: a reference's start); `next_step`, the next step's status on `today`.

    `sort`: `received` (the default, oldest first, in one query); `name` (family, then given name,
    whatever the case; its cursor names the last case, so a page's address never holds a name); `due`
    (the next step's, the longest overdue first, then the cases with nothing owed by request date; two
    queries at most). `descending` turns each round; the cases with nothing owed stay last."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if next_step and today is None:
        raise ValueError("next_step needs today")
    # SQLite walks the children's name index for the name order only when the authority and the stage,
    # which most cases share, are not offered to it as filters on cases (a unary + is never an index's).
    dialect = session.get_bind().dialect.name
    la, at = Case.la_code.expression, Case.stage.expression
    if sort == "name" and dialect == "sqlite":
        la, at = (UnaryExpression(column, operator=custom_op("+")) for column in (la, at))
    where: list[ColumnElement[bool]] = []
    if la_code is not None:
        where.append(la == la_code)
    if stage is not None:
        where.append(at == stage)
    if stages:
        where.append(at.in_(sorted(stages)))
    if caseworker_id is not None:
        where.append(Case.caseworker_id == caseworker_id)
    if name is not None:
        where.append(named(name, dialect))
    if born_on is not None:
        where.append(Child.date_of_birth == born_on)
    if case_id_prefix is not None:
        low, high = (uuid.UUID(hex=case_id_prefix.ljust(32, pad)) for pad in "0f")
        where.append(Case.id.between(low, high))
    if sort == "due":
        if next_step and today is not None:
            where.append(or_(*(_within(_STEP.due, *_bounds(today)[status]) for status in next_step)))
        # A caseworker's steps carry their id: read in due order from its index, not the authority's.
        steps = [_STEP.caseworker_id == caseworker_id] if caseworker_id is not None else []
        return await _by_next_due(
            session, where, after, limit, descending=descending, nothing_owed=not next_step, steps=steps
        )
    if next_step and today is not None:
        where.append(_next_step_in(next_step, today))
    key = _BY_NAME if sort == "name" else _BY_RECEIVED
    stmt = _with_child().where(*where).order_by(*_ordered(key, descending)).limit(limit + 1)
    if after is not None:
        stmt = stmt.where(_beyond(key, await _after_key(session, sort, key, after), descending))
    found = [_row(row) for row in await session.execute(stmt)]
    return _page([(r, [r.case.id.hex] if sort == "name" else _received(r.case)) for r in found], limit)


async def _after_key(session: AsyncSession, sort: CaseSort, key: _Key, after: str) -> tuple[Any, ...]:
    """The sort key a cursor stands for: its own values, or (by name) the named case's, read again."""
    if sort != "name":
        return decode_key(after, date.fromisoformat, uuid.UUID)
    (case_id,) = decode_key(after, uuid.UUID)
    stmt = select(*key).select_from(Case).join(Child, Child.id == Case.child_id).where(Case.id == case_id)
    found = (await session.execute(stmt)).one_or_none()
    if found is None:
        raise InvalidCursor("not a cursor: its case is not in the list")
    return tuple(found)


async def _by_next_due(
    session: AsyncSession,
    where: list[ColumnElement[bool]],
    after: str | None,
    limit: int,
    *,
    descending: bool,
    nothing_owed: bool,
    steps: list[ColumnElement[bool]],
) -> CasePage:
    """The cases by their next step's due date, from the steps still owed in due order (each case's
    first only); then, with `nothing_owed`, the cases with nothing owed, by request date. The cursor:
    the last row's due date ('' for nothing owed), request date ('' for a step owed) and id."""
    due_after, received_after, case_after = (
        decode_key(after, _optional_day, _optional_day, uuid.UUID) if after else (None, None, None)
    )
    rows: list[tuple[CaseWithChild, list[str]]] = []
    if after is None or due_after is not None:
        stmt = (
            select(Case, *CHILD_NAME_COLUMNS, _STEP.due.label("next_due"))
            .select_from(_STEP)
            .join(Case, Case.id == _STEP.case_id)
            .join(Child, Child.id == Case.child_id)
            .where(*_owed(_STEP), _FIRST, *steps, *where)
            .order_by(*_ordered(_BY_DUE, descending))
            .limit(limit + 1)
        )
        if due_after is not None:
            stmt = stmt.where(_beyond(_BY_DUE, (due_after, case_after), descending))
        rows += [(_row(r), [r.next_due.isoformat(), "", r.Case.id.hex]) for r in await session.execute(stmt)]
    if len(rows) > limit or not nothing_owed:
        return _page(rows, limit)
    rest = (
        _with_child()
        .where(~exists().where(_EARLIER.case_id == Case.id, *_owed(_EARLIER)), *where)
        .order_by(*_ordered(_BY_RECEIVED, descending))
        .limit(limit + 1 - len(rows))
    )
    if received_after is not None:
        rest = rest.where(_beyond(_BY_RECEIVED, (received_after, case_after), descending))
    rows += [(_row(r), ["", *_received(r.Case)]) for r in await session.execute(rest)]
    return _page(rows, limit)
