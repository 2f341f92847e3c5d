"""A list cursor is refused (`InvalidCursor`) whatever it decodes to, never an unexpected error.

Cursors come back from callers, so each is hostile input: base64 of JSON nested deeper than Python's
parser recurses, JSON of the wrong types, and strings either database refuses to bind (PostgreSQL takes
no NUL in text; neither backend takes a lone surrogate, which is not UTF-8) once were a 500 (issue 9 s.1).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.advice import list_advice_requests_for_agency
from db.cases import list_cases
from db.deadlines import list_overdue_steps
from db.errors import InvalidCursor
from db.pagination import MAX_CURSOR, decode_cursor, decode_key, encode_cursor
from db.plans import list_transfer_plans
from statute.conventions import Conventions

DAY = "2025-01-06"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def as_cursor(value: Any) -> str:
    """Any JSON value packed as a cursor is (json.dumps escapes NULs and lone surrogates as ASCII)."""
    return b64(json.dumps(value).encode())


def nested(depth: int) -> str:
    return b64(b"[" * depth + b"]" * depth)


NESTED = {
    "100000 deep": nested(100_000),  # far longer than any cursor handed out
    "1500 deep": nested(1_500),  # within the length allowed, deeper than the parser recurses
}
WRONG_TYPES = {
    "an object": as_cursor({"received_on": DAY}),
    "null": as_cursor(None),
    "a string": as_cursor(DAY),
    "a number": as_cursor(7),
    "numbers": as_cursor([20250106, 7]),
    "booleans": as_cursor([True, False]),
    "a list in the list": as_cursor([[DAY], uuid.uuid4().hex]),
    "an object in the list": as_cursor([DAY, {"id": uuid.uuid4().hex}]),
    "huge number": b64(b"[" + b"9" * 5000 + b"]"),
    "not UTF-8": b64(b'["\xff\xfe", "x"]'),
}


SHAPES = {**NESTED, **WRONG_TYPES}


@pytest.mark.parametrize("cursor", SHAPES.values(), ids=list(SHAPES))
def test_a_cursor_of_any_other_shape_is_refused_without_repeating_it(cursor: str) -> None:
    # the message reaches logs and error bodies: it names the problem, never the caller's input
    with pytest.raises(InvalidCursor, match="not a cursor") as refused:
        decode_key(cursor, date.fromisoformat, uuid.UUID)
    assert cursor[:20] not in str(refused.value)
    assert len(str(refused.value)) < 200


def test_the_longest_cursor_a_list_hands_out_still_decodes() -> None:
    # The overdue list's key: a deadline's name (String(50)) and key (String(100)) of characters that
    # JSON escapes to twelve bytes each; the length allowed must not refuse it.
    values = [DAY, uuid.uuid4().hex, "\U0001f600" * 50, "\U0001f600" * 100, DAY]
    cursor = encode_cursor(values)
    assert len(cursor) <= MAX_CURSOR
    assert decode_cursor(cursor, 5) == values


UNBINDABLE = {"NUL": "advice\x00x", "lone surrogate": "\ud800"}
Lister = Callable[[AsyncSession, str], Awaitable[object]]


async def _overdue(session: AsyncSession, after: str) -> object:
    return await list_overdue_steps(session=session, as_of=date(2025, 6, 1), after=after)


async def _cases(session: AsyncSession, after: str) -> object:
    return await list_cases(session=session, la_code="202", after=after)


async def _inbox(session: AsyncSession, after: str) -> object:
    return await list_advice_requests_for_agency(session=session, agency_id=uuid.uuid4(), after=after)


async def _transfers(session: AsyncSession, after: str) -> object:
    return await list_transfer_plans(
        session=session, la_code="202", year=2026, conventions=Conventions(), after=after
    )


LISTS: dict[str, Lister] = {
    "overdue": _overdue,
    "cases": _cases,
    "inbox": _inbox,
    "phase transfers": _transfers,
}


@pytest.mark.parametrize("text", UNBINDABLE.values(), ids=list(UNBINDABLE))
async def test_a_cursor_the_database_cannot_bind_is_refused(session: AsyncSession, text: str) -> None:
    # The overdue list's key holds two plain strings (a deadline's name and key); the other lists' parts
    # are dates and ids, which their parsers refuse.
    for deadline, key in [(text, "k"), ("advice", text)]:
        with pytest.raises(InvalidCursor, match="not a cursor"):
            await _overdue(session, as_cursor([DAY, uuid.uuid4().hex, deadline, key, DAY]))


@pytest.mark.parametrize("name", LISTS)
async def test_every_list_refuses_nested_and_mistyped_cursors(session: AsyncSession, name: str) -> None:
    for cursor in [*NESTED.values(), *WRONG_TYPES.values()]:
        with pytest.raises(InvalidCursor, match="not a cursor"):
            await LISTS[name](session, cursor)
