"""Helpers shared by the service modules: dialect inserts with ON CONFLICT, and keyset cursors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, literal, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db.errors import InvalidCursor, UnsupportedDatabase


def dialect_insert(session: AsyncSession, model: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows ON CONFLICT, for the backend `session` is bound to."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise UnsupportedDatabase(f"{name} is not supported: use SQLite or PostgreSQL")


def encode_cursor(values: Sequence[str]) -> str:
    """An opaque cursor for the last row's sort key."""
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor(f"not a cursor: {cursor!r}") from exc
    if not (isinstance(values, list) and len(values) == arity and all(isinstance(v, str) for v in values)):
        raise InvalidCursor(f"not a cursor: {cursor!r}")
    return values


def after_key(columns: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any]) -> ColumnElement[bool]:
    """`(c1, c2, ...) > (v1, v2, ...)`: the rows after a cursor, each value bound with its column's type."""
    return tuple_(*columns) > tuple_(*(literal(v, c.type) for c, v in zip(columns, values, strict=True)))
