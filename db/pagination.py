"""Keyset pagination: opaque cursors over a list's sort key, and the condition for the rows after one.

Every list in `db` (cases, the agency inbox, the overdue steps) pages by its full, unique sort key, so a
page never repeats or skips a row when rows are added between requests. A cursor is the last row's key,
JSON-encoded and base64url'd: opaque to callers, checked on the way back in (`InvalidCursor`).

A cursor comes back from the caller, so it is hostile input: anything but the flat list of strings this
module packed is refused before it reaches the parser's recursion or a database's bind (a NUL, which
PostgreSQL's text cannot hold, or a lone surrogate, which is not UTF-8), and the refusal never repeats
the cursor (it reaches logs and error bodies).
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

# Characters: well above the longest cursor a list hands out (the overdue list's five parts, a 50- and a
# 100-character string among them, each character JSON-escaped to at most 12 bytes: about 2,500), and
# short enough that nothing is decoded that could not be one.
MAX_CURSOR = 4096


def encode_cursor(values: Sequence[str]) -> str:
    """An opaque cursor for the last row's sort key."""
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def _bindable(value: object) -> bool:
    """A string both databases can bind: no NUL, and UTF-8 (no lone surrogate)."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def decode_cursor(cursor: str, arity: int) -> list[str]:
    """The `arity` strings `encode_cursor` packed; `InvalidCursor` for anything else."""
    if len(cursor) > MAX_CURSOR:
        raise InvalidCursor(f"not a cursor: longer than the {MAX_CURSOR} characters of any handed out")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    # RecursionError: JSON nested deeper than the parser recurses ("[[[[...]]]]")
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise InvalidCursor("not a cursor: not the base64 of a JSON list") from exc
    if not (isinstance(values, list) and len(values) == arity and all(_bindable(v) for v in values)):
        raise InvalidCursor(f"not a cursor: not a list of {arity} strings")
    return values


def decode_key(cursor: str, *parsers: Callable[[str], Any]) -> tuple[Any, ...]:
    """A cursor's sort key, each part parsed by its column's parser (`date.fromisoformat`, `uuid.UUID`,
    `str`...); `InvalidCursor` when the cursor or any part does not parse."""
    values = decode_cursor(cursor, len(parsers))
    try:
        return tuple(parse(value) for parse, value in zip(parsers, values, strict=True))
    except ValueError as exc:
        raise InvalidCursor("not a cursor: a part of its key does not parse") from exc


def after_key(
    columns: Sequence[InstrumentedAttribute[Any] | ColumnElement[Any]], values: Sequence[Any]
) -> ColumnElement[bool]:
    """`(c1, c2, ...) > (v1, v2, ...)`: the rows after a cursor, each value bound with its column's type."""
    return tuple_(*columns) > tuple_(*(literal(v, c.type) for c, v in zip(columns, values, strict=True)))
