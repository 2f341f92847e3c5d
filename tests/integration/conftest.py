"""Every database test runs twice: on a fresh SQLite file and on a fresh PostgreSQL schema.

PostgreSQL comes from `EHCP_TEST_POSTGRES_URL` (default: the local server's `test` database). Each test
gets its own schema, dropped afterwards, so runs never collide. An unreachable server fails the test:
the PostgreSQL lane is never skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from db.engine import make_engine, make_session_factory
from db.migrate import upgrade

POSTGRES_URL = os.environ.get("EHCP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START_POSTGRES = (
    "start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "
    "or point EHCP_TEST_POSTGRES_URL at a server you can reach"
)


@dataclass(frozen=True)
class Database:
    backend: str
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


async def _postgres_schema_url() -> tuple[str, AsyncEngine, str]:
    schema = f"ehcp_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL, poolclass=NullPool)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except (DBAPIError, OSError) as exc:
        await admin.dispose()
        pytest.fail(
            f"PostgreSQL is not reachable at {_shown(POSTGRES_URL)} ({type(exc).__name__}): {START_POSTGRES}"
        )
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), admin, schema


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database (no tables) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'ehcp.db'}"
        return
    url, admin, schema = await _postgres_schema_url()
    try:
        yield url
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def database(empty_url: str) -> AsyncIterator[Database]:
    """A migrated database, its engine and session factory."""
    await upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        yield Database(
            backend=engine.dialect.name, url=empty_url, engine=engine, sessions=make_session_factory(engine)
        )
    finally:
        await engine.dispose()


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.sessions() as session:
        yield session
