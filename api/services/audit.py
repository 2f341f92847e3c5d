"""Every command and every agency read is audited (docs/architecture.md): ids, never names. A command's
`update_id` is its Temporal update id, the hash of the caller's id and Idempotency-Key
(api/services/idempotency.py), never the key.

The audit line is written by the API after Temporal answered, so what a failed write means depends on
what it records (issue 9 s.2):

- `audit`, a command's outcome (done, refused or not taken): the workflow has already applied or refused
  the command, and an error now would tell the caller that a step taken was not, or turn a 409 into a 500.
  So the answer never depends on the line: the write is tried a few times, each waiting only briefly for
  the database's write lock, and if it still fails the line goes to the log instead (`audit.unwritten`,
  with the same ids and no personal data) and the command's answer goes out.
- `audit_read`, an agency's read: the line is the condition of the read, so no line, no data (503).
  On SQLite it is one INSERT on a connection of its own in autocommit, opened for it (no pool to share
  with the request's) and waiting only briefly for the lock from when it opens: the write lock is held
  only while the statement runs. In the request's session the lock was held from the INSERT to the
  COMMIT, across whatever the event loop ran in between, and 20 agencies opening their inboxes at once
  waited up to a second in SQLite's busy handler (bench/pages.py).

Waiting briefly matters as much as retrying: SQLite's connections wait up to 30 s for the one write lock
(db/engine.py), which under a long lock would hold every answer that long. Each try lowers that wait for
its own statement and puts it back; on PostgreSQL it sets `lock_timeout` for its transaction. A retry
starts a new transaction: whatever the caller had not committed goes with the failed one (for the
refused advice path, the deletion of its new documents, which then stay, as after a timeout).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.pool import NullPool

from api.deps import Principal
from api.errors import Unavailable
from core.logging import get_logger
from db.audit import append_audit, append_read
from db.engine import make_engine

log = get_logger(__name__)

Work = Callable[[AsyncSession], Awaitable[None]]  # what one try writes, before its commit

ATTEMPTS = 3
LOCK_WAIT = timedelta(seconds=1)  # per try: a normal writer holds the lock for milliseconds
LOCK_WAIT_MS = int(LOCK_WAIT.total_seconds() * 1000)
PAUSE = timedelta(milliseconds=100)  # between tries


async def audit(
    *,
    session: AsyncSession,
    user: Principal,
    action: str,
    case_id: uuid.UUID | None = None,
    update_id: str | None = None,
    detail: dict[str, Any] | None = None,
    with_line: Work | None = None,
) -> None:
    """Append one audit line of what a command did and commit it with whatever the session already holds
    and what `with_line` writes (a command's Idempotency-Key marked applied: written with its line or
    not at all); if the database cannot take it, log the line instead. Never raises for the database."""
    line = _line(user=user, action=action, case_id=case_id, update_id=update_id, detail=detail)

    async def write(session: AsyncSession) -> None:
        await append_audit(session=session, **line)
        if with_line is not None:
            await with_line(session)

    failure = await write_briefly(session, write)
    if failure is not None:
        # The ids, never the values: the line as it would have been written, for the auditor to recover.
        log.error("audit.unwritten", error=type(failure).__name__, **line)


async def audit_read(
    *,
    session: AsyncSession,
    user: Principal,
    action: str,
    case_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit line of an agency's read and commit it; 503 if the database cannot take it, so
    nothing is read that is not audited."""
    line = _line(user=user, action=action, case_id=case_id, update_id=None, detail=detail)

    async def write(session: AsyncSession) -> None:
        await append_audit(session=session, **line)

    bind = session.bind
    if isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite":
        failure = await _write_alone(_alone(bind.url), line)
    else:
        failure = await write_briefly(session, write)
    if failure is not None:
        log.warning("audit.read_refused", error=type(failure).__name__, action=action)
        raise Unavailable(
            "the case database is busy and could not record this read; retry in a few seconds",
            headers={"Retry-After": "5"},
        ) from failure


def _line(
    *,
    user: Principal,
    action: str,
    case_id: uuid.UUID | None,
    update_id: str | None,
    detail: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "action": action,
        "actor_id": user.id,
        "case_id": case_id,
        "update_id": update_id,
        "detail": {"role": user.role, **(detail or {})},
    }


async def write_briefly(session: AsyncSession, work: Work) -> SQLAlchemyError | None:
    """Run `work` on the session and commit, trying up to ATTEMPTS times while the database is locked or
    unavailable (OperationalError), each try waiting at most LOCK_WAIT for the lock; the last error
    (any other one ends the tries at once: an IntegrityError would only come again), or None once
    committed. Also used to record an Idempotency-Key before its command (api/services/idempotency.py)."""
    failure: SQLAlchemyError | None = None
    for attempt in range(ATTEMPTS):
        if attempt:
            await asyncio.sleep(PAUSE.total_seconds())
        try:
            connection = await session.connection()
            restore = await _wait_briefly(connection)
            try:
                await work(session)
            finally:
                await restore()
            await session.commit()
        except SQLAlchemyError as error:
            failure = error
            try:
                await session.rollback()
            except SQLAlchemyError:
                break  # the connection is gone with the transaction: nothing more to try on it
            if not isinstance(error, OperationalError):
                break  # not a lock or a lost connection: trying again would fail the same way
        else:
            return None
    return failure


_ALONE: dict[URL, AsyncEngine] = {}


def _alone(url: URL) -> AsyncEngine:
    """An engine on the same SQLite file whose connections are opened for one statement and closed, each
    waiting at most LOCK_WAIT for the write lock from when it is opened (not set and read back a try)."""
    if url not in _ALONE:
        engine = make_engine(url, poolclass=NullPool)
        event.listen(engine.sync_engine, "connect", _waiting_briefly)  # after make_engine's own pragmas
        _ALONE[url] = engine
    return _ALONE[url]


def _waiting_briefly(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
    finally:
        cursor.close()


async def _write_alone(engine: AsyncEngine, line: dict[str, Any]) -> SQLAlchemyError | None:
    """`line` written as one statement committed by itself, tried as `write_briefly` tries."""
    failure: SQLAlchemyError | None = None
    read = {k: v for k, v in line.items() if k != "update_id"}
    for attempt in range(ATTEMPTS):
        if attempt:
            await asyncio.sleep(PAUSE.total_seconds())
        try:
            async with engine.connect() as opened:
                connection = await opened.execution_options(isolation_level="AUTOCOMMIT")
                await append_read(connection=connection, **read)
        except SQLAlchemyError as error:
            failure = error
            if not isinstance(error, OperationalError):
                break
        else:
            return None
    return failure


async def _nothing() -> None:
    return None


async def _wait_briefly(connection: AsyncConnection) -> Callable[[], Awaitable[None]]:
    """Make this connection wait at most LOCK_WAIT for a lock; what puts its own wait back."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # Ends with the transaction: nothing to put back.
        await connection.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_WAIT_MS}")
        return _nothing
    if dialect != "sqlite":
        return _nothing
    previous = int((await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar_one())
    await connection.exec_driver_sql(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")

    async def restore() -> None:
        try:
            await connection.exec_driver_sql(f"PRAGMA busy_timeout={previous}")
        except SQLAlchemyError:
            # A connection that cannot be given its wait back must not serve another writer.
            await connection.invalidate()

    return restore
