"""Keyset cursors: opaque, checked on the way back in, and `after_key` compares whole sort keys in SQL."""

from __future__ import annotations

import base64
import dataclasses
import uuid
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import InvalidCursor
from db.models import Case
from db.pagination import after_key, decode_cursor, decode_key, encode_cursor

from .factories import a_case, project


def test_a_cursor_round_trips_and_is_url_safe() -> None:
    values = ["2025-01-06", uuid.uuid4().hex, "advice", "", "ünïcode/+?"]
    cursor = encode_cursor(values)
    assert cursor.isascii()
    assert not set(cursor) & set("+/=")
    assert decode_cursor(cursor, len(values)) == values


def test_decode_key_parses_each_part() -> None:
    case_id = uuid.uuid4()
    cursor = encode_cursor(["2025-01-06", case_id.hex, "final_plan"])
    assert decode_key(cursor, date.fromisoformat, uuid.UUID, str) == (date(2025, 1, 6), case_id, "final_plan")


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "",
        "!!!",
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),  # not a list
        encode_cursor(["2025-01-06"]),  # one value short
        encode_cursor(["2025-01-06", uuid.uuid4().hex, "extra"]),  # one too many
        base64.urlsafe_b64encode(b'["2025-01-06", 7]').decode(),  # not strings
        encode_cursor(["2025-02-30", uuid.uuid4().hex]),  # no such day
        encode_cursor(["2025-01-06", "not-a-uuid"]),
    ],
)
def test_anything_but_a_cursor_handed_out_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor, match="not a cursor"):
        decode_key(cursor, date.fromisoformat, uuid.UUID)


async def test_after_key_compares_the_whole_key_on_each_backend(session: AsyncSession) -> None:
    ids = sorted(uuid.uuid4() for _ in range(3))
    received = [date(2025, 1, 6), date(2025, 1, 6), date(2025, 1, 7)]
    for case_id, received_on in zip(ids, received, strict=True):
        case = await a_case(session, received_on=received_on)
        await project(session, dataclasses.replace(case, id=case_id), [])
    sort = (Case.received_on, Case.id)

    async def after(key: tuple[date, uuid.UUID]) -> list[uuid.UUID]:
        stmt = select(Case.id).where(after_key(sort, key)).order_by(*sort)
        return list((await session.execute(stmt)).scalars())

    assert await after((date(2025, 1, 5), ids[2])) == ids
    assert await after((date(2025, 1, 6), ids[0])) == ids[1:]  # a tie on the date goes on to the id
    assert await after((date(2025, 1, 6), ids[1])) == ids[2:]
    assert await after((date(2025, 1, 7), ids[2])) == []
