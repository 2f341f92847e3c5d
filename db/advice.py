"""Reg 6 advice requests and what the agencies send back.

An agency sees only the requests sent to it: the `..._for_agency` functions filter by agency first, and
answer None (the API's 404) for anything else. The inbox and the agency's read of one request say which
child each is for (names and date of birth), read in the same query.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from db._sql import dialect_insert
from db.base import new_id
from db.children import CHILD_NAME_COLUMNS, ChildName
from db.errors import NotFound
from db.models import AdviceRequest, Case, Child
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


def _with_child(agency_id: uuid.UUID) -> Select[AdviceRequest, str, str, date]:
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
