"""What every connection is given (db/engine.py): on PostgreSQL no JIT compiling (it cost the dashboard's
counts seconds) and the URL's own options kept; on SQLite foreign keys and WAL."""

from __future__ import annotations

from sqlalchemy import text

from ..conftest import Database


async def test_each_connection_is_set_up_for_the_service(database: Database) -> None:
    async with database.engine.connect() as connection:
        if database.backend == "postgresql":
            assert (await connection.execute(text("SHOW jit"))).scalar() == "off"
            path = (await connection.execute(text("SHOW search_path"))).scalar()
            assert str(path).startswith("ehcp_test_")  # the test's schema, from the URL's options
        else:
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
