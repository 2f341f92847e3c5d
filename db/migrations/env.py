"""Alembic environment for the async engine.

The database comes from, in order: a connection the caller passes in `config.attributes["connection"]`
(`db.migrate.upgrade`), a URL in `config.attributes["url"]` or the `sqlalchemy.url` option, then the
`EHCP_DATABASE_URL` environment variable.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from db import models  # noqa: F401  (registers the tables on Base.metadata)
from db.base import Base
from db.engine import async_url, make_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = (
        config.attributes.get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("EHCP_DATABASE_URL")
    )
    if not url:
        raise RuntimeError("no database URL: pass one to db.migrate or set EHCP_DATABASE_URL")
    return str(url)


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=async_url(_url()).render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (given := config.attributes.get("connection")) is not None:
    _run_on(given)
else:
    asyncio.run(_run_async(_url()))
