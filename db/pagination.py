"""Keyset pagination: opaque cursors over a list's sort key, and the condition for the rows after one.

Every list in `db` (cases, the agency inbox, the overdue steps) pages by its full, unique sort key, so a
page never repeats or skips a row when rows are added between requests. A cursor is the last row's key,
JSON-encoded and base64url'd: opaque to callers, checked on the way back in (`InvalidCursor`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from db.errors import InvalidCursor


def encode_cursor(values: Sequence[str]) -> str:
    """An opaque cursor for the last row's sort key."""
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[str]:
    """The `arity` strings `encode_cursor` packed; `InvalidCursor` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor(f"not a cursor: {cursor!r}") from exc
    if not (isinstance(values, list) and len(values) == arity and all(isinstance(v, str) for v in values)):
        raise InvalidCursor(f"not a cursor: {cursor!r}")
    return values


def decode_key(cursor: str, *parsers: Callable[[str], Any]) -> tuple[Any, ...]:
    """A cursor's sort key, each part parsed by its column's parser (`date.fromisoformat`, `uuid.UUID`,
    `str`...); `InvalidCursor` when the cursor or any part does not parse."""
    values = decode_cursor(cursor, len(parsers))
    try:
        return tuple(parse(value) for parse, value in zip(parsers, values, strict=True))
    except ValueError as exc:
        raise InvalidCursor(f"not a cursor: {cursor!r}") from exc


def after_key(
    columns: Sequence[InstrumentedAttribute[Any] | ColumnElement[Any]], values: Sequence[Any]
) -> ColumnElement[bool]:
    """`(c1, c2, ...) > (v1, v2, ...)`: the rows after a cursor, each value bound with its column's type."""
    return tuple_(*columns) > tuple_(*(literal(v, c.type) for c, v in zip(columns, values, strict=True)))
