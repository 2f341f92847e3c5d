"""Reg 6 advice requests and what the agencies send back.

An agency sees only the requests sent to it: the `..._for_agency` functions filter by agency first, and
answer None (the API's 404) for anything else. The inbox and the agency's read of one request say which
child each is for (names and date of birth), read in the same query; the pages' inbox (`list_inbox`,
`read_inbox_line`) adds the child's school where the case says it and what reg 6(2) asks of the advice.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy import BindParameter, Select, bindparam, case, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db._sql import dialect_insert
from db.base import new_id
from db.children import CHILD_NAME_COLUMNS, ChildName
from db.errors import NotFound
from db.models import AdviceRequest, Agency, Case, Child
from db.pagination import after_key, decode_key, encode_cursor


@dataclass(frozen=True, slots=True)
class AdviceWithChild:
    """An advice request, and the child it is for."""

    request: AdviceRequest
    child: ChildName


@dataclass(frozen=True, slots=True)
class AdvicePage:
    rows: tuple[AdviceWithChild, ...]
    next_after: str | None

    @property
    def requests(self) -> tuple[AdviceRequest, ...]:
        return tuple(row.request for row in self.rows)


def _with_child(agency_id: uuid.UUID | BindParameter[uuid.UUID]) -> Select[AdviceRequest, str, str, date]:
    """The agency's requests, each with its case's child (the case's row only links the two)."""
    return (
        select(AdviceRequest, *CHILD_NAME_COLUMNS)
        .join(Case, Case.id == AdviceRequest.case_id)
        .join(Child, Child.id == Case.child_id)
        .where(AdviceRequest.agency_id == agency_id)
    )


def _row(row: Any) -> AdviceWithChild:
    return AdviceWithChild(request=row.AdviceRequest, child=ChildName.of(row))


async def _find(session: AsyncSession, case_id: uuid.UUID, advice_id: str) -> AdviceRequest | None:
    stmt = (
        select(AdviceRequest)
        .where(AdviceRequest.case_id == case_id, AdviceRequest.advice_id == advice_id)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def record_advice_request(
    *,
    session: AsyncSession,
    case_id: uuid.UUID,
    advice_id: str,
    kind: str,
    agency_id: uuid.UUID,
    requested_on: date,
    received_by_body_on: date,
    due_on: date,
) -> AdviceRequest:
    """Record that advice `advice_id` was requested; once per (case, advice id), a repeat is a no-op."""
    stmt = (
        dialect_insert(session, AdviceRequest)
        .values(
            id=new_id(),
            case_id=case_id,
            advice_id=advice_id,
            kind=kind,
            agency_id=agency_id,
            requested_on=requested_on,
            received_by_body_on=received_by_body_on,
            due_on=due_on,
            status="requested",
        )
        .on_conflict_do_nothing()
    )
    await session.execute(stmt)
    request = await _find(session, case_id, advice_id)
    assert request is not None  # inserted above, or already there
    return request


async def record_advice_received(
    *, session: AsyncSession, case_id: uuid.UUID, advice_id: str, received_on: date
) -> AdviceRequest:
    """Mark the advice received (reg 8(1)); the first receipt's date stands."""
    request = await _find(session, case_id, advice_id)
    if request is None:
        raise NotFound(f"no advice request {advice_id!r} on case {case_id}")
    if request.status != "received":
        request.status = "received"
        request.received_on = received_on
        await session.flush()
    return request


async def record_advice_withdrawn(*, session: AsyncSession, case_id: uuid.UUID, advice_id: str) -> None:
    """Mark the request withdrawn: no longer owed. Advice already received stays received."""
    request = await _find(session, case_id, advice_id)
    if request is None:
        raise NotFound(f"no advice request {advice_id!r} on case {case_id}")
    if request.status == "requested":
        request.status = "withdrawn"
        await session.flush()


async def list_advice_requests_for_agency(
    *, session: AsyncSession, agency_id: uuid.UUID, after: str | None = None, limit: int = 50
) -> AdvicePage:
    """The agency's inbox: the requests sent to it with the child each is for, soonest due first, a page
    at a time, in one query."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    stmt = _with_child(agency_id).order_by(AdviceRequest.due_on, AdviceRequest.id).limit(limit + 1)
    if after is not None:
        key = decode_key(after, date.fromisoformat, uuid.UUID)
        stmt = stmt.where(after_key((AdviceRequest.due_on, AdviceRequest.id), key))
    rows = [_row(row) for row in await session.execute(stmt)]
    page = tuple(rows[:limit])
    last = page[-1].request if len(rows) > limit else None
    return AdvicePage(
        rows=page, next_after=encode_cursor([last.due_on.isoformat(), last.id.hex]) if last else None
    )


async def get_advice_request(
    *, session: AsyncSession, case_id: uuid.UUID, advice_id: str
) -> AdviceRequest | None:
    """The request on the case, whichever agency it was sent to (the authority's staff see every case)."""
    return await _find(session, case_id, advice_id)


async def get_advice_request_for_agency(
    *, session: AsyncSession, agency_id: uuid.UUID, case_id: uuid.UUID, advice_id: str
) -> AdviceRequest | None:
    """The request if it was sent to this agency; None for anything else, existing or not."""
    stmt = select(AdviceRequest).where(
        AdviceRequest.agency_id == agency_id,
        AdviceRequest.case_id == case_id,
        AdviceRequest.advice_id == advice_id,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def read_advice_request_for_agency(
    *, session: AsyncSession, agency_id: uuid.UUID, case_id: uuid.UUID, advice_id: str
) -> AdviceWithChild | None:
    """The request with the child it is for, if it was sent to this agency; None for anything else,
    existing or not."""
    stmt = _with_child(agency_id).where(
        AdviceRequest.case_id == case_id, AdviceRequest.advice_id == advice_id
    )
    row = (await session.execute(stmt)).one_or_none()
    return _row(row) if row is not None else None


# The kinds of agency whose educational advice is the child's own school's or setting's (reg 6(1)(b)(i)).
SCHOOL_KINDS = ("school", "early_years")


@dataclass(frozen=True, slots=True)
class InboxLine:
    """An advice request as its agency's inbox shows it: the child it is for; the child's school or
    setting where the case says it (the one asked for its educational advice, reg 6(1)(b)(i); the
    school an advice request names is kept only in its workflow); and, for educational advice alone,
    whether the child has a visual or hearing impairment (reg 6(2): the advice is then given after
    consulting a teacher qualified to teach such pupils). For any other advice both are False: the
    child's impairments leave `children` only for the advice they change."""

    request: AdviceRequest
    child: ChildName
    school: str | None
    visual_impairment: bool
    hearing_impairment: bool


@dataclass(frozen=True, slots=True)
class InboxPage:
    lines: tuple[InboxLine, ...]
    next_after: str | None


# The inbox's order: requests still open first, then those answered, then those no longer needed.
INBOX_ORDER: Final = ("requested", "received", "withdrawn")


def _standing(text: str) -> str:
    if text not in INBOX_ORDER:
        raise ValueError(text)
    return text


def _inbox(agency_id: uuid.UUID | BindParameter[uuid.UUID]) -> Select[Any]:
    asked, school = aliased(AdviceRequest), aliased(Agency)
    school_name = (
        select(school.name)
        .select_from(asked)
        .join(school, school.id == asked.agency_id)
        .where(
            asked.case_id == AdviceRequest.case_id, asked.kind == "educational", school.kind.in_(SCHOOL_KINDS)
        )
        .order_by(asked.requested_on.desc(), asked.advice_id)
        .limit(1)
        .scalar_subquery()
    )
    educational = AdviceRequest.kind == "educational"
    return _with_child(agency_id).add_columns(
        school_name.label("school"),
        case((educational, Child.visual_impairment), else_=false()).label("visual_impairment"),
        case((educational, Child.hearing_impairment), else_=false()).label("hearing_impairment"),
    )


def _line(row: Any) -> InboxLine:
    return InboxLine(
        request=row.AdviceRequest,
        child=ChildName.of(row),
        school=row.school,
        visual_impairment=bool(row.visual_impairment),
        hearing_impairment=bool(row.hearing_impairment),
    )


_INBOX_KEY = (AdviceRequest.due_on, AdviceRequest.id)


@functools.lru_cache(maxsize=256)
def _inbox_of(status: str, limit: int) -> Select[Any]:
    """The first `limit` of an agency's requests of one status in due order, the agency a bound parameter
    (`agency_id`): built once, as making this statement anew took longer than SQLite took to answer it."""
    stmt = _inbox(bindparam("agency_id", type_=AdviceRequest.agency_id.type))
    return stmt.where(AdviceRequest.status == status).order_by(*_INBOX_KEY).limit(limit)


async def list_inbox(
    *, session: AsyncSession, agency_id: uuid.UUID, after: str | None = None, limit: int = 50
) -> InboxPage:
    """The agency's inbox as its pages show it, a page at a time: the requests still open, soonest due
    first; then those answered, then those no longer needed, each by due date. One query for each of
    those three its page reaches, each the agency's requests of one status in due order.
    `after` is the previous page's `next_after` (`InvalidCursor` for anything else)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    start, beyond = 0, None
    if after is not None:
        status, *last = decode_key(after, _standing, date.fromisoformat, uuid.UUID)
        start, beyond = INBOX_ORDER.index(status), after_key(_INBOX_KEY, last)
    rows: list[Any] = []
    for status in INBOX_ORDER[start:]:
        stmt = _inbox_of(status, limit + 1 - len(rows))
        if beyond is not None:
            stmt, beyond = stmt.where(beyond), None
        rows += await session.execute(stmt, {"agency_id": agency_id})
        if len(rows) > limit:
            break
    cursor = None
    if len(rows) > limit:
        last_row = rows[limit - 1].AdviceRequest
        cursor = encode_cursor([last_row.status, last_row.due_on.isoformat(), last_row.id.hex])
    return InboxPage(lines=tuple(_line(row) for row in rows[:limit]), next_after=cursor)


async def read_inbox_line(
    *, session: AsyncSession, agency_id: uuid.UUID, case_id: uuid.UUID, advice_id: str
) -> InboxLine | None:
    """One request as the inbox shows it, if it was sent to this agency; None for anything else."""
    stmt = _inbox(agency_id).where(AdviceRequest.case_id == case_id, AdviceRequest.advice_id == advice_id)
    row = (await session.execute(stmt)).one_or_none()
    return _line(row) if row is not None else None
