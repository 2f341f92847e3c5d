"""Dialect inserts with ON CONFLICT, shared by the service modules (cursors live in `db.pagination`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import UnsupportedDatabase


def dialect_insert(session: AsyncSession, model: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows ON CONFLICT, for the backend `session` is bound to."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise UnsupportedDatabase(f"{name} is not supported: use SQLite or PostgreSQL")
