"""Each API process keeps `EHCP_DATABASE_POOL_SIZE` connections open: under 20 users at once on two
processes the default pool of 5 opened and closed a PostgreSQL connection for two requests in five (a new
server process each time; bench/pages.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.app import create_app
from core.settings import Settings
from db.engine import make_engine


async def test_the_app_keeps_as_many_connections_as_the_setting_says(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, demo=True, database_url=f"sqlite+aiosqlite:///{tmp_path / 'e.db'}")
    sized = settings.model_copy(update={"database_pool_size": 7})
    app = create_app(sized, client=cast(Client, object()))  # Temporal is not asked here
    async with app.router.lifespan_context(app):
        engine: AsyncEngine = app.state.sessions.kw["bind"]
        pool: Any = engine.pool
        assert (pool.size(), pool._max_overflow) == (7, 7)
    assert Settings(_env_file=None).database_pool_size == 20


async def test_an_in_memory_database_takes_no_pool_size() -> None:
    engine = make_engine("sqlite+aiosqlite:///:memory:", pool_size=7, max_overflow=7)
    await engine.dispose()
