"""The case record and its deadlines as a workflow last projected them (the read model).

An activity calls `project_case` after every state change of an assessment workflow. It writes only when
the state version is newer than the stored one, so a retried or late activity never goes back in time.
The API reads it back: one case (`get_case`; with who it is about, `get_case_with_child`), its timeline
(`list_case_deadlines`) and the case list (`list_cases`), searchable by the child's name and date of
birth. A list reads the child's names and date of birth in its own query, one for the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db._sql import dialect_insert
from db.base import utcnow
from db.children import CHILD_NAME_COLUMNS, ChildName, named
from db.models import Case, CaseDeadline, Child
from db.pagination import after_key, decode_key, encode_cursor
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


_SORT = (Case.received_on, Case.id)


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
) -> CasePage:
    """Cases from the read model with who each is about, oldest request first (then by id), a page at a
    time, in one query.

    Each filter given narrows the list: `name` to the children whose given name, family name or "given
    family" starts with it, whatever the case (`db.children.named`), `born_on` to those born that day.
    `after` is the previous page's `next_after` (`InvalidCursor` for anything else).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    stmt = _with_child().order_by(*_SORT).limit(limit + 1)
    if la_code is not None:
        stmt = stmt.where(Case.la_code == la_code)
    if stage is not None:
        stmt = stmt.where(Case.stage == stage)
    if caseworker_id is not None:
        stmt = stmt.where(Case.caseworker_id == caseworker_id)
    if name is not None:
        stmt = stmt.where(named(name, session.get_bind().dialect.name))
    if born_on is not None:
        stmt = stmt.where(Child.date_of_birth == born_on)
    if after is not None:
        stmt = stmt.where(after_key(_SORT, decode_key(after, date.fromisoformat, uuid.UUID)))
    rows = [CaseWithChild(case=row.Case, child=ChildName.of(row)) for row in (await session.execute(stmt))]
    page = tuple(rows[:limit])
    last = page[-1].case if len(rows) > limit else None
    return CasePage(
        rows=page,
        next_after=encode_cursor([last.received_on.isoformat(), last.id.hex]) if last else None,
    )
