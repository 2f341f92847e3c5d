"""The async engine and session factory, for SQLite (aiosqlite, embedded) and PostgreSQL (psycopg 3).

Service functions never commit: the caller owns the transaction (`async with session.begin(): ...`), so
a decision, its audit line and its outbox message are written together or not at all.

A failed statement's error names the table, column or constraint, never the values: the bound parameters
are hidden, and PostgreSQL's DETAIL line, which quotes the failing row or key, is cut off. Errors are
logged and carried into Temporal's history, where a child's name has no place (UK GDPR art. 5(1)(c)).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}


def async_url(url: str | URL) -> URL:
    """`sqlite:///x.db` -> `sqlite+aiosqlite:///x.db`, `postgresql://...` -> `postgresql+psycopg://...`."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers and the one writer run side by side.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")  # a writer waits up to 30 s for the one write lock
    finally:
        cursor.close()


def _without_row_values(context: ExceptionContext) -> None:
    """Cut a PostgreSQL error down to its primary message ("null value in column "given_name" of relation
    "children" violates not-null constraint"): its DETAIL quotes the failing row ("Failing row contains
    (..., Quartermain-Oduya, 2015-06-30, ...)") or key. The driver keeps every field in `orig.diag`."""
    original = context.original_exception
    primary = getattr(getattr(original, "diag", None), "message_primary", None)
    if not primary or str(original) == primary:
        return
    original.args = (primary,)
    wrapped = context.sqlalchemy_exception
    if isinstance(wrapped, DBAPIError):
        # SQLAlchemy's text was made from the driver's before this hook ran: make it again, as it does.
        kind = type(original)
        wrapped.args = (f"({kind.__module__}.{kind.__name__}) {primary}",)


def make_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url` whose errors hold no values; on SQLite every connection gets foreign keys
    and WAL."""
    parsed = async_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        kwargs.pop("pool_size", None)  # one connection holds an in-memory database: no pool to size
        kwargs.pop("max_overflow", None)
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        # No JIT compiling: it took 0.1 to 3 s a query to compile the dashboard's counts, for queries the
        # indexes answer in milliseconds (a server's own setting can turn it back on per role).
        given = parsed.query.get("options", "")  # the URL's own (a schema's search_path) are kept
        options = " ".join([*(given if isinstance(given, tuple) else (given,)), "-c jit=off"]).strip()
        kwargs["connect_args"] = {"options": options, **kwargs.get("connect_args", {})}
    # A failed statement's parameters are a child's name, date of birth and UPN: never in its error.
    kwargs["hide_parameters"] = True
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "handle_error", _without_row_values)
    return engine


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (no lazy reload on an async session)."""
    return async_sessionmaker(engine, expire_on_commit=False)
